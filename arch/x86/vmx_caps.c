// SPDX-License-Identifier: GPL-2.0
/* keel's VMX controls from a CPU's capability MSRs (arch/vmx.h). */
#include <arch/vmx.h>
#include <hv/errno.h>
#include <hv/string.h>

#define EPT_WALK4 BIT(6)
#define EPT_WB BIT(14)

/*
 * adjust_vmx_controls(): bits 31:0 of msr are the allowed-0 settings (1:
 * must be 1), bits 63:32 the allowed-1 settings (0: must be 0). The
 * control is min | opt where allowed, plus what must be 1; -EIO if a min
 * bit is not allowed.
 */
static int adjust(uint32_t min, uint32_t opt, uint64_t msr, uint32_t *out)
{
	uint32_t must = (uint32_t)msr, may = (uint32_t)(msr >> 32), ctl = ((min | opt) & may) | must;

	if ((ctl & min) != min)
		return -EIO;
	*out = ctl;
	return 0;
}

int vmx_setup_config(const struct vmx_caps *c, struct vmx_config *cfg, const char **why)
{
	bool true_ctls = c->basic & VMX_BASIC_TRUE_CTLS;

	memset(cfg, 0, sizeof(*cfg));
	cfg->revision = (uint32_t)(c->basic & 0x7fffffff);
	cfg->vmcs_size = (uint32_t)((c->basic >> 32) & 0x1fff);
	/* A VMCS of at most a page, addressable with 64 bits (bit 48: 32-bit physical addresses only). */
	if (!cfg->vmcs_size || cfg->vmcs_size > 4096 || (c->basic & BIT(48))) {
		*why = "a VMCS keel cannot use (size or 32-bit addressing in IA32_VMX_BASIC)";
		return -EIO;
	}
	/*
	 * The host's interrupts are its own. NMIs exit, because keel uses them to
	 * take a CPU back from the host (apic.c) and gives the host's back
	 * (virtual NMIs: the host's NMI blocking tracked for the reinjection).
	 */
	if (adjust(PIN_NMI_EXITING | PIN_VIRTUAL_NMIS, 0, true_ctls ? c->true_pin : c->pin, &cfg->pin)) {
		*why = "pin-based controls NMI exiting and virtual NMIs";
		return -EIO;
	}
	/* No exits for HLT, INVLPG, CR3, I/O: the host runs unpaged and paged under EPT as on bare metal. */
	if (adjust(PROC_SECONDARY | PROC_USE_MSR_BITMAPS, 0, true_ctls ? c->true_proc : c->proc, &cfg->proc)) {
		*why = "the primary controls MSR bitmaps and secondary controls";
		return -EIO;
	}
	/* EPT and unrestricted guest (the host's real-mode boot code); the instructions the host would otherwise lose. */
	if (adjust(PROC2_EPT | PROC2_UNRESTRICTED, PROC2_VPID | PROC2_RDTSCP | PROC2_INVPCID | PROC2_XSAVES,
		   c->proc2, &cfg->proc2)) {
		*why = "EPT and unrestricted guest (secondary controls)";
		return -EIO;
	}
	if (!(c->ept_vpid & EPT_WALK4) || !(c->ept_vpid & EPT_WB)) {
		*why = "an EPT with a 4-level, write-back walk";
		return -EIO;
	}
	/* keel is 64-bit; EFER and PAT switch at every entry and exit. */
	if (adjust(EXIT_HOST_64 | EXIT_SAVE_EFER | EXIT_LOAD_EFER, EXIT_SAVE_PAT | EXIT_LOAD_PAT,
		   true_ctls ? c->true_exit : c->exit, &cfg->exit)) {
		*why = "VM-exit controls (64-bit host, EFER switching)";
		return -EIO;
	}
	if (adjust(ENTRY_LOAD_EFER, ENTRY_LOAD_PAT, true_ctls ? c->true_entry : c->entry, &cfg->entry)) {
		*why = "VM-entry controls (EFER loading)";
		return -EIO;
	}
	/* IA-32e mode for the guest is per entry (the host starts unpaged), never fixed here. */
	cfg->entry &= ~ENTRY_IA32E_GUEST;
	cfg->cr0_fixed0 = c->cr0_fixed0;
	cfg->cr0_fixed1 = c->cr0_fixed1;
	cfg->cr4_fixed0 = c->cr4_fixed0;
	cfg->cr4_fixed1 = c->cr4_fixed1;
	cfg->ept_vpid = c->ept_vpid;
	return 0;
}

int vmx_feature_control(uint64_t fc, uint64_t *write)
{
	*write = 0;
	if (fc & FEATURE_CONTROL_LOCK)
		return fc & FEATURE_CONTROL_VMX ? 0 : -ENODEV;
	*write = fc | FEATURE_CONTROL_VMX | FEATURE_CONTROL_LOCK;
	return 0;
}

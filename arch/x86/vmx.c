// SPDX-License-Identifier: GPL-2.0
/*
 * keel on Intel VMX, the hardware half of KVM's kvm_intel init (seed 002):
 * IA32_FEATURE_CONTROL checked (and locked with VMX on if the firmware left
 * it open), the VMCS controls computed from the capability MSRs
 * (vmx_caps.c), CR0/CR4 fixed bits honoured, and on every CPU a VMXON
 * region, a VMCS, and the compatibility check: each CPU's configuration
 * must equal the boot CPU's (vmx_check_processor_compat), else that CPU
 * stays out. Running the host under VMX is the next step (docs: the x86
 * status); for now keel reports and stops.
 */
#include <arch/vmx.h>
#include <arch/x86.h>
#include <hv/arch/cpu.h>
#include <hv/boot.h>
#include <hv/errno.h>
#include <hv/page_alloc.h>
#include <hv/printf.h>
#include <hv/string.h>

#define EPT_CAP_XONLY BIT(0)
#define EPT_CAP_WALK4 BIT(6)
#define EPT_CAP_UC BIT(8)
#define EPT_CAP_WB BIT(14)
#define EPT_CAP_2M BIT(16)
#define EPT_CAP_1G BIT(17)
#define EPT_CAP_INVEPT BIT(20)
#define EPT_CAP_AD BIT(21)
#define EPT_CAP_INVEPT_SINGLE BIT(25)
#define EPT_CAP_INVEPT_ALL BIT(26)
#define VPID_CAP_INVVPID BIT(32)

static struct vmx_config boot_cfg;
static void *vmcs[HV_MAX_CPUS];

const struct vmx_config *x86_vmx_config(void) { return &boot_cfg; }

static const char *yn(uint64_t v) { return v ? "yes" : "no"; }

static void read_caps(struct vmx_caps *c)
{
	memset(c, 0, sizeof(*c));
	c->basic = rdmsr(MSR_IA32_VMX_BASIC);
	c->pin = rdmsr(MSR_IA32_VMX_PINBASED_CTLS);
	c->proc = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS);
	c->exit = rdmsr(MSR_IA32_VMX_EXIT_CTLS);
	c->entry = rdmsr(MSR_IA32_VMX_ENTRY_CTLS);
	c->misc = rdmsr(MSR_IA32_VMX_MISC);
	c->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	c->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	c->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	c->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	if (c->proc & ((uint64_t)PROC_SECONDARY << 32))
		c->proc2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
	if (c->proc2 & ((uint64_t)(PROC2_EPT | PROC2_VPID) << 32))
		c->ept_vpid = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	if (c->basic & VMX_BASIC_TRUE_CTLS) {
		c->true_pin = rdmsr(MSR_IA32_VMX_TRUE_PINBASED_CTLS);
		c->true_proc = rdmsr(MSR_IA32_VMX_TRUE_PROCBASED_CTLS);
		c->true_exit = rdmsr(MSR_IA32_VMX_TRUE_EXIT_CTLS);
		c->true_entry = rdmsr(MSR_IA32_VMX_TRUE_ENTRY_CTLS);
	}
}

static void report(const struct vmx_caps *c)
{
	uint64_t cap = c->ept_vpid, ctls2 = c->proc2 >> 32;

	hv_printf("keel: VMX: IA32_VMX_BASIC 0x%llx: VMCS revision 0x%llx, %llu-byte VMCS, memory type %s, "
		  "true controls %s\n", (unsigned long long)c->basic, (unsigned long long)(c->basic & 0x7fffffff),
		  (unsigned long long)((c->basic >> 32) & 0x1fff), ((c->basic >> 50) & 0xf) == 6 ? "WB" : "UC",
		  yn(c->basic & VMX_BASIC_TRUE_CTLS));
	/* The raw capability MSRs, one line: what a port to a new CPU records (tests/unit/test_vmx.c). */
	hv_printf("keel: VMX: MSRs pin 0x%llx proc 0x%llx exit 0x%llx entry 0x%llx proc2 0x%llx ept 0x%llx\n",
		  (unsigned long long)c->pin, (unsigned long long)c->proc, (unsigned long long)c->exit,
		  (unsigned long long)c->entry, (unsigned long long)c->proc2, (unsigned long long)c->ept_vpid);
	hv_printf("keel: VMX: MSRs true 0x%llx 0x%llx 0x%llx 0x%llx cr0 0x%llx 0x%llx cr4 0x%llx 0x%llx\n",
		  (unsigned long long)c->true_pin, (unsigned long long)c->true_proc, (unsigned long long)c->true_exit,
		  (unsigned long long)c->true_entry, (unsigned long long)c->cr0_fixed0,
		  (unsigned long long)c->cr0_fixed1, (unsigned long long)c->cr4_fixed0,
		  (unsigned long long)c->cr4_fixed1);
	hv_printf("keel: VMX: secondary controls %s: EPT %s, unrestricted guest %s, VPID %s\n",
		  yn(c->proc >> 63), yn(ctls2 & PROC2_EPT), yn(ctls2 & PROC2_UNRESTRICTED), yn(ctls2 & PROC2_VPID));
	if (ctls2 & PROC2_EPT)
		hv_printf("keel: EPT: 4-level walk %s, WB %s, UC %s, 2M pages %s, 1G pages %s, execute-only %s, "
			  "A/D bits %s, INVEPT %s (single-context %s, all-context %s)\n",
			  yn(cap & EPT_CAP_WALK4), yn(cap & EPT_CAP_WB), yn(cap & EPT_CAP_UC), yn(cap & EPT_CAP_2M),
			  yn(cap & EPT_CAP_1G), yn(cap & EPT_CAP_XONLY), yn(cap & EPT_CAP_AD), yn(cap & EPT_CAP_INVEPT),
			  yn(cap & EPT_CAP_INVEPT_SINGLE), yn(cap & EPT_CAP_INVEPT_ALL));
	else
		hv_printf("keel: EPT: absent\n");
	if (ctls2 & PROC2_VPID)
		hv_printf("keel: VPID: INVVPID %s\n", yn(cap & VPID_CAP_INVVPID));
}

/* This CPU into VMX root operation, with CR0/CR4 as the fixed bits want them, and its VMCS made current. */
static int vmxon(unsigned cpu, const struct vmx_config *cfg)
{
	uint32_t *region = page_alloc(0);
	uint64_t pa, vpa, cr0, cr4;
	uint8_t fail;

	vmcs[cpu] = page_alloc(0);
	if (!region || !vmcs[cpu])
		return -ENOMEM;
	memset(region, 0, PAGE_SIZE);
	memset(vmcs[cpu], 0, PAGE_SIZE);
	region[0] = cfg->revision;
	*(uint32_t *)vmcs[cpu] = cfg->revision;
	pa = pa_addr(ptr_to_pa(region));
	vpa = pa_addr(ptr_to_pa(vmcs[cpu]));
	cr0 = (read_cr0() | cfg->cr0_fixed0) & cfg->cr0_fixed1;
	cr4 = (read_cr4() | cfg->cr4_fixed0 | CR4_VMXE) & cfg->cr4_fixed1;
	/* XSETBV exits unconditionally: keel carries it out for the host, which needs CR4.OSXSAVE in keel. */
	if (x86_cpu.xsave)
		cr4 |= CR4_OSXSAVE;
	write_cr0(cr0);
	write_cr4(cr4);
	__asm__ volatile("vmxon %1; setna %0" : "=q"(fail) : "m"(pa) : "cc", "memory");
	if (fail) {
		hv_printf("keel: VMX: VMXON failed on CPU %u (region 0x%llx, CR0 0x%llx, CR4 0x%llx)\n", cpu,
			  (unsigned long long)pa, (unsigned long long)cr0, (unsigned long long)cr4);
		write_cr4(cr4 & ~CR4_VMXE);
		return -EIO;
	}
	__asm__ volatile("vmclear %1; setna %0" : "=q"(fail) : "m"(vpa) : "cc", "memory");
	if (!fail)
		__asm__ volatile("vmptrld %1; setna %0" : "=q"(fail) : "m"(vpa) : "cc", "memory");
	if (fail) {
		hv_printf("keel: VMX: CPU %u cannot make its VMCS current\n", cpu);
		return -EIO;
	}
	if (!cpu)
		hv_printf("keel: VMX: VMXON ok (VMXON region 0x%llx, revision 0x%x), VMCS 0x%llx current: keel stays "
			  "in VMX root operation\n", (unsigned long long)pa, region[0], (unsigned long long)vpa);
	return 0;
}

/* IA32_FEATURE_CONTROL: VMX outside SMX must be on; keel locks it so if the firmware did not. */
static int feature_control(unsigned cpu)
{
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL), write;

	if (vmx_feature_control(fc, &write)) {
		hv_printf("keel: VMX: %s by the firmware (IA32_FEATURE_CONTROL 0x%llx: locked without VMX "
			  "outside SMX)%s\n", cpu ? "CPU disabled" : "present but disabled", (unsigned long long)fc,
			  cpu ? "" : ": enable VT-x in the firmware setup");
		return -ENODEV;
	}
	if (!cpu)
		hv_printf("keel: VMX: present, IA32_FEATURE_CONTROL 0x%llx (%s)\n", (unsigned long long)fc,
			  write ? "unlocked: keel enables VMX and locks it" : "locked, VMX enabled");
	if (write)
		wrmsr(MSR_IA32_FEATURE_CONTROL, write);
	return 0;
}

int x86_vmx_probe(void)
{
	struct vmx_caps c;
	const char *why;
	int ret;

	ret = feature_control(0);
	if (ret) {
		x86_privilege = "ring 0 (VMX disabled by firmware)";
		return ret;
	}
	read_caps(&c);
	report(&c);
	if (vmx_setup_config(&c, &boot_cfg, &why)) {
		hv_printf("keel: VMX: keel needs %s to run a host\n", why);
		return -ENODEV;
	}
	hv_printf("keel: VMX: controls pin 0x%x, primary 0x%x, secondary 0x%x, exit 0x%x, entry 0x%x\n", boot_cfg.pin,
		  boot_cfg.proc, boot_cfg.proc2, boot_cfg.exit, boot_cfg.entry);
	x86_cpu.ept_1g = c.ept_vpid & EPT_CAP_1G;
	x86_cpu.invept_all = (c.ept_vpid & EPT_CAP_INVEPT) && (c.ept_vpid & EPT_CAP_INVEPT_ALL);
	ret = vmxon(0, &boot_cfg);
	if (ret)
		return ret;
	x86_cpu.vmx_on = true;
	x86_privilege = "VMX root, ring 0";
	return 0;
}

/* Another CPU: the same checks, and its configuration must be the boot CPU's (vmx_check_processor_compat). */
int x86_vmx_cpu_init(unsigned cpu)
{
	struct vmx_config cfg;
	struct vmx_caps c;
	const char *why;
	int ret;

	ret = feature_control(cpu);
	if (ret)
		return ret;
	read_caps(&c);
	if (vmx_setup_config(&c, &cfg, &why)) {
		hv_printf("keel: VMX: CPU %u lacks %s\n", cpu, why);
		return -EIO;
	}
	if (memcmp(&cfg, &boot_cfg, sizeof(cfg))) {
		hv_printf("keel: VMX: CPU %u's VMX configuration differs from CPU 0's: it stays out\n", cpu);
		return -EIO;
	}
	return vmxon(cpu, &cfg);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Synchronous traps from the host. The host is trusted only as far as real
 * hardware would trust an OS: an access to memory it does not own gets the
 * synchronous external abort a bus error would give, an instruction keel
 * does not emulate gets an undefined-instruction exception. Never a panic.
 */
#include <arch/arm64.h>
#include <arch/sysreg.h>
#include <hv/host.h>
#include <hv/printf.h>

static unsigned reported; /* keep a misbehaving host from flooding the console */

/* Deliver a synchronous exception to the host's EL1 as the hardware would (exception.c). */
static void inject_el1_sync(uint64_t esr, uint64_t far)
{
	uint64_t pc = read_sysreg(elr_el2), pstate = read_sysreg(spsr_el2);

	arm64_enter_el1_sync(&pc, &pstate, esr, true, far);
	write_sysreg(pstate, spsr_el2);
	write_sysreg(pc, elr_el2);
}

static bool from_el0(void) { return (read_sysreg(spsr_el2) & PSR_MODE_MASK) == PSR_MODE_EL0t; }

static void host_abort(uint64_t esr)
{
	bool iabt = ESR_EC(esr) == EC_IABT_LOW, el0 = from_el0();
	uint64_t far = read_sysreg(far_el2);
	uint64_t ipa = ((read_sysreg(hpfar_el2) >> 4) << 12) | (far & 0xfff);
	unsigned ec = iabt ? (el0 ? EC_IABT_LOW : EC_IABT_CUR) : (el0 ? EC_DABT_LOW : EC_DABT_CUR);

	/* The host's own page, caught while keel changed its stage 2 (a donation or reclaim nearby): again. */
	if (host_stage2_fault(ipa))
		return;
	if (reported++ < 8)
		hv_printf("keel: host %s at IPA 0x%llx (VA 0x%llx, ESR 0x%llx): not host memory, external abort injected\n",
			  iabt ? "instruction fetch" : (esr & (1UL << 6) ? "write" : "read"),
			  (unsigned long long)ipa, (unsigned long long)far, (unsigned long long)esr);
	inject_el1_sync(((uint64_t)ec << ESR_EC_SHIFT) | ESR_IL | FSC_SEA, far);
}

void arm64_handle_host_sync(struct trap_frame *f)
{
	uint64_t esr = read_sysreg(esr_el2);

	switch (ESR_EC(esr)) {
	case EC_SMC64:
		/* A trapped SMC returns to itself: step over it. */
		write_sysreg(read_sysreg(elr_el2) + 4, elr_el2);
		arm64_smccc_host_call(f, true);
		break;
	case EC_HVC64:
		arm64_smccc_host_call(f, false);
		break;
	case EC_DABT_LOW:
	case EC_IABT_LOW:
		host_abort(esr);
		break;
	default:
		if (reported++ < 8)
			hv_printf("keel: unexpected trap from host (ESR 0x%llx at 0x%llx): undefined instruction injected\n",
				  (unsigned long long)esr, (unsigned long long)read_sysreg(elr_el2));
		inject_el1_sync(ESR_IL, 0);
		break;
	}
}

void __noreturn arm64_hyp_panic(unsigned kind, struct trap_frame *f)
{
	static const char *const names[] = { "sync", "irq", "fiq", "serror" };

	hv_printf("keel: exception at EL2: %s from %s (ESR 0x%llx ELR 0x%llx FAR 0x%llx)\n", names[kind & 3],
		  kind < 8 ? "EL2" : "lower EL", (unsigned long long)read_sysreg(esr_el2),
		  (unsigned long long)read_sysreg(elr_el2), (unsigned long long)read_sysreg(far_el2));
	hv_panic("x0 %llx x1 %llx x2 %llx x3 %llx lr %llx\n", (unsigned long long)f->x[0],
		 (unsigned long long)f->x[1], (unsigned long long)f->x[2], (unsigned long long)f->x[3],
		 (unsigned long long)f->x[30]);
}

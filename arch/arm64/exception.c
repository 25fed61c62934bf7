// SPDX-License-Identifier: GPL-2.0
/*
 * Taking a synchronous exception to EL1 as the hardware would, for the host
 * (traps.c: an access to memory it does not own, an instruction keel does
 * not emulate) and for guests (guest.c): one rule for both (KVM's
 * enter_exception64).
 */
#include <arch/arm64.h>
#include <arch/sysreg.h>

#define VECTOR_CURRENT_SP0 0x000
#define VECTOR_CURRENT_SPX 0x200
#define VECTOR_LOWER_A64 0x400
#define VECTOR_LOWER_A32 0x600

void arm64_enter_el1_sync(uint64_t *pc, uint64_t *pstate, uint64_t esr, bool set_far, uint64_t far)
{
	uint64_t old = *pstate, sctlr = read_sysreg(sctlr_el1), off, new;

	if (old & PSR_MODE32)
		off = VECTOR_LOWER_A32;
	else if ((old & PSR_MODE_MASK) == PSR_MODE_EL0t)
		off = VECTOR_LOWER_A64;
	else if ((old & PSR_MODE_MASK) == PSR_MODE_EL1t)
		off = VECTOR_CURRENT_SP0;
	else
		off = VECTOR_CURRENT_SPX;
	write_sysreg(*pc, elr_el1);
	write_sysreg(old, spsr_el1);
	write_sysreg(esr, esr_el1);
	if (set_far)
		write_sysreg(far, far_el1);
	/* NZCV, DIT and PAN carry over; PAN is set unless SCTLR_EL1.SPAN says otherwise; SSBS from SCTLR_EL1.DSSBS. */
	new = (old & (PSR_NZCV | PSR_DIT | PSR_PAN)) | PSR_DAIF | PSR_MODE_EL1h;
	if (arm64_id_field(read_sysreg(ID_AA64MMFR1_EL1), 20) && !(sctlr & SCTLR_SPAN))
		new |= PSR_PAN;
	if (sctlr & SCTLR_DSSBS)
		new |= PSR_SSBS;
	*pstate = new;
	*pc = read_sysreg(vbar_el1) + off;
}

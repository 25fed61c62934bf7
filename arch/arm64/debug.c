// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's self-hosted debug in the CPU while it runs, and the host's
 * debugging of it (ctx.debug_ctrl: KVM_SET_GUEST_DEBUG), as KVM 6.1 gives
 * them (arch/arm64/kvm/debug.c, hyp/include/hyp/debug-sr.h).
 *
 * Breakpoint and watchpoint registers are switched lazily: the guest's are
 * armed while its MDSCR_EL1 has KDE or MDE set (then, unless the host
 * debugs it or its OS lock is set, it reaches them and MDSCR_EL1 directly:
 * MDCR_EL2.TDA clear), else its accesses trap and guest.c emulates them on
 * ctx. With KEEL_DEBUG_HW the host's (ctx.dbg_ext) are armed instead. The
 * guest's OS lock is emulated as KVM does: its MDSCR_EL1.MDE and SS are
 * off in the CPU while OSLSR_EL1.OSLK is set, so breakpoints, watchpoints
 * and software step do not fire and BRK still does. MDSCR_EL1 itself is
 * switched at every run. Debug exceptions never fire in keel: it runs with
 * PSTATE.D set.
 */
#include <arch/arm64.h>
#include <arch/debug.h>
#include <arch/sysreg.h>
#include <hv/vcpu.h>

#define MDCR_TDE (1UL << 8)
#define MDCR_TDA (1UL << 9)
#define MDSCR_SS (1UL << 0)
#define MDSCR_KDE (1UL << 13)
#define MDSCR_MDE (1UL << 15)

/* ESR_EL2 classes of debug exceptions routed to EL2 (MDCR_EL2.TDE) */
#define EC_BREAKPT_LOW 0x30
#define EC_SOFTSTP_LOW 0x32
#define EC_WATCHPT_LOW 0x34
#define EC_BKPT32 0x38
#define EC_BRK64 0x3c

/* DBG{B,W}{V,C}Rn_EL1: op0 2, op1 0, CRn 0, CRm n, op2 4..7 (enum keel_dbg_kind + 4). */
#define DBG_NAME(n, op2) "s2_0_c0_c" #n "_" #op2
#define DBG_FOR_KINDS(X, n) X(n, 4, KEEL_DBG_BVR) X(n, 5, KEEL_DBG_BCR) X(n, 6, KEEL_DBG_WVR) X(n, 7, KEEL_DBG_WCR)
#define DBG_FOR_ALL(X)                                                                                    \
	DBG_FOR_KINDS(X, 0) DBG_FOR_KINDS(X, 1) DBG_FOR_KINDS(X, 2) DBG_FOR_KINDS(X, 3) DBG_FOR_KINDS(X, 4) \
	DBG_FOR_KINDS(X, 5) DBG_FOR_KINDS(X, 6) DBG_FOR_KINDS(X, 7) DBG_FOR_KINDS(X, 8) DBG_FOR_KINDS(X, 9) \
	DBG_FOR_KINDS(X, 10) DBG_FOR_KINDS(X, 11) DBG_FOR_KINDS(X, 12) DBG_FOR_KINDS(X, 13)                \
	DBG_FOR_KINDS(X, 14) DBG_FOR_KINDS(X, 15)
#define DBG_READ(n, op2, kind) \
	case (kind) * 16 + (n): \
		return read_sysreg_s(DBG_NAME(n, op2));
#define DBG_WRITE(n, op2, kind)                  \
	case (kind) * 16 + (n):                  \
		write_sysreg_s(val, DBG_NAME(n, op2)); \
		return;

static uint64_t dbg_read(unsigned kind, unsigned n)
{
	switch (kind * 16 + n) {
		DBG_FOR_ALL(DBG_READ)
	}
	return 0;
}

static void dbg_write(unsigned kind, unsigned n, uint64_t val)
{
	switch (kind * 16 + n) {
		DBG_FOR_ALL(DBG_WRITE)
	}
}

/* Implemented pairs of a kind: ID_AA64DFR0_EL1.BRPs / WRPs, plus one. */
static unsigned dbg_count(unsigned kind)
{
	uint64_t dfr0 = read_sysreg(ID_AA64DFR0_EL1);

	return kind <= KEEL_DBG_BCR ? arm64_id_field(dfr0, 12) + 1 : arm64_id_field(dfr0, 20) + 1;
}

static void dbg_save(uint64_t regs[KEEL_DBG_KINDS][16])
{
	for (unsigned k = 0; k < KEEL_DBG_KINDS; k++)
		for (unsigned n = 0, max = dbg_count(k); n < max; n++)
			regs[k][n] = dbg_read(k, n);
}

static void dbg_load(const uint64_t regs[KEEL_DBG_KINDS][16])
{
	for (unsigned k = 0; k < KEEL_DBG_KINDS; k++)
		for (unsigned n = 0, max = dbg_count(k); n < max; n++)
			dbg_write(k, n, regs[k][n]);
}

/* The host's MDSCR_EL1 kept; mdcr is MDCR_EL2 for the guest without TDE/TDA, which this sets. */
void arm64_debug_enter(struct vcpu *v, uint64_t mdcr)
{
	struct arm64_dbg_run *d = &v->arch.dbg;

	d->host_mdscr = read_sysreg(mdscr_el1);
	d->mdcr = mdcr & ~(MDCR_TDE | MDCR_TDA);
	d->armed = false;
	d->guest_owns = false;
	arm64_debug_update(v);
}

/* What the guest reached directly (TDA clear) back to ctx: it is the authority there. */
static void debug_take_back(struct vcpu *v)
{
	struct keel_vcpu_ctx *c = &v->arch.ctx;

	c->sys[KEEL_MDSCR_EL1] = read_sysreg(mdscr_el1);
	dbg_save(c->dbg);
	v->arch.dbg_written = true;
}

/*
 * Arm what ctx says now (at entry, and after the guest wrote a trapped debug
 * register: MDSCR_EL1, a breakpoint, OSLAR_EL1).
 */
void arm64_debug_update(struct vcpu *v)
{
	struct keel_vcpu_ctx *c = &v->arch.ctx;
	struct arm64_dbg_run *d = &v->arch.dbg;
	uint64_t ctrl = c->debug_ctrl, mdscr;
	bool oslk = c->sys[KEEL_OSLSR_EL1] & OSLSR_OSLK;
	const uint64_t(*src)[16] = NULL;

	if (d->guest_owns)
		debug_take_back(v);
	mdscr = c->sys[KEEL_MDSCR_EL1];
	if (ctrl & KEEL_DEBUG_HW)
		src = (const uint64_t(*)[16])c->dbg_ext;
	else if (mdscr & (MDSCR_KDE | MDSCR_MDE))
		src = (const uint64_t(*)[16])c->dbg;
	if (src) {
		if (!d->armed)
			dbg_save(d->host);
		dbg_load(src);
		d->armed = true;
	} else if (d->armed) {
		dbg_load((const uint64_t(*)[16])d->host);
		d->armed = false;
	}
	d->guest_owns = src == (const uint64_t(*)[16])c->dbg && !ctrl && !oslk;

	/* kvm_arm_setup_debug(): the host's step and breakpoints, the OS lock's masking. */
	if (ctrl || oslk) {
		mdscr = ctrl & KEEL_DEBUG_SSTEP ? mdscr | MDSCR_SS : mdscr & ~MDSCR_SS;
		if (ctrl & KEEL_DEBUG_HW)
			mdscr |= MDSCR_MDE;
		else if (oslk)
			mdscr &= ~MDSCR_MDE;
	}
	write_sysreg(mdscr, mdscr_el1);
	write_sysreg(d->mdcr | (ctrl ? MDCR_TDE : 0) | (d->guest_owns ? 0 : MDCR_TDA), mdcr_el2);
	isb();
}

/* Back to the host: the guest's state to ctx, the host's registers armed again (MDCR_EL2 is the caller's). */
void arm64_debug_exit(struct vcpu *v)
{
	struct arm64_dbg_run *d = &v->arch.dbg;

	if (d->guest_owns)
		debug_take_back(v);
	if (d->armed)
		dbg_load((const uint64_t(*)[16])d->host);
	d->armed = false;
	d->guest_owns = false;
	write_sysreg(d->host_mdscr, mdscr_el1);
}

/*
 * A debug exception at EL2: only with MDCR_EL2.TDE, i.e. the host asked for
 * it (kvm_handle_guest_debug()). 0 if it is not one.
 */
unsigned arm64_debug_exception(struct vcpu *v, uint64_t esr)
{
	struct keel_vcpu_ctx *c = &v->arch.ctx;
	unsigned ec = (unsigned)(esr >> 26) & 0x3f;

	if (ec != EC_BREAKPT_LOW && ec != EC_SOFTSTP_LOW && ec != EC_WATCHPT_LOW && ec != EC_BKPT32 &&
	    ec != EC_BRK64)
		return 0;
	c->exit.esr = esr;
	c->exit.far = ec == EC_WATCHPT_LOW ? read_sysreg(far_el2) : 0;
	return KEEL_EXIT_DEBUG;
}

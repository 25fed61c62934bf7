// SPDX-License-Identifier: GPL-2.0
/*
 * Running a vCPU (hv/arch/vm.h), nVHE style as Linux KVM's
 * arch/arm64/kvm/hyp/nvhe/switch.c: the host's EL1 state is saved, the
 * guest's loaded from keel's copy of its context page, EL2 configured for
 * the guest (HCR, stage 2 and VMID, traps, timer), and the guest entered
 * until something needs the host. Traps keel can answer itself (PSCI and
 * SMCCC calls, ID registers, set/way operations, debug registers, aborts to
 * reflect) never leave keel, so a guest's HVC round trip stays short.
 */
#include <arch/arm64.h>
#include <arch/pmu.h>
#include <arch/smccc.h>
#include <arch/sysreg.h>
#include <arch/vgic.h>
#include <hv/arch/vm.h>
#include <hv/errno.h>
#include <hv/string.h>
#include <hv/vcpu.h>
#include <hv/vm.h>
#include <keel/abi.h>

_Static_assert(__builtin_offsetof(struct arm64_cpu, guest_regs) == 40,
	       "CPU_GUEST_REGS in vectors.S and guest_entry.S");
_Static_assert(__builtin_offsetof(struct keel_vcpu_ctx, regs) == 0, "arm64_guest_enter takes ctx->regs");
_Static_assert(__builtin_offsetof(struct keel_vcpu_ctx, fpcr) - __builtin_offsetof(struct keel_vcpu_ctx, vregs) ==
		       65 * 8,
	       "arm64_fpsimd_* layout");

/* Has v's VM an in-keel vGIC? (Inline: every trap path asks.) */
static inline bool vgic_present(const struct vcpu *v) { return v->vm->arch.vgic.ready; }

/* The FP/SIMD state of a vCPU after a CPU_ON reset. */
static const uint64_t fp_reset[66];

/* HCR_EL2 for guests, as KVM's HCR_GUEST_FLAGS (WFE and LOR left alone; no API/APK/ATA: they trap). */
#define HCR_SWIO (1UL << 1)
#define HCR_PTW (1UL << 2)
#define HCR_VF (1UL << 6)
#define HCR_FB (1UL << 9)
#define HCR_BSU_IS (1UL << 10)
#define HCR_TWI (1UL << 13)
#define HCR_TWE (1UL << 14)
#define HCR_TID3 (1UL << 18)
#define HCR_TIDCP (1UL << 20)
#define HCR_TACR (1UL << 21)
#define HCR_TSW (1UL << 22)
#define HCR_GUEST (HCR_VM | HCR_SWIO | HCR_PTW | HCR_BSU_IS | HCR_FB | HCR_TSC | HCR_TWI | HCR_TID3 | \
		   HCR_TACR | HCR_TSW | HCR_TIDCP | HCR_IMO | HCR_FMO | HCR_AMO | HCR_RW)

/* CPTR_EL2 (nVHE): FP traps until the guest first uses it in a run (fp_take()); SVE, SME, trace, AMU trap. */
#define CPTR_TZ (1UL << 8)
#define CPTR_TFP (1UL << 10)
#define CPTR_TSM (1UL << 12)
#define CPTR_TTA (1UL << 20)
#define CPTR_TAM (1UL << 30)
/* MDCR_EL2: PMU (TPM, TPMCR) and debug (TDA, TDOSA, TDRA) accesses trap; HPMN kept. */
#define MDCR_GUEST ((1UL << 5) | (1UL << 6) | (1UL << 9) | (1UL << 10) | (1UL << 11))

/* ESR_EL2 classes and fields for guest traps */
#define EC_WFX 0x01
#define EC_FP_ASIMD 0x07
#define ESR_WFX_WFE (1UL << 0)
#define ESR_CV (1UL << 24) /* AArch32 traps: COND (bits 23:20) is valid */
#define ESR_DABT_ISV (1UL << 24)
#define ESR_DABT_SSE (1UL << 21)
#define ESR_DABT_SF (1UL << 15)
#define ESR_DABT_CM (1UL << 8)
#define ESR_DABT_S1PTW (1UL << 7)
#define ESR_DABT_WNR (1UL << 6)
#define FSC_TYPE(esr) ((esr) & 0x3c)
#define FSC_TRANS 0x04
#define FSC_PERM 0x0c



/* The host's state the guest's run overwrites; on keel's stack for the duration of one VCPU_RUN. */
struct host_state {
	uint64_t sys[KEEL_NR_SYSREGS];
	uint64_t sp_el0, elr_el2, spsr_el2;
	uint64_t hcr, vtcr, vttbr, cptr, mdcr, cnthctl, vmpidr;
	uint64_t fp[66];
};

/*
 * EL1 registers switched, in enum keel_sysreg order. MDSCR_EL1 is
 * debug.c's; ACTLR_EL1 (HCR_EL2.TACR) is emulated from ctx, so the
 * hardware's stays the host's.
 */
static void sysregs_save(uint64_t *s)
{
	s[KEEL_SCTLR_EL1] = read_sysreg(sctlr_el1);
	s[KEEL_CPACR_EL1] = read_sysreg(cpacr_el1);
	s[KEEL_TTBR0_EL1] = read_sysreg(ttbr0_el1);
	s[KEEL_TTBR1_EL1] = read_sysreg(ttbr1_el1);
	s[KEEL_TCR_EL1] = read_sysreg(tcr_el1);
	s[KEEL_ESR_EL1] = read_sysreg(esr_el1);
	s[KEEL_AFSR0_EL1] = read_sysreg(afsr0_el1);
	s[KEEL_AFSR1_EL1] = read_sysreg(afsr1_el1);
	s[KEEL_FAR_EL1] = read_sysreg(far_el1);
	s[KEEL_MAIR_EL1] = read_sysreg(mair_el1);
	s[KEEL_VBAR_EL1] = read_sysreg(vbar_el1);
	s[KEEL_CONTEXTIDR_EL1] = read_sysreg(contextidr_el1);
	s[KEEL_AMAIR_EL1] = read_sysreg(amair_el1);
	s[KEEL_CNTKCTL_EL1] = read_sysreg(cntkctl_el1);
	s[KEEL_PAR_EL1] = read_sysreg(par_el1);
	s[KEEL_TPIDR_EL1] = read_sysreg(tpidr_el1);
	s[KEEL_TPIDR_EL0] = read_sysreg(tpidr_el0);
	s[KEEL_TPIDRRO_EL0] = read_sysreg(tpidrro_el0);
	s[KEEL_CSSELR_EL1] = read_sysreg(csselr_el1);
	s[KEEL_SP_EL1] = read_sysreg(sp_el1);
	s[KEEL_ELR_EL1] = read_sysreg(elr_el1);
	s[KEEL_SPSR_EL1] = read_sysreg(spsr_el1);
}

static void sysregs_load(const uint64_t *s)
{
	write_sysreg(s[KEEL_SCTLR_EL1], sctlr_el1);
	write_sysreg(s[KEEL_CPACR_EL1], cpacr_el1);
	write_sysreg(s[KEEL_TTBR0_EL1], ttbr0_el1);
	write_sysreg(s[KEEL_TTBR1_EL1], ttbr1_el1);
	write_sysreg(s[KEEL_TCR_EL1], tcr_el1);
	write_sysreg(s[KEEL_ESR_EL1], esr_el1);
	write_sysreg(s[KEEL_AFSR0_EL1], afsr0_el1);
	write_sysreg(s[KEEL_AFSR1_EL1], afsr1_el1);
	write_sysreg(s[KEEL_FAR_EL1], far_el1);
	write_sysreg(s[KEEL_MAIR_EL1], mair_el1);
	write_sysreg(s[KEEL_VBAR_EL1], vbar_el1);
	write_sysreg(s[KEEL_CONTEXTIDR_EL1], contextidr_el1);
	write_sysreg(s[KEEL_AMAIR_EL1], amair_el1);
	write_sysreg(s[KEEL_CNTKCTL_EL1], cntkctl_el1);
	write_sysreg(s[KEEL_PAR_EL1], par_el1);
	write_sysreg(s[KEEL_TPIDR_EL1], tpidr_el1);
	write_sysreg(s[KEEL_TPIDR_EL0], tpidr_el0);
	write_sysreg(s[KEEL_TPIDRRO_EL0], tpidrro_el0);
	write_sysreg(s[KEEL_CSSELR_EL1], csselr_el1);
	write_sysreg(s[KEEL_SP_EL1], sp_el1);
	write_sysreg(s[KEEL_ELR_EL1], elr_el1);
	write_sysreg(s[KEEL_SPSR_EL1], spsr_el1);
}

int arch_vcpu_check(const struct vcpu *v)
{
	const struct keel_vcpu_ctx *ctx = &v->arch.ctx;
	uint64_t mode = ctx->pstate & PSR_MODE_MASK;
	uint64_t psci = ctx->psci_version;

	if (v->arch.page_stale)
		return -EINVAL;
	/*
	 * What a guest can reach: AArch64 EL0/EL1, and AArch32 EL0 (user mode, any 32-bit CPSR) where the CPU
	 * has it. Anything else would be an illegal return, taken at EL2 itself.
	 */
	if (mode == PSR_AA32_MODE_USR) {
		if ((ctx->pstate >> 32) || arm64_id_field(read_sysreg(ID_AA64PFR0_EL1), 0) != 2)
			return -EINVAL;
	} else if ((ctx->pstate & ~PSR_VALID) ||
		   (mode != PSR_MODE_EL0t && mode != PSR_MODE_EL1t && mode != PSR_MODE_EL1h)) {
		return -EINVAL;
	}
	/* 0: the host left KVM's default, PSCI 1.1. */
	if (psci && psci != PSCI_V0_1 && psci != PSCI_V0_2 && psci != PSCI_V1_0 && psci != PSCI_V1_1)
		return -EINVAL;
	/* A vGIC needs its distributor and redistributors placed. */
	if (vgic_present(v) && (v->vm->arch.vgic.dist_base == VGIC_NO_ADDR || v->arch.vgic.rd_base == VGIC_NO_ADDR))
		return -EINVAL;
	/* The host's debugging: known flags, a step or breakpoints only with debug exceptions to it. */
	if ((ctx->debug_ctrl & ~KEEL_DEBUG_MASK) ||
	    ((ctx->debug_ctrl & (KEEL_DEBUG_SSTEP | KEEL_DEBUG_HW)) && !(ctx->debug_ctrl & KEEL_DEBUG_ENABLE)))
		return -EINVAL;
	return 0;
}

static void skip_insn(struct keel_vcpu_ctx *c, uint64_t esr) { keel_ctx_skip_insn(c, esr); }

/*
 * Did a trapped AArch32 instruction pass its condition (KVM's
 * kvm_condition_valid32)? Classes 0x10 and up are unconditional; else the
 * syndrome's COND if valid (CV), else the Thumb IT block's condition.
 */
static bool aarch32_cond_passed(const struct keel_vcpu_ctx *c, uint64_t esr)
{
	uint64_t ps = c->pstate, it;
	unsigned cond, n, z, cf, v;
	bool pass;

	if (ESR_EC(esr) >> 4)
		return true;
	if (esr & ESR_CV) {
		cond = (esr >> 20) & 0xf;
	} else {
		it = ((ps >> 8) & 0xfc) | ((ps >> 25) & 3);
		if (!it)
			return true;
		cond = (unsigned)(it >> 4);
	}
	n = (ps >> 31) & 1, z = (ps >> 30) & 1, cf = (ps >> 29) & 1, v = (ps >> 28) & 1;
	switch (cond >> 1) {
	case 0: pass = z; break;            /* EQ */
	case 1: pass = cf; break;           /* CS */
	case 2: pass = n; break;            /* MI */
	case 3: pass = v; break;            /* VS */
	case 4: pass = cf && !z; break;     /* HI */
	case 5: pass = n == v; break;       /* GE */
	case 6: pass = !z && n == v; break; /* GT */
	default: return true;               /* AL, and 0b1111 (unconditional) */
	}
	return (cond & 1) ? !pass : pass;
}

/* A synchronous exception to the guest's EL1, whose registers are live (KVM's enter_exception64). */
static void inject_sync(struct keel_vcpu_ctx *c, uint64_t esr, bool set_far, uint64_t far)
{
	arm64_enter_el1_sync(&c->pc, &c->pstate, esr, set_far, far);
}

static bool from_el0(const struct keel_vcpu_ctx *c)
{
	return (c->pstate & PSR_MODE32) || (c->pstate & PSR_MODE_MASK) == PSR_MODE_EL0t;
}

static void inject_undef(struct keel_vcpu_ctx *c, uint64_t trap_esr)
{
	inject_sync(c, ((uint64_t)EC_UNKNOWN << ESR_EC_SHIFT) | (trap_esr & ESR_IL), false, 0);
}

/* A synchronous external abort, as a bus error would give (KVM's inject_abt64). */
static void inject_abort(struct keel_vcpu_ctx *c, bool iabt, uint64_t far, uint64_t trap_esr)
{
	unsigned ec = iabt ? (from_el0(c) ? EC_IABT_LOW : EC_IABT_CUR) : (from_el0(c) ? EC_DABT_LOW : EC_DABT_CUR);

	inject_sync(c, ((uint64_t)ec << ESR_EC_SHIFT) | (trap_esr & ESR_IL) | FSC_SEA, true, far);
}

/* Data abort at stage 2: outside the guest's memory or a read-only page: the VMM emulates it. */
static unsigned guest_dabt(struct vcpu *v, uint64_t esr)
{
	struct keel_vcpu_ctx *c = &v->arch.ctx;
	uint64_t far = read_sysreg(far_el2);
	uint64_t ipa = ((read_sysreg(hpfar_el2) >> 4) << 12) | (far & 0xfff);
	unsigned len, rt;

	c->exit.esr = esr;
	c->exit.far = far;
	c->exit.ipa = ipa;
	/*
	 * The guest's stage-1 walk into an unmapped page, or a hardware
	 * access-flag/dirty update into a read-only one (a write, as KVM takes
	 * it): the host maps memory there or has an abort injected.
	 */
	if ((esr & ESR_DABT_S1PTW) && (FSC_TYPE(esr) == FSC_TRANS || FSC_TYPE(esr) == FSC_PERM))
		return KEEL_EXIT_MEM_FAULT;
	/* Anything but a missing/read-only mapping: a bus error. */
	if ((esr & ESR_DABT_S1PTW) || (FSC_TYPE(esr) != FSC_TRANS && FSC_TYPE(esr) != FSC_PERM)) {
		inject_abort(c, false, far, esr);
		return 0;
	}
	/* Cache maintenance on a device: nothing to do (as KVM). */
	if (esr & ESR_DABT_CM) {
		skip_insn(c, esr);
		return 0;
	}
	v->stat.mmio++;
	if (!(esr & ESR_DABT_ISV))
		return KEEL_EXIT_MMIO_NISV;
	len = 1U << ((esr >> 22) & 3);
	rt = (esr >> 16) & 0x1f;
	if (vgic_present(v)) {
		unsigned exit = 0;
		uint64_t val = rt == 31 ? 0 : c->regs[rt];

		switch (vgic_guest_mmio(v, ipa, len, esr & ESR_DABT_WNR, &val, &exit)) {
		case VGIC_MMIO_DONE:
			if (!(esr & ESR_DABT_WNR) && rt != 31)
				c->regs[rt] = esr & ESR_DABT_SF ? val : (uint32_t)val;
			skip_insn(c, esr);
			return exit;
		case VGIC_MMIO_RETRY:
			return exit; /* the instruction runs again once the other vCPUs are kicked */
		case VGIC_MMIO_VMM:
			break;
		}
	}
	c->exit.mmio.addr = ipa;
	c->exit.mmio.len = len;
	c->exit.mmio.is_write = !!(esr & ESR_DABT_WNR);
	c->exit.mmio.reg = rt;
	c->exit.mmio.sign_extend = !!(esr & ESR_DABT_SSE);
	c->exit.mmio.sixty_four = !!(esr & ESR_DABT_SF);
	if (c->exit.mmio.is_write) {
		uint64_t val = rt == 31 ? 0 : c->regs[rt];

		c->exit.mmio.data = len == 8 ? val : val & ((1ULL << (len * 8)) - 1);
	}
	return KEEL_EXIT_MMIO;
}

/* Guest accesses to the self-hosted debug registers (op0 = 2, MDCR_EL2.TDA/TDOSA/TDRA), as KVM 6.1's
 * sys_regs.c answers them. Returns the slot to read/write, &zero for RAZ/WI, NULL when the access is
 * undefined (unknown register, read of write-only, write of read-only). *done = true when handled here. */
static uint64_t *guest_debug_reg(struct keel_vcpu_ctx *c, unsigned op1, unsigned crn, unsigned crm, unsigned op2,
				 bool read, uint64_t val, uint64_t *zero, bool *done)
{
	*done = false;
	if (op1 == 0 && crn == 0 && op2 >= 4)
		return &c->dbg[op2 - 4][crm]; /* DBG{B,W}{V,C}Rn_EL1 */
	if (op1 == 0 && crn == 0 && crm == 2 && op2 == 0)
		return &c->sys[KEEL_MDCCINT_EL1];
	if (op1 == 0 && crn == 0 && crm == 2 && op2 == 2)
		return &c->sys[KEEL_MDSCR_EL1];
	if (op1 == 0 && crn == 1 && crm == 0 && op2 == 4) { /* OSLAR_EL1: write-only, OSLK to OSLSR */
		if (read)
			return NULL;
		c->sys[KEEL_OSLSR_EL1] = (c->sys[KEEL_OSLSR_EL1] & ~OSLSR_OSLK) | (val & 1 ? OSLSR_OSLK : 0);
		*done = true;
		return zero;
	}
	if (op1 == 0 && crn == 1 && crm == 1 && op2 == 4) /* OSLSR_EL1: read-only */
		return read ? &c->sys[KEEL_OSLSR_EL1] : NULL;
	if (op1 == 0 && crn == 7 && crm == 14 && op2 == 6) { /* DBGAUTHSTATUS_EL1: read-only, the CPU's */
		if (!read)
			return NULL;
		*zero = read_sysreg(dbgauthstatus_el1);
		return zero;
	}
	if ((op1 == 0 && ((crn == 1 && op2 == 4 && (crm == 3 || crm == 4)) || /* OSDLR, DBGPRCR */
			  (crn == 1 && crm == 0 && op2 == 0) ||			  /* MDRAR */
			  (crn == 7 && (crm == 8 || crm == 9) && op2 == 6))) ||	  /* DBGCLAIMSET/CLR */
	    (op1 == 3 && crn == 0 && op2 == 0 && (crm == 1 || crm == 4 || crm == 5))) /* MDCCSR, DBGDTR* */
		return zero; /* RAZ/WI */
	return NULL;
}

/*
 * Trapped system register or instruction (EC 0x18). ID registers (TID3)
 * read from ctx, ACTLR_EL1 (TACR) and the debug registers (MDCR_EL2.TDA)
 * live in ctx, set/way cache operations (TSW) are done by keel, the PMU's
 * registers (MDCR_EL2.TPM) are pmu.c's; anything else is undefined for the
 * guest.
 */
#define TIMER_ISTATUS 4

/*
 * The EL1 physical timer (CNTHCTL_EL2.EL1PCEN = 0 traps it here), as KVM
 * 6.1 emulates it: no counter offset; ISTATUS reads set once CVAL has passed
 * whatever ENABLE says; TVAL is CVAL - CNTPCT as 32 bits, written sign
 * extended. op2: 0 TVAL, 1 CTL, 2 CVAL.
 */
static uint64_t guest_ptimer(struct keel_vcpu_ctx *c, unsigned op2, bool read, uint64_t val)
{
	uint64_t now;

	isb();
	now = read_sysreg(cntpct_el0);
	switch (op2) {
	case 0:
		if (read)
			return (uint32_t)(c->cntp_cval - now);
		c->cntp_cval = now + (uint64_t)(int64_t)(int32_t)val;
		return 0;
	case 1:
		if (read)
			return (c->cntp_ctl & ~(uint64_t)TIMER_ISTATUS) | (now >= c->cntp_cval ? TIMER_ISTATUS : 0);
		c->cntp_ctl = (uint32_t)val & ~(uint32_t)TIMER_ISTATUS;
		return 0;
	default:
		if (read)
			return c->cntp_cval;
		c->cntp_cval = val;
		return 0;
	}
}

static void guest_sysreg(struct vcpu *v, uint64_t esr, unsigned *exit)
{
	struct keel_vcpu_ctx *c = &v->arch.ctx;
	unsigned op0 = (esr >> 20) & 3, op2 = (esr >> 17) & 7, op1 = (esr >> 14) & 7;
	unsigned crn = (esr >> 10) & 0xf, rt = (esr >> 5) & 0x1f, crm = (esr >> 1) & 0xf;
	bool read = esr & 1, done = false;
	uint64_t val = rt == 31 ? 0 : c->regs[rt], *slot = NULL, zero = 0;

	if (op0 == 3 && op1 == 0 && crn == 0 && crm >= 1 && crm <= 7) {
		if (!read)
			goto undef;
		val = c->id_regs[KEEL_ID_REG_INDEX(crm, op2)];
	} else if (op0 == 3 && op1 == 0 && crn == 1 && crm == 0 && op2 == 1) {
		slot = &c->sys[KEEL_ACTLR_EL1];
	} else if (op0 == 3 && op1 == 3 && crn == 14 && crm == 2 && op2 <= 2) {
		val = guest_ptimer(c, op2, read, val);
	} else if (op0 == 3 && op1 == 0 && crn == 12 && crm == 12 && op2 == 5) {
		/* ICC_SRE_EL1 (GICv3, trapped while guests run): RAZ/WI without a vGICv3, as KVM; SRE|DFB|DIB with one */
		zero = vgic_present(v) ? 7 : 0;
		slot = read ? &zero : NULL;
	} else if (op0 == 3 && op1 == 0 && crn == 12 && crm == 11 && op2 >= 5 && vgic_present(v)) {
		if (read) /* ICC_SGI1R_EL1, ICC_ASGI1R_EL1, ICC_SGI0R_EL1: write-only */
			goto undef;
		*exit = vgic_guest_sgi(v, op2, val);
	} else if (op0 == 3 && pmu_encoding(op1, crn, crm)) {
		if (!pmu_sysreg(v, op1, crn, crm, op2, read, &val, exit))
			goto undef;
	} else if (op0 == 2) {
		slot = guest_debug_reg(c, op1, crn, crm, op2, read, val, &zero, &done);
		if (!slot)
			goto undef;
		if (slot == &zero && !read)
			slot = NULL; /* WI */
	} else if (op0 == 1 && op1 == 0 && crn == 7 && op2 == 2 && (crm == 6 || crm == 10 || crm == 14) && !read) {
		/*
		 * DC ISW/CSW/CISW: the guest walks the real cache geometry
		 * (CLIDR/CCSIDR are not trapped), so doing each step for it
		 * covers this CPU's caches; invalidation is upgraded to
		 * clean+invalidate so no host data can be discarded.
		 */
		__asm__ volatile("dc cisw, %0" : : "r"(val) : "memory");
		dsb(sy);
	} else {
		goto undef;
	}
	if (slot && !done) {
		if (read)
			val = *slot;
		else
			*slot = val;
	}
	if (op0 == 2 && !read) {
		v->arch.dbg_written = true; /* ctx.dbg (or MDSCR/OSLSR in ctx.sys) goes back to the host */
		arm64_debug_update(v);      /* what is armed may change with it */
	}
	if (read && rt != 31)
		c->regs[rt] = val;
	v->stat.sysreg++;
	skip_insn(c, esr);
	return;
undef:
	inject_undef(c, esr);
}

/*
 * The guest's first FP/SIMD instruction in this run trapped (CPTR_EL2.TFP,
 * which traps EL2 too, so it goes first): the host's registers out, the
 * guest's in from the host's page. A run that never uses them (most exits
 * the host completes in the kernel) switches none, as KVM's lazy FP.
 */
static bool fp_take(uint64_t cptr, uint64_t *host_fp, const uint64_t *guest_fp)
{
	write_sysreg(cptr, cptr_el2);
	isb();
	arm64_fpsimd_save(host_fp);
	arm64_fpsimd_load(guest_fp);
	return true;
}

/* One trap from the guest: 0 to enter it again, else the exit for the host. */
static unsigned handle_trap(struct vcpu *v, unsigned kind)
{
	struct keel_vcpu_ctx *c = &v->arch.ctx;
	uint64_t esr = read_sysreg(esr_el2);
	unsigned exit = 0;

	if (kind == 1 || kind == 2) { /* a physical interrupt: the host's, the vGIC's maintenance, a PMU overflow */
		if (v->arch.pmu.loaded)
			pmu_irq(v);
		if (vgic_present(v))
			return vgic_irq_exit(v);
		v->stat.irq++;
		return KEEL_EXIT_IRQ;
	}
	if (kind == 3) { /* SError: keel cannot tell whose; let the VMM decide */
		c->exit.esr = esr;
		return KEEL_EXIT_FAIL_ENTRY;
	}
	/* A conditional AArch32 instruction that trapped although its condition failed: it does nothing. */
	if ((c->pstate & PSR_MODE32) && !aarch32_cond_passed(c, esr)) {
		skip_insn(c, esr);
		return vcpu_must_stop(v);
	}
	switch (ESR_EC(esr)) {
	case EC_WFX:
		skip_insn(c, esr);
		if (esr & ESR_WFX_WFE) { /* trapped only with KEEL_IN_TRAP_WFE: the host's CPU has others to run */
			exit = KEEL_EXIT_WFE;
		} else if (!(vgic_present(v) && (vgic_wfi_wakes(v) || vgic_wfi_poll(v)))) {
			v->stat.wfi++;
			exit = KEEL_EXIT_WFI;
		}
		break;
	case EC_SMC64:
		/* As Linux 6.1 KVM's handle_smc(): no SMCCC over SMC for guests (they are told "hvc"). */
		skip_insn(c, esr); /* a trapped SMC returns to itself */
		c->regs[0] = (uint64_t)SMCCC_RET_NOT_SUPPORTED;
		break;
	case EC_HVC64:
		exit = arm64_guest_hvc(v);
		break;
	case EC_SYS64:
		guest_sysreg(v, esr, &exit);
		break;
	case EC_DABT_LOW:
		exit = guest_dabt(v, esr);
		break;
	case EC_IABT_LOW:
		/* An unmapped page: guest memory not yet mapped, or no memory (the host decides). */
		if (FSC_TYPE(esr) == FSC_TRANS) {
			c->exit.esr = esr;
			c->exit.far = read_sysreg(far_el2);
			c->exit.ipa = ((read_sysreg(hpfar_el2) >> 4) << 12) | (c->exit.far & 0xfff);
			exit = KEEL_EXIT_MEM_FAULT;
			break;
		}
		inject_abort(c, true, read_sysreg(far_el2), esr);
		break;
	default:
		/* A debug exception the host asked for (MDCR_EL2.TDE), else SVE, SME, pointer auth, MTE,
		 * AArch32 system instructions, ...: not offered. */
		exit = arm64_debug_exception(v, esr);
		if (!exit)
			inject_undef(c, esr);
		break;
	}
	if (!exit)
		exit = vcpu_must_stop(v);
	return exit;
}

int arch_vcpu_run(struct vcpu *v, bool flush_local)
{
	struct keel_vcpu_ctx *c = &v->arch.ctx;
	struct host_state h;
	uint64_t pfr0 = read_sysreg(ID_AA64PFR0_EL1), hcr, cptr;
	/* The host's context page (FP/SIMD go there directly: arch_vcpu_load()). */
	struct keel_vcpu_ctx *host = pa_to_ptr(pa_init(v->ctx_pa));
	unsigned exit;
	bool vg, pmu, fp_live;

	/* The host's state: its HVC return, EL1 registers and this CPU's EL2 configuration. */
	h.elr_el2 = read_sysreg(elr_el2);
	h.spsr_el2 = read_sysreg(spsr_el2);
	h.sp_el0 = read_sysreg(sp_el0);
	h.hcr = read_sysreg(hcr_el2);
	h.vtcr = read_sysreg(vtcr_el2);
	h.vttbr = read_sysreg(vttbr_el2);
	h.cptr = read_sysreg(cptr_el2);
	h.mdcr = read_sysreg(mdcr_el2);
	h.cnthctl = read_sysreg(cnthctl_el2);
	h.vmpidr = read_sysreg(vmpidr_el2);
	sysregs_save(h.sys);

	/* The guest's (FP/SIMD at its first use: fp_take(); at once after a reset, which the host's page must see). */
	sysregs_load(c->sys);
	write_sysreg(c->sp, sp_el0);
	fp_live = v->arch.fp_reset;
	if (fp_live) {
		arm64_fpsimd_save(h.fp);
		arm64_fpsimd_load(fp_reset);
	}
	write_sysreg(c->cntvoff, cntvoff_el2);
	write_sysreg(c->cntv_cval, cntv_cval_el0);
	write_sysreg(c->cntv_ctl, cntv_ctl_el0);
	write_sysreg(KEEL_VCPU_MPIDR(v->index), vmpidr_el2);

	cptr = CPTR_EL2_NVHE_DEFAULT | CPTR_TZ | CPTR_TSM | CPTR_TTA | (fp_live ? 0 : CPTR_TFP);
	if (arm64_id_field(pfr0, 44))
		cptr |= CPTR_TAM;
	write_sysreg(cptr, cptr_el2);
	pmu = c->in_flags & KEEL_IN_PMU;
	arm64_debug_enter(v, (h.mdcr & 0x1f) | MDCR_GUEST | (pmu ? pmu_mdcr() : 0)); /* MDCR_EL2, MDSCR_EL1 too */
	if (!v->vm->arch.pmu.ran) /* KVM's HAS_RAN_ONCE: the PMU event filter is fixed from now on */
		v->vm->arch.pmu.ran = true; /* (read first: no write to the VM's line at every entry) */
	if (pmu)
		pmu_enter(v);
	write_sysreg(CNTHCTL_EL1PCTEN, cnthctl_el2); /* counter readable, EL1 physical timer trapped */
	write_sysreg(v->vm->arch.vtcr, vtcr_el2);
	write_sysreg(v->vm->arch.vttbr, vttbr_el2);
	hcr = HCR_GUEST;
	vg = vgic_present(v);
	if ((c->in_flags & KEEL_IN_VIRQ) && !vg)
		hcr |= HCR_VI;
	if ((c->in_flags & KEEL_IN_VFIQ) && !vg)
		hcr |= HCR_VF;
	if (c->in_flags & KEEL_IN_TRAP_WFE)
		hcr |= HCR_TWE;
	write_sysreg(hcr, hcr_el2);
	arm64_gic_guest_enter();
	if (vg)
		vgic_enter(v);
	exit = 0;
	isb();
	if (flush_local) {
		/* Another vCPU of this VM ran here last: its stage-1 entries, tagged with the same VMID, go. */
		__asm__ volatile("tlbi vmalle1\n\tic iallu" ::: "memory");
		dsb(nsh);
		isb();
	}

	if (c->in_flags & (KEEL_IN_INJECT_DABT | KEEL_IN_INJECT_IABT))
		inject_abort(c, c->in_flags & KEEL_IN_INJECT_IABT, c->in_far, ESR_IL);
	else if (c->in_flags & KEEL_IN_INJECT_UNDEF)
		inject_undef(c, ESR_IL);
	c->in_flags &= ~(KEEL_IN_INJECT_DABT | KEEL_IN_INJECT_IABT | KEEL_IN_INJECT_UNDEF);

	while (!exit) {
		write_sysreg(c->pc, elr_el2);
		write_sysreg(c->pstate, spsr_el2);
		exit = arm64_guest_enter(c->regs);
		c->pc = read_sysreg(elr_el2);
		c->pstate = read_sysreg(spsr_el2);
		if (!exit && !fp_live && ESR_EC(read_sysreg(esr_el2)) == EC_FP_ASIMD) {
			fp_live = fp_take(cptr & ~CPTR_TFP, h.fp, host->vregs); /* the instruction runs again */
			continue;
		}
		exit = handle_trap(v, exit);
		/* Interrupts made pending for it meanwhile (its own SGIs, GIC writes; other vCPUs') into the LRs. */
		if (!exit && vg) {
			if (__atomic_load_n(&v->arch.vgic.dirty, __ATOMIC_RELAXED)) {
				vgic_sync(v);
				vgic_flush(v);
			}
			/* EOIs the host asked to hear of (an irqfd's resampler): it is told now. */
			if (v->arch.vgic.eoi_out)
				exit = KEEL_EXIT_EOI;
		}
	}
	if (pmu)
		pmu_exit(v); /* its overflow line into the vGIC before that is synced */
	if (vg)
		vgic_exit(v);

	/* Back to the host: the guest's state to ctx, its timer stopped so its interrupt line drops. */
	sysregs_save(c->sys);
	arm64_debug_exit(v);
	c->sp = read_sysreg(sp_el0);
	if (fp_live)
		arm64_fpsimd_save(host->vregs);
	c->cntv_ctl = read_sysreg(cntv_ctl_el0);
	c->cntv_cval = read_sysreg(cntv_cval_el0);
	write_sysreg(0, cntv_ctl_el0);
	if (vg) {
		isb(); /* the timer's line low before its PPI is made inactive */
		vgic_timer_release(v);
	}

	write_sysreg(h.hcr, hcr_el2);
	arm64_gic_guest_exit();
	write_sysreg(h.vttbr, vttbr_el2);
	write_sysreg(h.vtcr, vtcr_el2);
	write_sysreg(h.cptr, cptr_el2);
	write_sysreg(h.mdcr, mdcr_el2);
	write_sysreg(h.cnthctl, cnthctl_el2);
	write_sysreg(0, cntvoff_el2);
	write_sysreg(h.vmpidr, vmpidr_el2);
	sysregs_load(h.sys);
	write_sysreg(h.sp_el0, sp_el0);
	if (fp_live)
		arm64_fpsimd_load(h.fp);
	write_sysreg(h.elr_el2, elr_el2);
	write_sysreg(h.spsr_el2, spsr_el2);
	isb();
	return (int)exit;
}

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
#include <arch/sysreg.h>
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

/* HCR_EL2 for guests, as KVM's HCR_GUEST_FLAGS (WFE and LOR left alone; no API/APK/ATA: they trap). */
#define HCR_SWIO (1UL << 1)
#define HCR_PTW (1UL << 2)
#define HCR_VF (1UL << 6)
#define HCR_FB (1UL << 9)
#define HCR_BSU_IS (1UL << 10)
#define HCR_TWI (1UL << 13)
#define HCR_TID3 (1UL << 18)
#define HCR_TIDCP (1UL << 20)
#define HCR_TACR (1UL << 21)
#define HCR_TSW (1UL << 22)
#define HCR_GUEST (HCR_VM | HCR_SWIO | HCR_PTW | HCR_BSU_IS | HCR_FB | HCR_TSC | HCR_TWI | HCR_TID3 | \
		   HCR_TACR | HCR_TSW | HCR_TIDCP | HCR_IMO | HCR_FMO | HCR_AMO | HCR_RW)

/* CPTR_EL2 (nVHE): FP stays the guest's (switched eagerly); SVE, SME, trace, AMU trap. */
#define CPTR_TZ (1UL << 8)
#define CPTR_TSM (1UL << 12)
#define CPTR_TTA (1UL << 20)
#define CPTR_TAM (1UL << 30)
/* MDCR_EL2: PMU (TPM, TPMCR) and debug (TDA, TDOSA, TDRA) accesses trap; HPMN kept. */
#define MDCR_GUEST ((1UL << 5) | (1UL << 6) | (1UL << 9) | (1UL << 10) | (1UL << 11))

/* ESR_EL2 classes and fields for guest traps */
#define EC_WFX 0x01
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

#define PSR_F (1UL << 6)
#define PSR_I (1UL << 7)
#define PSR_IL (1UL << 20)
#define PSR_DIT (1UL << 24)
#define PSR_SSBS (1UL << 12)
#define PSR_NZCV (0xfUL << 28)
/*
 * PSTATE bits a VMM may hand keel for an AArch64 guest: NZCV, TCO, DIT, UAO, PAN, SS, IL, SSBS, BTYPE, DAIF,
 * M[3:0]. IL is what a guest's illegal exception return leaves: the guest takes its Illegal State exception.
 */
#define PSR_VALID (PSR_NZCV | (0xfUL << 21) | (1UL << 25) | PSR_IL | PSR_SSBS | (3UL << 10) | PSR_DAIF | 0xfUL)
#define PSR_AA32_MODE_USR 0x10
#define SCTLR_EL1_RESET 0x00c50078UL /* KVM's reset value: RES1 bits, MMU and caches off */
#define SCTLR_EE (1UL << 25)
#define SCTLR_SPAN (1UL << 23)
#define SCTLR_DSSBS (1UL << 44)

/* SMCCC / PSCI as the guest sees them (Linux's arm-smccc.h, psci.h) */
#define SMCCC_VERSION 0x80000000U
#define SMCCC_ARCH_FEATURES 0x80000001U
#define SMCCC_WORKAROUND_1 0x80008000U
#define SMCCC_WORKAROUND_2 0x80007fffU
#define SMCCC_WORKAROUND_3 0x80003fffU
#define SMCCC_WA_RET_UNAFFECTED 1 /* SMCCC_ARCH_WORKAROUND_RET_UNAFFECTED */
#define SMCCC_VERSION_1_1 0x10001
#define PSCI_0_2_VERSION 0x84000000U
#define PSCI_0_2_CPU_SUSPEND 0x84000001U
#define PSCI_0_2_CPU_OFF 0x84000002U
#define PSCI_0_2_CPU_ON 0x84000003U
#define PSCI_0_2_AFFINITY_INFO 0x84000004U
#define PSCI_0_2_MIGRATE_INFO_TYPE 0x84000006U
#define PSCI_0_2_SYSTEM_OFF 0x84000008U
#define PSCI_0_2_SYSTEM_RESET 0x84000009U
#define PSCI_1_0_FEATURES 0x8400000aU
#define PSCI_1_0_SYSTEM_SUSPEND 0x8400000eU
#define PSCI_1_1_SYSTEM_RESET2 0x84000012U
#define KVM_PSCI_FN_BASE 0x95c1ba5eU /* PSCI 0.1: KVM's ids KVM_PSCI_FN(0..3) */
#define KVM_PSCI_FN_CPU_OFF (KVM_PSCI_FN_BASE + 1)
#define KVM_PSCI_FN_CPU_ON (KVM_PSCI_FN_BASE + 2)
#define KVM_PSCI_FN_LAST (KVM_PSCI_FN_BASE + 3)
#define PSCI_FN64 0x40000000U
#define PSCI_RET_SUCCESS 0
#define PSCI_RET_NOT_SUPPORTED (-1)
#define PSCI_RET_INVALID_PARAMS (-2)
#define PSCI_RET_ALREADY_ON (-4)
#define PSCI_RET_INTERNAL_FAILURE (-6)
#define PSCI_TOS_MP 2 /* MIGRATE_INFO_TYPE: no trusted OS needs migrating */
#define PSCI_V0_1 0x1
#define PSCI_V0_2 0x2
#define PSCI_V1_0 0x10000
#define PSCI_V1_1 0x10001
#define MPIDR_AFF_MASK 0xff00ffffffULL
#define KVM_SYSTEM_EVENT_SHUTDOWN 1
#define KVM_SYSTEM_EVENT_SUSPEND 5
#define KVM_SYSTEM_EVENT_RESET 2

#define VECTOR_CURRENT_SP0 0x000
#define VECTOR_CURRENT_SPX 0x200
#define VECTOR_LOWER_A64 0x400
#define VECTOR_LOWER_A32 0x600

/* The host's state the guest's run overwrites; on keel's stack for the duration of one VCPU_RUN. */
struct host_state {
	uint64_t sys[KEEL_NR_SYSREGS];
	uint64_t sp_el0, elr_el2, spsr_el2;
	uint64_t hcr, vtcr, vttbr, cptr, mdcr, cnthctl, vmpidr;
	uint64_t fp[66];
};

/*
 * EL1 registers switched, in enum keel_sysreg order. MDSCR_EL1 (MDCR_EL2
 * traps it) and ACTLR_EL1 (HCR_EL2.TACR) are emulated from ctx, so the
 * hardware's stay the host's.
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

#define OSLSR_OSLK (1UL << 1)

int arch_vcpu_ctx_check(const struct keel_vcpu_ctx *ctx)
{
	uint64_t mode = ctx->pstate & PSR_MODE_MASK;
	uint64_t psci = ctx->psci_version;

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
	return 0;
}

void arch_vcpu_ctx_reset(struct keel_vcpu_ctx *ctx, uint64_t entry, uint64_t context, bool big_endian)
{
	/* As kvm_reset_vcpu() for an AArch64 vCPU brought up by PSCI CPU_ON. */
	memset(ctx->regs, 0, sizeof(ctx->regs));
	memset(ctx->vregs, 0, sizeof(ctx->vregs));
	ctx->sp = 0;
	ctx->fpsr = ctx->fpcr = 0;
	ctx->regs[0] = context;
	ctx->pc = entry;
	ctx->pstate = PSR_DAIF | PSR_MODE_EL1h;
	ctx->sys[KEEL_SCTLR_EL1] = SCTLR_EL1_RESET | (big_endian ? SCTLR_EE : 0);
	ctx->cntv_ctl = 0;
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

/*
 * Deliver a synchronous exception to the guest's EL1 as the hardware would
 * (KVM's enter_exception64). The guest's EL1 registers are live.
 */
static void inject_sync(struct keel_vcpu_ctx *c, uint64_t esr, bool set_far, uint64_t far)
{
	uint64_t old = c->pstate, sctlr = read_sysreg(sctlr_el1), off, new;

	if (old & PSR_MODE32)
		off = VECTOR_LOWER_A32;
	else if ((old & PSR_MODE_MASK) == PSR_MODE_EL0t)
		off = VECTOR_LOWER_A64;
	else if ((old & PSR_MODE_MASK) == PSR_MODE_EL1t)
		off = VECTOR_CURRENT_SP0;
	else
		off = VECTOR_CURRENT_SPX;
	write_sysreg(c->pc, elr_el1);
	write_sysreg(old, spsr_el1);
	write_sysreg(esr, esr_el1);
	if (set_far)
		write_sysreg(far, far_el1);
	new = (old & (PSR_NZCV | PSR_DIT | PSR_PAN)) | PSR_DAIF | PSR_MODE_EL1h;
	if (arm64_id_field(read_sysreg(ID_AA64MMFR1_EL1), 20) && !(sctlr & SCTLR_SPAN))
		new |= PSR_PAN;
	if (sctlr & SCTLR_DSSBS)
		new |= PSR_SSBS;
	c->pstate = new;
	c->pc = read_sysreg(vbar_el1) + off;
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
	struct keel_vcpu_ctx *c = &v->ctx;
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
 * live in ctx, set/way cache operations (TSW) are done by keel; anything
 * else is undefined for the guest, as KVM without a PMU answers it.
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

static void guest_sysreg(struct vcpu *v, uint64_t esr)
{
	struct keel_vcpu_ctx *c = &v->ctx;
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
		slot = &zero; /* ICC_SRE_EL1 (GICv3, trapped while guests run): RAZ/WI, KVM's without a vGICv3 */
		if (!read)
			slot = NULL;
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
	if (op0 == 2 && !read)
		v->dbg_written = true; /* ctx.dbg (or MDSCR/OSLSR in ctx.sys) goes back to the host */
	if (read && rt != 31)
		c->regs[rt] = val;
	v->stat.sysreg++;
	skip_insn(c, esr);
	return;
undef:
	inject_undef(c, esr);
}

static bool smccc_is_workaround(uint32_t feature)
{
	return feature == SMCCC_WORKAROUND_1 || feature == SMCCC_WORKAROUND_2 || feature == SMCCC_WORKAROUND_3;
}

static int64_t smccc_arch_features(uint32_t feature)
{
	uint64_t pfr0 = read_sysreg(ID_AA64PFR0_EL1), mmfr1 = read_sysreg(ID_AA64MMFR1_EL1);
	unsigned csv2 = arm64_id_field(pfr0, 56);

	/*
	 * As KVM 6.1 from the host's Spectre states: an unaffected CPU answers
	 * SMCCC_ARCH_WORKAROUND_RET_UNAFFECTED (1) for WORKAROUND_1 and _3; keel
	 * offers no firmware mitigation of its own, so an affected one is
	 * NOT_SUPPORTED (KVM's "vulnerable").
	 */
	switch (feature) {
	case SMCCC_WORKAROUND_1:
		return csv2 ? SMCCC_WA_RET_UNAFFECTED : SMCCC_RET_NOT_SUPPORTED;
	case SMCCC_WORKAROUND_3:
		return csv2 >= 3 || arm64_id_field(mmfr1, 60) ? SMCCC_WA_RET_UNAFFECTED : SMCCC_RET_NOT_SUPPORTED;
	}
	return SMCCC_RET_NOT_SUPPORTED; /* WORKAROUND_2 included: KVM says so when SSBS exists */
}

/* PSCI as KVM's arch/arm64/kvm/psci.c offers it at the version the VMM chose. */
static int64_t guest_psci(struct vcpu *v, uint32_t fid, unsigned *exit)
{
	struct keel_vcpu_ctx *c = &v->ctx;
	uint64_t version = c->psci_version ? c->psci_version : PSCI_V1_1;
	uint64_t a1 = c->regs[1], a2 = c->regs[2], a3 = c->regs[3];
	uint32_t fn = fid & ~PSCI_FN64;
	unsigned target;
	int ret;

	if (!(fid & PSCI_FN64)) { /* SMC32 calls take 32-bit arguments */
		a1 = (uint32_t)a1;
		a2 = (uint32_t)a2;
		a3 = (uint32_t)a3;
	}
	/* Only these exist in a 64-bit form. */
	if ((fid & PSCI_FN64) && fn != PSCI_0_2_CPU_SUSPEND && fn != PSCI_0_2_CPU_ON && fn != PSCI_0_2_AFFINITY_INFO &&
	    fn != PSCI_1_1_SYSTEM_RESET2 && fn != PSCI_1_0_SYSTEM_SUSPEND)
		return PSCI_RET_NOT_SUPPORTED;
	if (version == PSCI_V0_1) /* KVM's 0.1 answers only its own ids (guest_psci_0_1) */
		return PSCI_RET_NOT_SUPPORTED;

	switch (fn) {
	case PSCI_0_2_VERSION:
		return (int64_t)version;
	case PSCI_0_2_CPU_SUSPEND:
		/* Every power state is a standby: wait for an interrupt. */
		v->stat.wfi++;
		*exit = KEEL_EXIT_WFI;
		return PSCI_RET_SUCCESS;
	case PSCI_0_2_CPU_OFF:
		vcpu_off(v);
		*exit = KEEL_EXIT_POWER_OFF;
		return PSCI_RET_SUCCESS;
	case PSCI_0_2_CPU_ON:
		if (a1 & ~MPIDR_AFF_MASK)
			return PSCI_RET_INVALID_PARAMS;
		ret = vcpu_cpu_on(v, a1, a2, a3, read_sysreg(sctlr_el1) & SCTLR_EE, &target);
		if (ret == -EALREADY)
			return PSCI_RET_ALREADY_ON;
		if (ret)
			return PSCI_RET_INVALID_PARAMS;
		c->exit.target = target;
		*exit = KEEL_EXIT_WAKE;
		return PSCI_RET_SUCCESS;
	case PSCI_0_2_AFFINITY_INFO: {
		static const unsigned shift[] = { 0, 8, 16, 32 };

		if ((a1 & ~MPIDR_AFF_MASK) || a2 > 3)
			return PSCI_RET_INVALID_PARAMS;
		return vcpu_affinity_on(v, a1, MPIDR_AFF_MASK & ~((1ULL << shift[a2]) - 1)) ? 0 : 1;
	}
	case PSCI_0_2_MIGRATE_INFO_TYPE:
		return PSCI_TOS_MP;
	case PSCI_0_2_SYSTEM_OFF:
	case PSCI_0_2_SYSTEM_RESET:
		vcpu_all_off(v);
		c->exit.system_event = fn == PSCI_0_2_SYSTEM_OFF ? KVM_SYSTEM_EVENT_SHUTDOWN : KVM_SYSTEM_EVENT_RESET;
		*exit = KEEL_EXIT_SYSTEM_EVENT;
		return PSCI_RET_INTERNAL_FAILURE; /* what the vCPU sees should the VMM resume it */
	case PSCI_1_0_FEATURES:
		if (version < PSCI_V1_0)
			return PSCI_RET_NOT_SUPPORTED;
		switch ((uint32_t)a1) {
		case PSCI_0_2_VERSION:
		case PSCI_0_2_CPU_SUSPEND:
		case PSCI_0_2_CPU_SUSPEND | PSCI_FN64:
		case PSCI_0_2_CPU_OFF:
		case PSCI_0_2_CPU_ON:
		case PSCI_0_2_CPU_ON | PSCI_FN64:
		case PSCI_0_2_AFFINITY_INFO:
		case PSCI_0_2_AFFINITY_INFO | PSCI_FN64:
		case PSCI_0_2_MIGRATE_INFO_TYPE:
		case PSCI_0_2_SYSTEM_OFF:
		case PSCI_0_2_SYSTEM_RESET:
		case PSCI_1_0_FEATURES:
		case SMCCC_VERSION:
			return 0;
		case PSCI_1_1_SYSTEM_RESET2:
		case PSCI_1_1_SYSTEM_RESET2 | PSCI_FN64:
			return version >= PSCI_V1_1 ? 0 : PSCI_RET_NOT_SUPPORTED;
		case PSCI_1_0_SYSTEM_SUSPEND:
		case PSCI_1_0_SYSTEM_SUSPEND | PSCI_FN64:
			return c->in_flags & KEEL_IN_SYSTEM_SUSPEND ? 0 : PSCI_RET_NOT_SUPPORTED;
		}
		return PSCI_RET_NOT_SUPPORTED;
	case PSCI_1_0_SYSTEM_SUSPEND:
		/* The VMM emulates it from the untouched registers (SMC32: upper halves of x1..x3 cleared). */
		if (version < PSCI_V1_0 || !(c->in_flags & KEEL_IN_SYSTEM_SUSPEND))
			return PSCI_RET_NOT_SUPPORTED;
		c->regs[1] = a1, c->regs[2] = a2, c->regs[3] = a3;
		c->exit.system_event = KVM_SYSTEM_EVENT_SUSPEND;
		*exit = KEEL_EXIT_SYSTEM_EVENT;
		return (int64_t)c->regs[0];
	case PSCI_1_1_SYSTEM_RESET2:
		if (version < PSCI_V1_1)
			return PSCI_RET_NOT_SUPPORTED;
		/* Architectural warm reset (0) or any vendor-specific type (bit 31). */
		if (a1 != 0 && !(a1 & (1ULL << 31)))
			return PSCI_RET_INVALID_PARAMS;
		vcpu_all_off(v);
		c->exit.system_event = KVM_SYSTEM_EVENT_RESET;
		*exit = KEEL_EXIT_SYSTEM_EVENT;
		return PSCI_RET_INTERNAL_FAILURE;
	}
	return PSCI_RET_NOT_SUPPORTED;
}

/* PSCI 0.1 as KVM's kvm_psci_0_1_call(): CPU_OFF and CPU_ON (no context id) by KVM's own ids. */
static int64_t guest_psci_0_1(struct vcpu *v, uint32_t fid, unsigned *exit)
{
	struct keel_vcpu_ctx *c = &v->ctx;
	unsigned target;
	int ret;

	if (fid == KVM_PSCI_FN_CPU_OFF) {
		vcpu_off(v);
		*exit = KEEL_EXIT_POWER_OFF;
		return PSCI_RET_SUCCESS;
	}
	if (fid != KVM_PSCI_FN_CPU_ON)
		return PSCI_RET_NOT_SUPPORTED;
	if (c->regs[1] & ~MPIDR_AFF_MASK)
		return PSCI_RET_INVALID_PARAMS;
	ret = vcpu_cpu_on(v, c->regs[1], c->regs[2], 0, read_sysreg(sctlr_el1) & SCTLR_EE, &target);
	if (ret) /* 0.1 has no ALREADY_ON */
		return PSCI_RET_INVALID_PARAMS;
	c->exit.target = target;
	*exit = KEEL_EXIT_WAKE;
	return PSCI_RET_SUCCESS;
}

/*
 * The calls the host may answer (KVM's kvm_hvc_call_handler() families):
 * ARCH_FEATURES of other features, TRNG (standard service 0x50-0x5f), the
 * standard hypervisor service (PV time) and the vendor hypervisor service
 * (KVM's UID, features, PTP); fast calls only. Anything else (yielding calls,
 * other owners, other standard-service functions) is NOT_SUPPORTED from
 * keel itself, as KVM answers it, without a trip to the host.
 */
static bool smccc_host_family(uint32_t fid)
{
	unsigned owner = (fid >> 24) & 0x3f, fn = fid & 0xffff;

	if (fid == SMCCC_ARCH_FEATURES)
		return true;
	if (!(fid & (1U << 31)))
		return false;
	return owner == 5 || owner == 6 || (owner == 4 && fn >= 0x50 && fn <= 0x5f);
}

/*
 * A guest HVC. keel owns SMCCC_VERSION, the arch workarounds and their
 * queries, and PSCI (KVM's 0.1 ids for a 0.1 vCPU): answered here, with no
 * trip to the host. The families of smccc_host_family() are the host's to
 * answer as Linux KVM's kvm_hvc_call_handler() would, when it asked for
 * them (KEEL_IN_HOST_CALLS); everything else is NOT_SUPPORTED.
 */
static unsigned guest_hvc(struct vcpu *v)
{
	struct keel_vcpu_ctx *c = &v->ctx;
	uint32_t fid = (uint32_t)c->regs[0];
	unsigned exit = 0;
	int64_t ret = SMCCC_RET_NOT_SUPPORTED;

	v->stat.hvc++;
	if (smccc_is_workaround(fid)) {
		/* KVM's hyp fast path: the host has its mitigations; x0 = x1 = 0, x2 and x3 untouched. */
		c->regs[0] = c->regs[1] = 0;
		return 0;
	}
	if (fid == SMCCC_VERSION)
		ret = SMCCC_VERSION_1_1;
	else if (fid == SMCCC_ARCH_FEATURES && smccc_is_workaround((uint32_t)c->regs[1]))
		ret = smccc_arch_features((uint32_t)c->regs[1]);
	else if ((fid & 0xbfffffe0U) == 0x84000000U) /* fast, standard service (PSCI), 0x00-0x1f */
		ret = guest_psci(v, fid, &exit);
	else if (c->psci_version == PSCI_V0_1 && fid >= KVM_PSCI_FN_BASE && fid <= KVM_PSCI_FN_LAST)
		ret = guest_psci_0_1(v, fid, &exit);
	else if ((c->in_flags & KEEL_IN_HOST_CALLS) && smccc_host_family(fid))
		return KEEL_EXIT_HYPERCALL; /* registers as the guest left them, for the host */
	if (exit == KEEL_EXIT_SYSTEM_EVENT && c->exit.system_event == KVM_SYSTEM_EVENT_SUSPEND)
		return exit; /* registers as the guest left them, for the VMM */
	c->regs[0] = (uint64_t)ret;
	c->regs[1] = c->regs[2] = c->regs[3] = 0;
	return exit;
}

/* One trap from the guest: 0 to enter it again, else the exit for the host. */
static unsigned handle_trap(struct vcpu *v, unsigned kind)
{
	struct keel_vcpu_ctx *c = &v->ctx;
	uint64_t esr = read_sysreg(esr_el2);
	unsigned exit = 0;

	if (kind == 1 || kind == 2) { /* a physical interrupt: the host's */
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
		if (!(esr & ESR_WFX_WFE)) {
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
		exit = guest_hvc(v);
		break;
	case EC_SYS64:
		guest_sysreg(v, esr);
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
		/* SVE, SME, pointer auth, MTE, AArch32 system instructions, ...: not offered. */
		inject_undef(c, esr);
		break;
	}
	if (!exit)
		exit = vcpu_must_stop(v);
	return exit;
}

int arch_vcpu_run(struct vcpu *v, bool flush_local)
{
	struct keel_vcpu_ctx *c = &v->ctx;
	struct host_state h;
	uint64_t pfr0 = read_sysreg(ID_AA64PFR0_EL1), hcr, cptr;
	const struct pgtable *s2 = &v->vm->s2;
	unsigned exit;

	/* The host's state: its HVC return, EL1 registers, FP, and this CPU's EL2 configuration. */
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
	arm64_fpsimd_save(h.fp);

	/* The guest's. */
	sysregs_load(c->sys);
	write_sysreg(c->sp, sp_el0);
	arm64_fpsimd_load(c->vregs);
	write_sysreg(c->cntvoff, cntvoff_el2);
	write_sysreg(c->cntv_cval, cntv_cval_el0);
	write_sysreg(c->cntv_ctl, cntv_ctl_el0);
	write_sysreg(KEEL_VCPU_MPIDR(v->index), vmpidr_el2);

	cptr = CPTR_EL2_NVHE_DEFAULT | CPTR_TZ | CPTR_TSM | CPTR_TTA;
	if (arm64_id_field(pfr0, 44))
		cptr |= CPTR_TAM;
	write_sysreg(cptr, cptr_el2);
	write_sysreg((h.mdcr & 0x1f) | MDCR_GUEST, mdcr_el2);
	write_sysreg(CNTHCTL_EL1PCTEN, cnthctl_el2); /* counter readable, EL1 physical timer trapped */
	write_sysreg(arm64_vtcr_for(s2->ia_bits, s2->hw_start_level), vtcr_el2);
	write_sysreg(pa_addr(ptr_to_pa(s2->hw_root)) | ((uint64_t)s2->vmid << 48), vttbr_el2);
	hcr = HCR_GUEST;
	if (c->in_flags & KEEL_IN_VIRQ)
		hcr |= HCR_VI;
	if (c->in_flags & KEEL_IN_VFIQ)
		hcr |= HCR_VF;
	write_sysreg(hcr, hcr_el2);
	arm64_gic_guest_enter();
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

	do {
		write_sysreg(c->pc, elr_el2);
		write_sysreg(c->pstate, spsr_el2);
		exit = arm64_guest_enter(c->regs);
		c->pc = read_sysreg(elr_el2);
		c->pstate = read_sysreg(spsr_el2);
		exit = handle_trap(v, exit);
	} while (!exit);

	/* Back to the host: the guest's state to ctx, its timer stopped so its interrupt line drops. */
	sysregs_save(c->sys);
	c->sp = read_sysreg(sp_el0);
	arm64_fpsimd_save(c->vregs);
	c->cntv_ctl = read_sysreg(cntv_ctl_el0);
	c->cntv_cval = read_sysreg(cntv_cval_el0);
	write_sysreg(0, cntv_ctl_el0);

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
	arm64_fpsimd_load(h.fp);
	write_sysreg(h.elr_el2, elr_el2);
	write_sysreg(h.spsr_el2, spsr_el2);
	isb();
	return (int)exit;
}

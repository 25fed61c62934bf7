// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU's registers over keel's context page: reset (kvm_reset_vcpu), the
 * ID registers a guest sees, KVM_ARM_VCPU_INIT, KVM_GET/SET_ONE_REG and
 * KVM_GET_REG_LIST, with Linux 6.1's values and errnos
 * (arch/arm64/kvm/{reset,guest,sys_regs,arch_timer}.c). The caller holds
 * vcpu->mutex; nothing here calls keel but VCPU_POWER.
 */
#define pr_fmt(fmt) "keel-kvm: " fmt

#include <linux/slab.h>
#include <linux/uaccess.h>

#include <asm/arch_timer.h>
#include <asm/cputype.h>
#include <asm/sysreg.h>

#include "shim.h"

/* KVM's UNKNOWN reset value (sys_regs.h reset_unknown), so a guest relying on it is caught the same way. */
#define KEEL_RESET_UNKNOWN 0x1de7ec7edbadc0deULL
/* reset.c VCPU_RESET_PSTATE_EL1 */
#define KEEL_RESET_PSTATE (PSR_MODE_EL1h | PSR_A_BIT | PSR_I_BIT | PSR_F_BIT | PSR_D_BIT)
/* Features keel gives a vCPU: KVM_ARM_VCPU_POWER_OFF, KVM_ARM_VCPU_PSCI_0_2. */
#define KEEL_VCPU_FEATURES (BIT(KVM_ARM_VCPU_POWER_OFF) | BIT(KVM_ARM_VCPU_PSCI_0_2) | BIT(KVM_ARM_VCPU_PMU_V3))
#define KEEL_VCPU_MAX_FEATURES 7 /* KVM_VCPU_MAX_FEATURES in 6.1 */

/* ---- reset (kvm_reset_vcpu) and the ID registers ------------------------------------------ */

/* Field [shift+3:shift] of an ID register. */
#define IDF(shift) (0xfULL << (shift))

bool keel_host_aarch32_el0(void)
{
	return (read_sysreg_s(SYS_ID_AA64PFR0_EL1) & 0xf) == 2;
}

#define ID_CASE(crm, op2) \
	case KEEL_ID_REG_INDEX(crm, op2): \
		return read_sanitised_ftr_reg(sys_reg(3, 0, 0, crm, op2))

/* The host's sanitised value of an ID register KVM 6.1 reads that way (ID_SANITISED in sys_regs.c). */
static u64 keel_read_hw_id(unsigned int i)
{
	switch (i) {
	ID_CASE(1, 0); ID_CASE(1, 1); ID_CASE(1, 2); ID_CASE(1, 4); ID_CASE(1, 5); ID_CASE(1, 6);
	ID_CASE(1, 7); ID_CASE(2, 0); ID_CASE(2, 1); ID_CASE(2, 2); ID_CASE(2, 3); ID_CASE(2, 4);
	ID_CASE(2, 5); ID_CASE(2, 6); ID_CASE(2, 7); ID_CASE(3, 0); ID_CASE(3, 1); ID_CASE(3, 2);
	ID_CASE(3, 4); ID_CASE(3, 6);
	ID_CASE(4, 0); ID_CASE(4, 1); ID_CASE(5, 0); ID_CASE(5, 1); ID_CASE(6, 0); ID_CASE(6, 1);
	ID_CASE(6, 2); ID_CASE(7, 0); ID_CASE(7, 1); ID_CASE(7, 2);
	default:
		/* Unallocated, hidden (AFR*, DFR1, SMFR0) or RAZ without SVE (ZFR0): 0 as KVM reads them. */
		return 0;
	}
}

/*
 * The ID registers a guest sees: the host's sanitised values (fields Linux
 * 6.1 does not describe read 0, as in KVM) masked as KVM 6.1's read_id_reg()
 * does for a vCPU without SVE, SME, MTE, pointer auth or a PMU:
 *   ID_AA64PFR0  SVE = 0, AMU = 0, CSV2/CSV3 clamped to 1 (per-VM, settable
 *                down), GIC = 1 on a GICv3 host (KVM's vGICv3 is there for
 *                any VM; keel answers the guest's ICC_SRE_EL1 as KVM without
 *                one: RAZ/WI)
 *   ID_AA64PFR1  MTE = 0, SME = 0
 *   ID_AA64ISAR1 APA, API, GPA, GPI = 0; ID_AA64ISAR2 APA3, GPA3 = 0, WFxT = 0
 *   ID_AA64DFR0  DebugVer = 6 (v8.0), PMUVer = the host's up to v3p4 with
 *                KVM_ARM_VCPU_PMU_V3, else 0; PMSVer = 0
 *   ID_DFR0      PerfMon likewise
 *   AArch32 ID registers read 0 when the CPU has no AArch32 EL0.
 */
static u64 keel_guest_id_reg(struct keel_vcpu *vcpu, unsigned int i)
{
	u64 v;

	if (i < KEEL_ID_REG_INDEX(4, 0) && !keel_host_aarch32_el0())
		return 0;
	v = keel_read_hw_id(i);
	switch (i) {
	case KEEL_ID_REG_INDEX(4, 0): /* ID_AA64PFR0_EL1 */
		v &= ~(IDF(32) | IDF(44) | IDF(56) | IDF(60) | IDF(24));
		v |= (u64)vcpu->vm->arch.csv2 << 56 | (u64)vcpu->vm->arch.csv3 << 60;
		if (read_sanitised_ftr_reg(SYS_ID_AA64PFR0_EL1) & IDF(24))
			v |= 1ULL << 24;
		break;
	case KEEL_ID_REG_INDEX(4, 1): /* ID_AA64PFR1_EL1 */
		v &= ~(IDF(8) | IDF(24));
		break;
	case KEEL_ID_REG_INDEX(6, 1): /* ID_AA64ISAR1_EL1 */
		v &= ~(IDF(4) | IDF(8) | IDF(24) | IDF(28));
		break;
	case KEEL_ID_REG_INDEX(6, 2): /* ID_AA64ISAR2_EL1 */
		v &= ~(IDF(0) | IDF(8) | IDF(12));
		break;
	case KEEL_ID_REG_INDEX(5, 0): /* ID_AA64DFR0_EL1 */
		v &= ~(IDF(0) | IDF(8) | IDF(32));
		v |= 6 | keel_pmu_id_field(vcpu, false) << 8;
		break;
	case KEEL_ID_REG_INDEX(1, 2): /* ID_DFR0_EL1 */
		v &= ~IDF(24);
		v |= keel_pmu_id_field(vcpu, true) << 24;
		break;
	}
	return v;
}

/* The VM's defaults: CSV2/CSV3 as the CPU says, at most 1 (set_default_spectre); PSCI; the counter. */
void keel_vm_vcpu_init(struct keel_vm *vm)
{
	u64 pfr0 = read_sysreg_s(SYS_ID_AA64PFR0_EL1);

	vm->arch.csv2 = min_t(u8, (pfr0 >> 56) & 0xf, 1);
	vm->arch.csv3 = min_t(u8, (pfr0 >> 60) & 0xf, 1);
	vm->arch.psci_version = 0x10001; /* KVM_ARM_PSCI_LATEST (1.1) */
	vm->arch.cntvoff = keel_cntpct();
	vm->arch.timer_ppi[0] = KEEL_VGIC_VTIMER_PPI; /* what keel's vGIC starts with */
	vm->arch.timer_ppi[1] = KEEL_VGIC_PTIMER_PPI;
}

#define OSLSR_OSLM_IMPLEMENTED (1UL << 3) /* KVM's reset value */
#define OSLSR_OSLK (1UL << 1)

/* kvm_reset_vcpu() + kvm_reset_sys_regs() + kvm_timer_vcpu_reset(); vcpu->mutex held. */
void keel_vcpu_reset(struct keel_vcpu *vcpu)
{
	struct keel_vcpu_ctx *c = vcpu->ctx;
	unsigned int i;

	memset(c->regs, 0, sizeof(c->regs));
	c->sp = 0;
	c->pc = 0;
	c->pstate = KEEL_RESET_PSTATE;
	memset(c->vregs, 0, sizeof(c->vregs));
	c->fpsr = 0;
	c->fpcr = 0;
	memset(vcpu->arch.aa32.spsr_aa32, 0, sizeof(vcpu->arch.aa32.spsr_aa32));

	for (i = 0; i < KEEL_NR_SYSREG_SLOTS; i++)
		c->sys[i] = 0;
	c->sys[KEEL_SCTLR_EL1] = 0x00C50078;
	c->sys[KEEL_ACTLR_EL1] = read_sysreg(actlr_el1);
	c->sys[KEEL_AMAIR_EL1] = read_sysreg(amair_el1);
	c->sys[KEEL_TTBR0_EL1] = KEEL_RESET_UNKNOWN;
	c->sys[KEEL_TTBR1_EL1] = KEEL_RESET_UNKNOWN;
	c->sys[KEEL_AFSR0_EL1] = KEEL_RESET_UNKNOWN;
	c->sys[KEEL_AFSR1_EL1] = KEEL_RESET_UNKNOWN;
	c->sys[KEEL_ESR_EL1] = KEEL_RESET_UNKNOWN;
	c->sys[KEEL_FAR_EL1] = KEEL_RESET_UNKNOWN;
	c->sys[KEEL_MAIR_EL1] = KEEL_RESET_UNKNOWN;
	c->sys[KEEL_PAR_EL1] = KEEL_RESET_UNKNOWN;
	c->sys[KEEL_TPIDR_EL1] = KEEL_RESET_UNKNOWN;
	c->sys[KEEL_TPIDR_EL0] = KEEL_RESET_UNKNOWN;
	c->sys[KEEL_TPIDRRO_EL0] = KEEL_RESET_UNKNOWN;
	c->sys[KEEL_CSSELR_EL1] = KEEL_RESET_UNKNOWN;
	c->sys[KEEL_OSLSR_EL1] = OSLSR_OSLM_IMPLEMENTED;
	memset(c->dbg, 0, sizeof(c->dbg));
	vcpu->arch.aa32.dbgvcr32 = 0;
	vcpu->arch.aa32.dacr32 = KEEL_RESET_UNKNOWN;
	vcpu->arch.aa32.ifsr32 = KEEL_RESET_UNKNOWN;
	vcpu->arch.aa32.fpexc32 = 0x700;

	for (i = 0; i < KEEL_NR_ID_REGS; i++)
		c->id_regs[i] = keel_guest_id_reg(vcpu, i);

	c->cntv_ctl = 0; /* CVALs keep their values, as kvm_timer_vcpu_reset */
	c->cntp_ctl = 0;
	c->in_flags = 0;
	keel_pmu_vcpu_reset(vcpu);
	vcpu->arch.config_dirty = true;
	c->in_far = 0;
	vcpu->arch.mmio_pending = false;
}

/* ---- KVM_ARM_VCPU_INIT ---------------------------------------------------------------------- */

/* kvm_target_cpu(): what KVM_ARM_PREFERRED_TARGET says and KVM_ARM_VCPU_INIT accepts */
u32 keel_preferred_target(void)
{
	u32 midr = read_cpuid_id();

	switch (MIDR_IMPLEMENTOR(midr)) {
	case ARM_CPU_IMP_ARM:
		switch (MIDR_PARTNUM(midr)) {
		case ARM_CPU_PART_AEM_V8:
			return KVM_ARM_TARGET_AEM_V8;
		case ARM_CPU_PART_FOUNDATION:
			return KVM_ARM_TARGET_FOUNDATION_V8;
		case ARM_CPU_PART_CORTEX_A53:
			return KVM_ARM_TARGET_CORTEX_A53;
		case ARM_CPU_PART_CORTEX_A57:
			return KVM_ARM_TARGET_CORTEX_A57;
		}
		break;
	case ARM_CPU_IMP_APM:
		if (MIDR_PARTNUM(midr) == APM_CPU_PART_XGENE)
			return KVM_ARM_TARGET_XGENE_POTENZA;
		break;
	}
	return KVM_ARM_TARGET_GENERIC_V8;
}

/* kvm_arch_vcpu_ioctl_vcpu_init() / kvm_vcpu_set_target(); vcpu->mutex held. */
long keel_vcpu_init(struct keel_vcpu *vcpu, const struct kvm_vcpu_init *init)
{
	unsigned long features = 0;
	unsigned int i;
	long ret;

	if (init->target != keel_preferred_target())
		return -EINVAL;
	/* -ENOENT for unknown features; a second INIT must repeat the first one's set. */
	for (i = 0; i < sizeof(init->features) * 8; i++) {
		bool set = init->features[i / 32] & (1U << (i % 32));

		if (set && i >= KEEL_VCPU_MAX_FEATURES)
			return -ENOENT;
		if (vcpu->arch.target != -1 && i < KEEL_VCPU_MAX_FEATURES &&
		    !!(vcpu->arch.features & BIT(i)) != set)
			return -EINVAL;
		if (set)
			features |= BIT(i);
	}
	/*
	 * kvm_reset_vcpu() refuses what the system cannot give: keel gives no
	 * AArch32 EL1, SVE or pointer auth, a PMU only if the host has one. The
	 * first INIT's failure leaves the vCPU uninitialised, as KVM.
	 */
	if ((features & ~KEEL_VCPU_FEATURES) ||
	    ((features & BIT(KVM_ARM_VCPU_PMU_V3)) && !keel_pmu_supported())) {
		if (vcpu->arch.target == -1)
			vcpu->arch.features = 0;
		return -EINVAL;
	}
	vcpu->arch.features = features;
	vcpu->arch.target = init->target;
	keel_vcpu_reset(vcpu);

	/* Start powered off, or runnable (KVM's mp_state at INIT). */
	ret = keel_vcpu_power(vcpu, (features & BIT(KVM_ARM_VCPU_POWER_OFF)) ? KEEL_POWER_OFF :
										 KEEL_POWER_ON);
	if (ret < 0) {
		vcpu->arch.target = -1;
		vcpu->arch.features = 0;
		return ret;
	}
	return 0;
}

/* kvm_psci_version(): the VM's version once PSCI 0.2 is asked for, else 0.1. */
u64 keel_psci_version(struct keel_vcpu *vcpu)
{
	return (vcpu->arch.features & BIT(KVM_ARM_VCPU_PSCI_0_2)) ? vcpu->vm->arch.psci_version : 1;
}

/* ---- ONE_REG and REG_LIST ------------------------------------------------------------------- */

#define CORE_REG(name) (KVM_REG_ARM_CORE_REG(name))
#define CORE_NR_U32 (sizeof(struct kvm_regs) / sizeof(u32))

/* core_reg_size_from_offset(): the size of the core register at u32 offset off, or -EINVAL. */
static int keel_core_size(u64 off)
{
	int size;

	if (off <= CORE_REG(regs.pstate) || (off >= CORE_REG(sp_el1) && off <= CORE_REG(spsr[KVM_NR_SPSR - 1])))
		size = 8;
	else if (off >= CORE_REG(fp_regs.vregs[0]) && off < CORE_REG(fp_regs.fpsr))
		size = 16;
	else if (off == CORE_REG(fp_regs.fpsr) || off == CORE_REG(fp_regs.fpcr))
		size = 4;
	else
		return -EINVAL;
	if (off % (size / 4))
		return -EINVAL;
	return size;
}

/* Where the core register lives (context page, or the shim for AArch32-only state). */
static void *keel_core_addr(struct keel_vcpu *vcpu, u64 off)
{
	struct keel_vcpu_ctx *c = vcpu->ctx;

	if (off < CORE_REG(sp_el1))
		return (u64 *)c + off / 2; /* regs[], sp, pc, pstate: user_pt_regs at the page's start */
	if (off == CORE_REG(sp_el1))
		return &c->sys[KEEL_SP_EL1];
	if (off == CORE_REG(elr_el1))
		return &c->sys[KEEL_ELR_EL1];
	if (off == CORE_REG(spsr[KVM_SPSR_EL1]))
		return &c->sys[KEEL_SPSR_EL1];
	if (off <= CORE_REG(spsr[KVM_NR_SPSR - 1]))
		return &vcpu->arch.aa32.spsr_aa32[(off - CORE_REG(spsr[1])) / 2];
	if (off < CORE_REG(fp_regs.fpsr))
		return &c->vregs[(off - CORE_REG(fp_regs.vregs[0])) / 2];
	return off == CORE_REG(fp_regs.fpsr) ? (void *)&c->fpsr : (void *)&c->fpcr;
}

static int keel_core_reg(struct keel_vcpu *vcpu, const struct kvm_one_reg *reg, bool set)
{
	void __user *uaddr = u64_to_user_ptr(reg->addr);
	u64 off = reg->id & ~(KVM_REG_ARCH_MASK | KVM_REG_SIZE_MASK | KVM_REG_ARM_CORE);
	u64 size = KVM_REG_SIZE(reg->id);
	u64 tmp[2] = { 0, 0 };
	void *addr;

	if (off >= CORE_NR_U32 || off + size / 4 >= CORE_NR_U32)
		return -ENOENT;
	if (keel_core_size(off) != size)
		return -EINVAL;
	addr = keel_core_addr(vcpu, off);
	if (!set) {
		memcpy(tmp, addr, size); /* fpsr/fpcr are u64 slots holding a u32 */
		return copy_to_user(uaddr, tmp, size) ? -EFAULT : 0;
	}
	if (copy_from_user(tmp, uaddr, size))
		return -EFAULT;
	if (off == CORE_REG(regs.pstate)) {
		/* As set_core_reg(): only the mode is checked. keel gives no AArch32 EL1 (KVM_ARM_VCPU_EL1_32BIT). */
		switch (tmp[0] & PSR_AA32_MODE_MASK) {
		case PSR_AA32_MODE_USR:
			if (!keel_host_aarch32_el0())
				return -EINVAL;
			break;
		case PSR_MODE_EL0t:
		case PSR_MODE_EL1t:
		case PSR_MODE_EL1h:
			break;
		default:
			return -EINVAL;
		}
	}
	if (size == 4)
		*(u64 *)addr = (u32)tmp[0];
	else
		memcpy(addr, tmp, size);
	return 0;
}

/* System registers keel switches, by KVM's encoding (op0, op1, CRn, CRm, op2). */
static const struct {
	u16 enc;
	u8 slot;
} keel_sysregs[] = {
#define SR(op0, op1, crn, crm, op2, slot) { sys_reg(op0, op1, crn, crm, op2) >> 5, slot }
	SR(3, 0, 1, 0, 0, KEEL_SCTLR_EL1),	SR(3, 0, 1, 0, 1, KEEL_ACTLR_EL1),
	SR(3, 0, 1, 0, 2, KEEL_CPACR_EL1),	SR(3, 0, 2, 0, 0, KEEL_TTBR0_EL1),
	SR(3, 0, 2, 0, 1, KEEL_TTBR1_EL1),	SR(3, 0, 2, 0, 2, KEEL_TCR_EL1),
	SR(3, 0, 5, 1, 0, KEEL_AFSR0_EL1),	SR(3, 0, 5, 1, 1, KEEL_AFSR1_EL1),
	SR(3, 0, 5, 2, 0, KEEL_ESR_EL1),	SR(3, 0, 6, 0, 0, KEEL_FAR_EL1),
	SR(3, 0, 7, 4, 0, KEEL_PAR_EL1),	SR(3, 0, 10, 2, 0, KEEL_MAIR_EL1),
	SR(3, 0, 10, 3, 0, KEEL_AMAIR_EL1),	SR(3, 0, 12, 0, 0, KEEL_VBAR_EL1),
	SR(3, 0, 13, 0, 1, KEEL_CONTEXTIDR_EL1), SR(3, 0, 13, 0, 4, KEEL_TPIDR_EL1),
	SR(3, 0, 14, 1, 0, KEEL_CNTKCTL_EL1),	SR(3, 2, 0, 0, 0, KEEL_CSSELR_EL1),
	SR(3, 3, 13, 0, 2, KEEL_TPIDR_EL0),	SR(3, 3, 13, 0, 3, KEEL_TPIDRRO_EL0),
	SR(2, 0, 0, 2, 0, KEEL_MDCCINT_EL1),	SR(2, 0, 0, 2, 2, KEEL_MDSCR_EL1),
	SR(2, 0, 1, 1, 4, KEEL_OSLSR_EL1),	SR(3, 0, 12, 1, 1, KEEL_DISR_EL1),
#undef SR
};

/* Shim-held AArch32 state (never used by an AArch64-only guest, kept as KVM keeps it). */
#define ENC(op0, op1, crn, crm, op2) (sys_reg(op0, op1, crn, crm, op2) >> 5)
#define ENC_DACR32 ENC(3, 4, 3, 0, 0)
#define ENC_IFSR32 ENC(3, 4, 5, 0, 1)
#define ENC_FPEXC32 ENC(3, 4, 5, 3, 0)
#define ENC_DBGVCR32 ENC(2, 4, 0, 7, 0)
#define ENC_OSLSR ENC(2, 0, 1, 1, 4)
/* DBG{B,W}{V,C}Rn_EL1: op0=2 op1=0 CRn=0 CRm=n op2=4..7 (enum keel_dbg_kind) */
static bool keel_is_dbg_enc(u16 enc, unsigned int *kind, unsigned int *n)
{
	if (enc >> 7 != 2 << 7 || (enc & 7) < 4)
		return false;
	*kind = (enc & 7) - 4;
	*n = (enc >> 3) & 0xf;
	return true;
}
/* Invariant registers (get_invariant_sys_reg): the host's, read-only. */
static const u16 keel_invariant[] = {
	ENC(3, 0, 0, 0, 0), /* MIDR_EL1 */
	ENC(3, 0, 0, 0, 6), /* REVIDR_EL1 */
	ENC(3, 1, 0, 0, 1), /* CLIDR_EL1 */
	ENC(3, 1, 0, 0, 7), /* AIDR_EL1 */
	ENC(3, 3, 0, 0, 1), /* CTR_EL0 */
};
#define ENC_MPIDR ENC(3, 0, 0, 0, 5)

static u64 keel_invariant_val(unsigned int i)
{
	switch (i) {
	case 0: return read_cpuid_id();
	case 1: return read_sysreg(revidr_el1);
	case 2: return read_sysreg(clidr_el1);
	case 3: return read_sysreg(aidr_el1);
	default: return read_sysreg(ctr_el0);
	}
}

static bool keel_is_id_enc(u16 enc, unsigned int *idx)
{
	/* op0=3 op1=0 CRn=0 (bits 15:7 of the index) CRm=1..7 */
	unsigned int crm = (enc >> 3) & 0xf;

	if (enc >> 7 != 3 << 7 || crm < 1 || crm > 7)
		return false;
	*idx = KEEL_ID_REG_INDEX(crm, enc & 7);
	return true;
}

static const u64 keel_timer_ids[] = { KVM_REG_ARM_TIMER_CTL, KVM_REG_ARM_TIMER_CNT, KVM_REG_ARM_TIMER_CVAL };

static int keel_timer_reg(struct keel_vcpu *vcpu, const struct kvm_one_reg *reg, bool set)
{
	void __user *uaddr = u64_to_user_ptr(reg->addr);
	struct keel_vcpu_ctx *c = vcpu->ctx;
	u64 val;

	if (!set) {
		switch (reg->id) {
		case KVM_REG_ARM_TIMER_CTL:
			/* read_timer_ctl(): ISTATUS when expired, whatever ENABLE says */
			val = c->cntv_ctl & ~ARCH_TIMER_CTRL_IT_STAT;
			if (keel_cntpct() - c->cntvoff >= c->cntv_cval)
				val |= ARCH_TIMER_CTRL_IT_STAT;
			break;
		case KVM_REG_ARM_TIMER_CNT:
			val = keel_cntpct() - c->cntvoff;
			break;
		default:
			val = c->cntv_cval;
			break;
		}
		return put_user(val, (u64 __user *)uaddr);
	}
	if (get_user(val, (u64 __user *)uaddr))
		return -EFAULT;
	switch (reg->id) {
	case KVM_REG_ARM_TIMER_CTL:
		c->cntv_ctl = val & ~ARCH_TIMER_CTRL_IT_STAT;
		break;
	case KVM_REG_ARM_TIMER_CNT: {
		/* update_vtimer_cntvoff(): one offset for the whole VM; each vCPU takes it at its next entry */
		WRITE_ONCE(vcpu->vm->arch.cntvoff, keel_cntpct() - val);
		c->cntvoff = vcpu->vm->arch.cntvoff;
		break;
	}
	default:
		c->cntv_cval = val;
		break;
	}
	return 0;
}

static int keel_sys_reg(struct keel_vcpu *vcpu, const struct kvm_one_reg *reg, bool set)
{
	u64 __user *uaddr = u64_to_user_ptr(reg->addr);
	u16 enc;
	unsigned int i, idx;
	u64 *slot = NULL, val, cur;
	int r;

	/* index_to_params(): u64 only, nothing beyond the encoding. */
	if ((reg->id & KVM_REG_SIZE_MASK) != KVM_REG_SIZE_U64 ||
	    (reg->id & ~(KVM_REG_ARCH_MASK | KVM_REG_SIZE_MASK | KVM_REG_ARM_COPROC_MASK | 0xffffULL)) ||
	    (reg->id & KVM_REG_ARM_COPROC_MASK) != KVM_REG_ARM64_SYSREG)
		return -ENOENT;
	enc = reg->id & 0xffff;

	for (i = 0; i < ARRAY_SIZE(keel_invariant); i++) {
		if (enc != keel_invariant[i])
			continue;
		cur = keel_invariant_val(i);
		if (!set)
			return put_user(cur, uaddr);
		if (get_user(val, uaddr))
			return -EFAULT;
		return val == cur ? 0 : -EINVAL;
	}
	if (keel_is_id_enc(enc, &idx)) {
		cur = vcpu->ctx->id_regs[idx];
		if (!set)
			return put_user(cur, uaddr);
		if (get_user(val, uaddr))
			return -EFAULT;
		/* AArch32 ID registers without AArch32: RAZ/WI for userspace (aa32_id_visibility). */
		if (idx < KEEL_ID_REG_INDEX(4, 0) && !keel_host_aarch32_el0())
			return 0;
		if (idx == KEEL_ID_REG_INDEX(4, 0)) {
			/* set_id_aa64pfr0_el1(): CSV2/CSV3 may go down to 0, nothing else may change. */
			u8 csv2 = (val >> 56) & 0xf, csv3 = (val >> 60) & 0xf;
			u64 hw = read_sysreg_s(SYS_ID_AA64PFR0_EL1);

			if (csv2 > 1 || (csv2 && !((hw >> 56) & 0xf)) || csv3 > 1 ||
			    (csv3 && !((hw >> 60) & 0xf)))
				return -EINVAL;
			if ((val ^ cur) & ~(IDF(56) | IDF(60)))
				return -EINVAL;
			vcpu->vm->arch.csv2 = csv2;
			vcpu->vm->arch.csv3 = csv3;
			vcpu->ctx->id_regs[idx] = val;
			return 0;
		}
		/* set_id_reg(): "invariant: you can't change it" */
		return val == cur ? 0 : -EINVAL;
	}
	r = keel_pmu_reg(vcpu, enc, set, uaddr);
	if (r != -ENOENT)
		return r;
	if (enc == ENC_MPIDR) {
		/* KVM lets userspace write MPIDR; keel fixes it per vCPU index, so only that value. */
		cur = KEEL_VCPU_MPIDR(vcpu->vcpu_id);
		if (!set)
			return put_user(cur, uaddr);
		if (get_user(val, uaddr))
			return -EFAULT;
		return val == cur ? 0 : -EINVAL;
	}
	for (i = 0; i < ARRAY_SIZE(keel_sysregs); i++)
		if (enc == keel_sysregs[i].enc)
			slot = &vcpu->ctx->sys[keel_sysregs[i].slot];
	if (keel_is_dbg_enc(enc, &idx, &i))
		slot = &vcpu->ctx->dbg[idx][i];
	if (enc == ENC_OSLSR && set) {
		/* set_oslsr_el1(): only OSLK may change. */
		if (get_user(val, uaddr))
			return -EFAULT;
		if ((val ^ OSLSR_OSLM_IMPLEMENTED) & ~OSLSR_OSLK)
			return -EINVAL;
		*slot = val;
		return 0;
	}
	if (enc == ENC_DBGVCR32)
		slot = &vcpu->arch.aa32.dbgvcr32;
	else if (enc == ENC_DACR32)
		slot = &vcpu->arch.aa32.dacr32;
	else if (enc == ENC_IFSR32)
		slot = &vcpu->arch.aa32.ifsr32;
	else if (enc == ENC_FPEXC32)
		slot = &vcpu->arch.aa32.fpexc32;
	if (!slot)
		return -ENOENT;
	if (!set)
		return put_user(*slot, uaddr);
	if (get_user(val, uaddr))
		return -EFAULT;
	*slot = val;
	return 0;
}

/* kvm_arm_get_reg() / kvm_arm_set_reg(); vcpu->mutex held, vCPU initialised. */
int keel_one_reg(struct keel_vcpu *vcpu, const struct kvm_one_reg *reg, bool set)
{
	unsigned int i;

	/* Nothing arch-specific in the upper 32 bits. */
	if ((reg->id & ~KVM_REG_SIZE_MASK) >> 32 != KVM_REG_ARM64 >> 32)
		return -EINVAL;
	switch (reg->id & KVM_REG_ARM_COPROC_MASK) {
	case KVM_REG_ARM_CORE:
		return keel_core_reg(vcpu, reg, set);
	case KVM_REG_ARM_FW:
	case KVM_REG_ARM_FW_FEAT_BMAP:
		return keel_fw_reg(vcpu, reg, set);
	case KVM_REG_ARM64_SVE:
		return -ENOENT; /* get/set_sve_reg on a vCPU without SVE */
	}
	for (i = 0; i < ARRAY_SIZE(keel_timer_ids); i++)
		if (reg->id == keel_timer_ids[i])
			return keel_timer_reg(vcpu, reg, set);
	return keel_sys_reg(vcpu, reg, set);
}

/* Every id ONE_REG accepts, in KVM's order (core, firmware, timer, system registers). */
static unsigned int keel_reg_ids(struct keel_vcpu *vcpu, u64 *ids)
{
	unsigned int n = 0, i, j;
	u64 off;

#define PUT(id) do { if (ids) ids[n] = (id); n++; } while (0)
	for (off = 0; off < CORE_NR_U32; off++) {
		int size = keel_core_size(off);

		if (size < 0)
			continue;
		PUT(KVM_REG_ARM64 | KVM_REG_ARM_CORE | off |
		    (size == 4 ? KVM_REG_SIZE_U32 : size == 8 ? KVM_REG_SIZE_U64 : KVM_REG_SIZE_U128));
	}
	for (i = 0; i < KEEL_FW_IDS_NR; i++)
		PUT(keel_fw_ids[i]);
	for (i = 0; i < ARRAY_SIZE(keel_timer_ids); i++)
		PUT(keel_timer_ids[i]);
	for (i = 0; i < ARRAY_SIZE(keel_invariant); i++)
		PUT(KEEL_SYSREG_ID(keel_invariant[i]));
	PUT(KEEL_SYSREG_ID(ENC_MPIDR));
	for (i = 1; i <= 7; i++)
		for (j = 0; j < 8; j++)
			PUT(KEEL_SYSREG_ID(ENC(3, 0, 0, i, j)));
	for (i = 0; i < ARRAY_SIZE(keel_sysregs); i++)
		PUT(KEEL_SYSREG_ID(keel_sysregs[i].enc));
	n += keel_pmu_reg_ids(vcpu, ids ? ids + n : NULL);
	for (i = 0; i < 16; i++)
		for (j = 0; j < KEEL_DBG_KINDS; j++)
			PUT(KEEL_SYSREG_ID(ENC(2, 0, 0, i, 4 + j)));
	PUT(KEEL_SYSREG_ID(ENC_DBGVCR32));
	PUT(KEEL_SYSREG_ID(ENC_DACR32));
	PUT(KEEL_SYSREG_ID(ENC_IFSR32));
	PUT(KEEL_SYSREG_ID(ENC_FPEXC32));
#undef PUT
	return n;
}

long keel_get_reg_list(struct keel_vcpu *vcpu, struct kvm_reg_list __user *ul)
{
	struct kvm_reg_list rl;
	unsigned int n = keel_reg_ids(vcpu, NULL), want;
	u64 *ids;
	long ret = 0;

	if (copy_from_user(&rl, ul, sizeof(rl)))
		return -EFAULT;
	want = rl.n;
	rl.n = n;
	if (copy_to_user(ul, &rl, sizeof(rl)))
		return -EFAULT;
	if (want < n)
		return -E2BIG;
	ids = kmalloc_array(n, sizeof(*ids), GFP_KERNEL);
	if (!ids)
		return -ENOMEM;
	keel_reg_ids(vcpu, ids);
	if (copy_to_user(ul->reg, ids, n * sizeof(*ids)))
		ret = -EFAULT;
	kfree(ids);
	return ret;
}

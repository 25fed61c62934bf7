// SPDX-License-Identifier: GPL-2.0
/*
 * Guest hypercalls the host answers, and the firmware pseudo-registers that
 * gate them, as Linux 6.1 KVM (arch/arm64/kvm/{hypercalls,trng,pvtime}.c).
 *
 * keel answers SMCCC_VERSION, the arch workaround queries and PSCI itself,
 * inside EL2. Every other guest HVC comes out of KEEL_HC_VCPU_RUN as
 * KEEL_EXIT_HYPERCALL (the shim asks for that with KEEL_IN_HOST_CALLS), with
 * x0..x7 as the guest left them; keel_vcpu_hypercall() puts the results in
 * x0..x3 of the context page and KVM_RUN enters the guest again. What is
 * offered: TRNG 1.0 (the kernel's RNG), PV stolen time (the
 * KVM_ARM_VCPU_PVTIME_CTRL vCPU attribute), KVM's vendor calls (UID,
 * features, PTP), each behind its bit in the VM's KVM_REG_ARM_*_BMAP.
 */
#define pr_fmt(fmt) "keel-kvm: " fmt

#include <linux/arm-smccc.h>
#include <linux/clocksource_ids.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/sched/stat.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/uuid.h>

#include <asm/pvclock-abi.h>
#include <asm/sysreg.h>

#include "shim.h"

#define KEEL_STD_FEATURES GENMASK(KVM_REG_ARM_STD_BMAP_BIT_COUNT - 1, 0)
#define KEEL_STD_HYP_FEATURES GENMASK(KVM_REG_ARM_STD_HYP_BMAP_BIT_COUNT - 1, 0)
#define KEEL_VENDOR_HYP_FEATURES GENMASK(KVM_REG_ARM_VENDOR_HYP_BMAP_BIT_COUNT - 1, 0)
#define KEEL_STEAL_NONE (~0ULL) /* GPA_INVALID: no stolen-time record */

/* The TRNG ABI's own return values (DEN0098), and the Arm TRNG service's UUID as KVM gives it. */
#define TRNG_VERSION_1_0 0x10000UL
#define TRNG_SUCCESS 0UL
#define TRNG_NOT_SUPPORTED ((unsigned long)-1)
#define TRNG_INVALID_PARAMETER ((unsigned long)-2)
#define TRNG_MAX_BITS64 192
static const uuid_t keel_trng_uuid = UUID_INIT(0x0d21e000, 0x4384, 0x11eb, 0x80, 0x70, 0x52, 0x44, 0x55, 0x4e,
					       0x5a, 0x4c);

void keel_vm_hypercalls_init(struct keel_vm *vm)
{
	/* kvm_arm_init_hypercalls(): every feature offered until userspace says otherwise. */
	vm->arch.std_bmap = KEEL_STD_FEATURES;
	vm->arch.std_hyp_bmap = KEEL_STD_HYP_FEATURES;
	vm->arch.vendor_hyp_bmap = KEEL_VENDOR_HYP_FEATURES;
}

void keel_vcpu_hypercalls_init(struct keel_vcpu *vcpu)
{
	vcpu->arch.steal.base = KEEL_STEAL_NONE;
}

/* ---- firmware pseudo-registers (KVM_REG_ARM_FW, KVM_REG_ARM_FW_FEAT_BMAP) ------------------- */

const u64 keel_fw_ids[KEEL_FW_IDS_NR] = {
	KVM_REG_ARM_PSCI_VERSION,	     KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_1,
	KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_2, KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_3,
	KVM_REG_ARM_STD_BMAP,		     KVM_REG_ARM_STD_HYP_BMAP,
	KVM_REG_ARM_VENDOR_HYP_BMAP,
};

/*
 * The SMCCC workaround levels: what keel answers the guest's
 * SMCCC_ARCH_FEATURES with (arch/arm64/guest.c smccc_arch_features): no
 * firmware mitigation of its own, NOT_REQUIRED where the CPU says it is
 * unaffected (CSV2 for WORKAROUND_1; CSV2 >= 3 or ECBHB for WORKAROUND_3),
 * else NOT_AVAIL; WORKAROUND_2 always NOT_AVAIL.
 */
static u64 keel_wa_level(u64 id)
{
	u64 pfr0 = read_sysreg_s(SYS_ID_AA64PFR0_EL1), mmfr1 = read_sysreg_s(SYS_ID_AA64MMFR1_EL1);
	unsigned int csv2 = (pfr0 >> 56) & 0xf;

	switch (id) {
	case KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_1:
		return csv2 ? KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_1_NOT_REQUIRED :
			      KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_1_NOT_AVAIL;
	case KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_3:
		return csv2 >= 3 || (mmfr1 >> 60) ? KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_3_NOT_REQUIRED :
						     KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_3_NOT_AVAIL;
	default:
		return KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_2_NOT_AVAIL;
	}
}

/* The VM's bitmap behind a KVM_REG_ARM_*_BMAP id and the features it may hold, or NULL. */
static unsigned long *keel_fw_bmap(struct keel_vm *vm, u64 id, unsigned long *features)
{
	switch (id) {
	case KVM_REG_ARM_STD_BMAP:
		*features = KEEL_STD_FEATURES;
		return &vm->arch.std_bmap;
	case KVM_REG_ARM_STD_HYP_BMAP:
		*features = KEEL_STD_HYP_FEATURES;
		return &vm->arch.std_hyp_bmap;
	case KVM_REG_ARM_VENDOR_HYP_BMAP:
		*features = KEEL_VENDOR_HYP_FEATURES;
		return &vm->arch.vendor_hyp_bmap;
	}
	return NULL;
}

/* kvm_arm_set_fw_reg_bmap(): offered features only; no change once a vCPU of the VM has run. */
static int keel_set_fw_bmap(struct keel_vm *vm, unsigned long *bmap, unsigned long features, u64 val)
{
	int ret = 0;

	if (val & ~(u64)features)
		return -EINVAL;
	mutex_lock(&vm->lock);
	if (vm->has_run && val != *bmap)
		ret = -EBUSY;
	else
		WRITE_ONCE(*bmap, val);
	mutex_unlock(&vm->lock);
	return ret;
}

/* kvm_arm_get_fw_reg() / kvm_arm_set_fw_reg(); vcpu->mutex held. */
int keel_fw_reg(struct keel_vcpu *vcpu, const struct kvm_one_reg *reg, bool set)
{
	void __user *uaddr = u64_to_user_ptr(reg->addr);
	unsigned long *bmap, features;
	u64 val;

	bmap = keel_fw_bmap(vcpu->vm, reg->id, &features);
	switch (reg->id) {
	case KVM_REG_ARM_PSCI_VERSION:
		val = keel_psci_version(vcpu);
		break;
	case KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_1:
	case KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_2:
	case KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_3:
		val = keel_wa_level(reg->id);
		break;
	default:
		if (!bmap)
			return -ENOENT;
		val = READ_ONCE(*bmap);
		break;
	}
	if (!set)
		return copy_to_user(uaddr, &val, sizeof(val)) ? -EFAULT : 0;
	if (copy_from_user(&val, uaddr, sizeof(val)))
		return -EFAULT;
	switch (reg->id) {
	case KVM_REG_ARM_PSCI_VERSION: {
		bool wants_02 = vcpu->arch.features & BIT(KVM_ARM_VCPU_PSCI_0_2);

		if (val == 1 && !wants_02)
			return 0; /* PSCI 0.1: the VM's version is what 0.2+ vCPUs see */
		if ((val == 0x2 || val == 0x10000 || val == 0x10001) && wants_02) {
			WRITE_ONCE(vcpu->vm->arch.psci_version, val);
			return 0;
		}
		return -EINVAL;
	}
	case KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_1:
	case KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_3:
		/* A level (bits 3:0), nothing above what keel answers. */
		if (val & ~0xfULL || val > keel_wa_level(reg->id))
			return -EINVAL;
		return 0;
	case KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_2:
		/*
		 * NOT_AVAIL (0) or UNKNOWN (1), which KVM maps to NOT_AVAIL; AVAIL
		 * and NOT_REQUIRED promise more than keel's NOT_AVAIL, and ENABLED
		 * needs AVAIL.
		 */
		return val <= KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_2_UNKNOWN ? 0 : -EINVAL;
	default:
		return keel_set_fw_bmap(vcpu->vm, bmap, features, val);
	}
}

/* ---- PV stolen time (pvtime.c) -------------------------------------------------------------- */

#define KEEL_STEAL_OFF offsetof(struct pvclock_vcpu_stolen_time, stolen_time)

/*
 * kvm_update_stolen_time(): add the time the vCPU thread waited for a CPU
 * since the last update to the guest's record. Called before each entry;
 * vcpu->mutex held, may fault the VMM's page in.
 */
void keel_vcpu_update_stolen_time(struct keel_vcpu *vcpu)
{
	u64 delay = READ_ONCE(current->sched_info.run_delay), steal;
	unsigned long hva;
	__le64 __user *p;

	if (vcpu->arch.steal.base == KEEL_STEAL_NONE || delay == vcpu->arch.steal.last_steal)
		return;
	if (keel_vm_gpa_to_hva(vcpu->vm, vcpu->arch.steal.base + KEEL_STEAL_OFF, true, &hva))
		return;
	p = (__le64 __user *)hva;
	if (get_user(steal, p))
		return;
	steal = le64_to_cpu((__force __le64)steal) + (delay - vcpu->arch.steal.last_steal);
	vcpu->arch.steal.last_steal = delay;
	if (!put_user((__force u64)cpu_to_le64(steal), p))
		keel_vm_mark_dirty(vcpu->vm, vcpu->arch.steal.base + KEEL_STEAL_OFF);
}

/* kvm_init_stolen_time(): PV_TIME_ST starts the count from now, in a zeroed record. */
static u64 keel_init_stolen_time(struct keel_vcpu *vcpu)
{
	struct pvclock_vcpu_stolen_time zero = {};
	unsigned long hva;

	if (vcpu->arch.steal.base == KEEL_STEAL_NONE)
		return KEEL_STEAL_NONE;
	vcpu->arch.steal.last_steal = READ_ONCE(current->sched_info.run_delay);
	if (!keel_vm_gpa_to_hva(vcpu->vm, vcpu->arch.steal.base, true, &hva) &&
	    !copy_to_user((void __user *)hva, &zero, sizeof(zero)))
		keel_vm_mark_dirty(vcpu->vm, vcpu->arch.steal.base);
	return vcpu->arch.steal.base;
}

/* kvm_arm_pvtime_{set,get,has}_attr(): attr KVM_ARM_VCPU_PVTIME_IPA only. */
long keel_vcpu_pvtime_attr(struct keel_vcpu *vcpu, unsigned int ioctl, const struct kvm_device_attr *attr)
{
	u64 __user *uaddr = u64_to_user_ptr(attr->addr);
	unsigned long hva;
	u64 ipa;

	if (!sched_info_on() || attr->attr != KVM_ARM_VCPU_PVTIME_IPA)
		return -ENXIO;
	if (ioctl == KVM_HAS_DEVICE_ATTR)
		return 0;
	if (ioctl == KVM_GET_DEVICE_ATTR)
		return put_user(vcpu->arch.steal.base, uaddr);
	if (get_user(ipa, uaddr))
		return -EFAULT;
	if (!IS_ALIGNED(ipa, 64))
		return -EINVAL;
	if (vcpu->arch.steal.base != KEEL_STEAL_NONE)
		return -EEXIST;
	if (keel_vm_gpa_to_hva(vcpu->vm, ipa, true, &hva))
		return -EINVAL;
	vcpu->arch.steal.base = ipa;
	return 0;
}

/* ---- the calls ------------------------------------------------------------------------------- */

/* kvm_ptp_get_time(): wall clock and the guest's chosen counter, from one snapshot. */
static void keel_ptp_get_time(struct keel_vcpu *vcpu, u64 *val)
{
	struct system_time_snapshot snap;
	u64 cycles;

	ktime_get_snapshot(&snap);
	/* Only the architected counter is one the guest can see. */
	if (snap.cs_id != CSID_ARM_ARCH_COUNTER)
		return;
	switch ((u32)vcpu->ctx->regs[1]) {
	case KVM_PTP_VIRT_COUNTER:
		cycles = snap.cycles - READ_ONCE(vcpu->vm->arch.cntvoff);
		break;
	case KVM_PTP_PHYS_COUNTER:
		cycles = snap.cycles;
		break;
	default:
		return;
	}
	val[0] = upper_32_bits(snap.real);
	val[1] = lower_32_bits(snap.real);
	val[2] = upper_32_bits(cycles);
	val[3] = lower_32_bits(cycles);
}

/* kvm_trng_call(); fills val[0..3]. */
static void keel_trng_call(struct keel_vcpu *vcpu, u32 fid, u64 *val)
{
	const __le32 *u = (const __le32 *)keel_trng_uuid.b;
	u64 bits[TRNG_MAX_BITS64 / 64] = {};
	u32 nbits = (u32)vcpu->ctx->regs[1];
	unsigned int size = 64, i;

	val[0] = TRNG_NOT_SUPPORTED;
	switch (fid) {
	case ARM_SMCCC_TRNG_VERSION:
		val[0] = TRNG_VERSION_1_0;
		return;
	case ARM_SMCCC_TRNG_FEATURES:
		switch (nbits) { /* arg1: a function id */
		case ARM_SMCCC_TRNG_VERSION:
		case ARM_SMCCC_TRNG_FEATURES:
		case ARM_SMCCC_TRNG_GET_UUID:
		case ARM_SMCCC_TRNG_RND32:
		case ARM_SMCCC_TRNG_RND64:
			val[0] = TRNG_SUCCESS;
		}
		return;
	case ARM_SMCCC_TRNG_GET_UUID:
		for (i = 0; i < 4; i++)
			val[i] = le32_to_cpu(u[i]);
		return;
	case ARM_SMCCC_TRNG_RND32:
		size = 32;
		fallthrough;
	case ARM_SMCCC_TRNG_RND64:
		/* nbits random bits, least significant in the last register (x3). */
		if (nbits > 3 * size) {
			val[0] = TRNG_INVALID_PARAMETER;
			return;
		}
		for (i = 0; i < DIV_ROUND_UP(nbits, 64); i++)
			bits[i] = get_random_u64();
		if (nbits % 64)
			bits[nbits / 64] &= GENMASK_ULL(nbits % 64 - 1, 0);
		val[0] = TRNG_SUCCESS;
		if (size == 32) {
			val[1] = lower_32_bits(bits[1]);
			val[2] = upper_32_bits(bits[0]);
			val[3] = lower_32_bits(bits[0]);
		} else {
			val[1] = bits[2];
			val[2] = bits[1];
			val[3] = bits[0];
		}
		memzero_explicit(bits, sizeof(bits));
		return;
	}
}

/* kvm_hvc_call_allowed(): is fid's family on in the VM's bitmaps? */
static bool keel_call_allowed(struct keel_vm *vm, u32 fid)
{
	switch (fid) {
	case ARM_SMCCC_TRNG_VERSION:
	case ARM_SMCCC_TRNG_FEATURES:
	case ARM_SMCCC_TRNG_GET_UUID:
	case ARM_SMCCC_TRNG_RND32:
	case ARM_SMCCC_TRNG_RND64:
		return READ_ONCE(vm->arch.std_bmap) & BIT(KVM_REG_ARM_STD_BIT_TRNG_V1_0);
	case ARM_SMCCC_HV_PV_TIME_FEATURES:
	case ARM_SMCCC_HV_PV_TIME_ST:
		return READ_ONCE(vm->arch.std_hyp_bmap) & BIT(KVM_REG_ARM_STD_HYP_BIT_PV_TIME);
	case ARM_SMCCC_VENDOR_HYP_KVM_FEATURES_FUNC_ID:
	case ARM_SMCCC_VENDOR_HYP_CALL_UID_FUNC_ID:
		return READ_ONCE(vm->arch.vendor_hyp_bmap) & BIT(KVM_REG_ARM_VENDOR_HYP_BIT_FUNC_FEAT);
	case ARM_SMCCC_VENDOR_HYP_KVM_PTP_FUNC_ID:
		return READ_ONCE(vm->arch.vendor_hyp_bmap) & BIT(KVM_REG_ARM_VENDOR_HYP_BIT_PTP);
	}
	/* SMCCC_ARCH_FEATURES for what keel did not answer; anything else is unknown. */
	return fid == ARM_SMCCC_ARCH_FEATURES_FUNC_ID;
}

/*
 * KEEL_EXIT_HYPERCALL: the guest's call keel left to the host, answered as
 * kvm_hvc_call_handler() would. vcpu->mutex held; results in x0..x3.
 */
void keel_vcpu_hypercall(struct keel_vcpu *vcpu)
{
	struct keel_vcpu_ctx *c = vcpu->ctx;
	struct keel_vm *vm = vcpu->vm;
	u32 fid = (u32)c->regs[0], arg = (u32)c->regs[1];
	u64 val[4] = { (u64)SMCCC_RET_NOT_SUPPORTED, 0, 0, 0 };

	if (!keel_call_allowed(vm, fid))
		goto out;
	switch (fid) {
	case ARM_SMCCC_ARCH_FEATURES_FUNC_ID:
		/* keel answered the workarounds; PV time is the host's. */
		if (arg == ARM_SMCCC_HV_PV_TIME_FEATURES &&
		    (READ_ONCE(vm->arch.std_hyp_bmap) & BIT(KVM_REG_ARM_STD_HYP_BIT_PV_TIME)))
			val[0] = SMCCC_RET_SUCCESS;
		break;
	case ARM_SMCCC_HV_PV_TIME_FEATURES:
		/* kvm_hypercall_pv_features() */
		if ((arg == ARM_SMCCC_HV_PV_TIME_FEATURES || arg == ARM_SMCCC_HV_PV_TIME_ST) &&
		    vcpu->arch.steal.base != KEEL_STEAL_NONE)
			val[0] = SMCCC_RET_SUCCESS;
		break;
	case ARM_SMCCC_HV_PV_TIME_ST: {
		u64 gpa = keel_init_stolen_time(vcpu);

		if (gpa != KEEL_STEAL_NONE)
			val[0] = gpa;
		break;
	}
	case ARM_SMCCC_VENDOR_HYP_CALL_UID_FUNC_ID:
		/* The guest talks to KVM's ABI, so it is told it runs on KVM. */
		val[0] = ARM_SMCCC_VENDOR_HYP_UID_KVM_REG_0;
		val[1] = ARM_SMCCC_VENDOR_HYP_UID_KVM_REG_1;
		val[2] = ARM_SMCCC_VENDOR_HYP_UID_KVM_REG_2;
		val[3] = ARM_SMCCC_VENDOR_HYP_UID_KVM_REG_3;
		break;
	case ARM_SMCCC_VENDOR_HYP_KVM_FEATURES_FUNC_ID:
		val[0] = READ_ONCE(vm->arch.vendor_hyp_bmap);
		break;
	case ARM_SMCCC_VENDOR_HYP_KVM_PTP_FUNC_ID:
		keel_ptp_get_time(vcpu, val);
		break;
	default:
		keel_trng_call(vcpu, fid, val);
		break;
	}
out:
	memcpy(c->regs, val, sizeof(val));
}

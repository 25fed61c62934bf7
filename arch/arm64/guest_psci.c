// SPDX-License-Identifier: GPL-2.0
/*
 * A guest's HVC/SMC calls that keel answers in EL2 (SMCCC 1.1, the arch
 * workarounds, PSCI at the version the VMM chose, KVM's PSCI 0.1 ids), and
 * which families go to the host instead: KVM's arch/arm64/kvm/hypercalls.c
 * and psci.c.
 */
#include <arch/arm64.h>
#include <arch/smccc.h>
#include <arch/sysreg.h>
#include <hv/errno.h>
#include <hv/vcpu.h>
#include <keel/abi.h>

#define SCTLR_EE (1UL << 25)

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
	struct keel_vcpu_ctx *c = &v->arch.ctx;
	uint64_t version = c->psci_version ? c->psci_version : PSCI_V1_1;
	uint64_t a1 = c->regs[1], a2 = c->regs[2], a3 = c->regs[3];
	uint32_t fn = fid & ~PSCI_FN64_BIT;
	unsigned target;
	int ret;

	if (!(fid & PSCI_FN64_BIT)) { /* SMC32 calls take 32-bit arguments */
		a1 = (uint32_t)a1;
		a2 = (uint32_t)a2;
		a3 = (uint32_t)a3;
	}
	/* Only these exist in a 64-bit form. */
	if ((fid & PSCI_FN64_BIT) && fn != PSCI_FN(PSCI_CPU_SUSPEND) && fn != PSCI_FN(PSCI_CPU_ON) && fn != PSCI_FN(PSCI_AFFINITY_INFO) &&
	    fn != PSCI_FN(PSCI_SYSTEM_RESET2) && fn != PSCI_FN(PSCI_SYSTEM_SUSPEND))
		return PSCI_RET_NOT_SUPPORTED;
	if (version == PSCI_V0_1) /* KVM's 0.1 answers only its own ids (guest_psci_0_1) */
		return PSCI_RET_NOT_SUPPORTED;

	switch (fn) {
	case PSCI_FN(PSCI_VERSION):
		return (int64_t)version;
	case PSCI_FN(PSCI_CPU_SUSPEND):
		/* Every power state is a standby: wait for an interrupt. */
		v->stat.wfi++;
		*exit = KEEL_EXIT_WFI;
		return PSCI_RET_SUCCESS;
	case PSCI_FN(PSCI_CPU_OFF):
		vcpu_off(v);
		*exit = KEEL_EXIT_POWER_OFF;
		return PSCI_RET_SUCCESS;
	case PSCI_FN(PSCI_CPU_ON):
		if (a1 & ~MPIDR_AFF_MASK)
			return PSCI_RET_INVALID_PARAMS;
		ret = vcpu_cpu_on(v, a1, &(struct vcpu_boot){ a2, a3, read_sysreg(sctlr_el1) & SCTLR_EE }, &target);
		if (ret == -EALREADY)
			return PSCI_RET_ALREADY_ON;
		if (ret)
			return PSCI_RET_INVALID_PARAMS;
		c->exit.target = target;
		*exit = KEEL_EXIT_WAKE;
		return PSCI_RET_SUCCESS;
	case PSCI_FN(PSCI_AFFINITY_INFO): {
		static const unsigned shift[] = { 0, 8, 16, 32 };

		if ((a1 & ~MPIDR_AFF_MASK) || a2 > 3)
			return PSCI_RET_INVALID_PARAMS;
		return vcpu_affinity_on(v, a1, MPIDR_AFF_MASK & ~((1ULL << shift[a2]) - 1)) ? 0 : 1;
	}
	case PSCI_FN(PSCI_MIGRATE_INFO_TYPE):
		return PSCI_TOS_MP;
	case PSCI_FN(PSCI_SYSTEM_OFF):
	case PSCI_FN(PSCI_SYSTEM_RESET):
		vcpu_all_off(v);
		c->exit.system_event = fn == PSCI_FN(PSCI_SYSTEM_OFF) ? KVM_SYSTEM_EVENT_SHUTDOWN : KVM_SYSTEM_EVENT_RESET;
		*exit = KEEL_EXIT_SYSTEM_EVENT;
		return PSCI_RET_INTERNAL_FAILURE; /* what the vCPU sees should the VMM resume it */
	case PSCI_FN(PSCI_FEATURES):
		if (version < PSCI_V1_0)
			return PSCI_RET_NOT_SUPPORTED;
		switch ((uint32_t)a1) {
		case PSCI_FN(PSCI_VERSION):
		case PSCI_FN(PSCI_CPU_SUSPEND):
		case PSCI_FN(PSCI_CPU_SUSPEND) | PSCI_FN64_BIT:
		case PSCI_FN(PSCI_CPU_OFF):
		case PSCI_FN(PSCI_CPU_ON):
		case PSCI_FN(PSCI_CPU_ON) | PSCI_FN64_BIT:
		case PSCI_FN(PSCI_AFFINITY_INFO):
		case PSCI_FN(PSCI_AFFINITY_INFO) | PSCI_FN64_BIT:
		case PSCI_FN(PSCI_MIGRATE_INFO_TYPE):
		case PSCI_FN(PSCI_SYSTEM_OFF):
		case PSCI_FN(PSCI_SYSTEM_RESET):
		case PSCI_FN(PSCI_FEATURES):
		case SMCCC_VERSION:
			return 0;
		case PSCI_FN(PSCI_SYSTEM_RESET2):
		case PSCI_FN(PSCI_SYSTEM_RESET2) | PSCI_FN64_BIT:
			return version >= PSCI_V1_1 ? 0 : PSCI_RET_NOT_SUPPORTED;
		case PSCI_FN(PSCI_SYSTEM_SUSPEND):
		case PSCI_FN(PSCI_SYSTEM_SUSPEND) | PSCI_FN64_BIT:
			return c->in_flags & KEEL_IN_SYSTEM_SUSPEND ? 0 : PSCI_RET_NOT_SUPPORTED;
		}
		return PSCI_RET_NOT_SUPPORTED;
	case PSCI_FN(PSCI_SYSTEM_SUSPEND):
		/* The VMM emulates it from the untouched registers (SMC32: upper halves of x1..x3 cleared). */
		if (version < PSCI_V1_0 || !(c->in_flags & KEEL_IN_SYSTEM_SUSPEND))
			return PSCI_RET_NOT_SUPPORTED;
		c->regs[1] = a1, c->regs[2] = a2, c->regs[3] = a3;
		c->exit.system_event = KVM_SYSTEM_EVENT_SUSPEND;
		*exit = KEEL_EXIT_SYSTEM_EVENT;
		return (int64_t)c->regs[0];
	case PSCI_FN(PSCI_SYSTEM_RESET2):
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
	struct keel_vcpu_ctx *c = &v->arch.ctx;
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
	ret = vcpu_cpu_on(v, c->regs[1], &(struct vcpu_boot){ c->regs[2], 0, read_sysreg(sctlr_el1) & SCTLR_EE }, &target);
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
unsigned arm64_guest_hvc(struct vcpu *v)
{
	struct keel_vcpu_ctx *c = &v->arch.ctx;
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

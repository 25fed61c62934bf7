// SPDX-License-Identifier: GPL-2.0
/*
 * The guest PMU's Linux-facing half (KVM 6.1's arch/arm64/kvm/pmu-emul.c
 * attributes, sys_regs.c's userspace view): KVM_ARM_VCPU_PMU_V3, its
 * KVM_ARM_VCPU_PMU_V3_CTRL attributes (IRQ, FILTER, SET_PMU, INIT), the PMU
 * registers in ONE_REG and KVM_GET_REG_LIST, the overflow level in
 * device_irq_level without an in-kernel GIC. keel counts with the CPU's own
 * counters and answers the guest's accesses (arch/arm64/pmu.c); the state is
 * the context page's struct keel_pmu_state.
 */
#define pr_fmt(fmt) "keel-kvm: " fmt

#include <linux/bitmap.h>
#include <linux/perf_event.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <asm/cpufeature.h>

#include "shim.h"

#define PMCR_E BIT(0)
#define PMCR_LC BIT(6)
#define PMCR_N(pmcr) (((pmcr) >> 11) & 0x1f)
#define CYCLE_IDX 31
#define STALL_SLOT 0x3f /* not in PMCEID1: PMMIR_EL1 is not offered (KVM 6.1) */

/* The host's PMU, as KVM's kvm_host_pmu_init() finds it: the perf PMU that counts CPU cycles here. */
static struct {
	bool present;
	int type;            /* its perf type (KVM_ARM_VCPU_PMU_V3_SET_PMU) */
	unsigned int pmuver; /* ID_AA64DFR0_EL1.PMUVer */
	u64 pmcr;            /* PMCR_EL0: N and the read-only fields */
} keel_pmu;

void keel_pmu_probe(void)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_HARDWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_HW_CPU_CYCLES,
		.pinned = 1,
		.disabled = 1,
	};
	u64 dfr0 = read_sanitised_ftr_reg(SYS_ID_AA64DFR0_EL1);
	unsigned int ver = (dfr0 >> ID_AA64DFR0_EL1_PMUVer_SHIFT) & 0xf;
	struct perf_event *ev;

	if (!ver || ver == 0xf)
		return;
	ev = perf_event_create_kernel_counter(&attr, cpumask_first(cpu_online_mask), NULL, NULL, NULL);
	if (IS_ERR(ev)) {
		pr_info("no host PMU (%ld): guests get none (KVM_CAP_ARM_PMU_V3 0)\n", PTR_ERR(ev));
		return;
	}
	keel_pmu.type = ev->pmu->type;
	perf_event_release_kernel(ev);
	keel_pmu.pmuver = ver;
	keel_pmu.pmcr = read_sysreg(pmcr_el0) & ~0xffULL;
	keel_pmu.present = true;
}

bool keel_pmu_supported(void) { return keel_pmu.present; }

/* KVM's kvm_pmu_event_mask() + 1: PMUv3 has 10-bit event numbers, v3p1 and later 16. */
static unsigned int keel_pmu_nr_events(void) { return keel_pmu.pmuver == 1 ? 1024 : 65536; }


static struct keel_pmu_state *keel_pmu_state(struct keel_vcpu *vcpu)
{
	return &container_of(vcpu->ctx, struct keel_vcpu_page, ctx)->pmu;
}

/* ID_AA64DFR0_EL1.PMUVer / ID_DFR0_EL1.PerfMon the vCPU sees: the host's, at most v3p4 (0 without a PMU). */
u64 keel_pmu_id_field(struct keel_vcpu *vcpu, bool aarch32)
{
	if (!keel_has_pmu(vcpu))
		return 0;
	if (aarch32) /* PerfMon: 3 for PMUv3, then as PMUVer; at most ID_DFR0_PERFMON_8_4 (5) */
		return keel_pmu.pmuver == 1 ? 3 : min_t(u64, keel_pmu.pmuver, 5);
	return min_t(u64, keel_pmu.pmuver, 5); /* ID_AA64DFR0_EL1_PMUVer_V3P4 */
}

/* kvm_pmu_get_pmceid(): the CPU's common events, less those the filter denies. */
static void keel_pmu_pmceid(struct keel_vm *vm, u64 *pmceid)
{
	const unsigned long *f = vm->arch.pmu_filter;
	unsigned int i, base;

	pmceid[0] = read_sysreg(pmceid0_el0);
	pmceid[1] = read_sysreg(pmceid1_el0);
	if (keel_pmu.pmuver >= 5) /* V3P4 */
		pmceid[1] &= ~BIT_ULL(STALL_SLOT - 32);
	if (!f)
		return;
	for (base = 0; base < 64; base += 32) {
		u64 mask = 0;

		for (i = 0; i < 32; i++) {
			if (test_bit(base + i, f))
				mask |= BIT_ULL(i);
			if (keel_pmu_nr_events() >= 0x4000 + base + 32 && test_bit(0x4000 + base + i, f))
				mask |= BIT_ULL(32 + i);
		}
		pmceid[base / 32] &= mask;
	}
}

/* kvm_pmu_vcpu_reset() + the PMU registers' resets: nothing counts, N is the CPU's. */
void keel_pmu_vcpu_reset(struct keel_vcpu *vcpu)
{
	struct keel_pmu_state *p = keel_pmu_state(vcpu);

	memset(p, 0, sizeof(*p));
	if (!keel_has_pmu(vcpu)) {
		vcpu->ctx->in_flags &= ~KEEL_IN_PMU;
		return;
	}
	p->pmcr = keel_pmu.pmcr | (keel_host_aarch32_el0() ? 0 : PMCR_LC);
	vcpu->ctx->in_flags |= KEEL_IN_PMU;
}

/* kvm_arm_pmu_v3_enable(), at every KVM_RUN: INIT done, the interrupt valid for the GIC there is (if any). */
long __keel_pmu_run_check(struct keel_vcpu *vcpu)
{
	struct keel_vm *vm = vcpu->vm;
	int irq = vcpu->arch.pmu.irq;

	if (!vcpu->arch.pmu.created)
		return -EINVAL;
	if (keel_vgic_created(vm))
		return irq >= 16 && (irq < 32 || irq < READ_ONCE(vm->arch.vgic.nr_irqs)) ? 0 : -EINVAL;
	return irq ? -EINVAL : 0;
}

/* Before each entry: what the host sets in the guest's PMU state. */
void __keel_pmu_enter(struct keel_vcpu *vcpu)
{
	struct keel_pmu_state *p = keel_pmu_state(vcpu);

	p->pmceid[0] = vcpu->vm->arch.pmceid[0];
	p->pmceid[1] = vcpu->vm->arch.pmceid[1];
	p->irq = keel_vgic_created(vcpu->vm) ? vcpu->arch.pmu.irq : 0;
}

/* kvm_pmu_overflow_status() as a device_irq_level bit (no in-kernel GIC: the VMM raises the line). */
u64 __keel_pmu_level(struct keel_vcpu *vcpu)
{
	struct keel_pmu_state *p = keel_pmu_state(vcpu);
	u64 valid;

	valid = GENMASK_ULL(PMCR_N(p->pmcr), 0) >> 1 | BIT_ULL(CYCLE_IDX);
	return (p->pmcr & PMCR_E) && (p->ovs & p->cnten & p->inten & valid) ? KVM_ARM_DEV_PMU : 0;
}

void keel_pmu_vm_init(struct keel_vm *vm)
{
	if (keel_pmu.present)
		keel_pmu_pmceid(vm, vm->arch.pmceid);
}

void keel_pmu_vm_free(struct keel_vm *vm)
{
	bitmap_free(vm->arch.pmu_filter);
	vm->arch.pmu_filter = NULL;
}

/* pmu_irq_is_valid(): one PPI for every vCPU, or an SPI of its own each. */
static bool keel_pmu_irq_valid(struct keel_vm *vm, int irq)
{
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		int other = vm->vcpus[i]->arch.pmu.irq;

		if (other && (irq < 32 ? other != irq : other == irq))
			return false;
	}
	return true;
}

/* KVM_ARM_VCPU_PMU_V3_FILTER: keel's copy (what counts) and the shim's (what PMCEID says). */
static long keel_pmu_set_filter(struct keel_vcpu *vcpu, const struct kvm_pmu_event_filter *f)
{
	struct keel_vm *vm = vcpu->vm;
	unsigned int nr = keel_pmu_nr_events();
	unsigned long *fresh = NULL;
	long r;

	if ((u32)f->base_event + f->nevents > nr || (f->action != KVM_PMU_EVENT_ALLOW && f->action != KVM_PMU_EVENT_DENY))
		return -EINVAL;
	if (vm->has_run)
		return -EBUSY;
	/* The shim's copy is made only once keel took the filter: the two never disagree on the default. */
	if (!vm->arch.pmu_filter) {
		fresh = bitmap_alloc(nr, GFP_KERNEL_ACCOUNT);
		if (!fresh)
			return -ENOMEM;
	}
	r = keel_vm_hvc_pages(vm, KEEL_HC_VM_PMU, KEEL_PMU_FILTER, f->base_event, f->nevents,
			      (f->action == KVM_PMU_EVENT_ALLOW ? KEEL_PMU_ALLOW : KEEL_PMU_DENY) | (u64)nr << 8, NULL);
	if (r) {
		bitmap_free(fresh);
		return r;
	}
	if (fresh) {
		if (f->action == KVM_PMU_EVENT_ALLOW)
			bitmap_zero(fresh, nr);
		else
			bitmap_fill(fresh, nr);
		vm->arch.pmu_filter = fresh;
	}
	if (f->action == KVM_PMU_EVENT_ALLOW)
		bitmap_set(vm->arch.pmu_filter, f->base_event, f->nevents);
	else
		bitmap_clear(vm->arch.pmu_filter, f->base_event, f->nevents);
	keel_pmu_pmceid(vm, vm->arch.pmceid);
	return 0;
}

/* kvm_arm_pmu_v3_set_attr(); vm->lock held. */
static long keel_pmu_set_attr_locked(struct keel_vcpu *vcpu, const struct kvm_device_attr *attr)
{
	struct keel_vm *vm = vcpu->vm;
	void __user *uaddr = u64_to_user_ptr(attr->addr);
	struct kvm_pmu_event_filter filter;
	int irq, id;

	if (!keel_has_pmu(vcpu))
		return -ENODEV;
	if (vcpu->arch.pmu.created)
		return -EBUSY;
	switch (attr->attr) {
	case KVM_ARM_VCPU_PMU_V3_IRQ:
		if (!keel_vgic_created(vm))
			return -EINVAL;
		if (get_user(irq, (int __user *)uaddr))
			return -EFAULT;
		if (irq < 16 || irq >= 1020 || !keel_pmu_irq_valid(vm, irq)) /* a PPI or an SPI (irq_is_ppi/spi) */
			return -EINVAL;
		if (vcpu->arch.pmu.irq)
			return -EBUSY;
		vcpu->arch.pmu.irq = irq;
		return 0;
	case KVM_ARM_VCPU_PMU_V3_FILTER:
		if (copy_from_user(&filter, uaddr, sizeof(filter)))
			return -EFAULT;
		return keel_pmu_set_filter(vcpu, &filter);
	case KVM_ARM_VCPU_PMU_V3_SET_PMU:
		if (get_user(id, (int __user *)uaddr))
			return -EFAULT;
		if (id != keel_pmu.type)
			return -ENXIO; /* no such arm PMU */
		return vm->has_run ? -EBUSY : 0;
	case KVM_ARM_VCPU_PMU_V3_INIT:
		/* kvm_arm_pmu_v3_init(): with an in-kernel GIC, after its CTRL_INIT and the IRQ */
		if (keel_vgic_created(vm)) {
			if (!vm->arch.vgic.initialized)
				return -ENODEV;
			if (!vcpu->arch.pmu.irq)
				return -ENXIO;
		}
		vcpu->arch.pmu.created = true;
		return 0;
	}
	return -ENXIO;
}

/* kvm_arm_pmu_v3_{set,get,has}_attr() */
long keel_pmu_attr(struct keel_vcpu *vcpu, unsigned int ioctl, const struct kvm_device_attr *attr)
{
	long r;

	switch (ioctl) {
	case KVM_SET_DEVICE_ATTR:
		mutex_lock(&vcpu->vm->lock);
		r = keel_pmu_set_attr_locked(vcpu, attr);
		mutex_unlock(&vcpu->vm->lock);
		return r;
	case KVM_GET_DEVICE_ATTR:
		if (attr->attr != KVM_ARM_VCPU_PMU_V3_IRQ)
			return -ENXIO;
		if (!keel_vgic_created(vcpu->vm))
			return -EINVAL;
		if (!keel_has_pmu(vcpu))
			return -ENODEV;
		if (!vcpu->arch.pmu.irq)
			return -ENXIO;
		return put_user(vcpu->arch.pmu.irq, (int __user *)u64_to_user_ptr(attr->addr));
	}
	switch (attr->attr) {
	case KVM_ARM_VCPU_PMU_V3_IRQ:
	case KVM_ARM_VCPU_PMU_V3_INIT:
	case KVM_ARM_VCPU_PMU_V3_FILTER:
	case KVM_ARM_VCPU_PMU_V3_SET_PMU:
		if (keel_has_pmu(vcpu))
			return 0;
	}
	return -ENXIO;
}

/* ---- ONE_REG, REG_LIST: the registers KVM 6.1 lists for a vCPU with a PMU (get-reg-list's pmu_regs) --- */

#define PMU_ENC(op1, crn, crm, op2) (sys_reg(3, op1, crn, crm, op2) >> 5)
static const u16 keel_pmu_regs[] = {
	PMU_ENC(0, 9, 14, 1), PMU_ENC(0, 9, 14, 2), /* PMINTENSET_EL1, PMINTENCLR_EL1 */
	PMU_ENC(3, 9, 12, 0), PMU_ENC(3, 9, 12, 1), PMU_ENC(3, 9, 12, 2), /* PMCR, PMCNTENSET, PMCNTENCLR */
	PMU_ENC(3, 9, 12, 3), PMU_ENC(3, 9, 12, 4), PMU_ENC(3, 9, 12, 5), /* PMOVSCLR, PMSWINC, PMSELR */
	PMU_ENC(3, 9, 13, 0), PMU_ENC(3, 9, 14, 0), PMU_ENC(3, 9, 14, 3), /* PMCCNTR, PMUSERENR, PMOVSSET */
};

/* Where an encoding's value lives; NULL: none (RAZ/WI), *known = false: not a PMU register listed or kept. */
static u64 *keel_pmu_slot(struct keel_vcpu *vcpu, u16 enc, bool *known)
{
	struct keel_pmu_state *p = keel_pmu_state(vcpu);
	unsigned int crm = (enc >> 3) & 0xf, op2 = enc & 7, n = ((crm & 3) << 3) | op2;

	*known = true;
	if (enc >= PMU_ENC(3, 14, 8, 0) && enc <= PMU_ENC(3, 14, 11, 7) && n < 31)
		return &p->evcntr[n];
	if (enc >= PMU_ENC(3, 14, 12, 0) && enc <= PMU_ENC(3, 14, 15, 7))
		return n == CYCLE_IDX ? &p->ccfiltr : &p->evtyper[n];
	switch (enc) {
	case PMU_ENC(0, 9, 14, 1):
	case PMU_ENC(0, 9, 14, 2):
		return &p->inten;
	case PMU_ENC(3, 9, 12, 0):
		return &p->pmcr;
	case PMU_ENC(3, 9, 12, 1):
	case PMU_ENC(3, 9, 12, 2):
		return &p->cnten;
	case PMU_ENC(3, 9, 12, 3):
	case PMU_ENC(3, 9, 14, 3):
		return &p->ovs;
	case PMU_ENC(3, 9, 12, 5):
		return &p->selr;
	case PMU_ENC(3, 9, 13, 0):
		return &p->ccntr;
	case PMU_ENC(3, 9, 14, 0):
		return &p->userenr;
	case PMU_ENC(3, 9, 12, 4): /* PMSWINC: RAZ/WI for userspace */
	case PMU_ENC(3, 9, 12, 6): /* PMCEID0/1, PMXEVTYPER, PMXEVCNTR: not listed, no state of their own */
	case PMU_ENC(3, 9, 12, 7):
	case PMU_ENC(3, 9, 13, 1):
	case PMU_ENC(3, 9, 13, 2):
		return NULL;
	}
	*known = false;
	return NULL;
}

/* A PMU register's ONE_REG access (-ENOENT: not one, or a vCPU without a PMU: KVM hides them). */
int keel_pmu_reg(struct keel_vcpu *vcpu, u16 enc, bool set, u64 __user *uaddr)
{
	bool known;
	u64 *slot, val;

	if (!keel_has_pmu(vcpu))
		return -ENOENT;
	slot = keel_pmu_slot(vcpu, enc, &known);
	if (!known)
		return -ENOENT;
	if (!set) {
		val = slot ? *slot : 0;
		if (slot >= keel_pmu_state(vcpu)->evcntr && slot < keel_pmu_state(vcpu)->evcntr + 31)
			val = lower_32_bits(val); /* get_pmu_evcntr() */
		return put_user(val, uaddr);
	}
	if (get_user(val, uaddr))
		return -EFAULT;
	if (slot)
		*slot = val;
	return 0;
}

/* The PMU's ids for KVM_GET_REG_LIST (ids NULL: count them). */
unsigned int keel_pmu_reg_ids(struct keel_vcpu *vcpu, u64 *ids)
{
	unsigned int n = 0, i;

	if (!keel_has_pmu(vcpu))
		return 0;
	for (i = 0; i < ARRAY_SIZE(keel_pmu_regs); i++, n++)
		if (ids)
			ids[n] = KEEL_SYSREG_ID(keel_pmu_regs[i]);
	for (i = 0; i < 64; i++) { /* PMEVCNTR0..30 (CRm 8..11; no 31), PMEVTYPER0..30, PMCCFILTR (12..15) */
		if (i == 31)
			continue;
		if (ids)
			ids[n] = KEEL_SYSREG_ID(PMU_ENC(3, 14, 8 + i / 8, i % 8));
		n++;
	}
	return n;
}

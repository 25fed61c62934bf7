// SPDX-License-Identifier: GPL-2.0
/*
 * The shim's arm64 hooks (shim.h's keel_arch_*): finding keel in the device
 * tree, arm64's capabilities, VM and vCPU ioctls (VCPU_INIT, registers,
 * attributes, KVM_IRQ_LINE for a userspace irqchip) with Linux 6.1's
 * errnos (arch/arm64/kvm/{arm,guest,reset,arch_timer,hypercalls}.c).
 */
#define pr_fmt(fmt) "keel-kvm: " fmt

#include <linux/cpumask.h>
#include <linux/of.h>
#include <linux/sched/stat.h>
#include <linux/uaccess.h>

#include <asm/hw_breakpoint.h>

#include "shim.h"

/* ---- module ---------------------------------------------------------------------------------- */

/* The DT node first: without keel at EL2 an HVC would reach whatever else is there. */
int keel_arch_discover(u32 *abi)
{
	struct device_node *np;
	int err;

	np = of_find_compatible_node(NULL, NULL, KEEL_DT_COMPATIBLE);
	if (!np) {
		pr_err("keel is not running (no /hypervisor node compatible with \"%s\" in the device tree): not loading; /dev/kvm stays with the kernel's own KVM, if any\n",
		       KEEL_DT_COMPATIBLE);
		return -ENODEV;
	}
	err = of_property_read_u32(np, KEEL_DT_ABI_PROP, abi);
	of_node_put(np);
	if (err) {
		pr_err("keel's /hypervisor node has no valid \"%s\" (%d): not loading\n", KEEL_DT_ABI_PROP, err);
		return -ENODEV;
	}
	return 0;
}

/* The host's virtual-timer PPI (guest timers) and GIC maintenance PPI: requested before the CPUs enable them. */
int keel_arch_init(void)
{
	int r;

	keel_pmu_probe();
	r = keel_vtimer_init();

	if (!r) {
		r = keel_vgic_init();
		if (r)
			keel_vtimer_exit();
	}
	return r;
}

void keel_arch_exit(void)
{
	keel_vgic_exit();
	keel_vtimer_exit();
}

void keel_arch_cpu_up(void)
{
	keel_vtimer_cpu_up();
	keel_vgic_cpu_up();
}

void keel_arch_cpu_down(void)
{
	keel_vgic_cpu_down();
	keel_vtimer_cpu_down();
}

/* ---- VM ---------------------------------------------------------------------------------------- */

void keel_arch_vm_init(struct keel_vm *vm)
{
	keel_vm_vcpu_init(vm);
	keel_vm_hypercalls_init(vm);
	keel_pmu_vm_init(vm);
}

void keel_arch_vm_free(struct keel_vm *vm)
{
	keel_its_free(vm);
	keel_pmu_vm_free(vm);
}

/* kvm_arch_dev_ioctl() on arm64: none of its own. */
long keel_arch_dev_ioctl(unsigned int ioctl, unsigned long arg)
{
	return -EINVAL;
}

/* kvm_arm_setup_stage2(): the type is the IPA size (0: 40 bits); keel checks the range as KVM does. */
int keel_arch_vm_type(unsigned long type)
{
	if (type & ~KVM_VM_TYPE_ARM_IPA_SIZE_MASK)
		return -EINVAL;
	return KVM_VM_TYPE_ARM_IPA_SIZE(type);
}

long keel_arch_check_extension(struct keel_vm *vm, long cap)
{
	switch (cap) {
	/* vCPUs over keel (vcpu.c, exits.c, regs.c) */
	case KVM_CAP_IMMEDIATE_EXIT:
	case KVM_CAP_MP_STATE:
		return 1;
	case KVM_CAP_NR_VCPUS:
		return min_t(unsigned int, num_online_cpus(), KEEL_MAX_VCPUS);
	case KVM_CAP_MAX_VCPUS:
	case KVM_CAP_MAX_VCPU_ID:
		return KEEL_MAX_VCPUS;
	case KVM_CAP_ARM_VM_IPA_SIZE:
		return keel_info.max_ipa_bits;
	case KVM_CAP_ARM_PSCI: /* 0.1, KVM's own ids, for vCPUs without KVM_ARM_VCPU_PSCI_0_2 */
	case KVM_CAP_ARM_SYSTEM_SUSPEND:
	case KVM_CAP_ARM_PSCI_0_2:
	case KVM_CAP_ONE_REG:
	case KVM_CAP_ARM_NISV_TO_USER:
		return 1;
	case KVM_CAP_ARM_USER_IRQ:
		return 1; /* device_irq_level reports the EL1 virtual timer */
	case KVM_CAP_IRQCHIP: /* an in-kernel GICv3 (vgic.c), with an ITS (vgic_its.c) */
		return keel_vgic_supported();
	case KVM_CAP_SIGNAL_MSI: /* generic in KVM (CONFIG_HAVE_KVM_MSI): 1, an MSI needs an ITS (-ENODEV) */
		return 1;
	case KVM_CAP_MSI_DEVID: /* an ITS was created: MSIs name their device */
		return vm ? READ_ONCE(vm->arch.its) != NULL : -EINVAL;
	/* Guest calls the shim answers (hypercalls.c) and the vCPU attributes that configure them */
	case KVM_CAP_PTP_KVM:
	case KVM_CAP_VCPU_ATTRIBUTES:
		return 1;
	case KVM_CAP_STEAL_TIME:
		return sched_info_on();
	/* KVM_SET_GUEST_DEBUG (debug.c); the breakpoint and watchpoint pairs the CPUs have (get_num_brps/wrps) */
	case KVM_CAP_SET_GUEST_DEBUG:
		return 1;
	/* KVM_ARM_VCPU_PMU_V3 (pmu.c): the host has a PMU keel can lend its guests */
	case KVM_CAP_ARM_PMU_V3:
		return keel_pmu_supported();
	case KVM_CAP_GUEST_DEBUG_HW_BPS:
		return get_num_brps();
	case KVM_CAP_GUEST_DEBUG_HW_WPS:
		return get_num_wrps();
	}
	return 0;
}

/* kvm_vm_ioctl_irq_line() for a VM without an in-kernel irqchip. */
static long keel_vm_irq_line(struct keel_vm *vm, const struct kvm_irq_level *il)
{
	u32 irq = il->irq;
	unsigned int type = (irq >> KVM_ARM_IRQ_TYPE_SHIFT) & KVM_ARM_IRQ_TYPE_MASK;
	unsigned int idx = ((irq >> KVM_ARM_IRQ_VCPU_SHIFT) & KVM_ARM_IRQ_VCPU_MASK) +
			   ((irq >> KVM_ARM_IRQ_VCPU2_SHIFT) & KVM_ARM_IRQ_VCPU2_MASK) * (KVM_ARM_IRQ_VCPU_MASK + 1);
	unsigned int num = (irq >> KVM_ARM_IRQ_NUM_SHIFT) & KVM_ARM_IRQ_NUM_MASK;
	struct keel_vcpu *vcpu;
	unsigned long bit;
	bool was;

	if (keel_vgic_created(vm))
		return keel_vgic_irq_line(vm, type, idx, num, il->level);
	if (type != KVM_ARM_IRQ_TYPE_CPU)
		return -ENXIO; /* PPI, SPI: only with an in-kernel GIC */
	if (idx >= READ_ONCE(vm->nr_vcpus))
		return -EINVAL;
	smp_rmb();
	vcpu = vm->vcpus[idx];
	if (num > KVM_ARM_IRQ_CPU_FIQ)
		return -EINVAL;
	bit = num == KVM_ARM_IRQ_CPU_IRQ ? 0 : 1; /* KEEL_IN_VIRQ, KEEL_IN_VFIQ */
	if (il->level)
		was = test_and_set_bit(bit, &vcpu->arch.irq_lines);
	else
		was = test_and_clear_bit(bit, &vcpu->arch.irq_lines);
	/* vcpu_interrupt_line(): no change, no kick */
	if (was != !!il->level)
		keel_vcpu_kick(vcpu);
	return 0;
}

long keel_arch_vm_ioctl(struct keel_vm *vm, unsigned int ioctl, unsigned long arg)
{
	switch (ioctl) {
	case KVM_IRQ_LINE:
	case KVM_IRQ_LINE_STATUS: {
		struct kvm_irq_level il;
		long r;

		if (copy_from_user(&il, (void __user *)arg, sizeof(il)))
			return -EFAULT;
		r = keel_vm_irq_line(vm, &il);
		if (r)
			return r;
		if (ioctl == KVM_IRQ_LINE_STATUS && copy_to_user((void __user *)arg, &il, sizeof(il)))
			return -EFAULT;
		return 0;
	}
	case KVM_SIGNAL_MSI: {
		struct kvm_msi msi;

		/* kvm_send_userspace_msi(): > 0 delivered, 0 blocked (not mapped) */
		if (copy_from_user(&msi, (void __user *)arg, sizeof(msi)))
			return -EFAULT;
		if (!keel_vgic_created(vm) || (msi.flags & ~KVM_MSI_VALID_DEVID))
			return -EINVAL; /* no in-kernel irqchip at all; without an ITS kvm_set_msi()'s -ENODEV */
		return keel_its_inject_msi(vm, (u64)msi.address_hi << 32 | msi.address_lo, msi.data, msi.flags,
					   msi.devid);
	}
	case KVM_ARM_PREFERRED_TARGET: {
		struct kvm_vcpu_init init = {};

		/* kvm_vcpu_preferred_target(): the target KVM_ARM_VCPU_INIT accepts, no features. */
		init.target = keel_preferred_target();
		return copy_to_user((void __user *)arg, &init, sizeof(init)) ? -EFAULT : 0;
	}
	}
	return -EINVAL; /* kvm_arch_vm_ioctl() on arm64: unknown -> -EINVAL */
}

/* kvm_vm_ioctl_enable_cap() on arm64: ARM_NISV_TO_USER, ARM_SYSTEM_SUSPEND. */
long keel_arch_enable_cap(struct keel_vm *vm, const struct kvm_enable_cap *cap)
{
	if (cap->cap == KVM_CAP_ARM_NISV_TO_USER)
		WRITE_ONCE(vm->arch.nisv_to_user, true);
	else if (cap->cap == KVM_CAP_ARM_SYSTEM_SUSPEND)
		WRITE_ONCE(vm->arch.system_suspend, true);
	else
		return -EINVAL;
	return 0;
}

/* ---- vCPU -------------------------------------------------------------------------------------- */

long keel_arch_vcpu_create(struct keel_vcpu *vcpu)
{
	long r;

	/* kvm_arch_vcpu_precreate(): the vGIC was sized for the vCPUs there were */
	if (vcpu->vm->arch.vgic.initialized)
		return -EBUSY;
	r = keel_vgic_vcpu_precreate(vcpu->vm);
	if (r)
		return r;
	vcpu->arch.rdreg = -1;
	vcpu->arch.target = -1;
	keel_timer_vcpu_init(vcpu);
	keel_vcpu_hypercalls_init(vcpu);
	hrtimer_init(&vcpu->arch.bg_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	vcpu->arch.bg_timer.function = keel_bg_timer_expire;
	return 0;
}

/* kvm_timer_vcpu_init(): every vCPU of the VM counts from the same offset, reset now. */
void keel_arch_vcpu_created(struct keel_vcpu *vcpu)
{
	vcpu->vm->arch.cntvoff = keel_cntpct();
	keel_vgic_vcpu_created(vcpu); /* kvm_vgic_vcpu_init(): its redistributor placed if a region has room */
}

/*
 * The VM-wide counter offset may have moved (TIMER_CNT of another vCPU, a
 * new vCPU). Any ioctl but KVM_RUN may read or change the guest's state in
 * the page: it is made complete (after a brief exit) and crosses whole at
 * the next entry. KVM_RUN leaves the page to its own exit handling (an
 * MMIO read's completion writes a register: keel_complete_mmio()).
 */
void keel_arch_vcpu_ioctl_begin(struct keel_vcpu *vcpu, unsigned int ioctl)
{
	vcpu->ctx->cntvoff = READ_ONCE(vcpu->vm->arch.cntvoff);
	if (ioctl == KVM_RUN)
		return;
	keel_vcpu_sync(vcpu);
	vcpu->arch.state_kept = false;
}

/* kvm_arm_vcpu_arch_{set,get,has}_attr(): the PMU, the timers' PPIs, PV time. */
static long keel_vcpu_attr(struct keel_vcpu *vcpu, unsigned int ioctl, const struct kvm_device_attr *attr)
{
	switch (attr->group) {
	case KVM_ARM_VCPU_PMU_V3_CTRL:
		return keel_pmu_attr(vcpu, ioctl, attr);
	case KVM_ARM_VCPU_TIMER_CTRL:
		return keel_timer_attr(vcpu, ioctl, attr);
	case KVM_ARM_VCPU_PVTIME_CTRL:
		return keel_vcpu_pvtime_attr(vcpu, ioctl, attr);
	}
	return -ENXIO;
}

long keel_arch_vcpu_ioctl(struct keel_vcpu *vcpu, unsigned int ioctl, void __user *argp)
{
	long r;

	switch (ioctl) {
	case KVM_ARM_VCPU_INIT: {
		struct kvm_vcpu_init init;

		if (copy_from_user(&init, argp, sizeof(init)))
			return -EFAULT;
		return keel_vcpu_init(vcpu, &init);
	}
	case KVM_GET_ONE_REG:
	case KVM_SET_ONE_REG: {
		struct kvm_one_reg reg;

		if (vcpu->arch.target == -1)
			return -ENOEXEC;
		if (copy_from_user(&reg, argp, sizeof(reg)))
			return -EFAULT;
		/* A guest's CPU_ON owes this vCPU a reset: take it first, as KVM does (KVM_REQ_VCPU_RESET). */
		r = keel_vcpu_power(vcpu, KEEL_POWER_TAKE_RESET);
		if (r < 0)
			return r;
		r = keel_one_reg(vcpu, &reg, ioctl == KVM_SET_ONE_REG);
		if (ioctl == KVM_SET_ONE_REG)
			vcpu->arch.config_dirty = true; /* whichever register: keel reads them all again */
		return r;
	}
	case KVM_GET_REG_LIST:
		return vcpu->arch.target == -1 ? -ENOEXEC : keel_get_reg_list(vcpu, argp);
	case KVM_SET_GUEST_DEBUG: /* kvm_vcpu_ioctl()'s, whose only part is the arch's */
		return keel_vcpu_set_guest_debug(vcpu, argp);
	case KVM_SET_DEVICE_ATTR:
	case KVM_GET_DEVICE_ATTR:
	case KVM_HAS_DEVICE_ATTR: {
		struct kvm_device_attr attr;

		if (copy_from_user(&attr, argp, sizeof(attr)))
			return -EFAULT;
		return keel_vcpu_attr(vcpu, ioctl, &attr);
	}
	}
	return -EINVAL; /* kvm_arch_vcpu_ioctl(): unknown -> -EINVAL */
}

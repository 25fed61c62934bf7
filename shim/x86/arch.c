// SPDX-License-Identifier: GPL-2.0
/*
 * The shim's x86 hooks (shim.h's keel_arch_*): finding keel by CPUID (leaf
 * KEEL_CPUID_BASE: signature and ABI version) on every CPU, the x86 system
 * ioctls, KVM_CREATE_VM's type, and what an x86 VM over keel offers so far:
 * memory slots, statistics, dirty logging, no vCPUs (KVM_CAP_MAX_VCPUS
 * reads 0 and KVM_CREATE_VCPU fails as for an id beyond it). Errnos as
 * Linux 6.1's arch/x86/kvm/x86.c.
 */
#define pr_fmt(fmt) "keel-kvm: " fmt

#include <linux/cpumask.h>
#include <linux/smp.h>
#include <linux/uaccess.h>

#include <asm/processor.h>

#include "shim.h"

bool keel_x86_vmmcall;

struct keel_leaf {
	char sig[13];
	u32 abi;
};

static void keel_read_leaf(void *data)
{
	struct keel_leaf *l = data;
	u32 eax, ebx, ecx, edx;

	memset(l, 0, sizeof(*l));
	if (!boot_cpu_has(X86_FEATURE_HYPERVISOR))
		return;
	cpuid(KEEL_CPUID_BASE, &eax, &ebx, &ecx, &edx);
	memcpy(l->sig, &ebx, 4);
	memcpy(l->sig + 4, &ecx, 4);
	memcpy(l->sig + 8, &edx, 4);
	if (eax >= KEEL_CPUID_BASE + 1)
		l->abi = cpuid_eax(KEEL_CPUID_BASE + 1);
}

/* keel's CPUID leaf on every online CPU, alike: the host runs under keel everywhere. */
int keel_arch_discover(u32 *abi)
{
	struct keel_leaf boot, other;
	unsigned int cpu;

	keel_read_leaf(&boot);
	if (strcmp(boot.sig, KEEL_CPUID_SIGNATURE)) {
		pr_err("keel is not running (CPUID 0x%x says \"%s\", not \"%s\"): not loading; /dev/kvm stays with the kernel's own KVM, if any\n",
		       KEEL_CPUID_BASE, boot.sig, KEEL_CPUID_SIGNATURE);
		return -ENODEV;
	}
	for_each_online_cpu(cpu) {
		if (smp_call_function_single(cpu, keel_read_leaf, &other, 1) ||
		    strcmp(other.sig, boot.sig) || other.abi != boot.abi) {
			pr_err("CPU %u does not report keel as CPU %u does (\"%s\" ABI 0x%x): not loading\n", cpu,
			       smp_processor_id(), other.sig, other.abi);
			return -ENODEV;
		}
	}
	/* keel runs the host under SVM on AMD (VMMCALL), under VMX on Intel (VMCALL). */
	keel_x86_vmmcall = boot_cpu_data.x86_vendor == X86_VENDOR_AMD || boot_cpu_data.x86_vendor == X86_VENDOR_HYGON;
	*abi = boot.abi;
	return 0;
}

int keel_arch_init(void) { return 0; }
void keel_arch_exit(void) {}
void keel_arch_cpu_up(void) {}
void keel_arch_cpu_down(void) {}

/* ---- /dev/kvm ---------------------------------------------------------------------------------- */

/*
 * KVM_GET_MSR_INDEX_LIST / KVM_GET_MSR_FEATURE_INDEX_LIST: the MSRs a vCPU's
 * state carries (KVM_GET/SET_MSRS) and the feature MSRs a VMM may read.
 * keel runs no x86 vCPU yet, so both lists are empty; the calls behave as
 * KVM's (the count written back, -E2BIG when the caller's room is short).
 */
static long keel_msr_list(void __user *argp)
{
	struct kvm_msr_list __user *ul = argp;
	struct kvm_msr_list ml;

	if (copy_from_user(&ml, ul, sizeof(ml)))
		return -EFAULT;
	ml.nmsrs = 0;
	return copy_to_user(ul, &ml, sizeof(ml)) ? -EFAULT : 0;
}

/*
 * KVM_GET_SUPPORTED_CPUID: what a guest could be given. keel runs no x86
 * vCPU yet, so there is nothing a guest can get: no entries, and -E2BIG as
 * KVM gives it for a caller offering no room at all.
 */
static long keel_supported_cpuid(void __user *argp)
{
	struct kvm_cpuid2 __user *uc = argp;
	struct kvm_cpuid2 c;

	if (copy_from_user(&c, uc, sizeof(c)))
		return -EFAULT;
	if (c.nent < 1)
		return -E2BIG;
	c.nent = 0;
	return copy_to_user(uc, &c, sizeof(c)) ? -EFAULT : 0;
}

long keel_arch_dev_ioctl(unsigned int ioctl, unsigned long arg)
{
	switch (ioctl) {
	case KVM_GET_MSR_INDEX_LIST:
	case KVM_GET_MSR_FEATURE_INDEX_LIST:
		return keel_msr_list((void __user *)arg);
	case KVM_GET_SUPPORTED_CPUID:
		return keel_supported_cpuid((void __user *)arg);
	}
	return -EINVAL; /* kvm_arch_dev_ioctl(): unknown -> -EINVAL */
}

/* kvm_arch_init_vm(): type 0 (KVM_X86_DEFAULT_VM) only; guest physical addresses as wide as keel's nested map. */
int keel_arch_vm_type(unsigned long type)
{
	if (type)
		return -EINVAL;
	return keel_info.max_ipa_bits;
}

/* ---- VM ---------------------------------------------------------------------------------------- */

void keel_arch_vm_init(struct keel_vm *vm) {}
void keel_arch_vm_free(struct keel_vm *vm) {}

long keel_arch_check_extension(struct keel_vm *vm, long cap)
{
	/* No x86 vCPU over keel yet: NR_VCPUS, MAX_VCPUS, MAX_VCPU_ID and every vCPU feature read 0. */
	return 0;
}

long keel_arch_vm_ioctl(struct keel_vm *vm, unsigned int ioctl, unsigned long arg)
{
	struct kvm_irq_level il;

	switch (ioctl) {
	case KVM_IRQ_LINE:
	case KVM_IRQ_LINE_STATUS:
		/* kvm_vm_ioctl_irq_line() on x86: lines exist only with an in-kernel irqchip, which keel has not. */
		if (copy_from_user(&il, (void __user *)arg, sizeof(il)))
			return -EFAULT;
		return -ENXIO;
	}
	return -ENOTTY; /* kvm_arch_vm_ioctl() on x86: unknown -> -ENOTTY */
}

long keel_arch_enable_cap(struct keel_vm *vm, const struct kvm_enable_cap *cap)
{
	return -EINVAL;
}

/* No in-kernel irqchip over keel on x86 yet: no irqfd (kvm_irqfd_assign() -EAGAIN), no routing (-EINVAL). */
bool keel_arch_irqfd_supported(void) { return false; }
bool keel_arch_irqfd_ready(struct keel_vm *vm) { return false; }
bool keel_arch_can_set_irq_routing(struct keel_vm *vm) { return false; }

long keel_arch_irq_route(struct keel_vm *vm, const struct kvm_irq_routing_entry *ue, struct keel_irq_route *e)
{
	return -EINVAL;
}

int keel_arch_irq_set(struct keel_vm *vm, const struct keel_irq_route *e, bool level)
{
	return -EINVAL;
}

int keel_arch_irq_resample(struct keel_vm *vm, u32 pin, bool on)
{
	return -EINVAL;
}

/* kvm_ioctl_create_device() with no device type registered over keel (in-kernel irqchip, VFIO): -ENODEV. */
long keel_arch_create_device(struct keel_vm *vm, struct kvm_create_device *cd)
{
	return -ENODEV;
}

/* ---- vCPU -------------------------------------------------------------------------------------- */

/* As kvm_vm_ioctl_create_vcpu() for an id at or beyond KVM_CAP_MAX_VCPU_ID (0 here). */
long keel_arch_vcpu_create(struct keel_vcpu *vcpu)
{
	return -EINVAL;
}

/* Never reached without a vCPU: the hooks a vCPU's life calls. */
void keel_arch_vcpu_created(struct keel_vcpu *vcpu) {}
void keel_arch_vcpu_ioctl_begin(struct keel_vcpu *vcpu, unsigned int ioctl) {}
long keel_arch_vcpu_ioctl(struct keel_vcpu *vcpu, unsigned int ioctl, void __user *argp) { return -EINVAL; }
long keel_arch_vcpu_run_begin(struct keel_vcpu *vcpu) { return -ENOEXEC; }
void keel_arch_vcpu_run_end(struct keel_vcpu *vcpu) {}
long keel_arch_vcpu_before_enter(struct keel_vcpu *vcpu) { return 1; }
void keel_arch_vcpu_load(struct keel_vcpu *vcpu) {}
void keel_arch_vcpu_enter(struct keel_vcpu *vcpu) {}
void keel_arch_vcpu_put(struct keel_vcpu *vcpu) {}
void keel_arch_vcpu_exited(struct keel_vcpu *vcpu) {}
u64 keel_arch_vcpu_pc(struct keel_vcpu *vcpu) { return 0; }
const keel_exit_fn keel_arch_exits[KEEL_EXIT_NR];

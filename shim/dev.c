// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kvm and the VM file descriptors, byte-compatible with Linux 6.1 KVM
 * on arm64 (virt/kvm/kvm_main.c, arch/arm64/kvm/arm.c): the same ioctl
 * numbers from the kernel's own <linux/kvm.h>, the same errnos.
 *
 * A capability reads non-zero only when what it promises works end to end
 * over keel (keel_check_extension() lists them); everything else reads 0 and
 * its ioctls return what Linux KVM returns for an unknown ioctl (-EINVAL).
 */
#define pr_fmt(fmt) "keel-kvm: " fmt

#include <linux/anon_inodes.h>
#include <linux/compat.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/sched/stat.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "shim.h"
#include "trace.h"

long keel_check_extension(struct keel_vm *vm, long cap)
{
	switch (cap) {
	case KVM_CAP_CHECK_EXTENSION_VM:
		return 1;
	/* Guest memory over keel (memslot.c), following the VMM's mm (mmu.c); READONLY_MEM stays 0. */
	case KVM_CAP_USER_MEMORY:
	case KVM_CAP_SYNC_MMU:
	case KVM_CAP_DESTROY_MEMORY_REGION_WORKS:
	case KVM_CAP_JOIN_MEMORY_REGIONS_WORKS:
		return 1;
	case KVM_CAP_NR_MEMSLOTS:
		return KEEL_ARCH_USER_MEM_SLOTS;
	case KVM_CAP_ENABLE_CAP_VM: /* KVM_ENABLE_CAP on the VM fd */
		return 1;
	case KVM_CAP_IOEVENTFD: /* eventfd.c (KVM's arm64 and x86 say so; the generic part the length) */
	case KVM_CAP_IOEVENTFD_ANY_LENGTH:
		return 1;
	case KVM_CAP_BINARY_STATS_FD: /* binstats.c */
	case KVM_CAP_HALT_POLL: /* vcpu.c's keel_vcpu_halt() */
		return 1;
	case KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2: /* KVM_CLEAR_DIRTY_LOG, memslot.c */
		return KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | KVM_DIRTY_LOG_INITIALLY_SET;
	case KVM_CAP_IRQFD: /* irqfd.c, over the arch's in-kernel irqchip */
	case KVM_CAP_IRQFD_RESAMPLE:
		return keel_arch_irqfd_supported();
	case KVM_CAP_IRQ_ROUTING:
		return keel_arch_irqfd_supported() ? KEEL_MAX_IRQ_ROUTES : 0;
	/* KVM_CREATE_DEVICE: the arch's devices (arm64: the vGICv3), -ENODEV for the others (VFIO, ...) */
	case KVM_CAP_DEVICE_CTRL:
		return 1;
	default:
		/* The arch's (shim/<arch>/, vCPUs included); not (yet) over keel: SIGNAL_MSI, ... read 0 */
		return keel_arch_check_extension(vm, cap);
	}
}

/* ---- VM file: "kvm-vm" ------------------------------------------------------------------------ */

static void keel_vm_free(struct keel_vm *vm)
{
	long ret;

	keel_vm_debugfs_remove(vm);
	/* No irqfd injects or kicks from here on (the vCPUs go below). */
	keel_vm_irqfd_free(vm);
	keel_arch_vm_free(vm);
	/* Before keel lets the VM go: no page of the VMM stays mapped in keel, whatever happens next. */
	keel_vm_mmu_release(vm);
	ret = keel_hvc(KEEL_HC_VM_DESTROY, vm->handle, 0, NULL);
	trace_keel_vm_destroy(vm->handle, ret);
	/* keel refuses only a handle it never gave out: a shim bug, and the VM would leak. */
	WARN(ret, KEEL_PR_PREFIX "keel refused to destroy VM 0x%llx: %ld\n", vm->handle, ret);
	/* keel freed the VM's vCPUs with it and gave back their context pages (else they stay lent). */
	keel_vm_free_vcpus(vm, !ret);
	keel_vm_donated_free(vm, !ret);
	keel_vm_memslots_free(vm);
	keel_vm_ioeventfd_free(vm);
	if (vm->mm)
		mmdrop(vm->mm);
	kfree(vm);
}

/* The last reference to the VM file went: close(), exit() or a fatal signal. */
static int keel_vm_release(struct inode *inode, struct file *filp)
{
	keel_vm_free(filp->private_data);
	return 0;
}

static long keel_vm_ioctl(struct file *filp, unsigned int ioctl, unsigned long arg)
{
	struct keel_vm *vm = filp->private_data;

	/* As KVM: a VM belongs to the process that created it (not a forked child). */
	if (vm->mm != current->mm)
		return -EIO;
	switch (ioctl) {
	case KVM_CHECK_EXTENSION:
		return keel_check_extension(vm, arg);
	case KVM_SET_USER_MEMORY_REGION: {
		struct kvm_userspace_memory_region mem;

		if (copy_from_user(&mem, (void __user *)arg, sizeof(mem)))
			return -EFAULT;
		return keel_vm_set_memory_region(vm, &mem);
	}
	case KVM_GET_STATS_FD:
		return keel_get_stats_fd(vm, NULL);
	case KVM_CLEAR_DIRTY_LOG: {
		struct kvm_clear_dirty_log log;

		if (copy_from_user(&log, (void __user *)arg, sizeof(log)))
			return -EFAULT;
		return keel_vm_clear_dirty_log(vm, &log);
	}
	case KVM_GET_DIRTY_LOG: {
		struct kvm_dirty_log log;

		if (copy_from_user(&log, (void __user *)arg, sizeof(log)))
			return -EFAULT;
		return keel_vm_get_dirty_log(vm, &log);
	}
	case KVM_IOEVENTFD: {
		struct kvm_ioeventfd data;

		if (copy_from_user(&data, (void __user *)arg, sizeof(data)))
			return -EFAULT;
		return keel_vm_ioeventfd(vm, &data);
	}
	case KVM_IRQFD: {
		struct kvm_irqfd data;

		if (copy_from_user(&data, (void __user *)arg, sizeof(data)))
			return -EFAULT;
		return keel_vm_irqfd(vm, &data);
	}
	case KVM_SET_GSI_ROUTING:
		return keel_vm_gsi_routing_ioctl(vm, (void __user *)arg);
	case KVM_CREATE_VCPU:
		/* kvm_vm_ioctl_create_vcpu() takes the id as a u32 */
		return keel_vm_create_vcpu(vm, (u32)arg);
	case KVM_CREATE_DEVICE: {
		struct kvm_create_device cd;

		long r;

		if (copy_from_user(&cd, (void __user *)arg, sizeof(cd)))
			return -EFAULT;
		r = keel_arch_create_device(vm, &cd);
		if (r)
			return r;
		/* kvm_ioctl_create_device(): the fd stays open if this fails, as KVM's */
		return copy_to_user((void __user *)arg, &cd, sizeof(cd)) ? -EFAULT : 0;
	}
	case KVM_ENABLE_CAP: {
		struct kvm_enable_cap cap;

		if (copy_from_user(&cap, (void __user *)arg, sizeof(cap)))
			return -EFAULT;
		/* kvm_vm_ioctl_enable_cap(): the generic MANUAL_DIRTY_LOG_PROTECT2 and HALT_POLL, then the arch's. */
		if (cap.flags)
			return -EINVAL;
		if (cap.cap == KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2) {
			/* kvm_vm_ioctl_enable_cap_generic(): INITIALLY_SET only with ENABLE */
			u64 allowed = cap.args[0] & KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE ?
					      KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | KVM_DIRTY_LOG_INITIALLY_SET :
					      KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE;

			if (cap.args[0] & ~allowed)
				return -EINVAL;
			WRITE_ONCE(vm->manual_dirty_log_protect, cap.args[0]);
			return 0;
		}
		if (cap.cap == KVM_CAP_HALT_POLL) {
			/* the VM's longest halt poll, instead of the halt_poll_ns parameter */
			if (cap.args[0] != (unsigned int)cap.args[0])
				return -EINVAL;
			WRITE_ONCE(vm->max_halt_poll_ns, (unsigned int)cap.args[0]);
			smp_wmb();
			WRITE_ONCE(vm->override_halt_poll_ns, true);
			return 0;
		}
		return keel_arch_enable_cap(vm, &cap);
	}
	default:
		/* kvm_arch_vm_ioctl(), with the arch's errno for an unknown ioctl */
		return keel_arch_vm_ioctl(vm, ioctl, arg);
	}
}

/*
 * No 32-bit compat ABI: arm64 KVM has none (no CONFIG_KVM_COMPAT); on x86 KVM has one, keel not yet
 * (docs/architecture.md): a 32-bit VMM gets these refusals.
 */
static long keel_no_compat_ioctl(struct file *file, unsigned int ioctl, unsigned long arg)
{
	return -EINVAL;
}

static int keel_no_compat_open(struct inode *inode, struct file *file)
{
	return in_compat_syscall() ? -ENODEV : 0;
}

static const struct file_operations keel_vm_fops = {
	.owner = THIS_MODULE,
	.release = keel_vm_release,
	.unlocked_ioctl = keel_vm_ioctl,
	.compat_ioctl = keel_no_compat_ioctl,
	.open = keel_no_compat_open,
	.llseek = noop_llseek,
};

/* KVM_CREATE_VM: kvm_dev_ioctl_create_vm(), the arch's type check (arm64: kvm_arm_setup_stage2()). */
static long keel_dev_ioctl_create_vm(unsigned long type)
{
	struct keel_res res;
	struct keel_vm *vm;
	struct file *file;
	long ret;
	int fd, ipa_bits;

	ipa_bits = keel_arch_vm_type(type);
	if (ipa_bits < 0)
		return ipa_bits;
	if (keel_rebooting)
		return -EBUSY;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		kfree(vm);
		return fd;
	}

	/* keel checks the IPA size (arm64: as KVM does: 0 means 40, else 32 .. its stage-2 limit). */
	ret = keel_vm_donate_first(vm, ipa_bits, &res);
	trace_keel_vm_create(ret ? 0 : res.r[0], ret ? 0 : (unsigned int)res.r[1], vm->first_size >> PAGE_SHIFT,
			     ret);
	if (ret) {
		put_unused_fd(fd);
		kfree(vm);
		return ret;
	}
	vm->handle = res.r[0];
	vm->ipa_bits = (unsigned int)res.r[1];
	vm->pid = task_tgid_nr(current);
	mutex_init(&vm->lock);
	keel_vm_ioeventfd_init(vm);
	keel_vm_irqfd_init(vm);
	keel_arch_vm_init(vm);
	mmgrab(current->mm);
	vm->mm = current->mm;
	ret = keel_vm_memslots_init(vm);
	if (ret) {
		put_unused_fd(fd);
		keel_vm_free(vm);
		return ret;
	}

	file = anon_inode_getfile("kvm-vm", &keel_vm_fops, vm, O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		keel_vm_free(vm);
		return PTR_ERR(file);
	}
	vm->filp = file;
	keel_vm_debugfs_create(vm, fd);
	fd_install(fd, file);
	return fd;
}

/* ---- /dev/kvm ---------------------------------------------------------------------------------- */

static long keel_dev_ioctl(struct file *filp, unsigned int ioctl, unsigned long arg)
{
	switch (ioctl) {
	case KVM_GET_API_VERSION:
		if (arg)
			return -EINVAL;
		return KVM_API_VERSION;
	case KVM_CREATE_VM:
		return keel_dev_ioctl_create_vm(arg);
	case KVM_CHECK_EXTENSION:
		return keel_check_extension(NULL, arg);
	case KVM_GET_VCPU_MMAP_SIZE:
		if (arg)
			return -EINVAL;
		/* struct kvm_run; no coalesced-MMIO page: KVM_CAP_COALESCED_MMIO reads 0. */
		return PAGE_SIZE;
	case KVM_TRACE_ENABLE:
	case KVM_TRACE_PAUSE:
	case KVM_TRACE_DISABLE:
		return -EOPNOTSUPP;
	default:
		return keel_arch_dev_ioctl(ioctl, arg); /* kvm_arch_dev_ioctl() */
	}
}

static const struct file_operations keel_chardev_ops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = keel_dev_ioctl,
	.compat_ioctl = keel_no_compat_ioctl,
	.open = keel_no_compat_open,
	.llseek = noop_llseek,
};

struct miscdevice keel_kvm_dev = {
	.minor = KVM_MINOR,
	.name = "kvm",
	.fops = &keel_chardev_ops,
};

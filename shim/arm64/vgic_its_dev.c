// SPDX-License-Identifier: GPL-2.0
/*
 * The ITS device (KVM_CREATE_DEVICE(KVM_DEV_TYPE_ARM_VGIC_ITS)) and its
 * attributes, with the errnos of Linux 6.1's vgic-its.c: its address, its
 * registers, and the controls (reset, save and restore of the tables).
 */
#define pr_fmt(fmt) "keel-kvm: " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vgic_its.h"

/* ---- the device ------------------------------------------------------------------------------- */

/* vgic_its_reset(): the tables' valid bits, the queue and the mappings go; the ABI fields stay. */
static void keel_its_reset(struct keel_its *its)
{
	unsigned long flags;

	its->baser_coll &= ~BASER_VALID;
	its->baser_dev &= ~BASER_VALID;
	its->cbaser = its->creadr = its->cwriter = 0;
	spin_lock_irqsave(&its->tlock, flags);
	its->enabled = false;
	spin_unlock_irqrestore(&its->tlock, flags);
	keel_its_free_devs(its);
	keel_its_free_colls(its);
}

/* lock_all_vcpus(): none in KVM_RUN (or another vCPU ioctl) meanwhile, else -EBUSY. */
static bool keel_its_lock_vcpus(struct keel_vm *vm, unsigned int *n)
{
	for (*n = 0; *n < vm->nr_vcpus; (*n)++)
		if (!mutex_trylock(&vm->vcpus[*n]->mutex))
			break;
	if (*n == vm->nr_vcpus)
		return true;
	while ((*n)--)
		mutex_unlock(&vm->vcpus[*n]->mutex);
	return false;
}

static void keel_its_unlock_vcpus(struct keel_vm *vm, unsigned int n)
{
	while (n--)
		mutex_unlock(&vm->vcpus[n]->mutex);
}

static long keel_its_ctrl(struct keel_its *its, u64 attr)
{
	struct keel_vm *vm = its->vm;
	unsigned int n;
	long r = 0;

	if (attr == KVM_DEV_ARM_VGIC_CTRL_INIT)
		return 0;
	/* vgic_its_ctrl(): another control does nothing, once every vCPU could be locked */
	if (!keel_its_lock_vcpus(vm, &n))
		return -EBUSY;
	mutex_lock(&its->lock);
	if (attr == KVM_DEV_ARM_ITS_CTRL_RESET)
		keel_its_reset(its);
	else if (attr == KVM_DEV_ARM_ITS_SAVE_TABLES)
		r = keel_its_save_tables(its);
	else if (attr == KVM_DEV_ARM_ITS_RESTORE_TABLES)
		r = keel_its_restore_tables(its);
	mutex_unlock(&its->lock);
	keel_its_unlock_vcpus(vm, n);
	return r;
}

/* KVM_DEV_ARM_VGIC_GRP_ITS_REGS: 32-bit accesses below GITS_TYPER and to the ID registers, else 64. */
static long keel_its_regs_attr(struct keel_its *its, bool set, u64 off, u64 __user *uaddr, bool has)
{
	unsigned int len = off < GITS_TYPER || off >= GITS_IDREGS ? 4 : 8, n;
	u64 val = 0;
	long r;

	if (off & (len - 1))
		return -EINVAL;
	if (!(off <= GITS_TYPER || (off >= GITS_CBASER && off <= GITS_CREADR) ||
	      (off >= GITS_BASER && off < GITS_BASER + 0x40) || (off >= GITS_IDREGS && off < SZ_64K)))
		return -ENXIO;
	if (has)
		return 0;
	if (set && get_user(val, uaddr))
		return -EFAULT;
	if (!keel_its_lock_vcpus(its->vm, &n))
		return -EBUSY;
	mutex_lock(&its->lock);
	r = its->base == KEEL_VGIC_ADDR_UNDEF ? -ENXIO : keel_its_reg(its, off, len, set, &val, true);
	mutex_unlock(&its->lock);
	keel_its_unlock_vcpus(its->vm, n);
	if (r || set)
		return r;
	return put_user(val, uaddr);
}

static long keel_its_addr(struct keel_its *its, bool set, u64 type, u64 __user *uaddr)
{
	u64 addr;
	long r;

	if (type != KVM_VGIC_ITS_ADDR_TYPE)
		return -ENODEV;
	if (!set)
		return copy_to_user(uaddr, &its->base, sizeof(addr)) ? -EFAULT : 0;
	if (copy_from_user(&addr, uaddr, sizeof(addr)))
		return -EFAULT;
	r = keel_vgic_check_iorange(its->vm, its->base, addr, SZ_64K, KEEL_ITS_SIZE);
	if (!r)
		WRITE_ONCE(its->base, addr);
	return r;
}

static long keel_its_ioctl(struct file *file, unsigned int ioctl, unsigned long arg)
{
	struct keel_its *its = file->private_data;
	void __user *uaddr;
	struct kvm_device_attr attr;
	long r = -ENXIO;

	if (its->vm->mm != current->mm)
		return -EIO;
	if (ioctl != KVM_SET_DEVICE_ATTR && ioctl != KVM_GET_DEVICE_ATTR && ioctl != KVM_HAS_DEVICE_ATTR)
		return -ENOTTY;
	if (copy_from_user(&attr, (void __user *)arg, sizeof(attr)))
		return -EFAULT;
	uaddr = u64_to_user_ptr(attr.addr);
	switch (attr.group) {
	case KVM_DEV_ARM_VGIC_GRP_ADDR:
		if (ioctl == KVM_HAS_DEVICE_ATTR)
			return attr.attr == KVM_VGIC_ITS_ADDR_TYPE ? 0 : -ENXIO;
		mutex_lock(&its->vm->lock);
		r = keel_its_addr(its, ioctl == KVM_SET_DEVICE_ATTR, attr.attr, uaddr);
		mutex_unlock(&its->vm->lock);
		return r;
	case KVM_DEV_ARM_VGIC_GRP_CTRL:
		if (ioctl == KVM_HAS_DEVICE_ATTR)
			return attr.attr == KVM_DEV_ARM_VGIC_CTRL_INIT || attr.attr == KVM_DEV_ARM_ITS_CTRL_RESET ||
					       attr.attr == KVM_DEV_ARM_ITS_SAVE_TABLES ||
					       attr.attr == KVM_DEV_ARM_ITS_RESTORE_TABLES ?
				       0 :
				       -ENXIO;
		return ioctl == KVM_SET_DEVICE_ATTR ? keel_its_ctrl(its, attr.attr) : -ENXIO;
	case KVM_DEV_ARM_VGIC_GRP_ITS_REGS:
		return keel_its_regs_attr(its, ioctl == KVM_SET_DEVICE_ATTR, attr.attr, uaddr,
					  ioctl == KVM_HAS_DEVICE_ATTR);
	}
	return r;
}

static int keel_its_release(struct inode *inode, struct file *file)
{
	struct keel_its *its = file->private_data;

	fput(its->vm->filp); /* the ITS stays with its VM, as KVM's devices do */
	return 0;
}

static const struct file_operations keel_its_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = keel_its_ioctl,
	.release = keel_its_release,
	.llseek = noop_llseek,
};

/* vgic_its_create(): keel's vGIC gets LPIs; MSIs need a device id from now on (KVM_CAP_MSI_DEVID). */
long keel_its_create(struct keel_vm *vm, struct kvm_create_device *cd)
{
	struct keel_its *its;
	long r;
	int fd;

	if (cd->flags & KVM_CREATE_DEVICE_TEST)
		return 0;
	its = kzalloc(sizeof(*its), GFP_KERNEL_ACCOUNT);
	if (!its)
		return -ENOMEM;
	its->vm = vm;
	mutex_init(&its->lock);
	spin_lock_init(&its->tlock);
	INIT_LIST_HEAD(&its->devs);
	INIT_LIST_HEAD(&its->colls);
	xa_init(&its->lpis);
	its->base = KEEL_VGIC_ADDR_UNDEF;
	/* INITIAL_BASER_VALUE: inner RaWb, outer same as inner, inner shareable, 64 KiB pages; 8-byte entries */
	its->baser_dev = 7ULL << 59 | 1ULL << 10 | BASER_PAGE_64K | 7ULL << 48 | BASER_TYPE_DEVICE << 56;
	its->baser_coll = 7ULL << 59 | 1ULL << 10 | BASER_PAGE_64K | 7ULL << 48 | BASER_TYPE_COLL << 56;
	mutex_lock(&vm->lock);
	if (vm->arch.its) {
		r = -EEXIST; /* one ITS per VM over keel */
		goto out;
	}
	r = keel_hvc5(KEEL_HC_IRQCHIP, vm->handle, KEEL_IRQCHIP_LPIS, 1, 0, 0, NULL);
	if (r)
		goto out;
	get_file(vm->filp);
	fd = anon_inode_getfd("kvm-arm-vgic-its", &keel_its_fops, its, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fput(vm->filp);
		r = fd;
		goto out;
	}
	WRITE_ONCE(vm->arch.its, its);
	cd->fd = fd;
	mutex_unlock(&vm->lock);
	return 0;
out:
	mutex_unlock(&vm->lock);
	kfree(its);
	return r;
}

/* The VM goes (no irqfd or vCPU uses the ITS any more). */
void keel_its_free(struct keel_vm *vm)
{
	struct keel_its *its = vm->arch.its;
	struct keel_its_lpi *lpi;
	unsigned long i;

	if (!its)
		return;
	keel_its_free_devs(its);
	keel_its_free_colls(its);
	xa_for_each(&its->lpis, i, lpi)
		kfree(lpi);
	xa_destroy(&its->lpis);
	kfree(its);
	vm->arch.its = NULL;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel GICv3 (KVM_DEV_TYPE_ARM_VGIC_V3) over keel's vGIC
 * (KEEL_HC_IRQCHIP): the device and its attributes, KVM_IRQ_LINE for SPIs
 * and PPIs, the first run's checks, and the host's end of the GIC's
 * maintenance interrupt. The distributor, redistributors and list registers
 * are keel's; this is Linux 6.1's vgic-kvm-device.c and the irqchip parts
 * of arm.c, with their errnos. The ITS is vgic_its.c's. No GICv2 on a GICv3
 * host (as KVM without the GICv2 compatibility interface): -ENODEV.
 */
#define pr_fmt(fmt) "keel-kvm: " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/of.h>
#include <linux/of_irq.h>
#include <linux/uaccess.h>

#include "shim.h"

#define KEEL_VGIC_NR_IRQS_DEFAULT 256 /* VGIC_NR_IRQS_LEGACY */
#define KEEL_VGIC_MAX_RESERVED 1023
#define KEEL_VGIC_NR_PINS (1020 - 32) /* KVM_IRQCHIP_NUM_PINS: SPIs a GSI can route to */

static bool keel_vgic_hw;
static struct keel_host_ppi keel_vgic_maint;

/*
 * A GICv3 host can give guests a vGICv3; the GIC node's first interrupt is its
 * maintenance PPI, which keel takes itself while a guest runs (the host's
 * handler only sees one still up when it unmasks).
 */
int keel_vgic_init(void)
{
	struct device_node *np = of_find_compatible_node(NULL, NULL, "arm,gic-v3");
	int irq, r;

	if (!np)
		return 0;
	keel_vgic_hw = true;
	irq = irq_of_parse_and_map(np, 0);
	of_node_put(np);
	r = keel_host_ppi_request(&keel_vgic_maint, irq, "keel-vgic-maintenance");
	if (r)
		pr_warn("requesting the GIC maintenance interrupt %d failed (%d): level interrupts re-assert late\n",
			irq, r);
	return 0;
}

void keel_vgic_exit(void) { keel_host_ppi_free(&keel_vgic_maint); }
void keel_vgic_cpu_up(void) { keel_host_ppi_enable(&keel_vgic_maint, true); }
void keel_vgic_cpu_down(void) { keel_host_ppi_enable(&keel_vgic_maint, false); }

bool keel_vgic_supported(void) { return keel_vgic_hw; }

/* KEEL_HC_IRQCHIP op with x3..x5 (pages donated when keel asks: INIT), *out = x1. */
static long keel_irqchip(struct keel_vm *vm, enum keel_irqchip_op op, u64 a3, u64 a4, u64 a5, u64 *out)
{
	struct keel_res res;
	long r = keel_vm_hvc_pages(vm, KEEL_HC_IRQCHIP, op, a3, a4, a5, &res);

	if (!r && out)
		*out = res.r[0];
	return r;
}

/* KEEL_IRQCHIP_SET_ADDR (vgic_rdist.c) */
long keel_vgic_set_addr(struct keel_vm *vm, u64 which, u64 ipa, u64 arg)
{
	return keel_irqchip(vm, KEEL_IRQCHIP_SET_ADDR, which, ipa, arg, NULL);
}

/* KEEL_IRQCHIP_REG: one register of the distributor, a redistributor or a CPU interface. */
static long keel_irqchip_reg(struct keel_vm *vm, u64 space, u64 off, u64 access, u64 val, u64 *out)
{
	struct keel_res res;
	long r = keel_hvc6(KEEL_HC_IRQCHIP, vm->handle, KEEL_IRQCHIP_REG, space, off, access, val, &res);

	if (!r && out)
		*out = res.r[0];
	return r;
}

/* kvm_vgic_setup_default_irq_routing(): GSI n is SPI n (pin n) for every SPI. */
static long keel_vgic_default_routing(struct keel_vm *vm)
{
	u32 i, n = vm->arch.vgic.nr_irqs - 32;
	struct kvm_irq_routing_entry *e = kcalloc(n, sizeof(*e), GFP_KERNEL_ACCOUNT);
	long r;

	if (!e)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		e[i].gsi = i;
		e[i].type = KVM_IRQ_ROUTING_IRQCHIP;
		e[i].u.irqchip.pin = i;
	}
	r = keel_vm_set_irq_routing(vm, e, n);
	kfree(e);
	return r;
}

/* vgic_init(): keel's distributor, sized now (vm->lock held). */
static long keel_vgic_init_locked(struct keel_vm *vm)
{
	struct keel_vgic *g = &vm->arch.vgic;
	long r;

	if (g->initialized)
		return 0;
	if (!g->nr_irqs)
		g->nr_irqs = KEEL_VGIC_NR_IRQS_DEFAULT;
	r = keel_irqchip(vm, KEEL_IRQCHIP_INIT, g->nr_irqs, 0, 0, NULL);
	if (r)
		return r;
	r = keel_vgic_default_routing(vm);
	if (!r)
		WRITE_ONCE(g->initialized, true);
	return r;
}

/*
 * kvm_vgic_map_resources() at a vCPU's first KVM_RUN: every redistributor and
 * the distributor placed (-ENXIO), not overlapping (-EINVAL), and a GICv3
 * is initialized by its VMM, never lazily (-EBUSY).
 */
long keel_vgic_run_check(struct keel_vm *vm)
{
	struct keel_vgic *g = &vm->arch.vgic;
	long r;

	if (!READ_ONCE(g->created) || READ_ONCE(g->runnable))
		return 0;
	mutex_lock(&vm->lock);
	r = keel_vgic_check_placed(vm);
	if (!r && !g->initialized)
		r = -EBUSY;
	if (!r)
		WRITE_ONCE(g->runnable, true);
	mutex_unlock(&vm->lock);
	return r;
}

/* The timers' PPIs for every vCPU (KVM_ARM_VCPU_TIMER_CTRL), at a vCPU's first run. */
long keel_vgic_set_timers(struct keel_vm *vm, unsigned int vtimer, unsigned int ptimer)
{
	return keel_irqchip(vm, KEEL_IRQCHIP_TIMERS, vtimer, ptimer, 0, NULL);
}

/* ---- KVM_IRQ_LINE ------------------------------------------------------------------------------ */

/* kvm_vm_ioctl_irq_line() with an in-kernel GIC: SPIs and PPIs into keel, the vCPU it lands on kicked. */
long keel_vgic_irq_line(struct keel_vm *vm, unsigned int type, unsigned int idx, unsigned int num, bool level)
{
	struct keel_vcpu *vcpu = NULL;
	u64 kick;
	long r;

	if (type == KVM_ARM_IRQ_TYPE_CPU)
		return -ENXIO;
	if (type == KVM_ARM_IRQ_TYPE_PPI) {
		if (idx >= READ_ONCE(vm->nr_vcpus))
			return -EINVAL;
		smp_rmb();
		vcpu = vm->vcpus[idx];
		if (num < 16 || num >= 32)
			return -EINVAL;
	} else if (type != KVM_ARM_IRQ_TYPE_SPI) {
		return -EINVAL;
	} else if (num < 32) {
		return -EINVAL;
	}
	if (!READ_ONCE(vm->arch.vgic.initialized))
		return -EBUSY; /* vgic_lazy_init(): only a GICv2 initializes itself here */
	r = keel_irqchip(vm, KEEL_IRQCHIP_LINE, num, vcpu ? vcpu->vcpu_id : 0, level, &kick);
	if (r)
		return r;
	if (kick != KEEL_NO_VCPU) {
		vcpu = keel_vcpu_by_id(vm, (unsigned int)kick);
		if (vcpu)
			keel_vcpu_kick(vcpu);
	}
	return 0;
}

/* ---- irqfd and GSI routing (irqfd.c): SPIs, as vgic-irqfd.c -------------------------------- */

bool keel_arch_irqfd_supported(void) { return keel_vgic_hw; }
bool keel_arch_irqfd_ready(struct keel_vm *vm) { return READ_ONCE(vm->arch.vgic.initialized); }
bool keel_arch_can_set_irq_routing(struct keel_vm *vm) { return true; }

/* kvm_set_routing_entry(): an irqchip pin (an SPI, counted from 32) or an MSI (which needs an ITS). */
long keel_arch_irq_route(struct keel_vm *vm, const struct kvm_irq_routing_entry *ue, struct keel_irq_route *e)
{
	switch (ue->type) {
	case KVM_IRQ_ROUTING_IRQCHIP:
		if (ue->u.irqchip.pin >= KEEL_VGIC_NR_PINS || ue->u.irqchip.irqchip >= 1)
			return -EINVAL;
		e->irqchip = ue->u.irqchip.irqchip;
		e->pin = ue->u.irqchip.pin;
		return 0;
	case KVM_IRQ_ROUTING_MSI:
		e->msi_addr_lo = ue->u.msi.address_lo;
		e->msi_addr_hi = ue->u.msi.address_hi;
		e->msi_data = ue->u.msi.data;
		e->msi_flags = ue->flags;
		e->msi_devid = ue->u.msi.devid;
		return 0;
	}
	return -EINVAL;
}

/*
 * kvm_arch_set_irq_inatomic() / kvm_set_irq(): an SPI's line to level (vgic_irqfd_set_irq(), if the SPI
 * exists; an irqfd raises it and leaves it high, as KVM's); an MSI needs an ITS (-ENODEV). Atomic context.
 */
int keel_arch_irq_set(struct keel_vm *vm, const struct keel_irq_route *e, bool level)
{
	struct keel_vcpu *vcpu;
	struct keel_res res;
	u32 spi = e->pin + 32;
	long r;

	if (e->type == KVM_IRQ_ROUTING_MSI)
		return keel_its_inject_msi(vm, (u64)e->msi_addr_hi << 32 | e->msi_addr_lo, e->msi_data, e->msi_flags,
					   e->msi_devid);
	if (e->type != KVM_IRQ_ROUTING_IRQCHIP)
		return -ENODEV;
	if (!READ_ONCE(vm->arch.vgic.initialized) || spi >= READ_ONCE(vm->arch.vgic.nr_irqs))
		return -EINVAL;
	r = keel_hvc5(KEEL_HC_IRQCHIP, vm->handle, KEEL_IRQCHIP_LINE, spi, 0, level, &res);
	if (r)
		return r;
	if (res.r[0] != KEEL_NO_VCPU) {
		vcpu = keel_vcpu_by_id(vm, (unsigned int)res.r[0]);
		if (vcpu)
			keel_vcpu_kick(vcpu);
	}
	return 0;
}

/* An irqfd resampler watches pin (SPI 32 + pin): keel reports its EOIs (vgic_v3_fold_lr_state()'s). */
int keel_arch_irq_resample(struct keel_vm *vm, u32 pin, bool on)
{
	struct keel_res res;

	if (!READ_ONCE(vm->arch.vgic.initialized) || pin + 32 >= READ_ONCE(vm->arch.vgic.nr_irqs))
		return -EINVAL;
	return keel_hvc5(KEEL_HC_IRQCHIP, vm->handle, KEEL_IRQCHIP_RESAMPLE, pin + 32, on, 0, &res);
}

/* After a run: the resampled SPIs the guest EOI'd (keel lowered their lines), as kvm_notify_acked_irq(). */
void keel_vgic_eois(struct keel_vcpu *vcpu)
{
	const u64 *eoi = vcpu->ctx->exit.eoi;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vcpu->ctx->exit.eoi); i++) {
		u64 w = eoi[i] & (i ? ~0ULL : ~0ULL << 32); /* SPIs only */

		for (; w; w &= w - 1)
			keel_irqfd_notify_acked(vcpu->vm, 0, i * 64 + __ffs64(w) - 32);
	}
}

/* Does the vCPU have an interrupt to take (it must not sleep)? */
bool keel_vgic_pending(struct keel_vcpu *vcpu)
{
	u64 pending = 0;

	return !keel_irqchip(vcpu->vm, KEEL_IRQCHIP_PENDING, vcpu->vcpu_id, 0, 0, &pending) && pending;
}

/* ---- the device -------------------------------------------------------------------------------- */

/* The vCPU index (keel's, = vcpu_id) an attribute's MPIDR names, or -EINVAL (kvm_mpidr_to_vcpu). */
static long keel_vgic_attr_vcpu(struct keel_vm *vm, u64 attr)
{
	u64 mpidr = (attr & KVM_DEV_ARM_VGIC_V3_MPIDR_MASK) >> KVM_DEV_ARM_VGIC_V3_MPIDR_SHIFT;
	unsigned int aff0 = mpidr & 0xff, id = aff0 + ((mpidr >> 8) & 0xff) * 16 + ((mpidr >> 16) & 0xff) * 4096;

	if (aff0 >= 16 || (mpidr >> 24) || !keel_vcpu_by_id(vm, id))
		return -EINVAL;
	return id;
}

/* The register groups: DIST_REGS, REDIST_REGS (u32), CPU_SYSREGS (u64), LEVEL_INFO (u32). */
static long keel_vgic_regs(struct keel_vm *vm, bool set, u64 group, u64 attr, void __user *uaddr)
{
	u64 space, off, val = 0, access, id = 0;
	unsigned int size = group == KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS ? 8 : 4;
	long r;

	/* vgic_v3_attr_regs_access(): the vCPU named first, then the GIC initialized */
	if (group != KVM_DEV_ARM_VGIC_GRP_DIST_REGS) {
		r = keel_vgic_attr_vcpu(vm, attr);
		if (r < 0)
			return r;
		id = r;
	}
	if (!vm->arch.vgic.initialized)
		return -EBUSY;
	switch (group) {
	case KVM_DEV_ARM_VGIC_GRP_DIST_REGS:
		space = KEEL_VGIC_SPACE_DIST;
		off = attr & KVM_DEV_ARM_VGIC_OFFSET_MASK;
		break;
	case KVM_DEV_ARM_VGIC_GRP_REDIST_REGS:
		space = KEEL_VGIC_SPACE_REDIST;
		off = attr & KVM_DEV_ARM_VGIC_OFFSET_MASK;
		break;
	case KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS:
		space = KEEL_VGIC_SPACE_CPU;
		off = attr & KVM_DEV_ARM_VGIC_SYSREG_INSTR_MASK;
		break;
	default: /* LEVEL_INFO: line levels, 32 interrupts from a multiple of 32 */
		if (((attr & KVM_DEV_ARM_VGIC_LINE_LEVEL_INFO_MASK) >> KVM_DEV_ARM_VGIC_LINE_LEVEL_INFO_SHIFT) !=
		    VGIC_LEVEL_INFO_LINE_LEVEL)
			return -EINVAL;
		space = KEEL_VGIC_SPACE_LEVEL;
		off = attr & KVM_DEV_ARM_VGIC_LINE_LEVEL_INTID_MASK;
		if (off % 32)
			return -EINVAL;
		break;
	}
	if (set) {
		if (size == 8 ? get_user(val, (u64 __user *)uaddr) : get_user(*(u32 *)&val, (u32 __user *)uaddr))
			return -EFAULT;
	}
	access = (set ? 1 : 0) | ((u64)size << 8);
	r = keel_irqchip_reg(vm, space | id << 32, off, access, val, &val);
	/* vgic_uaccess(): a distributor or redistributor offset with no register is RAZ/WI (HAS_ATTR says -ENXIO) */
	if (r == -ENXIO && (space == KEEL_VGIC_SPACE_DIST || space == KEEL_VGIC_SPACE_REDIST)) {
		r = 0;
		val = 0;
	}
	if (r || set)
		return r;
	return size == 8 ? put_user(val, (u64 __user *)uaddr) : put_user((u32)val, (u32 __user *)uaddr);
}

static long keel_vgic_set_attr(struct keel_vm *vm, const struct kvm_device_attr *attr)
{
	struct keel_vgic *g = &vm->arch.vgic;
	void __user *uaddr = u64_to_user_ptr(attr->addr);
	u32 val;

	switch (attr->group) {
	case KVM_DEV_ARM_VGIC_GRP_ADDR:
		return keel_vgic_addr(vm, true, attr->attr, uaddr);
	case KVM_DEV_ARM_VGIC_GRP_NR_IRQS:
		if (get_user(val, (u32 __user *)uaddr))
			return -EFAULT;
		if (val < 64 || val > KEEL_VGIC_MAX_RESERVED || (val & 31))
			return -EINVAL;
		if (g->initialized || g->nr_irqs)
			return -EBUSY;
		g->nr_irqs = val;
		return 0;
	case KVM_DEV_ARM_VGIC_GRP_CTRL:
		if (attr->attr == KVM_DEV_ARM_VGIC_CTRL_INIT)
			return keel_vgic_init_locked(vm);
		if (attr->attr == KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES)
			return g->initialized ? keel_its_save_pending(vm) : -ENXIO; /* the ITS's LPIs */
		return -ENXIO;
	case KVM_DEV_ARM_VGIC_GRP_DIST_REGS:
	case KVM_DEV_ARM_VGIC_GRP_REDIST_REGS:
	case KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS:
	case KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO:
		return keel_vgic_regs(vm, true, attr->group, attr->attr, uaddr);
	}
	return -ENXIO;
}

static long keel_vgic_get_attr(struct keel_vm *vm, const struct kvm_device_attr *attr)
{
	void __user *uaddr = u64_to_user_ptr(attr->addr);

	switch (attr->group) {
	case KVM_DEV_ARM_VGIC_GRP_ADDR:
		return keel_vgic_addr(vm, false, attr->attr, uaddr);
	case KVM_DEV_ARM_VGIC_GRP_NR_IRQS:
		/* nr_spis + 32: 32 until set (or until the init's default) */
		return put_user(vm->arch.vgic.nr_irqs ? vm->arch.vgic.nr_irqs : 32, (u32 __user *)uaddr);
	case KVM_DEV_ARM_VGIC_GRP_DIST_REGS:
	case KVM_DEV_ARM_VGIC_GRP_REDIST_REGS:
	case KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS:
	case KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO:
		return keel_vgic_regs(vm, false, attr->group, attr->attr, uaddr);
	}
	return -ENXIO;
}

static long keel_vgic_has_attr(struct keel_vm *vm, const struct kvm_device_attr *attr)
{
	u64 space, val;
	long id = 0;

	switch (attr->group) {
	case KVM_DEV_ARM_VGIC_GRP_ADDR:
		return attr->attr == KVM_VGIC_V3_ADDR_TYPE_DIST || attr->attr == KVM_VGIC_V3_ADDR_TYPE_REDIST ||
			       attr->attr == KVM_VGIC_V3_ADDR_TYPE_REDIST_REGION ? 0 : -ENXIO;
	case KVM_DEV_ARM_VGIC_GRP_NR_IRQS:
		return 0;
	case KVM_DEV_ARM_VGIC_GRP_CTRL:
		return attr->attr == KVM_DEV_ARM_VGIC_CTRL_INIT || attr->attr == KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES ?
			       0 : -ENXIO;
	case KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO:
		return ((attr->attr & KVM_DEV_ARM_VGIC_LINE_LEVEL_INFO_MASK) >> KVM_DEV_ARM_VGIC_LINE_LEVEL_INFO_SHIFT) ==
				       VGIC_LEVEL_INFO_LINE_LEVEL ? 0 : -EINVAL;
	case KVM_DEV_ARM_VGIC_GRP_DIST_REGS:
	case KVM_DEV_ARM_VGIC_GRP_REDIST_REGS:
	case KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS:
		break;
	default:
		return -ENXIO;
	}
	if (attr->group != KVM_DEV_ARM_VGIC_GRP_DIST_REGS) {
		id = keel_vgic_attr_vcpu(vm, attr->attr);
		if (id < 0)
			return id;
	}
	/* Is there such a register? Asked of keel by reading it (once the distributor exists). */
	if (!vm->arch.vgic.initialized)
		return 0;
	space = attr->group == KVM_DEV_ARM_VGIC_GRP_DIST_REGS ? KEEL_VGIC_SPACE_DIST :
		attr->group == KVM_DEV_ARM_VGIC_GRP_REDIST_REGS ? KEEL_VGIC_SPACE_REDIST : KEEL_VGIC_SPACE_CPU;
	return keel_irqchip_reg(vm, space | (u64)id << 32,
				attr->attr & (space == KEEL_VGIC_SPACE_CPU ? KVM_DEV_ARM_VGIC_SYSREG_INSTR_MASK :
									     KVM_DEV_ARM_VGIC_OFFSET_MASK),
				(space == KEEL_VGIC_SPACE_CPU ? 8 : 4) << 8, 0, &val) == -ENXIO ? -ENXIO : 0;
}

static long keel_vgic_ioctl(struct file *file, unsigned int ioctl, unsigned long arg)
{
	struct keel_vm *vm = file->private_data;
	struct kvm_device_attr attr;
	long r;

	/* kvm_device_ioctl(): only in the VM's own process */
	if (vm->mm != current->mm)
		return -EIO;
	if (ioctl != KVM_SET_DEVICE_ATTR && ioctl != KVM_GET_DEVICE_ATTR && ioctl != KVM_HAS_DEVICE_ATTR)
		return -ENOTTY;
	if (copy_from_user(&attr, (void __user *)arg, sizeof(attr)))
		return -EFAULT;
	mutex_lock(&vm->lock);
	if (ioctl == KVM_SET_DEVICE_ATTR)
		r = keel_vgic_set_attr(vm, &attr);
	else if (ioctl == KVM_GET_DEVICE_ATTR)
		r = keel_vgic_get_attr(vm, &attr);
	else
		r = keel_vgic_has_attr(vm, &attr);
	mutex_unlock(&vm->lock);
	return r;
}

static int keel_vgic_release(struct inode *inode, struct file *file)
{
	struct keel_vm *vm = file->private_data;

	fput(vm->filp); /* the device stays with its VM, as KVM's */
	return 0;
}

static const struct file_operations keel_vgic_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = keel_vgic_ioctl,
	.release = keel_vgic_release,
	.llseek = noop_llseek,
};

/* KVM_CREATE_DEVICE on arm64: kvm_ioctl_create_device() with kvm_vgic_create()'s checks. */
long keel_arch_create_device(struct keel_vm *vm, struct kvm_create_device *cd)
{
	struct keel_vgic *g = &vm->arch.vgic;
	long r;
	int fd;

	if (cd->type == KVM_DEV_TYPE_ARM_VGIC_ITS && keel_vgic_hw)
		return keel_its_create(vm, cd);
	if (cd->type != KVM_DEV_TYPE_ARM_VGIC_V3 || !keel_vgic_hw)
		return -ENODEV; /* GICv2 (no compatibility interface), VFIO: not with keel */
	if (cd->flags & KVM_CREATE_DEVICE_TEST)
		return 0;
	mutex_lock(&vm->lock);
	if (g->created) {
		r = -EEXIST;
	} else if (vm->has_run) {
		r = -EBUSY;
	} else {
		g->dist_base = KEEL_VGIC_ADDR_UNDEF;
		get_file(vm->filp);
		fd = anon_inode_getfd("kvm-arm-vgic-v3", &keel_vgic_fops, vm, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			fput(vm->filp);
			r = fd;
		} else {
			WRITE_ONCE(g->created, true);
			cd->fd = fd;
			r = 0;
		}
	}
	mutex_unlock(&vm->lock);
	return r;
}

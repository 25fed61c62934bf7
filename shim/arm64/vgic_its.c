// SPDX-License-Identifier: GPL-2.0
/*
 * The ITS of an in-kernel GICv3 (KVM_DEV_TYPE_ARM_VGIC_ITS), in the host as
 * pKVM keeps it: the guest's accesses to its frame come here as MMIO exits
 * (rare: commands at set-up and when interrupts move), MSIs from the VMM
 * (KVM_SIGNAL_MSI) and from irqfds are translated here, and the LPI that
 * comes out is made pending in keel (KEEL_IRQCHIP_LPI), which delivers it
 * through the list registers with no further trip. Linux 6.1's vgic-its.c:
 * this file keeps the LPIs, the tables' lists and the MSI translation;
 * vgic_its_cmd.c the registers and commands, vgic_its_dev.c the device,
 * vgic_its_tables.c the save and restore (table ABI revision 0). One ITS
 * per VM.
 */
#define pr_fmt(fmt) "keel-kvm: " fmt

#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vgic_its.h"

/* ---- guest memory (the VMM's process: MMIO exits and device ioctls) --------------------------- */

int keel_its_read(struct keel_its *its, u64 gpa, void *buf, size_t len)
{
	unsigned long hva;

	if (keel_vm_gpa_to_hva(its->vm, gpa, false, &hva))
		return -EFAULT;
	return copy_from_user(buf, (void __user *)hva, len) ? -EFAULT : 0;
}

int keel_its_write(struct keel_its *its, u64 gpa, const void *buf, size_t len)
{
	unsigned long hva;

	if (keel_vm_gpa_to_hva(its->vm, gpa, true, &hva) || copy_to_user((void __user *)hva, buf, len))
		return -EFAULT;
	keel_vm_mark_dirty(its->vm, gpa);
	return 0;
}

/* __is_visible_gfn_locked(): guest memory a slot covers */
bool keel_its_visible(struct keel_its *its, u64 gpa)
{
	unsigned long hva;

	return !keel_vm_gpa_to_hva(its->vm, gpa, false, &hva);
}

/* vgic_its_check_id(): id fits the table baser describes (flat or two-level); *eaddr its entry. */
bool keel_its_id_ok(struct keel_its *its, u64 baser, u32 id, u64 *eaddr)
{
	u64 type = (baser >> 56) & 7, size = keel_its_baser_size(baser), base = keel_its_baser_addr(baser), l1, addr;

	if ((type == BASER_TYPE_DEVICE && id >= BIT(KEEL_ITS_DEVBITS)) || (type == BASER_TYPE_COLL && id >= BIT(16)) ||
	    (type != BASER_TYPE_DEVICE && type != BASER_TYPE_COLL))
		return false;
	if (!(baser & BASER_INDIRECT)) {
		if (id >= size / KEEL_ITS_ESZ)
			return false;
		addr = base + (u64)id * KEEL_ITS_ESZ;
	} else {
		u64 index = id / (SZ_64K / KEEL_ITS_ESZ);

		if (index >= size / sizeof(u64) || keel_its_read(its, base + index * sizeof(u64), &l1, sizeof(l1)))
			return false;
		l1 = le64_to_cpu(l1);
		if (!(l1 & BIT_ULL(63)))
			return false;
		addr = (l1 & GENMASK_ULL(51, 16)) + (id % (SZ_64K / KEEL_ITS_ESZ)) * KEEL_ITS_ESZ;
	}
	if (eaddr)
		*eaddr = addr;
	return keel_its_visible(its, addr);
}

/* ---- LPIs: configuration from the property table, pending state in keel ------------------------ */

long keel_its_lpi_op(struct keel_vm *vm, u32 vcpu, u32 intid, u64 action, u8 prio, struct keel_res *res)
{
	return keel_hvc6(KEEL_HC_IRQCHIP, vm->handle, KEEL_IRQCHIP_LPI, vcpu, intid, action, prio, res);
}

/* The LPI pending, into keel if it is enabled and keel can take it, else held here (tlock held). */
static int keel_its_deliver_locked(struct keel_its *its, struct keel_its_lpi *lpi)
{
	struct keel_vcpu *vcpu;
	struct keel_res res;
	long r;

	lpi->held = true;
	if (lpi->target == KEEL_ITS_NO_TARGET || !(lpi->prop & 1))
		return 0;
	r = keel_its_lpi_op(its->vm, lpi->target, lpi->intid, KEEL_LPI_SET, LPI_PRIO(lpi->prop), &res);
	if (r == -ENOSPC) /* keel's slots for that vCPU are full: given again after an exit (keel_its_retry()) */
		WRITE_ONCE(its->retry, true);
	if (r)
		return r;
	lpi->held = false;
	if (res.r[0] != KEEL_NO_VCPU) {
		vcpu = keel_vcpu_by_id(its->vm, (unsigned int)res.r[0]);
		if (vcpu)
			keel_vcpu_kick(vcpu);
	}
	return 0;
}

/* Its pending state out of keel (into held): before it moves or is disabled (tlock held). */
static void keel_its_withdraw_locked(struct keel_its *its, struct keel_its_lpi *lpi)
{
	struct keel_res res;

	if (lpi->target != KEEL_ITS_NO_TARGET &&
	    !keel_its_lpi_op(its->vm, lpi->target, lpi->intid, KEEL_LPI_CLEAR, 0, &res) && (res.r[0] & 1))
		lpi->held = true;
}

/* update_affinity(): the LPI's pending state follows it to vCPU target. */
void keel_its_retarget(struct keel_its *its, struct keel_its_lpi *lpi, u32 target)
{
	unsigned long flags;

	spin_lock_irqsave(&its->tlock, flags);
	if (lpi->target != target) {
		keel_its_withdraw_locked(its, lpi);
		lpi->target = target;
		if (lpi->held)
			keel_its_deliver_locked(its, lpi);
	}
	spin_unlock_irqrestore(&its->tlock, flags);
}

/* update_lpi_config(): priority and enable from the guest's property table (INV, INVALL, a new LPI). */
int keel_its_lpi_config(struct keel_its *its, struct keel_its_lpi *lpi, u64 propbaser)
{
	unsigned long flags;
	struct keel_res res;
	u8 prop, old;

	if (keel_its_read(its, (propbaser & GENMASK_ULL(51, 12)) + lpi->intid - KEEL_VGIC_MIN_LPI, &prop, 1))
		return -EFAULT;
	spin_lock_irqsave(&its->tlock, flags);
	old = lpi->prop;
	lpi->prop = prop;
	if (!(prop & 1) && (old & 1))
		keel_its_withdraw_locked(its, lpi);
	else if ((prop & 1) && lpi->held)
		keel_its_deliver_locked(its, lpi);
	else if ((prop & 1) && LPI_PRIO(prop) != LPI_PRIO(old) && lpi->target != KEEL_ITS_NO_TARGET)
		keel_its_lpi_op(its->vm, lpi->target, lpi->intid, KEEL_LPI_PRIO, LPI_PRIO(prop), &res);
	spin_unlock_irqrestore(&its->tlock, flags);
	return 0;
}

/* GICR_PROPBASER (one for the VM) and a vCPU's GICR_PENDBASER and EnableLPIs, from keel. */
int keel_its_rd_state(struct keel_its *its, u32 vcpu, u64 *propbaser, u64 *pendbaser, bool *enabled)
{
	struct keel_res res;
	long r = keel_its_lpi_op(its->vm, vcpu, KEEL_VGIC_MIN_LPI, KEEL_LPI_QUERY, 0, &res);

	if (r)
		return r;
	*propbaser = res.r[2];
	if (pendbaser)
		*pendbaser = res.r[1];
	if (enabled)
		*enabled = res.r[0] & 2;
	return 0;
}

/*
 * vgic_add_lpi(): the LPI intid for a new ITE, shared with the ITEs that
 * name it already; a new one takes its configuration from the property
 * table and its pending bit from its vCPU's pending table (restores).
 */
static struct keel_its_lpi *keel_its_lpi_get(struct keel_its *its, u32 intid, u32 target)
{
	struct keel_its_lpi *lpi = xa_load(&its->lpis, intid);
	u64 propbaser = 0, pendbaser = 0;
	unsigned long flags;
	u8 pend;

	if (lpi) {
		lpi->refs++;
		return lpi;
	}
	lpi = kzalloc(sizeof(*lpi), GFP_KERNEL_ACCOUNT);
	if (!lpi)
		return ERR_PTR(-ENOMEM);
	lpi->intid = intid;
	lpi->refs = 1;
	lpi->target = target;
	if (xa_err(xa_store(&its->lpis, intid, lpi, GFP_KERNEL_ACCOUNT))) {
		kfree(lpi);
		return ERR_PTR(-ENOMEM);
	}
	if (keel_its_rd_state(its, target == KEEL_ITS_NO_TARGET ? 0 : target, &propbaser, &pendbaser, NULL))
		return lpi;
	if (target != KEEL_ITS_NO_TARGET &&
	    !keel_its_read(its, (pendbaser & GENMASK_ULL(51, 16)) + intid / 8, &pend, 1) && (pend & BIT(intid % 8))) {
		spin_lock_irqsave(&its->tlock, flags);
		lpi->held = true;
		spin_unlock_irqrestore(&its->tlock, flags);
	}
	keel_its_lpi_config(its, lpi, propbaser);
	return lpi;
}

static void keel_its_lpi_put(struct keel_its *its, struct keel_its_lpi *lpi)
{
	unsigned long flags;

	if (--lpi->refs)
		return;
	spin_lock_irqsave(&its->tlock, flags);
	keel_its_withdraw_locked(its, lpi);
	spin_unlock_irqrestore(&its->tlock, flags);
	xa_erase(&its->lpis, lpi->intid);
	kfree(lpi);
}

/* ---- the tables: devices, their ITEs, collections (its->lock held) ------------------------------ */

struct keel_its_dev *keel_its_find_dev(struct keel_its *its, u32 id)
{
	struct keel_its_dev *dev;

	list_for_each_entry(dev, &its->devs, node)
		if (dev->id == id)
			return dev;
	return NULL;
}

struct keel_its_ite *keel_its_find_ite(struct keel_its *its, u32 devid, u32 event)
{
	struct keel_its_dev *dev = keel_its_find_dev(its, devid);
	struct keel_its_ite *ite;

	if (!dev)
		return NULL;
	list_for_each_entry(ite, &dev->ites, node)
		if (ite->event == event)
			return ite;
	return NULL;
}

struct keel_its_coll *keel_its_find_coll(struct keel_its *its, u32 id)
{
	struct keel_its_coll *c;

	list_for_each_entry(c, &its->colls, node)
		if (c->id == id)
			return c;
	return NULL;
}

struct keel_its_coll *keel_its_add_coll(struct keel_its *its, u16 id, u32 target)
{
	struct keel_its_coll *c = kzalloc(sizeof(*c), GFP_KERNEL_ACCOUNT);
	unsigned long flags;

	if (!c)
		return NULL;
	c->id = id;
	c->target = target;
	spin_lock_irqsave(&its->tlock, flags);
	list_add_tail(&c->node, &its->colls);
	spin_unlock_irqrestore(&its->tlock, flags);
	return c;
}

/* vgic_its_free_collection(): its ITEs keep their LPIs but lose the collection. */
void keel_its_free_coll(struct keel_its *its, struct keel_its_coll *c)
{
	struct keel_its_dev *dev;
	struct keel_its_ite *ite;
	unsigned long flags;

	spin_lock_irqsave(&its->tlock, flags);
	list_for_each_entry(dev, &its->devs, node)
		list_for_each_entry(ite, &dev->ites, node)
			if (ite->coll == c)
				ite->coll = NULL;
	list_del(&c->node);
	spin_unlock_irqrestore(&its->tlock, flags);
	kfree(c);
}

void keel_its_free_colls(struct keel_its *its)
{
	while (!list_empty(&its->colls))
		keel_its_free_coll(its, list_first_entry(&its->colls, struct keel_its_coll, node));
}

int keel_its_add_ite(struct keel_its *its, struct keel_its_dev *dev, u32 event, struct keel_its_coll *coll,
		     u32 intid)
{
	struct keel_its_ite *ite = kzalloc(sizeof(*ite), GFP_KERNEL_ACCOUNT);
	struct keel_its_lpi *lpi;
	unsigned long flags;

	if (!ite)
		return -ENOMEM;
	lpi = keel_its_lpi_get(its, intid, keel_its_coll_mapped(coll) ? coll->target : KEEL_ITS_NO_TARGET);
	if (IS_ERR(lpi)) {
		kfree(ite);
		return PTR_ERR(lpi);
	}
	ite->event = event;
	ite->coll = coll;
	ite->lpi = lpi;
	spin_lock_irqsave(&its->tlock, flags);
	list_add_tail(&ite->node, &dev->ites);
	spin_unlock_irqrestore(&its->tlock, flags);
	return 0;
}

void keel_its_free_ite(struct keel_its *its, struct keel_its_ite *ite)
{
	unsigned long flags;

	spin_lock_irqsave(&its->tlock, flags);
	list_del(&ite->node);
	spin_unlock_irqrestore(&its->tlock, flags);
	keel_its_lpi_put(its, ite->lpi);
	kfree(ite);
}

struct keel_its_dev *keel_its_add_dev(struct keel_its *its, u32 id, u64 itt, u8 nbits)
{
	struct keel_its_dev *dev = kzalloc(sizeof(*dev), GFP_KERNEL_ACCOUNT);
	unsigned long flags;

	if (!dev)
		return NULL;
	dev->id = id;
	dev->itt = itt;
	dev->nbits = nbits;
	INIT_LIST_HEAD(&dev->ites);
	spin_lock_irqsave(&its->tlock, flags);
	list_add_tail(&dev->node, &its->devs);
	spin_unlock_irqrestore(&its->tlock, flags);
	return dev;
}

void keel_its_free_dev(struct keel_its *its, struct keel_its_dev *dev)
{
	unsigned long flags;

	while (!list_empty(&dev->ites))
		keel_its_free_ite(its, list_first_entry(&dev->ites, struct keel_its_ite, node));
	spin_lock_irqsave(&its->tlock, flags);
	list_del(&dev->node);
	spin_unlock_irqrestore(&its->tlock, flags);
	kfree(dev);
}

void keel_its_free_devs(struct keel_its *its)
{
	while (!list_empty(&its->devs))
		keel_its_free_dev(its, list_first_entry(&its->devs, struct keel_its_dev, node));
}

/*
 * After any exit of a vCPU of the VM: the LPIs keel had no slot for are
 * offered again (the guest has ended some since). Cheap unless one waits.
 */
void keel_its_retry(struct keel_vm *vm)
{
	struct keel_its *its = READ_ONCE(vm->arch.its);
	struct keel_its_lpi *lpi;
	unsigned long i, flags;
	bool left = false;

	if (!its || !READ_ONCE(its->retry))
		return;
	mutex_lock(&its->lock);
	WRITE_ONCE(its->retry, false);
	xa_for_each(&its->lpis, i, lpi) {
		spin_lock_irqsave(&its->tlock, flags);
		if (lpi->held && (lpi->prop & 1) && keel_its_deliver_locked(its, lpi) == -ENOSPC)
			left = true;
		spin_unlock_irqrestore(&its->tlock, flags);
	}
	if (left)
		WRITE_ONCE(its->retry, true);
	mutex_unlock(&its->lock);
}

/* ---- MSIs ------------------------------------------------------------------------------------- */

/*
 * vgic_its_trigger_msi(): devid/event to its LPI, made pending. 0 done, 1 not
 * mapped (the MSI is dropped), -EBUSY the ITS or the vCPU's LPIs are off.
 * Atomic context (irqfd): the lists under tlock only.
 */
int keel_its_trigger(struct keel_its *its, u32 devid, u32 event)
{
	struct keel_its_dev *dev;
	struct keel_its_ite *ite;
	unsigned long flags;
	int r = 1;

	spin_lock_irqsave(&its->tlock, flags);
	if (!its->enabled) {
		r = -EBUSY;
		goto out;
	}
	list_for_each_entry(dev, &its->devs, node) {
		if (dev->id != devid)
			continue;
		list_for_each_entry(ite, &dev->ites, node) {
			if (ite->event != event || !keel_its_coll_mapped(ite->coll))
				continue;
			r = keel_its_deliver_locked(its, ite->lpi);
			/* keel refused while the vCPU's LPIs are off: KVM's -EBUSY, nothing left pending */
			if (r == -EAGAIN) {
				ite->lpi->held = false;
				r = -EBUSY;
			} else if (r) {
				r = 0; /* no slot in keel now: held here as pending, offered again after an exit */
			}
			goto out;
		}
	}
out:
	spin_unlock_irqrestore(&its->tlock, flags);
	return r;
}

/*
 * kvm_set_msi() / vgic_its_inject_msi(): an MSI to the ITS whose frame holds
 * its address. 1 delivered, 0 dropped (not mapped), -errno (-ENODEV no ITS,
 * -EINVAL no device id or another address, -EBUSY disabled).
 */
int keel_its_inject_msi(struct keel_vm *vm, u64 addr, u32 data, u32 flags, u32 devid)
{
	struct keel_its *its = READ_ONCE(vm->arch.its);
	int r;

	if (!its)
		return -ENODEV;
	if (!(flags & KVM_MSI_VALID_DEVID))
		return -EINVAL;
	if (READ_ONCE(its->base) == KEEL_VGIC_ADDR_UNDEF || addr - READ_ONCE(its->base) >= KEEL_ITS_SIZE)
		return -EINVAL;
	r = keel_its_trigger(its, devid, data);
	return r < 0 ? r : !r;
}

/* ---- GICv3 SAVE_PENDING_TABLES: every LPI's pending bit into its vCPU's pending table ----------- */

/* vgic_v3_save_pending_tables(), for the LPIs of the VM's ITS. */
int keel_its_save_pending(struct keel_vm *vm)
{
	struct keel_its *its = READ_ONCE(vm->arch.its);
	struct keel_its_lpi *lpi;
	struct keel_res res;
	unsigned long i;
	int r = 0;
	u8 b;

	if (!its)
		return 0;
	mutex_lock(&its->lock);
	xa_for_each(&its->lpis, i, lpi) {
		u64 gpa;
		bool pending;

		if (lpi->target == KEEL_ITS_NO_TARGET)
			continue;
		r = keel_its_lpi_op(vm, lpi->target, lpi->intid, KEEL_LPI_QUERY, 0, &res);
		if (r)
			break;
		pending = lpi->held || (res.r[0] & 1);
		gpa = (res.r[1] & GENMASK_ULL(51, 16)) + lpi->intid / 8;
		r = keel_its_read(its, gpa, &b, 1);
		if (r)
			break;
		if (!!(b & BIT(lpi->intid % 8)) == pending)
			continue;
		b ^= BIT(lpi->intid % 8);
		r = keel_its_write(its, gpa, &b, 1);
		if (r)
			break;
	}
	mutex_unlock(&its->lock);
	return r;
}

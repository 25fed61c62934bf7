// SPDX-License-Identifier: GPL-2.0
/*
 * The ITS's state in guest memory, KVM's table ABI revision 0 (Linux 6.1's
 * vgic-its.c, KVM_DEV_ARM_ITS_SAVE_TABLES / RESTORE_TABLES): the device
 * table at GITS_BASER0 (flat or two-level), each device's ITT at its MAPD
 * address, the collection table at GITS_BASER1; 8-byte entries that name the
 * next valid one by its id offset. its->lock held, no vCPU running.
 *
 *   DTE: V[63] next[62:49] ITT_addr>>8[48:5] event_bits-1[4:0]
 *   ITE: next[63:48] pINTID[47:16] ICID[15:0]
 *   CTE: V[63] RDbase (vCPU)[51:16] ICID[15:0]
 */
#include <linux/list_sort.h>

#include "vgic_its.h"

#define DTE_NEXT_MAX (BIT(14) - 1)
#define ITE_NEXT_MAX (BIT(16) - 1)
#define L1E_VALID BIT_ULL(63)

static int put_entry(struct keel_its *its, u64 gpa, u64 val)
{
	__le64 e = cpu_to_le64(val);

	return keel_its_write(its, gpa, &e, sizeof(e));
}

static int get_entry(struct keel_its *its, u64 gpa, u64 *val)
{
	__le64 e;
	int r = keel_its_read(its, gpa, &e, sizeof(e));

	*val = le64_to_cpu(e);
	return r;
}

static int dev_cmp(void *priv, const struct list_head *a, const struct list_head *b)
{
	return list_entry(a, struct keel_its_dev, node)->id < list_entry(b, struct keel_its_dev, node)->id ? -1 : 1;
}

static int ite_cmp(void *priv, const struct list_head *a, const struct list_head *b)
{
	return list_entry(a, struct keel_its_ite, node)->event < list_entry(b, struct keel_its_ite, node)->event ? -1 :
														   1;
}

/* vgic_its_save_itt(): an ITE at ITT + event * 8; one whose collection went is saved as invalid (0). */
static int save_itt(struct keel_its *its, struct keel_its_dev *dev)
{
	struct keel_its_ite *ite;
	int r;

	list_sort(NULL, &dev->ites, ite_cmp);
	list_for_each_entry(ite, &dev->ites, node) {
		u64 next = list_is_last(&ite->node, &dev->ites) ?
				   0 : min_t(u64, list_next_entry(ite, node)->event - ite->event, ITE_NEXT_MAX);
		u64 val = ite->coll ? next << 48 | (u64)ite->lpi->intid << 16 | ite->coll->id : 0;

		r = put_entry(its, dev->itt + (u64)ite->event * KEEL_ITS_ESZ, val);
		if (r)
			return r;
	}
	return 0;
}

static int save_devices(struct keel_its *its)
{
	struct keel_its_dev *dev;
	u64 eaddr;
	int r;

	if (!(its->baser_dev & BIT_ULL(63)))
		return 0;
	list_sort(NULL, &its->devs, dev_cmp);
	list_for_each_entry(dev, &its->devs, node) {
		u64 next = list_is_last(&dev->node, &its->devs) ?
				   0 : min_t(u64, list_next_entry(dev, node)->id - dev->id, DTE_NEXT_MAX);

		if (!keel_its_id_ok(its, its->baser_dev, dev->id, &eaddr))
			return -EINVAL;
		r = save_itt(its, dev);
		if (!r)
			r = put_entry(its, eaddr, BIT_ULL(63) | next << 49 | (dev->itt >> 8) << 5 | (dev->nbits - 1));
		if (r)
			return r;
	}
	return 0;
}

/* vgic_its_save_collection_table(): packed, then one invalid entry if there is room. */
static int save_colls(struct keel_its *its)
{
	u64 gpa = keel_its_baser_addr(its->baser_coll), size = keel_its_baser_size(its->baser_coll), used = 0;
	struct keel_its_coll *c;
	int r;

	if (!(its->baser_coll & BIT_ULL(63)))
		return 0;
	list_for_each_entry(c, &its->colls, node) {
		r = put_entry(its, gpa + used, BIT_ULL(63) | (u64)c->target << 16 | c->id);
		if (r)
			return r;
		used += KEEL_ITS_ESZ;
	}
	return used == size ? 0 : put_entry(its, gpa + used, 0);
}

int keel_its_save_tables(struct keel_its *its)
{
	int r = save_devices(its);

	return r ? r : save_colls(its);
}

/* ---- restore ---------------------------------------------------------------------------------- */

/* scan_its_table(): fn on each entry from base (id first), following the next offsets. */
typedef int (*entry_fn)(struct keel_its *its, u32 id, u64 entry, void *opaque);

static int scan(struct keel_its *its, u64 base, u64 len, u32 id, entry_fn fn, void *opaque)
{
	u64 entry;
	int next, r;

	for (;;) {
		r = get_entry(its, base, &entry);
		if (r)
			return r;
		next = fn(its, id, entry, opaque);
		if (next <= 0)
			return next;
		if ((u64)next * KEEL_ITS_ESZ >= len)
			return 1;
		id += next;
		base += (u64)next * KEEL_ITS_ESZ;
		len -= (u64)next * KEEL_ITS_ESZ;
	}
}

/* vgic_its_restore_ite() */
static int restore_ite(struct keel_its *its, u32 event, u64 e, void *opaque)
{
	struct keel_its_dev *dev = opaque;
	struct keel_its_coll *coll;
	u32 intid = (u32)(e >> 16), next = (u32)(e >> 48);
	int r;

	if (!intid)
		return 1; /* invalid: the next entry is looked at */
	if (intid < KEEL_VGIC_MIN_LPI || event + (u64)next >= BIT_ULL(dev->nbits))
		return -EINVAL;
	coll = keel_its_find_coll(its, (u16)e);
	if (!coll)
		return -EINVAL;
	r = keel_its_add_ite(its, dev, event, coll, intid);
	return r ? r : next;
}

/* vgic_its_restore_dte(): a device and its ITT. */
static int restore_dte(struct keel_its *its, u32 id, u64 e, void *opaque)
{
	struct keel_its_dev *dev;
	u8 nbits = (e & 0x1f) + 1;
	int r;

	if (!(e & BIT_ULL(63)))
		return 1;
	if (nbits > KEEL_ITS_IDBITS || !keel_its_id_ok(its, its->baser_dev, id, NULL))
		return -EINVAL;
	dev = keel_its_add_dev(its, id, ((e >> 5) & GENMASK_ULL(43, 0)) << 8, nbits);
	if (!dev)
		return -ENOMEM;
	r = scan(its, dev->itt, BIT_ULL(nbits) * KEEL_ITS_ESZ, 0, restore_ite, dev);
	if (r < 0)
		return r;
	return (e >> 49) & DTE_NEXT_MAX;
}

/* handle_l1_dte(): a second-level table of device entries. */
static int restore_l1(struct keel_its *its, u32 id, u64 e, void *opaque)
{
	if (!(e & L1E_VALID))
		return 1;
	return scan(its, e & GENMASK_ULL(51, 16), SZ_64K, id * (SZ_64K / KEEL_ITS_ESZ), restore_dte, NULL);
}

static int restore_devices(struct keel_its *its)
{
	u64 b = its->baser_dev;
	int r;

	if (!(b & BIT_ULL(63)))
		return 0;
	if (b & BIT_ULL(62))
		r = scan(its, keel_its_baser_addr(b), keel_its_baser_size(b), 0, restore_l1, NULL);
	else
		r = scan(its, keel_its_baser_addr(b), keel_its_baser_size(b), 0, restore_dte, NULL);
	if (r < 0)
		keel_its_free_devs(its);
	return r < 0 ? r : 0;
}

/* vgic_its_restore_collection_table(): up to the first invalid entry. */
static int restore_colls(struct keel_its *its)
{
	u64 gpa = keel_its_baser_addr(its->baser_coll), size = keel_its_baser_size(its->baser_coll), e, off;
	int r = 0;

	if (!(its->baser_coll & BIT_ULL(63)))
		return 0;
	for (off = 0; off < size; off += KEEL_ITS_ESZ) {
		u32 target, id;

		r = get_entry(its, gpa + off, &e);
		if (r || !(e & BIT_ULL(63)))
			break;
		target = (u32)(e >> 16);
		id = (u16)e;
		if (target != KEEL_ITS_NO_TARGET && !keel_vcpu_by_id(its->vm, target))
			r = -EINVAL;
		else if (keel_its_find_coll(its, id))
			r = -EEXIST;
		else if (!keel_its_id_ok(its, its->baser_coll, id, NULL))
			r = -EINVAL;
		else if (!keel_its_add_coll(its, (u16)id, target))
			r = -ENOMEM;
		if (r)
			break;
	}
	if (r)
		keel_its_free_colls(its);
	return r;
}

int keel_its_restore_tables(struct keel_its *its)
{
	int r = restore_colls(its);

	if (r)
		return r;
	r = restore_devices(its);
	if (r)
		keel_its_free_colls(its);
	return r;
}

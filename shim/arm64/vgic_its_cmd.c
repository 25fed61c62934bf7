// SPDX-License-Identifier: GPL-2.0
/*
 * The ITS's registers and command queue (Linux 6.1's vgic-its.c): the
 * guest's accesses to its frames (MMIO exits completed in the kernel) and
 * the VMM's (KVM_DEV_ARM_VGIC_GRP_ITS_REGS), and the commands they run.
 * its->lock held throughout.
 */
#include <linux/uaccess.h>

#include "vgic_its.h"

/* ---- commands (its->lock held) ---------------------------------------------------------------- */

static u64 cmd_field(const u64 *cmd, int word, int shift, int size)
{
	return (le64_to_cpu(cmd[word]) >> shift) & (BIT_ULL(size) - 1);
}

#define CMD_DEVID(c) ((u32)cmd_field(c, 0, 32, 32))
#define CMD_EVENT(c) ((u32)cmd_field(c, 1, 0, 32))
#define CMD_PINTID(c) ((u32)cmd_field(c, 1, 32, 32))
#define CMD_SIZE_BITS(c) ((u8)cmd_field(c, 1, 0, 5) + 1)
#define CMD_ICID(c) ((u16)cmd_field(c, 2, 0, 16))
#define CMD_ITT(c) (cmd_field(c, 2, 8, 44) << 8)
#define CMD_TARGET(c) ((u32)cmd_field(c, 2, 16, 32))
#define CMD_VALID(c) cmd_field(c, 2, 63, 1)

static bool keel_its_vcpu_ok(struct keel_its *its, u32 target) { return keel_vcpu_by_id(its->vm, target); }

static int cmd_mapd(struct keel_its *its, const u64 *c)
{
	struct keel_its_dev *dev;
	u64 eaddr, zero = 0;

	if (!keel_its_id_ok(its, its->baser_dev, CMD_DEVID(c), &eaddr))
		return 1;
	if (CMD_VALID(c) && CMD_SIZE_BITS(c) > KEEL_ITS_IDBITS)
		return 1;
	dev = keel_its_find_dev(its, CMD_DEVID(c));
	if (dev) /* mapped again: everything cached for it goes */
		keel_its_free_dev(its, dev);
	if (!CMD_VALID(c))
		return keel_its_write(its, eaddr, &zero, KEEL_ITS_ESZ);
	return keel_its_add_dev(its, CMD_DEVID(c), CMD_ITT(c), CMD_SIZE_BITS(c)) ? 0 : -ENOMEM;
}

static int cmd_mapc(struct keel_its *its, const u64 *c)
{
	struct keel_its_coll *coll = keel_its_find_coll(its, CMD_ICID(c));
	struct keel_its_dev *dev;
	struct keel_its_ite *ite;

	if (!keel_its_vcpu_ok(its, CMD_TARGET(c)))
		return 1;
	if (!CMD_VALID(c)) {
		if (coll)
			keel_its_free_coll(its, coll);
		return 0;
	}
	if (!coll) {
		if (!keel_its_id_ok(its, its->baser_coll, CMD_ICID(c), NULL))
			return 1;
		return keel_its_add_coll(its, CMD_ICID(c), CMD_TARGET(c)) ? 0 : -ENOMEM;
	}
	coll->target = CMD_TARGET(c); /* update_affinity_collection() */
	list_for_each_entry(dev, &its->devs, node)
		list_for_each_entry(ite, &dev->ites, node)
			if (ite->coll == coll)
				keel_its_retarget(its, ite->lpi, coll->target);
	return 0;
}

static int cmd_mapi(struct keel_its *its, const u64 *c, bool mapti)
{
	struct keel_its_dev *dev = keel_its_find_dev(its, CMD_DEVID(c));
	u32 event = CMD_EVENT(c), intid = mapti ? CMD_PINTID(c) : event;
	struct keel_its_coll *coll, *new_coll = NULL;
	u64 propbaser;
	int r;

	if (!dev || event >= BIT_ULL(dev->nbits) || !keel_its_visible(its, dev->itt + (u64)event * KEEL_ITS_ESZ))
		return 1;
	if (keel_its_rd_state(its, 0, &propbaser, NULL, NULL) || intid < KEEL_VGIC_MIN_LPI ||
	    intid >= 1U << min_t(u32, (propbaser & 0x1f) + 1, KEEL_ITS_IDBITS))
		return 1;
	if (keel_its_find_ite(its, dev->id, event))
		return 0; /* mapped already: UNPREDICTABLE, ignored as KVM */
	coll = keel_its_find_coll(its, CMD_ICID(c));
	if (!coll) {
		if (!keel_its_id_ok(its, its->baser_coll, CMD_ICID(c), NULL))
			return 1;
		coll = new_coll = keel_its_add_coll(its, CMD_ICID(c), KEEL_ITS_NO_TARGET);
		if (!coll)
			return -ENOMEM;
	}
	r = keel_its_add_ite(its, dev, event, coll, intid);
	if (r && new_coll)
		keel_its_free_coll(its, new_coll);
	return r;
}

static int cmd_movi(struct keel_its *its, const u64 *c)
{
	struct keel_its_ite *ite = keel_its_find_ite(its, CMD_DEVID(c), CMD_EVENT(c));
	struct keel_its_coll *coll = keel_its_find_coll(its, CMD_ICID(c));
	unsigned long flags;

	if (!ite || !keel_its_coll_mapped(ite->coll) || !keel_its_coll_mapped(coll))
		return 1;
	spin_lock_irqsave(&its->tlock, flags);
	ite->coll = coll;
	spin_unlock_irqrestore(&its->tlock, flags);
	keel_its_retarget(its, ite->lpi, coll->target);
	return 0;
}

static int cmd_discard(struct keel_its *its, const u64 *c)
{
	struct keel_its_ite *ite = keel_its_find_ite(its, CMD_DEVID(c), CMD_EVENT(c));
	struct keel_its_dev *dev = keel_its_find_dev(its, CMD_DEVID(c));
	u64 zero = 0;

	if (!ite || !keel_its_coll_mapped(ite->coll))
		return 1;
	keel_its_free_ite(its, ite);
	return keel_its_write(its, dev->itt + (u64)CMD_EVENT(c) * KEEL_ITS_ESZ, &zero, KEEL_ITS_ESZ);
}

static int cmd_clear(struct keel_its *its, const u64 *c)
{
	struct keel_its_ite *ite = keel_its_find_ite(its, CMD_DEVID(c), CMD_EVENT(c));
	unsigned long flags;
	struct keel_res res;

	if (!ite)
		return 1;
	spin_lock_irqsave(&its->tlock, flags);
	ite->lpi->held = false;
	if (ite->lpi->target != KEEL_ITS_NO_TARGET)
		keel_its_lpi_op(its->vm, ite->lpi->target, ite->lpi->intid, KEEL_LPI_CLEAR, 0, &res);
	spin_unlock_irqrestore(&its->tlock, flags);
	return 0;
}

/* INVALL of a vCPU, MOVALL: every LPI with that target (vgic_copy_lpi_list()). */
static void lpis_of(struct keel_its *its, u32 target, u32 to, bool move)
{
	struct keel_its_lpi *lpi;
	unsigned long i;
	u64 propbaser;

	if (!move && keel_its_rd_state(its, target, &propbaser, NULL, NULL))
		return;
	xa_for_each(&its->lpis, i, lpi) {
		if (lpi->target != target)
			continue;
		if (move)
			keel_its_retarget(its, lpi, to);
		else
			keel_its_lpi_config(its, lpi, propbaser);
	}
}

static int keel_its_command(struct keel_its *its, const u64 *c)
{
	struct keel_its_ite *ite;
	struct keel_its_coll *coll;
	u64 propbaser;

	switch (cmd_field(c, 0, 0, 8)) {
	case 0x08: return cmd_mapd(its, c);
	case 0x09: return cmd_mapc(its, c);
	case 0x0b: return cmd_mapi(its, c, false);
	case 0x0a: return cmd_mapi(its, c, true);
	case 0x01: return cmd_movi(its, c);
	case 0x0f: return cmd_discard(its, c);
	case 0x04: return cmd_clear(its, c);
	case 0x03: /* INT */
		return keel_its_trigger(its, CMD_DEVID(c), CMD_EVENT(c));
	case 0x0c: /* INV */
		ite = keel_its_find_ite(its, CMD_DEVID(c), CMD_EVENT(c));
		if (!ite || keel_its_rd_state(its, 0, &propbaser, NULL, NULL))
			return 1;
		return keel_its_lpi_config(its, ite->lpi, propbaser);
	case 0x0d: /* INVALL */
		coll = keel_its_find_coll(its, CMD_ICID(c));
		if (!keel_its_coll_mapped(coll))
			return 1;
		lpis_of(its, coll->target, 0, false);
		return 0;
	case 0x0e: /* MOVALL */
		if (!keel_its_vcpu_ok(its, CMD_TARGET(c)) || !keel_its_vcpu_ok(its, (u32)cmd_field(c, 3, 16, 32)))
			return 1;
		lpis_of(its, CMD_TARGET(c), (u32)cmd_field(c, 3, 16, 32), true);
		return 0;
	}
	return 0; /* SYNC (always in sync), and what KVM does not know: ignored */
}

/* vgic_its_process_commands(): from CREADR up to CWRITER, while enabled; a command not read is skipped. */
static void keel_its_process(struct keel_its *its)
{
	u64 cmd[4];

	if (!its->enabled)
		return;
	while (its->cwriter != its->creadr) {
		if (!keel_its_read(its, (its->cbaser & GENMASK_ULL(51, 12)) + its->creadr, cmd, CMD_SIZE))
			keel_its_command(its, cmd);
		its->creadr += CMD_SIZE;
		if (its->creadr == CMD_BUF_SIZE(its->cbaser))
			its->creadr = 0;
	}
}

/* ---- registers -------------------------------------------------------------------------------- */

static u64 sanitise(u64 reg, int share, int inner, int outer)
{
	u64 s = (reg >> share) & 3, in = (reg >> inner) & 7, out = (reg >> outer) & 7;

	s = s == 2 ? 1 : s;       /* OuterShareable -> InnerShareable */
	in = in <= 1 ? 7 : in;    /* nCnB, nC -> RaWb */
	out = out > 1 ? 0 : out;  /* only SameAsInner or nC */
	reg &= ~(3ULL << share | 7ULL << inner | 7ULL << outer);
	return reg | s << share | in << inner | out << outer;
}

/* update_64bit_reg(): a whole register or one half of it (off & 4). */
static u64 update64(u64 reg, u64 off, unsigned int len, u64 val)
{
	unsigned int shift = len == 8 ? 0 : (off & 4) * 8;
	u64 mask = len == 8 ? ~0ULL : GENMASK_ULL(31, 0) << shift;

	return (reg & ~mask) | ((val << shift) & mask);
}

static u64 read64(u64 reg, u64 off, unsigned int len) { return len == 8 ? reg : (u32)(reg >> ((off & 4) * 8)); }

/* vgic_mmio_read_its_idregs(): PIDR4 (64 KiB frames), PIDR0-2 (part 0x492, a GICv3), CIDR0-3 */
static u32 keel_its_idreg(u64 off)
{
	switch (off) {
	case 0xffd0: return 0x40;
	case 0xffe0: return 0x92;
	case 0xffe4: return 0xb4;
	case GITS_PIDR2: return 0x3b;
	case 0xfff0: return 0x0d;
	case 0xfff4: return 0xf0;
	case 0xfff8: return 0x05;
	case 0xfffc: return 0xb1;
	}
	return 0;
}

static u64 keel_its_typer(void)
{
	/* Physical LPIs, 8-byte ITEs, 16 event id bits and 16 device id bits; PTA 0 (vCPU numbers) */
	return 1 | (KEEL_ITS_ESZ - 1) << 4 | (KEEL_ITS_IDBITS - 1) << 8 | (KEEL_ITS_DEVBITS - 1) << 13;
}

static void keel_its_write_baser(struct keel_its *its, u64 off, unsigned int len, u64 val)
{
	bool dev = ((off - GITS_BASER) / 8) == 0;
	u64 *reg = dev ? &its->baser_dev : &its->baser_coll;

	if (its->enabled || (off - GITS_BASER) / 8 > 1)
		return;
	val = update64(*reg, off, len, val) & ~BASER_RO & ~(dev ? 0 : BASER_INDIRECT);
	val |= (u64)(KEEL_ITS_ESZ - 1) << 48 | (dev ? BASER_TYPE_DEVICE : BASER_TYPE_COLL) << 56;
	*reg = (sanitise(val, 10, 59, 53) & ~(3ULL << 8)) | BASER_PAGE_64K;
	if (!(*reg & BASER_VALID)) {
		if (dev)
			keel_its_free_devs(its);
		else
			keel_its_free_colls(its);
	}
}

static void keel_its_write_ctlr(struct keel_its *its, u64 val)
{
	unsigned long flags;
	bool on = val & GITS_CTLR_ENABLE;

	/* Enabling with an invalid table or command queue is UNPREDICTABLE: ignored, as KVM */
	if (!its->enabled && on &&
	    (!(its->baser_dev & BASER_VALID) || !(its->baser_coll & BASER_VALID) || !(its->cbaser & BASER_VALID)))
		return;
	spin_lock_irqsave(&its->tlock, flags);
	its->enabled = on;
	spin_unlock_irqrestore(&its->tlock, flags);
	keel_its_process(its);
}

/* One register access at off (the guest's, or the VMM's with uaccess): 0, or -errno for the VMM. */
int keel_its_reg(struct keel_its *its, u64 off, unsigned int len, bool write, u64 *val, bool uaccess)
{
	u64 cw;

	if (!write)
		*val = 0;
	if (off >= GITS_BASER && off < GITS_BASER + 0x40) {
		if (write)
			keel_its_write_baser(its, off & ~7ULL, len, *val);
		else if ((off - GITS_BASER) / 8 <= 1)
			*val = read64((off - GITS_BASER) / 8 ? its->baser_coll : its->baser_dev, off, len);
		return 0;
	}
	if (off >= GITS_IDREGS && off < GITS_IDREGS + 0x30) {
		if (!write)
			*val = keel_its_idreg(off);
		return 0;
	}
	switch (off & ~7ULL) {
	case GITS_CTLR:
		if (off == GITS_CTLR) {
			if (write)
				keel_its_write_ctlr(its, *val);
			else
				*val = (its->enabled ? GITS_CTLR_ENABLE : 0) |
				       (its->creadr == its->cwriter ? GITS_CTLR_QUIESCENT : 0);
		} else if (write) { /* GITS_IIDR: the VMM picks the table ABI; only revision 0 exists */
			if (uaccess && ((*val >> 12) & 0xf))
				return -EINVAL;
		} else {
			*val = IIDR_KVM;
		}
		return 0;
	case GITS_TYPER:
		if (!write)
			*val = read64(keel_its_typer(), off, len);
		return 0;
	case GITS_CBASER:
		if (write && !its->enabled) {
			its->cbaser = sanitise(update64(its->cbaser, off, len, *val), 10, 59, 53) & ~GENMASK_ULL(15, 12);
			its->creadr = its->cwriter = 0;
		} else if (!write) {
			*val = read64(its->cbaser, off, len);
		}
		return 0;
	case GITS_CWRITER:
		if (!write) {
			*val = read64(its->cwriter, off, len);
			return 0;
		}
		cw = CMD_OFFSET(update64(its->cwriter, off, len, *val));
		if (cw < CMD_BUF_SIZE(its->cbaser)) {
			its->cwriter = cw;
			keel_its_process(its);
		}
		return 0;
	case GITS_CREADR:
		if (!write) {
			*val = read64(its->creadr, off, len);
		} else if (uaccess) { /* vgic_mmio_uaccess_write_its_creadr() */
			if (its->enabled)
				return -EBUSY;
			if (CMD_OFFSET(*val) >= CMD_BUF_SIZE(its->cbaser))
				return -EINVAL;
			its->creadr = CMD_OFFSET(*val);
		}
		return 0;
	}
	return -ENXIO; /* no register: the guest reads 0, its write is ignored */
}

/* A region's access sizes (KVM's access_flags): 32-bit registers 4 bytes, 64-bit ones 4 or 8. */
static bool keel_its_len_ok(u64 off, unsigned int len)
{
	bool wide = off >= GITS_TYPER && off < GITS_IDREGS;

	return len == 4 ? IS_ALIGNED(off, 4) : len == 8 && wide && IS_ALIGNED(off, 8);
}

/*
 * A guest access in the ITS's frames (an MMIO exit, before the ioeventfds
 * and the VMM): done here, true. A bad size or no register: reads 0, a
 * write is ignored (KVM's dispatch_mmio_*()), the translation frame too.
 */
bool keel_its_mmio(struct keel_vm *vm, u64 addr, unsigned int len, bool write, u64 *val)
{
	struct keel_its *its = READ_ONCE(vm->arch.its);
	u64 off, v = write ? *val : 0;

	if (!its || READ_ONCE(its->base) == KEEL_VGIC_ADDR_UNDEF || addr - READ_ONCE(its->base) >= KEEL_ITS_SIZE)
		return false;
	off = addr - its->base;
	mutex_lock(&its->lock);
	if (off < SZ_64K && keel_its_len_ok(off, len))
		keel_its_reg(its, off, len, write, &v, false);
	else
		v = 0;
	mutex_unlock(&its->lock);
	if (!write)
		*val = v;
	return true;
}

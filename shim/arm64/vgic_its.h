/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ITS (KVM_DEV_TYPE_ARM_VGIC_ITS) in the shim: vgic_its.c (the device,
 * its registers, commands and MSI translation) and vgic_its_tables.c (save
 * and restore in KVM's table ABI, revision 0). LPIs are keel's once
 * pending (KEEL_IRQCHIP_LPI); the ITS's tables and each LPI's
 * configuration are kept here, as KVM's vgic-its.c keeps them.
 *
 * Locks: its->lock (a mutex: commands, attributes, save and restore; guest
 * memory is read and written only under it) and its->tlock (a spinlock
 * taken inside it by every change to the lists and LPIs, and alone by the
 * MSI translation, which an irqfd runs in atomic context).
 */
#ifndef KEEL_SHIM_VGIC_ITS_H
#define KEEL_SHIM_VGIC_ITS_H

#include <linux/list.h>
#include <linux/bits.h>
#include <linux/sizes.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>

#include "shim.h"

#define GITS_CTLR 0x0
#define GITS_IIDR 0x4
#define GITS_TYPER 0x8
#define GITS_CBASER 0x80
#define GITS_CWRITER 0x88
#define GITS_CREADR 0x90
#define GITS_BASER 0x100
#define GITS_IDREGS 0xffd0
#define GITS_PIDR2 0xffe8
#define GITS_CTLR_ENABLE 1U
#define GITS_CTLR_QUIESCENT (1U << 31)
#define BASER_VALID (1ULL << 63)
#define BASER_INDIRECT (1ULL << 62)
#define BASER_TYPE_DEVICE 1ULL
#define BASER_TYPE_COLL 4ULL
#define BASER_RO (GENMASK_ULL(52, 48) | GENMASK_ULL(58, 56))
#define BASER_PAGE_64K (2ULL << 8)
#define CMD_SIZE 32
#define CMD_BUF_SIZE(cbaser) ((((cbaser) & 0xff) + 1) << 12)
#define CMD_OFFSET(reg) ((reg) & GENMASK_ULL(19, 5))
#define IIDR_KVM ((0x4bU << 24) | 0x43bU) /* PRODUCT_ID_KVM, IMPLEMENTER_ARM, revision 0 */
#define LPI_PRIO(prop) ((prop) & 0xfc)

/* GITS_BASER's table address (bits 47:16, and 51:48 from 15:12 with 64 KiB pages) and size. */
static inline u64 keel_its_baser_addr(u64 baser) { return (baser & GENMASK_ULL(47, 16)) | ((baser >> 12) & 0xf) << 48; }
static inline u64 keel_its_baser_size(u64 baser) { return ((baser & 0xff) + 1) * SZ_64K; }

#define KEEL_ITS_NO_TARGET (~0U)
#define KEEL_ITS_ESZ 8          /* every table entry of ABI revision 0 */
#define KEEL_ITS_DEVBITS 16     /* VITS_TYPER_DEVBITS */
#define KEEL_ITS_IDBITS 16      /* VITS_TYPER_IDBITS */
#define KEEL_ITS_SIZE 0x20000ULL /* KVM_VGIC_V3_ITS_SIZE: control and translation frames */

/* An LPI some ITE names (KVM's struct vgic_irq of an LPI). */
struct keel_its_lpi {
	u32 intid;
	u32 refs;              /* ITEs naming it */
	u8 prop;               /* its byte of the property table: priority, bit 0 enable */
	bool held;             /* pending, but kept here: disabled, or keel could not take it */
	u32 target;            /* vCPU index, or KEEL_ITS_NO_TARGET */
};

struct keel_its_coll {
	struct list_head node;
	u16 id;
	u32 target;            /* vCPU index, or KEEL_ITS_NO_TARGET (MAPC V=0 on restore) */
};

struct keel_its_ite {
	struct list_head node;
	u32 event;
	struct keel_its_coll *coll; /* NULL once its collection was unmapped */
	struct keel_its_lpi *lpi;
};

struct keel_its_dev {
	struct list_head node;
	u32 id;
	u8 nbits;              /* event id bits */
	u64 itt;
	struct list_head ites;
};

struct keel_its {
	struct keel_vm *vm;
	struct mutex lock;
	spinlock_t tlock;
	u64 base;              /* KEEL_VGIC_ADDR_UNDEF until set */
	bool enabled;
	bool retry;            /* an LPI waits for a free slot in keel (keel_its_retry()) */
	u64 cbaser, creadr, cwriter, baser_dev, baser_coll;
	struct list_head devs, colls;
	struct xarray lpis;    /* INTID -> struct keel_its_lpi */
};

static inline bool keel_its_coll_mapped(const struct keel_its_coll *c)
{
	return c && c->target != KEEL_ITS_NO_TARGET;
}

/* vgic_its.c: LPIs, the tables' lists, guest memory, MSIs */
struct keel_its_dev *keel_its_find_dev(struct keel_its *its, u32 id);
struct keel_its_coll *keel_its_find_coll(struct keel_its *its, u32 id);
struct keel_its_coll *keel_its_add_coll(struct keel_its *its, u16 id, u32 target);
struct keel_its_dev *keel_its_add_dev(struct keel_its *its, u32 id, u64 itt, u8 nbits);
int keel_its_add_ite(struct keel_its *its, struct keel_its_dev *dev, u32 event, struct keel_its_coll *coll,
		     u32 intid);
void keel_its_free_devs(struct keel_its *its);
void keel_its_free_colls(struct keel_its *its);
bool keel_its_id_ok(struct keel_its *its, u64 baser, u32 id, u64 *eaddr);
int keel_its_read(struct keel_its *its, u64 gpa, void *buf, size_t len);
int keel_its_write(struct keel_its *its, u64 gpa, const void *buf, size_t len);
long keel_its_lpi_op(struct keel_vm *vm, u32 vcpu, u32 intid, u64 action, u8 prio, struct keel_res *res);
bool keel_its_visible(struct keel_its *its, u64 gpa);
void keel_its_retarget(struct keel_its *its, struct keel_its_lpi *lpi, u32 target);
int keel_its_lpi_config(struct keel_its *its, struct keel_its_lpi *lpi, u64 propbaser);
int keel_its_rd_state(struct keel_its *its, u32 vcpu, u64 *propbaser, u64 *pendbaser, bool *enabled);
struct keel_its_ite *keel_its_find_ite(struct keel_its *its, u32 devid, u32 event);
void keel_its_free_coll(struct keel_its *its, struct keel_its_coll *c);
void keel_its_free_ite(struct keel_its *its, struct keel_its_ite *ite);
void keel_its_free_dev(struct keel_its *its, struct keel_its_dev *dev);
int keel_its_trigger(struct keel_its *its, u32 devid, u32 event);

/* vgic_its_cmd.c: one register access (the guest's, or the VMM's with uaccess), commands run */
int keel_its_reg(struct keel_its *its, u64 off, unsigned int len, bool write, u64 *val, bool uaccess);

/* vgic_its_tables.c */
int keel_its_save_tables(struct keel_its *its);
int keel_its_restore_tables(struct keel_its *its);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest memory inside the shim: the slots (memslot.c) and what keel maps of
 * them, kept in step with the VMM's mm (mmu.c).
 *
 * Locks, as KVM's: lock (slots_lock, a mutex) serialises the slots' writers,
 * the fault path and the dirty logs; mmu_lock (a spinlock, KVM's mmu_lock)
 * guards what keel maps (each slot's mapped, the count), the list for the
 * MMU notifier (which must not sleep on a mutex the fault path holds while
 * it faults pages in) and the invalidation sequence. Under mmu_lock nothing
 * allocates memory that could enter reclaim, which calls the notifier.
 */
#ifndef KEEL_SHIM_MEMSLOT_H
#define KEEL_SHIM_MEMSLOT_H

#include <linux/list.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>

#include "shim.h"

struct keel_memslot {
	struct list_head node;  /* written under both locks */
	u16 id;
	u32 flags;
	u64 base_gfn;           /* written under both locks */
	unsigned long npages;
	u64 userspace_addr;
	/* page offset in the slot -> KEEL_MAPPED: exactly the pages keel maps (mmu_lock) */
	struct xarray mapped;
	unsigned long *dirty_bitmap; /* KVM_MEM_LOG_DIRTY_PAGES: one bit a page written since the last GET */
};

#define KEEL_MAPPED xa_mk_value(1)

struct keel_memslots {
	struct keel_vm *vm;
	struct mutex lock;          /* KVM's slots_lock */
	spinlock_t mmu_lock;        /* KVM's mmu_lock */
	struct list_head list;
	unsigned long mapped;       /* pages keel maps for the slots (binary stats: pages_mapped) */
	u64 unmaps;                 /* VM_UNMAP calls: each drops the VM's TLB entries on every CPU */
	u64 *map_list;              /* one page: the PAs of a KEEL_HC_VM_MAP call (lock) */
	/* The VMM's mm followed (mmu.c); as KVM's mmu_invalidate_seq/_in_progress/_range_* */
	struct mmu_notifier mn;
	unsigned long mmu_seq;
	long mmu_in_progress;
	unsigned long mmu_range_start, mmu_range_end;
};

/* Logging applies to slots the guest can write. */
static inline bool keel_slot_logs(const struct keel_memslot *slot)
{
	return slot->dirty_bitmap && !(slot->flags & KVM_MEM_READONLY);
}

/* mmu.c */
int keel_mmu_init(struct keel_memslots *ms);
void keel_slot_drop_locked(struct keel_memslots *ms, struct keel_memslot *slot, u64 first, u64 n);
void keel_slot_drop(struct keel_memslots *ms, struct keel_memslot *slot, u64 first, u64 n);
long keel_slot_fault(struct keel_memslots *ms, struct keel_memslot *slot, u64 off, bool write);

#endif

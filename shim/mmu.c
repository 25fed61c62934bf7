// SPDX-License-Identifier: GPL-2.0
/*
 * What keel maps of the VMM's memory, kept in step with the VMM's mm as
 * KVM keeps its stage 2 (virt/kvm/kvm_main.c's MMU notifier,
 * arch/arm64/kvm/mmu.c user_mem_abort()).
 *
 * A guest's stage-2 fault takes a reference on the VMM's page (GUP, no
 * pin), maps it in keel (KEEL_HC_VM_MAP) and drops the reference again:
 * nothing holds the page but the VMM's own mapping. When Linux unmaps,
 * migrates, swaps or frees a page (munmap, madvise, reclaim, compaction,
 * COW, exit), the MMU notifier's invalidate_range_start unmaps it in keel
 * first (KEEL_HC_VM_UNMAP, which also drops the guest's TLB entries), and the
 * guest's next access faults in whatever the VMM maps there then. A fault
 * racing with an invalidation is retried: as KVM, the fault path samples
 * mmu_seq before GUP and maps only if no invalidation of its range started
 * or ended since (mmu_in_progress, mmu_seq), both read under mmu_lock.
 */
#define pr_fmt(fmt) "keel-kvm: " fmt

#include <linux/kvm.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>

#include <asm/io.h>

#include "memslot.h"

/* VM_UNMAP in bounded pieces: keel runs one call with interrupts masked. */
#define KEEL_UNMAP_CHUNK (32768UL)

/*
 * Pages mapped together when the guest first touches an aligned group of
 * them none of which is mapped yet: one exit and one VM_MAP for 64 KiB
 * instead of sixteen (KVM gets the same from block mappings of huge pages,
 * which keel's page-granular stage 2 does not make).
 */
#define KEEL_FAULT_AROUND 16

/* Unmap [gfn, gfn + npages) in keel (mapped or not). */
static void keel_unmap(struct keel_memslots *ms, u64 gfn, u64 npages)
{
	u64 done, n;
	long ret;

	for (done = 0; done < npages; done += n) {
		n = min_t(u64, npages - done, KEEL_UNMAP_CHUNK);
		ret = keel_hvc5(KEEL_HC_VM_UNMAP, ms->vm->handle, (gfn + done) << PAGE_SHIFT, n, 0, 0, NULL);
		WRITE_ONCE(ms->unmaps, ms->unmaps + 1);
		/* Only a shim bug (bad range, stale handle) makes keel refuse. */
		if (WARN_ON_ONCE(ret))
			return;
	}
}

/*
 * keel stops mapping the pages of slot offsets [first, first + n): one
 * VM_UNMAP for each run of mapped pages. mmu_lock held.
 */
void keel_slot_drop_locked(struct keel_memslots *ms, struct keel_memslot *slot, u64 first, u64 n)
{
	unsigned long idx, run = 0, run_len = 0, dropped = 0;
	void *entry;

	if (!n)
		return;
	xa_for_each_range(&slot->mapped, idx, entry, first, first + n - 1) {
		xa_erase(&slot->mapped, idx);
		dropped++;
		if (run_len && idx == run + run_len) {
			run_len++;
			continue;
		}
		if (run_len)
			keel_unmap(ms, slot->base_gfn + run, run_len);
		run = idx;
		run_len = 1;
	}
	if (run_len)
		keel_unmap(ms, slot->base_gfn + run, run_len);
	WRITE_ONCE(ms->mapped, ms->mapped - dropped);
}

void keel_slot_drop(struct keel_memslots *ms, struct keel_memslot *slot, u64 first, u64 n)
{
	spin_lock(&ms->mmu_lock);
	keel_slot_drop_locked(ms, slot, first, n);
	spin_unlock(&ms->mmu_lock);
}

/* Every slot's pages in the VMM's [start, end). mmu_lock held. */
static void keel_drop_hva_locked(struct keel_memslots *ms, unsigned long start, unsigned long end)
{
	struct keel_memslot *slot;
	u64 s, e;

	list_for_each_entry(slot, &ms->list, node) {
		s = max_t(u64, start, slot->userspace_addr);
		e = min_t(u64, end, slot->userspace_addr + (slot->npages << PAGE_SHIFT));
		if (s >= e)
			continue;
		s = (s - slot->userspace_addr) >> PAGE_SHIFT;
		e = DIV_ROUND_UP(e - slot->userspace_addr, PAGE_SIZE);
		keel_slot_drop_locked(ms, slot, s, e - s);
	}
}

static int keel_mn_invalidate_range_start(struct mmu_notifier *mn, const struct mmu_notifier_range *range)
{
	struct keel_memslots *ms = container_of(mn, struct keel_memslots, mn);

	/* Never sleeps: fine for the OOM reaper's non-blockable ranges too. */
	spin_lock(&ms->mmu_lock);
	if (!ms->mmu_in_progress++) {
		ms->mmu_range_start = range->start;
		ms->mmu_range_end = range->end;
	} else {
		/* Overlapping invalidations: one range covering them all, as KVM. */
		ms->mmu_range_start = min(ms->mmu_range_start, range->start);
		ms->mmu_range_end = max(ms->mmu_range_end, range->end);
	}
	keel_drop_hva_locked(ms, range->start, range->end);
	spin_unlock(&ms->mmu_lock);
	return 0;
}

static void keel_mn_invalidate_range_end(struct mmu_notifier *mn, const struct mmu_notifier_range *range)
{
	struct keel_memslots *ms = container_of(mn, struct keel_memslots, mn);

	spin_lock(&ms->mmu_lock);
	ms->mmu_seq++;
	ms->mmu_in_progress--;
	WARN_ON_ONCE(ms->mmu_in_progress < 0);
	spin_unlock(&ms->mmu_lock);
}

/* The mm goes (the VMM's exit) or the VM unregisters: keel maps none of it any more. */
static void keel_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct keel_memslots *ms = container_of(mn, struct keel_memslots, mn);

	spin_lock(&ms->mmu_lock);
	keel_drop_hva_locked(ms, 0, ULONG_MAX);
	spin_unlock(&ms->mmu_lock);
}

static const struct mmu_notifier_ops keel_mn_ops = {
	.release = keel_mn_release,
	.invalidate_range_start = keel_mn_invalidate_range_start,
	.invalidate_range_end = keel_mn_invalidate_range_end,
};

/* Follow the calling process's mm (kvm_init_mmu_notifier()). */
int keel_mmu_init(struct keel_memslots *ms)
{
	ms->mn.ops = &keel_mn_ops;
	return mmu_notifier_register(&ms->mn, current->mm);
}

/*
 * Before keel destroys the VM: stop following the mm. If it still lives,
 * the release above runs now and keel unmaps every page (the mm's exit ran it
 * already otherwise), so no page of the VMM is ever left mapped in keel.
 */
void keel_vm_mmu_release(struct keel_vm *vm)
{
	struct keel_memslots *ms = vm->memslots;

	if (ms && ms->mn.mm)
		mmu_notifier_unregister(&ms->mn, ms->mn.mm);
}

/* mmu_invalidate_retry_hva() for [start, end): mmu_lock held. */
static bool keel_mmu_retry(struct keel_memslots *ms, unsigned long seq, unsigned long start, unsigned long end)
{
	if (ms->mmu_in_progress && start < ms->mmu_range_end && ms->mmu_range_start < end)
		return true;
	return ms->mmu_seq != seq;
}

/*
 * Map pages[0..n) (referenced by GUP after seq was read) at slot offsets
 * first on, unless an invalidation of them got in between: 1 mapped,
 * -EAGAIN try again (also after a top-up of keel's tables), -errno. The
 * references are dropped in any case.
 */
static long keel_slot_map(struct keel_memslots *ms, struct keel_memslot *slot, u64 first, struct page **pages,
			  long n, bool ro, unsigned long seq)
{
	unsigned long hva = slot->userspace_addr + (first << PAGE_SHIFT);
	struct keel_res res = {};
	long i, ret = 0;

	/* The xarray's nodes now: nothing may allocate under mmu_lock. */
	for (i = 0; i < n && !ret; i++)
		ret = xa_reserve(&slot->mapped, first + i, GFP_KERNEL_ACCOUNT);
	if (ret)
		goto out;
	for (i = 0; i < n; i++)
		ms->map_list[i] = page_to_phys(pages[i]);
	spin_lock(&ms->mmu_lock);
	if (keel_mmu_retry(ms, seq, hva, hva + (n << PAGE_SHIFT))) {
		ret = -EAGAIN;
	} else {
		ret = keel_hvc5(KEEL_HC_VM_MAP, ms->vm->handle, (slot->base_gfn + first) << PAGE_SHIFT,
				virt_to_phys(ms->map_list), n, ro ? KEEL_MAP_READONLY : 0, &res);
	}
	if (!ret) {
		for (i = 0; i < n; i++) {
			xa_store(&slot->mapped, first + i, KEEL_MAPPED, GFP_NOWAIT);
			/* As KVM's kvm_set_pfn_dirty(): a writable mapping may be written behind the mm's back. */
			if (!ro)
				SetPageDirty(pages[i]);
		}
		WRITE_ONCE(ms->mapped, ms->mapped + n);
		ret = 1;
	}
	spin_unlock(&ms->mmu_lock);
out:
	for (i = 0; i < n; i++) {
		xa_release(&slot->mapped, first + i);
		put_page(pages[i]);
	}
	if (ret == -ENOMEM && res.r[0]) {
		/* keel's tables for the mapping: donate (this may sleep and reclaim), then try again. */
		ret = keel_vm_topup(ms->vm, res.r[0]);
		return ret ? ret : -EAGAIN;
	}
	if (ret < 0 && ret != -EAGAIN && ret != -ENOMEM) {
		WARN_ON_ONCE(1); /* the shim keeps slots inside the IPA space and maps RAM only, once */
		ret = -EFAULT;
	}
	return ret;
}

/*
 * The untouched, aligned group around slot offset off, clamped to the slot:
 * its first offset and length, or length 1 (off alone) if any of it is
 * mapped. mmu_lock held.
 */
static u64 keel_fault_group(struct keel_memslot *slot, u64 off, u64 *first)
{
	u64 gfn = slot->base_gfn + off, group = ALIGN_DOWN(gfn, KEEL_FAULT_AROUND);
	u64 end = min(group + KEEL_FAULT_AROUND, slot->base_gfn + slot->npages) - slot->base_gfn;
	unsigned long idx;

	*first = max(group, slot->base_gfn) - slot->base_gfn;
	idx = *first;
	if (end - *first < 2 || xa_find(&slot->mapped, &idx, end - 1, XA_PRESENT)) {
		*first = off;
		return 1;
	}
	return end - *first;
}

/*
 * A vCPU's stage-2 fault at slot offset off (user_mem_abort()); lock held.
 * Maps the page (with its untouched group unless the slot logs writes),
 * writable unless the slot is read-only or logs and this is a read. A
 * write to a page mapped read-only (logging, now or before) maps it again
 * writable. 1 mapped, -EAGAIN try again, -EFAULT the VMM's memory behind
 * the slot is not there (or not writable for a write), -ENOMEM.
 */
long keel_slot_fault(struct keel_memslots *ms, struct keel_memslot *slot, u64 off, bool write)
{
	bool ro = (slot->flags & KVM_MEM_READONLY) || (keel_slot_logs(slot) && !write);
	unsigned int gup = slot->flags & KVM_MEM_READONLY ? 0 : FOLL_WRITE;
	struct page *pages[KEEL_FAULT_AROUND];
	unsigned long seq;
	bool mapped;
	u64 first = off, n = 1;
	long got;

	spin_lock(&ms->mmu_lock);
	mapped = xa_load(&slot->mapped, off);
	if (mapped && write)
		keel_slot_drop_locked(ms, slot, off, 1);
	else if (!mapped && !keel_slot_logs(slot))
		n = keel_fault_group(slot, off, &first);
	spin_unlock(&ms->mmu_lock);
	if (mapped && !write)
		return 1; /* another vCPU mapped it meanwhile */

	seq = READ_ONCE(ms->mmu_seq);
	smp_rmb(); /* as KVM: the sequence before the pages (it is written before the range is released) */
	got = get_user_pages_fast(slot->userspace_addr + (first << PAGE_SHIFT), n, gup, pages);
	if (got > 0 && got <= off - first) {
		/* The group could not be had as far as off: off alone. */
		release_pages(pages, got);
		got = 0;
	}
	if (got <= 0 && n > 1) {
		first = off;
		got = get_user_pages_fast(slot->userspace_addr + (off << PAGE_SHIFT), 1, gup, pages);
	}
	if (got <= 0)
		return -EFAULT;
	return keel_slot_map(ms, slot, first, pages, got, ro, seq);
}

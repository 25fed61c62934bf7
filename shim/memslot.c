// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory: KVM_SET_USER_MEMORY_REGION over keel's KEEL_HC_VM_MAP /
 * KEEL_HC_VM_UNMAP. The checks and errnos are Linux 6.1's
 * (virt/kvm/kvm_main.c __kvm_set_memory_region, check_memory_region_flags;
 * arch/arm64/kvm/mmu.c kvm_arch_prepare_memory_region).
 *
 * keel maps host pages by physical address, and nothing tells keel when
 * Linux moves or frees one, so a slot's pages are pinned for as long as the
 * slot exists (FOLL_LONGTERM: migrated out of movable zones first) and keel
 * maps all of them when the slot is created: KVM instead faults pages in
 * lazily and follows the VMM's mm through MMU notifiers. Hence the
 * differences userspace can see:
 *  - KVM_CAP_SYNC_MMU reads 0: a later mmap()/madvise() over the slot's
 *    range does not reach the guest, which keeps the pages it had;
 *  - the slot's whole range must be mapped (and writable unless
 *    KVM_MEM_READONLY) when the slot is created: -EFAULT otherwise, where
 *    KVM would fail the guest's access later;
 *  - KVM_MEM_LOG_DIRTY_PAGES is refused with -EINVAL: there is no
 *    KVM_GET_DIRTY_LOG (keel would have to write-protect and track pages).
 * Unpinned (and marked dirty) when the slot is deleted and when the VM goes.
 */
#define pr_fmt(fmt) "keel-kvm: " fmt

#include <linux/kvm.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "shim.h"

/* As Linux 6.1 on arm64: KVM_MEM_SLOTS_NUM (SHRT_MAX), no internal slots, one address space. */
#define KEEL_USER_MEM_SLOTS SHRT_MAX
#define KEEL_ADDRESS_SPACE_NUM 1
#define KEEL_MEM_MAX_NR_PAGES ((1UL << 31) - 1)
/* VM_UNMAP in bounded pieces: keel runs one call with interrupts masked. */
#define KEEL_UNMAP_CHUNK (32768UL)

struct keel_memslot {
	struct list_head node;
	u16 id;
	u32 flags;
	u64 base_gfn;
	unsigned long npages;
	u64 userspace_addr;
	struct page **pages; /* pinned, npages of them */
};

struct keel_memslots {
	struct mutex lock;          /* KVM's slots_lock */
	struct list_head list;
	u64 *map_list;              /* one page: the PAs of a KEEL_HC_VM_MAP batch */
};

static long keel_hvc5(enum keel_hc fn, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5, struct keel_res *out)
{
	struct arm_smccc_res res;
	long ret;

	arm_smccc_1_1_hvc(KEEL_HC(fn), a1, a2, a3, a4, a5, 0UL, &res);
	ret = (long)res.a0;
	if (ret == SMCCC_RET_NOT_SUPPORTED)
		return -ENOSYS;
	if (out) {
		out->r[0] = res.a1;
		out->r[1] = res.a2;
		out->r[2] = res.a3;
	}
	return ret;
}

int keel_vm_memslots_init(struct keel_vm *vm)
{
	struct keel_memslots *ms = kzalloc(sizeof(*ms), GFP_KERNEL_ACCOUNT);

	if (!ms)
		return -ENOMEM;
	ms->map_list = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!ms->map_list) {
		kfree(ms);
		return -ENOMEM;
	}
	mutex_init(&ms->lock);
	INIT_LIST_HEAD(&ms->list);
	vm->memslots = ms;
	return 0;
}

static void keel_memslot_unpin(struct keel_memslot *slot)
{
	unpin_user_pages_dirty_lock(slot->pages, slot->npages, !(slot->flags & KVM_MEM_READONLY));
	kvfree(slot->pages);
	kfree(slot);
}

/*
 * The VM is gone. keel_released: keel destroyed it, so it unmapped every
 * page; otherwise keel may still map them and the pins must stay (leaked
 * rather than handed back to Linux under a guest's feet).
 */
void keel_vm_memslots_free(struct keel_vm *vm, bool keel_released)
{
	struct keel_memslots *ms = vm->memslots;
	struct keel_memslot *slot, *tmp;

	if (!ms)
		return;
	list_for_each_entry_safe(slot, tmp, &ms->list, node) {
		list_del(&slot->node);
		if (keel_released) {
			keel_memslot_unpin(slot);
		} else {
			pr_err("VM 0x%llx: %lu pages of slot %u stay pinned\n", vm->handle, slot->npages,
			       slot->id);
			kfree(slot);
		}
	}
	free_page((unsigned long)ms->map_list);
	kfree(ms);
	vm->memslots = NULL;
}

/* Unmap [gfn, gfn + npages) in keel; returns the pages keel had mapped there. */
static unsigned long keel_unmap(struct keel_vm *vm, u64 gfn, unsigned long npages)
{
	unsigned long done = 0, n, total = 0;
	struct keel_res res;
	long ret;

	for (; done < npages; done += n) {
		n = min(npages - done, KEEL_UNMAP_CHUNK);
		ret = keel_hvc5(KEEL_HC_VM_UNMAP, vm->handle, (gfn + done) << PAGE_SHIFT, n, 0, 0, &res);
		/* Only a shim bug (bad range, stale handle) makes keel refuse. */
		if (WARN_ON(ret))
			return total;
		total += res.r[0];
		cond_resched();
	}
	return total;
}

/*
 * Map the slot's pinned pages at base_gfn in keel, KEEL_MAP_LIST_MAX at a
 * time through the list page; all or nothing.
 */
static long keel_map_slot(struct keel_vm *vm, struct keel_memslot *slot, u64 base_gfn)
{
	u64 flags = slot->flags & KVM_MEM_READONLY ? KEEL_MAP_READONLY : 0;
	u64 *list = vm->memslots->map_list;
	unsigned long done, n, i;
	long ret = 0;

	for (done = 0; done < slot->npages; done += n) {
		n = min_t(unsigned long, slot->npages - done, KEEL_MAP_LIST_MAX);
		for (i = 0; i < n; i++)
			list[i] = page_to_phys(slot->pages[done + i]);
		ret = keel_hvc5(KEEL_HC_VM_MAP, vm->handle, (base_gfn + done) << PAGE_SHIFT,
				virt_to_phys(list), n, flags, NULL);
		if (ret)
			break;
		cond_resched();
	}
	if (!ret)
		return 0;
	if (done)
		keel_unmap(vm, base_gfn, done);
	/* The shim keeps slots apart and pins RAM only: keel's -EEXIST/-EFAULT would be a bug. */
	WARN_ON(ret != -ENOMEM);
	return ret == -ENOMEM ? -ENOMEM : -EFAULT;
}

static long keel_pin_slot(struct keel_memslot *slot)
{
	unsigned int gup = FOLL_LONGTERM | (slot->flags & KVM_MEM_READONLY ? 0 : FOLL_WRITE);
	unsigned long done = 0;
	long ret;

	slot->pages = kvmalloc_array(slot->npages, sizeof(*slot->pages), GFP_KERNEL_ACCOUNT);
	if (!slot->pages)
		return -ENOMEM;
	while (done < slot->npages) {
		int n = min_t(unsigned long, slot->npages - done, INT_MAX / 2);

		ret = pin_user_pages_fast(slot->userspace_addr + (done << PAGE_SHIFT), n, gup,
					  slot->pages + done);
		if (ret <= 0) {
			/* Not mapped, not writable, or not pinnable (e.g. a PFNMAP of device memory). */
			if (done)
				unpin_user_pages(slot->pages, done);
			kvfree(slot->pages);
			slot->pages = NULL;
			return ret ? ret : -EFAULT;
		}
		done += ret;
		cond_resched();
	}
	return 0;
}

static struct keel_memslot *keel_slot_by_id(struct keel_memslots *ms, u16 id)
{
	struct keel_memslot *slot;

	list_for_each_entry(slot, &ms->list, node)
		if (slot->id == id)
			return slot;
	return NULL;
}

/* kvm_check_memslot_overlap(): does [start, end) meet a slot other than id? */
static bool keel_slot_overlap(struct keel_memslots *ms, u16 id, u64 start, u64 end)
{
	struct keel_memslot *slot;

	list_for_each_entry(slot, &ms->list, node)
		if (slot->id != id && start < slot->base_gfn + slot->npages && slot->base_gfn < end)
			return true;
	return false;
}

static long keel_slot_create(struct keel_vm *vm, const struct kvm_userspace_memory_region *mem)
{
	struct keel_memslot *slot = kzalloc(sizeof(*slot), GFP_KERNEL_ACCOUNT);
	long ret;

	if (!slot)
		return -ENOMEM;
	slot->id = (u16)mem->slot;
	slot->flags = mem->flags;
	slot->base_gfn = mem->guest_phys_addr >> PAGE_SHIFT;
	slot->npages = mem->memory_size >> PAGE_SHIFT;
	slot->userspace_addr = mem->userspace_addr;
	ret = keel_pin_slot(slot);
	if (!ret) {
		ret = keel_map_slot(vm, slot, slot->base_gfn);
		if (ret) {
			unpin_user_pages(slot->pages, slot->npages);
			kvfree(slot->pages);
		}
	}
	if (ret) {
		kfree(slot);
		return ret;
	}
	list_add_tail(&slot->node, &vm->memslots->list);
	return 0;
}

static void keel_slot_delete(struct keel_vm *vm, struct keel_memslot *slot)
{
	unsigned long unmapped = keel_unmap(vm, slot->base_gfn, slot->npages);

	WARN(unmapped != slot->npages, KEEL_PR_PREFIX "slot %u: keel unmapped %lu of %lu pages\n",
	     slot->id, unmapped, slot->npages);
	list_del(&slot->node);
	keel_memslot_unpin(slot);
}

/* KVM_MR_MOVE: the same pages at another guest address. */
static long keel_slot_move(struct keel_vm *vm, struct keel_memslot *slot, u64 base_gfn)
{
	u64 old = slot->base_gfn;
	long ret;

	if (base_gfn + slot->npages <= old || old + slot->npages <= base_gfn) {
		/* Apart: map the new range first, so a failure leaves the slot as it was. */
		ret = keel_map_slot(vm, slot, base_gfn);
		if (ret)
			return ret;
		keel_unmap(vm, old, slot->npages);
		slot->base_gfn = base_gfn;
		return 0;
	}
	/* Overlapping itself: unmap, map anew; on failure try to put it back. */
	keel_unmap(vm, old, slot->npages);
	ret = keel_map_slot(vm, slot, base_gfn);
	if (!ret) {
		slot->base_gfn = base_gfn;
		return 0;
	}
	if (keel_map_slot(vm, slot, old)) {
		/* keel's pool or the VM's limit ran out in between: the slot is lost, not leaked. */
		pr_warn("VM 0x%llx: slot %u deleted, its move failed (%ld)\n", vm->handle, slot->id, ret);
		list_del(&slot->node);
		keel_memslot_unpin(slot);
	}
	return ret;
}

static long keel_set_memory_region(struct keel_vm *vm, const struct kvm_userspace_memory_region *mem)
{
	struct keel_memslots *ms = vm->memslots;
	struct keel_memslot *old;
	unsigned long npages;
	u64 base_gfn;
	int as_id, id;

	/* check_memory_region_flags(): arm64 has KVM_MEM_READONLY (__KVM_HAVE_READONLY_MEM). */
	if (mem->flags & ~(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY))
		return -EINVAL;
	/* Valid in KVM, refused here: no dirty logging over keel (see the top of this file). */
	if (mem->flags & KVM_MEM_LOG_DIRTY_PAGES)
		return -EINVAL;

	as_id = mem->slot >> 16;
	id = (u16)mem->slot;
	if ((mem->memory_size & (PAGE_SIZE - 1)) || mem->memory_size != (unsigned long)mem->memory_size)
		return -EINVAL;
	if (mem->guest_phys_addr & (PAGE_SIZE - 1))
		return -EINVAL;
	if ((mem->userspace_addr & (PAGE_SIZE - 1)) ||
	    mem->userspace_addr != untagged_addr(mem->userspace_addr) ||
	    !access_ok((void __user *)(unsigned long)mem->userspace_addr, mem->memory_size))
		return -EINVAL;
	if (as_id >= KEEL_ADDRESS_SPACE_NUM || id >= KEEL_USER_MEM_SLOTS)
		return -EINVAL;
	if (mem->guest_phys_addr + mem->memory_size < mem->guest_phys_addr)
		return -EINVAL;
	if ((mem->memory_size >> PAGE_SHIFT) > KEEL_MEM_MAX_NR_PAGES)
		return -EINVAL;

	old = keel_slot_by_id(ms, id);
	if (!mem->memory_size) {
		if (!old)
			return -EINVAL;
		keel_slot_delete(vm, old);
		return 0;
	}

	base_gfn = mem->guest_phys_addr >> PAGE_SHIFT;
	npages = mem->memory_size >> PAGE_SHIFT;
	if (old) {
		/* Modify: only the guest address may change (flags could, in dirty logging only). */
		if (mem->userspace_addr != old->userspace_addr || npages != old->npages ||
		    ((mem->flags ^ old->flags) & KVM_MEM_READONLY))
			return -EINVAL;
		if (base_gfn == old->base_gfn)
			return 0; /* nothing to change (a flags-only change needs LOG_DIRTY_PAGES) */
	}
	if (keel_slot_overlap(ms, id, base_gfn, base_gfn + npages))
		return -EEXIST;
	/* kvm_arch_prepare_memory_region(): beyond the VM's IPA space is -EFAULT. */
	if (base_gfn + npages > (1ULL << (vm->ipa_bits - PAGE_SHIFT)))
		return -EFAULT;
	return old ? keel_slot_move(vm, old, base_gfn) : keel_slot_create(vm, mem);
}

/* KVM_SET_USER_MEMORY_REGION: kvm_vm_ioctl_set_memory_region() under kvm->slots_lock. */
long keel_vm_set_memory_region(struct keel_vm *vm, const struct kvm_userspace_memory_region *mem)
{
	long ret;

	if ((u16)mem->slot >= KEEL_USER_MEM_SLOTS)
		return -EINVAL;
	mutex_lock(&vm->memslots->lock);
	ret = keel_set_memory_region(vm, mem);
	mutex_unlock(&vm->memslots->lock);
	return ret;
}

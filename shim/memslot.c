// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory: KVM_SET_USER_MEMORY_REGION over keel's KEEL_HC_VM_MAP /
 * KEEL_HC_VM_UNMAP. The checks and errnos are Linux 6.1's
 * (virt/kvm/kvm_main.c __kvm_set_memory_region, check_memory_region_flags;
 * arch/arm64/kvm/mmu.c kvm_arch_prepare_memory_region).
 *
 * As KVM, pages are faulted in lazily (keel_vm_fault_in, from KVM_RUN on a
 * stage-2 fault) and nothing pins them: keel follows the VMM's mm through an
 * MMU notifier (mmu.c), so munmap(), madvise(MADV_DONTNEED), swap and
 * migration reach the guest as on KVM and KVM_CAP_SYNC_MMU reads 1.
 *
 * Dirty logging (KVM_MEM_LOG_DIRTY_PAGES, KVM_GET_DIRTY_LOG) needs nothing
 * new from keel: in a logging slot a read fault maps the page read-only and
 * a write fault (the permission fault on it) maps it writable and sets its
 * bit; KVM_GET_DIRTY_LOG hands the bits out and unmaps those pages again,
 * so their next write is seen. A write fault on a mapped page always maps
 * it again writable, which also upgrades read-only mappings left from
 * logging that was switched off.
 */
#define pr_fmt(fmt) "keel-kvm: " fmt

#include <linux/kvm.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "memslot.h"

/* As Linux 6.1: the arch's KVM_USER_MEM_SLOTS (shim_arch.h), one address space. */
#define KEEL_USER_MEM_SLOTS KEEL_ARCH_USER_MEM_SLOTS
#define KEEL_ADDRESS_SPACE_NUM 1
#define KEEL_MEM_MAX_NR_PAGES ((1UL << 31) - 1)
/* kvm_dirty_bitmap_bytes() */
static unsigned long keel_dirty_bytes(const struct keel_memslot *slot)
{
	return ALIGN(slot->npages, BITS_PER_LONG) / 8;
}

/*
 * A new log: empty with every page write-protected (unmapped) so that each
 * first write is seen, or, with KVM_DIRTY_LOG_INITIALLY_SET, all set with
 * the mappings left as they are until userspace clears bits (KVM's
 * kvm_dirty_log_manual_protect_and_init_set()).
 */
static unsigned long *keel_new_dirty_bitmap(struct keel_vm *vm, unsigned long npages)
{
	unsigned long *b = kvzalloc(ALIGN(npages, BITS_PER_LONG) / 8, GFP_KERNEL_ACCOUNT);

	if (b && (READ_ONCE(vm->manual_dirty_log_protect) & KVM_DIRTY_LOG_INITIALLY_SET))
		bitmap_set(b, 0, npages);
	return b;
}

static bool keel_log_initially_set(struct keel_vm *vm)
{
	return READ_ONCE(vm->manual_dirty_log_protect) & KVM_DIRTY_LOG_INITIALLY_SET;
}

int keel_vm_memslots_init(struct keel_vm *vm)
{
	struct keel_memslots *ms = kzalloc(sizeof(*ms), GFP_KERNEL_ACCOUNT);
	int ret;

	if (!ms)
		return -ENOMEM;
	ms->map_list = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!ms->map_list) {
		kfree(ms);
		return -ENOMEM;
	}
	ms->vm = vm;
	vm->memslots_gen = 1; /* a vCPU's zeroed MMIO cache matches no generation */
	mutex_init(&ms->lock);
	spin_lock_init(&ms->mmu_lock);
	INIT_LIST_HEAD(&ms->list);
	vm->memslots = ms;
	ret = keel_mmu_init(ms);
	if (ret)
		memset(&ms->mn, 0, sizeof(ms->mn)); /* not registered: keel_vm_mmu_release() leaves it */
	return ret;
}

static void keel_memslot_free(struct keel_memslot *slot)
{
	xa_destroy(&slot->mapped);
	kvfree(slot->dirty_bitmap);
	kfree(slot);
}

/* The VM is gone (keel_vm_mmu_release() dropped every mapping before): free the slots. */
void keel_vm_memslots_free(struct keel_vm *vm)
{
	struct keel_memslots *ms = vm->memslots;
	struct keel_memslot *slot, *tmp;

	if (!ms)
		return;
	list_for_each_entry_safe(slot, tmp, &ms->list, node) {
		list_del(&slot->node);
		WARN_ON_ONCE(!xa_empty(&slot->mapped));
		keel_memslot_free(slot);
	}
	free_page((unsigned long)ms->map_list);
	kfree(ms);
	vm->memslots = NULL;
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

	if (!slot)
		return -ENOMEM;
	slot->id = (u16)mem->slot;
	slot->flags = mem->flags;
	slot->base_gfn = mem->guest_phys_addr >> PAGE_SHIFT;
	slot->npages = mem->memory_size >> PAGE_SHIFT;
	slot->userspace_addr = mem->userspace_addr;
	if (mem->flags & KVM_MEM_LOG_DIRTY_PAGES) {
		slot->dirty_bitmap = keel_new_dirty_bitmap(vm, slot->npages);
		if (!slot->dirty_bitmap) {
			kfree(slot);
			return -ENOMEM;
		}
	}
	xa_init(&slot->mapped);
	spin_lock(&vm->memslots->mmu_lock);
	list_add_tail(&slot->node, &vm->memslots->list);
	spin_unlock(&vm->memslots->mmu_lock);
	return 0;
}

/*
 * KVM_MR_FLAGS_ONLY (KVM_MEM_LOG_DIRTY_PAGES switched): a new log as
 * keel_new_dirty_bitmap() says; a log switched off leaves read-only
 * mappings, upgraded on write faults.
 */
static long keel_slot_set_flags(struct keel_vm *vm, struct keel_memslot *slot, u32 flags)
{
	if ((flags & KVM_MEM_LOG_DIRTY_PAGES) && !slot->dirty_bitmap) {
		slot->dirty_bitmap = keel_new_dirty_bitmap(vm, slot->npages);
		if (!slot->dirty_bitmap)
			return -ENOMEM;
		if (!keel_log_initially_set(vm))
			keel_slot_drop(vm->memslots, slot, 0, slot->npages);
	} else if (!(flags & KVM_MEM_LOG_DIRTY_PAGES)) {
		kvfree(slot->dirty_bitmap);
		slot->dirty_bitmap = NULL;
	}
	slot->flags = flags;
	return 0;
}

static void keel_slot_delete(struct keel_vm *vm, struct keel_memslot *slot)
{
	struct keel_memslots *ms = vm->memslots;

	spin_lock(&ms->mmu_lock);
	keel_slot_drop_locked(ms, slot, 0, slot->npages);
	list_del(&slot->node);
	spin_unlock(&ms->mmu_lock);
	keel_memslot_free(slot);
}

/* KVM_MR_MOVE: the guest leaves the old range; pages are mapped again at the new one on first touch. */
static long keel_slot_move(struct keel_vm *vm, struct keel_memslot *slot, u64 base_gfn)
{
	struct keel_memslots *ms = vm->memslots;

	spin_lock(&ms->mmu_lock);
	keel_slot_drop_locked(ms, slot, 0, slot->npages);
	slot->base_gfn = base_gfn;
	spin_unlock(&ms->mmu_lock);
	return 0;
}

static long keel_set_memory_region(struct keel_vm *vm, const struct kvm_userspace_memory_region *mem)
{
	struct keel_memslots *ms = vm->memslots;
	struct keel_memslot *old;
	unsigned long npages;
	u64 base_gfn;
	int as_id, id;
	long ret;

	/* check_memory_region_flags(): arm64 has KVM_MEM_READONLY (__KVM_HAVE_READONLY_MEM). */
	if (mem->flags & ~(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY))
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
		/* Modify: the guest address (KVM_MR_MOVE) or dirty logging (KVM_MR_FLAGS_ONLY) may change. */
		if (mem->userspace_addr != old->userspace_addr || npages != old->npages ||
		    ((mem->flags ^ old->flags) & KVM_MEM_READONLY))
			return -EINVAL;
		if (base_gfn == old->base_gfn && mem->flags == old->flags)
			return 0;
	}
	if (keel_slot_overlap(ms, id, base_gfn, base_gfn + npages))
		return -EEXIST;
	/* kvm_arch_prepare_memory_region(): beyond the VM's IPA space is -EFAULT. */
	if (base_gfn + npages > (1ULL << (vm->ipa_bits - PAGE_SHIFT)))
		return -EFAULT;
	if (!old)
		return keel_slot_create(vm, mem);
	/* The flags first: a new log's allocation is all that can fail. */
	ret = keel_slot_set_flags(vm, old, mem->flags);
	if (!ret && base_gfn != old->base_gfn)
		ret = keel_slot_move(vm, old, base_gfn);
	return ret;
}

/* KVM_SET_USER_MEMORY_REGION: kvm_vm_ioctl_set_memory_region() under kvm->slots_lock. */
long keel_vm_set_memory_region(struct keel_vm *vm, const struct kvm_userspace_memory_region *mem)
{
	long ret;

	if ((u16)mem->slot >= KEEL_USER_MEM_SLOTS)
		return -EINVAL;
	mutex_lock(&vm->memslots->lock);
	ret = keel_set_memory_region(vm, mem);
	WRITE_ONCE(vm->memslots_gen, vm->memslots_gen + 1); /* kvm_mmio_spte's generation */
	mutex_unlock(&vm->memslots->lock);
	return ret;
}

/* The slot holding gfn, or NULL; memslots->lock held. */
static struct keel_memslot *keel_slot_by_gfn(struct keel_memslots *ms, u64 gfn)
{
	struct keel_memslot *slot;

	list_for_each_entry(slot, &ms->list, node)
		if (gfn >= slot->base_gfn && gfn - slot->base_gfn < slot->npages)
			return slot;
	return NULL;
}

/*
 * A vCPU's stage-2 fault at ipa: if a slot holds it, map its page in keel
 * (mmu.c). Returns 1 when mapped (run the guest again), 0 when it is not
 * guest memory (or a write to a read-only slot: MMIO for the VMM), -EFAULT
 * when the VMM's mapping behind the slot is gone or cannot be had (KVM_RUN
 * fails with it, as KVM's), -ENOMEM when the host has no memory for keel's
 * tables for the mapping.
 */
long keel_vm_fault_in(struct keel_vm *vm, u64 ipa, bool write)
{
	struct keel_memslots *ms = vm->memslots;
	struct keel_memslot *slot;
	u64 gfn = ipa >> PAGE_SHIFT;
	long ret = 0;

	mutex_lock(&ms->lock);
	slot = keel_slot_by_gfn(ms, gfn);
	if (slot && !(write && (slot->flags & KVM_MEM_READONLY)))
		ret = keel_slot_fault(ms, slot, gfn - slot->base_gfn, write);
	if (ret == 1 && write && keel_slot_logs(slot))
		set_bit(gfn - slot->base_gfn, slot->dirty_bitmap);
	mutex_unlock(&ms->lock);
	/*
	 * An invalidation of the page ran meanwhile, or keel's tables were topped up: as KVM, the guest
	 * runs again and faults again, so that KVM_RUN's loop sees signals between the tries.
	 */
	return ret == -EAGAIN ? 1 : ret;
}

/* keel_vm_mmio_fault_in() (shim.h) when the vCPU's last answer does not hold: the look-up, remembered. */
long keel_vm_mmio_fault_in_slow(struct keel_vcpu *vcpu, u64 ipa, bool write, u64 key, u64 gen)
{
	long r = keel_vm_fault_in(vcpu->vm, ipa, write);

	if (!r) {
		vcpu->mmio_key = key;
		vcpu->mmio_gen = gen;
	}
	return r;
}

/*
 * gfn_to_hva() for the shim's own accesses to guest memory (the stolen-time
 * record): the VMM's address of gpa, or -EFAULT when no slot holds it or the
 * slot is read-only and write is asked (KVM_HVA_ERR_RO_BAD).
 */
long keel_vm_gpa_to_hva(struct keel_vm *vm, u64 gpa, bool write, unsigned long *hva)
{
	struct keel_memslots *ms = vm->memslots;
	struct keel_memslot *slot;
	long ret = -EFAULT;

	mutex_lock(&ms->lock);
	slot = keel_slot_by_gfn(ms, gpa >> PAGE_SHIFT);
	if (slot && !(write && (slot->flags & KVM_MEM_READONLY))) {
		*hva = slot->userspace_addr + (gpa - (slot->base_gfn << PAGE_SHIFT));
		ret = 0;
	}
	mutex_unlock(&ms->lock);
	return ret;
}

/* mark_page_dirty(): the shim itself wrote guest memory at gpa (the stolen-time record). */
void keel_vm_mark_dirty(struct keel_vm *vm, u64 gpa)
{
	struct keel_memslots *ms = vm->memslots;
	struct keel_memslot *slot;

	mutex_lock(&ms->lock);
	slot = keel_slot_by_gfn(ms, gpa >> PAGE_SHIFT);
	if (slot && keel_slot_logs(slot))
		set_bit((gpa >> PAGE_SHIFT) - slot->base_gfn, slot->dirty_bitmap);
	mutex_unlock(&ms->lock);
}

/* Write-protect again the pages of mask (word i of slot's bitmap): a run of them per VM_UNMAP. */
static void keel_protect_word(struct keel_vm *vm, struct keel_memslot *slot, unsigned long i, unsigned long mask)
{
	unsigned long bit, end;

	for (bit = find_first_bit(&mask, BITS_PER_LONG); bit < BITS_PER_LONG;
	     bit = find_next_bit(&mask, BITS_PER_LONG, end)) {
		end = find_next_zero_bit(&mask, BITS_PER_LONG, bit);
		keel_slot_drop(vm->memslots, slot, i * BITS_PER_LONG + bit, end - bit);
	}
}

/* The logging slot of a KVM_GET/CLEAR_DIRTY_LOG slot number; memslots->lock held. */
static long keel_log_slot(struct keel_memslots *ms, u32 slotnr, struct keel_memslot **slot)
{
	u16 id = (u16)slotnr;

	if ((slotnr >> 16) >= KEEL_ADDRESS_SPACE_NUM || id >= KEEL_USER_MEM_SLOTS)
		return -EINVAL;
	*slot = keel_slot_by_id(ms, id);
	return *slot && (*slot)->dirty_bitmap ? 0 : -ENOENT;
}

/*
 * KVM_GET_DIRTY_LOG (kvm_get_dirty_log_protect()): the slot's bits. Without
 * manual protection they are cleared and those pages unmapped again, so the
 * guest's next write to them is logged; with it (KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2)
 * they stay until KVM_CLEAR_DIRTY_LOG.
 */
long keel_vm_get_dirty_log(struct keel_vm *vm, const struct kvm_dirty_log *log)
{
	struct keel_memslots *ms = vm->memslots;
	struct keel_memslot *slot;
	unsigned long *buf = NULL, n = 0, i;
	long ret;

	mutex_lock(&ms->lock);
	ret = keel_log_slot(ms, log->slot, &slot);
	if (ret)
		goto out;
	n = keel_dirty_bytes(slot);
	buf = kvzalloc(n, GFP_KERNEL_ACCOUNT);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n / sizeof(long); i++) {
		buf[i] = slot->dirty_bitmap[i];
		if (!buf[i] || READ_ONCE(vm->manual_dirty_log_protect))
			continue;
		slot->dirty_bitmap[i] = 0;
		keel_protect_word(vm, slot, i, buf[i]);
	}
out:
	mutex_unlock(&ms->lock);
	if (!ret && copy_to_user(log->dirty_bitmap, buf, n))
		ret = -EFAULT;
	kvfree(buf);
	return ret;
}

/*
 * KVM_CLEAR_DIRTY_LOG (kvm_clear_dirty_log_protect()): clear the bits of
 * [first_page, first_page + num_pages) that userspace passes set, and
 * write-protect those pages again. first_page a multiple of 64, and
 * num_pages too unless the range ends with the slot.
 */
long keel_vm_clear_dirty_log(struct keel_vm *vm, const struct kvm_clear_dirty_log *log)
{
	struct keel_memslots *ms = vm->memslots;
	struct keel_memslot *slot;
	unsigned long *buf = NULL, n, i, w;
	long ret;

	/* (the slot number's -EINVAL comes from keel_log_slot(): both are -EINVAL in either order) */
	if (log->first_page & 63)
		return -EINVAL;
	mutex_lock(&ms->lock);
	ret = keel_log_slot(ms, log->slot, &slot);
	if (ret)
		goto out;
	ret = -EINVAL;
	if (log->first_page > slot->npages || log->num_pages > slot->npages - log->first_page ||
	    (log->num_pages < slot->npages - log->first_page && (log->num_pages & 63)))
		goto out;
	n = ALIGN(log->num_pages, BITS_PER_LONG) / 8;
	ret = -ENOMEM;
	buf = kvzalloc(max(n, sizeof(long)), GFP_KERNEL_ACCOUNT);
	if (!buf)
		goto out;
	ret = -EFAULT;
	if (copy_from_user(buf, log->dirty_bitmap, n))
		goto out;
	ret = 0;
	for (w = 0, i = log->first_page / BITS_PER_LONG; w < DIV_ROUND_UP(log->num_pages, BITS_PER_LONG); w++, i++) {
		/* Only bits that were set are cleared, none beyond the slot's end. */
		unsigned long mask = buf[w] & slot->dirty_bitmap[i];

		if (!mask)
			continue;
		slot->dirty_bitmap[i] &= ~mask;
		keel_protect_word(vm, slot, i, mask);
	}
out:
	mutex_unlock(&ms->lock);
	kvfree(buf);
	return ret;
}

/* The VM's binary statistics (binstats.c): pages keel maps for it, VM_UNMAP calls (remote TLB flushes). */
void keel_vm_mem_stats(struct keel_vm *vm, u64 *mapped, u64 *unmaps)
{
	*mapped = READ_ONCE(vm->memslots->mapped);
	*unmaps = READ_ONCE(vm->memslots->unmaps);
}

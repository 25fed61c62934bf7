// SPDX-License-Identifier: GPL-2.0
/*
 * Guest VM objects: the table, handles, VMIDs, per-VM stage 2 and page
 * accounting. Lock order and the handle format: hv/vm.h.
 */
#include <hv/arch/vm.h>
#include <hv/boot.h>
#include <hv/errno.h>
#include <hv/owner.h>
#include <hv/page_alloc.h>
#include <hv/printf.h>
#include <hv/spinlock.h>
#include <hv/vcpu.h>
#include <hv/vm.h>

#define HANDLE_SLOT_MASK ((1ULL << KEEL_VM_HANDLE_SLOT_BITS) - 1)
#define HANDLE_GEN_MASK ((1ULL << KEEL_VM_HANDLE_GEN_BITS) - 1)
#define HANDLE_BITS (KEEL_VM_HANDLE_SLOT_BITS + KEEL_VM_HANDLE_GEN_BITS)

_Static_assert(HV_MAX_CPUS <= 64, "CPU masks are 64-bit");
_Static_assert(VM_MAX <= (1 << KEEL_VM_HANDLE_SLOT_BITS), "slot must fit in a handle");
_Static_assert(VM_VMID_MAX % 64 == 0, "VMID bitmap in whole words");

static struct spinlock vm_table_lock = SPINLOCK_INIT;
static struct vm vm_table[VM_MAX];
/* Bit set: VMID in use; VMID 0 is the host's, always. */
static uint64_t vmid_map[VM_VMID_MAX / 64] = { BIT(0) };
static uint64_t cpus_enabled;               /* under vm_table_lock */
static size_t nr_live;                      /* under vm_table_lock */

unsigned vm_max_ipa_bits(void) { return arch_vm_max_ipa_bits(); }

unsigned vm_nr_vmids(void)
{
	unsigned bits = arch_vm_vmid_bits();

	if (!bits)
		return 0;
	/* 1 .. 2^bits - 1, as far as the bitmap goes. */
	return bits >= 8 ? VM_VMID_MAX - 1 : (1U << bits) - 1;
}

static uint64_t handle_of(const struct vm *vm)
{
	return ((uint64_t)vm->gen << KEEL_VM_HANDLE_SLOT_BITS) | vm->slot;
}

/*
 * The VM a handle names (caller holds vm_table_lock): -EINVAL if it cannot
 * be a handle at all, -ENOENT if it names no live VM.
 */
static int vm_lookup_locked(uint64_t handle, struct vm **out)
{
	uint64_t slot = handle & HANDLE_SLOT_MASK, gen = (handle >> KEEL_VM_HANDLE_SLOT_BITS) & HANDLE_GEN_MASK;
	struct vm *vm;

	if (handle >> HANDLE_BITS || slot >= VM_MAX || !gen)
		return -EINVAL;
	vm = &vm_table[slot];
	if (vm->state != VM_LIVE || vm->gen != gen)
		return -ENOENT;
	*out = vm;
	return 0;
}

/* A free VMID, marked used; 0 if none (caller holds vm_table_lock). */
static uint16_t vmid_alloc_locked(void)
{
	unsigned n = vm_nr_vmids(), id;

	for (id = 1; id <= n; id++) {
		if (!(vmid_map[id / 64] & BIT(id % 64))) {
			vmid_map[id / 64] |= BIT(id % 64);
			return (uint16_t)id;
		}
	}
	return 0;
}

static void vmid_free_locked(uint16_t id)
{
	HV_ASSERT(id && id < VM_VMID_MAX && (vmid_map[id / 64] & BIT(id % 64)));
	vmid_map[id / 64] &= ~BIT(id % 64);
}

size_t vm_pages_locked(const struct vm *vm) { return vm->s2.nr_tables + vm->nr_vcpus; }

int vm_lock_by_handle(uint64_t handle, struct vm **out)
{
	int ret;

	spin_lock(&vm_table_lock);
	ret = vm_lookup_locked(handle, out);
	if (!ret)
		spin_lock(&(*out)->lock);
	spin_unlock(&vm_table_lock);
	return ret;
}

int vm_create(unsigned ipa_bits, size_t page_limit, uint64_t *handle, unsigned *ipa_out,
	      size_t *limit_out)
{
	unsigned max_ipa = vm_max_ipa_bits(), slot;
	size_t pool_pages = page_pool_total_pages();
	struct vm *vm = NULL;
	uint16_t vmid;
	int ret;

	if (!max_ipa || !vm_nr_vmids())
		return -ENODEV;
	if (!ipa_bits)
		ipa_bits = KEEL_VM_IPA_BITS_DEFAULT;
	if (ipa_bits < KEEL_VM_IPA_BITS_MIN || ipa_bits > max_ipa)
		return -EINVAL;
	if (page_limit > pool_pages)
		return -EINVAL;
	if (!page_limit)
		page_limit = MIN((size_t)KEEL_VM_PAGES_DEFAULT, pool_pages);

	spin_lock(&vm_table_lock);
	for (slot = 0; slot < VM_MAX; slot++) {
		if (vm_table[slot].state == VM_FREE) {
			vm = &vm_table[slot];
			break;
		}
	}
	if (!vm) {
		spin_unlock(&vm_table_lock);
		return -ENOSPC;
	}
	vmid = vmid_alloc_locked();
	if (!vmid) {
		spin_unlock(&vm_table_lock);
		return -ENOSPC;
	}

	spin_lock(&vm->lock);
	ret = pgtable_init(&vm->s2, PT_STAGE_GUEST, ipa_bits, vmid);
	if (!ret && vm_pages_locked(vm) > page_limit) {
		pgtable_destroy(&vm->s2);
		ret = -ENOMEM;
	}
	if (ret) {
		spin_unlock(&vm->lock);
		vmid_free_locked(vmid);
		spin_unlock(&vm_table_lock);
		/* pgtable_init's -EINVAL here would be an arch contract bug: report it as such. */
		return ret == -ENOMEM ? -ENOMEM : -EINVAL;
	}
	vm->slot = slot;
	vm->vmid = vmid;
	vm->ipa_bits = ipa_bits;
	vm->page_limit = page_limit;
	vm->nr_vcpus = 0;
	vm->mapped_pages = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(vm->vcpus); i++)
		vm->vcpus[i] = NULL;
	for (unsigned i = 0; i < ARRAY_SIZE(vm->last_vcpu_ran); i++)
		vm->last_vcpu_ran[i] = 0;
	spin_unlock(&vm->lock);

	vm->gen = (vm->gen + 1) & HANDLE_GEN_MASK;
	if (!vm->gen)
		vm->gen = 1;
	vm->state = VM_LIVE;
	nr_live++;
	*handle = handle_of(vm);
	spin_unlock(&vm_table_lock);

	*ipa_out = ipa_bits;
	*limit_out = page_limit;
	return 0;
}

/* ---- Guest memory (VM_MAP / VM_UNMAP): the VM's stage 2 over host pages ---- */

static unsigned s2_index(uint64_t ia, int level)
{
	return (ia >> (PAGE_SHIFT + 9 * (3 - level))) & (PT_ENTRIES - 1);
}

static const pte_t *s2_next_table(pte_t pte)
{
	return pa_to_ptr(arch_pte_addr(pte, PT_LEVELS - 1));
}

/*
 * Tables that mapping page leaves over [ia, end) would add below table t
 * at level (t NULL: the table does not exist yet either). No leaf lies in
 * the range (the caller checked), so every valid entry met is a table.
 */
static size_t s2_tables_needed(const pte_t *t, int level, uint64_t ia, uint64_t end)
{
	uint64_t lsize = pt_level_size(level), a, next;
	size_t need = 0;

	if (level == PT_LEVELS - 1)
		return 0;
	for (a = ia; a < end; a = next) {
		pte_t pte = t ? t[s2_index(a, level)] : arch_pte_invalid();

		next = MIN(end, ALIGN_DOWN(a, lsize) + lsize);
		if (arch_pte_is_table(pte, level))
			need += s2_tables_needed(s2_next_table(pte), level + 1, a, next);
		else
			need += 1 + s2_tables_needed(NULL, level + 1, a, next);
	}
	return need;
}

/* Mapped pages found in IPA order, up to max: their PAs, the IPAs of the first and last. */
struct s2_batch {
	uint64_t *pa;
	size_t n, max;
	uint64_t first, last;
};

static void s2_collect(const pte_t *t, int level, uint64_t ia, uint64_t end, struct s2_batch *b)
{
	uint64_t lsize = pt_level_size(level), a, next;

	for (a = ia; a < end && b->n < b->max; a = next) {
		uint64_t base = ALIGN_DOWN(a, lsize), pa;
		pte_t pte = t[s2_index(a, level)];

		next = MIN(end, base + lsize);
		if (!arch_pte_valid(pte))
			continue;
		if (arch_pte_is_table(pte, level)) {
			s2_collect(s2_next_table(pte), level + 1, a, next, b);
			continue;
		}
		/* A leaf: vm_map makes page leaves only, but a block would be taken page by page too. */
		pa = pa_addr(arch_pte_addr(pte, level)) + (a - base);
		for (; a < next && b->n < b->max; a += PAGE_SIZE, pa += PAGE_SIZE) {
			if (!b->n)
				b->first = a;
			b->last = a;
			b->pa[b->n++] = pa;
		}
	}
}

/*
 * Give back every host page mapped in [ia, end) (caller holds vm->lock), in
 * batches of vm->map_buf: unmap them first (unless the whole stage 2 is
 * about to be freed, its TLB entries already flushed), then unshare, so a
 * page is never the host's alone while the guest can still reach it.
 */
static uint64_t s2_release_locked(struct vm *vm, uint64_t ia, uint64_t end, bool unmap)
{
	struct s2_batch b = { .pa = vm->map_buf, .max = ARRAY_SIZE(vm->map_buf) };
	uint64_t total = 0;
	int ret;

	while (ia < end) {
		b.n = 0;
		s2_collect(vm->s2.root, vm->s2.start_level, ia, end, &b);
		if (!b.n)
			break;
		if (unmap) {
			/* Page leaves only: nothing to split, so no allocation and no failure. */
			ret = pgtable_unmap(&vm->s2, b.first, b.last + PAGE_SIZE - b.first);
			HV_ASSERT(!ret);
		}
		ret = host_unshare_guest_pages(b.pa, b.n, vm->slot);
		HV_ASSERT(!ret);
		total += b.n;
		ia = b.last + PAGE_SIZE;
	}
	HV_ASSERT(vm->mapped_pages >= total);
	vm->mapped_pages -= total;
	return total;
}

int vm_map(uint64_t handle, uint64_t ipa, paddr_t list_pa, uint64_t n, uint64_t flags)
{
	/* Guest memory is normal memory; a read-only slot only loses W (writes fault to the host). */
	uint32_t prot = flags & KEEL_MAP_READONLY ? PT_PROT_R | PT_PROT_X : PT_PROT_RWX;
	const volatile uint64_t *list;
	struct vm *vm;
	uint64_t i, end;
	int ret, ret2;

	if (!n || n > KEEL_MAP_LIST_MAX || flags & ~KEEL_MAP_READONLY || !IS_ALIGNED(ipa, PAGE_SIZE))
		return -EINVAL;
	list = host_page_ptr(list_pa);
	if (!list)
		return -EINVAL;
	ret = vm_lock_by_handle(handle, &vm);
	if (ret)
		return ret;
	end = ipa + n * PAGE_SIZE;
	if (end < ipa || end > (1ULL << vm->ipa_bits)) {
		ret = -EINVAL;
		goto out;
	}
	/* The host may rewrite its list at any time: read it once, then use keel's copy only. */
	for (i = 0; i < n; i++)
		vm->map_buf[i] = list[i];
	/* Every page host RAM and not keel's, checked and counted all at once. */
	if (host_share_guest_pages(vm->map_buf, n, vm->slot)) {
		ret = -EFAULT;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!pgtable_lookup(&vm->s2, ipa + i * PAGE_SIZE, NULL, NULL, NULL)) {
			ret = -EEXIST;
			goto unshare;
		}
	}
	if (vm_pages_locked(vm) + s2_tables_needed(vm->s2.root, vm->s2.start_level, ipa, end) >
	    vm->page_limit) {
		ret = -ENOMEM;
		goto unshare;
	}
	/* One page at a time: page leaves even where a run of pages could make a block. */
	for (i = 0; i < n; i++) {
		ret = pgtable_map(&vm->s2, ipa + i * PAGE_SIZE, pa_init(vm->map_buf[i]), PAGE_SIZE, prot);
		if (ret)
			break;
	}
	if (ret) {
		/* The pool ran dry (the arguments were checked): undo, freeing the new tables. */
		if (i) {
			ret2 = pgtable_unmap(&vm->s2, ipa, i * PAGE_SIZE);
			HV_ASSERT(!ret2);
		}
		ret = -ENOMEM;
		goto unshare;
	}
	vm->mapped_pages += n;
	goto out;
unshare:
	ret2 = host_unshare_guest_pages(vm->map_buf, n, vm->slot);
	HV_ASSERT(!ret2);
out:
	spin_unlock(&vm->lock);
	return ret;
}

int vm_unmap(uint64_t handle, uint64_t ipa, uint64_t npages, uint64_t *unmapped)
{
	struct vm *vm;
	int ret;

	*unmapped = 0;
	if (!npages || !IS_ALIGNED(ipa, PAGE_SIZE) || npages > (UINT64_MAX - ipa) >> PAGE_SHIFT)
		return -EINVAL;
	ret = vm_lock_by_handle(handle, &vm);
	if (ret)
		return ret;
	if (ipa + npages * PAGE_SIZE > (1ULL << vm->ipa_bits))
		ret = -EINVAL;
	else
		*unmapped = s2_release_locked(vm, ipa, ipa + npages * PAGE_SIZE, true);
	spin_unlock(&vm->lock);
	return ret;
}

int vm_translate(uint64_t handle, uint64_t ipa, paddr_t *pa, uint32_t *prot)
{
	struct vm *vm;
	int ret = vm_lock_by_handle(handle, &vm);

	if (ret)
		return ret;
	ret = pgtable_lookup(&vm->s2, ipa, pa, prot, NULL);
	spin_unlock(&vm->lock);
	return ret;
}

int vm_destroy(uint64_t handle)
{
	struct vm *vm;
	int ret;

	spin_lock(&vm_table_lock);
	ret = vm_lookup_locked(handle, &vm);
	if (ret) {
		spin_unlock(&vm_table_lock);
		return ret;
	}
	spin_lock(&vm->lock);
	/* A vCPU run holds no lock while the guest runs: its VM must stay until it returns. */
	if (vcpu_any_running_locked(vm)) {
		spin_unlock(&vm->lock);
		spin_unlock(&vm_table_lock);
		return -EBUSY;
	}
	vcpu_destroy_all_locked(vm);
	/* No CPU runs this stage 2 any more: drop what the TLBs hold of it, then free its tables. */
	arch_vm_tlb_flush_vmid(&vm->s2);
	/* Every host page the guest had goes back to the host (a killed VMM loses nothing). */
	s2_release_locked(vm, 0, 1ULL << vm->ipa_bits, false);
	HV_ASSERT(!vm->mapped_pages);
	pgtable_destroy(&vm->s2);
	spin_unlock(&vm->lock);

	vmid_free_locked(vm->vmid);
	vm->vmid = 0;
	vm->state = VM_FREE;
	HV_ASSERT(nr_live > 0);
	nr_live--;
	spin_unlock(&vm_table_lock);
	return 0;
}

int vm_cpu_enable(unsigned cpu)
{
	if (cpu >= HV_MAX_CPUS)
		return -EINVAL;
	spin_lock(&vm_table_lock);
	if (!(cpus_enabled & BIT(cpu)))
		arch_vm_cpu_enable();
	cpus_enabled |= BIT(cpu);
	spin_unlock(&vm_table_lock);
	return 0;
}

int vm_cpu_disable(unsigned cpu)
{
	if (cpu >= HV_MAX_CPUS)
		return -EINVAL;
	spin_lock(&vm_table_lock);
	if (cpus_enabled & BIT(cpu))
		arch_vm_cpu_disable();
	cpus_enabled &= ~BIT(cpu);
	spin_unlock(&vm_table_lock);
	return 0;
}

uint64_t vm_cpus_enabled(void)
{
	uint64_t m;

	spin_lock(&vm_table_lock);
	m = cpus_enabled;
	spin_unlock(&vm_table_lock);
	return m;
}

void vm_stats_get(struct vm_stats *st)
{
	unsigned i;

	*st = (struct vm_stats){ 0 };
	spin_lock(&vm_table_lock);
	st->vms = nr_live;
	st->cpus_enabled = cpus_enabled;
	for (i = 0; i < VM_MAX; i++) {
		struct vm *vm = &vm_table[i];

		if (vm->state != VM_LIVE)
			continue;
		spin_lock(&vm->lock);
		st->vcpus += vm->nr_vcpus;
		st->pages += vm_pages_locked(vm);
		st->mapped += vm->mapped_pages;
		spin_unlock(&vm->lock);
	}
	spin_unlock(&vm_table_lock);
}

void vm_table_reset(void)
{
	unsigned i;

	spin_lock(&vm_table_lock);
	for (i = 0; i < VM_MAX; i++)
		vm_table[i] = (struct vm){ .lock = SPINLOCK_INIT };
	for (i = 0; i < ARRAY_SIZE(vmid_map); i++)
		vmid_map[i] = 0;
	vmid_map[0] = BIT(0); /* the host's */
	cpus_enabled = 0;
	nr_live = 0;
	spin_unlock(&vm_table_lock);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Guest VM objects: handles, VMIDs, per-VM stage 2 and the pages the host
 * donates for them. Lock order and the handle format: hv/vm.h.
 */
#include <hv/arch/vm.h>
#include <hv/boot.h>
#include <hv/errno.h>
#include <hv/host.h>
#include <hv/owner.h>
#include <hv/page_alloc.h>
#include <hv/printf.h>
#include <hv/spinlock.h>
#include <hv/vcpu.h>
#include <hv/vm.h>

#define HANDLE_SLOT_MASK ((1ULL << KEEL_VM_HANDLE_SLOT_BITS) - 1)
#define HANDLE_GEN_MASK ((1ULL << KEEL_VM_HANDLE_GEN_BITS) - 1)
#define HANDLE_BITS (KEEL_VM_HANDLE_SLOT_BITS + KEEL_VM_HANDLE_GEN_BITS)
#define VM_FIRST_PAGES_MAX 32 /* a VM's creation pages: root tables (at most 16), its record, map buffer, vCPU table */

_Static_assert(HV_MAX_CPUS <= 64, "CPU masks are 64-bit");
_Static_assert(VM_VMID_MAX <= (1 << KEEL_VM_HANDLE_SLOT_BITS), "a VMID must fit a handle's slot");
_Static_assert(sizeof(struct vm) <= PAGE_SIZE, "a VM's record is one donated page");
_Static_assert(KEEL_MAP_LIST_MAX * sizeof(uint64_t) == PAGE_SIZE, "map_buf is one page");
_Static_assert(KEEL_MAX_VCPUS * sizeof(struct vcpu *) <= PAGE_SIZE, "the vCPU table is one page");

/*
 * The VMs by VMID, which is their slot: one entry per VMID the arch has,
 * from keel's pool at boot (16 bytes each). A slot keeps its generation
 * when its VM goes, so an old handle never names a new VM.
 */
struct vm_slot {
	struct vm *vm;
	uint32_t gen;
};

static struct spinlock vm_table_lock = SPINLOCK_INIT;
static struct vm_slot *slots;               /* [0 .. nr_slots - 1], slot 0 the host's VMID */
static unsigned nr_slots;
static unsigned next_vmid = 1;              /* where the search for a free VMID starts */
static uint64_t cpus_enabled;               /* written under vm_table_lock, read lock-free */
static size_t nr_live;                      /* under vm_table_lock */

unsigned vm_max_ipa_bits(void) { return arch_vm_max_ipa_bits(); }

unsigned vm_nr_vmids(void)
{
	unsigned bits = MIN(arch_vm_vmid_bits(), 16u);

	/* 1 .. 2^bits - 1, as far as the slot table goes. */
	return bits && nr_slots ? MIN((1U << bits) - 1, nr_slots - 1) : 0;
}

static uint64_t handle_of(const struct vm *vm)
{
	return ((uint64_t)vm->gen << KEEL_VM_HANDLE_SLOT_BITS) | vm->vmid;
}

/*
 * The VM a handle names (caller holds vm_table_lock): -EINVAL if it cannot
 * be a handle at all, -ENOENT if it names no live VM.
 */
static int vm_lookup_locked(uint64_t handle, struct vm **out)
{
	uint64_t slot = handle & HANDLE_SLOT_MASK, gen = (handle >> KEEL_VM_HANDLE_SLOT_BITS) & HANDLE_GEN_MASK;

	if (handle >> HANDLE_BITS || !slot || slot > vm_nr_vmids() || !gen)
		return -EINVAL;
	if (!slots[slot].vm || slots[slot].gen != gen)
		return -ENOENT;
	*out = slots[slot].vm;
	return 0;
}

/* A free VMID (caller holds vm_table_lock), 0 if none; round robin so that slots rest between uses. */
static uint16_t vmid_alloc_locked(void)
{
	unsigned n = vm_nr_vmids(), i, id;

	for (i = 0; i < n; i++) {
		id = (next_vmid - 1 + i) % n + 1;
		if (!slots[id].vm) {
			next_vmid = id % n + 1;
			return (uint16_t)id;
		}
	}
	return 0;
}

size_t vm_pages_locked(const struct vm *vm) { return vm->donated; }

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

int vm_create_size(unsigned ipa_bits, size_t *pages, size_t *align)
{
	unsigned max_ipa = vm_max_ipa_bits();
	int order;

	if (!max_ipa || !vm_nr_vmids())
		return -ENODEV;
	if (!ipa_bits)
		ipa_bits = KEEL_VM_IPA_BITS_DEFAULT;
	if (ipa_bits < KEEL_VM_IPA_BITS_MIN || ipa_bits > max_ipa)
		return -EINVAL;
	order = pgtable_root_order(PT_STAGE_GUEST, ipa_bits);
	if (order < 0)
		return -EINVAL; /* an arch contract bug: its limit is a size its stage 2 cannot have */
	/* The hardware root, the VM's record, its map buffer and vCPU table, a software root over concatenated tables. */
	*pages = (1u << order) + 3 + (order ? 1 : 0);
	*align = 1u << order;
	return 0;
}

/* Give back every page of a VM that never went live, or is gone: the root tables, then the memcache. */
static void vm_pages_reclaim(void *hw_root, size_t root_pages, struct memcache *mc)
{
	void *p;

	for (size_t i = 0; i < root_pages; i++)
		host_reclaim_vm_page((char *)hw_root + i * PAGE_SIZE);
	while ((p = memcache_pop(mc)))
		host_reclaim_vm_page(p);
}

int vm_create(unsigned ipa_bits, paddr_t first, size_t npages, uint64_t *handle, unsigned *ipa_out)
{
	uint64_t pa[VM_FIRST_PAGES_MAX];
	size_t need, align, i;
	struct memcache mc = { 0 };
	void *hw_root;
	struct vm *vm;
	uint16_t vmid;
	int ret;

	ret = vm_create_size(ipa_bits, &need, &align);
	if (ret)
		return ret;
	if (!ipa_bits)
		ipa_bits = KEEL_VM_IPA_BITS_DEFAULT;
	if (npages != need || !IS_ALIGNED(pa_addr(first), align * PAGE_SIZE))
		return -EINVAL;
	for (i = 0; i < need; i++)
		pa[i] = pa_addr(first) + i * PAGE_SIZE;
	ret = host_donate_vm_pages(pa, need);
	if (ret)
		return ret;
	hw_root = pa_to_ptr(first);
	for (i = need; i-- > align;)
		memcache_push(&mc, pa_to_ptr(pa_init(pa[i])));

	spin_lock(&vm_table_lock);
	vmid = vmid_alloc_locked();
	if (!vmid) {
		spin_unlock(&vm_table_lock);
		vm_pages_reclaim(hw_root, align, &mc);
		return -ENOSPC;
	}
	vm = memcache_pop(&mc);
	*vm = (struct vm){ .lock = SPINLOCK_INIT, .vmid = vmid, .ipa_bits = ipa_bits, .mc = mc, .donated = need };
	vm->map_buf = memcache_pop(&vm->mc);
	vm->vcpus = memcache_pop(&vm->mc);
	arch_zero_pages(vm->vcpus, PAGE_SIZE); /* no vCPU yet */
	ret = pgtable_init_guest(&vm->s2, ipa_bits, vmid, &vm->mc, hw_root);
	HV_ASSERT(!ret); /* vm_create_size counted its pages */
	vm->hw_root = hw_root;
	arch_vm_init(vm);
	/* A new generation for the slot, never 0. */
	slots[vmid].gen = (slots[vmid].gen + 1) & HANDLE_GEN_MASK;
	if (!slots[vmid].gen)
		slots[vmid].gen = 1;
	vm->gen = slots[vmid].gen;
	slots[vmid].vm = vm;
	nr_live++;
	*handle = handle_of(vm);
	spin_unlock(&vm_table_lock);

	*ipa_out = ipa_bits;
	return 0;
}

/*
 * The VM named by handle, locked, with the host's list of n (checked by the
 * caller) PAs at list_pa copied into its map_buf: the host may rewrite its
 * page at any time, so it is read once and only keel's copy is used.
 * -EINVAL the list page not host RAM; handle errors as vm_lock_by_handle.
 */
static int vm_lock_copy_list(uint64_t handle, paddr_t list_pa, uint64_t n, struct vm **out)
{
	const volatile uint64_t *list = host_page_ptr(list_pa);
	int ret;

	if (!list)
		return -EINVAL;
	ret = vm_lock_by_handle(handle, out);
	for (uint64_t i = 0; !ret && i < n; i++)
		(*out)->map_buf[i] = list[i];
	return ret;
}

int vm_topup(uint64_t handle, paddr_t list_pa, uint64_t n)
{
	struct vm *vm;
	uint64_t i;
	int ret;

	if (!n || n > KEEL_MAP_LIST_MAX)
		return -EINVAL;
	ret = vm_lock_copy_list(handle, list_pa, n, &vm);
	if (ret)
		return ret;
	ret = host_donate_vm_pages(vm->map_buf, n);
	if (!ret) {
		for (i = 0; i < n; i++)
			memcache_push(&vm->mc, pa_to_ptr(pa_init(vm->map_buf[i])));
		vm->donated += n;
	}
	spin_unlock(&vm->lock);
	return ret;
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
	struct s2_batch b = { .pa = vm->map_buf, .max = KEEL_MAP_LIST_MAX };
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
		ret = host_unshare_guest_pages(b.pa, b.n, vm->vmid);
		HV_ASSERT(!ret);
		total += b.n;
		ia = b.last + PAGE_SIZE;
	}
	HV_ASSERT(vm->mapped_pages >= total);
	vm->mapped_pages -= total;
	return total;
}

int vm_map(uint64_t handle, uint64_t ipa, paddr_t list_pa, uint64_t n, uint64_t flags, uint64_t *need)
{
	/* Guest memory is normal memory; a read-only slot only loses W (writes fault to the host). */
	uint32_t prot = flags & KEEL_MAP_READONLY ? PT_PROT_R | PT_PROT_X : PT_PROT_RWX;
	struct vm *vm;
	uint64_t i, end;
	size_t tables;
	int ret, ret2;

	*need = 0;
	if (!n || n > KEEL_MAP_LIST_MAX || flags & ~KEEL_MAP_READONLY || !IS_ALIGNED(ipa, PAGE_SIZE))
		return -EINVAL;
	ret = vm_lock_copy_list(handle, list_pa, n, &vm);
	if (ret)
		return ret;
	end = ipa + n * PAGE_SIZE;
	if (end < ipa || end > (1ULL << vm->ipa_bits)) {
		ret = -EINVAL;
		goto out;
	}
	/* Every page host RAM and not keel's, checked and counted all at once. */
	if (host_share_guest_pages(vm->map_buf, n, vm->vmid)) {
		ret = -EFAULT;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!pgtable_lookup(&vm->s2, ipa + i * PAGE_SIZE, NULL, NULL, NULL)) {
			ret = -EEXIST;
			goto unshare;
		}
	}
	tables = s2_tables_needed(vm->s2.root, vm->s2.start_level, ipa, end);
	if (tables > vm->mc.nr) {
		/* The host tops the memcache up (VM_TOPUP) and asks again. */
		*need = tables - vm->mc.nr;
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
		/* The memcache held what s2_tables_needed counted: this cannot happen. */
		hv_panic("vm_map: stage-2 tables beyond the count (%d)\n", ret);
	}
	vm->mapped_pages += n;
	goto out;
unshare:
	ret2 = host_unshare_guest_pages(vm->map_buf, n, vm->vmid);
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

/* One op of an arch device of the VM (its interrupt controller, its PMU), under vm->lock. */
static int vm_arch_op(uint64_t handle, int (*fn)(struct vm *, uint64_t, const uint64_t *, uint64_t *), uint64_t op,
		      const uint64_t *arg, uint64_t *ret)
{
	struct vm *vm;
	int ret_;

	ret_ = vm_lock_by_handle(handle, &vm);
	if (ret_)
		return ret_;
	ret_ = fn(vm, op, arg, ret);
	spin_unlock(&vm->lock);
	return ret_;
}

int vm_irqchip(uint64_t handle, uint64_t op, const uint64_t *arg, uint64_t *ret)
{
	return vm_arch_op(handle, arch_vm_irqchip, op, arg, ret);
}

int vm_pmu(uint64_t handle, uint64_t op, const uint64_t *arg, uint64_t *ret)
{
	return vm_arch_op(handle, arch_vm_pmu, op, arg, ret);
}

int vm_destroy(uint64_t handle)
{
	struct memcache mc;
	void *hw_root;
	size_t root_pages;
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
	slots[vm->vmid].vm = NULL;
	HV_ASSERT(nr_live > 0);
	nr_live--;
	spin_unlock(&vm_table_lock);

	/* Unreachable now: nothing else can take vm->lock. */
	vcpu_destroy_all_locked(vm);
	arch_vm_fini(vm, &vm->mc);
	/* No CPU runs this stage 2 any more: drop what the TLBs hold of it, then free its tables. */
	arch_vm_tlb_flush_vmid(&vm->s2);
	/* Every host page the guest had goes back to the host (a killed VMM loses nothing). */
	s2_release_locked(vm, 0, 1ULL << vm->ipa_bits, false);
	HV_ASSERT(!vm->mapped_pages);
	pgtable_destroy(&vm->s2);
	memcache_push(&vm->mc, vm->map_buf);
	memcache_push(&vm->mc, vm->vcpus);
	root_pages = (size_t)1 << vm->s2.hw_root_order;
	hw_root = vm->hw_root;
	HV_ASSERT(vm->mc.nr + 1 + root_pages == vm->donated);
	mc = vm->mc;
	spin_unlock(&vm->lock);
	/* The record itself last: it held the list. */
	memcache_push(&mc, vm);
	vm_pages_reclaim(hw_root, root_pages, &mc);
	return 0;
}

int vm_cpu_enable(unsigned cpu)
{
	if (cpu >= HV_MAX_CPUS)
		return -EINVAL;
	spin_lock(&vm_table_lock);
	if (!(cpus_enabled & BIT(cpu)))
		arch_vm_cpu_enable();
	__atomic_store_n(&cpus_enabled, cpus_enabled | BIT(cpu), __ATOMIC_RELAXED);
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
	__atomic_store_n(&cpus_enabled, cpus_enabled & ~BIT(cpu), __ATOMIC_RELAXED);
	spin_unlock(&vm_table_lock);
	return 0;
}

/* Lock-free: a CPU asking of its own bit (VCPU_RUN) races with nothing, enabling is per calling CPU. */
uint64_t vm_cpus_enabled(void) { return __atomic_load_n(&cpus_enabled, __ATOMIC_RELAXED); }

void vm_stats_get(struct vm_stats *st)
{
	unsigned i, n = vm_nr_vmids();

	*st = (struct vm_stats){ 0 };
	spin_lock(&vm_table_lock);
	st->vms = nr_live;
	st->cpus_enabled = cpus_enabled;
	for (i = 1; i <= n; i++) {
		struct vm *vm = slots[i].vm;

		if (!vm)
			continue;
		spin_lock(&vm->lock);
		st->vcpus += vm->nr_vcpus;
		st->pages += vm_pages_locked(vm);
		st->mapped += vm->mapped_pages;
		spin_unlock(&vm->lock);
	}
	spin_unlock(&vm_table_lock);
}

int vm_table_init(void)
{
	unsigned bits = MIN(arch_vm_vmid_bits(), 16u), order = 0;
	size_t n = (size_t)1 << bits;

	while ((PAGE_SIZE << order) < n * sizeof(struct vm_slot))
		order++;
	spin_lock(&vm_table_lock);
	/* Earlier state is forgotten, not freed (boot calls this once; host tests reset the pool). */
	slots = bits ? page_alloc(order) : NULL;
	nr_slots = slots ? (unsigned)n : 0;
	next_vmid = 1;
	cpus_enabled = 0;
	nr_live = 0;
	spin_unlock(&vm_table_lock);
	return !bits || slots ? 0 : -ENOMEM;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Guest VM objects: the table, handles, VMIDs, per-VM stage 2 and page
 * accounting. Lock order and the handle format: hv/vm.h.
 */
#include <hv/arch/vm.h>
#include <hv/boot.h>
#include <hv/errno.h>
#include <hv/page_alloc.h>
#include <hv/printf.h>
#include <hv/spinlock.h>
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

size_t vm_pages_locked(const struct vm *vm) { return vm->s2.nr_tables; }

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
	HV_ASSERT(!vm->nr_vcpus); /* vCPUs come with a later ABI; they will be torn down here first */
	/* No CPU runs this stage 2 any more: drop what the TLBs hold of it, then free its tables. */
	arch_vm_tlb_flush_vmid(&vm->s2);
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

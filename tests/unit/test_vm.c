// SPDX-License-Identifier: GPL-2.0
/*
 * Guest VM objects (hv/src/vm.c) and the hypercalls that reach them
 * (hv/src/hypercall.c): creation arguments, handles (stale, forged),
 * VMIDs, the table limit, page accounting back to the pool, CPU
 * enable/disable, statistics.
 */
#include "test_util.h"

#include <hv/boot.h>
#include <hv/cpu.h>
#include <hv/errno.h>
#include <hv/hypercall.h>
#include <hv/owner.h>
#include <hv/vm.h>
#include <keel/abi.h>

/* Hooks of arch/fake/vm.c. */
extern unsigned fake_vm_max_ipa_bits, fake_vm_vmid_bits;
extern unsigned long fake_vm_cpu_enables, fake_vm_cpu_disables, fake_vm_vmid_flushes;
extern uint16_t fake_vm_last_flushed_vmid;

#define POOL_PAGES 2048
#define RAM_BASE 0x40000000ULL
#define RAM_SIZE (256ULL << 20)

static void *mem;
static struct boot_info bi;

static int setup(void **state)
{
	(void)state;
	mem = pool_create(POOL_PAGES);
	vm_table_reset();
	fake_vm_max_ipa_bits = 44;
	fake_vm_vmid_bits = 8;
	fake_vm_cpu_enables = fake_vm_cpu_disables = fake_vm_vmid_flushes = 0;
	fake_vm_last_flushed_vmid = 0;
	fake_cpu = 0;
	memset(&bi, 0, sizeof(bi));
	bi.mem[0] = (struct mem_range){ RAM_BASE, RAM_SIZE };
	bi.nr_mem = 1;
	assert_int_equal(owner_init(&bi), 0);
	cpus_init(2);
	cpu_mark_online(0);
	cpu_mark_online(1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(fake_locks_held(), 0);
	vm_table_reset();
	pool_destroy(mem);
	return 0;
}

static uint64_t create(unsigned ipa)
{
	uint64_t h = 0;
	unsigned ipa_out;
	size_t limit;

	assert_int_equal(vm_create(ipa, 0, &h, &ipa_out, &limit), 0);
	assert_int_equal(ipa_out, ipa ? ipa : KEEL_VM_IPA_BITS_DEFAULT);
	assert_int_equal(limit, KEEL_VM_PAGES_DEFAULT < page_pool_total_pages() ? KEEL_VM_PAGES_DEFAULT
										: page_pool_total_pages());
	assert_int_not_equal(h, 0);
	return h;
}

static struct vm_stats stats(void)
{
	struct vm_stats st;

	vm_stats_get(&st);
	return st;
}

static void test_ipa_bits(void **state)
{
	uint64_t h = 0;
	unsigned ipa;
	size_t limit, free0 = page_pool_free_pages();

	(void)state;
	/* 0 means 40; 32 .. the arch's limit (44 here) are accepted. */
	assert_int_equal(vm_destroy(create(0)), 0);
	assert_int_equal(vm_destroy(create(32)), 0);
	assert_int_equal(vm_destroy(create(44)), 0);
	assert_int_equal(vm_destroy(create(36)), 0);
	/* Outside: refused, nothing allocated. */
	assert_int_equal(vm_create(31, 0, &h, &ipa, &limit), -EINVAL);
	assert_int_equal(vm_create(1, 0, &h, &ipa, &limit), -EINVAL);
	assert_int_equal(vm_create(45, 0, &h, &ipa, &limit), -EINVAL);
	assert_int_equal(vm_create(255, 0, &h, &ipa, &limit), -EINVAL);
	/* A stage 2 limited below the default: type 0 is refused, as KVM does. */
	fake_vm_max_ipa_bits = 36;
	assert_int_equal(vm_create(0, 0, &h, &ipa, &limit), -EINVAL);
	assert_int_equal(vm_destroy(create(36)), 0);
	/* An arch without guests. */
	fake_vm_max_ipa_bits = 0;
	assert_int_equal(vm_create(0, 0, &h, &ipa, &limit), -ENODEV);
	assert_int_equal(stats().vms, 0);
	assert_int_equal(page_pool_free_pages(), free0);
}

static void test_handles(void **state)
{
	uint64_t a, b, stale;
	struct vm_stats st;

	(void)state;
	a = create(0);
	b = create(0);
	assert_int_not_equal(a, b);
	st = stats();
	assert_int_equal(st.vms, 2);
	assert_int_equal(st.vcpus, 0);
	assert_int_equal(st.pages, 2); /* a stage-2 root each */

	/* Forged: zero, bits above the handle, slot out of range, generation 0. */
	assert_int_equal(vm_destroy(0), -EINVAL);
	assert_int_equal(vm_destroy(a | (1ULL << 32)), -EINVAL);
	assert_int_equal(vm_destroy(a | (1ULL << 63)), -EINVAL);
	assert_int_equal(vm_destroy((a & ~0xffULL) | VM_MAX), -EINVAL);
	assert_int_equal(vm_destroy((a & ~0xffULL) | 0xff), -EINVAL);
	assert_int_equal(vm_destroy(a & 0xff), -EINVAL);
	/* Well formed but naming nothing: a free slot, a wrong generation. */
	assert_int_equal(vm_destroy((1ULL << 8) | (VM_MAX - 1)), -ENOENT);
	assert_int_equal(vm_destroy(a + (1ULL << 8)), -ENOENT);
	assert_int_equal(stats().vms, 2);

	/* Destroyed: the handle is stale for good, even once the slot is reused. */
	stale = a;
	assert_int_equal(vm_destroy(a), 0);
	assert_int_equal(vm_destroy(stale), -ENOENT);
	a = create(0);
	assert_int_equal(a & 0xff, stale & 0xff); /* same slot ... */
	assert_int_not_equal(a, stale);          /* ... new generation */
	assert_int_equal(vm_destroy(stale), -ENOENT);
	assert_int_equal(stats().vms, 2);
	assert_int_equal(vm_destroy(a), 0);
	assert_int_equal(vm_destroy(b), 0);
	assert_int_equal(vm_destroy(b), -ENOENT);
	assert_int_equal(stats().vms, 0);
}

static void test_table_full_and_pages_back(void **state)
{
	uint64_t h[VM_MAX], extra;
	size_t free0 = page_pool_free_pages(), limit;
	unsigned i, ipa;

	(void)state;
	for (i = 0; i < VM_MAX; i++)
		h[i] = create(i % 2 ? 32 : 44);
	assert_int_equal(stats().vms, VM_MAX);
	assert_int_equal(page_pool_free_pages(), free0 - VM_MAX);
	assert_int_equal(vm_create(0, 0, &extra, &ipa, &limit), -ENOSPC);
	assert_int_equal(page_pool_free_pages(), free0 - VM_MAX);
	/* Out of order. */
	for (i = 0; i < VM_MAX; i += 2)
		assert_int_equal(vm_destroy(h[i]), 0);
	for (i = 1; i < VM_MAX; i += 2)
		assert_int_equal(vm_destroy(h[i]), 0);
	assert_int_equal(stats().vms, 0);
	assert_int_equal(stats().pages, 0);
	assert_int_equal(page_pool_free_pages(), free0);
	assert_int_equal(fake_vm_vmid_flushes, VM_MAX);
}

static void test_vmids(void **state)
{
	uint64_t h[3], more;
	size_t limit, free0 = page_pool_free_pages();
	unsigned ipa, i;
	struct vm_stats st;

	(void)state;
	assert_int_equal(vm_nr_vmids(), 255);
	/* 2-bit VMIDs: 1, 2, 3 for guests, 0 the host's. */
	fake_vm_vmid_bits = 2;
	assert_int_equal(vm_nr_vmids(), 3);
	for (i = 0; i < 3; i++)
		h[i] = create(0);
	assert_int_equal(vm_create(0, 0, &more, &ipa, &limit), -ENOSPC);
	st = stats();
	assert_int_equal(st.vms, 3);
	/* The VMID is flushed from the TLBs when its VM goes, before anyone can get it again. */
	assert_int_equal(vm_destroy(h[1]), 0);
	assert_int_equal(fake_vm_vmid_flushes, 1);
	assert_int_equal(fake_vm_last_flushed_vmid, 2);
	h[1] = create(0);
	assert_int_equal(vm_create(0, 0, &more, &ipa, &limit), -ENOSPC);
	for (i = 0; i < 3; i++)
		assert_int_equal(vm_destroy(h[i]), 0);
	assert_int_equal(fake_vm_vmid_flushes, 4);
	assert_int_equal(page_pool_free_pages(), free0);
	/* No VMIDs at all. */
	fake_vm_vmid_bits = 0;
	assert_int_equal(vm_create(0, 0, &more, &ipa, &limit), -ENODEV);
}

static void test_page_limit_and_pool_empty(void **state)
{
	uint64_t h;
	size_t limit, total = page_pool_total_pages(), free0 = page_pool_free_pages(), n = 0;
	unsigned ipa;
	void *pages[POOL_PAGES];

	(void)state;
	assert_int_equal(vm_create(0, 1, &h, &ipa, &limit), 0);
	assert_int_equal(limit, 1);
	assert_int_equal(vm_destroy(h), 0);
	assert_int_equal(vm_create(0, total, &h, &ipa, &limit), 0);
	assert_int_equal(limit, total);
	assert_int_equal(vm_destroy(h), 0);
	assert_int_equal(vm_create(0, total + 1, &h, &ipa, &limit), -EINVAL);
	assert_int_equal(vm_create(0, SIZE_MAX, &h, &ipa, &limit), -EINVAL);

	/* An empty pool: -ENOMEM, and the slot and VMID are not lost. */
	while ((pages[n] = page_alloc(0)))
		n++;
	assert_int_equal(vm_create(0, 0, &h, &ipa, &limit), -ENOMEM);
	assert_int_equal(stats().vms, 0);
	page_free(pages[--n], 0);
	h = create(0);
	assert_int_equal(vm_destroy(h), 0);
	while (n)
		page_free(pages[--n], 0);
	assert_int_equal(page_pool_free_pages(), free0);
	/* All VMIDs still there. */
	for (unsigned i = 0; i < VM_MAX; i++)
		assert_int_equal(vm_destroy(create(0)), 0);
}

static void test_cpu_enable(void **state)
{
	(void)state;
	assert_int_equal(vm_cpus_enabled(), 0);
	assert_int_equal(vm_cpu_enable(1), 0);
	assert_int_equal(vm_cpu_enable(1), 0); /* idempotent */
	assert_int_equal(fake_vm_cpu_enables, 1);
	assert_int_equal(vm_cpu_enable(0), 0);
	assert_int_equal(vm_cpus_enabled(), 3);
	assert_int_equal(vm_cpu_disable(1), 0);
	assert_int_equal(vm_cpu_disable(1), 0);
	assert_int_equal(fake_vm_cpu_disables, 1);
	assert_int_equal(vm_cpus_enabled(), 1);
	assert_int_equal(vm_cpu_enable(HV_MAX_CPUS), -EINVAL);
	assert_int_equal(vm_cpu_disable(HV_MAX_CPUS), -EINVAL);
	assert_int_equal(vm_cpu_enable(~0U), -EINVAL);
	assert_int_equal(stats().cpus_enabled, 1);
}

/* ---- through the hypercall ABI ---- */

static int64_t hc(unsigned fn, uint64_t a1, uint64_t a2, struct hc_args *out)
{
	struct hc_args a = { .arg = { a1, a2 } };
	int64_t ret = hypercall_dispatch(fn, &a);

	if (out)
		*out = a;
	return ret;
}

static void test_hc_abi(void **state)
{
	struct hc_args a = { .arg = { 1, 2, 3, 4, 5, 6 } };

	(void)state;
	assert_int_equal(KEEL_ABI_MAJOR, 1);
	assert_true(KEEL_ABI_MINOR >= 1);
	/* Discovery takes anything. */
	assert_int_equal(hypercall_dispatch(KEEL_HC_ABI_VERSION, &a), 0);
	assert_int_equal(a.ret[0], KEEL_ABI_VERSION);
	assert_int_equal(a.ret[1], 2);
	assert_int_equal(a.ret[2], 3);
	assert_int_equal(hc(KEEL_HC_NR_CALLS, 0, 0, NULL), -ENOSYS);
	assert_int_equal(hc(0xffff, 0, 0, NULL), -ENOSYS);
	assert_int_equal(hc(~0U, 0, 0, NULL), -ENOSYS);
}

static void test_hc_vm(void **state)
{
	struct hc_args a;
	uint64_t h;
	size_t free0 = page_pool_free_pages();

	(void)state;
	assert_int_equal(hc(KEEL_HC_VM_CREATE, 0, 0, &a), 0);
	h = a.ret[0];
	assert_int_equal(a.ret[1], 40);
	assert_int_equal(a.ret[2], KEEL_VM_PAGES_DEFAULT < POOL_PAGES ? KEEL_VM_PAGES_DEFAULT
								 : page_pool_total_pages());
	/* Stray arguments, truncating ones. */
	{
		struct hc_args bad = { .arg = { 0, 0, 1 } };

		assert_int_equal(hypercall_dispatch(KEEL_HC_VM_CREATE, &bad), -EINVAL);
		bad = (struct hc_args){ .arg = { h, 0, 0, 0, 0, 7 } };
		assert_int_equal(hypercall_dispatch(KEEL_HC_VM_DESTROY, &bad), -EINVAL);
	}
	assert_int_equal(hc(KEEL_HC_VM_CREATE, 0x100 + 40, 0, NULL), -EINVAL);
	assert_int_equal(hc(KEEL_HC_VM_CREATE, 1ULL << 32 | 40, 0, NULL), -EINVAL);
	assert_int_equal(hc(KEEL_HC_VM_CREATE, 40, 1ULL << 63, NULL), -EINVAL);
	assert_int_equal(hc(KEEL_HC_STATS, KEEL_STATS_OBJECTS, 0, &a), 0);
	assert_int_equal(a.ret[0], 1);
	assert_int_equal(a.ret[1], 0);
	assert_int_equal(hc(KEEL_HC_STATS, KEEL_STATS_POOL, 0, &a), 0);
	assert_int_equal(a.ret[0], free0 - 1);
	assert_int_equal(a.ret[1], page_pool_total_pages());
	assert_int_equal(a.ret[2], 1);

	assert_int_equal(hc(KEEL_HC_VM_DESTROY, h + 1, 0, NULL), -ENOENT); /* another, free slot */
	assert_int_equal(hc(KEEL_HC_VM_DESTROY, ~0ULL, 0, NULL), -EINVAL);
	assert_int_equal(hc(KEEL_HC_VM_DESTROY, h, 0, NULL), 0);
	assert_int_equal(hc(KEEL_HC_VM_DESTROY, h, 0, NULL), -ENOENT);
	assert_int_equal(hc(KEEL_HC_STATS, KEEL_STATS_POOL, 0, &a), 0);
	assert_int_equal(a.ret[0], free0);
	assert_int_equal(a.ret[2], 0);
}

static void test_hc_cpu(void **state)
{
	struct hc_args a;

	(void)state;
	fake_cpu = 1;
	assert_int_equal(hc(KEEL_HC_CPU_ENABLE, 0, 0, &a), 0);
	assert_int_equal(a.ret[0], 1);
	assert_int_equal(a.ret[1], 2);
	assert_int_equal(hc(KEEL_HC_CPU_ENABLE, 1, 0, NULL), -EINVAL);
	assert_int_equal(hc(KEEL_HC_CPU_DISABLE, 0, 5, NULL), -EINVAL);
	assert_int_equal(hc(KEEL_HC_STATS, KEEL_STATS_OBJECTS, 0, &a), 0);
	assert_int_equal(a.ret[2], 2);
	assert_int_equal(hc(KEEL_HC_CPU_DISABLE, 0, 0, &a), 0);
	assert_int_equal(a.ret[0], 1);
	assert_int_equal(a.ret[1], 0);
	/* A CPU keel does not run (not online under keel, or beyond its CPUs). */
	fake_cpu = 2;
	assert_int_equal(hc(KEEL_HC_CPU_ENABLE, 0, 0, NULL), -ENODEV);
	assert_int_equal(hc(KEEL_HC_CPU_DISABLE, 0, 0, NULL), -ENODEV);
	fake_cpu = HV_MAX_CPUS + 3;
	assert_int_equal(hc(KEEL_HC_CPU_ENABLE, 0, 0, NULL), -ENODEV);
	assert_int_equal(vm_cpus_enabled(), 0);
}

static void test_hc_stats(void **state)
{
	struct hc_args a;
	uint64_t h;
	size_t ram_pages = RAM_SIZE / PAGE_SIZE;

	(void)state;
	assert_int_equal(hc(KEEL_HC_STATS, KEEL_STATS_OWNER_PAGES, KEEL_OWNER_HOST, &a), 0);
	assert_int_equal(a.ret[0], ram_pages);
	assert_int_equal(hc(KEEL_HC_STATS, KEEL_STATS_OWNER_PAGES, KEEL_OWNER_HYP, &a), 0);
	assert_int_equal(a.ret[0], 0);
	assert_int_equal(host_donate_hyp(pa_init(RAM_BASE), 16), 0);
	assert_int_equal(hc(KEEL_HC_STATS, KEEL_STATS_OWNER_PAGES, KEEL_OWNER_HYP, &a), 0);
	assert_int_equal(a.ret[0], 16);
	assert_int_equal(host_share_guest(pa_init(RAM_BASE + 0x100000), 3), 0);
	assert_int_equal(hc(KEEL_HC_STATS, KEEL_STATS_OWNER_PAGES, KEEL_OWNER_ALL_GUESTS, &a), 0);
	assert_int_equal(a.ret[0], 0); /* shared pages stay the host's */
	assert_int_equal(hc(KEEL_HC_STATS, KEEL_STATS_OWNER_PAGES, KEEL_OWNER_GUEST0 + VM_MAX - 1, &a), 0);
	assert_int_equal(a.ret[0], 0);
	/* Ids that are no owner. */
	assert_int_equal(hc(KEEL_HC_STATS, KEEL_STATS_OWNER_PAGES, 2, NULL), -EINVAL);
	assert_int_equal(hc(KEEL_HC_STATS, KEEL_STATS_OWNER_PAGES, KEEL_OWNER_GUEST0 - 1, NULL), -EINVAL);
	assert_int_equal(hc(KEEL_HC_STATS, KEEL_STATS_OWNER_PAGES, KEEL_OWNER_GUEST0 + VM_MAX, NULL), -EINVAL);
	assert_int_equal(hc(KEEL_HC_STATS, KEEL_STATS_OWNER_PAGES, 1ULL << 40 | KEEL_OWNER_HOST, NULL), -EINVAL);
	/* Limits. */
	assert_int_equal(hc(KEEL_HC_STATS, KEEL_STATS_LIMITS, 0, &a), 0);
	assert_int_equal(a.ret[0], 44);
	assert_int_equal(a.ret[1], KEEL_MAX_VMS);
	assert_int_equal(a.ret[2], 255);
	/* Unknown group, stray argument. */
	assert_int_equal(hc(KEEL_HC_STATS, KEEL_STATS_NR_GROUPS, 0, NULL), -EINVAL);
	assert_int_equal(hc(KEEL_HC_STATS, ~0ULL, 0, NULL), -EINVAL);
	assert_int_equal(hc(KEEL_HC_STATS, KEEL_STATS_POOL, 1, NULL), -EINVAL);
	assert_int_equal(hc(KEEL_HC_STATS, KEEL_STATS_OBJECTS, 1, NULL), -EINVAL);
	{
		struct hc_args bad = { .arg = { KEEL_STATS_POOL, 0, 0, 1 } };

		assert_int_equal(hypercall_dispatch(KEEL_HC_STATS, &bad), -EINVAL);
	}
	/* Objects count live VMs. */
	assert_int_equal(hc(KEEL_HC_VM_CREATE, 32, 0, &a), 0);
	h = a.ret[0];
	assert_int_equal(hc(KEEL_HC_STATS, KEEL_STATS_OBJECTS, 0, &a), 0);
	assert_int_equal(a.ret[0], 1);
	assert_int_equal(hc(KEEL_HC_VM_DESTROY, h, 0, NULL), 0);
	assert_int_equal(hc(KEEL_HC_STATS, KEEL_STATS_OBJECTS, 0, &a), 0);
	assert_int_equal(a.ret[0], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ipa_bits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_full_and_pages_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_limit_and_pool_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpu_enable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hc_abi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hc_vm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hc_cpu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hc_stats, setup, teardown),
	};

	return cmocka_run_group_tests_name("vm", tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Guest VM objects (hv/src/vm.c) and the hypercalls that reach them
 * (hv/src/hypercall.c): creation arguments and the pages donated for it,
 * handles (stale, forged), VMIDs, every donated page back to the host,
 * CPU enable/disable, statistics.
 */
#include "test_ram.h"

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
#define RAM_PAGES 4096

static void *mem;
static struct boot_info bi;

static int setup(void **state)
{
	(void)state;
	mem = pool_create(POOL_PAGES);
	fake_vm_max_ipa_bits = 44;
	fake_vm_vmid_bits = 8;
	assert_int_equal(vm_table_init(), 0);
	fake_vm_cpu_enables = fake_vm_cpu_disables = fake_vm_vmid_flushes = 0;
	fake_vm_last_flushed_vmid = 0;
	fake_cpu = 0;
	memset(&bi, 0, sizeof(bi));
	bi.mem[0] = test_ram_init(RAM_PAGES);
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
	pool_destroy(mem);
	test_ram_free();
	return 0;
}

static uint64_t create(unsigned ipa) { return test_vm(ipa); }

static size_t host_pages(void)
{
	size_t c[OWNER_HYP + 1];

	owner_count(c, OWNER_HYP + 1);
	return c[OWNER_HOST];
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
	size_t free0 = page_pool_free_pages(), pages, align;

	(void)state;
	/* What each size takes: the root (concatenated where the arch starts a level lower), record, map buffer,
	 * vCPU table. */
	assert_int_equal(vm_create_size(0, &pages, &align), 0);
	assert_int_equal(pages, 4);
	assert_int_equal(align, 1);
	/* 0 means 40; 32 .. the arch's limit (44 here) are accepted. */
	assert_int_equal(vm_destroy(create(0)), 0);
	assert_int_equal(vm_destroy(create(32)), 0);
	assert_int_equal(vm_destroy(create(44)), 0);
	assert_int_equal(vm_destroy(create(36)), 0);
	/* Outside: refused, nothing allocated. */
	assert_int_equal(test_vm_create(31, &h), -EINVAL);
	assert_int_equal(test_vm_create(1, &h), -EINVAL);
	assert_int_equal(test_vm_create(45, &h), -EINVAL);
	assert_int_equal(test_vm_create(255, &h), -EINVAL);
	/* A stage 2 limited below the default: type 0 is refused, as KVM does. */
	fake_vm_max_ipa_bits = 36;
	assert_int_equal(test_vm_create(0, &h), -EINVAL);
	assert_int_equal(vm_destroy(create(36)), 0);
	/* An arch without guests. */
	fake_vm_max_ipa_bits = 0;
	assert_int_equal(test_vm_create(0, &h), -ENODEV);
	assert_int_equal(stats().vms, 0);
	assert_int_equal(page_pool_free_pages(), free0);
	assert_int_equal(host_pages(), RAM_PAGES);
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
	assert_int_equal(st.pages, 8); /* four donated pages each */

	/* Forged: zero, bits above the handle, slot out of range, generation 0. */
	assert_int_equal(vm_destroy(0), -EINVAL);
	assert_int_equal(vm_destroy(a | (1ULL << 32)), -EINVAL);
	assert_int_equal(vm_destroy(a | (1ULL << 63)), -EINVAL);
	assert_int_equal(vm_destroy((a & ~0xffffULL) | 256), -EINVAL); /* beyond the 255 VMIDs */
	assert_int_equal(vm_destroy((a & ~0xffffULL) | 0xffff), -EINVAL);
	assert_int_equal(vm_destroy(a & ~0xffffULL), -EINVAL);          /* slot 0: the host's VMID */
	assert_int_equal(vm_destroy(a & 0xffff), -EINVAL);
	/* Well formed but naming nothing: a free slot, a wrong generation. */
	assert_int_equal(vm_destroy((1ULL << 16) | 255), -ENOENT);
	assert_int_equal(vm_destroy(a + (1ULL << 16)), -ENOENT);
	assert_int_equal(stats().vms, 2);

	/* Destroyed: the handle is stale for good, even once the slot is reused. */
	stale = a;
	assert_int_equal(vm_destroy(a), 0);
	assert_int_equal(vm_destroy(stale), -ENOENT);
	fake_vm_vmid_bits = 2; /* few slots, so that one comes round again */
	a = create(0);
	if ((a & 0xffff) != (stale & 0xffff))
		a = (assert_int_equal(vm_destroy(a), 0), create(0));
	assert_int_equal(a & 0xffff, stale & 0xffff); /* same slot ... */
	assert_int_not_equal(a, stale);              /* ... new generation */
	assert_int_equal(vm_destroy(stale), -ENOENT);
	assert_int_equal(stats().vms, 2);
	assert_int_equal(vm_destroy(a), 0);
	assert_int_equal(vm_destroy(b), 0);
	assert_int_equal(vm_destroy(b), -ENOENT);
	assert_int_equal(stats().vms, 0);
}

static void test_many_and_pages_back(void **state)
{
	enum { N = 200 };
	uint64_t h[N];
	size_t free0 = page_pool_free_pages();
	unsigned i;

	(void)state;
	/* Far beyond the old table of 16: only VMIDs and the host's memory bound them. */
	for (i = 0; i < N; i++)
		h[i] = create(i % 2 ? 32 : 44);
	assert_int_equal(stats().vms, N);
	assert_int_equal(stats().pages, 4 * N);
	assert_int_equal(host_pages(), RAM_PAGES - 4 * N);
	/* keel's own pool pays nothing for them. */
	assert_int_equal(page_pool_free_pages(), free0);
	/* Out of order. */
	for (i = 0; i < N; i += 2)
		assert_int_equal(vm_destroy(h[i]), 0);
	for (i = 1; i < N; i += 2)
		assert_int_equal(vm_destroy(h[i]), 0);
	assert_int_equal(stats().vms, 0);
	assert_int_equal(stats().pages, 0);
	assert_int_equal(host_pages(), RAM_PAGES);
	assert_int_equal(fake_vm_vmid_flushes, N);
}

/* The donated pages: checked, taken whole or not at all, zeroed when they go back. */
static void test_donation(void **state)
{
	size_t pages, align, free0 = page_pool_free_pages();
	uint64_t h, pa, *list = test_ram;
	unsigned ipa;
	struct page_info pi;

	(void)state;
	assert_int_equal(vm_create_size(0, &pages, &align), 0);
	pa = test_host_pages(pages, align);
	/* Wrong number of pages, not RAM, keel's own, one shared with a guest, page 0 of RAM unaligned. */
	assert_int_equal(vm_create(0, pa_init(pa), pages - 1, &h, &ipa), -EINVAL);
	assert_int_equal(vm_create(0, pa_init(pa), pages + 1, &h, &ipa), -EINVAL);
	assert_int_equal(vm_create(0, pa_init(0x1000), pages, &h, &ipa), -EFAULT);
	assert_int_equal(vm_create(0, ptr_to_pa(mem), pages, &h, &ipa), -EFAULT);
	assert_int_equal(host_share_guest(pa_init(pa + PAGE_SIZE), 1), 0);
	assert_int_equal(vm_create(0, pa_init(pa), pages, &h, &ipa), -EFAULT);
	assert_int_equal(host_unshare_guest(pa_init(pa + PAGE_SIZE), 1), 0);
	assert_int_equal(host_pages(), RAM_PAGES);
	/* Dirty pages: keel zeroes what it uses and what it gives back. */
	memset(pa_to_ptr(pa_init(pa)), 0xa5, pages * PAGE_SIZE);
	assert_int_equal(vm_create(0, pa_init(pa), pages, &h, &ipa), 0);
	assert_int_equal(owner_get(pa_init(pa), &pi), 0);
	assert_int_equal(pi.owner, OWNER_HYP);
	/* Top-ups: a list page that is not RAM, n out of range, a page twice, a page already keel's. */
	assert_int_equal(vm_topup(h, pa_init(0x1000), 1), -EINVAL);
	assert_int_equal(vm_topup(h, ptr_to_pa(list), 0), -EINVAL);
	assert_int_equal(vm_topup(h, ptr_to_pa(list), KEEL_MAP_LIST_MAX + 1), -EINVAL);
	list[0] = list[1] = test_ram_pa(1);
	assert_int_equal(vm_topup(h, ptr_to_pa(list), 2), -EFAULT);
	list[1] = pa;
	assert_int_equal(vm_topup(h, ptr_to_pa(list), 2), -EFAULT);
	assert_int_equal(owner_get(pa_init(test_ram_pa(1)), &pi), 0);
	assert_int_equal(pi.owner, OWNER_HOST); /* all or nothing */
	assert_int_equal(vm_topup(h + (1ULL << 16), ptr_to_pa(list), 1), -ENOENT);
	memset(pa_to_ptr(pa_init(test_ram_pa(2))), 0x5a, PAGE_SIZE);
	list[0] = test_ram_pa(2);
	assert_int_equal(vm_topup(h, ptr_to_pa(list), 1), 0);
	assert_int_equal(test_topup(h, 5), 0);
	assert_int_equal(stats().pages, pages + 6);
	assert_int_equal(host_pages(), RAM_PAGES - pages - 6);
	assert_int_equal(vm_destroy(h), 0);
	assert_int_equal(host_pages(), RAM_PAGES);
	for (size_t i = 0; i < pages * PAGE_SIZE; i++)
		if (((uint8_t *)pa_to_ptr(pa_init(pa)))[i])
			fail_msg("byte %zu of the VM's pages not zeroed", i);
	assert_int_equal(((uint8_t *)pa_to_ptr(pa_init(test_ram_pa(2))))[100], 0);
	assert_int_equal(page_pool_free_pages(), free0);
}

static void test_vmids(void **state)
{
	uint64_t h[3], more;
	size_t free0 = page_pool_free_pages();
	unsigned i;
	struct vm_stats st;

	(void)state;
	assert_int_equal(vm_nr_vmids(), 255);
	/* 2-bit VMIDs: 1, 2, 3 for guests, 0 the host's. */
	fake_vm_vmid_bits = 2;
	assert_int_equal(vm_nr_vmids(), 3);
	for (i = 0; i < 3; i++)
		h[i] = create(0);
	assert_int_equal(test_vm_create(0, &more), -ENOSPC);
	assert_int_equal(host_pages(), RAM_PAGES - 12); /* the refused VM's pages went back */
	st = stats();
	assert_int_equal(st.vms, 3);
	/* The VMID is flushed from the TLBs when its VM goes, before anyone can get it again. */
	assert_int_equal(vm_destroy(h[1]), 0);
	assert_int_equal(fake_vm_vmid_flushes, 1);
	assert_int_equal(fake_vm_last_flushed_vmid, 2);
	h[1] = create(0);
	assert_int_equal(test_vm_create(0, &more), -ENOSPC);
	for (i = 0; i < 3; i++)
		assert_int_equal(vm_destroy(h[i]), 0);
	assert_int_equal(fake_vm_vmid_flushes, 4);
	assert_int_equal(page_pool_free_pages(), free0);
	/* No VMIDs at all. */
	fake_vm_vmid_bits = 0;
	assert_int_equal(test_vm_create(0, &more), -ENODEV);
	/* 16-bit VMIDs in a table made for 8: as many as the table holds. */
	fake_vm_vmid_bits = 16;
	assert_int_equal(vm_nr_vmids(), 255);
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
	assert_int_equal(KEEL_ABI_MAJOR, 2);
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
	uint64_t h, pa;
	size_t free0 = page_pool_free_pages();

	(void)state;
	assert_int_equal(hc(KEEL_HC_VM_SIZE, 0, 0, &a), 0);
	assert_int_equal(a.ret[0], 4);
	assert_int_equal(a.ret[1], 1);
	assert_int_equal(hc(KEEL_HC_VM_SIZE, 31, 0, NULL), -EINVAL);
	assert_int_equal(hc(KEEL_HC_VM_SIZE, 0x100 + 40, 0, NULL), -EINVAL);
	assert_int_equal(hc(KEEL_HC_VM_SIZE, 40, 1, NULL), -EINVAL);
	pa = test_host_pages(4, 1);
	{
		struct hc_args c = { .arg = { 0, pa, 4 } };

		assert_int_equal(hypercall_dispatch(KEEL_HC_VM_CREATE, &c), 0);
		h = c.ret[0];
		assert_int_equal(c.ret[1], 40);
	}
	/* Stray arguments, truncating ones. */
	{
		struct hc_args bad = { .arg = { 0, pa, 4, 1 } };

		assert_int_equal(hypercall_dispatch(KEEL_HC_VM_CREATE, &bad), -EINVAL);
		bad = (struct hc_args){ .arg = { 0, pa, 1ULL << 32 | 4 } };
		assert_int_equal(hypercall_dispatch(KEEL_HC_VM_CREATE, &bad), -EINVAL);
		bad = (struct hc_args){ .arg = { h, 0, 0, 0, 0, 7 } };
		assert_int_equal(hypercall_dispatch(KEEL_HC_VM_DESTROY, &bad), -EINVAL);
		bad = (struct hc_args){ .arg = { h, test_ram_pa(0), 1, 1 } };
		assert_int_equal(hypercall_dispatch(KEEL_HC_VM_TOPUP, &bad), -EINVAL);
	}
	assert_int_equal(hc(KEEL_HC_VM_CREATE, 0x100 + 40, pa, NULL), -EINVAL);
	assert_int_equal(hc(KEEL_HC_VM_CREATE, 1ULL << 32 | 40, pa, NULL), -EINVAL);
	assert_int_equal(hc(KEEL_HC_STATS, KEEL_STATS_OBJECTS, 0, &a), 0);
	assert_int_equal(a.ret[0], 1);
	assert_int_equal(a.ret[1], 0);
	assert_int_equal(hc(KEEL_HC_STATS, KEEL_STATS_POOL, 0, &a), 0);
	assert_int_equal(a.ret[0], free0);
	assert_int_equal(a.ret[1], page_pool_total_pages());
	assert_int_equal(a.ret[2], 4);

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
	size_t ram_pages = RAM_PAGES;

	(void)state;
	assert_int_equal(hc(KEEL_HC_STATS, KEEL_STATS_OWNER_PAGES, KEEL_OWNER_HOST, &a), 0);
	assert_int_equal(a.ret[0], ram_pages);
	assert_int_equal(hc(KEEL_HC_STATS, KEEL_STATS_OWNER_PAGES, KEEL_OWNER_HYP, &a), 0);
	assert_int_equal(a.ret[0], 0);
	assert_int_equal(host_donate_hyp(pa_init(test_ram_pa(0)), 16), 0);
	assert_int_equal(hc(KEEL_HC_STATS, KEEL_STATS_OWNER_PAGES, KEEL_OWNER_HYP, &a), 0);
	assert_int_equal(a.ret[0], 16);
	assert_int_equal(host_share_guest(pa_init(test_ram_pa(256)), 3), 0);
	assert_int_equal(hc(KEEL_HC_STATS, KEEL_STATS_OWNER_PAGES, KEEL_OWNER_HOST, &a), 0);
	assert_int_equal(a.ret[0], ram_pages - 16); /* shared pages stay the host's */
	assert_int_equal(host_unshare_guest(pa_init(test_ram_pa(256)), 3), 0);
	assert_int_equal(hyp_donate_host(pa_init(test_ram_pa(0)), 16), 0);
	/* Ids that are no owner (guests own no pages: they share the host's). */
	assert_int_equal(hc(KEEL_HC_STATS, KEEL_STATS_OWNER_PAGES, 2, NULL), -EINVAL);
	assert_int_equal(hc(KEEL_HC_STATS, KEEL_STATS_OWNER_PAGES, 16, NULL), -EINVAL);
	assert_int_equal(hc(KEEL_HC_STATS, KEEL_STATS_OWNER_PAGES, 0xffff, NULL), -EINVAL);
	assert_int_equal(hc(KEEL_HC_STATS, KEEL_STATS_OWNER_PAGES, 1ULL << 40 | KEEL_OWNER_HOST, NULL), -EINVAL);
	/* Limits. */
	assert_int_equal(hc(KEEL_HC_STATS, KEEL_STATS_LIMITS, 0, &a), 0);
	assert_int_equal(a.ret[0], 44);
	assert_int_equal(a.ret[1], 255); /* VMs at once: the VMIDs */
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
	h = create(32);
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
		cmocka_unit_test_setup_teardown(test_many_and_pages_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_donation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpu_enable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hc_abi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hc_vm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hc_cpu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hc_stats, setup, teardown),
	};

	return cmocka_run_group_tests_name("vm", tests, NULL, NULL);
}

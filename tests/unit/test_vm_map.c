// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory: KEEL_HC_VM_MAP / KEEL_HC_VM_UNMAP (hv/src/vm.c) over the
 * page-owner record (hv/src/owner.c): mapping, unmapping, every error path
 * changing nothing, aliasing (one host page at several IPAs and in several
 * VMs), the memcache asking for pages (-ENOMEM with how many), VM_DESTROY
 * giving every page back, the host's stage 2 losing donated pages and
 * getting them back, and the accounting (KEEL_STATS_SHARED, pool, owners)
 * back to zero.
 *
 * "RAM" is host memory the test allocates, so keel reads the map lists
 * through pa_to_ptr as on the real machine (VA == PA); the page pool is a
 * second RAM bank, donated to keel as at boot.
 */
#include "test_ram.h"

#include <hv/boot.h>
#include <hv/cpu.h>
#include <hv/errno.h>
#include <hv/host.h>
#include <hv/hypercall.h>
#include <hv/owner.h>
#include <hv/pgtable.h>
#include <hv/vm.h>
#include <keel/abi.h>

#define POOL_PAGES 1024
#define RAM_PAGES 2048 /* 8 MiB of "host RAM" */
#define IPA_BASE 0x40000000ULL

static void *pool_mem;
static struct boot_info bi;
static size_t free0;

static uint64_t ram_pa(size_t page) { return test_ram_pa(page); }
static uint64_t *list_page(void) { return test_ram; } /* RAM page 0 holds the map lists */

static int setup(void **state)
{
	(void)state;
	pool_mem = pool_create(POOL_PAGES);
	assert_int_equal(vm_table_init(), 0);
	memset(&bi, 0, sizeof(bi));
	bi.mem[0] = test_ram_init(RAM_PAGES);
	bi.mem[1] = (struct mem_range){ (uintptr_t)pool_mem, POOL_PAGES * PAGE_SIZE };
	bi.nr_mem = 2;
	assert_int_equal(owner_init(&bi), 0);
	/* As at boot: keel's memory (its pool) is keel's. */
	assert_int_equal(host_donate_hyp(ptr_to_pa(pool_mem), POOL_PAGES), 0);
	cpus_init(1);
	cpu_mark_online(0);
	fake_reset_counters();
	free0 = page_pool_free_pages();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(fake_locks_held(), 0);
	assert_int_equal(fake_bbm_violations, 0);
	assert_int_equal(fake_tlb_pending(), 0);
	host_stage2_forget();
	pool_destroy(pool_mem);
	test_ram_free();
	return 0;
}

static uint64_t create_vm(unsigned ipa_bits) { return test_vm(ipa_bits); }

static int64_t hc(unsigned fn, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
		  uint64_t a6, struct hc_args *out)
{
	struct hc_args a = { .arg = { a1, a2, a3, a4, a5, a6 } };
	int64_t ret = hypercall_dispatch(fn, &a);

	if (out)
		*out = a;
	return ret;
}

/* Map n RAM pages starting at RAM page first to ipa through the hypercall; *need: pages asked for. */
static int64_t map_once(uint64_t h, uint64_t ipa, size_t first, size_t n, uint64_t flags, uint64_t *need)
{
	struct hc_args a;
	int64_t ret;

	for (size_t i = 0; i < n; i++)
		list_page()[i] = ram_pa(first + i);
	ret = hc(KEEL_HC_VM_MAP, h, ipa, ram_pa(0), n, flags, 0, &a);
	*need = ret == -ENOMEM ? a.ret[0] : 0;
	return ret;
}

/* The same as the shim does it: donating what keel asks for, until it maps or fails otherwise. */
static int64_t map_run(uint64_t h, uint64_t ipa, size_t first, size_t n, uint64_t flags)
{
	uint64_t need;
	int64_t ret;

	while ((ret = map_once(h, ipa, first, n, flags, &need)) == -ENOMEM && need)
		assert_int_equal(test_topup(h, need), 0);
	return ret;
}

static int64_t unmap(uint64_t h, uint64_t ipa, uint64_t npages, uint64_t *done)
{
	struct hc_args a;
	int64_t ret = hc(KEEL_HC_VM_UNMAP, h, ipa, npages, 0, 0, 0, &a);

	if (done)
		*done = ret ? ~0ULL : a.ret[0];
	return ret;
}

struct shared {
	uint64_t pages, maps, mapped;
};

static struct shared shared_now(void)
{
	struct hc_args a;

	assert_int_equal(hc(KEEL_HC_STATS, KEEL_STATS_SHARED, 0, 0, 0, 0, 0, &a), 0);
	/* The owner record and the VMs' record always agree. */
	assert_int_equal(a.ret[1], a.ret[2]);
	return (struct shared){ a.ret[0], a.ret[1], a.ret[2] };
}

static uint32_t guest_maps(uint64_t pa)
{
	struct page_info pi;

	assert_int_equal(owner_get(pa_init(pa), &pi), 0);
	assert_int_equal(pi.owner, OWNER_HOST);
	assert_int_equal(pi.share, pi.guest_maps ? PAGE_SHARED : PAGE_OWNED);
	return pi.guest_maps;
}

static size_t vm_pages(void)
{
	struct vm_stats st;

	vm_stats_get(&st);
	return st.pages;
}

/* Everything given back: no shared page, pool full, the host owns all RAM again. */
static void assert_all_back(void)
{
	size_t counts[OWNER_HYP + 1];
	struct shared s = shared_now();

	assert_int_equal(s.pages, 0);
	assert_int_equal(s.maps, 0);
	assert_int_equal(page_pool_free_pages(), free0);
	owner_count(counts, ARRAY_SIZE(counts));
	assert_int_equal(counts[OWNER_HOST], RAM_PAGES);
	assert_int_equal(counts[OWNER_HYP], POOL_PAGES);
}

static void test_map_unmap(void **state)
{
	uint64_t h = create_vm(40), done;
	unsigned long flushes;
	uint32_t prot;
	paddr_t pa;

	(void)state;
	assert_int_equal(map_run(h, IPA_BASE, 1, 3, 0), 0);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(vm_translate(h, IPA_BASE + i * PAGE_SIZE, &pa, &prot), 0);
		assert_int_equal(pa_addr(pa), ram_pa(1 + i));
		assert_int_equal(prot, PT_PROT_RWX);
		assert_int_equal(guest_maps(ram_pa(1 + i)), 1);
	}
	assert_int_equal(vm_translate(h, IPA_BASE + 3 * PAGE_SIZE, &pa, &prot), -ENOENT);
	assert_int_equal(guest_maps(ram_pa(0)), 0); /* the list page is only read */
	assert_int_equal(shared_now().pages, 3);
	assert_int_equal(shared_now().mapped, 3);
	/* The first four pages (root, record, buffer, vCPU table) + a level-1, -2 and -3 table (root at level 0). */
	assert_int_equal(vm_pages(), 7);

	/* Read-only: readable and executable, not writable. */
	assert_int_equal(map_run(h, IPA_BASE + 0x100000, 10, 1, KEEL_MAP_READONLY), 0);
	assert_int_equal(vm_translate(h, IPA_BASE + 0x100000, &pa, &prot), 0);
	assert_int_equal(prot, PT_PROT_R | PT_PROT_X);

	/* Unmap the middle page, then a range with holes: counts what was mapped, flushes the TLB. */
	flushes = fake_tlb_flushes;
	assert_int_equal(unmap(h, IPA_BASE + PAGE_SIZE, 1, &done), 0);
	assert_int_equal(done, 1);
	assert_true(fake_tlb_flushes > flushes);
	assert_int_equal(guest_maps(ram_pa(2)), 0);
	assert_int_equal(vm_translate(h, IPA_BASE + PAGE_SIZE, &pa, &prot), -ENOENT);
	assert_int_equal(unmap(h, IPA_BASE, 0x200, &done), 0);
	assert_int_equal(done, 3);
	assert_int_equal(unmap(h, IPA_BASE, 0x200, &done), 0);
	assert_int_equal(done, 0);
	/* Empty tables went back to the VM's memcache with the last page: still donated. */
	assert_int_equal(vm_pages(), 7);
	assert_int_equal(shared_now().pages, 0);
	assert_int_equal(vm_destroy(h), 0);
	assert_all_back();
}

static void test_map_errors(void **state)
{
	uint64_t h = create_vm(40), h2, dead = create_vm(40);
	uint64_t *list = list_page(), pool_pa = (uintptr_t)pool_mem;
	size_t pages0;

	(void)state;
	assert_int_equal(vm_destroy(dead), 0);
	assert_int_equal(map_run(h, IPA_BASE, 1, 1, 0), 0);
	pages0 = vm_pages();
	for (unsigned i = 0; i < 4; i++)
		list[i] = ram_pa(100 + i);

#define MAP(h_, ipa, lpa, n, fl) hc(KEEL_HC_VM_MAP, h_, ipa, lpa, n, fl, 0, NULL)
	/* Arguments. */
	assert_int_equal(MAP(h, IPA_BASE + 0x10000, ram_pa(0), 0, 0), -EINVAL);
	assert_int_equal(MAP(h, IPA_BASE + 0x10000, ram_pa(0), KEEL_MAP_LIST_MAX + 1, 0), -EINVAL);
	assert_int_equal(MAP(h, IPA_BASE + 0x10000, ram_pa(0), 4, 2), -EINVAL);
	assert_int_equal(MAP(h, IPA_BASE + 0x10000, ram_pa(0), 4, 1ULL << 63), -EINVAL);
	assert_int_equal(MAP(h, IPA_BASE + 0x10001, ram_pa(0), 4, 0), -EINVAL);
	assert_int_equal(hc(KEEL_HC_VM_MAP, h, IPA_BASE + 0x10000, ram_pa(0), 4, 0, 1, NULL), -EINVAL);
	/* The range below 2^ipa_bits, no wrap. */
	assert_int_equal(MAP(h, (1ULL << 40) - 2 * PAGE_SIZE, ram_pa(0), 3, 0), -EINVAL);
	assert_int_equal(MAP(h, 1ULL << 40, ram_pa(0), 1, 0), -EINVAL);
	assert_int_equal(MAP(h, UINT64_MAX & ~(PAGE_SIZE - 1), ram_pa(0), 4, 0), -EINVAL);
	/* The list page: aligned, host RAM (not keel's, not outside RAM). */
	assert_int_equal(MAP(h, IPA_BASE + 0x10000, ram_pa(0) + 8, 4, 0), -EINVAL);
	assert_int_equal(MAP(h, IPA_BASE + 0x10000, pool_pa, 4, 0), -EINVAL);
	assert_int_equal(MAP(h, IPA_BASE + 0x10000, 0x1000, 4, 0), -EINVAL);
	/* Handles. */
	assert_int_equal(MAP(0, IPA_BASE + 0x10000, ram_pa(0), 4, 0), -EINVAL);
	assert_int_equal(MAP(h | (1ULL << 40), IPA_BASE + 0x10000, ram_pa(0), 4, 0), -EINVAL);
	assert_int_equal(MAP(dead, IPA_BASE + 0x10000, ram_pa(0), 4, 0), -ENOENT);
	/* A listed page that is not host RAM, anywhere in the list: -EFAULT, nothing shared. */
	list[3] = pool_pa + 5 * PAGE_SIZE; /* keel's */
	assert_int_equal(MAP(h, IPA_BASE + 0x10000, ram_pa(0), 4, 0), -EFAULT);
	list[3] = ram_pa(103) + 16;        /* unaligned */
	assert_int_equal(MAP(h, IPA_BASE + 0x10000, ram_pa(0), 4, 0), -EFAULT);
	list[3] = 0x1000;                  /* not RAM */
	assert_int_equal(MAP(h, IPA_BASE + 0x10000, ram_pa(0), 4, 0), -EFAULT);
	list[0] = ram_pa(RAM_PAGES);       /* just past the bank */
	list[3] = ram_pa(103);
	assert_int_equal(MAP(h, IPA_BASE + 0x10000, ram_pa(0), 4, 0), -EFAULT);
	list[0] = ram_pa(100);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(guest_maps(ram_pa(100 + i)), 0);
	/* Any IPA of the range mapped: -EEXIST (the first page here, the last below). */
	assert_int_equal(MAP(h, IPA_BASE, ram_pa(0), 4, 0), -EEXIST);
	assert_int_equal(MAP(h, IPA_BASE - 3 * PAGE_SIZE, ram_pa(0), 4, 0), -EEXIST);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(guest_maps(ram_pa(100 + i)), 0);
	assert_int_equal(shared_now().pages, 1);
	assert_int_equal(vm_pages(), pages0);
	/* Unmap arguments. */
	assert_int_equal(unmap(h, IPA_BASE, 0, NULL), -EINVAL);
	assert_int_equal(unmap(h, IPA_BASE + 1, 1, NULL), -EINVAL);
	assert_int_equal(unmap(h, (1ULL << 40) - PAGE_SIZE, 2, NULL), -EINVAL);
	assert_int_equal(unmap(h, PAGE_SIZE, UINT64_MAX >> PAGE_SHIFT, NULL), -EINVAL);
	assert_int_equal(hc(KEEL_HC_VM_UNMAP, h, IPA_BASE, 1, 1, 0, 0, NULL), -EINVAL);
	assert_int_equal(unmap(dead, IPA_BASE, 1, NULL), -ENOENT);
	assert_int_equal(unmap(1ULL << 32, IPA_BASE, 1, NULL), -EINVAL);
	assert_int_equal(shared_now().pages, 1);
	/* Stats: the group takes no argument. */
	assert_int_equal(hc(KEEL_HC_STATS, KEEL_STATS_SHARED, 1, 0, 0, 0, 0, NULL), -EINVAL);

	/* Another VM: its IPAs are its own. */
	h2 = create_vm(32);
	assert_int_equal(test_topup(h2, 2), 0); /* a level-2 and a level-3 table under the level-1 root */
	assert_int_equal(MAP(h2, IPA_BASE, ram_pa(0), 4, 0), 0);
	assert_int_equal(MAP(h2, 1ULL << 32, ram_pa(0), 1, 0), -EINVAL);
	assert_int_equal(vm_destroy(h2), 0);
	assert_int_equal(vm_destroy(h), 0);
#undef MAP
	assert_all_back();
}

static void test_aliasing(void **state)
{
	uint64_t a = create_vm(40), b = create_vm(44), done;
	uint64_t *list = list_page(), page = ram_pa(7);

	(void)state;
	/* One host page twice in one list, at a second IPA of the same VM, and in another VM. */
	assert_int_equal(test_topup(a, 3), 0);
	list[0] = page;
	list[1] = page;
	assert_int_equal(hc(KEEL_HC_VM_MAP, a, IPA_BASE, ram_pa(0), 2, 0, 0, NULL), 0);
	assert_int_equal(map_run(a, IPA_BASE + (1ULL << 30), 7, 1, 0), 0);
	assert_int_equal(map_run(b, IPA_BASE, 7, 1, KEEL_MAP_READONLY), 0);
	assert_int_equal(guest_maps(page), 4);
	assert_int_equal(shared_now().pages, 1);
	assert_int_equal(shared_now().maps, 4);
	/* Each unmap gives back one mapping; the page stays shared while any is left. */
	assert_int_equal(unmap(a, IPA_BASE, 1, &done), 0);
	assert_int_equal(done, 1);
	assert_int_equal(guest_maps(page), 3);
	assert_int_equal(vm_destroy(b), 0);
	assert_int_equal(guest_maps(page), 2);
	assert_int_equal(shared_now().pages, 1);
	/* A page shared many times is still the host's: keel's own pages never are. */
	assert_int_equal(host_donate_hyp(pa_init(page), 1), -EPERM);
	assert_int_equal(vm_destroy(a), 0);
	assert_int_equal(guest_maps(page), 0);
	assert_all_back();
}

/* VM_MAP takes its tables from the memcache and says how many it lacks; nothing changes until it has them. */
static void test_memcache(void **state)
{
	uint64_t h, need;

	(void)state;
	/* Root only: the first page needs a level-1, -2 and -3 table. */
	h = create_vm(40);
	assert_int_equal(map_once(h, IPA_BASE, 1, 1, 0, &need), -ENOMEM);
	assert_int_equal(need, 3);
	assert_int_equal(shared_now().pages, 0);
	assert_int_equal(vm_pages(), 4);
	assert_int_equal(test_topup(h, 2), 0);
	assert_int_equal(map_once(h, IPA_BASE, 1, 1, 0, &need), -ENOMEM);
	assert_int_equal(need, 1);
	assert_int_equal(test_topup(h, 1), 0);
	assert_int_equal(map_once(h, IPA_BASE, 1, 512, 0, &need), 0);
	/* The next 2 MiB needs a level-3 table more. */
	assert_int_equal(map_once(h, IPA_BASE + (2UL << 20), 1, 1, 0, &need), -ENOMEM);
	assert_int_equal(need, 1);
	/* A range straddling two level-3 tables needs both: one exists, one is new. */
	assert_int_equal(unmap(h, IPA_BASE + (2UL << 20) - PAGE_SIZE, 1, NULL), 0);
	assert_int_equal(map_once(h, IPA_BASE + (2UL << 20) - PAGE_SIZE, 1, 2, 0, &need), -ENOMEM);
	assert_int_equal(need, 1);
	assert_int_equal(shared_now().mapped, 511);
	/* Tables freed by an unmap go back to the memcache, not anywhere else: mapped again for free. */
	assert_int_equal(unmap(h, IPA_BASE, 512, NULL), 0);
	assert_int_equal(map_once(h, IPA_BASE + (1ULL << 39) - PAGE_SIZE, 1, 1, 0, &need), 0);
	assert_int_equal(vm_pages(), 7);
	/* Bad handles ask for nothing. */
	assert_int_equal(map_once(h + (1ULL << 16), IPA_BASE, 1, 1, 0, &need), -ENOENT);
	assert_int_equal(need, 0);
	assert_int_equal(vm_destroy(h), 0);
	assert_all_back();
}

/* The host's stage 2 loses what the host donates and gets it back, folded into blocks again. */
static void test_host_stage2(void **state)
{
	struct pgtable host;
	size_t leaves0[PT_LEVELS], leaves[PT_LEVELS], tables0, pool0;
	uint64_t h, donated;
	void *taken[POOL_PAGES];
	size_t n = 0;

	(void)state;
	bi.keel = bi.mem[1]; /* keel's memory (its pool) is not the host's */
	assert_int_equal(host_stage2_init(&host, &bi, 48), 0); /* the test's RAM is anywhere in the process */
	pgtable_count_leaves(&host, leaves0);
	tables0 = host.nr_tables;
	pool0 = page_pool_free_pages();
	h = create_vm(40);
	assert_int_equal(map_run(h, IPA_BASE, 1, 1, 0), 0);
	donated = vm_pages();
	assert_int_equal(donated, 7);
	/* Each donated page is out of the host's map; its neighbours are in. */
	for (size_t i = 0; i < RAM_PAGES; i++) {
		struct page_info pi;
		int mapped = pgtable_lookup(&host, ram_pa(i), NULL, NULL, NULL) == 0;

		assert_int_equal(owner_get(pa_init(ram_pa(i)), &pi), 0);
		assert_int_equal(mapped, pi.owner == OWNER_HOST);
	}
	assert_true(host.nr_tables > tables0);
	/* A host access caught in a change: retried if the page is the host's, refused if keel's. */
	assert_true(host_stage2_fault(ram_pa(1)));
	assert_false(host_stage2_fault(test_host_pages(1, 1) + PAGE_SIZE)); /* donated: just above the top free one */
	assert_false(host_stage2_fault((uintptr_t)pool_mem));
	assert_int_equal(vm_destroy(h), 0);
	/* All back, and the splits folded: the same leaves and tables as before. */
	pgtable_count_leaves(&host, leaves);
	assert_memory_equal(leaves, leaves0, sizeof(leaves));
	assert_int_equal(host.nr_tables, tables0);
	assert_int_equal(page_pool_free_pages(), pool0);

	/* keel's pool too dry to split the host's blocks: the donation fails whole. */
	while (page_pool_free_pages())
		taken[n++] = page_alloc(0);
	assert_int_equal(test_vm_create(40, &h), -ENOMEM);
	pgtable_count_leaves(&host, leaves);
	assert_memory_equal(leaves, leaves0, sizeof(leaves));
	while (n)
		page_free(taken[--n], 0);
	host_stage2_forget();
	pgtable_destroy(&host);
	assert_all_back();
}

/* Many batches, spread over the IPA space: unmap and destroy walk only what is mapped. */
static void test_many(void **state)
{
	uint64_t h = create_vm(44), h2 = create_vm(40), done, start;
	size_t i;

	(void)state;
	for (i = 0; i < 6; i++)
		assert_int_equal(map_run(h, i * (1ULL << 39) + i * PAGE_SIZE, 1, KEEL_MAP_LIST_MAX, 0), 0);
	assert_int_equal(map_run(h, (1ULL << 44) - PAGE_SIZE, 1, 1, 0), 0);
	assert_int_equal(shared_now().mapped, 6 * KEEL_MAP_LIST_MAX + 1);
	assert_int_equal(guest_maps(ram_pa(1)), 7);
	assert_int_equal(guest_maps(ram_pa(2)), 6);
	/* Half of one batch and all of the next, in one call ending before the third. */
	start = (1ULL << 39) + PAGE_SIZE + 256 * PAGE_SIZE;
	assert_int_equal(unmap(h, start, (3 * (1ULL << 39) - start) >> PAGE_SHIFT, &done), 0);
	assert_int_equal(done, 256 + KEEL_MAP_LIST_MAX);
	/* The whole IPA space in one call. */
	assert_int_equal(unmap(h, 0, 1ULL << (44 - PAGE_SHIFT), &done), 0);
	assert_int_equal(done, 4 * KEEL_MAP_LIST_MAX + 256 + 1);
	/*
	 * Donated pages stay with the VM: both VMs' first 4, and h's 24 tables (3 for each of 7 runs, and
	 * a second level-3 table for the 5 runs that cross a 2 MiB line), now in its memcache.
	 */
	assert_int_equal(vm_pages(), 4 + 4 + 7 * 3 + 5);
	assert_int_equal(shared_now().pages, 0);

	/* Destroy with everything still mapped, in both VMs. */
	for (i = 0; i < 8; i++) {
		assert_int_equal(map_run(h, IPA_BASE + i * KEEL_MAP_LIST_MAX * PAGE_SIZE, 1 + i * 64,
					 KEEL_MAP_LIST_MAX, 0), 0);
		assert_int_equal(map_run(h2, IPA_BASE + i * (1ULL << 30), 1 + i * 64, KEEL_MAP_LIST_MAX, 0), 0);
	}
	assert_int_equal(shared_now().mapped, 16 * KEEL_MAP_LIST_MAX);
	assert_int_equal(vm_destroy(h), 0);
	assert_int_equal(shared_now().mapped, 8 * KEEL_MAP_LIST_MAX);
	assert_int_equal(vm_destroy(h2), 0);
	assert_all_back();
}

/* The list is read once: keel maps what it read, even if the host rewrites its page later. */
static void test_list_copied(void **state)
{
	uint64_t h = create_vm(40);
	paddr_t pa;

	(void)state;
	assert_int_equal(map_run(h, IPA_BASE, 20, 2, 0), 0);
	list_page()[0] = ram_pa(30);
	assert_int_equal(vm_translate(h, IPA_BASE, &pa, NULL), 0);
	assert_int_equal(pa_addr(pa), ram_pa(20));
	assert_int_equal(vm_translate(h, 1ULL << 40, &pa, NULL), -EINVAL);
	assert_int_equal(vm_destroy(h), 0);
	assert_int_equal(guest_maps(ram_pa(20)), 0);
	assert_all_back();
}

/* The list-based owner transitions on their own: all or nothing, duplicates counted. */
static void test_owner_lists(void **state)
{
	uint64_t l[3] = { ram_pa(3), ram_pa(4), ram_pa(3) };
	uint64_t bad[2] = { ram_pa(5), (uintptr_t)pool_mem };

	(void)state;
	assert_int_equal(host_share_guest_pages(l, 3, 0), 0);
	assert_int_equal(guest_maps(ram_pa(3)), 2);
	assert_int_equal(guest_maps(ram_pa(4)), 1);
	assert_int_equal(host_share_guest_pages(bad, 2, 0), -EPERM);
	assert_int_equal(guest_maps(ram_pa(5)), 0);
	bad[1] = 0x1000;
	assert_int_equal(host_share_guest_pages(bad, 2, 0), -EINVAL);
	assert_int_equal(guest_maps(ram_pa(5)), 0);
	/* Unsharing more than was shared: refused, nothing changed. */
	l[1] = ram_pa(3);
	l[2] = ram_pa(3);
	assert_int_equal(host_unshare_guest_pages(l, 3, 0), -EPERM);
	assert_int_equal(guest_maps(ram_pa(3)), 2);
	assert_int_equal(host_unshare_guest_pages(l, 2, 0), 0);
	assert_int_equal(host_unshare_guest(pa_init(ram_pa(4)), 0), 0);
	assert_int_equal(host_unshare_guest_pages(l, 1, 0), -EPERM);
	/* host_page_ptr: host RAM pages only. */
	assert_ptr_equal(host_page_ptr(pa_init(ram_pa(9))), (void *)(uintptr_t)ram_pa(9));
	assert_null(host_page_ptr(pa_init(ram_pa(9) + 8)));
	assert_null(host_page_ptr(pa_init((uintptr_t)pool_mem)));
	assert_null(host_page_ptr(pa_init(0x1000)));
	assert_all_back();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_map_unmap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aliasing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memcache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_stage2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_copied, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner_lists, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The radix page-table builder on the fake arch's entry format: block
 * choice, splitting, break-before-make, table accounting, error paths.
 * On the fake arch the guest stage takes leaves at levels 1-3 and keel's
 * own stage (PT_STAGE_HYP) only at levels 2-3.
 */
#include "test_util.h"

#include <hv/errno.h>
#include <hv/pgtable.h>

#define KB 1024ULL
#define MB (1024 * KB)
#define GB (1024 * MB)
#define RW (PT_PROT_R | PT_PROT_W)
#define POOL_PAGES 4096

static void *mem;
static size_t pool_free_at_start;
static struct pgtable pt;

static int setup(void **state)
{
	(void)state;
	mem = pool_create(POOL_PAGES);
	pool_free_at_start = page_pool_free_pages();
	fake_reset_counters();
	assert_int_equal(pgtable_init(&pt, PT_STAGE_GUEST, 40, 1), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pgtable_destroy(&pt);
	assert_null(pt.root);
	assert_int_equal(pt.nr_tables, 0);
	/* Every table went back to the pool. */
	assert_int_equal(page_pool_free_pages(), pool_free_at_start);
	assert_int_equal(fake_locks_held(), 0);
	pool_destroy(mem);
	return 0;
}

/* What must hold after every operation. */
static void check_hw_rules(void)
{
	assert_int_equal(fake_bbm_violations, 0);
	assert_int_equal(fake_tlb_pending(), 0);
	assert_int_equal(fake_locks_held(), 0);
}

/* Tables reachable from the root, counted independently of pt.nr_tables. */
static size_t count_tables(const pte_t *t, int level)
{
	size_t n = 1;

	for (int i = 0; i < PT_ENTRIES; i++)
		if (arch_pte_is_table(t[i], level))
			n += count_tables(pa_to_ptr(arch_pte_addr(t[i], 3)), level + 1);
	return n;
}

static void check_tables(void)
{
	assert_int_equal(count_tables(pt.root, pt.start_level), pt.nr_tables);
	assert_int_equal(page_pool_free_pages(), pool_free_at_start - pt.nr_tables);
}

static void expect_map(uint64_t ia, uint64_t pa, uint32_t prot, int level)
{
	paddr_t got;
	uint32_t gprot;
	int glevel;

	assert_int_equal(pgtable_lookup(&pt, ia, &got, &gprot, &glevel), 0);
	assert_int_equal(pa_addr(got), pa);
	assert_int_equal(gprot, prot);
	if (level >= 0)
		assert_int_equal(glevel, level);
}

static void expect_unmapped(uint64_t ia)
{
	assert_int_equal(pgtable_lookup(&pt, ia, NULL, NULL, NULL), -ENOENT);
}

static void expect_leaves(size_t l1, size_t l2, size_t l3)
{
	size_t c[PT_LEVELS];

	pgtable_count_leaves(&pt, c);
	assert_int_equal(c[0], 0);
	assert_int_equal(c[1], l1);
	assert_int_equal(c[2], l2);
	assert_int_equal(c[3], l3);
}

static void test_init(void **state)
{
	struct pgtable p2;

	(void)state;
	assert_int_equal(pt.start_level, 0);
	assert_int_equal(pt.nr_tables, 1);
	expect_unmapped(0);
	expect_leaves(0, 0, 0);
	assert_int_equal(pgtable_init(&p2, PT_STAGE_GUEST, 39, 2), 0);
	assert_int_equal(p2.start_level, 1);
	pgtable_destroy(&p2);
	assert_int_equal(pgtable_init(&p2, PT_STAGE_HYP, 30, 0), 0);
	assert_int_equal(p2.start_level, 2);
	pgtable_destroy(&p2);
	assert_int_equal(pgtable_init(&p2, PT_STAGE_GUEST, 20, 0), -EINVAL);
	assert_int_equal(pgtable_init(&p2, PT_STAGE_GUEST, 49, 0), -EINVAL);
	assert_null(p2.root);
	pgtable_destroy(&p2); /* harmless on a failed init */
	assert_int_equal(pgtable_lookup(&pt, 1ULL << 40, NULL, NULL, NULL), -EINVAL);
}

/* A 40-bit stage 2 starting at level 1 (arm64 with a 40-bit PA): two concatenated level-1 tables. */
static void test_concatenated_root(void **state)
{
	struct pgtable p2;
	size_t c[PT_LEVELS];
	paddr_t pa;
	int level;

	(void)state;
	fake_pt_start_level = 1;
	assert_int_equal(pgtable_init(&p2, PT_STAGE_GUEST, 40, 3), 0);
	assert_int_equal(p2.hw_start_level, 1);
	assert_int_equal(p2.hw_root_order, 1);
	assert_int_equal(p2.start_level, 0);
	assert_ptr_not_equal(p2.root, p2.hw_root);
	assert_int_equal(p2.nr_tables, 3); /* two hardware tables, one software root */
	assert_true(((uintptr_t)p2.hw_root & (2 * PAGE_SIZE - 1)) == 0);
	/* Both halves of the 1 TiB: blocks land in the second table too. */
	assert_int_equal(pgtable_map(&p2, 0, pa_init(0), 1ULL << 40, RW), 0);
	pgtable_count_leaves(&p2, c);
	assert_int_equal(c[1], 1024);
	assert_int_equal(p2.nr_tables, 3);
	assert_int_equal(p2.hw_root[512 + 3], arch_pte_leaf(PT_STAGE_GUEST, 1, pa_init(515 * GB), RW));
	assert_int_equal(pgtable_lookup(&p2, 700 * GB + 5, &pa, NULL, &level), 0);
	assert_int_equal(pa_addr(pa), 700 * GB + 5);
	assert_int_equal(level, 1);
	/* Unmapping everything keeps the hardware tables (pinned), and they stay reachable. */
	assert_int_equal(pgtable_unmap(&p2, 0, 1ULL << 40), 0);
	assert_int_equal(p2.nr_tables, 3);
	assert_int_equal(pgtable_lookup(&p2, 600 * GB, NULL, NULL, NULL), -ENOENT);
	assert_int_equal(pgtable_map(&p2, 513 * GB + 4096, pa_init(8192), 4096, RW), 0);
	assert_int_equal(p2.nr_tables, 5);
	assert_int_equal(pgtable_map(&p2, 1ULL << 40, pa_init(0), 4096, RW), -EINVAL);
	pgtable_destroy(&p2); /* ASan: every table freed */
	assert_null(p2.root);
	/* More than 16 tables is not a stage 2 the hardware can start at that level. */
	fake_pt_start_level = 2;
	assert_int_equal(pgtable_init(&p2, PT_STAGE_GUEST, 40, 3), -EINVAL);
	fake_pt_start_level = -1;
}

static void test_block_1g(void **state)
{
	(void)state;
	assert_int_equal(pgtable_map(&pt, 1 * GB, pa_init(4 * GB), 1 * GB, RW), 0);
	expect_leaves(1, 0, 0);
	assert_int_equal(pt.nr_tables, 2);
	expect_map(1 * GB, 4 * GB, RW, 1);
	expect_map(1 * GB + 12345, 4 * GB + 12345, RW, 1);
	expect_map(2 * GB - 1, 5 * GB - 1, RW, 1);
	expect_unmapped(1 * GB - 1);
	expect_unmapped(2 * GB);
	check_tables();
	check_hw_rules();
	/* Nothing was valid before: no flush needed. */
	assert_int_equal(fake_tlb_flushes, 0);
}

static void test_hyp_stage_no_1g_blocks(void **state)
{
	struct pgtable h;

	(void)state;
	assert_int_equal(pgtable_init(&h, PT_STAGE_HYP, 40, 0), 0);
	assert_int_equal(pgtable_map(&h, 1 * GB, pa_init(1 * GB), 1 * GB, PT_PROT_R | PT_PROT_X), 0);
	size_t c[PT_LEVELS];
	pgtable_count_leaves(&h, c);
	assert_int_equal(c[1], 0);
	assert_int_equal(c[2], 512);
	assert_int_equal(h.nr_tables, 3);
	paddr_t pa;
	uint32_t prot;
	int level;
	assert_int_equal(pgtable_lookup(&h, 1 * GB + 3 * MB, &pa, &prot, &level), 0);
	assert_int_equal(pa_addr(pa), 1 * GB + 3 * MB);
	assert_int_equal(prot, PT_PROT_R | PT_PROT_X);
	assert_int_equal(level, 2);
	pgtable_destroy(&h);
	check_hw_rules();
}

static void test_mixed_sizes(void **state)
{
	(void)state;
	/* [2M-4K, 4M+4K): a page, a 2 MiB block, a page. */
	assert_int_equal(pgtable_map(&pt, 2 * MB - 4 * KB, pa_init(1 * GB + 2 * MB - 4 * KB),
				     2 * MB + 8 * KB, RW), 0);
	expect_leaves(0, 1, 2);
	expect_map(2 * MB - 4 * KB, 1 * GB + 2 * MB - 4 * KB, RW, 3);
	expect_map(2 * MB, 1 * GB + 2 * MB, RW, 2);
	expect_map(4 * MB, 1 * GB + 4 * MB, RW, 3);
	expect_unmapped(2 * MB - 8 * KB);
	expect_unmapped(4 * MB + 4 * KB);
	check_tables();

	/* Same size where ia and pa disagree on 2 MiB alignment: pages only. */
	assert_int_equal(pgtable_map(&pt, 8 * MB, pa_init(1 * GB + 4 * KB), 4 * MB, PT_PROT_R), 0);
	expect_leaves(0, 1, 2 + 1024);
	expect_map(8 * MB + 3 * MB + 5, 1 * GB + 4 * KB + 3 * MB + 5, PT_PROT_R, 3);

	/* 1 GiB + 2 MiB + 4 KiB aligned at 1 GiB: one of each. */
	assert_int_equal(pgtable_map(&pt, 4 * GB, pa_init(8 * GB), 1 * GB + 2 * MB + 4 * KB,
				     PT_PROT_RWX), 0);
	expect_leaves(1, 2, 2 + 1024 + 1);
	check_tables();
	check_hw_rules();
}

static void test_split_1g_block(void **state)
{
	uint64_t hole = 1 * GB + 512 * MB + 4 * KB * 7;

	(void)state;
	assert_int_equal(pgtable_map(&pt, 1 * GB, pa_init(4 * GB), 1 * GB, RW), 0);
	fake_reset_counters();
	assert_int_equal(pgtable_unmap(&pt, hole, 4 * KB), 0);
	expect_leaves(0, 511, 511);
	/* root, level 1, the new level 2 and level 3 tables */
	assert_int_equal(pt.nr_tables, 4);
	check_tables();
	check_hw_rules();
	/* One break-before-make of the 1 GiB entry. */
	assert_int_equal(fake_tlb_flushes, 1);
	assert_int_equal(fake_tlb_last_ia, 1 * GB);
	assert_int_equal(fake_tlb_last_size, 1 * GB);

	expect_unmapped(hole);
	expect_unmapped(hole + 4 * KB - 1);
	for (uint64_t ia = 1 * GB; ia < 2 * GB; ia += 2 * MB) {
		int level = ia == ALIGN_DOWN(hole, 2 * MB) ? 3 : 2;

		expect_map(ia, ia + 3 * GB, RW, level);
		expect_map(ia + 2 * MB - 1, ia + 2 * MB - 1 + 3 * GB, RW, level);
	}
	expect_map(hole - 1, hole - 1 + 3 * GB, RW, 3);
	expect_map(hole + 4 * KB, hole + 4 * KB + 3 * GB, RW, 3);

	/* Filling the hole back does not merge (no promotion), but maps it. */
	assert_int_equal(pgtable_map(&pt, hole, pa_init(hole + 3 * GB), 4 * KB, RW), 0);
	expect_leaves(0, 511, 512);
	expect_map(hole, hole + 3 * GB, RW, 3);
	/* Mapping the whole GiB again collapses it into one block, freeing the tables. */
	assert_int_equal(pgtable_map(&pt, 1 * GB, pa_init(4 * GB), 1 * GB, RW), 0);
	expect_leaves(1, 0, 0);
	assert_int_equal(pt.nr_tables, 2);
	check_tables();
	check_hw_rules();
}

static void test_remap_prot(void **state)
{
	unsigned long writes;

	(void)state;
	assert_int_equal(pgtable_map(&pt, 2 * MB, pa_init(2 * MB), 4 * MB, RW), 0);
	expect_leaves(0, 2, 0);
	fake_reset_counters();
	/* Same mapping again: nothing written, nothing flushed. */
	assert_int_equal(pgtable_map(&pt, 2 * MB, pa_init(2 * MB), 4 * MB, RW), 0);
	assert_int_equal(fake_pte_writes, 0);
	assert_int_equal(fake_tlb_flushes, 0);

	/* New permissions on both blocks: break-before-make, batched into one flush. */
	assert_int_equal(pgtable_map(&pt, 2 * MB, pa_init(2 * MB), 4 * MB, PT_PROT_R), 0);
	expect_map(2 * MB, 2 * MB, PT_PROT_R, 2);
	expect_map(6 * MB - 1, 6 * MB - 1, PT_PROT_R, 2);
	assert_int_equal(fake_tlb_flushes, 1);
	assert_int_equal(fake_tlb_last_ia, 2 * MB);
	assert_int_equal(fake_tlb_last_size, 4 * MB);
	check_hw_rules();

	/* One page inside a block gets other permissions: split, once. */
	fake_reset_counters();
	assert_int_equal(pgtable_map(&pt, 3 * MB, pa_init(3 * MB), 4 * KB, RW), 0);
	assert_int_equal(fake_tlb_flushes, 1);
	expect_leaves(0, 1, 512);
	expect_map(3 * MB, 3 * MB, RW, 3);
	expect_map(3 * MB + 4 * KB, 3 * MB + 4 * KB, PT_PROT_R, 3);
	expect_map(2 * MB, 2 * MB, PT_PROT_R, 3);
	expect_map(4 * MB, 4 * MB, PT_PROT_R, 2);

	/* A page already mapped like that inside a block: no split. */
	writes = fake_pte_writes;
	assert_int_equal(pgtable_map(&pt, 5 * MB, pa_init(5 * MB), 4 * KB, PT_PROT_R), 0);
	assert_int_equal(fake_pte_writes, writes);
	expect_leaves(0, 1, 512);

	/* Moved to other physical pages. */
	assert_int_equal(pgtable_map(&pt, 4 * MB, pa_init(64 * MB), 2 * MB, PT_PROT_DEV | RW), 0);
	expect_map(4 * MB + 77, 64 * MB + 77, PT_PROT_DEV | RW, 2);
	check_tables();
	check_hw_rules();
}

static void test_unmap(void **state)
{
	(void)state;
	assert_int_equal(pgtable_map(&pt, 0, pa_init(0), 3 * GB, RW), 0);
	expect_leaves(3, 0, 0);
	/* Straddling both ends of blocks at two levels. */
	assert_int_equal(pgtable_unmap(&pt, 1 * GB - 2 * MB - 4 * KB, 2 * MB + 4 * KB + 1 * GB + 8 * KB),
			 0);
	expect_unmapped(1 * GB - 2 * MB - 4 * KB);
	expect_unmapped(1 * GB);
	expect_unmapped(2 * GB + 4 * KB);
	expect_map(1 * GB - 2 * MB - 8 * KB, 1 * GB - 2 * MB - 8 * KB, RW, 3);
	expect_map(2 * GB + 8 * KB, 2 * GB + 8 * KB, RW, 3);
	expect_map(0, 0, RW, 2);
	expect_map(2 * GB + 2 * MB, 2 * GB + 2 * MB, RW, 2);
	expect_leaves(0, 510 + 511, 511 + 510);
	check_tables();
	check_hw_rules();

	/* Unmapping what is not mapped is fine. */
	assert_int_equal(pgtable_unmap(&pt, 8 * GB, 1 * GB), 0);
	assert_int_equal(pgtable_unmap(&pt, 1 * GB, 4 * KB), 0);

	/* Everything: tables left empty are freed, only the root stays. */
	fake_reset_counters();
	assert_int_equal(pgtable_unmap(&pt, 0, 4 * GB), 0);
	expect_leaves(0, 0, 0);
	assert_int_equal(pt.nr_tables, 1);
	assert_true(fake_tlb_flushes > 0);
	check_tables();
	check_hw_rules();
}

static void test_map_over_tables(void **state)
{
	(void)state;
	/* 4 KiB pages everywhere in a 2 MiB range, then one block over them. */
	for (uint64_t ia = 0; ia < 2 * MB; ia += 8 * KB)
		assert_int_equal(pgtable_map(&pt, ia, pa_init(ia + 1 * GB), 4 * KB, RW), 0);
	expect_leaves(0, 0, 256);
	assert_int_equal(pt.nr_tables, 4);
	fake_reset_counters();
	assert_int_equal(pgtable_map(&pt, 0, pa_init(1 * GB), 2 * MB, PT_PROT_R), 0);
	expect_leaves(0, 1, 0);
	assert_int_equal(pt.nr_tables, 3);
	assert_int_equal(fake_tlb_flushes, 1);
	expect_map(4 * KB, 1 * GB + 4 * KB, PT_PROT_R, 2);
	check_tables();
	check_hw_rules();
}

static void test_bad_args(void **state)
{
	(void)state;
	assert_int_equal(pgtable_map(&pt, 0, pa_init(0), 0, RW), -EINVAL);
	assert_int_equal(pgtable_map(&pt, 1, pa_init(0), 4 * KB, RW), -EINVAL);
	assert_int_equal(pgtable_map(&pt, 0, pa_init(12), 4 * KB, RW), -EINVAL);
	assert_int_equal(pgtable_map(&pt, 0, pa_init(0), 4 * KB + 1, RW), -EINVAL);
	/* Beyond the 40-bit input range, or wrapping. */
	assert_int_equal(pgtable_map(&pt, (1ULL << 40) - 4 * KB, pa_init(0), 8 * KB, RW), -EINVAL);
	assert_int_equal(pgtable_map(&pt, 1ULL << 40, pa_init(0), 4 * KB, RW), -EINVAL);
	assert_int_equal(pgtable_map(&pt, -4 * KB, pa_init(0), 8 * KB, RW), -EINVAL);
	assert_int_equal(pgtable_map(&pt, 0, pa_init(-4 * KB), 8 * KB, RW), -EINVAL);
	assert_int_equal(pgtable_unmap(&pt, 0, 0), -EINVAL);
	assert_int_equal(pgtable_unmap(&pt, 2 * KB, 4 * KB), -EINVAL);
	assert_int_equal(pgtable_unmap(&pt, (1ULL << 40) - 4 * KB, 8 * KB), -EINVAL);
	/* The last page of the input range is fine. */
	assert_int_equal(pgtable_map(&pt, (1ULL << 40) - 4 * KB, pa_init(0), 4 * KB, RW), 0);
	expect_map((1ULL << 40) - 1, 4 * KB - 1, RW, 3);
	assert_int_equal(fake_pte_writes, 1 + 3); /* the page and three new tables */
	check_tables();
}

/* Hold all but n pages of the pool. */
static void **starve_pool(size_t keep)
{
	size_t n = page_pool_free_pages() - keep;
	void **held = calloc(n + 1, sizeof(void *));

	for (size_t i = 0; i < n; i++)
		assert_non_null(held[i] = page_alloc(0));
	assert_int_equal(page_pool_free_pages(), keep);
	return held;
}

static void release_pool(void **held)
{
	for (size_t i = 0; held[i]; i++)
		page_free(held[i], 0);
	free(held);
}

static void test_enomem(void **state)
{
	void **held;

	(void)state;
	/* A page mapping needs three tables below the root; give it two. */
	held = starve_pool(2);
	assert_int_equal(pgtable_map(&pt, 5 * GB, pa_init(0), 4 * KB, RW), -ENOMEM);
	/* Built off to the side and dropped: nothing half made, nothing leaked. */
	assert_int_equal(pt.nr_tables, 1);
	assert_int_equal(page_pool_free_pages(), 2);
	expect_unmapped(5 * GB);
	check_hw_rules();
	release_pool(held);

	/* Splitting a block needs tables too: the block stays whole if there are none. */
	assert_int_equal(pgtable_map(&pt, 1 * GB, pa_init(1 * GB), 1 * GB, RW), 0);
	held = starve_pool(1);
	assert_int_equal(pgtable_unmap(&pt, 1 * GB + 4 * KB, 4 * KB), -ENOMEM);
	expect_map(1 * GB + 4 * KB, 1 * GB + 4 * KB, RW, 1);
	expect_leaves(1, 0, 0);
	assert_int_equal(pgtable_map(&pt, 1 * GB + 4 * KB, pa_init(0), 4 * KB, RW), -ENOMEM);
	expect_map(1 * GB + 4 * KB, 1 * GB + 4 * KB, RW, 1);
	assert_int_equal(page_pool_free_pages(), 1);
	check_hw_rules();
	release_pool(held);

	/* An empty pool at init. */
	struct pgtable p2;
	held = starve_pool(0);
	assert_int_equal(pgtable_init(&p2, PT_STAGE_GUEST, 40, 3), -ENOMEM);
	assert_null(p2.root);
	release_pool(held);
	check_tables();
}

/* Random maps and unmaps over 64 MiB checked page by page against a model. */
static void test_random_against_model(void **state)
{
	enum { NPAGES = 64 * MB / PAGE_SIZE };
	static struct { uint64_t pa; uint32_t prot; bool mapped; } model[NPAGES];
	const uint64_t base = 1 * GB - 32 * MB; /* straddles a 1 GiB boundary */

	(void)state;
	memset(model, 0, sizeof(model));
	srand(42);
	for (int step = 0; step < 300; step++) {
		/* Sizes from one page to 8 MiB, often 2 MiB aligned so that blocks appear. */
		uint64_t npages = 1 + rand() % (rand() % 4 ? 8 : 2048);
		uint64_t first = rand() % NPAGES;
		uint32_t prot = 1 + rand() % 15;
		uint64_t pa = (uint64_t)(rand() % 64) * 2 * MB + (rand() % 2 ? 0 : rand() % 512 * 4 * KB);

		if (rand() % 2) {
			first = ALIGN_DOWN(first, 512);
			npages = ALIGN_UP(npages, 512);
		}
		if (first + npages > NPAGES)
			npages = NPAGES - first;
		if (rand() % 3) {
			assert_int_equal(pgtable_map(&pt, base + first * PAGE_SIZE, pa_init(pa),
						     npages * PAGE_SIZE, prot), 0);
			for (uint64_t i = 0; i < npages; i++) {
				model[first + i].pa = pa + i * PAGE_SIZE;
				model[first + i].prot = prot;
				model[first + i].mapped = true;
			}
		} else {
			assert_int_equal(pgtable_unmap(&pt, base + first * PAGE_SIZE, npages * PAGE_SIZE),
					 0);
			for (uint64_t i = 0; i < npages; i++)
				model[first + i].mapped = false;
		}
		check_hw_rules();
		if (step % 50 == 49 || step == 299) {
			for (uint64_t i = 0; i < NPAGES; i++) {
				if (model[i].mapped)
					expect_map(base + i * PAGE_SIZE + 5, model[i].pa + 5, model[i].prot, -1);
				else
					expect_unmapped(base + i * PAGE_SIZE);
			}
			check_tables();
		}
	}
	assert_int_equal(pgtable_unmap(&pt, base, 64 * MB), 0);
	assert_int_equal(pt.nr_tables, 1);
	check_hw_rules();
}

int main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_init),
		T(test_concatenated_root),
		T(test_block_1g),
		T(test_hyp_stage_no_1g_blocks),
		T(test_mixed_sizes),
		T(test_split_1g_block),
		T(test_remap_prot),
		T(test_unmap),
		T(test_map_over_tables),
		T(test_bad_args),
		T(test_enomem),
		T(test_random_against_model),
	};

	return cmocka_run_group_tests_name("pgtable", tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/* The page pool: orders, alignment, zeroing, exhaustion, coalescing, bad input. */
#include "test_util.h"

#include <hv/errno.h>

#define MAX_BLOCK (PAGE_SIZE << PAGE_ALLOC_MAX_ORDER)
#define POOL_PAGES 2048 /* 8 MiB: one state page, then blocks of every order */

static void *mem;

static int setup(void **state)
{
	(void)state;
	mem = pool_create(POOL_PAGES);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(fake_locks_held(), 0);
	pool_destroy(mem);
	return 0;
}

static bool in_pool(const void *p, unsigned order)
{
	uintptr_t a = (uintptr_t)p, base = (uintptr_t)mem;

	return a >= base + PAGE_SIZE && a + (PAGE_SIZE << order) <= base + POOL_PAGES * PAGE_SIZE;
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		if (c[i])
			return false;
	return true;
}

static void test_counts(void **state)
{
	(void)state;
	/* The first page holds the state bytes of the range. */
	assert_int_equal(page_pool_total_pages(), POOL_PAGES - 1);
	assert_int_equal(page_pool_free_pages(), POOL_PAGES - 1);
}

static void test_orders_aligned_zeroed(void **state)
{
	(void)state;
	for (unsigned order = 0; order <= PAGE_ALLOC_MAX_ORDER; order++) {
		size_t bytes = PAGE_SIZE << order;
		unsigned char *p = page_alloc(order);

		assert_non_null(p);
		assert_true(IS_ALIGNED((uintptr_t)p, bytes));
		assert_true(in_pool(p, order));
		assert_true(all_zero(p, bytes));
		assert_int_equal(page_pool_free_pages(), POOL_PAGES - 1 - (1u << order));
		memset(p, 0xa5, bytes);
		page_free(p, order);
		assert_int_equal(page_pool_free_pages(), POOL_PAGES - 1);
	}
	/* Dirty pages come back zeroed. */
	unsigned char *p = page_alloc(3);
	assert_true(all_zero(p, PAGE_SIZE << 3));
	page_free(p, 3);
}

static void test_exhaustion_and_coalescing(void **state)
{
	static void *pages[POOL_PAGES];
	size_t n = 0;

	(void)state;
	while ((pages[n] = page_alloc(0)) != NULL)
		n++;
	assert_int_equal(n, POOL_PAGES - 1);
	assert_int_equal(page_pool_free_pages(), 0);
	assert_null(page_alloc(0));
	assert_null(page_alloc(PAGE_ALLOC_MAX_ORDER));

	/* Distinct pages. */
	for (size_t i = 1; i < n; i++)
		assert_ptr_not_equal(pages[i], pages[i - 1]);

	/* Free in an interleaved order; everything merges back. */
	for (size_t i = 0; i < n; i += 2)
		page_free(pages[i], 0);
	for (size_t i = 1; i < n; i += 2)
		page_free(pages[i], 0);
	assert_int_equal(page_pool_free_pages(), POOL_PAGES - 1);

	/* The upper 4 MiB is one max-order block again; the lower half is not (its first page holds state). */
	void *big = page_alloc(PAGE_ALLOC_MAX_ORDER);
	assert_ptr_equal(big, (char *)mem + MAX_BLOCK);
	assert_null(page_alloc(PAGE_ALLOC_MAX_ORDER));
	/* But the lower half still gives 2 MiB, 1 MiB, ... and single pages. */
	void *half = page_alloc(PAGE_ALLOC_MAX_ORDER - 1);
	assert_ptr_equal(half, (char *)mem + MAX_BLOCK / 2);
	page_free(half, PAGE_ALLOC_MAX_ORDER - 1);
	page_free(big, PAGE_ALLOC_MAX_ORDER);
	assert_int_equal(page_pool_free_pages(), POOL_PAGES - 1);
}

/* Random allocations and frees of random orders, checked for overlap, then all freed. */
static void test_random(void **state)
{
	struct { unsigned char *p; unsigned order; } live[256];
	size_t nlive = 0;

	(void)state;
	srand(1234);
	for (int step = 0; step < 4000; step++) {
		if (nlive < ARRAY_SIZE(live) && (rand() % 3 || !nlive)) {
			unsigned order = rand() % 6 == 0 ? rand() % (PAGE_ALLOC_MAX_ORDER + 1) : rand() % 3;
			unsigned char *p = page_alloc(order);

			if (!p)
				continue;
			assert_true(IS_ALIGNED((uintptr_t)p, PAGE_SIZE << order));
			assert_true(in_pool(p, order));
			assert_true(all_zero(p, PAGE_SIZE << order));
			/* Owned until freed: a marker that another allocation would clobber. */
			memset(p, (int)(nlive + 1), PAGE_SIZE << order);
			for (size_t i = 0; i < nlive; i++)
				assert_false(p < live[i].p + (PAGE_SIZE << live[i].order) &&
					     live[i].p < p + (PAGE_SIZE << order));
			live[nlive].p = p;
			live[nlive].order = order;
			nlive++;
		} else {
			size_t i = rand() % nlive;

			page_free(live[i].p, live[i].order);
			live[i] = live[--nlive];
		}
	}
	while (nlive) {
		nlive--;
		page_free(live[nlive].p, live[nlive].order);
	}
	assert_int_equal(page_pool_free_pages(), POOL_PAGES - 1);
	void *big = page_alloc(PAGE_ALLOC_MAX_ORDER);
	assert_non_null(big);
	page_free(big, PAGE_ALLOC_MAX_ORDER);
}

static void test_several_ranges(void **state)
{
	char *other = aligned_alloc(PAGE_SIZE, 64 * PAGE_SIZE);
	void *p[80];
	size_t n = 0;

	(void)state;
	assert_non_null(other);
	/* A range at an odd place: blocks aligned in physical address space all the same. */
	assert_int_equal(page_pool_add(ptr_to_pa(other + PAGE_SIZE), 40), 0);
	assert_int_equal(page_pool_total_pages(), POOL_PAGES - 1 + 39);
	/* Overlaps. */
	assert_int_equal(page_pool_add(ptr_to_pa(other), 2), -EINVAL);
	assert_int_equal(page_pool_add(ptr_to_pa(other + 40 * PAGE_SIZE), 2), -EINVAL);
	assert_int_equal(page_pool_add(ptr_to_pa((char *)mem + 8 * PAGE_SIZE), 16), -EINVAL);
	assert_int_equal(page_pool_add(ptr_to_pa(other + 41 * PAGE_SIZE), 4), 0);

	/* Drain the big range at max order, then pages come from the small ones. */
	while ((p[n] = page_alloc(PAGE_ALLOC_MAX_ORDER)) != NULL)
		n++;
	assert_int_equal(n, 1);
	page_free(p[0], PAGE_ALLOC_MAX_ORDER);
	page_pool_reset();
	assert_int_equal(page_pool_total_pages(), 0);
	assert_null(page_alloc(0));

	/* Only the small range now: 39 usable pages. */
	assert_int_equal(page_pool_add(ptr_to_pa(other + PAGE_SIZE), 40), 0);
	for (n = 0; (p[n] = page_alloc(0)) != NULL; n++)
		assert_true((char *)p[n] >= other + 2 * PAGE_SIZE && (char *)p[n] < other + 41 * PAGE_SIZE);
	assert_int_equal(n, 39);
	while (n)
		page_free(p[--n], 0);
	assert_int_equal(page_pool_free_pages(), 39);
	page_pool_reset();
	free(other);
	/* Back to the fixture's pool for teardown. */
	assert_int_equal(page_pool_add(ptr_to_pa(mem), POOL_PAGES), 0);
}

static void test_add_bad_args(void **state)
{
	(void)state;
	assert_int_equal(page_pool_add(pa_init(0x1234), 8), -EINVAL);
	assert_int_equal(page_pool_add(pa_init(0), 8), -EINVAL);
	assert_int_equal(page_pool_add(pa_init(0x10000), 0), -EINVAL);
	assert_int_equal(page_pool_add(pa_init(0xfffffffffff00000ULL), 0x1000), -EINVAL);
	/* Too small to hold its own state page and one more. */
	assert_int_equal(page_pool_add(pa_init(0x10000), 1), -ENOSPC);
	assert_int_equal(page_pool_total_pages(), POOL_PAGES - 1);
}

static void test_too_many_ranges(void **state)
{
	char *m = aligned_alloc(PAGE_SIZE, 64 * PAGE_SIZE);
	int ret = 0, added = 0;

	(void)state;
	for (int i = 0; i < 32 && !ret; i++) {
		ret = page_pool_add(ptr_to_pa(m + 2 * i * PAGE_SIZE), 2);
		added += !ret;
	}
	assert_int_equal(ret, -ENOSPC);
	assert_int_equal(added, 15); /* with the fixture's range, 16 */
	page_pool_reset();
	free(m);
	assert_int_equal(page_pool_add(ptr_to_pa(mem), POOL_PAGES), 0);
}

static void test_alloc_bad_order(void **state)
{
	(void)state;
	assert_null(page_alloc(PAGE_ALLOC_MAX_ORDER + 1));
	assert_null(page_alloc(~0u));
	page_free(NULL, 0); /* no-op */
	assert_int_equal(page_pool_free_pages(), POOL_PAGES - 1);
}

static void test_bad_free_panics(void **state)
{
	char *p = page_alloc(1), *q;
	char outside[PAGE_SIZE * 2];

	(void)state;
	EXPECT_PANIC(page_free(p, 0), "not an allocated block");
	EXPECT_PANIC(page_free(p, 2), "bad order or alignment");
	EXPECT_PANIC(page_free(p + PAGE_SIZE, 0), "not an allocated block");
	EXPECT_PANIC(page_free(p + 8, 0), "bad order or alignment");
	EXPECT_PANIC(page_free(p, PAGE_ALLOC_MAX_ORDER + 1), "bad order or alignment");
	EXPECT_PANIC(page_free(mem, 0), "not an allocated block"); /* the state page */
	EXPECT_PANIC(page_free((void *)ALIGN_UP((uintptr_t)outside, PAGE_SIZE), 0),
		     "not an allocated block");
	page_free(p, 1);
	/* Double free. */
	EXPECT_PANIC(page_free(p, 1), "not an allocated block");
	/* Freeing a block merged into a bigger free one. */
	q = page_alloc(0);
	page_free(q, 0);
	EXPECT_PANIC(page_free(q, 0), "not an allocated block");
	assert_int_equal(page_pool_free_pages(), POOL_PAGES - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_orders_aligned_zeroed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exhaustion_and_coalescing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random, setup, teardown),
		cmocka_unit_test_setup_teardown(test_several_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_bad_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_bad_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_free_panics, setup, teardown),
	};

	return cmocka_run_group_tests_name("page_alloc", tests, NULL, NULL);
}

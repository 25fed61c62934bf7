// SPDX-License-Identifier: GPL-2.0
/* Page ownership: init over RAM banks, transitions, their checks, counts. */
#include "test_util.h"

#include <hv/errno.h>
#include <hv/owner.h>

#define MB (1024ULL * 1024)
#define GB (1024 * MB)
#define BANK0 0x40000000ULL
#define BANK1 0x100000000ULL
#define POOL_PAGES 8192 /* 32 MiB: metadata for 6 GiB is 12 MiB */

static void *mem;
static struct boot_info bi;

static int setup(void **state)
{
	(void)state;
	mem = pool_create(POOL_PAGES);
	memset(&bi, 0, sizeof(bi));
	/* 3 GiB (more than one metadata chunk) and a bank with unaligned ends. */
	bi.mem[0] = (struct mem_range){ BANK0, 3 * GB };
	bi.mem[1] = (struct mem_range){ BANK1 + 0x800, 3 * GB - 0x1000 };
	bi.nr_mem = 2;
	assert_int_equal(owner_init(&bi), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(fake_locks_held(), 0);
	pool_destroy(mem);
	return 0;
}

static struct page_info get(uint64_t pa)
{
	struct page_info pi;

	assert_int_equal(owner_get(pa_init(pa), &pi), 0);
	return pi;
}

static size_t count(enum page_owner_id id)
{
	size_t c[OWNER_GUEST0 + 4];

	owner_count(c, ARRAY_SIZE(c));
	return c[id];
}

static const size_t all_pages = (3 * GB + 3 * GB - 0x2000) / PAGE_SIZE;

static void test_init(void **state)
{
	struct page_info pi;

	(void)state;
	assert_int_equal(count(OWNER_HOST), all_pages);
	assert_int_equal(count(OWNER_HYP), 0);
	assert_int_equal(count(OWNER_GUEST0), 0);
	pi = get(BANK0);
	assert_int_equal(pi.owner, OWNER_HOST);
	assert_int_equal(pi.share, PAGE_OWNED);
	assert_int_equal(pi.guest_maps, 0);
	get(BANK0 + 3 * GB - 1);
	get(BANK1 + 0x1000);
	get(BANK1 + 3 * GB - 0x1000 - 1);
	/* Partial pages at unaligned bank ends and what is outside RAM are not tracked. */
	assert_int_equal(owner_get(pa_init(BANK1), &pi), -ENOENT);
	assert_int_equal(pi.owner, OWNER_NONE);
	assert_int_equal(owner_get(pa_init(BANK1 + 3 * GB - 0x1000), &pi), -ENOENT);
	assert_int_equal(owner_get(pa_init(BANK0 - 1), &pi), -ENOENT);
	assert_int_equal(owner_get(pa_init(BANK0 + 3 * GB), &pi), -ENOENT);
	/* Metadata came from the pool, 8 bytes a page: per bank a 4 MiB chunk and a 2 MiB one. */
	assert_int_equal(page_pool_total_pages() - page_pool_free_pages(), 2 * (4 + 2) * MB / PAGE_SIZE);
}

static void test_donate_and_back(void **state)
{
	uint64_t pa = BANK0 + 2 * GB - 8 * PAGE_SIZE; /* crosses a metadata chunk boundary */

	(void)state;
	assert_int_equal(host_donate_hyp(pa_init(pa), 16), 0);
	assert_int_equal(count(OWNER_HYP), 16);
	assert_int_equal(count(OWNER_HOST), all_pages - 16);
	assert_int_equal(get(pa).owner, OWNER_HYP);
	assert_int_equal(get(pa + 15 * PAGE_SIZE).owner, OWNER_HYP);
	assert_int_equal(get(pa - PAGE_SIZE).owner, OWNER_HOST);
	assert_int_equal(get(pa + 16 * PAGE_SIZE).owner, OWNER_HOST);

	/* Not twice, not partly overlapping. */
	assert_int_equal(host_donate_hyp(pa_init(pa), 1), -EPERM);
	assert_int_equal(host_donate_hyp(pa_init(pa - PAGE_SIZE), 2), -EPERM);
	/* A failed transition changes nothing. */
	assert_int_equal(get(pa - PAGE_SIZE).owner, OWNER_HOST);
	assert_int_equal(hyp_donate_host(pa_init(pa + 15 * PAGE_SIZE), 2), -EPERM);
	assert_int_equal(get(pa + 15 * PAGE_SIZE).owner, OWNER_HYP);

	assert_int_equal(hyp_donate_host(pa_init(pa), 16), 0);
	assert_int_equal(count(OWNER_HYP), 0);
	assert_int_equal(hyp_donate_host(pa_init(pa), 1), -EPERM);
}

static void test_bad_ranges(void **state)
{
	(void)state;
	assert_int_equal(host_donate_hyp(pa_init(BANK0 + 0x10), 1), -EINVAL);
	assert_int_equal(host_donate_hyp(pa_init(BANK0), 0), -EINVAL);
	assert_int_equal(host_donate_hyp(pa_init(0x1000), 1), -EINVAL);
	/* Running off the end of a bank, or wrapping. */
	assert_int_equal(host_donate_hyp(pa_init(BANK0 + 3 * GB - PAGE_SIZE), 2), -EINVAL);
	assert_int_equal(host_donate_hyp(pa_init(BANK0), SIZE_MAX), -EINVAL);
	assert_int_equal(count(OWNER_HYP), 0);
	assert_int_equal(host_share_guest(pa_init(0x1000), 0), -EINVAL);
	assert_int_equal(host_share_guest(pa_init(BANK0 + 8), 0), -EINVAL);
	assert_int_equal(host_share_guest(pa_init(BANK0), 0x10000), -EINVAL);
	assert_int_equal(host_unshare_guest(pa_init(0x1000), 0), -EINVAL);
}

static void test_share(void **state)
{
	uint64_t pa = BANK1 + 5 * MB;
	struct page_info pi;

	(void)state;
	/* Host pages lent to guests, several mappings of one page counted. */
	assert_int_equal(host_share_guest(pa_init(pa), 0), 0);
	pi = get(pa);
	assert_int_equal(pi.owner, OWNER_HOST);
	assert_int_equal(pi.share, PAGE_SHARED);
	assert_int_equal(pi.guest_maps, 1);
	assert_int_equal(host_share_guest(pa_init(pa), 1), 0);
	assert_int_equal(get(pa).guest_maps, 2);

	/* A shared page cannot be donated. */
	assert_int_equal(host_donate_hyp(pa_init(pa - PAGE_SIZE), 3), -EPERM);
	assert_int_equal(get(pa - PAGE_SIZE).owner, OWNER_HOST);

	assert_int_equal(host_unshare_guest(pa_init(pa), 1), 0);
	assert_int_equal(get(pa).share, PAGE_SHARED);
	assert_int_equal(host_unshare_guest(pa_init(pa), 0), 0);
	pi = get(pa);
	assert_int_equal(pi.share, PAGE_OWNED);
	assert_int_equal(pi.guest_maps, 0);
	assert_int_equal(host_unshare_guest(pa_init(pa), 0), -EPERM);

	/* keel's pages are not the host's to lend. */
	assert_int_equal(host_donate_hyp(pa_init(pa), 1), 0);
	assert_int_equal(host_share_guest(pa_init(pa), 0), -EPERM);
	assert_int_equal(host_unshare_guest(pa_init(pa), 0), -EPERM);
	assert_int_equal(count(OWNER_HOST), all_pages - 1);
}

static void test_out_of_metadata(void **state)
{
	struct boot_info big = { .nr_mem = 1 };

	(void)state;
	/* 64 GiB needs 128 MiB of metadata: more than the pool has. */
	big.mem[0] = (struct mem_range){ BANK0, 64 * GB };
	size_t before = page_pool_free_pages();
	assert_int_equal(owner_init(&big), -ENOMEM);
	/* What it had allocated went back. */
	assert_int_equal(page_pool_free_pages(), before);
	struct page_info pi;
	assert_int_equal(owner_get(pa_init(BANK0), &pi), -ENOENT);
	assert_int_equal(host_donate_hyp(pa_init(BANK0), 1), -EINVAL);
}

static void test_tiny_banks(void **state)
{
	struct boot_info b = { .nr_mem = 3 };

	(void)state;
	page_pool_reset();
	assert_int_equal(page_pool_add(ptr_to_pa(mem), POOL_PAGES), 0);
	/* A bank smaller than a page is ignored; banks adjacent to each other work as one range. */
	b.mem[0] = (struct mem_range){ 0x80000000, 0x800 };
	b.mem[1] = (struct mem_range){ 0x90000000, 4 * PAGE_SIZE };
	b.mem[2] = (struct mem_range){ 0x90000000 + 4 * PAGE_SIZE, 4 * PAGE_SIZE };
	assert_int_equal(owner_init(&b), 0);
	assert_int_equal(count(OWNER_HOST), 8);
	assert_int_equal(host_donate_hyp(pa_init(0x90000000 + 2 * PAGE_SIZE), 4), 0);
	assert_int_equal(count(OWNER_HYP), 4);
	struct page_info pi;
	assert_int_equal(owner_get(pa_init(0x80000000), &pi), -ENOENT);
}

int main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_init),
		T(test_donate_and_back),
		T(test_bad_ranges),
		T(test_share),
		T(test_out_of_metadata),
		T(test_tiny_banks),
	};

	return cmocka_run_group_tests_name("owner", tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * "Host RAM" for the VM tests: real memory, tracked by the page-owner record
 * as a RAM bank, from which the tests donate pages for VMs as the shim does
 * (VM_CREATE's first pages, VM_TOPUP). keel reads and writes donated pages
 * through pa_to_ptr, as on the machine (VA == PA). Page 0 holds the lists.
 */
#ifndef KEEL_TEST_RAM_H
#define KEEL_TEST_RAM_H

#include "test_util.h"

#include <hv/owner.h>
#include <hv/vm.h>

#define TEST_RAM_ALIGN (2UL << 20)

static void *test_ram;
static size_t test_ram_pages;

static inline struct mem_range test_ram_init(size_t pages)
{
	test_ram = aligned_alloc(TEST_RAM_ALIGN, ALIGN_UP(pages * PAGE_SIZE, TEST_RAM_ALIGN));
	assert_non_null(test_ram);
	memset(test_ram, 0, pages * PAGE_SIZE);
	test_ram_pages = pages;
	return (struct mem_range){ (uintptr_t)test_ram, pages * PAGE_SIZE };
}

static inline void test_ram_free(void)
{
	free(test_ram);
	test_ram = NULL;
}

static inline uint64_t test_ram_pa(size_t page) { return (uintptr_t)test_ram + page * PAGE_SIZE; }

static inline bool test_page_free(uint64_t pa)
{
	struct page_info pi;

	return !owner_get(pa_init(pa), &pi) && pi.owner == OWNER_HOST && pi.share == PAGE_OWNED;
}

/* n pages in a row the host owns alone, the first aligned to align pages, from the top down; 0 if none. */
static inline uint64_t test_host_pages(size_t n, size_t align)
{
	size_t first, i;

	for (first = ALIGN_DOWN(test_ram_pages - n, align); first >= 1 && first < test_ram_pages; first -= align) {
		for (i = 0; i < n && test_page_free(test_ram_pa(first + i)); i++)
			;
		if (i == n)
			return test_ram_pa(first);
		if (first < align)
			break;
	}
	return 0;
}

/* vm_create with donated pages as the shim gives them. */
static inline int test_vm_create(unsigned ipa, uint64_t *h)
{
	size_t pages, align;
	unsigned out;
	uint64_t pa;
	int ret = vm_create_size(ipa, &pages, &align);

	if (ret)
		return ret;
	pa = test_host_pages(pages, align);
	assert_int_not_equal(pa, 0);
	return vm_create(ipa, pa_init(pa), pages, h, &out);
}

static inline uint64_t test_vm(unsigned ipa)
{
	uint64_t h = 0;

	assert_int_equal(test_vm_create(ipa, &h), 0);
	assert_int_not_equal(h, 0);
	return h;
}

/* Donate n single pages to the VM's memcache (list in RAM page 0, its contents kept). */
static inline int test_topup(uint64_t h, size_t n)
{
	uint64_t *list = test_ram, saved[KEEL_MAP_LIST_MAX];
	size_t i = 0, page = test_ram_pages;
	int ret;

	assert_true(n <= KEEL_MAP_LIST_MAX);
	memcpy(saved, list, n * sizeof(*list));
	/* Free pages from the top down (they stay the host's until vm_topup: the scan moves on). */
	while (i < n && --page >= 1)
		if (test_page_free(test_ram_pa(page)))
			list[i++] = test_ram_pa(page);
	assert_int_equal(i, n);
	ret = vm_topup(h, ptr_to_pa(list), n);
	memcpy(list, saved, n * sizeof(*list));
	return ret;
}

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* Shared helpers of the host unit tests. */
#ifndef KEEL_TEST_UTIL_H
#define KEEL_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arch/fake.h>
#include <hv/page_alloc.h>

/*
 * A fresh page pool of npages from host memory aligned to the largest
 * allocation, so that max-order blocks exist. Returns the memory (free it
 * with pool_destroy).
 */
static inline void *pool_create(size_t npages)
{
	size_t align = PAGE_SIZE << PAGE_ALLOC_MAX_ORDER;
	void *mem = aligned_alloc(align, ALIGN_UP(npages * PAGE_SIZE, align));

	assert_non_null(mem);
	page_pool_reset();
	assert_int_equal(page_pool_add(ptr_to_pa(mem), npages), 0);
	return mem;
}

static inline void pool_destroy(void *mem)
{
	page_pool_reset();
	free(mem);
}

/* Run stmt, which must end in hv_panic() (or another arch_cpu_halt()) printing msg. */
#define EXPECT_PANIC(stmt, msg)                                                        \
	do {                                                                           \
		fake_console_reset();                                                  \
		if (!setjmp(fake_halt_jmp)) {                                          \
			fake_halt_armed = true;                                        \
			stmt;                                                          \
			fake_halt_armed = false;                                       \
			fail_msg("no panic from: %s", #stmt);                          \
		}                                                                      \
		assert_non_null(strstr(fake_console_output(), msg));                   \
		assert_int_equal(fake_locks_held(), 0);                                \
	} while (0)

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * keel's page pool: power-of-two runs of 4 KiB pages from keel's own
 * reservation, naturally aligned, handed out zeroed.
 */
#ifndef HV_PAGE_ALLOC_H
#define HV_PAGE_ALLOC_H

#include <hv/types.h>

#define PAGE_ALLOC_MAX_ORDER 10 /* 4 MiB */

/* Hand [base, base + npages pages) to the pool; base must be page aligned. -EINVAL/-ENOSPC. */
int page_pool_add(paddr_t base, size_t npages);
/* 2^order pages, zeroed, aligned to their size; NULL when none is free. */
void *page_alloc(unsigned order);
void page_free(void *p, unsigned order);
size_t page_pool_free_pages(void);
size_t page_pool_total_pages(void);
/* Forget every page (host unit tests only: starts each test from an empty pool). */
void page_pool_reset(void);

#endif

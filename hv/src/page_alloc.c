// SPDX-License-Identifier: GPL-2.0
/*
 * The page pool: a buddy allocator over up to POOL_MAX_RANGES ranges.
 *
 * Blocks are aligned to their size in physical address space (not relative
 * to a range), so the buddy of a block is found by flipping one address bit.
 * Each range keeps one state byte per page in its own first page(s); free
 * blocks are linked through their first bytes. Both stay inside the pool:
 * keel needs no static metadata whatever the pool size.
 */
#include <hv/page_alloc.h>
#include <hv/arch/mm.h>
#include <hv/errno.h>
#include <hv/printf.h>
#include <hv/spinlock.h>
#include <hv/string.h>

#define POOL_MAX_RANGES 16

/* Per-page state byte. */
#define PS_META 0x00 /* holds the range's state bytes, never handed out */
#define PS_TAIL 0x01 /* inside a block whose first page is elsewhere */
#define PS_FREE 0x40 /* first page of a free block, | order */
#define PS_USED 0x80 /* first page of an allocated block, | order */
#define PS_ORDER_MASK 0x3f

struct free_block {
	struct free_block *next, *prev;
};

struct pool_range {
	uint64_t base;   /* first page: the state bytes */
	uint64_t end;
	uint8_t *state;  /* one byte per page of [base, end) */
};

static struct spinlock pool_lock = SPINLOCK_INIT;
static struct pool_range ranges[POOL_MAX_RANGES];
static unsigned nr_ranges;
static struct free_block *free_list[PAGE_ALLOC_MAX_ORDER + 1];
static size_t total_pages, free_pages;

static inline uint64_t order_bytes(unsigned order) { return PAGE_SIZE << order; }

static uint8_t *state_of(const struct pool_range *r, uint64_t pa)
{
	return &r->state[(pa - r->base) >> PAGE_SHIFT];
}

static const struct pool_range *range_of_locked(uint64_t pa)
{
	unsigned i;

	for (i = 0; i < nr_ranges; i++)
		if (pa >= ranges[i].base && pa < ranges[i].end)
			return &ranges[i];
	return NULL;
}

static void list_add_locked(unsigned order, uint64_t pa)
{
	struct free_block *b = pa_to_ptr(pa_init(pa));

	b->prev = NULL;
	b->next = free_list[order];
	if (b->next)
		b->next->prev = b;
	free_list[order] = b;
}

static void list_del_locked(unsigned order, struct free_block *b)
{
	if (b->prev)
		b->prev->next = b->next;
	else
		free_list[order] = b->next;
	if (b->next)
		b->next->prev = b->prev;
}

/* Put a block on the free lists, merged with its free buddies. */
static void free_block_locked(const struct pool_range *r, uint64_t pa, unsigned order)
{
	while (order < PAGE_ALLOC_MAX_ORDER) {
		uint64_t buddy = pa ^ order_bytes(order);

		if (buddy < r->base || buddy + order_bytes(order) > r->end ||
		    *state_of(r, buddy) != (PS_FREE | order))
			break;
		list_del_locked(order, pa_to_ptr(pa_init(buddy)));
		*state_of(r, MAX(pa, buddy)) = PS_TAIL;
		pa = MIN(pa, buddy);
		order++;
	}
	*state_of(r, pa) = PS_FREE | order;
	list_add_locked(order, pa);
}

int page_pool_add(paddr_t base, size_t npages)
{
	uint64_t b = pa_addr(base), pa, end, meta;
	struct pool_range *r;
	unsigned i, order;

	/* Page 0 is refused: its address would be a NULL pointer. */
	if (!b || !IS_ALIGNED(b, PAGE_SIZE) || !npages || npages > (UINT64_MAX - b) >> PAGE_SHIFT)
		return -EINVAL;
	end = b + ((uint64_t)npages << PAGE_SHIFT);
	meta = ALIGN_UP((uint64_t)npages, PAGE_SIZE) / PAGE_SIZE;
	if (npages <= meta)
		return -ENOSPC;

	spin_lock(&pool_lock);
	for (i = 0; i < nr_ranges; i++) {
		if (ranges_overlap(b, end - b, ranges[i].base, ranges[i].end - ranges[i].base)) {
			spin_unlock(&pool_lock);
			return -EINVAL;
		}
	}
	if (nr_ranges == POOL_MAX_RANGES) {
		spin_unlock(&pool_lock);
		return -ENOSPC;
	}
	r = &ranges[nr_ranges++];
	r->base = b;
	r->end = end;
	r->state = pa_to_ptr(base);
	memset(r->state, PS_META, meta);
	memset(r->state + meta, PS_TAIL, npages - meta);

	/* Carve the rest into the largest blocks its alignment allows. */
	for (pa = b + meta * PAGE_SIZE; pa < end; pa += order_bytes(order)) {
		order = PAGE_ALLOC_MAX_ORDER;
		while (order && (!IS_ALIGNED(pa, order_bytes(order)) || end - pa < order_bytes(order)))
			order--;
		free_block_locked(r, pa, order);
	}
	total_pages += npages - meta;
	free_pages += npages - meta;
	spin_unlock(&pool_lock);
	return 0;
}

void *page_alloc(unsigned order)
{
	const struct pool_range *r;
	struct free_block *b;
	unsigned o;
	uint64_t pa;

	if (order > PAGE_ALLOC_MAX_ORDER)
		return NULL;

	spin_lock(&pool_lock);
	for (o = order; o <= PAGE_ALLOC_MAX_ORDER && !free_list[o]; o++)
		;
	if (o > PAGE_ALLOC_MAX_ORDER) {
		spin_unlock(&pool_lock);
		return NULL;
	}
	b = free_list[o];
	list_del_locked(o, b);
	pa = pa_addr(ptr_to_pa(b));
	r = range_of_locked(pa);
	HV_ASSERT(r && *state_of(r, pa) == (PS_FREE | o));
	/* Split, keeping the lower half and freeing the upper one each time. */
	while (o > order) {
		o--;
		*state_of(r, pa + order_bytes(o)) = PS_FREE | o;
		list_add_locked(o, pa + order_bytes(o));
	}
	*state_of(r, pa) = PS_USED | order;
	free_pages -= 1UL << order;
	spin_unlock(&pool_lock);

	arch_zero_pages(b, order_bytes(order));
	return b;
}

void page_free(void *p, unsigned order)
{
	uint64_t pa = pa_addr(ptr_to_pa(p));
	const struct pool_range *r;
	uint8_t st;

	if (!p)
		return;
	/* A bad free means keel lost track of its own memory: stop before it is handed out twice. */
	if (order > PAGE_ALLOC_MAX_ORDER || !IS_ALIGNED(pa, order_bytes(order)))
		hv_panic("page_free(%p, %u): bad order or alignment\n", p, order);

	spin_lock(&pool_lock);
	r = range_of_locked(pa);
	st = r ? *state_of(r, pa) : PS_META;
	if (st != (PS_USED | order))
		hv_panic("page_free(%p, %u): not an allocated block of that order (state %#x)\n", p,
			 order, st);
	*state_of(r, pa) = PS_TAIL;
	free_block_locked(r, pa, order);
	free_pages += 1UL << order;
	spin_unlock(&pool_lock);
}

size_t page_pool_free_pages(void)
{
	size_t n;

	spin_lock(&pool_lock);
	n = free_pages;
	spin_unlock(&pool_lock);
	return n;
}

size_t page_pool_total_pages(void)
{
	size_t n;

	spin_lock(&pool_lock);
	n = total_pages;
	spin_unlock(&pool_lock);
	return n;
}

void page_pool_reset(void)
{
	unsigned i;

	spin_lock(&pool_lock);
	nr_ranges = 0;
	for (i = 0; i <= PAGE_ALLOC_MAX_ORDER; i++)
		free_list[i] = NULL;
	total_pages = free_pages = 0;
	spin_unlock(&pool_lock);
}

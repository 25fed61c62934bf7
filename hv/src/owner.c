// SPDX-License-Identifier: GPL-2.0
/*
 * Page ownership: one struct page_info per 4 KiB page of every RAM bank.
 *
 * The arrays come from the page pool in chunks of at most the largest
 * allocation (2^PAGE_ALLOC_MAX_ORDER pages, 512 Ki entries = 2 GiB of RAM).
 * This is a pure state machine: callers change stage-2 mappings to match.
 * Every transition checks all pages first and only then changes them, so a
 * failed call changes nothing.
 */
#include <hv/errno.h>
#include <hv/owner.h>
#include <hv/page_alloc.h>
#include <hv/spinlock.h>
#include <hv/string.h>

#define CHUNK_PAGES ((PAGE_SIZE << PAGE_ALLOC_MAX_ORDER) / sizeof(struct page_info))
#define OWNER_MAX_CHUNKS 64
#define OWNER_MAX_GUESTS 0xffffu /* guest ids are VM slots (16-bit) */

struct owner_bank {
	uint64_t base, end;  /* page aligned */
	unsigned first_chunk; /* chunks[first_chunk..] cover the bank, CHUNK_PAGES each */
};

static struct spinlock owner_lock = SPINLOCK_INIT;
static struct owner_bank banks[BOOT_MAX_MEM];
static unsigned nr_banks;
static struct page_info *chunks[OWNER_MAX_CHUNKS];
static unsigned chunk_order[OWNER_MAX_CHUNKS];
static unsigned nr_chunks;

static struct page_info *page_info_locked(uint64_t pa)
{
	unsigned i;

	for (i = 0; i < nr_banks; i++) {
		if (pa >= banks[i].base && pa < banks[i].end) {
			uint64_t idx = (pa - banks[i].base) >> PAGE_SHIFT;

			return &chunks[banks[i].first_chunk + idx / CHUNK_PAGES][idx % CHUNK_PAGES];
		}
	}
	return NULL;
}

static unsigned order_for(size_t bytes)
{
	unsigned order = 0;

	while ((PAGE_SIZE << order) < bytes)
		order++;
	return order;
}

static void free_chunks_locked(void)
{
	while (nr_chunks) {
		nr_chunks--;
		page_free(chunks[nr_chunks], chunk_order[nr_chunks]);
	}
	nr_banks = 0;
}

/*
 * Forgets any earlier state without freeing it (boot calls this once; host
 * tests reset the page pool between calls).
 */
int owner_init(const struct boot_info *bi)
{
	unsigned i;
	int ret = 0;

	spin_lock(&owner_lock);
	nr_banks = nr_chunks = 0;
	for (i = 0; i < bi->nr_mem && !ret; i++) {
		struct owner_bank *b = &banks[nr_banks];
		uint64_t left;

		/* Only whole pages are tracked. */
		b->base = ALIGN_UP(bi->mem[i].base, PAGE_SIZE);
		b->end = ALIGN_DOWN(range_end(&bi->mem[i]), PAGE_SIZE);
		if (b->end <= b->base)
			continue;
		b->first_chunk = nr_chunks;
		for (left = (b->end - b->base) >> PAGE_SHIFT; left; left -= MIN(left, CHUNK_PAGES)) {
			size_t n = MIN(left, CHUNK_PAGES);
			unsigned order = order_for(n * sizeof(struct page_info));

			if (nr_chunks == OWNER_MAX_CHUNKS) {
				ret = -ENOMEM;
				break;
			}
			chunks[nr_chunks] = page_alloc(order);
			if (!chunks[nr_chunks]) {
				ret = -ENOMEM;
				break;
			}
			/* Zeroed by the pool: every page host-owned, not shared. */
			chunk_order[nr_chunks] = order;
			nr_chunks++;
		}
		nr_banks++;
	}
	if (ret)
		free_chunks_locked();
	spin_unlock(&owner_lock);
	return ret;
}

int owner_get(paddr_t pa, struct page_info *out)
{
	struct page_info *pi;

	spin_lock(&owner_lock);
	pi = page_info_locked(pa_addr(pa));
	*out = pi ? *pi : (struct page_info){ .owner = OWNER_NONE };
	spin_unlock(&owner_lock);
	return pi ? 0 : -ENOENT;
}

void owner_count(size_t *counts, size_t n)
{
	unsigned b, c;
	size_t i;

	for (i = 0; i < n; i++)
		counts[i] = 0;
	spin_lock(&owner_lock);
	for (b = 0; b < nr_banks; b++) {
		uint64_t pages = (banks[b].end - banks[b].base) >> PAGE_SHIFT;

		for (c = banks[b].first_chunk; pages; c++) {
			size_t k = MIN(pages, CHUNK_PAGES);

			for (i = 0; i < k; i++)
				if (chunks[c][i].owner < n)
					counts[chunks[c][i].owner]++;
			pages -= k;
		}
	}
	spin_unlock(&owner_lock);
}

/* What a page must look like before a transition. */
struct page_want {
	uint16_t owner;
	uint8_t share;
};

/*
 * The entries for pa onwards that are contiguous in one chunk: *n gets how
 * many (at most max), so range walks cost a lookup per chunk, not per page.
 */
static struct page_info *page_run_locked(uint64_t pa, size_t max, size_t *n)
{
	unsigned i;

	for (i = 0; i < nr_banks; i++) {
		if (pa >= banks[i].base && pa < banks[i].end) {
			uint64_t idx = (pa - banks[i].base) >> PAGE_SHIFT;
			uint64_t in_bank = (banks[i].end - pa) >> PAGE_SHIFT;

			*n = MIN(MIN(max, in_bank), CHUNK_PAGES - idx % CHUNK_PAGES);
			return &chunks[banks[i].first_chunk + idx / CHUNK_PAGES][idx % CHUNK_PAGES];
		}
	}
	*n = 0;
	return NULL;
}

/* Prepare: -EINVAL if a page is not tracked RAM, -EPERM if one is not as wanted. */
static int check_range_locked(uint64_t pa, size_t npages, struct page_want want)
{
	size_t done, n, i;

	if (!IS_ALIGNED(pa, PAGE_SIZE) || !npages || npages > (UINT64_MAX - pa) >> PAGE_SHIFT)
		return -EINVAL;
	for (done = 0; done < npages; done += n) {
		struct page_info *pi = page_run_locked(pa + done * PAGE_SIZE, npages - done, &n);

		if (!pi)
			return -EINVAL;
		for (i = 0; i < n; i++)
			if (pi[i].owner != want.owner || pi[i].share != want.share)
				return -EPERM;
	}
	return 0;
}

/* Commit: cannot fail once check_range_locked() passed. */
static void set_owner_locked(uint64_t pa, size_t npages, uint16_t owner)
{
	size_t done, n, i;

	for (done = 0; done < npages; done += n) {
		struct page_info *pi = page_run_locked(pa + done * PAGE_SIZE, npages - done, &n);

		for (i = 0; i < n; i++)
			pi[i].owner = owner;
	}
}

static int transfer(paddr_t pa, size_t npages, uint16_t from, uint16_t to)
{
	int ret;

	spin_lock(&owner_lock);
	ret = check_range_locked(pa_addr(pa), npages, (struct page_want){ from, PAGE_OWNED });
	if (!ret)
		set_owner_locked(pa_addr(pa), npages, to);
	spin_unlock(&owner_lock);
	return ret;
}

int host_donate_hyp(paddr_t pa, size_t npages)
{
	return transfer(pa, npages, OWNER_HOST, OWNER_HYP);
}

int hyp_donate_host(paddr_t pa, size_t npages)
{
	return transfer(pa, npages, OWNER_HYP, OWNER_HOST);
}

/*
 * One page at a time, so that a page listed twice fails the second time;
 * on failure the pages already given are taken back: all or nothing.
 */
int host_donate_hyp_pages(const uint64_t *pa, size_t n)
{
	size_t i;
	int ret = 0;

	spin_lock(&owner_lock);
	for (i = 0; i < n; i++) {
		struct page_info *pi = IS_ALIGNED(pa[i], PAGE_SIZE) ? page_info_locked(pa[i]) : NULL;

		if (!pi || pi->owner != OWNER_HOST || pi->share != PAGE_OWNED) {
			ret = pi ? -EPERM : -EINVAL;
			break;
		}
		pi->owner = OWNER_HYP;
	}
	if (ret)
		while (i--)
			page_info_locked(pa[i])->owner = OWNER_HOST;
	spin_unlock(&owner_lock);
	return ret;
}

static int lend_hyp(paddr_t pa, uint8_t from, uint8_t to)
{
	struct page_info *pi;
	int ret = 0;

	if (!IS_ALIGNED(pa_addr(pa), PAGE_SIZE))
		return -EINVAL;
	spin_lock(&owner_lock);
	pi = page_info_locked(pa_addr(pa));
	if (!pi)
		ret = -EINVAL;
	else if (pi->owner != OWNER_HOST || pi->share != from)
		ret = -EPERM;
	else
		pi->share = to;
	spin_unlock(&owner_lock);
	return ret;
}

int host_share_hyp(paddr_t pa) { return lend_hyp(pa, PAGE_OWNED, PAGE_SHARED_HYP); }
int host_unshare_hyp(paddr_t pa) { return lend_hyp(pa, PAGE_SHARED_HYP, PAGE_OWNED); }

int host_share_guest(paddr_t pa, unsigned vm)
{
	struct page_info *pi;
	int ret = 0;

	if (vm > OWNER_MAX_GUESTS || !IS_ALIGNED(pa_addr(pa), PAGE_SIZE))
		return -EINVAL;
	spin_lock(&owner_lock);
	pi = page_info_locked(pa_addr(pa));
	if (!pi)
		ret = -EINVAL;
	else if (pi->owner != OWNER_HOST || pi->share == PAGE_SHARED_HYP || pi->guest_maps == UINT32_MAX)
		ret = -EPERM;
	else {
		pi->share = PAGE_SHARED;
		pi->guest_maps++;
	}
	spin_unlock(&owner_lock);
	return ret;
}

int host_unshare_guest(paddr_t pa, unsigned vm)
{
	struct page_info *pi;
	int ret = 0;

	if (vm > OWNER_MAX_GUESTS || !IS_ALIGNED(pa_addr(pa), PAGE_SIZE))
		return -EINVAL;
	spin_lock(&owner_lock);
	pi = page_info_locked(pa_addr(pa));
	if (!pi)
		ret = -EINVAL;
	else if (pi->owner != OWNER_HOST || pi->share != PAGE_SHARED || !pi->guest_maps)
		ret = -EPERM;
	else if (!--pi->guest_maps)
		pi->share = PAGE_OWNED;
	spin_unlock(&owner_lock);
	return ret;
}

/*
 * Apply delta (+1 share, -1 unshare) to the n listed pages, one at a time,
 * so that a page listed k times moves by k; on the first page that may not
 * move, undo the ones done: all or nothing.
 */
static int share_list_locked(const uint64_t *pa, size_t n, int delta)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < n; i++) {
		struct page_info *pi = IS_ALIGNED(pa[i], PAGE_SIZE) ? page_info_locked(pa[i]) : NULL;

		if (!pi) {
			ret = -EINVAL;
			break;
		}
		if (pi->owner != OWNER_HOST || pi->share == PAGE_SHARED_HYP ||
		    (delta > 0 ? pi->guest_maps == UINT32_MAX :
				 pi->share != PAGE_SHARED || !pi->guest_maps)) {
			ret = -EPERM;
			break;
		}
		pi->guest_maps += delta;
		pi->share = pi->guest_maps ? PAGE_SHARED : PAGE_OWNED;
	}
	if (!ret)
		return 0;
	while (i--) {
		struct page_info *pi = page_info_locked(pa[i]);

		pi->guest_maps -= delta;
		pi->share = pi->guest_maps ? PAGE_SHARED : PAGE_OWNED;
	}
	return ret;
}

int host_share_guest_pages(const uint64_t *pa, size_t n, unsigned vm)
{
	int ret;

	if (vm > OWNER_MAX_GUESTS)
		return -EINVAL;
	spin_lock(&owner_lock);
	ret = share_list_locked(pa, n, 1);
	spin_unlock(&owner_lock);
	return ret;
}

int host_unshare_guest_pages(const uint64_t *pa, size_t n, unsigned vm)
{
	int ret;

	if (vm > OWNER_MAX_GUESTS)
		return -EINVAL;
	spin_lock(&owner_lock);
	ret = share_list_locked(pa, n, -1);
	spin_unlock(&owner_lock);
	return ret;
}

void owner_count_shared(size_t *pages, uint64_t *maps)
{
	unsigned b, c;
	size_t i;

	*pages = 0;
	*maps = 0;
	spin_lock(&owner_lock);
	for (b = 0; b < nr_banks; b++) {
		uint64_t left = (banks[b].end - banks[b].base) >> PAGE_SHIFT;

		for (c = banks[b].first_chunk; left; c++) {
			size_t k = MIN(left, CHUNK_PAGES);

			for (i = 0; i < k; i++) {
				if (chunks[c][i].share == PAGE_SHARED) {
					(*pages)++;
					*maps += chunks[c][i].guest_maps;
				}
			}
			left -= k;
		}
	}
	spin_unlock(&owner_lock);
}

void *host_page_ptr(paddr_t pa)
{
	struct page_info *pi;
	bool host;

	if (!IS_ALIGNED(pa_addr(pa), PAGE_SIZE))
		return NULL;
	spin_lock(&owner_lock);
	pi = page_info_locked(pa_addr(pa));
	host = pi && pi->owner == OWNER_HOST;
	spin_unlock(&owner_lock);
	return host ? pa_to_ptr(pa) : NULL;
}

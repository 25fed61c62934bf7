/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who owns each page of RAM. Every page has one owner (keel, the host, or
 * guest N) and a state; the only way to change either is through the
 * verb-named transitions below, which check the current state of every page
 * first (prepare, may fail) and then change them all (commit, cannot fail).
 */
#ifndef HV_OWNER_H
#define HV_OWNER_H

#include <hv/boot.h>

/* A zero-filled struct page_info means "the host's": metadata needs no initialisation pass. */
enum page_owner_id {
	OWNER_HOST = 0,
	OWNER_HYP = 1,
	OWNER_GUEST0 = 16, /* guest N is OWNER_GUEST0 + N */
	OWNER_NONE = 0xffff, /* not RAM keel knows of (never stored) */
};

enum page_share {
	PAGE_OWNED,  /* exclusively the owner's */
	PAGE_SHARED, /* owner (the host) lends it to one or more guests */
};

struct page_info {
	uint16_t owner;
	uint8_t share;
	uint8_t pad;
	uint32_t guest_maps; /* how many guest stage-2 entries map it (SHARED) */
};

/* Track all RAM of bi, every page initially the host's. Metadata comes from the page pool. */
int owner_init(const struct boot_info *bi);
int owner_get(paddr_t pa, struct page_info *out);
/* Count pages per owner id into counts[owner] (index < n). */
void owner_count(size_t *counts, size_t n);

/* Host gives pages to keel for good (keel's memory, page pools). */
int host_donate_hyp(paddr_t pa, size_t npages);
int hyp_donate_host(paddr_t pa, size_t npages);
/* Host lends a page to guest vm; the host keeps access. May be called again for another mapping. */
int host_share_guest(paddr_t pa, unsigned vm);
int host_unshare_guest(paddr_t pa, unsigned vm);

#endif

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
	PAGE_SHARED_HYP, /* the host lends it to keel (a vCPU context page): not for guests or donation */
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
/*
 * Host gives a list of n pages to keel (memory for its VMs), all or nothing:
 * -EINVAL a page not page aligned or not tracked RAM, -EPERM one not the
 * host's alone (keel's, shared, lent, or listed twice).
 */
int host_donate_hyp_pages(const uint64_t *pa, size_t n);
/* Host lends keel one of its pages, keeping access (vCPU context pages); -EINVAL, -EPERM as above. */
int host_share_hyp(paddr_t pa);
int host_unshare_hyp(paddr_t pa);
/* Host lends a page to guest vm; the host keeps access. May be called again for another mapping. */
int host_share_guest(paddr_t pa, unsigned vm);
int host_unshare_guest(paddr_t pa, unsigned vm);
/*
 * The same for a list of n pages (the same page may appear several times:
 * one guest mapping each), all or nothing: -EINVAL a page not page aligned
 * or not RAM keel tracks, -EPERM a page not the host's (or, to unshare, not
 * shared that many times).
 */
int host_share_guest_pages(const uint64_t *pa, size_t n, unsigned vm);
int host_unshare_guest_pages(const uint64_t *pa, size_t n, unsigned vm);
/* Host pages shared with guests (*pages) and the guest mappings of them (*maps). */
void owner_count_shared(size_t *pages, uint64_t *maps);

/*
 * keel's pointer to a host page (keel maps all RAM VA == PA at EL2), or NULL
 * if pa is not a page-aligned page of host RAM. For pages the host hands
 * keel by address (map lists, vCPU contexts); the host may change the page
 * at any time, so read what matters once (copy it) before checking it.
 */
void *host_page_ptr(paddr_t pa);

#endif

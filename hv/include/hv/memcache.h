/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM's memcache: pages the host donated for that VM (pKVM's hyp
 * memcache), kept as a list threaded through the free pages themselves.
 * keel takes the VM's stage-2 tables and vCPUs from here, never from its
 * own pool, and puts freed ones back; the VM's end gives them all to the
 * host. The caller serialises (the VM's lock).
 */
#ifndef HV_MEMCACHE_H
#define HV_MEMCACHE_H

#include <hv/types.h>

struct memcache {
	void *head;
	size_t nr;  /* pages in the list */
};

void memcache_push(struct memcache *mc, void *page);
/*
 * A page from the list, NULL when empty. Its contents are what the host or
 * keel left there: callers initialise what they use (tables write every
 * entry; a reclaimed page is zeroed on its way back).
 */
void *memcache_pop(struct memcache *mc);

#endif

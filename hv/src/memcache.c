// SPDX-License-Identifier: GPL-2.0
#include <hv/memcache.h>

void memcache_push(struct memcache *mc, void *page)
{
	*(void **)page = mc->head;
	mc->head = page;
	mc->nr++;
}

void *memcache_pop(struct memcache *mc)
{
	void *p = mc->head;

	if (!p)
		return NULL;
	mc->head = *(void **)p;
	mc->nr--;
	return p;
}

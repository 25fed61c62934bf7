// SPDX-License-Identifier: GPL-2.0
/*
 * The host's stage 2: built once at boot as an identity map, then changed
 * only when the host donates pages to keel (memory for its VMs: they leave
 * the map) and when keel gives them back (they return). host_s2_lock
 * serialises the changes with the fault path that repairs a host access
 * caught in a change's break-before-make window.
 */
#include <hv/errno.h>
#include <hv/host.h>
#include <hv/owner.h>
#include <hv/printf.h>
#include <hv/spinlock.h>

static struct spinlock host_s2_lock = SPINLOCK_INIT;
static struct pgtable *host_s2; /* NULL until built (host unit tests may run without one) */

int host_stage2_init(struct pgtable *pt, const struct boot_info *bi, unsigned ia_bits)
{
	uint64_t top = 1ULL << ia_bits;
	int ret;

	ret = pgtable_init(pt, PT_STAGE_GUEST, ia_bits, 0 /* host VMID */);
	if (ret)
		return ret;
	/* Devices anywhere outside RAM: the host drives its own hardware. */
	ret = pgtable_map(pt, 0, pa_init(0), top, PT_PROT_R | PT_PROT_W | PT_PROT_DEV);
	for (unsigned i = 0; !ret && i < bi->nr_mem; i++) {
		const struct mem_range *m = &bi->mem[i];

		if (m->base >= top)
			continue;
		ret = pgtable_map(pt, m->base, pa_init(m->base), MIN(m->size, top - m->base), PT_PROT_RWX);
	}
	if (!ret)
		ret = pgtable_unmap(pt, bi->keel.base, bi->keel.size);
	for (unsigned i = 0; !ret && i < bi->nr_hyp_dev; i++)
		ret = pgtable_unmap(pt, bi->hyp_dev[i].base, bi->hyp_dev[i].size);
	if (ret) {
		pgtable_destroy(pt);
		return ret;
	}
	spin_lock(&host_s2_lock);
	host_s2 = pt;
	spin_unlock(&host_s2_lock);
	return 0;
}

void host_stage2_forget(void)
{
	spin_lock(&host_s2_lock);
	host_s2 = NULL;
	spin_unlock(&host_s2_lock);
}

/* Put a host-owned RAM page back in the host's map; -ENOMEM if keel's pool has no table for it. */
static int host_s2_map_page_locked(uint64_t pa)
{
	int ret;

	if (!host_s2)
		return 0;
	ret = pgtable_map(host_s2, pa, pa_init(pa), PAGE_SIZE, PT_PROT_RWX);
	/* The donation's split goes once the whole block is the host's again: keel's pool back as it was. */
	if (!ret)
		pgtable_coalesce(host_s2, pa);
	return ret;
}

int host_donate_vm_pages(const uint64_t *pa, size_t n)
{
	size_t i;
	int ret;

	ret = host_donate_hyp_pages(pa, n);
	if (ret)
		return -EFAULT;
	spin_lock(&host_s2_lock);
	for (i = 0, ret = 0; i < n && !ret; i++)
		ret = host_s2 ? pgtable_unmap(host_s2, pa[i], PAGE_SIZE) : 0;
	if (ret) {
		/* Splitting a block needed a table keel's pool did not have: give everything back. */
		for (size_t j = 0; j < n; j++) {
			HV_ASSERT(!hyp_donate_host(pa_init(pa[j]), 1));
			if (j < i)
				(void)host_s2_map_page_locked(pa[j]); /* else the fault path maps it */
		}
		ret = -ENOMEM;
	}
	spin_unlock(&host_s2_lock);
	return ret;
}

void host_reclaim_vm_page(void *page)
{
	uint64_t pa = pa_addr(ptr_to_pa(page));

	/* Nothing of the VM leaks to the host: its vCPU state, its tables. */
	arch_zero_pages(page, PAGE_SIZE);
	HV_ASSERT(!hyp_donate_host(pa_init(pa), 1));
	spin_lock(&host_s2_lock);
	/* Best effort: without a table now, the host's first access maps it (host_stage2_fault). */
	(void)host_s2_map_page_locked(pa);
	spin_unlock(&host_s2_lock);
}

bool host_stage2_fault(uint64_t ipa)
{
	uint64_t pa = ALIGN_DOWN(ipa, PAGE_SIZE);
	struct page_info pi;
	bool retry = false;

	spin_lock(&host_s2_lock);
	if (host_s2) {
		if (!pgtable_lookup(host_s2, pa, NULL, NULL, NULL))
			retry = true; /* mapped again since the fault: a change was under way */
		else if (!owner_get(pa_init(pa), &pi) && pi.owner == OWNER_HOST)
			retry = !host_s2_map_page_locked(pa);
	}
	spin_unlock(&host_s2_lock);
	return retry;
}

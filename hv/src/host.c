// SPDX-License-Identifier: GPL-2.0
#include <hv/errno.h>
#include <hv/host.h>

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
	if (ret)
		pgtable_destroy(pt);
	return ret;
}

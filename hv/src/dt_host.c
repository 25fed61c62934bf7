// SPDX-License-Identifier: GPL-2.0
/*
 * The DT the host gets: the firmware's, copied, with keel's memory reserved
 * (no-map), a /hypervisor node (keel's compatible and ABI version) and the
 * architected timer's virtual-timer interrupt moved there. Look-ups go to the
 * firmware's tree, through dt_parse()'s node index while it is valid, before
 * the copy changes: libfdt walks the whole tree for each of them otherwise.
 */
#include <libfdt.h>

#include <hv/dt.h>
#include <hv/errno.h>
#include <hv/printf.h>
#include <hv/string.h>
#include <keel/abi.h>

#include "dt_index.h"

static int fdt_errno(int err)
{
	return err == -FDT_ERR_NOSPACE ? -ENOSPC : -EINVAL;
}

/*
 * /reserved-memory, created if absent with the root's cells (Linux ignores it
 * otherwise). absent: the caller knows the tree has none (no walk to find it).
 */
static int reserved_memory_node(void *fdt, bool absent)
{
	int node = absent ? -FDT_ERR_NOTFOUND : dt_path(fdt, "/reserved-memory"), ac, sc, ret;

	if (node >= 0 || node != -FDT_ERR_NOTFOUND)
		return node;
	ac = fdt_address_cells(fdt, 0);
	sc = fdt_size_cells(fdt, 0);
	if (ac < 0 || sc < 0)
		return -FDT_ERR_BADNCELLS;
	node = fdt_add_subnode(fdt, 0, "reserved-memory");
	if (node < 0)
		return node;
	ret = fdt_setprop_u32(fdt, node, "#address-cells", ac);
	if (!ret)
		ret = fdt_setprop_u32(fdt, node, "#size-cells", sc);
	if (!ret)
		ret = fdt_setprop_empty(fdt, node, "ranges");
	return ret ? ret : node;
}

size_t dt_used_size(const void *fdt)
{
	size_t end = fdt_off_dt_struct(fdt) + fdt_size_dt_struct(fdt);

	return MAX(end, (size_t)fdt_off_dt_strings(fdt) + fdt_size_dt_strings(fdt));
}

/* #interrupt-cells of node's interrupt parent (its own interrupt-parent, else an ancestor's); 0 if none. */
static int irq_cells(const void *fdt, int node, const struct boot_info *bi)
{
	const fdt32_t *p = NULL;
	int parent, len;
	uint32_t ph;

	for (; node >= 0 && !p; node = dt_parent(fdt, node))
		p = fdt_getprop(fdt, node, "interrupt-parent", &len);
	if (!p || len != 4)
		return 0;
	ph = fdt32_to_cpu(*p);
	/* Usually the interrupt controller dt_parse() found: no walk of the whole tree for its phandle. */
	parent = bi->irqc.compatible[0] ? dt_next_compatible(fdt, -1, bi->irqc.compatible) : -1;
	if (parent < 0 || fdt_get_phandle(fdt, parent) != ph)
		parent = fdt_node_offset_by_phandle(fdt, ph);
	p = parent >= 0 ? fdt_getprop(fdt, parent, "#interrupt-cells", &len) : NULL;
	return p && len == 4 ? (int)fdt32_to_cpu(*p) : 0;
}

/*
 * The host runs at EL1 like an nVHE host: the virtual timer belongs to the
 * guests. Keep only the secure and non-secure physical timer specifiers in
 * the timer node, so that Linux's arch_timer picks the EL1 physical timer,
 * and hand the virtual timer's specifier to the shim in /hypervisor
 * "interrupts" (with the timer's interrupt-parent, if it names one). A tree
 * without an architected timer, or an unexpected one, is left as it is.
 * Looked up in the firmware's tree (with dt_parse()'s index), changed in the
 * copy: the same offsets until the copy changes.
 */
struct host_timer {
	int node; /* -1: nothing to change */
	int cells;
	fdt32_t virt[8], keep[16], par;
};

static void host_timer_find(const void *fdt, const struct boot_info *bi, struct host_timer *t)
{
	int len;
	const fdt32_t *irqs, *parent;

	t->node = dt_next_compatible(fdt, -1, "arm,armv8-timer");
	if (t->node < 0)
		t->node = dt_next_compatible(fdt, -1, "arm,armv7-timer");
	if (t->node < 0)
		return;
	t->cells = irq_cells(fdt, t->node, bi);
	irqs = fdt_getprop(fdt, t->node, "interrupts", &len);
	if (!irqs || t->cells <= 0 || t->cells > (int)ARRAY_SIZE(t->virt) || len < 3 * t->cells * 4) {
		t->node = -1;
		return;
	}
	memcpy(t->virt, irqs + 2 * t->cells, (size_t)t->cells * 4);
	memcpy(t->keep, irqs, (size_t)t->cells * 8);
	parent = fdt_getprop(fdt, t->node, "interrupt-parent", &len);
	t->par = parent && len == 4 ? *parent : 0;
}

/* The timer keeps its physical timers' specifiers (in the copy, before anything else changes it). */
static int host_timer_keep(void *buf, const struct host_timer *t)
{
	return t->node < 0 ? 0 : fdt_setprop(buf, t->node, "interrupts", t->keep, (size_t)t->cells * 8);
}

/* /hypervisor gets the virtual timer's specifier (and its interrupt-parent). */
static int host_timer_hyp(void *buf, int hyp, const struct host_timer *t)
{
	int ret;

	if (t->node < 0)
		return 0;
	ret = fdt_setprop(buf, hyp, "interrupts", t->virt, (size_t)t->cells * 4);
	if (!ret && t->par)
		ret = fdt_setprop(buf, hyp, "interrupt-parent", &t->par, 4);
	return ret;
}

int dt_patch_for_host(const void *fdt, void *buf, size_t bufsize, const struct boot_info *bi,
		      uint32_t abi)
{
	uint64_t base = bi->keel.base, size = bi->keel.size;
	struct host_timer timer;
	bool no_resmem;
	unsigned i;
	char name[32];
	int ret, resmem, node;
	size_t used;

	if (!fdt || !buf || fdt_check_header(fdt) || !size || base + size - 1 < base) {
		dt_index_forget();
		return -EINVAL;
	}
	/* bi->resv was read from this same tree by dt_parse(). */
	for (i = 0; i < bi->nr_resv; i++)
		if (ranges_overlap(base, size, bi->resv[i].base, bi->resv[i].size)) {
			dt_index_forget();
			return -EEXIST;
		}
	if (!dt_index_valid(fdt))
		dt_index_forget(); /* libfdt's own walks, then */
	host_timer_find(fdt, bi, &timer);
	no_resmem = dt_index_valid(fdt) && dt_path(fdt, "/reserved-memory") == -FDT_ERR_NOTFOUND;
	dt_index_forget(); /* nothing below may trust it: the copy changes */

	/*
	 * Firmware often pads the blob (QEMU: 1 MiB); libfdt would copy all of
	 * it. Copy only what is used, then open the copy in place.
	 */
	used = dt_used_size(fdt);
	if (used > bufsize)
		return -ENOSPC;
	memmove(buf, fdt, used);
	fdt_set_totalsize(buf, used);
	ret = fdt_open_into(buf, buf, (int)MIN(bufsize, (size_t)__INT_MAX__));
	if (!ret)
		ret = host_timer_keep(buf, &timer);
	if (ret)
		return fdt_errno(ret);

	resmem = reserved_memory_node(buf, no_resmem);
	if (resmem < 0)
		return fdt_errno(resmem);
	hv_snprintf(name, sizeof(name), "keel@%llx", (unsigned long long)base);
	node = fdt_add_subnode(buf, resmem, name);
	if (node < 0)
		return node == -FDT_ERR_EXISTS ? -EEXIST : fdt_errno(node);
	/* Encoded with /reserved-memory's own cells; -EINVAL if keel does not fit them. */
	ret = fdt_appendprop_addrrange(buf, resmem, node, "reg", base, size);
	if (!ret)
		ret = fdt_setprop_empty(buf, node, "no-map");
	if (ret)
		return fdt_errno(ret);

	node = fdt_add_subnode(buf, 0, "hypervisor");
	if (node < 0)
		return node == -FDT_ERR_EXISTS ? -EEXIST : fdt_errno(node);
	ret = fdt_setprop_string(buf, node, "compatible", KEEL_DT_COMPATIBLE);
	if (!ret)
		ret = fdt_setprop_u32(buf, node, KEEL_DT_ABI_PROP, abi);
	if (!ret)
		ret = host_timer_hyp(buf, node, &timer);
	if (ret)
		return fdt_errno(ret);
	return fdt_check_header(buf) ? -EINVAL : 0;
}

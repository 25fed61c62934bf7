// SPDX-License-Identifier: GPL-2.0
/*
 * Reading the boot DT into struct boot_info, and writing the DT the host
 * gets, with libfdt. The DT comes from firmware: every value is checked and
 * a bad one ends in an error with a static message, never a guess.
 */
#include <libfdt.h>

#include <hv/dt.h>
#include <hv/errno.h>
#include <hv/printf.h>
#include <hv/string.h>
#include <keel/abi.h>

#include "dt_index.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/*
 * libfdt finds a node's parent, or a node by path, by walking the tree from
 * the root each time. One walk up front records every node's parent (in
 * tree order, so lookups are binary searches); this keeps boot parsing to a
 * couple of walks. A tree too big for the index falls back to libfdt.
 */
#define DT_INDEX_MAX 1024

struct dt_index_prop {
	const char *v; /* NULL if absent */
	int len;
};

static struct {
	const void *fdt;
	uint32_t sum; /* of the structure block: dt_index_valid() trusts the index for the same, unchanged tree */
	int n;
	int off[DT_INDEX_MAX];
	int parent[DT_INDEX_MAX];
	/* Looked up once here: libfdt scans names a byte at a time on every lookup. */
	struct dt_index_prop name[DT_INDEX_MAX], compatible[DT_INDEX_MAX], device_type[DT_INDEX_MAX];
} dt_index;

/* A node's "compatible" and "device_type", in one pass over its properties (fdt_getprop() is a pass each). */
static void dt_index_props(const void *fdt, int node, struct dt_index_prop *compat, struct dt_index_prop *type)
{
	const char *name;
	const void *v;
	int prop, len;

	*compat = *type = (struct dt_index_prop){ NULL, 0 };
	fdt_for_each_property_offset(prop, fdt, node) {
		v = fdt_getprop_by_offset(fdt, prop, &name, &len);
		if (!v || !name)
			continue;
		if (!compat->v && !strcmp(name, "compatible"))
			*compat = (struct dt_index_prop){ v, len };
		else if (!type->v && !strcmp(name, "device_type"))
			*type = (struct dt_index_prop){ v, len };
	}
}

static uint32_t dt_struct_sum(const void *fdt)
{
	const uint8_t *p = (const uint8_t *)fdt + fdt_off_dt_struct(fdt);
	uint32_t size = fdt_size_dt_struct(fdt), i;
	uint64_t sum = size, w;

	/* 8 bytes at a time, inline (freestanding: memcpy() would be a call per word). */
	for (i = 0; i + 8 <= size; i += 8) {
		__builtin_memcpy(&w, p + i, 8);
		sum = (sum << 7 | sum >> 57) ^ w;
	}
	for (; i < size; i++)
		sum = (sum << 7 | sum >> 57) ^ p[i];
	return (uint32_t)(sum ^ sum >> 32);
}

static void dt_index_build(const void *fdt)
{
	int stack[32], depth = 0, node;

	dt_index.fdt = NULL;
	dt_index.n = 0;
	for (node = 0; node >= 0 && depth >= 0; node = fdt_next_node(fdt, node, &depth)) {
		if (depth >= (int)ARRAY_SIZE(stack) || dt_index.n == DT_INDEX_MAX)
			return; /* leave the index invalid */
		stack[depth] = node;
		dt_index.off[dt_index.n] = node;
		dt_index.parent[dt_index.n] = depth ? stack[depth - 1] : -FDT_ERR_NOTFOUND;
		dt_index.name[dt_index.n].v = fdt_get_name(fdt, node, &dt_index.name[dt_index.n].len);
		dt_index_props(fdt, node, &dt_index.compatible[dt_index.n], &dt_index.device_type[dt_index.n]);
		dt_index.n++;
	}
	dt_index.sum = dt_struct_sum(fdt);
	dt_index.fdt = fdt;
}

bool dt_index_valid(const void *fdt)
{
	return dt_index.fdt == fdt && dt_index.sum == dt_struct_sum(fdt);
}

static int dt_index_find(const void *fdt, int node)
{
	int lo = 0, hi = dt_index.n - 1;

	if (dt_index.fdt != fdt)
		return -1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;

		if (dt_index.off[mid] == node)
			return mid;
		if (dt_index.off[mid] < node)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

int dt_parent(const void *fdt, int node)
{
	int i = dt_index_find(fdt, node);

	return i >= 0 ? dt_index.parent[i] : fdt_parent_offset(fdt, node);
}

/* Next node after prev (-1: from the start), in tree order, compatible with a (b == NULL) or whose property a ("device_type") is b. */
static int dt_next_node_matching(const void *fdt, int prev, const char *a, const char *b, int blen)
{
	int i;

	if (dt_index.fdt != fdt || (b && strcmp(a, "device_type"))) {
		if (b)
			return fdt_node_offset_by_prop_value(fdt, prev, a, b, blen);
		return fdt_node_offset_by_compatible(fdt, prev, a);
	}
	i = prev < 0 ? 0 : dt_index_find(fdt, prev) + 1;
	if (prev >= 0 && i == 0)
		return -FDT_ERR_BADOFFSET; /* prev is not a node of this tree */
	for (; i < dt_index.n; i++) {
		const struct dt_index_prop *p = b ? &dt_index.device_type[i] : &dt_index.compatible[i];

		if (!p->v)
			continue;
		if (!b ? fdt_stringlist_contains(p->v, p->len, a)
		       : p->len == blen && !memcmp(p->v, b, (size_t)blen))
			return dt_index.off[i];
	}
	return -FDT_ERR_NOTFOUND;
}

/* fdt_node_offset_by_compatible / _by_prop_value without a walk per call. */
int dt_next_compatible(const void *fdt, int prev, const char *compat)
{
	return dt_next_node_matching(fdt, prev, compat, NULL, 0);
}

static int dt_next_prop_value(const void *fdt, int prev, const char *name, const char *val, int len)
{
	return dt_next_node_matching(fdt, prev, name, val, len);
}

/* fdt_path_offset_namelen, fast for "/name" (a child of the root). */
static int dt_path_namelen(const void *fdt, const char *path, int plen)
{
	const char *name = path + 1;
	int i, nlen = plen - 1;

	if (dt_index.fdt != fdt || plen < 2 || path[0] != '/' || memchr(name, '/', (size_t)nlen))
		return fdt_path_offset_namelen(fdt, path, plen);
	for (i = 1; i < dt_index.n; i++) {
		const struct dt_index_prop *n = &dt_index.name[i];

		if (dt_index.parent[i] == 0 && n->v && n->len == nlen && !memcmp(n->v, name, (size_t)nlen))
			return dt_index.off[i];
	}
	return -FDT_ERR_NOTFOUND;
}

int dt_path(const void *fdt, const char *path)
{
	return dt_path_namelen(fdt, path, (int)strlen(path));
}

/* A node's reg property, decoded with its parent's #address-cells / #size-cells. */
struct dt_reg {
	const fdt32_t *cells;
	int n;  /* (address, size) pairs */
	int ac, sc;
};

static uint64_t read_cells(const fdt32_t *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = (v << 32) | fdt32_ld(p++);
	return v;
}

static bool node_enabled(const void *fdt, int node)
{
	int len;
	const char *s = fdt_getprop(fdt, node, "status", &len);

	if (!s)
		return true;
	return len > 0 && s[len - 1] == '\0' && (!strcmp(s, "okay") || !strcmp(s, "ok"));
}

/* Does the (first) string of property name equal value? */
static bool prop_is(const void *fdt, int node, const char *name, const char *value)
{
	int len;
	const char *s = fdt_getprop(fdt, node, name, &len);

	return s && len > 0 && strnlen(s, len) < (size_t)len && !strcmp(s, value);
}

/* Cell counts of bus for its children's addresses; only 1- and 2-cell addresses are supported. */
static int bus_cells(const void *fdt, int bus, int *ac, int *sc)
{
	*ac = fdt_address_cells(fdt, bus);
	*sc = fdt_size_cells(fdt, bus);
	if (*ac < 1 || *ac > 2 || *sc < 0 || *sc > 2)
		return -EINVAL;
	return 0;
}

/* 0 with r->n pairs (possibly 0 when there is no reg), or -EINVAL on bad cells or length. */
static int reg_get(const void *fdt, int node, int parent, struct dt_reg *r)
{
	int len;

	if (bus_cells(fdt, parent, &r->ac, &r->sc))
		return -EINVAL;
	r->cells = fdt_getprop(fdt, node, "reg", &len);
	r->n = 0;
	if (!r->cells)
		return len == -FDT_ERR_NOTFOUND ? 0 : -EINVAL;
	if (len % ((r->ac + r->sc) * 4))
		return -EINVAL;
	r->n = len / ((r->ac + r->sc) * 4);
	return 0;
}

static void reg_at(const struct dt_reg *r, int i, uint64_t *base, uint64_t *size)
{
	const fdt32_t *p = r->cells + i * (r->ac + r->sc);

	*base = read_cells(p, r->ac);
	*size = read_cells(p + r->ac, r->sc);
}

/* Turn an address on bus into a CPU physical address through the "ranges" up to the root. */
static int translate(const void *fdt, int bus, uint64_t *addr)
{
	while (bus > 0) {
		int parent = dt_parent(fdt, bus), ac, sc, pac, psc, len, i, n;
		const fdt32_t *r = fdt_getprop(fdt, bus, "ranges", &len);
		bool found = false;

		/* No ranges: the bus is not memory mapped (i2c, spi...). */
		if (!r || parent < 0)
			return -EINVAL;
		if (len == 0) {
			bus = parent;
			continue;
		}
		if (bus_cells(fdt, bus, &ac, &sc) || bus_cells(fdt, parent, &pac, &psc) ||
		    len % ((ac + pac + sc) * 4))
			return -EINVAL;
		n = len / ((ac + pac + sc) * 4);
		for (i = 0; i < n && !found; i++, r += ac + pac + sc) {
			uint64_t child = read_cells(r, ac), pbase = read_cells(r + ac, pac);
			uint64_t size = read_cells(r + ac + pac, sc);

			if (*addr >= child && *addr - child < size) {
				*addr = *addr - child + pbase;
				found = true;
			}
		}
		if (!found)
			return -EINVAL;
		bus = parent;
	}
	return 0;
}

/* The i-th reg entry of a device node, as a CPU physical address. */
static int dev_reg(const void *fdt, int node, int i, uint64_t *base, uint64_t *size)
{
	int parent = dt_parent(fdt, node);
	struct dt_reg r;

	if (parent < 0 || reg_get(fdt, node, parent, &r))
		return -EINVAL;
	if (i >= r.n)
		return -ENOENT;
	reg_at(&r, i, base, size);
	return translate(fdt, parent, base);
}

static int add_range(struct mem_range *ranges, unsigned *n, unsigned max, uint64_t base,
		     uint64_t size)
{
	unsigned i;

	if (!size)
		return 0;
	if (base + size - 1 < base)
		return -EINVAL;
	/* The same reservation twice (as /memreserve/ and a node) is common and harmless. */
	for (i = 0; i < *n; i++)
		if (ranges[i].base == base && ranges[i].size == size)
			return 0;
	if (*n == max)
		return -E2BIG;
	ranges[*n].base = base;
	ranges[*n].size = size;
	(*n)++;
	return 0;
}

static bool any_overlap(const struct mem_range *r, unsigned n)
{
	unsigned i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (ranges_overlap(r[i].base, r[i].size, r[j].base, r[j].size))
				return true;
	return false;
}

/* /memreserve/ entries and the reg of every enabled /reserved-memory child. */
static int collect_resv(const void *fdt, struct mem_range *resv, unsigned *n, const char **why)
{
	int i, nr = fdt_num_mem_rsv(fdt), node, child, ret;
	uint64_t base, size;

	*n = 0;
	if (nr < 0) {
		*why = "bad /memreserve/ block";
		return -EINVAL;
	}
	for (i = 0; i < nr; i++) {
		if (fdt_get_mem_rsv(fdt, i, &base, &size)) {
			*why = "bad /memreserve/ block";
			return -EINVAL;
		}
		ret = add_range(resv, n, BOOT_MAX_RESV, base, size);
		if (ret)
			goto bad;
	}
	node = dt_path(fdt, "/reserved-memory");
	if (node < 0)
		return 0;
	fdt_for_each_subnode(child, fdt, node) {
		struct dt_reg r;
		int j;

		if (!node_enabled(fdt, child))
			continue;
		/* Children without reg are allocated by the host later, inside its own RAM. */
		if (reg_get(fdt, child, node, &r)) {
			*why = "bad reg in a /reserved-memory child";
			return -EINVAL;
		}
		for (j = 0; j < r.n; j++) {
			reg_at(&r, j, &base, &size);
			ret = add_range(resv, n, BOOT_MAX_RESV, base, size);
			if (ret)
				goto bad;
		}
	}
	return 0;
bad:
	*why = ret == -E2BIG ? "more than " STR(BOOT_MAX_RESV) " memory reservations" :
			       "a memory reservation wraps around the address space";
	return ret;
}

static int parse_memory(const void *fdt, struct boot_info *bi, const char **why)
{
	int node, ret;
	bool found = false;

	for (node = dt_next_prop_value(fdt, -1, "device_type", "memory", sizeof("memory"));
	     node >= 0;
	     node = dt_next_prop_value(fdt, node, "device_type", "memory",
						  sizeof("memory"))) {
		int parent = dt_parent(fdt, node), i;
		struct dt_reg r;

		if (!node_enabled(fdt, node))
			continue;
		found = true;
		if (parent < 0 || reg_get(fdt, node, parent, &r)) {
			*why = "bad reg in a memory node";
			return -EINVAL;
		}
		for (i = 0; i < r.n; i++) {
			uint64_t base, size;

			reg_at(&r, i, &base, &size);
			if (size && translate(fdt, parent, &base)) {
				*why = "memory node on a bus without a CPU address";
				return -EINVAL;
			}
			ret = add_range(bi->mem, &bi->nr_mem, BOOT_MAX_MEM, base, size);
			if (ret) {
				*why = ret == -E2BIG ? "more than " STR(BOOT_MAX_MEM) " memory ranges" :
						       "a memory range wraps around the address space";
				return ret;
			}
		}
	}
	if (!found) {
		*why = "no memory node (device_type = \"memory\")";
		return -ENOENT;
	}
	if (!bi->nr_mem) {
		*why = "memory nodes describe zero bytes of RAM";
		return -ENOENT;
	}
	if (any_overlap(bi->mem, bi->nr_mem)) {
		*why = "memory ranges overlap each other";
		return -EINVAL;
	}
	return 0;
}

static int parse_cpus(const void *fdt, struct boot_info *bi, const char **why)
{
	int cpus = dt_path(fdt, "/cpus"), node;
	unsigned i;

	if (cpus < 0) {
		*why = "no /cpus node";
		return -ENOENT;
	}
	fdt_for_each_subnode(node, fdt, cpus) {
		struct dt_reg r;
		uint64_t hwid, size;

		if (!prop_is(fdt, node, "device_type", "cpu") || !node_enabled(fdt, node))
			continue;
		if (reg_get(fdt, node, cpus, &r) || r.n < 1) {
			*why = "CPU node without a valid reg";
			return -EINVAL;
		}
		reg_at(&r, 0, &hwid, &size);
		for (i = 0; i < bi->nr_cpus; i++) {
			if (bi->cpu_hwid[i] == hwid) {
				*why = "two CPU nodes with the same reg";
				return -EINVAL;
			}
		}
		if (bi->nr_cpus == HV_MAX_CPUS) {
			*why = "more than HV_MAX_CPUS (" STR(HV_MAX_CPUS) ") CPUs in the DT";
			return -E2BIG;
		}
		bi->cpu_hwid[bi->nr_cpus++] = hwid;
	}
	if (!bi->nr_cpus) {
		*why = "no CPU nodes (device_type = \"cpu\") under /cpus";
		return -ENOENT;
	}
	return 0;
}

/* First enabled node compatible with compat, or a negative libfdt error. */
static int find_enabled(const void *fdt, const char *compat)
{
	int node;

	for (node = dt_next_compatible(fdt, -1, compat); node >= 0;
	     node = dt_next_compatible(fdt, node, compat))
		if (node_enabled(fdt, node))
			return node;
	return node;
}

static void parse_psci(const void *fdt, struct boot_info *bi)
{
	static const char *const compat[] = { "arm,psci-1.0", "arm,psci-0.2", "arm,psci" };
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(compat); i++) {
		int node = find_enabled(fdt, compat[i]);

		if (node < 0)
			continue;
		if (prop_is(fdt, node, "method", "smc"))
			bi->psci = PSCI_SMC;
		else if (prop_is(fdt, node, "method", "hvc"))
			bi->psci = PSCI_HVC;
		return;
	}
}

static uint32_t prop_u32(const void *fdt, int node, const char *name, uint32_t dflt)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, node, name, &len);

	return p && len == 4 ? fdt32_ld(p) : dflt;
}

/*
 * The UART drivers keel has, chosen by the node's compatible string. The arch implements each
 * kind it supports in arch_console_init() (arm64: arch/arm64/uart.c); the table is the only place
 * that names compatibles, so a board with a supported UART needs no code.
 */
static const struct {
	const char *compatible;
	enum uart_kind kind;
} uart_drivers[] = {
	{ "arm,pl011", UART_PL011 },
	{ "ns16550a", UART_NS16550 },
	{ "ns16550", UART_NS16550 },
	{ "snps,dw-apb-uart", UART_NS16550 },
	{ "cdns,uart-r1p12", UART_CDNS },	/* Cadence UART: Xilinx Zynq/ZynqMP */
	{ "cdns,uart-r1p8", UART_CDNS },
	{ "xlnx,xuartps", UART_CDNS },
};

/* Fill uart from a UART node keel can drive; -ENODEV if it cannot. */
static int uart_from_node(const void *fdt, int node, struct boot_uart *uart)
{
	uint64_t base, size;
	unsigned i;

	if (!node_enabled(fdt, node) || dev_reg(fdt, node, 0, &base, &size))
		return -ENODEV;
	for (i = 0; i < ARRAY_SIZE(uart_drivers); i++) {
		if (fdt_node_check_compatible(fdt, node, uart_drivers[i].compatible))
			continue;
		*uart = (struct boot_uart){ .kind = uart_drivers[i].kind, .base = base };
		if (uart->kind == UART_NS16550) {
			uart->reg_shift = prop_u32(fdt, node, "reg-shift", 0);
			uart->reg_width = prop_u32(fdt, node, "reg-io-width", 1);
			if (uart->reg_shift > 4 || (uart->reg_width != 1 && uart->reg_width != 4))
				return -ENODEV;
		}
		return 0;
	}
	return -ENODEV;
}

static int parse_console(const void *fdt, struct boot_info *bi, const char **why)
{
	int chosen = dt_path(fdt, "/chosen"), node, len;
	unsigned i;

	if (chosen >= 0) {
		const char *path = fdt_getprop(fdt, chosen, "stdout-path", &len);

		if (!path)
			path = fdt_getprop(fdt, chosen, "linux,stdout-path", &len);
		if (path && len > 0) {
			const char *opts = memchr(path, ':', strnlen(path, len));
			int plen = opts ? opts - path : (int)strnlen(path, len);

			/* A path, or an alias (fdt_path_offset_namelen resolves those). */
			node = dt_path_namelen(fdt, path, plen);
			if (node >= 0 && !uart_from_node(fdt, node, &bi->uart))
				return 0;
		}
	}
	for (i = 0; i < ARRAY_SIZE(uart_drivers); i++) {
		for (node = dt_next_compatible(fdt, -1, uart_drivers[i].compatible); node >= 0;
		     node = dt_next_compatible(fdt, node, uart_drivers[i].compatible))
			if (!uart_from_node(fdt, node, &bi->uart))
				return 0;
	}
	*why = "no usable console UART (stdout-path, or a PL011, 16550 or Cadence UART) in the DT";
	return -ENODEV;
}

/* The interrupt controllers keel knows, by compatible; the arch drives each kind (arm64: gic.c). */
static const struct {
	const char *compatible;
	enum irqc_kind kind;
} irqc_drivers[] = {
	{ "arm,gic-v3", IRQC_GICV3 },
	{ "arm,cortex-a15-gic", IRQC_GICV2 },
	{ "arm,gic-400", IRQC_GICV2 },
};

static int parse_irqc(const void *fdt, struct boot_info *bi, const char **why)
{
	unsigned i, j;

	for (i = 0; i < ARRAY_SIZE(irqc_drivers); i++) {
		const char *compat = irqc_drivers[i].compatible;
		int node;

		for (node = dt_next_compatible(fdt, -1, compat); node >= 0;
		     node = dt_next_compatible(fdt, node, compat)) {
			if (!node_enabled(fdt, node) ||
			    !fdt_getprop(fdt, node, "interrupt-controller", NULL))
				continue;
			/* GICv3: distributor, redistributors (then the GICv2-compatible interfaces, if any);
			 * GICv2: distributor, CPU, hypervisor control and virtual CPU interfaces. */
			for (j = 0; j < ARRAY_SIZE(bi->irqc.regs); j++) {
				if (!dev_reg(fdt, node, j, &bi->irqc.regs[j].base, &bi->irqc.regs[j].size))
					continue;
				if (j < 2) {
					*why = "interrupt controller without two valid reg entries";
					return -EINVAL;
				}
				bi->irqc.regs[j] = (struct mem_range){ 0, 0 }; /* the optional ones end here */
				break;
			}
			bi->irqc.kind = irqc_drivers[i].kind;
			memcpy(bi->irqc.compatible, compat, strlen(compat) + 1);
			return 0;
		}
	}
	/* Not an error here: whether keel can run without a known one is the arch's call. */
	return 0;
}

static int chosen_addr(const void *fdt, int chosen, const char *name, uint64_t *v)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, chosen, name, &len);

	if (!p)
		return -ENOENT;
	if (len != 4 && len != 8)
		return -EINVAL;
	*v = read_cells(p, len / 4);
	return 0;
}

static int parse_chosen(const void *fdt, struct boot_info *bi, const char **why)
{
	int chosen = dt_path(fdt, "/chosen"), rs, re;
	uint64_t start = 0, end = 0;

	if (chosen < 0)
		return 0;
	rs = chosen_addr(fdt, chosen, "linux,initrd-start", &start);
	re = chosen_addr(fdt, chosen, "linux,initrd-end", &end);
	if (rs == -ENOENT && re == -ENOENT)
		return 0;
	if (rs || re || end < start) {
		*why = "bad linux,initrd-start/end in /chosen";
		return -EINVAL;
	}
	bi->initrd.base = start;
	bi->initrd.size = end - start;
	return 0;
}

static int dt_parse_indexed(const void *fdt, struct boot_info *bi, const char **why)
{
	const char *dummy, *model;
	int ret, len;

	if (!why)
		why = &dummy;
	bi->fdt = NULL;
	bi->fdt_size = 0;
	memset(bi->model, 0, sizeof(bi->model));
	memset(bi->mem, 0, sizeof(bi->mem));
	memset(bi->resv, 0, sizeof(bi->resv));
	memset(bi->cpu_hwid, 0, sizeof(bi->cpu_hwid));
	memset(&bi->uart, 0, sizeof(bi->uart));
	memset(&bi->irqc, 0, sizeof(bi->irqc));
	bi->nr_mem = bi->nr_resv = bi->nr_cpus = 0;
	bi->psci = PSCI_NONE;
	bi->initrd = (struct mem_range){ 0, 0 };

	if (!fdt || fdt_check_header(fdt)) {
		*why = "not a valid flattened device tree (bad header)";
		return -EINVAL;
	}
	bi->fdt = fdt;
	bi->fdt_size = fdt_totalsize(fdt);

	model = fdt_getprop(fdt, 0, "model", &len);
	if (model && len > 0)
		memcpy(bi->model, model, MIN(strnlen(model, len), sizeof(bi->model) - 1));

	ret = parse_memory(fdt, bi, why);
	if (!ret)
		ret = collect_resv(fdt, bi->resv, &bi->nr_resv, why);
	if (!ret && any_overlap(bi->resv, bi->nr_resv)) {
		*why = "memory reservations overlap each other";
		ret = -EINVAL;
	}
	if (!ret)
		ret = parse_cpus(fdt, bi, why);
	if (!ret)
		ret = parse_console(fdt, bi, why);
	if (!ret)
		ret = parse_irqc(fdt, bi, why);
	if (!ret)
		ret = parse_chosen(fdt, bi, why);
	if (!ret)
		parse_psci(fdt, bi);
	return ret;
}

int dt_parse(const void *fdt, struct boot_info *bi, const char **why)
{
	int ret;

	if (fdt && !fdt_check_header(fdt))
		dt_index_build(fdt);
	ret = dt_parse_indexed(fdt, bi, why);
	if (ret)
		dt_index.fdt = NULL;
	return ret; /* the index stays for dt_patch_for_host() on the same tree (dt_index_valid) */
}

void dt_index_forget(void) { dt_index.fdt = NULL; }

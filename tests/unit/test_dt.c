// SPDX-License-Identifier: GPL-2.0
/*
 * dt_parse and dt_patch_for_host on real DTBs: QEMU virt's own (dumped at
 * build time) and small ones from tests/unit/dts/. The patched trees are
 * checked with libfdt directly, then parsed again.
 */
#include <stdio.h>

#include "test_util.h"

#include <libfdt.h>

#include <hv/boot.h>
#include <hv/dt.h>
#include <hv/errno.h>
#include <keel/abi.h>

#define MB (1024ULL * 1024)
#define GB (1024 * MB)

/* Read $KEEL_UNIT_DTB/name.dtb into a malloc'ed buffer with room to spare. */
static void *load(const char *name, size_t *size)
{
	const char *dir = getenv("KEEL_UNIT_DTB");
	char path[1024];
	FILE *f;
	void *buf;
	long n;

	if (!dir)
		fail_msg("KEEL_UNIT_DTB is not set: run the tests with 'make unit'");
	snprintf(path, sizeof(path), "%s/%s.dtb", dir, name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, n + 16384);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, n, f), n);
	fclose(f);
	if (size)
		*size = n;
	return buf;
}

static struct boot_info parse_ok(const void *fdt)
{
	struct boot_info bi;
	const char *why = NULL;
	int ret;

	memset(&bi, 0xa5, sizeof(bi)); /* dt_parse must not depend on a zeroed struct */
	ret = dt_parse(fdt, &bi, &why);
	if (ret)
		fail_msg("dt_parse: %d (%s)", ret, why ? why : "no reason given");
	return bi;
}

static void expect_fail(const char *name, int err, const char *why_part)
{
	void *fdt = load(name, NULL);
	struct boot_info bi;
	const char *why = NULL;

	assert_int_equal(dt_parse(fdt, &bi, &why), err);
	assert_non_null(why);
	if (!strstr(why, why_part))
		fail_msg("%s: reason \"%s\" does not mention \"%s\"", name, why, why_part);
	free(fdt);
}

static void expect_range(const struct mem_range *r, uint64_t base, uint64_t size)
{
	assert_int_equal(r->base, base);
	assert_int_equal(r->size, size);
}

/* Order among reservations is libfdt's business (it adds a node before its siblings). */
static void expect_resv(const struct boot_info *bi, uint64_t base, uint64_t size)
{
	for (unsigned i = 0; i < bi->nr_resv; i++)
		if (bi->resv[i].base == base && bi->resv[i].size == size)
			return;
	fail_msg("no reservation [%#llx, +%#llx)", (unsigned long long)base,
		 (unsigned long long)size);
}

static void test_qemu_virt_gicv3(void **state)
{
	size_t size;
	void *fdt = load("qemu-virt-gicv3", &size);
	struct boot_info bi = parse_ok(fdt);

	(void)state;
	assert_ptr_equal(bi.fdt, fdt);
	assert_int_equal(bi.fdt_size, size);
	assert_string_equal(bi.model, "linux,dummy-virt");
	assert_int_equal(bi.nr_mem, 1);
	expect_range(&bi.mem[0], 0x40000000, 2 * GB);
	assert_int_equal(bi.nr_resv, 0);
	assert_int_equal(bi.nr_cpus, 2);
	assert_int_equal(bi.cpu_hwid[0], 0);
	assert_int_equal(bi.cpu_hwid[1], 1);
	/* virtualization=on: QEMU's PSCI is at EL3, reached by SMC. */
	assert_int_equal(bi.psci, PSCI_SMC);
	assert_int_equal(bi.uart.kind, UART_PL011);
	assert_int_equal(bi.uart.base, 0x9000000);
	assert_string_equal(bi.irqc.compatible, "arm,gic-v3");
	assert_int_equal(bi.irqc.kind, IRQC_GICV3);
	expect_range(&bi.irqc.regs[0], 0x8000000, 0x10000);
	expect_range(&bi.irqc.regs[1], 0x80a0000, 0xf60000);
	expect_range(&bi.initrd, 0, 0);
	free(fdt);
}

static void test_qemu_virt_gicv2(void **state)
{
	void *fdt = load("qemu-virt-gicv2", NULL);
	struct boot_info bi = parse_ok(fdt);

	(void)state;
	assert_int_equal(bi.nr_mem, 1);
	expect_range(&bi.mem[0], 0x40000000, 1 * GB);
	assert_int_equal(bi.nr_cpus, 4);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(bi.cpu_hwid[i], i);
	assert_string_equal(bi.irqc.compatible, "arm,cortex-a15-gic");
	assert_int_equal(bi.irqc.kind, IRQC_GICV2);
	expect_range(&bi.irqc.regs[0], 0x8000000, 0x10000);
	expect_range(&bi.irqc.regs[1], 0x8010000, 0x10000);
	assert_int_equal(bi.psci, PSCI_SMC);
	free(fdt);
}

/* A ZynqMP board: Cadence UART chosen by stdout-path's alias, GIC-400 with its hypervisor interfaces. */
static void test_zynqmp(void **state)
{
	void *fdt = load("zynqmp", NULL);
	struct boot_info bi = parse_ok(fdt);

	(void)state;
	assert_int_equal(bi.nr_mem, 1);
	expect_range(&bi.mem[0], 0, 2 * GB);
	assert_int_equal(bi.nr_cpus, 2);
	assert_int_equal(bi.uart.kind, UART_CDNS);
	assert_int_equal(bi.uart.base, 0xff000000);
	assert_string_equal(bi.irqc.compatible, "arm,gic-400");
	assert_int_equal(bi.irqc.kind, IRQC_GICV2);
	expect_range(&bi.irqc.regs[0], 0xf9010000, 0x10000);
	expect_range(&bi.irqc.regs[1], 0xf9020000, 0x20000);
	expect_range(&bi.irqc.regs[2], 0xf9040000, 0x20000);
	expect_range(&bi.irqc.regs[3], 0xf9060000, 0x20000);
	assert_int_equal(bi.psci, PSCI_SMC);
	free(fdt);
}

static void test_qemu_virt_secure(void **state)
{
	void *fdt = load("qemu-virt-secure", NULL);
	struct boot_info bi = parse_ok(fdt);

	(void)state;
	/* The secure RAM and UART are status = "disabled" for the normal world. */
	assert_int_equal(bi.nr_mem, 1);
	expect_range(&bi.mem[0], 0x40000000, 1 * GB);
	assert_int_equal(bi.uart.kind, UART_PL011);
	assert_int_equal(bi.uart.base, 0x9000000);
	/* Firmware at EL3 provides PSCI there, not QEMU: no node. */
	assert_int_equal(bi.psci, PSCI_NONE);
	assert_int_equal(bi.nr_cpus, 2);
	free(fdt);
}

static void test_multibank(void **state)
{
	void *fdt = load("multibank", NULL);
	struct boot_info bi = parse_ok(fdt);

	(void)state;
	assert_string_equal(bi.model, "keel test: several memory banks");
	assert_int_equal(bi.nr_mem, 3);
	expect_range(&bi.mem[0], 0x40000000, 512 * MB);
	expect_range(&bi.mem[1], 0x80000000, 256 * MB);
	expect_range(&bi.mem[2], 0x100000000, 1 * GB);
	assert_int_equal(boot_mem_total(&bi), 512 * MB + 256 * MB + 1 * GB);
	/* /memreserve/ first, then enabled /reserved-memory children with reg. */
	assert_int_equal(bi.nr_resv, 2);
	expect_range(&bi.resv[0], 0x48000000, 0x10000);
	expect_range(&bi.resv[1], 0x4e000000, 0x200000);
	assert_int_equal(bi.nr_cpus, 3);
	assert_int_equal(bi.cpu_hwid[0], 0);
	assert_int_equal(bi.cpu_hwid[1], 0x100);
	assert_int_equal(bi.cpu_hwid[2], 0x100000000);
	assert_int_equal(bi.psci, PSCI_HVC);
	/* No stdout-path: the first enabled pl011. */
	assert_int_equal(bi.uart.kind, UART_PL011);
	assert_int_equal(bi.uart.base, 0x9000000);
	assert_string_equal(bi.irqc.compatible, "arm,gic-v3");
	expect_range(&bi.initrd, 0x44000000, 8 * MB);
	free(fdt);
}

static void test_onecell(void **state)
{
	void *fdt = load("onecell", NULL);
	struct boot_info bi = parse_ok(fdt);

	(void)state;
	assert_int_equal(bi.nr_mem, 1);
	expect_range(&bi.mem[0], 0x80000000, 1 * GB);
	assert_int_equal(bi.nr_resv, 2);
	expect_range(&bi.resv[0], 0x8f000000, 0x1000);
	expect_range(&bi.resv[1], 0x8e000000, 0x100000);
	/* The disabled CPU is not counted. */
	assert_int_equal(bi.nr_cpus, 2);
	assert_int_equal(bi.psci, PSCI_SMC);
	/* stdout-path "serial0:115200n8": alias resolved, options dropped, address through ranges. */
	assert_int_equal(bi.uart.kind, UART_NS16550);
	assert_int_equal(bi.uart.base, 0xf0200000);
	assert_int_equal(bi.uart.reg_shift, 2);
	assert_int_equal(bi.uart.reg_width, 4);
	assert_string_equal(bi.irqc.compatible, "arm,gic-400");
	expect_range(&bi.irqc.regs[0], 0xf0301000, 0x1000);
	expect_range(&bi.irqc.regs[1], 0xf0302000, 0x2000);
	expect_range(&bi.initrd, 0x82000000, 4 * MB);
	free(fdt);
}

static void test_errors(void **state)
{
	(void)state;
	expect_fail("nomem", -ENOENT, "no memory node");
	expect_fail("zeromem", -ENOENT, "zero bytes");
	expect_fail("nocpus", -ENOENT, "no CPU");
	expect_fail("toomanycpus", -E2BIG, "HV_MAX_CPUS (8)");
	expect_fail("noconsole", -ENODEV, "console");
	expect_fail("overlap", -EINVAL, "overlap");
}

/*
 * dt_parse()'s node index serves dt_patch_for_host() only for the same tree,
 * unchanged: a tree changed in place after parsing (a node added at the
 * root moves every node after it, the timer among them) is patched from what
 * it holds now, exactly as a fresh parse of it would have it patched.
 */
static void test_patch_stale_index(void **state)
{
	size_t size;
	void *fdt = load("qemu-virt-gicv3", &size), *copy = malloc(size);
	struct boot_info bi = parse_ok(fdt), bi2;
	size_t bufsize = size + 4096;
	void *buf = malloc(bufsize), *buf2 = malloc(bufsize);
	int node;

	(void)state;
	node = fdt_add_subnode(fdt, 0, "aaa"); /* QEMU's blob has room to spare: in place */
	assert_true(node >= 0);
	assert_int_equal(fdt_setprop_string(fdt, node, "compatible", "test,moved-the-rest"), 0);
	bi.keel = (struct mem_range){ 0xbe000000, 32 * MB };
	assert_int_equal(dt_patch_for_host(fdt, buf, bufsize, &bi, KEEL_ABI_VERSION), 0);
	memcpy(copy, fdt, size);
	bi2 = parse_ok(copy);
	bi2.keel = bi.keel;
	assert_int_equal(dt_patch_for_host(copy, buf2, bufsize, &bi2, KEEL_ABI_VERSION), 0);
	assert_memory_equal(buf, buf2, bufsize);
	free(fdt);
	free(copy);
	free(buf);
	free(buf2);
}

static void test_bad_header(void **state)
{
	void *fdt = load("qemu-virt-gicv3", NULL);
	struct boot_info bi;
	const char *why = NULL;

	(void)state;
	((unsigned char *)fdt)[0] ^= 0xff;
	assert_int_equal(dt_parse(fdt, &bi, &why), -EINVAL);
	assert_non_null(strstr(why, "header"));
	assert_int_equal(dt_parse(NULL, &bi, NULL), -EINVAL);
	assert_int_equal(dt_patch_for_host(fdt, (char *)fdt + 8192, 8192, &bi, KEEL_ABI_VERSION),
			 -EINVAL);
	free(fdt);
}

static void test_boot_util(void **state)
{
	void *fdt = load("multibank", NULL);
	struct boot_info bi = parse_ok(fdt);

	(void)state;
	assert_true(boot_range_in_ram(&bi, 0x40000000, 512 * MB));
	assert_true(boot_range_in_ram(&bi, 0x100000000 + 1 * GB - 4096, 4096));
	assert_false(boot_range_in_ram(&bi, 0x40000000, 512 * MB + 1));
	assert_false(boot_range_in_ram(&bi, 0x3ffff000, 8192));
	assert_false(boot_range_in_ram(&bi, 0x40000000, 0));
	assert_false(boot_range_in_ram(&bi, 0xfffffffffffff000ULL, 0x2000));
	/* Two banks, even adjacent, are two ranges. */
	assert_false(boot_range_in_ram(&bi, 0x80000000 - 4096, 8192));
	free(fdt);
}

/* Property checks on a patched tree. */
static const void *prop(const void *fdt, const char *path, const char *name, int *len)
{
	int node = fdt_path_offset(fdt, path);
	const void *p;

	if (node < 0)
		fail_msg("no node %s in the patched DT", path);
	p = fdt_getprop(fdt, node, name, len);
	if (!p)
		fail_msg("no property %s in %s", name, path);
	return p;
}

static uint32_t cell(const void *p, int i) { return fdt32_to_cpu(((const fdt32_t *)p)[i]); }

static void test_patch_qemu(void **state)
{
	size_t size;
	void *fdt = load("qemu-virt-gicv3", &size);
	struct boot_info bi = parse_ok(fdt), bi2;
	size_t bufsize = size + 4096;
	void *buf = malloc(bufsize), *buf2 = malloc(bufsize + 4096);
	const char *s;
	const void *p;
	int len;

	(void)state;
	bi.keel = (struct mem_range){ 0xbe000000, 32 * MB };
	assert_int_equal(dt_patch_for_host(fdt, buf, bufsize, &bi, KEEL_ABI_VERSION), 0);
	assert_int_equal(fdt_check_header(buf), 0);
	/* Not packed: the free space stays for whoever edits next. */
	assert_int_equal(fdt_totalsize(buf), bufsize);

	/* /reserved-memory was created with the root's cells and an identity ranges. */
	assert_int_equal(cell(prop(buf, "/reserved-memory", "#address-cells", &len), 0), 2);
	assert_int_equal(cell(prop(buf, "/reserved-memory", "#size-cells", &len), 0), 2);
	prop(buf, "/reserved-memory", "ranges", &len);
	assert_int_equal(len, 0);
	p = prop(buf, "/reserved-memory/keel@be000000", "reg", &len);
	assert_int_equal(len, 16);
	assert_int_equal(cell(p, 0), 0);
	assert_int_equal(cell(p, 1), 0xbe000000);
	assert_int_equal(cell(p, 2), 0);
	assert_int_equal(cell(p, 3), 32 * MB);
	prop(buf, "/reserved-memory/keel@be000000", "no-map", &len);
	assert_int_equal(len, 0);
	s = prop(buf, "/hypervisor", "compatible", &len);
	assert_string_equal(s, KEEL_DT_COMPATIBLE);
	p = prop(buf, "/hypervisor", KEEL_DT_ABI_PROP, &len);
	assert_int_equal(len, 4);
	assert_int_equal(cell(p, 0), KEEL_ABI_VERSION);
	/* The source is untouched. */
	assert_int_equal(fdt_path_offset(fdt, "/hypervisor"), -FDT_ERR_NOTFOUND);

	/* Parsed again, the tree says the same plus keel's reservation. */
	bi2 = parse_ok(buf);
	assert_int_equal(bi2.nr_resv, 1);
	expect_range(&bi2.resv[0], 0xbe000000, 32 * MB);
	assert_int_equal(bi2.nr_mem, bi.nr_mem);
	assert_memory_equal(bi2.mem, bi.mem, sizeof(bi.mem));
	assert_int_equal(bi2.nr_cpus, bi.nr_cpus);
	assert_memory_equal(&bi2.uart, &bi.uart, sizeof(bi.uart));
	assert_memory_equal(&bi2.irqc, &bi.irqc, sizeof(bi.irqc));

	/* Patching the patched tree again: keel's range is already reserved. */
	bi2.keel = bi.keel;
	assert_int_equal(dt_patch_for_host(buf, buf2, bufsize + 4096, &bi2, 1), -EEXIST);
	bi2.keel = (struct mem_range){ 0xbe000000 + 31 * MB, 2 * MB };
	assert_int_equal(dt_patch_for_host(buf, buf2, bufsize + 4096, &bi2, 1), -EEXIST);
	/* Elsewhere it still refuses: there is a /hypervisor already. */
	bi2.keel = (struct mem_range){ 0x80000000, 2 * MB };
	assert_int_equal(dt_patch_for_host(buf, buf2, bufsize + 4096, &bi2, 1), -EEXIST);

	free(buf);
	free(buf2);
	free(fdt);
}

static void test_patch_nospace(void **state)
{
	size_t size;
	void *fdt = load("qemu-virt-gicv3", &size);
	struct boot_info bi = parse_ok(fdt);
	char *buf = malloc(size + 4096);

	(void)state;
	/* QEMU pads its DTB to 1 MiB: drop the free space first. */
	assert_int_equal(fdt_pack(fdt), 0);
	size = fdt_totalsize(fdt);
	assert_true(size < 64 * 1024);
	bi.keel = (struct mem_range){ 0x7e000000, 16 * MB };
	/* Room for the tree as it is, not for the additions. */
	assert_int_equal(dt_patch_for_host(fdt, buf, size, &bi, KEEL_ABI_VERSION), -ENOSPC);
	assert_int_equal(dt_patch_for_host(fdt, buf, size + 64, &bi, KEEL_ABI_VERSION), -ENOSPC);
	assert_int_equal(dt_patch_for_host(fdt, buf, size - 1, &bi, KEEL_ABI_VERSION), -ENOSPC);
	assert_int_equal(dt_patch_for_host(fdt, buf, 0, &bi, KEEL_ABI_VERSION), -ENOSPC);
	/* No keel range. */
	bi.keel.size = 0;
	assert_int_equal(dt_patch_for_host(fdt, buf, size + 4096, &bi, KEEL_ABI_VERSION), -EINVAL);
	bi.keel = (struct mem_range){ 0xfffffffffff00000ULL, 2 * MB };
	assert_int_equal(dt_patch_for_host(fdt, buf, size + 4096, &bi, KEEL_ABI_VERSION), -EINVAL);
	free(buf);
	free(fdt);
}

static void test_patch_existing_reservations(void **state)
{
	size_t size;
	void *fdt = load("multibank", &size);
	struct boot_info bi = parse_ok(fdt), bi2;
	void *buf = malloc(size + 4096);
	const void *p;
	int len;

	(void)state;
	/* Overlapping a /memreserve/ or a /reserved-memory child. */
	bi.keel = (struct mem_range){ 0x47f00000, 2 * MB };
	assert_int_equal(dt_patch_for_host(fdt, buf, size + 4096, &bi, KEEL_ABI_VERSION), -EEXIST);
	bi.keel = (struct mem_range){ 0x4e100000, 1 * MB };
	assert_int_equal(dt_patch_for_host(fdt, buf, size + 4096, &bi, KEEL_ABI_VERSION), -EEXIST);
	/* A disabled child reserves nothing. */
	bi.keel = (struct mem_range){ 0x4f000000, 1 * MB };
	assert_int_equal(dt_patch_for_host(fdt, buf, size + 4096, &bi, KEEL_ABI_VERSION), 0);

	/* Added to the existing /reserved-memory, next to its children. */
	p = prop(buf, "/reserved-memory/keel@4f000000", "reg", &len);
	assert_int_equal(len, 16);
	assert_int_equal(cell(p, 1), 0x4f000000);
	prop(buf, "/reserved-memory/optee@4e000000", "reg", &len);
	bi2 = parse_ok(buf);
	assert_int_equal(bi2.nr_resv, 3);
	expect_resv(&bi2, 0x4f000000, 1 * MB);
	expect_resv(&bi2, 0x4e000000, 0x200000);
	free(buf);
	free(fdt);
}

static void test_patch_onecell(void **state)
{
	size_t size;
	void *fdt = load("onecell", &size);
	struct boot_info bi = parse_ok(fdt), bi2;
	void *buf = malloc(size + 4096);
	const void *p;
	int len;

	(void)state;
	/* Encoded in the existing node's 1-cell format. */
	bi.keel = (struct mem_range){ 0xb0000000, 64 * MB };
	assert_int_equal(dt_patch_for_host(fdt, buf, size + 4096, &bi, 0x10002), 0);
	p = prop(buf, "/reserved-memory/keel@b0000000", "reg", &len);
	assert_int_equal(len, 8);
	assert_int_equal(cell(p, 0), 0xb0000000);
	assert_int_equal(cell(p, 1), 64 * MB);
	assert_int_equal(cell(prop(buf, "/hypervisor", KEEL_DT_ABI_PROP, &len), 0), 0x10002);
	bi2 = parse_ok(buf);
	assert_int_equal(bi2.nr_resv, 3);
	expect_resv(&bi2, 0xb0000000, 64 * MB);

	/* Not expressible in one cell. */
	bi.keel = (struct mem_range){ 0x100000000, 64 * MB };
	assert_int_equal(dt_patch_for_host(fdt, buf, size + 4096, &bi, 1), -EINVAL);
	free(buf);
	free(fdt);
}

static void test_patch_in_place(void **state)
{
	size_t size;
	char *fdt = load("qemu-virt-gicv2", &size); /* allocated with 16 KiB to spare */
	struct boot_info bi = parse_ok(fdt);

	(void)state;
	bi.keel = (struct mem_range){ 0x40000000 + 1 * GB - 16 * MB, 16 * MB };
	assert_int_equal(dt_patch_for_host(fdt, fdt, size + 16384, &bi, KEEL_ABI_VERSION), 0);
	bi = parse_ok(fdt);
	assert_int_equal(bi.nr_resv, 1);
	expect_range(&bi.resv[0], 0x40000000 + 1 * GB - 16 * MB, 16 * MB);
	assert_int_equal(bi.nr_cpus, 4);
	free(fdt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_virt_gicv3),
		cmocka_unit_test(test_qemu_virt_gicv2),
		cmocka_unit_test(test_qemu_virt_secure),
		cmocka_unit_test(test_zynqmp),
		cmocka_unit_test(test_multibank),
		cmocka_unit_test(test_onecell),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_boot_util),
		cmocka_unit_test(test_patch_qemu),
		cmocka_unit_test(test_patch_stale_index),
		cmocka_unit_test(test_patch_nospace),
		cmocka_unit_test(test_patch_existing_reservations),
		cmocka_unit_test(test_patch_onecell),
		cmocka_unit_test(test_patch_in_place),
	};

	return cmocka_run_group_tests_name("dt", tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * x86_64 boot: from the multiboot hand-over (head.S, now in long mode) to
 * keel_main(). Everything keel needs from the loader's information and
 * from ACPI is copied into struct boot_info here, because keel's page pool
 * starts right after the image, where QEMU and GRUB like to put that
 * information.
 */
#include <arch/bootproto.h>
#include <arch/x86.h>
#include <hv/arch/console.h>
#include <hv/arch/virt.h>
#include <hv/boot.h>
#include <hv/errno.h>
#include <hv/printf.h>
#include <hv/string.h>

#define MB1_BOOTLOADER_MAGIC 0x2badb002
#define MB2_BOOTLOADER_MAGIC 0x36d76289
#define MB1_INFO_MEM BIT(0)
#define MB1_INFO_MODS BIT(3)
#define MB1_INFO_MMAP BIT(6)
#define MB1_INFO_LOADER BIT(9)
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_LOADER 2
#define MB2_TAG_MODULE 3
#define MB2_TAG_MEMINFO 4
#define MB2_TAG_MMAP 6
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15

/*
 * The page pool: 8 MiB for keel's own use, plus room for the page-ownership
 * metadata owner_init() takes from it (8 bytes a page of RAM, allocated in
 * power-of-two runs: budget twice that).
 */
#define POOL_BASE_SIZE (8ULL << 20)
#define SZ_2M 0x200000ULL
static uint64_t pool_size(const struct boot_info *bi)
{
	return ALIGN_UP(POOL_BASE_SIZE + boot_mem_total(bi) / (PAGE_SIZE / 16), SZ_2M);
}
#define LOW_4G (1ULL << 32) /* what head.S maps: ACPI tables above it are not read */

static struct boot_info boot_info;
static char loader_name[40];
static uint8_t rsdp_copy[36]; /* from a multiboot2 ACPI tag: the tag itself lands in the pool */

/* The firmware's memory map as the loader passed it on, for the host's e820 (host.c). */
struct e820_entry x86_e820[X86_MAX_E820];
unsigned x86_nr_e820;
/* The host's command line: the kernel module's string after its first word. */
char x86_host_cmdline[2048];
uint64_t x86_rsdp_pa;

/* Loader modules: [0] the host kernel, [1] its initrd (more are ignored). */
#define MAX_MODS 2
static struct mem_range mods[MAX_MODS];
static unsigned nr_mods;

static void add_ram(struct boot_info *bi, uint64_t base, uint64_t size);

static bool rsdp_ok(const uint8_t *p);
/* The RSDP the loader copied into its information (a multiboot2 ACPI tag), or NULL. */
const uint8_t *x86_rsdp_copy(void) { return rsdp_ok(rsdp_copy) ? rsdp_copy : NULL; }

static void add_e820(uint64_t base, uint64_t len, uint32_t type)
{
	if (type == E820_RAM)
		add_ram(&boot_info, base, len);
	if (x86_nr_e820 < X86_MAX_E820)
		x86_e820[x86_nr_e820++] = (struct e820_entry){ base, len, type };
}

static void add_module(uint64_t start, uint64_t end, const char *str)
{
	if (end <= start)
		return;
	if (nr_mods == 0) {
		/* "vmlinuz console=ttyS0 ...": the name, then the command line */
		size_t n = strnlen(str, 4096), i = 0;

		while (i < n && str[i] != ' ')
			i++;
		while (i < n && str[i] == ' ')
			i++;
		memcpy(x86_host_cmdline, str + i, MIN(n - i, sizeof(x86_host_cmdline) - 1));
	}
	if (nr_mods < MAX_MODS)
		mods[nr_mods++] = (struct mem_range){ start, end - start };
}

/* Add usable RAM [base, base + size), trimmed to whole pages, merged with a bank it touches. */
static void add_ram(struct boot_info *bi, uint64_t base, uint64_t size)
{
	uint64_t end = ALIGN_DOWN(base + size, PAGE_SIZE);

	base = ALIGN_UP(base, PAGE_SIZE);
	if (end <= base)
		return;
	for (unsigned i = 0; i < bi->nr_mem; i++) {
		struct mem_range *m = &bi->mem[i];

		if (range_end(m) == base) {
			m->size += end - base;
			return;
		}
		if (end == m->base) {
			m->base = base;
			m->size += end - base;
			return;
		}
	}
	if (bi->nr_mem == BOOT_MAX_MEM) {
		hv_printf("keel: x86_64: more than %u RAM ranges; ignoring [0x%llx, 0x%llx)\n",
			  BOOT_MAX_MEM, (unsigned long long)base, (unsigned long long)end);
		return;
	}
	bi->mem[bi->nr_mem++] = (struct mem_range){ base, end - base };
}

static void parse_mb1(struct boot_info *bi, uint64_t info)
{
	const uint32_t *mbi = phys_ptr(info);

	if (mbi[0] & MB1_INFO_LOADER) {
		const char *s = phys_ptr(mbi[16]);

		memcpy(loader_name, s, strnlen(s, sizeof(loader_name) - 1));
	}
	if (mbi[0] & MB1_INFO_MMAP) {
		uint64_t p = mbi[12], end = p + mbi[11];

		while (p + 24 <= end) {
			const uint8_t *e = phys_ptr(p);
			uint32_t esize, type;
			uint64_t base, len;

			memcpy(&esize, e, 4);
			memcpy(&base, e + 4, 8);
			memcpy(&len, e + 12, 8);
			memcpy(&type, e + 20, 4);
			add_e820(base, len, type);
			p += esize + 4;
		}
	} else if (mbi[0] & MB1_INFO_MEM) {
		/* No map: conventional memory below 640 KiB and the contiguous block from 1 MiB. */
		add_e820(0, (uint64_t)mbi[1] << 10, E820_RAM);
		add_e820(1 << 20, (uint64_t)mbi[2] << 10, E820_RAM);
	}
	if (mbi[0] & MB1_INFO_MODS)
		for (uint32_t i = 0; i < mbi[5]; i++) {
			const uint32_t *m = phys_ptr(mbi[6] + 16ULL * i);

			add_module(m[0], m[1], m[2] ? phys_ptr(m[2]) : "");
		}
	(void)bi;
}

static void parse_mb2(struct boot_info *bi, uint64_t info)
{
	const uint8_t *p = phys_ptr(info);
	uint32_t total;
	bool have_mmap = false, have_new_rsdp = false;
	uint32_t mem_lower = 0, mem_upper = 0;

	memcpy(&total, p, 4);
	for (uint32_t off = 8; off + 8 <= total;) {
		uint32_t type, size;
		const uint8_t *t = p + off;

		memcpy(&type, t, 4);
		memcpy(&size, t + 4, 4);
		if (type == MB2_TAG_END || size < 8)
			break;
		switch (type) {
		case MB2_TAG_LOADER:
			memcpy(loader_name, t + 8, MIN((size_t)size - 8, sizeof(loader_name) - 1));
			break;
		case MB2_TAG_MEMINFO:
			memcpy(&mem_lower, t + 8, 4);
			memcpy(&mem_upper, t + 12, 4);
			break;
		case MB2_TAG_MMAP: {
			uint32_t esize;

			memcpy(&esize, t + 8, 4);
			if (esize < 24)
				break;
			for (uint32_t e = 16; e + esize <= size; e += esize) {
				uint64_t base, len;
				uint32_t etype;

				memcpy(&base, t + e, 8);
				memcpy(&len, t + e + 8, 8);
				memcpy(&etype, t + e + 16, 4);
				add_e820(base, len, etype);
			}
			have_mmap = true;
			break;
		}
		case MB2_TAG_MODULE: {
			uint32_t ms, me;

			memcpy(&ms, t + 8, 4);
			memcpy(&me, t + 12, 4);
			add_module(ms, me, (const char *)t + 16);
			break;
		}
		case MB2_TAG_ACPI_NEW:
			have_new_rsdp = true;
			memcpy(rsdp_copy, t + 8, MIN((size_t)size - 8, sizeof(rsdp_copy)));
			break;
		case MB2_TAG_ACPI_OLD:
			if (!have_new_rsdp)
				memcpy(rsdp_copy, t + 8, MIN((size_t)size - 8, (size_t)20));
			break;
		}
		off += ALIGN_UP(size, 8);
	}
	if (!have_mmap && mem_upper) {
		add_e820(0, (uint64_t)mem_lower << 10, E820_RAM);
		add_e820(1 << 20, (uint64_t)mem_upper << 10, E820_RAM);
	}
	(void)bi;
}

/* ---- ACPI: CPUs from the MADT, the power-off port from the FADT ---------- */

static uint8_t sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

static bool rsdp_ok(const uint8_t *p)
{
	return !memcmp(p, "RSD PTR ", 8) && !sum8(p, 20);
}

/* The RSDP from the loader, else from the EBDA's first KiB or the BIOS area 0xe0000-0xfffff. */
static const uint8_t *find_rsdp(void)
{
	uint64_t ebda = (uint64_t)*(const uint16_t *)phys_ptr(0x40e) << 4;

	if (rsdp_ok(rsdp_copy))
		return rsdp_copy; /* the host gets a copy of it in its boot area (host.c) */
	if (ebda >= 0x80000 && ebda < 0xa0000)
		for (uint64_t a = ebda; a < ebda + 1024; a += 16)
			if (rsdp_ok(phys_ptr(a)))
				return phys_ptr(x86_rsdp_pa = a);
	for (uint64_t a = 0xe0000; a < 0x100000; a += 16)
		if (rsdp_ok(phys_ptr(a)))
			return phys_ptr(x86_rsdp_pa = a);
	return NULL;
}

static const uint8_t *acpi_table(uint64_t pa, const char *sig)
{
	const uint8_t *t;
	uint32_t len;

	if (!pa || pa + 36 > LOW_4G)
		return NULL;
	t = phys_ptr(pa);
	memcpy(&len, t + 4, 4);
	/* ACPI tables are small: a huge length is garbage, not a table to checksum. */
	if (memcmp(t, sig, 4) || len < 36 || len > (1 << 20) || pa + len > LOW_4G || sum8(t, len))
		return NULL;
	return t;
}

/* Find a table by signature through the XSDT (ACPI 2+) or the RSDT. */
static const uint8_t *acpi_find(const uint8_t *rsdp, const char *sig)
{
	uint64_t xsdt = 0;
	uint32_t rsdt, len;
	const uint8_t *root;
	unsigned esize;

	if (rsdp[15] >= 2)
		memcpy(&xsdt, rsdp + 24, 8);
	memcpy(&rsdt, rsdp + 16, 4);
	root = xsdt ? acpi_table(xsdt, "XSDT") : NULL;
	esize = 8;
	if (!root) {
		root = acpi_table(rsdt, "RSDT");
		esize = 4;
	}
	if (!root)
		return NULL;
	memcpy(&len, root + 4, 4);
	for (uint32_t off = 36; off + esize <= len; off += esize) {
		uint64_t pa = 0;
		const uint8_t *t;

		memcpy(&pa, root + off, esize);
		t = acpi_table(pa, sig);
		if (t)
			return t;
	}
	return NULL;
}

static void add_cpu(struct boot_info *bi, uint32_t apic_id)
{
	if (apic_id == x86_cpu.apic_id || bi->nr_cpus >= HV_MAX_CPUS)
		return; /* the boot CPU is already entry 0 */
	bi->cpu_hwid[bi->nr_cpus++] = apic_id;
}

static void parse_acpi(struct boot_info *bi)
{
	const uint8_t *rsdp = find_rsdp(), *madt, *fadt;
	uint32_t len;

	bi->cpu_hwid[0] = x86_cpu.apic_id;
	bi->nr_cpus = 1;
	if (!rsdp) {
		hv_printf("keel: x86_64: no ACPI RSDP: reporting the boot CPU only\n");
		return;
	}
	fadt = acpi_find(rsdp, "FACP");
	if (fadt) {
		uint32_t pm1a;

		memcpy(&pm1a, fadt + 64, 4);
		if (pm1a && pm1a < 0x10000)
			x86_acpi_pm1a_cnt = pm1a;
	}
	madt = acpi_find(rsdp, "APIC");
	if (!madt) {
		hv_printf("keel: x86_64: no ACPI MADT: reporting the boot CPU only\n");
		return;
	}
	memcpy(&len, madt + 4, 4);
	bi->irqc.regs[0] = (struct mem_range){ 0, PAGE_SIZE };
	memcpy(&bi->irqc.regs[0].base, madt + 36, 4); /* local APIC */
	bi->irqc.kind = IRQC_APIC;
	memcpy(bi->irqc.compatible, "intel,apic", sizeof("intel,apic"));
	for (uint32_t off = 44; off + 2 <= len;) {
		const uint8_t *e = madt + off;
		uint32_t flags, id;

		if (e[1] < 2 || off + e[1] > len)
			break;
		if (e[0] == 0 && e[1] >= 8) { /* processor local APIC */
			memcpy(&flags, e + 4, 4);
			if (flags & 1)
				add_cpu(bi, e[3]);
		} else if (e[0] == 9 && e[1] >= 16) { /* processor local x2APIC */
			memcpy(&id, e + 4, 4);
			memcpy(&flags, e + 8, 4);
			if (flags & 1)
				add_cpu(bi, id);
		} else if (e[0] == 1 && e[1] >= 12 && !bi->irqc.regs[1].size) { /* first I/O APIC */
			uint32_t base;

			memcpy(&base, e + 4, 4);
			bi->irqc.regs[1] = (struct mem_range){ base, PAGE_SIZE };
		}
		off += e[1];
	}
}

/*
 * The loader put its modules where it liked, often right after keel's image,
 * where the page pool goes: move any that overlap keel's memory above it and
 * every other module (highest first, so none lands on one not yet moved).
 * Then the kernel module is the host image, the second the initrd.
 */
static void place_modules(struct boot_info *bi)
{
	uint64_t top = range_end(&bi->keel);

	for (unsigned i = 0; i < nr_mods; i++)
		top = MAX(top, range_end(&mods[i]));
	top = ALIGN_UP(top, SZ_2M);
	for (unsigned i = nr_mods; i-- > 0;) {
		struct mem_range *m = &mods[i];

		if (!ranges_overlap(m->base, m->size, bi->keel.base, bi->keel.size))
			continue;
		if (!boot_range_in_ram(bi, top, m->size) || top + m->size > LOW_4G)
			boot_fail("no room to move loader module %u (%llu KiB) out of keel's memory\n", i,
				  (unsigned long long)(m->size >> 10));
		memmove((void *)(uintptr_t)top, phys_ptr(m->base), m->size);
		m->base = top;
		top = ALIGN_UP(top + m->size, SZ_2M);
	}
	if (nr_mods > 0)
		bi->payload = mods[0];
	if (nr_mods > 1)
		bi->initrd = mods[1];
}

void __noreturn x86_boot(uint32_t magic, uint32_t info);
uint64_t x86_boot_tsc; /* the TSC at keel's entry (under QEMU's -icount: instructions since reset) */

void __noreturn x86_boot(uint32_t magic, uint32_t info)
{
	struct boot_info *bi = &boot_info;
	const struct boot_uart com1 = { .kind = UART_NS16550, .base = 0x3f8, .reg_width = 1 };
	uint64_t start = (uintptr_t)__keel_start;
	uint64_t image_end = ALIGN_UP((uintptr_t)__keel_image_end, PAGE_SIZE);
	const char *proto;
	uint64_t pool;

	x86_boot_tsc = rdtsc();
	x86_traps_init();
	arch_console_init(&com1);
	x86_cpu_features_init();
	if (magic == MB2_BOOTLOADER_MAGIC) {
		proto = "multiboot2";
		parse_mb2(bi, info);
	} else if (magic == MB1_BOOTLOADER_MAGIC) {
		proto = "multiboot1";
		parse_mb1(bi, info);
	} else {
		boot_fail("not started by a multiboot loader (eax = 0x%x): boot keel.elf with GRUB's "
			  "\"multiboot2\" or QEMU's -kernel\n", magic);
	}
	if (!bi->nr_mem)
		boot_fail("the %s loader gave no memory map\n", proto);
	hv_snprintf(bi->model, sizeof(bi->model), "PC (%s from %s)", proto,
		    loader_name[0] ? loader_name : "an unnamed loader");
	bi->uart = com1;
	parse_acpi(bi);

	/* keel's memory: the image, then the page pool, both inside one RAM bank. */
	pool = pool_size(bi);
	if (!boot_range_in_ram(bi, start, image_end + pool - start))
		boot_fail("keel's memory [0x%llx, 0x%llx) (image and %llu MiB page pool) is not inside "
			  "one RAM range: give the machine more memory\n", (unsigned long long)start,
			  (unsigned long long)(image_end + pool), (unsigned long long)(pool >> 20));
	bi->keel = (struct mem_range){ start, image_end + pool - start };
	bi->pool = (struct mem_range){ image_end, pool };
	place_modules(bi);
	keel_main(bi);
}

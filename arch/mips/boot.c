// SPDX-License-Identifier: GPL-2.0
/*
 * MIPS Malta boot: from the YAMON-style hand-over (head.S) to keel_main().
 * The memory size comes from the YAMON environment ("memsize", and
 * "ememsize" for RAM beyond the low 256 MiB); the rest of the board is fixed.
 */
#include <arch/mips.h>
#include <hv/arch/console.h>
#include <hv/arch/virt.h>
#include <hv/boot.h>
#include <hv/errno.h>
#include <hv/printf.h>
#include <hv/string.h>

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
#define SZ_256M 0x10000000ULL
#define SZ_512M 0x20000000ULL
#define MALTA_REVISION 0x1fc00010ULL /* board revision register (in the boot flash window) */
#define MALTA_COM1 0x180003f8ULL
#define ENV_MAX 64

static struct boot_info boot_info;

static bool in_kseg01(uint64_t p) { return p >= KSEG0 && p < KSEG1 + SZ_512M; }

/* A YAMON table entry: a 32-bit KSEG0/KSEG1 address, sign-extended; NULL if it is anything else. */
static const char *yamon_ptr(int32_t v)
{
	uint64_t p = (uint64_t)(int64_t)v;

	return in_kseg01(p) ? (const char *)(uintptr_t)p : NULL;
}

static bool parse_u64(const char *s, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && (*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (*s | 0x20) - 'a' + 10;
		else
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

/* The value of a YAMON environment variable (envp: name, value, name, value, ..., NULL). */
static const char *yamon_getenv(const int32_t *envp, const char *name)
{
	for (unsigned i = 0; envp && i < ENV_MAX; i += 2) {
		const char *n = yamon_ptr(envp[i]);

		if (!n)
			return NULL;
		if (!strcmp(n, name))
			return yamon_ptr(envp[i + 1]);
	}
	return NULL;
}

/*
 * RAM on QEMU's Malta: all of it at 0x80000000, the first 256 MiB aliased
 * at 0 and the part beyond 512 MiB aliased at 512 MiB (around the I/O hole
 * at 0x10000000-0x1fffffff). Each byte is listed once, at its low alias
 * where it has one.
 */
static void malta_ram(struct boot_info *bi, uint64_t total)
{
	bi->mem[bi->nr_mem++] = (struct mem_range){ 0, MIN(total, SZ_256M) };
	if (total > SZ_512M)
		bi->mem[bi->nr_mem++] = (struct mem_range){ SZ_512M, total - SZ_512M };
	if (total > SZ_256M)
		bi->mem[bi->nr_mem++] = (struct mem_range){ 0x80000000ULL + SZ_256M,
							    MIN(total, SZ_512M) - SZ_256M };
}

void __noreturn mips_boot(long argc, const int32_t *argv, const int32_t *envp, unsigned long a3);
void __noreturn mips_boot(long argc, const int32_t *argv, const int32_t *envp, unsigned long a3)
{
	struct boot_info *bi = &boot_info;
	const struct boot_uart com1 = { .kind = UART_NS16550, .base = MALTA_COM1, .reg_width = 1 };
	const char *s;
	uint64_t memsize = 0, ememsize = 0, start, image_end, pool;
	uint32_t rev;
	int ret;

	(void)argc;
	(void)argv;
	mips_traps_init();
	arch_console_init(&com1);
	bi->uart = com1;

	if (!in_kseg01((uintptr_t)envp) || (uintptr_t)envp & 3)
		envp = NULL;
	s = yamon_getenv(envp, "memsize");
	if (!s || !parse_u64(s, &memsize) || !memsize) {
		hv_printf("keel: mips64: no \"memsize\" in the YAMON environment; using a3 = 0x%lx\n", a3);
		memsize = a3;
	}
	s = yamon_getenv(envp, "ememsize");
	if (!s || !parse_u64(s, &ememsize) || ememsize < memsize)
		ememsize = memsize;
	if (memsize < (16 << 20) || ememsize > (2ULL << 30))
		boot_fail("implausible Malta memory size: memsize %llu, ememsize %llu\n",
			  (unsigned long long)memsize, (unsigned long long)ememsize);
	malta_ram(bi, ememsize);

	rev = *(volatile uint32_t *)kseg1(MALTA_REVISION);
	hv_snprintf(bi->model, sizeof(bi->model), "MIPS Malta (REVISION 0x%08x%s), YAMON environment", rev,
		    ((rev >> 10) & 0x3f) == 1 ? ": Core LV" : "");
	bi->cpu_hwid[0] = read_c0_32(CP0_EBASE) & 0x3ff; /* EBase.CPUNum */
	bi->nr_cpus = 1;

	/* keel's memory: the image, then the page pool, both in the low RAM. */
	pool = pool_size(bi);
	start = kseg0_to_pa(__keel_start);
	image_end = ALIGN_UP(kseg0_to_pa(__keel_image_end), PAGE_SIZE);
	if (!boot_range_in_ram(bi, start, image_end + pool - start))
		boot_fail("keel's memory [0x%llx, 0x%llx) (image and %llu MiB page pool) is not in RAM\n",
			  (unsigned long long)start, (unsigned long long)(image_end + pool),
			  (unsigned long long)(pool >> 20));
	bi->keel = (struct mem_range){ start, image_end + pool - start };
	bi->pool = (struct mem_range){ image_end, pool };
	ret = mips_tlb_identity(start, range_end(&bi->keel));
	if (ret < 0)
		boot_fail("cannot map keel's memory with wired TLB entries (%d)\n", ret);
	keel_main(bi);
}

int arch_host_launch(struct boot_info *bi)
{
	(void)bi;
	hv_printf("keel: mips64: launching a host is not implemented yet\n");
	return -ENOSYS;
}

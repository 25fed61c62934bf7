// SPDX-License-Identifier: GPL-2.0
/*
 * keel's x86 pieces that are plain C, built for the host with x86's arch
 * headers: the Linux boot protocol (bzImage checks, the host's e820 without
 * keel's memory, the zero page), the host's CPUID view, and the decoder of
 * host stores to the write-protected local APIC.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arch/bootproto.h>
#include <arch/emulate.h>
#include <arch/x86.h>
#include <hv/errno.h>
#include <keel/abi.h>

#define MIB (1ULL << 20)

/* A bzImage header as Debian's 6.1 kernel has it (protocol 2.15, 64-bit, relocatable). */
static uint8_t *fake_bzimage(size_t size)
{
	uint8_t *img = calloc(1, size);
	uint64_t pref = 0x1000000;
	uint32_t align = 0x200000, init = 64 * MIB, cmdsz = 2047;
	uint16_t ver = 0x020f, xlf = 0x1 | 0x2;

	img[0x1f1] = 27;               /* setup_sects */
	img[0x1fe] = 0x55, img[0x1ff] = 0xaa;
	img[0x200] = 0xeb, img[0x201] = 0x6a; /* jmp: the header ends at 0x26c */
	memcpy(img + 0x202, "HdrS", 4);
	memcpy(img + 0x206, &ver, 2);
	img[0x211] = 0x01;             /* LOADED_HIGH */
	memcpy(img + 0x230, &align, 4);
	img[0x234] = 1;                /* relocatable */
	memcpy(img + 0x236, &xlf, 2);
	memcpy(img + 0x238, &cmdsz, 4);
	memcpy(img + 0x258, &pref, 8);
	memcpy(img + 0x260, &init, 4);
	return img;
}

static void test_bzimage(void **state)
{
	size_t size = 8 * MIB;
	uint8_t *img = fake_bzimage(size);
	struct bzimage_info k;
	const char *why = NULL;

	(void)state;
	assert_int_equal(bzimage_check(img, size, &k, &why), 0);
	assert_int_equal(k.version, 0x020f);
	assert_int_equal(k.setup_size, 28 * 512);
	assert_int_equal(k.pref_address, 0x1000000);
	assert_int_equal(k.alignment, 0x200000);
	assert_true(k.relocatable);
	/* Refusals, each with its reason. */
	assert_int_equal(bzimage_check(img, 1000, &k, &why), -EINVAL);
	assert_non_null(strstr(why, "not a Linux bzImage"));
	img[0x206] = 0x0b; /* 2.11: no 64-bit entry */
	assert_int_equal(bzimage_check(img, size, &k, &why), -EINVAL);
	assert_non_null(strstr(why, "older than 2.12"));
	img[0x206] = 0x0f;
	img[0x236] = 0; /* no XLF_KERNEL_64 */
	assert_int_equal(bzimage_check(img, size, &k, &why), -EINVAL);
	assert_non_null(strstr(why, "64-bit"));
	img[0x236] = 3;
	img[0x230] = 3; /* alignment not a power of two */
	assert_int_equal(bzimage_check(img, size, &k, &why), -EINVAL);
	img[0x230] = 0;
	img[0x1fe] = 0;
	assert_int_equal(bzimage_check(img, size, &k, &why), -EINVAL);
	free(img);
}

static void test_e820(void **state)
{
	/* QEMU q35 with 2 GiB, as GRUB passes it on; keel at [2 MiB, 18 MiB). */
	const struct e820_entry fw[] = {
		{ 0x100000, 0x7fedf000, E820_RAM }, /* out of order on purpose */
		{ 0, 0x9fc00, E820_RAM },
		{ 0x9fc00, 0x400, E820_RESERVED },
		{ 0xf0000, 0x10000, E820_RESERVED },
		{ 0xb0000000, 0x10000000, E820_RESERVED },
	};
	struct e820_entry out[16];
	int n;

	(void)state;
	n = e820_for_host(fw, 5, 2 * MIB, 16 * MIB, out, 16);
	assert_int_equal(n, 7);
	assert_int_equal(out[0].addr, 0);
	assert_int_equal(out[3].addr, 0x100000);
	assert_int_equal(out[3].size, MIB);
	assert_int_equal(out[3].type, E820_RAM);
	assert_int_equal(out[4].addr, 2 * MIB); /* keel: reserved for the host */
	assert_int_equal(out[4].size, 16 * MIB);
	assert_int_equal(out[4].type, E820_RESERVED);
	assert_int_equal(out[5].addr, 18 * MIB);
	assert_int_equal(out[5].addr + out[5].size, 0x7ffdf000);
	assert_int_equal(out[5].type, E820_RAM);
	assert_int_equal(out[6].addr, 0xb0000000);
	for (int i = 1; i < n; i++)
		assert_true(out[i].addr >= out[i - 1].addr + out[i - 1].size); /* sorted, no overlap */
	/* Too small a table. */
	assert_int_equal(e820_for_host(fw, 5, 2 * MIB, 16 * MIB, out, 3), -E2BIG);
	/* keel at the very start of a RAM range: no empty RAM piece before it. */
	n = e820_for_host(fw, 1, 0x100000, MIB, out, 16);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].type, E820_RESERVED);
}

static void test_zero_page(void **state)
{
	uint8_t *img = fake_bzimage(4 * MIB), bp[4096];
	const struct e820_entry map[] = { { 0, 0x9fc00, E820_RAM }, { 0x200000, 0x1000000, E820_RESERVED } };
	struct boot_params_in in = { .img = img, .cmdline_pa = 0x11000, .initrd_pa = 0x1400000, .initrd_size = 12345,
				     .rsdp_pa = 0xf5a40, .e820 = map, .nr_e820 = 2 };
	uint64_t v64;
	uint32_t v32;

	(void)state;
	memset(bp, 0xee, sizeof(bp));
	boot_params_fill(bp, &in);
	assert_memory_equal(bp + 0x202, "HdrS", 4); /* the kernel's header */
	assert_int_equal(bp[0x1f1], 27);
	assert_int_equal(bp[0x210], 0xff);          /* type_of_loader: undefined */
	assert_int_equal(bp[0x211], 0x81);          /* LOADED_HIGH | CAN_USE_HEAP */
	memcpy(&v32, bp + 0x228, 4);
	assert_int_equal(v32, 0x11000);
	memcpy(&v32, bp + 0x218, 4);
	assert_int_equal(v32, 0x1400000);
	memcpy(&v32, bp + 0x21c, 4);
	assert_int_equal(v32, 12345);
	memcpy(&v64, bp + 0x070, 8);
	assert_int_equal(v64, 0xf5a40);
	assert_int_equal(bp[0x1e8], 2);
	memcpy(&v64, bp + 0x2d0 + 20 + 8, 8);
	assert_int_equal(v64, 0x1000000);
	memcpy(&v32, bp + 0x2d0 + 20 + 16, 4);
	assert_int_equal(v32, E820_RESERVED);
	assert_int_equal(bp[0x300 + 0x200], 0); /* beyond the header and table: zeroed, not the old bytes */
	free(img);
}

static void test_cpuid(void **state)
{
	uint32_t r[4];

	(void)state;
	r[0] = 0x600, r[1] = 0, r[2] = 0x1 | (1u << 5) | (1u << 27), r[3] = 0;
	x86_cpuid_filter(1, 0, r, false);
	assert_int_equal(r[2], 0x1 | (1u << 31)); /* VMX gone, hypervisor set, OSXSAVE as the host's CR4 */
	x86_cpuid_filter(1, 0, r, true);
	assert_int_equal(r[2], 0x1 | (1u << 31) | (1u << 27));
	r[2] = 0xffffffff;
	x86_cpuid_filter(0x80000001, 0, r, false);
	assert_int_equal(r[2], 0xfffffffb); /* SVM gone */
	r[0] = r[1] = r[2] = r[3] = 7;
	x86_cpuid_filter(0x8000000a, 0, r, false);
	assert_int_equal(r[0] | r[1] | r[2] | r[3], 0);
	r[0] = 0x40000001, memcpy(&r[1], "TCGTCGTCGTCG", 12);
	x86_cpuid_filter(KEEL_CPUID_BASE, 0, r, false);
	assert_int_equal(r[0], KEEL_CPUID_BASE + 1);
	assert_memory_equal(&r[1], KEEL_CPUID_SIGNATURE, 12);
	x86_cpuid_filter(KEEL_CPUID_BASE + 1, 0, r, false);
	assert_int_equal(r[0], KEEL_ABI_VERSION);
	r[0] = 9;
	x86_cpuid_filter(KEEL_CPUID_BASE + 0x10, 0, r, false); /* keel's range: nothing else */
	assert_int_equal(r[0], 0);
	r[0] = 0x12345;
	x86_cpuid_filter(7, 0, r, false); /* others untouched */
	assert_int_equal(r[0], 0x12345);
}

static void test_store_decoder(void **state)
{
	uint64_t g[X86_NR_GPRS];
	struct x86_store st;

	(void)state;
	for (int i = 0; i < X86_NR_GPRS; i++)
		g[i] = 0x1111111100000000ULL | (uint64_t)(i + 1) << 8 | (uint64_t)i;
	/* mov %esi, 0xffffffffff5fc0b0 (Linux's native_apic_mem_write: absolute disp32 through a SIB) */
	const uint8_t m1[] = { 0x89, 0x34, 0x25, 0xb0, 0xc0, 0x5f, 0xff };
	assert_int_equal(x86_decode_store(m1, sizeof(m1), g, &st), 0);
	assert_int_equal(st.len, 7);
	assert_int_equal(st.size, 4);
	assert_int_equal(st.value, (uint32_t)g[X86_RSI]);
	assert_int_equal(st.xchg_reg, -1);
	/* mov %r9d, 0x300(%rax) with REX.R */
	const uint8_t m2[] = { 0x44, 0x89, 0x88, 0x00, 0x03, 0x00, 0x00 };
	assert_int_equal(x86_decode_store(m2, sizeof(m2), g, &st), 0);
	assert_int_equal(st.len, 7);
	assert_int_equal(st.value, (uint32_t)g[9]);
	/* movl $0x0, 0xb0(%rdx): C7 /0 with disp8... disp32 here */
	const uint8_t m3[] = { 0xc7, 0x82, 0xb0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
	assert_int_equal(x86_decode_store(m3, sizeof(m3), g, &st), 0);
	assert_int_equal(st.len, 10);
	assert_int_equal(st.value, 0);
	/* mov %eax, disp32(%rip) */
	const uint8_t m4[] = { 0x89, 0x05, 0x10, 0x20, 0x30, 0x40 };
	assert_int_equal(x86_decode_store(m4, sizeof(m4), g, &st), 0);
	assert_int_equal(st.len, 6);
	/* xchg %ecx, (%rdi): the old value goes to ECX */
	const uint8_t m5[] = { 0x87, 0x0f };
	assert_int_equal(x86_decode_store(m5, sizeof(m5), g, &st), 0);
	assert_int_equal(st.len, 2);
	assert_int_equal(st.xchg_reg, X86_RCX);
	/* mov %ah, (%rbx): a byte register without REX */
	const uint8_t m6[] = { 0x88, 0x23 };
	assert_int_equal(x86_decode_store(m6, sizeof(m6), g, &st), 0);
	assert_int_equal(st.size, 1);
	assert_int_equal(st.value, (g[X86_RAX] >> 8) & 0xff);
	/* movq $-1, (%rax): REX.W, imm32 sign-extended */
	const uint8_t m7[] = { 0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff };
	assert_int_equal(x86_decode_store(m7, sizeof(m7), g, &st), 0);
	assert_int_equal(st.size, 8);
	assert_int_equal(st.value, ~0ULL);
	/* Refused: a register destination, another opcode, a cut-off instruction. */
	const uint8_t bad1[] = { 0x89, 0xc0 }, bad2[] = { 0x8b, 0x00 }, bad3[] = { 0x89, 0x34, 0x25, 0xb0 };
	assert_int_equal(x86_decode_store(bad1, sizeof(bad1), g, &st), -EINVAL);
	assert_int_equal(x86_decode_store(bad2, sizeof(bad2), g, &st), -EINVAL);
	assert_int_equal(x86_decode_store(bad3, sizeof(bad3), g, &st), -EINVAL);
	assert_int_equal(x86_decode_store(m1, 0, g, &st), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bzimage),     cmocka_unit_test(test_e820),
		cmocka_unit_test(test_zero_page),   cmocka_unit_test(test_cpuid),
		cmocka_unit_test(test_store_decoder),
	};

	return cmocka_run_group_tests_name("x86_boot", tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The x86 Linux boot protocol (arch/bootproto.h): what a boot loader does
 * for a bzImage, done by keel for its host. Byte offsets rather than
 * structures: the zero page is a packed, versioned layout and this is the
 * only place that writes it.
 */
#include <arch/bootproto.h>
#include <hv/errno.h>
#include <hv/string.h>

/* Setup header fields (offsets in the bzImage and in the zero page alike) */
#define HDR_SETUP_SECTS 0x1f1
#define HDR_BOOT_FLAG 0x1fe
#define HDR_HEADER 0x202
#define HDR_VERSION 0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS 0x211
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE 0x21c
#define HDR_CMD_LINE_PTR 0x228
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_RELOCATABLE 0x234
#define HDR_XLOADFLAGS 0x236
#define HDR_CMDLINE_SIZE 0x238
#define HDR_PREF_ADDRESS 0x258
#define HDR_INIT_SIZE 0x260
#define HDR_END_MAX 0x280   /* the header is at most this long (its length byte at 0x201) */
/* Zero-page fields outside the header */
#define BP_ACPI_RSDP_ADDR 0x070
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE 0x0c4
#define BP_EXT_CMD_LINE_PTR 0x0c8
#define BP_E820_ENTRIES 0x1e8
#define BP_E820_TABLE 0x2d0

#define LOADED_HIGH 0x01
#define CAN_USE_HEAP 0x80
#define XLF_KERNEL_64 0x01
#define LOADER_UNDEFINED 0xff /* type_of_loader: "no assigned id" */

static uint16_t get16(const uint8_t *p, size_t off) { uint16_t v; memcpy(&v, p + off, 2); return v; }
static uint32_t get32(const uint8_t *p, size_t off) { uint32_t v; memcpy(&v, p + off, 4); return v; }
static uint64_t get64(const uint8_t *p, size_t off) { uint64_t v; memcpy(&v, p + off, 8); return v; }
static void put32(uint8_t *p, size_t off, uint32_t v) { memcpy(p + off, &v, 4); }
static void put64(uint8_t *p, size_t off, uint64_t v) { memcpy(p + off, &v, 8); }

int bzimage_check(const uint8_t *img, size_t size, struct bzimage_info *info, const char **why)
{
	unsigned sects;

	if (size < HDR_END_MAX + 512 || get16(img, HDR_BOOT_FLAG) != 0xaa55 ||
	    memcmp(img + HDR_HEADER, "HdrS", 4)) {
		*why = "not a Linux bzImage (no 0xAA55 boot flag and \"HdrS\" setup header)";
		return -EINVAL;
	}
	info->version = get16(img, HDR_VERSION);
	if (info->version < 0x020c) {
		*why = "boot protocol older than 2.12: no 64-bit entry point";
		return -EINVAL;
	}
	if (!(get16(img, HDR_XLOADFLAGS) & XLF_KERNEL_64) || !(img[HDR_LOADFLAGS] & LOADED_HIGH)) {
		*why = "not a 64-bit kernel loaded high (XLF_KERNEL_64, LOADED_HIGH)";
		return -EINVAL;
	}
	sects = img[HDR_SETUP_SECTS] ? img[HDR_SETUP_SECTS] : 4;
	info->setup_size = (size_t)(sects + 1) * 512;
	if (info->setup_size >= size) {
		*why = "the setup code covers the whole file: truncated bzImage";
		return -EINVAL;
	}
	info->pref_address = get64(img, HDR_PREF_ADDRESS);
	info->alignment = get32(img, HDR_KERNEL_ALIGNMENT);
	info->init_size = get32(img, HDR_INIT_SIZE);
	info->cmdline_size = get32(img, HDR_CMDLINE_SIZE);
	info->relocatable = img[HDR_RELOCATABLE];
	if (!info->alignment || (info->alignment & (info->alignment - 1)) || info->init_size < size - info->setup_size) {
		*why = "inconsistent setup header (kernel_alignment, init_size)";
		return -EINVAL;
	}
	return 0;
}

/* Sorted insertion of a range with a type; touching ranges of one type merge. */
static int add(struct e820_entry *out, unsigned *n, unsigned max, uint64_t addr, uint64_t size, uint32_t type)
{
	unsigned i;

	if (!size)
		return 0;
	if (*n && out[*n - 1].type == type && out[*n - 1].addr + out[*n - 1].size == addr) {
		out[*n - 1].size += size;
		return 0;
	}
	if (*n == max)
		return -E2BIG;
	for (i = *n; i > 0 && out[i - 1].addr > addr; i--)
		out[i] = out[i - 1];
	out[i] = (struct e820_entry){ addr, size, type };
	(*n)++;
	return 0;
}

int e820_for_host(const struct e820_entry *in, unsigned n, uint64_t keel, uint64_t keel_size,
		  struct e820_entry *out, unsigned max)
{
	uint64_t kend = keel + keel_size;
	unsigned cnt = 0;
	int ret = 0;

	for (unsigned i = 0; i < n && !ret; i++) {
		uint64_t a = in[i].addr, e = in[i].addr + in[i].size;

		if (in[i].type != E820_RAM || e <= keel || a >= kend) {
			ret = add(out, &cnt, max, a, e - a, in[i].type);
			continue;
		}
		/* RAM around keel stays RAM; keel's part becomes reserved. */
		ret = add(out, &cnt, max, a, a < keel ? keel - a : 0, E820_RAM);
		if (!ret)
			ret = add(out, &cnt, max, MAX(a, keel), MIN(e, kend) - MAX(a, keel), E820_RESERVED);
		if (!ret && e > kend)
			ret = add(out, &cnt, max, kend, e - kend, E820_RAM);
	}
	return ret ? ret : (int)cnt;
}

void boot_params_fill(uint8_t bp[4096], const struct boot_params_in *in)
{
	size_t hdr_end = 0x202 + in->img[0x201];

	memset(bp, 0, 4096);
	/* The setup header as the kernel wrote it (its length byte says how long), then the loader's fields. */
	if (hdr_end > HDR_END_MAX)
		hdr_end = HDR_END_MAX;
	memcpy(bp + HDR_SETUP_SECTS, in->img + HDR_SETUP_SECTS, hdr_end - HDR_SETUP_SECTS);
	bp[HDR_TYPE_OF_LOADER] = LOADER_UNDEFINED;
	bp[HDR_LOADFLAGS] |= CAN_USE_HEAP;
	put32(bp, HDR_CMD_LINE_PTR, (uint32_t)in->cmdline_pa);
	put32(bp, BP_EXT_CMD_LINE_PTR, (uint32_t)(in->cmdline_pa >> 32));
	put32(bp, HDR_RAMDISK_IMAGE, (uint32_t)in->initrd_pa);
	put32(bp, BP_EXT_RAMDISK_IMAGE, (uint32_t)(in->initrd_pa >> 32));
	put32(bp, HDR_RAMDISK_SIZE, (uint32_t)in->initrd_size);
	put32(bp, BP_EXT_RAMDISK_SIZE, (uint32_t)(in->initrd_size >> 32));
	put64(bp, BP_ACPI_RSDP_ADDR, in->rsdp_pa);
	bp[BP_E820_ENTRIES] = (uint8_t)MIN(in->nr_e820, (unsigned)E820_MAX_ZEROPAGE);
	for (unsigned i = 0; i < bp[BP_E820_ENTRIES]; i++) {
		uint8_t *e = bp + BP_E820_TABLE + 20 * i;

		put64(e, 0, in->e820[i].addr);
		put64(e, 8, in->e820[i].size);
		put32(e, 16, in->e820[i].type);
	}
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86 Linux boot protocol as keel speaks it to its host (bootproto.c):
 * checking a bzImage, the e820 map with keel's memory taken out, the zero
 * page (struct boot_params). Plain C over byte buffers: the host unit tests
 * build it (tests/unit/test_x86_boot.c). Offsets: Linux's
 * Documentation/x86/boot.rst and zero-page.rst.
 */
#ifndef ARCH_X86_BOOTPROTO_H
#define ARCH_X86_BOOTPROTO_H

#include <hv/types.h>

#define E820_RAM 1
#define E820_RESERVED 2
#define E820_MAX_ZEROPAGE 128

struct e820_entry {
	uint64_t addr, size;
	uint32_t type;
};

/* What keel needs from a bzImage's setup header. */
struct bzimage_info {
	uint16_t version;      /* boot protocol, e.g. 0x020f */
	size_t setup_size;     /* real-mode part: (setup_sects + 1) * 512; the kernel proper follows */
	uint64_t pref_address; /* where it prefers to run */
	uint32_t alignment;    /* kernel_alignment: a relocatable kernel runs at a multiple of it */
	uint32_t init_size;    /* memory it needs from its load address until it has its own page tables */
	uint32_t cmdline_size; /* longest command line it takes */
	bool relocatable;
};

/*
 * Is img (size bytes) a bzImage keel can start by the 64-bit boot protocol
 * (2.12 or later, XLF_KERNEL_64)? 0 and *info, or -EINVAL with *why set.
 */
int bzimage_check(const uint8_t *img, size_t size, struct bzimage_info *info, const char **why);

/*
 * The host's e820 map: the firmware's entries (in, n; any order, may
 * overlap) with [keel, keel + keel_size) made E820_RESERVED wherever it
 * was RAM, sorted by address. Returns the entries written to out (at most
 * max), or -E2BIG.
 */
int e820_for_host(const struct e820_entry *in, unsigned n, uint64_t keel, uint64_t keel_size,
		  struct e820_entry *out, unsigned max);

/* What goes into the zero page besides the kernel's own setup header. */
struct boot_params_in {
	const uint8_t *img;       /* the bzImage: its setup header is copied */
	uint64_t cmdline_pa;
	uint64_t initrd_pa, initrd_size;
	uint64_t rsdp_pa;         /* 0: the kernel searches the BIOS areas */
	const struct e820_entry *e820;
	unsigned nr_e820;
};

/* Fill the 4 KiB zero page bp (zeroed first) for a 64-bit entry. */
void boot_params_fill(uint8_t bp[4096], const struct boot_params_in *in);

#endif

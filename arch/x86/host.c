// SPDX-License-Identifier: GPL-2.0
/*
 * Launching the host on x86_64 (arch_host_launch): its second-stage map
 * (everything but keel, hv/src/host.c), its kernel loaded by the 64-bit
 * Linux boot protocol (bootproto.c) with the boot structures in low memory,
 * and the boot CPU entering it under SVM. The host's boot area below 1 MiB
 * holds what the protocol wants identity-mapped and pointed to: the zero
 * page, the command line, a GDT with __BOOT_CS/__BOOT_DS, page tables that
 * map the low 4 GiB 1:1, and a copy of the ACPI RSDP if the loader had one
 * only in its information. Linux copies all of it before it uses low memory.
 */
#include <arch/bootproto.h>
#include <arch/x86.h>
#include <hv/arch/mm.h>
#include <hv/arch/virt.h>
#include <hv/errno.h>
#include <hv/host.h>
#include <hv/pgtable.h>
#include <hv/printf.h>
#include <hv/string.h>

#define SZ_2M 0x200000ULL
#define SZ_16M 0x1000000ULL
#define LOW_4G (1ULL << 32)
/* The boot area: 9 pages at 64 KiB, conventional memory every PC has. */
#define BA_BASE 0x10000ULL
#define BA_ZERO_PAGE (BA_BASE + 0x0000)
#define BA_CMDLINE (BA_BASE + 0x1000)
#define BA_GDT (BA_BASE + 0x2000)
#define BA_RSDP (BA_BASE + 0x2800)
#define BA_PML4 (BA_BASE + 0x3000)
#define BA_PDPT (BA_BASE + 0x4000)
#define BA_PD (BA_BASE + 0x5000) /* four pages: 4 GiB in 2 MiB pages */
#define BA_END (BA_BASE + 0x9000)

static struct pgtable host_npt;
static struct e820_entry host_e820[E820_MAX_ZEROPAGE];

static void *pa_ptr(uint64_t pa) { return (void *)(uintptr_t)pa; }

static bool region_free(const struct boot_info *bi, uint64_t base, uint64_t size)
{
	return boot_range_in_ram(bi, base, size) && base + size <= LOW_4G &&
	       !ranges_overlap(base, size, bi->keel.base, bi->keel.size) &&
	       !ranges_overlap(base, size, bi->payload.base, bi->payload.size) &&
	       !ranges_overlap(base, size, bi->initrd.base, bi->initrd.size);
}

/* Where the kernel runs: its preferred address if free, else (relocatable) above everything keel knows of. */
static int place_kernel(const struct boot_info *bi, const struct bzimage_info *k, uint64_t *load)
{
	uint64_t top = MAX(range_end(&bi->keel), MAX(range_end(&bi->payload), range_end(&bi->initrd)));

	if (region_free(bi, k->pref_address, k->init_size)) {
		*load = k->pref_address;
		return 0;
	}
	if (!k->relocatable) {
		hv_printf("keel: the host kernel is not relocatable and its address 0x%llx (%u KiB) is taken\n",
			  (unsigned long long)k->pref_address, k->init_size >> 10);
		return -ENOSPC;
	}
	*load = ALIGN_UP(MAX(top, SZ_16M), k->alignment);
	if (!region_free(bi, *load, k->init_size)) {
		hv_printf("keel: no room below 4 GiB for the host kernel (%u KiB at 0x%llx)\n", k->init_size >> 10,
			  (unsigned long long)*load);
		return -ENOSPC;
	}
	return 0;
}

/* GDT, page tables and the RSDP copy in the boot area; returns the entry state but RIP and RSI. */
static void boot_area(struct x86_host_entry *e, const uint8_t *rsdp_copy)
{
	uint64_t *gdt = pa_ptr(BA_GDT), *pml4 = pa_ptr(BA_PML4), *pdpt = pa_ptr(BA_PDPT), *pd = pa_ptr(BA_PD);

	memset(pa_ptr(BA_GDT), 0, BA_END - BA_GDT);
	gdt[2] = 0x00af9a000000ffffULL; /* 0x10 __BOOT_CS: 64-bit code */
	gdt[3] = 0x00cf92000000ffffULL; /* 0x18 __BOOT_DS */
	pml4[0] = BA_PDPT | 3;
	for (unsigned i = 0; i < 4; i++)
		pdpt[i] = (BA_PD + i * PAGE_SIZE) | 3;
	for (unsigned i = 0; i < 4 * 512; i++)
		pd[i] = (uint64_t)i * SZ_2M | 0x83; /* present, writable, 2 MiB */
	if (rsdp_copy)
		memcpy(pa_ptr(BA_RSDP), rsdp_copy, 36);
	e->gdt = BA_GDT;
	e->gdt_limit = 4 * 8 - 1;
	e->cr3 = BA_PML4;
}

static int load_linux(struct boot_info *bi, struct x86_host_entry *e)
{
	const uint8_t *img = pa_ptr(bi->payload.base);
	struct bzimage_info k;
	struct boot_params_in in = { 0 };
	const char *why;
	uint64_t load;
	int n, ret;

	if (!bi->payload.size) {
		hv_printf("keel: no host kernel: give GRUB's multiboot2 a \"module2 /vmlinuz ARGS\" line\n");
		return -ENOENT;
	}
	ret = bzimage_check(img, bi->payload.size, &k, &why);
	if (ret) {
		hv_printf("keel: the host kernel module (%llu KiB at 0x%llx) is refused: %s\n",
			  (unsigned long long)(bi->payload.size >> 10), (unsigned long long)bi->payload.base, why);
		return ret;
	}
	if (!region_free(bi, BA_BASE, BA_END - BA_BASE)) {
		hv_printf("keel: the host's boot area 0x%llx-0x%llx is not free RAM\n", BA_BASE, BA_END - 1);
		return -ENOSPC;
	}
	ret = place_kernel(bi, &k, &load);
	if (ret)
		return ret;
	n = e820_for_host(x86_e820, x86_nr_e820, bi->keel.base, bi->keel.size, host_e820, E820_MAX_ZEROPAGE);
	if (n < 0) {
		hv_printf("keel: the firmware's memory map does not fit the host's zero page\n");
		return n;
	}
	in.img = img;
	in.cmdline_pa = BA_CMDLINE;
	in.initrd_pa = bi->initrd.base;
	in.initrd_size = bi->initrd.size;
	in.rsdp_pa = x86_rsdp_pa ? x86_rsdp_pa : x86_rsdp_copy() ? BA_RSDP : 0;
	in.e820 = host_e820;
	in.nr_e820 = (unsigned)n;
	boot_params_fill(pa_ptr(BA_ZERO_PAGE), &in);
	memset(pa_ptr(BA_CMDLINE), 0, PAGE_SIZE);
	memcpy(pa_ptr(BA_CMDLINE), x86_host_cmdline, MIN(strlen(x86_host_cmdline), (size_t)MIN(k.cmdline_size, 4095u)));
	boot_area(e, x86_rsdp_pa ? NULL : x86_rsdp_copy());
	/* The kernel proper, after the real-mode setup code, at its load address; its 64-bit entry is 0x200 in. */
	memmove(pa_ptr(load), img + k.setup_size, bi->payload.size - k.setup_size);
	e->rip = load + 0x200;
	e->rsi = BA_ZERO_PAGE;
	hv_printf("keel: host kernel: bzImage protocol %u.%u, %llu KiB at 0x%llx (needs %u KiB), initrd %llu KiB at 0x%llx\n",
		  k.version >> 8, k.version & 0xff, (unsigned long long)((bi->payload.size - k.setup_size) >> 10),
		  (unsigned long long)load, k.init_size >> 10, (unsigned long long)(bi->initrd.size >> 10),
		  (unsigned long long)bi->initrd.base);
	hv_printf("keel: host command line: \"%s\"\n", x86_host_cmdline);
	return 0;
}

int arch_host_launch(struct boot_info *bi)
{
	struct x86_host_entry e;
	int ret;

	ret = load_linux(bi, &e);
	if (ret)
		return ret;
	x86_apic_init(bi);
	ret = host_stage2_init(&host_npt, bi, arch_host_ia_bits());
	/* The local APIC is read-only: keel carries out the host's stores to it (apic.c). */
	if (!ret)
		ret = pgtable_unmap(&host_npt, x86_lapic_base, PAGE_SIZE);
	if (!ret)
		ret = pgtable_map(&host_npt, x86_lapic_base, pa_init(x86_lapic_base), PAGE_SIZE, PT_PROT_R | PT_PROT_DEV);
	if (ret) {
		hv_printf("keel: cannot build the host's nested page table (%d)\n", ret);
		return ret;
	}
	ret = x86_cpu.svm_on ? x86_svm_cpu_init(0) : x86_vmx_host_init();
	if (ret)
		return ret;
	if (x86_cpu.svm_on)
		x86_svm_host_64(0, pa_addr(ptr_to_pa(host_npt.hw_root)), &e);
	else
		x86_vmx_host_64(0, pa_addr(ptr_to_pa(host_npt.hw_root)), &e);
	x86_smp_start(bi);
	hv_printf("keel: entering the host at 0x%llx under %s, %u-bit identity map without keel), "
		  "%llu TSC ticks after keel's entry\n", (unsigned long long)e.rip,
		  x86_cpu.svm_on ? "SVM (nested paging" : "VMX (EPT", host_npt.ia_bits,
		  (unsigned long long)(rdtsc() - x86_boot_tsc));
	if (!x86_cpu.svm_on)
		x86_vmx_run(0);
	x86_svm_run(0);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The arch-neutral boot of keel: banner, checks of what the firmware
 * handed over, keel's memory taken from the host, then the arch launches
 * the host one privilege level below.
 */
#include <hv/arch/cpu.h>
#include <hv/arch/virt.h>
#include <hv/boot.h>
#include <hv/cpu.h>
#include <hv/owner.h>
#include <hv/page_alloc.h>
#include <hv/printf.h>
#include <hv/vm.h>
#include <hv/version.h>
#include <keel/abi.h>

static const struct boot_info *the_boot_info;

const struct boot_info *boot_info_get(void) { return the_boot_info; }

static void print_range(const char *what, const struct mem_range *r)
{
	if (!r->size)
		return;
	hv_printf("keel:   %-10s 0x%010llx-0x%010llx (%llu KiB)\n", what, (unsigned long long)r->base,
		  (unsigned long long)range_end(r) - 1, (unsigned long long)(r->size >> 10));
}

static void banner(const struct boot_info *bi)
{
	hv_printf("\nkeel %s (hypercall ABI %u.%u) on %s, running at %s\n", KEEL_VERSION_STRING,
		  KEEL_ABI_MAJOR, KEEL_ABI_MINOR, arch_name(), arch_privilege_name());
	if (bi->model[0])
		hv_printf("keel: machine: %s\n", bi->model);
	hv_printf("keel: memory map (%llu MiB of RAM):\n", (unsigned long long)(boot_mem_total(bi) >> 20));
	for (unsigned i = 0; i < bi->nr_mem; i++)
		print_range("RAM", &bi->mem[i]);
	for (unsigned i = 0; i < bi->nr_resv; i++)
		print_range("reserved", &bi->resv[i]);
	print_range("keel", &bi->keel);
	print_range("host-image", &bi->payload);
	print_range("initrd", &bi->initrd);
	hv_printf("keel: %u CPU%s:", bi->nr_cpus, bi->nr_cpus == 1 ? "" : "s");
	for (unsigned i = 0; i < bi->nr_cpus; i++)
		hv_printf(" cpu%u=0x%llx", i, (unsigned long long)bi->cpu_hwid[i]);
	hv_printf("\n");
}

/* Refuse boot input that would let the host and keel step on each other. */
static void check_layout(const struct boot_info *bi)
{
	if (!bi->nr_mem || !boot_mem_total(bi))
		boot_fail("no memory described by the firmware\n");
	if (!bi->nr_cpus)
		boot_fail("no CPUs described by the firmware\n");
	if (!boot_range_in_ram(bi, bi->keel.base, bi->keel.size))
		boot_fail("keel's memory 0x%llx-0x%llx is not inside RAM\n", (unsigned long long)bi->keel.base,
			  (unsigned long long)range_end(&bi->keel) - 1);
	for (unsigned i = 0; i < bi->nr_resv; i++)
		if (ranges_overlap(bi->keel.base, bi->keel.size, bi->resv[i].base, bi->resv[i].size))
			boot_fail("keel's memory 0x%llx-0x%llx overlaps reserved region 0x%llx-0x%llx\n",
				  (unsigned long long)bi->keel.base, (unsigned long long)range_end(&bi->keel) - 1,
				  (unsigned long long)bi->resv[i].base,
				  (unsigned long long)range_end(&bi->resv[i]) - 1);
	if (ranges_overlap(bi->initrd.base, bi->initrd.size, bi->keel.base, bi->keel.size) ||
	    ranges_overlap(bi->initrd.base, bi->initrd.size, bi->payload.base, bi->payload.size))
		boot_fail("the initrd 0x%llx-0x%llx overlaps keel or the host image\n",
			  (unsigned long long)bi->initrd.base, (unsigned long long)range_end(&bi->initrd) - 1);
	if (ranges_overlap(bi->payload.base, bi->payload.size, bi->keel.base, bi->keel.size))
		boot_fail("the host image overlaps keel's memory\n");
}

void __noreturn keel_main(struct boot_info *bi)
{
	int ret;

	the_boot_info = bi;
	banner(bi);
	check_layout(bi);
	cpus_init(bi->nr_cpus);

	if (page_pool_add(pa_init(bi->pool.base), bi->pool.size / PAGE_SIZE))
		boot_fail("cannot use 0x%llx+0x%llx as keel's page pool\n", (unsigned long long)bi->pool.base,
			  (unsigned long long)bi->pool.size);
	ret = owner_init(bi);
	if (!ret)
		ret = host_donate_hyp(pa_init(bi->keel.base), bi->keel.size / PAGE_SIZE);
	if (ret)
		boot_fail("cannot set up page ownership (%d)\n", ret);
	if (vm_table_init())
		boot_fail("no room for the VM table in keel's page pool\n");
	hv_printf("keel: %zu KiB of page pool free\n", page_pool_free_pages() * (PAGE_SIZE / 1024));

	if (arch_virt_probe())
		boot_fail("no usable virtualization hardware on %s: cannot run a host\n", arch_name());
	ret = arch_host_launch(bi);
	boot_fail("launching the host failed (%d)\n", ret);
}

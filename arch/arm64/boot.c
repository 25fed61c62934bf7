// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 boot: from U-Boot's hand-over at EL2 (x0 = DTB) to keel_main(),
 * and from keel_main() to the host at EL1 (arch_host_launch).
 */
#include <arch/arm64.h>
#include <arch/sysreg.h>
#include <hv/arch/console.h>
#include <hv/arch/virt.h>
#include <hv/cpu.h>
#include <hv/dt.h>
#include <hv/errno.h>
#include <hv/host.h>
#include <hv/printf.h>
#include <hv/string.h>
#include <keel/abi.h>

#define STACK_SIZE 16384
#define SZ_2M 0x200000UL
#define FDT_MAX_SIZE SZ_2M /* the arm64 boot protocol's limit */

/* arm64 Image header (Documentation/arm64/booting.rst) */
struct arm64_image_header {
	uint32_t code0, code1;
	uint64_t text_offset, image_size, flags;
	uint64_t res2, res3, res4;
	uint32_t magic, res5;
};
#define ARM64_IMAGE_MAGIC 0x644d5241 /* "ARM\x64" */

struct arm64_cpu arm64_cpus[HV_MAX_CPUS];
uint64_t arm64_boot_counter; /* CNTPCT_EL0 when keel was entered */
extern char arm64_stacks[];
static struct boot_info boot_info;

static uint64_t stack_top(unsigned cpu) { return (uintptr_t)arm64_stacks + (cpu + 1) * STACK_SIZE; }

static uint32_t be32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* The host's kernel image follows keel's reservation (docs/boot.md). */
static void find_payload(struct boot_info *bi)
{
	uint64_t base = (uintptr_t)__keel_mem_end;
	const struct arm64_image_header *h = (const void *)(uintptr_t)base;
	uint64_t size;

	if (!boot_range_in_ram(bi, base, PAGE_SIZE))
		boot_fail("no host payload: 0x%llx (after keel's memory) is not RAM\n",
			  (unsigned long long)base);
	if (arm64_hyp_map(base, PAGE_SIZE, PT_PROT_R))
		boot_fail("out of memory mapping the payload header\n");
	if (h->magic != ARM64_IMAGE_MAGIC)
		boot_fail("payload at 0x%llx is not an arm64 Image (magic 0x%08x, expected 0x%08x \"ARM\\x64\")\n",
			  (unsigned long long)base, h->magic, ARM64_IMAGE_MAGIC);
	if (h->flags & 1)
		boot_fail("payload at 0x%llx is a big-endian Image; keel runs little-endian hosts\n",
			  (unsigned long long)base);
	size = h->image_size ? h->image_size : 64UL << 20; /* pre-3.17 kernels: no size given */
	if (!boot_range_in_ram(bi, base, size))
		boot_fail("payload at 0x%llx: image_size 0x%llx runs past RAM\n",
			  (unsigned long long)base, (unsigned long long)size);
	bi->payload = (struct mem_range){ base, size };
	bi->payload_entry = base;
	arm64_hyp_unmap(base, PAGE_SIZE);
}

void __noreturn arm64_boot_primary(uint64_t fdt_pa);
void __noreturn arm64_boot_primary(uint64_t fdt_pa)
{
	struct boot_info *bi = &boot_info;
	struct boot_uart early = ARM64_EARLY_UART;
	const char *why = "";
	uint32_t fdt_size;
	int ret;

	if (arm64_hyp_mm_init())
		hv_panic("cannot build keel's EL2 page tables\n");
	/* Until the DT names the console, complaints go to the platform's default UART. */
	if (early.kind != UART_NONE)
		arm64_hyp_map(early.base, PAGE_SIZE, PT_PROT_R | PT_PROT_W | PT_PROT_DEV);
	arm64_mmu_enable();
	arch_console_init(&early);

	if (!fdt_pa || fdt_pa & 7)
		boot_fail("no device tree: x0 = 0x%llx (U-Boot hands the DT address in x0)\n",
			  (unsigned long long)fdt_pa);
	if (arm64_hyp_map(fdt_pa, 64, PT_PROT_R))
		boot_fail("cannot map the device tree at 0x%llx\n", (unsigned long long)fdt_pa);
	fdt_size = be32((const uint8_t *)(uintptr_t)fdt_pa + 4);
	if (be32((const void *)(uintptr_t)fdt_pa) != 0xd00dfeed || fdt_size > FDT_MAX_SIZE)
		boot_fail("x0 = 0x%llx is not a device tree (bad magic or size)\n", (unsigned long long)fdt_pa);
	arm64_hyp_map(fdt_pa, fdt_size, PT_PROT_R);

	ret = dt_parse((const void *)(uintptr_t)fdt_pa, bi, &why);
	if (ret)
		boot_fail("device tree: %s\n", why);
	if (early.kind == UART_NONE || bi->uart.base != early.base)
		arm64_hyp_map(bi->uart.base, PAGE_SIZE, PT_PROT_R | PT_PROT_W | PT_PROT_DEV);
	if (arch_console_init(&bi->uart))
		boot_fail("device tree: console UART at 0x%llx is not usable\n",
			  (unsigned long long)bi->uart.base);
	if (bi->psci != PSCI_SMC)
		boot_fail("device tree: PSCI with method \"smc\" is required (found %s)\n",
			  bi->psci == PSCI_HVC ? "\"hvc\"" : "none");

	bi->keel = (struct mem_range){ (uintptr_t)__keel_start,
				       (uintptr_t)__keel_mem_end - (uintptr_t)__keel_start };
	bi->pool = (struct mem_range){ (uintptr_t)__keel_image_end,
				       (uintptr_t)__keel_mem_end - (uintptr_t)__keel_image_end };
	find_payload(bi);

	arm64_cpus[0].index = 0;
	arm64_cpus[0].mpidr = read_sysreg(mpidr_el1) & 0xff00ffffffUL;
	write_sysreg(&arm64_cpus[0], tpidr_el2);
	keel_main(bi);
}

/*
 * Place the host's DT: 2 MiB aligned after the kernel image, clear of the
 * initrd and keel, as Linux asks (8-byte aligned, at most 2 MiB).
 */
static int place_host_fdt(struct boot_info *bi)
{
	uint64_t dst = ALIGN_UP(range_end(&bi->payload), SZ_2M);
	uint64_t size = MIN(ALIGN_UP(dt_used_size(bi->fdt) + 8192, PAGE_SIZE), FDT_MAX_SIZE);
	const void *fdt = bi->fdt;
	int ret;

	for (unsigned tries = 0; tries < 64; tries++, dst += SZ_2M) {
		if (ranges_overlap(dst, size, bi->initrd.base, bi->initrd.size) ||
		    ranges_overlap(dst, size, (uintptr_t)fdt, bi->fdt_size) ||
		    ranges_overlap(dst, size, bi->keel.base, bi->keel.size))
			continue;
		bool reserved = false;
		for (unsigned i = 0; i < bi->nr_resv; i++)
			reserved |= ranges_overlap(dst, size, bi->resv[i].base, bi->resv[i].size);
		if (reserved || !boot_range_in_ram(bi, dst, size))
			continue;
		ret = arm64_hyp_map(dst, size, PT_PROT_R | PT_PROT_W);
		if (ret)
			return ret;
		ret = dt_patch_for_host(fdt, (void *)(uintptr_t)dst, size, bi, KEEL_ABI_VERSION);
		if (ret)
			return ret;
		arm64_dcache_clean((void *)(uintptr_t)dst, size);
		bi->host_fdt = (struct mem_range){ dst, size };
		return 0;
	}
	return -ENOSPC;
}

int arch_host_launch(struct boot_info *bi)
{
	struct arm64_cpu *c = &arm64_cpus[0];
	int ret;

	ret = place_host_fdt(bi);
	if (ret) {
		hv_printf("keel: cannot write the host device tree (%d)\n", ret);
		return ret;
	}
	ret = arm64_gic_init(bi);
	if (ret)
		return ret;
	ret = host_stage2_init(&arm64_host_s2, bi, arch_host_ia_bits());
	if (ret) {
		hv_printf("keel: cannot build the host stage-2 (%d)\n", ret);
		return ret;
	}
	/* The boot-time windows go; all RAM is mapped instead (host pages named by PA, from now on). */
	arm64_hyp_unmap(bi->host_fdt.base, bi->host_fdt.size);
	arm64_hyp_unmap((uintptr_t)bi->fdt, bi->fdt_size);
	bi->fdt = NULL;
	ret = arm64_hyp_map_ram(bi);
	if (ret) {
		hv_printf("keel: cannot map RAM at EL2 (%d)\n", ret);
		return ret;
	}

	isb();
	hv_printf("keel: host device tree at 0x%llx, entering host at 0x%llx (EL1), %llu us after keel's entry\n",
		  (unsigned long long)bi->host_fdt.base, (unsigned long long)bi->payload_entry,
		  (unsigned long long)((read_sysreg(cntpct_el0) - arm64_boot_counter) * 1000000 /
				       read_sysreg(cntfrq_el0)));
	arm64_smccc_probe_firmware();
	arm64_host_cpu_init();
	c->online = true;
	cpu_mark_online(0);
	write_sysreg(bi->payload_entry, elr_el2);
	write_sysreg(PSR_DAIF | PSR_MODE_EL1h, spsr_el2);
	arm64_el1_eret(bi->host_fdt.base, stack_top(0));
}

/* A secondary CPU started by the host's PSCI CPU_ON (or resumed from CPU_SUSPEND). */
void __noreturn arm64_boot_secondary(unsigned idx);
void __noreturn arm64_boot_secondary(unsigned idx)
{
	struct arm64_cpu *c = &arm64_cpus[idx];
	bool first = !c->online;

	write_sysreg(c, tpidr_el2);
	arm64_host_cpu_init();
	c->online = true;
	cpu_mark_online(idx);
	if (first)
		hv_printf("keel: cpu%u (mpidr 0x%llx) up at EL%u, entering host at 0x%llx\n", idx,
			  (unsigned long long)c->mpidr, current_el(), (unsigned long long)c->host_entry);
	write_sysreg(c->host_entry, elr_el2);
	write_sysreg(PSR_DAIF | PSR_MODE_EL1h, spsr_el2);
	arm64_el1_eret(c->host_ctx, stack_top(idx));
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What keel learns at boot, whatever the arch found it in (a DT on arm64,
 * multiboot2 on x86, the YAMON environment on MIPS Malta).
 */
#ifndef HV_BOOT_H
#define HV_BOOT_H

#include <hv/types.h>

#define HV_MAX_CPUS 8
#define BOOT_MAX_MEM 8
#define BOOT_MAX_RESV 16

enum uart_kind { UART_NONE, UART_PL011, UART_NS16550, UART_CDNS };

struct boot_uart {
	enum uart_kind kind;
	uint64_t base;      /* MMIO address, or I/O port on x86 */
	unsigned reg_shift; /* ns16550 register stride */
	unsigned reg_width; /* ns16550 access width in bytes (1 or 4) */
};

enum psci_conduit { PSCI_NONE, PSCI_SMC, PSCI_HVC };

enum irqc_kind { IRQC_NONE, IRQC_GICV2, IRQC_GICV3, IRQC_APIC };

struct boot_irqc {
	enum irqc_kind kind;
	char compatible[32]; /* e.g. "arm,gic-v3" */
	/* GICv3: distributor, redistributors; GICv2: distributor, CPU, hypervisor control and virtual
	 * CPU interfaces (the last two when the DT has them: the virtualization extensions). */
	struct mem_range regs[4];
};

struct boot_info {
	const void *fdt;   /* device tree handed to keel, NULL on archs without one */
	size_t fdt_size;
	char model[64];

	struct mem_range mem[BOOT_MAX_MEM];
	unsigned nr_mem;
	/* /memreserve/ entries and /reserved-memory children: memory the host keeps away from. */
	struct mem_range resv[BOOT_MAX_RESV];
	unsigned nr_resv;

	uint64_t cpu_hwid[HV_MAX_CPUS]; /* MPIDR affinity bits, APIC id, CPU number */
	unsigned nr_cpus;

	enum psci_conduit psci;
	struct boot_uart uart;
	struct boot_irqc irqc;

	struct mem_range initrd;  /* from /chosen, size 0 if none */
	struct mem_range keel;    /* keel's own memory (image + pool), taken from the host */
	struct mem_range pool;    /* the part of keel's memory after its image: the page pool */
	struct mem_range payload; /* the host kernel image */
	uint64_t payload_entry;
	struct mem_range host_fdt; /* where keel put the device tree it hands the host */
	/* Device ranges keel keeps from the host (the hypervisor side of the interrupt controller):
	 * left out of the host's stage 2. */
	struct mem_range hyp_dev[2];
	unsigned nr_hyp_dev;
};

/* Sum of RAM described by bi->mem. */
uint64_t boot_mem_total(const struct boot_info *bi);
/* Is [base, base+size) entirely inside one RAM bank? */
bool boot_range_in_ram(const struct boot_info *bi, uint64_t base, uint64_t size);

/* The boot info keel_main() was given (valid for keel's lifetime). */
const struct boot_info *boot_info_get(void);

/* The arch-neutral part of boot, called by each arch's entry code on the boot CPU. */
void __noreturn keel_main(struct boot_info *bi);

/* Halt with a clear message on bad boot input (never a silent hang). */
void __noreturn boot_fail(const char *fmt, ...) __printf(1, 2);

#endif

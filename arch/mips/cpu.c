// SPDX-License-Identifier: GPL-2.0
/* MIPS: the CPU-control contract, power-off on the Malta, LL/SC spinlocks. */
#include <arch/mips.h>
#include <hv/arch/cpu.h>
#include <hv/arch/spinlock.h>
#include <hv/printf.h>

/* GT-64120 system controller, moved to 0x1be00000 by the boot stub as YAMON does */
#define GT_BASE 0x1be00000ULL
#define GT_PCI0_CFGADDR 0xcf8
#define GT_PCI0_CFGDATA 0xcfc
#define MALTA_PCI_IO 0x18000000ULL
/* PIIX4 power management: bus 0, device 10, function 3 */
#define PIIX4_PM_DEV 10
#define PIIX4_PM_FN 3
#define PIIX4_PM_ID 0x71138086
#define PIIX4_PMBA 0x40
#define PIIX4_PMREGMISC 0x80 /* bit 0: PM I/O space enable */
#define PM_IO_BASE 0x1000    /* keel's choice: nothing else in PCI I/O space is assigned here */
#define PM1_CNT 0x04
#define PM1_SLP_EN BIT(13)   /* with SLP_TYP 0: soft off */

const char *mips_privilege = "kernel mode (root = kernel mode)";

const char *arch_name(void) { return "mips64"; }

const char *arch_privilege_name(void) { return mips_privilege; }

/* Only the boot CPU runs keel. */
unsigned arch_cpu_index(void) { return 0; }

void __noreturn arch_cpu_halt(void)
{
	for (;;)
		__asm__ volatile("di\n\twait" ::: "memory");
}

static volatile uint32_t *gt(unsigned off) { return (volatile uint32_t *)kseg1(GT_BASE + off); }

static uint32_t pci_cfg_read(unsigned dev, unsigned fn, unsigned reg)
{
	*gt(GT_PCI0_CFGADDR) = BIT(31) | dev << 11 | fn << 8 | (reg & 0xfc);
	return *gt(GT_PCI0_CFGDATA);
}

static void pci_cfg_write(unsigned dev, unsigned fn, unsigned reg, uint32_t v)
{
	*gt(GT_PCI0_CFGADDR) = BIT(31) | dev << 11 | fn << 8 | (reg & 0xfc);
	*gt(GT_PCI0_CFGDATA) = v;
}

/*
 * The Malta powers off through its PIIX4's ACPI PM1 control register (as
 * Linux's piix4-poweroff does). Without YAMON nobody has given the PM
 * function an I/O base, so keel assigns one, enables it and writes SLP_EN
 * with SLP_TYP 0 (soft off). The board's other control, the FPGA's
 * SOFTRES, only resets.
 */
void arch_system_off(void)
{
	uint32_t id = pci_cfg_read(PIIX4_PM_DEV, PIIX4_PM_FN, 0);

	if (id != PIIX4_PM_ID) {
		hv_printf("keel: mips64: cannot power off: no PIIX4 power management at PCI 00:0a.3 (id 0x%08x)\n",
			  id);
		return;
	}
	pci_cfg_write(PIIX4_PM_DEV, PIIX4_PM_FN, PIIX4_PMBA, PM_IO_BASE | 1);
	pci_cfg_write(PIIX4_PM_DEV, PIIX4_PM_FN, PIIX4_PMREGMISC,
		      pci_cfg_read(PIIX4_PM_DEV, PIIX4_PM_FN, PIIX4_PMREGMISC) | 1);
	hv_printf("keel: mips64: powering off (PIIX4 PM1_CNT at PCI I/O 0x%x)\n", PM_IO_BASE + PM1_CNT);
	*(volatile uint16_t *)kseg1(MALTA_PCI_IO + PM_IO_BASE + PM1_CNT) = PM1_SLP_EN;
	mips_sync();
	for (volatile unsigned i = 0; i < 10000000; i++)
		;
}

void arch_spin_lock(struct spinlock *l)
{
	uint32_t old, tmp;

	/* Take a ticket: next (high half) += 1, atomically with LL/SC. */
	__asm__ volatile("	.set	push\n"
			 "	.set	reorder\n" /* the assembler fills the delay slot */
			 "1:	ll	%0, %2\n"
			 "	addu	%1, %0, %3\n"
			 "	sc	%1, %2\n"
			 "	beqz	%1, 1b\n"
			 "	.set	pop\n"
			 : "=&r"(old), "=&r"(tmp), "+m"(l->word)
			 : "r"(0x10000)
			 : "memory");
	while (l->h.owner != (uint16_t)(old >> 16))
		;
	mips_sync(); /* acquire: nothing in the critical section moves above this */
}

void arch_spin_unlock(struct spinlock *l)
{
	mips_sync(); /* release: the critical section completes first */
	/* Only the holder writes owner; a halfword store leaves next alone (and fails concurrent SCs). */
	l->h.owner = l->h.owner + 1;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * x86_64 side of the page-table contract. Both stages are 4-level radix
 * trees with the same shape as the core's (level 0 = PML4, 512 GiB an
 * entry; level 1 = PDPT, 1 GiB; level 2 = PD, 2 MiB; level 3 = PT, 4 KiB):
 *  - PT_STAGE_HYP: the long-mode paging format keel itself runs on;
 *  - PT_STAGE_GUEST: the EPT format (Intel SDM vol. 3, 29.3.2) under VMX; under
 *    SVM the nested page tables are long-mode tables again, every entry a
 *    user entry (nested walks are user accesses, AMD APM vol. 2, 15.25.5).
 * A table entry is encoded the same way for both, addr | 7: in EPT that is
 * read/write/execute for everything below, in long mode present/writable/
 * user (the leaf decides), so arch_pte_table() needs no stage.
 */
#include <hv/string.h>
#include <arch/x86.h>
#include <hv/arch/mm.h>
#include <hv/errno.h>
#include <hv/pgtable.h>

#define PTE_ADDR_MASK 0x000ffffffffff000ULL
#define PTE_RWX 0x7ULL /* long mode: P|RW|US; EPT: R|W|X */
#define PTE_PS BIT(7)  /* a leaf above level 3, both formats */
/* long mode */
#define PTE_P BIT(0)
#define PTE_RW BIT(1)
#define PTE_US BIT(2)
#define PTE_PWT BIT(3)
#define PTE_PCD BIT(4)
#define PTE_XD BIT(63)
/* EPT */
#define EPT_R BIT(0)
#define EPT_W BIT(1)
#define EPT_X BIT(2)
#define EPT_MT_SHIFT 3
#define EPT_MT_UC 0ULL
#define EPT_MT_WB 6ULL
#define EPT_MT_MASK (7ULL << EPT_MT_SHIFT)

unsigned arch_host_ia_bits(void)
{
	/* A 4-level EPT translates 48 bits; the host needs all of MAXPHYADDR (64-bit BARs live high). */
	return MIN(x86_cpu.phys_bits ? x86_cpu.phys_bits : 36u, 48u);
}

int arch_pt_start_level(enum pt_stage stage, unsigned ia_bits)
{
	(void)stage;
	/* CR3 and the EPTP always point at a PML4 (no 5-level paging): start at level 0. */
	if (ia_bits < 12 || ia_bits > 48)
		return -EINVAL;
	return 0;
}

bool arch_pte_valid(pte_t pte)
{
	/* Long mode: P; EPT: any of R/W/X (execute-only leaves are valid). keel never writes P=0 with RW/US set. */
	return pte & PTE_RWX;
}

bool arch_pte_is_table(pte_t pte, int level)
{
	return level < 3 && arch_pte_valid(pte) && !(pte & PTE_PS);
}

bool arch_pt_leaf_ok(enum pt_stage stage, int level)
{
	if (level == 2 || level == 3)
		return true;
	if (level == 1)
		return stage == PT_STAGE_HYP || x86_cpu.svm_on ? x86_cpu.pdpe1gb : x86_cpu.ept_1g;
	return false;
}

pte_t arch_pte_invalid(void) { return 0; }

pte_t arch_pte_table(paddr_t next) { return (pa_addr(next) & PTE_ADDR_MASK) | PTE_RWX; }

pte_t arch_pte_leaf(enum pt_stage stage, int level, paddr_t pa, uint32_t prot)
{
	pte_t pte = pa_addr(pa) & PTE_ADDR_MASK;

	if (level < 3)
		pte |= PTE_PS;
	if (stage == PT_STAGE_HYP || x86_cpu.svm_on) {
		/* Long mode cannot express "not readable": any mapping is readable. */
		pte |= PTE_P | (stage == PT_STAGE_GUEST ? PTE_US : 0);
		if (prot & PT_PROT_W)
			pte |= PTE_RW;
		if (!(prot & PT_PROT_X) && x86_cpu.nx) /* XD is a reserved bit without EFER.NXE */
			pte |= PTE_XD;
		if (prot & PT_PROT_DEV)
			pte |= PTE_PCD | PTE_PWT; /* PAT entry 3: UC */
	} else {
		if (prot & PT_PROT_R)
			pte |= EPT_R;
		if (prot & PT_PROT_W)
			pte |= EPT_W | EPT_R; /* write-only is an EPT misconfiguration */
		if (prot & PT_PROT_X)
			pte |= EPT_X;
		/* No "ignore PAT": the guest's own PAT still applies on top of WB. */
		pte |= ((prot & PT_PROT_DEV) ? EPT_MT_UC : EPT_MT_WB) << EPT_MT_SHIFT;
	}
	return pte;
}

paddr_t arch_pte_addr(pte_t pte, int level)
{
	/* The level mask also drops a large page's PAT bit (bit 12). */
	return pa_init(pte & PTE_ADDR_MASK & ~(pt_level_size(level) - 1));
}

uint32_t arch_pte_prot(enum pt_stage stage, int level, pte_t pte)
{
	uint32_t prot = 0;

	(void)level;
	if (stage == PT_STAGE_HYP || x86_cpu.svm_on) {
		prot |= PT_PROT_R;
		if (pte & PTE_RW)
			prot |= PT_PROT_W;
		if (!(pte & PTE_XD))
			prot |= PT_PROT_X;
		if (pte & PTE_PCD)
			prot |= PT_PROT_DEV;
	} else {
		if (pte & EPT_R)
			prot |= PT_PROT_R;
		if (pte & EPT_W)
			prot |= PT_PROT_W;
		if (pte & EPT_X)
			prot |= PT_PROT_X;
		if ((pte & EPT_MT_MASK) != EPT_MT_WB << EPT_MT_SHIFT)
			prot |= PT_PROT_DEV;
	}
	return prot;
}

void arch_pte_write(pte_t *ptep, pte_t pte)
{
	/* x86 page walks are coherent with ordinary stores; volatile keeps it a single store. */
	*(volatile pte_t *)ptep = pte;
}

void arch_pt_tlb_flush(const struct pgtable *pt, uint64_t ia, uint64_t size)
{
	if (pt->stage == PT_STAGE_HYP) {
		if (size > 64 * PAGE_SIZE) {
			write_cr3(read_cr3()); /* no global pages in keel's map: this drops them all */
			return;
		}
		for (uint64_t a = ia; a < ia + size; a += PAGE_SIZE)
			__asm__ volatile("invlpg (%0)" : : "r"(a) : "memory");
		return;
	}
	/* Guest stages: every CPU flushes at its next entry, those in a guest now at once (shootdown.c). */
	x86_tlb_shootdown();
	if (x86_cpu.vmx_on)
		x86_invept_all(); /* this CPU's own, for a change made outside any exit (none at boot) */
}

/* INVEPT exists only in VMX root operation; all-context is coarse but needs no EPTP. */
void x86_invept_all(void)
{
	struct {
		uint64_t eptp, zero;
	} desc = { 0, 0 };

	if (x86_cpu.invept_all)
		__asm__ volatile("invept %0, %1" : : "m"(desc), "r"(2UL) : "cc", "memory");
}

void arch_zero_pages(void *p, size_t size)
{
	memset(p, 0, size);
}

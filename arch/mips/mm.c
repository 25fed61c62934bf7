// SPDX-License-Identifier: GPL-2.0
/*
 * MIPS side of the page-table contract. MIPS has no hardware table walker
 * (Config3.PW aside, which keel does not use): a TLB refill handler of
 * keel's will walk these tables and write EntryLo pairs. So the format is
 * keel's own, the same for both stages, 4 levels of 512 entries:
 *
 *   bit 0      V   valid
 *   bit 1      T   table (levels 0-2): bits 12-47 are the next table's PA
 *   bit 2      R   readable        -> EntryLo.RI = !R (with Config3.RXI)
 *   bit 3      W   writable        -> EntryLo.D
 *   bit 4      X   executable      -> EntryLo.XI = !X (with Config3.RXI)
 *   bits 5-7   C   cache attribute -> EntryLo.C (3: cached WB for RAM, 2: uncached for devices)
 *   bits 12-47 PA of the page or block
 *
 * so a refill computes EntryLo = (PA >> 12) << 6 | C << 3 | W << 2 | V << 1
 * (| G for keel's own map) plus RI/XI. A block at level 1 or 2 (1 GiB,
 * 2 MiB) is loaded as TLB pages of a size MIPS has (e.g. 1 MiB pairs).
 */
#include <hv/string.h>
#include <arch/mips.h>
#include <hv/arch/mm.h>
#include <hv/errno.h>
#include <hv/pgtable.h>

#define PTE_V BIT(0)
#define PTE_T BIT(1)
#define PTE_R BIT(2)
#define PTE_W BIT(3)
#define PTE_X BIT(4)
#define PTE_C_SHIFT 5
#define PTE_C_MASK (7ULL << PTE_C_SHIFT)
#define PTE_C_WB 3ULL
#define PTE_C_UC 2ULL
#define PTE_ADDR_MASK 0x0000fffffffff000ULL

unsigned arch_host_ia_bits(void)
{
	/* The PFN field of EntryLo is as wide as the physical address space (PABITS): probe it. */
	uint64_t saved = read_c0(CP0_ENTRYLO0), pfn;
	unsigned bits = 12;

	write_c0(CP0_ENTRYLO0, ~0ULL);
	pfn = (read_c0(CP0_ENTRYLO0) >> 6) & ((1ULL << 48) - 1);
	write_c0(CP0_ENTRYLO0, saved);
	while (pfn & 1) {
		bits++;
		pfn >>= 1;
	}
	return MIN(MAX(bits, 32u), 48u);
}

int arch_pt_start_level(enum pt_stage stage, unsigned ia_bits)
{
	(void)stage;
	if (ia_bits < 25 || ia_bits > 48)
		return -EINVAL;
	return pt_start_level_for(ia_bits);
}

bool arch_pte_valid(pte_t pte) { return pte & PTE_V; }

bool arch_pte_is_table(pte_t pte, int level)
{
	return level < 3 && (pte & (PTE_V | PTE_T)) == (PTE_V | PTE_T);
}

bool arch_pt_leaf_ok(enum pt_stage stage, int level)
{
	(void)stage;
	return level >= 1 && level <= 3;
}

pte_t arch_pte_invalid(void) { return 0; }

pte_t arch_pte_table(paddr_t next) { return (pa_addr(next) & PTE_ADDR_MASK) | PTE_V | PTE_T; }

pte_t arch_pte_leaf(enum pt_stage stage, int level, paddr_t pa, uint32_t prot)
{
	pte_t pte = (pa_addr(pa) & PTE_ADDR_MASK) | PTE_V;

	(void)stage;
	(void)level;
	if (prot & PT_PROT_R)
		pte |= PTE_R;
	if (prot & PT_PROT_W)
		pte |= PTE_W;
	if (prot & PT_PROT_X)
		pte |= PTE_X;
	pte |= ((prot & PT_PROT_DEV) ? PTE_C_UC : PTE_C_WB) << PTE_C_SHIFT;
	return pte;
}

paddr_t arch_pte_addr(pte_t pte, int level)
{
	return pa_init(pte & PTE_ADDR_MASK & ~(pt_level_size(level) - 1));
}

uint32_t arch_pte_prot(enum pt_stage stage, int level, pte_t pte)
{
	uint32_t prot = 0;

	(void)stage;
	(void)level;
	if (pte & PTE_R)
		prot |= PT_PROT_R;
	if (pte & PTE_W)
		prot |= PT_PROT_W;
	if (pte & PTE_X)
		prot |= PT_PROT_X;
	if ((pte & PTE_C_MASK) != PTE_C_WB << PTE_C_SHIFT)
		prot |= PT_PROT_DEV;
	return prot;
}

void arch_pte_write(pte_t *ptep, pte_t pte)
{
	*(volatile pte_t *)ptep = pte;
	mips_sync(); /* another CPU's refill handler must see it before the TLB flush that follows */
}

void arch_pt_tlb_flush(const struct pgtable *pt, uint64_t ia, uint64_t size)
{
	(void)pt;
	(void)ia;
	(void)size;
	/* Only refill-loaded entries can be stale; keel's wired entries are not built from tables. */
	mips_tlb_flush_nonwired();
}

void arch_zero_pages(void *p, size_t size)
{
	memset(p, 0, size);
}

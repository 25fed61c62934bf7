// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 side of the page-table contract (VMSAv8-64, 4 KiB granule) and
 * keel's own EL2 translation: an identity map of keel's own memory, its
 * console, and (from the host's launch on) all RAM, so that keel reaches
 * host pages the host names by PA (pa_to_ptr, after host_page_ptr checks).
 */
#include <arch/arm64.h>
#include <arch/sysreg.h>
#include <hv/arch/mm.h>
#include <hv/arch/vm.h>
#include <hv/errno.h>
#include <hv/page_alloc.h>
#include <hv/printf.h>
#include <hv/string.h>

#define PTE_VALID (1UL << 0)
#define PTE_TABLE (1UL << 1) /* table at levels 0-2, page at level 3 */
#define PTE_ADDR_MASK 0x0000fffffffff000UL
#define PTE_AF (1UL << 10)
#define PTE_SH_INNER (3UL << 8)
/* Stage 1 (EL2 regime) */
#define S1_ATTRIDX(i) ((uint64_t)(i) << 2)
#define S1_AP_RW (1UL << 6) /* AP[1] is RES1 at EL2 */
#define S1_AP_RO (3UL << 6)
#define S1_XN (1UL << 54)
/* Stage 2 */
#define S2_MEMATTR_NORMAL (0xfUL << 2) /* outer and inner write-back */
#define S2_MEMATTR_DEVICE (0x1UL << 2) /* Device-nGnRE */
#define S2_MEMATTR_MASK (0xfUL << 2)
#define S2_AP_R (1UL << 6)
#define S2_AP_W (1UL << 7)
#define S2_XN (2UL << 53)

/* MAIR_EL2 indices */
#define MT_NORMAL 0
#define MT_DEVICE 1
#define MAIR_VALUE (0xffUL | (0x04UL << 8))

struct arm64_mmu_regs arm64_mmu_regs;
static struct pgtable hyp_pt;
/* Bootstrap tables, used before the page pool exists (inside keel's image). */
static uint8_t boot_pool[16 * PAGE_SIZE] __aligned(PAGE_SIZE);

unsigned arm64_parange_bits(void)
{
	static const unsigned bits[] = { 32, 36, 40, 42, 44, 48, 52 };
	unsigned pa = read_sysreg(ID_AA64MMFR0_EL1) & 0xf;

	return pa < ARRAY_SIZE(bits) ? bits[pa] : 48;
}

/* The PS/IPS field value for an address size (capped at 48 bits: no LPA2 here). */
unsigned arm64_vtcr_ps(unsigned bits)
{
	if (bits <= 32) return 0;
	if (bits <= 36) return 1;
	if (bits <= 40) return 2;
	if (bits <= 42) return 3;
	if (bits <= 44) return 4;
	return 5;
}

/* The widest stage 2 keel builds: 48 bits (4 KiB granule, no LPA2), never more than the PA size. */
unsigned arm64_s2_max_bits(void)
{
	return MIN(arm64_parange_bits(), 48u);
}

unsigned arch_host_ia_bits(void)
{
	/* QEMU virt's highest device window ends at 1 TiB; 40 bits also keeps the map small. */
	return MIN(arm64_s2_max_bits(), 40u);
}

/*
 * A 4 KiB stage 2 may start at level 0 only when the PA size is 44 bits or more (VTCR_EL2.SL0):
 * below that (Cortex-A53: 40 bits) a 40-bit stage 2 starts at level 1 with two concatenated tables,
 * which pgtable_init() makes when ia_bits exceed what one table at this level resolves.
 */
int arch_pt_start_level(enum pt_stage stage, unsigned ia_bits)
{
	int level;

	if (ia_bits < 25 || ia_bits > 48)
		return -EINVAL;
	level = pt_start_level_for(ia_bits);
	if (stage == PT_STAGE_GUEST && level == 0 && arm64_parange_bits() < 44)
		level = ia_bits <= 43 ? 1 : -EINVAL;
	return level;
}

bool arch_pte_valid(pte_t pte) { return pte & PTE_VALID; }

bool arch_pte_is_table(pte_t pte, int level)
{
	return level < 3 && (pte & (PTE_VALID | PTE_TABLE)) == (PTE_VALID | PTE_TABLE);
}

bool arch_pt_leaf_ok(enum pt_stage stage, int level)
{
	(void)stage;
	return level >= 1 && level <= 3; /* no level-0 blocks with a 4 KiB granule */
}

pte_t arch_pte_invalid(void) { return 0; }

pte_t arch_pte_table(paddr_t next) { return (pa_addr(next) & PTE_ADDR_MASK) | PTE_VALID | PTE_TABLE; }

pte_t arch_pte_leaf(enum pt_stage stage, int level, paddr_t pa, uint32_t prot)
{
	pte_t pte = (pa_addr(pa) & PTE_ADDR_MASK) | PTE_VALID | PTE_AF;

	if (level == 3)
		pte |= PTE_TABLE;
	if (stage == PT_STAGE_HYP) {
		pte |= (prot & PT_PROT_W) ? S1_AP_RW : S1_AP_RO;
		if (!(prot & PT_PROT_X))
			pte |= S1_XN;
		pte |= (prot & PT_PROT_DEV) ? S1_ATTRIDX(MT_DEVICE) : S1_ATTRIDX(MT_NORMAL) | PTE_SH_INNER;
	} else {
		if (prot & PT_PROT_R)
			pte |= S2_AP_R;
		if (prot & PT_PROT_W)
			pte |= S2_AP_W;
		if (!(prot & PT_PROT_X))
			pte |= S2_XN;
		pte |= (prot & PT_PROT_DEV) ? S2_MEMATTR_DEVICE : S2_MEMATTR_NORMAL | PTE_SH_INNER;
	}
	return pte;
}

paddr_t arch_pte_addr(pte_t pte, int level)
{
	return pa_init(pte & PTE_ADDR_MASK & ~(pt_level_size(level) - 1));
}

uint32_t arch_pte_prot(enum pt_stage stage, int level, pte_t pte)
{
	uint32_t prot = 0;

	(void)level;
	if (stage == PT_STAGE_HYP) {
		prot |= PT_PROT_R;
		if ((pte & S1_AP_RO) == S1_AP_RW)
			prot |= PT_PROT_W;
		if (!(pte & S1_XN))
			prot |= PT_PROT_X;
		if (((pte >> 2) & 7) == MT_DEVICE)
			prot |= PT_PROT_DEV;
	} else {
		if (pte & S2_AP_R)
			prot |= PT_PROT_R;
		if (pte & S2_AP_W)
			prot |= PT_PROT_W;
		if (!(pte & S2_XN))
			prot |= PT_PROT_X;
		if ((pte & S2_MEMATTR_MASK) != S2_MEMATTR_NORMAL)
			prot |= PT_PROT_DEV;
	}
	return prot;
}

void arch_pte_write(pte_t *ptep, pte_t pte)
{
	*(volatile pte_t *)ptep = pte;
	dsb(ishst);
}

void arch_pt_tlb_flush(const struct pgtable *pt, uint64_t ia, uint64_t size)
{
	(void)ia;
	(void)size;
	if (pt->stage == PT_STAGE_GUEST && pt->vmid) {
		/* A guest's entries are tagged with its VMID: flush with that VMID loaded. */
		arch_vm_tlb_flush_vmid(pt);
		return;
	}
	dsb(ishst);
	if (pt->stage == PT_STAGE_HYP)
		__asm__ volatile("tlbi alle2is" ::: "memory");
	else
		__asm__ volatile("tlbi vmalls12e1is" ::: "memory"); /* the host's: VMID 0 is loaded */
	dsb(ish);
	isb();
}

void arm64_dcache_clean(const void *p, size_t size)
{
	uint64_t line = 4UL << ((read_sysreg(ctr_el0) >> 16) & 0xf);
	uint64_t a = ALIGN_DOWN((uint64_t)(uintptr_t)p, line);

	for (; a < (uint64_t)(uintptr_t)p + size; a += line)
		__asm__ volatile("dc cvac, %0" : : "r"(a) : "memory");
	dsb(sy);
}

int arm64_hyp_map(uint64_t pa, uint64_t size, uint32_t prot)
{
	uint64_t base = ALIGN_DOWN(pa, PAGE_SIZE);

	return pgtable_map(&hyp_pt, base, pa_init(base), ALIGN_UP(pa + size, PAGE_SIZE) - base, prot);
}

int arm64_hyp_unmap(uint64_t pa, uint64_t size)
{
	uint64_t base = ALIGN_DOWN(pa, PAGE_SIZE);

	return pgtable_unmap(&hyp_pt, base, ALIGN_UP(pa + size, PAGE_SIZE) - base);
}

/*
 * Identity-map every RAM bank outside keel's own memory: read-write,
 * execute-never, normal memory, in blocks where aligned. keel reads and
 * writes host pages the host hands it (VM_MAP lists, vCPU contexts) through
 * it. What protects keel from the host is the host's stage 2, not this.
 */
int arm64_hyp_map_ram(const struct boot_info *bi)
{
	uint64_t kbase = bi->keel.base, kend = range_end(&bi->keel);
	int ret = 0;

	for (unsigned i = 0; !ret && i < bi->nr_mem; i++) {
		uint64_t base = ALIGN_UP(bi->mem[i].base, PAGE_SIZE);
		uint64_t end = ALIGN_DOWN(range_end(&bi->mem[i]), PAGE_SIZE);

		/* keel's own memory keeps its finer map (text read-only executable). */
		if (base < kbase && end > base)
			ret = pgtable_map(&hyp_pt, base, pa_init(base), MIN(end, kbase) - base,
					  PT_PROT_R | PT_PROT_W);
		if (!ret && end > kend && end > base) {
			uint64_t from = MAX(base, kend);

			ret = pgtable_map(&hyp_pt, from, pa_init(from), end - from, PT_PROT_R | PT_PROT_W);
		}
	}
	return ret;
}

/*
 * Build keel's EL2 identity map of its own memory from a bootstrap pool in
 * the image, and compute the MMU register values every CPU will load.
 */
int arm64_hyp_mm_init(void)
{
	uint64_t start = (uintptr_t)__keel_start, text_end = (uintptr_t)__text_end;
	uint64_t end = (uintptr_t)__keel_mem_end;
	unsigned pa_bits = MIN(arm64_parange_bits(), 48u);
	int ret;

	ret = page_pool_add(ptr_to_pa(boot_pool), sizeof(boot_pool) / PAGE_SIZE);
	if (ret)
		return ret;
	ret = pgtable_init(&hyp_pt, PT_STAGE_HYP, 48, 0);
	if (ret)
		return ret;
	ret = pgtable_map(&hyp_pt, start, pa_init(start), text_end - start, PT_PROT_R | PT_PROT_X);
	if (!ret)
		ret = pgtable_map(&hyp_pt, text_end, pa_init(text_end), end - text_end,
				  PT_PROT_R | PT_PROT_W);
	if (ret)
		return ret;

	arm64_mmu_regs.mair = MAIR_VALUE;
	arm64_mmu_regs.tcr = (1UL << 31) | (1UL << 23) |           /* RES1 */
			     ((uint64_t)arm64_vtcr_ps(pa_bits) << 16) | /* PS */
			     (3UL << 12) | (1UL << 10) | (1UL << 8) |     /* inner shareable, WB WA */
			     (64 - 48);                                   /* T0SZ: 48-bit VA */
	arm64_mmu_regs.ttbr0 = pa_addr(ptr_to_pa(hyp_pt.hw_root));
	arm64_mmu_regs.sctlr = SCTLR_EL2_RES1 | SCTLR_M | SCTLR_C | SCTLR_SA | SCTLR_I;
	/* Secondaries read these with their MMU (and caches) still off. */
	arm64_dcache_clean(&arm64_mmu_regs, sizeof(arm64_mmu_regs));
	return 0;
}

void arm64_mmu_enable(void)
{
	write_sysreg(arm64_mmu_regs.mair, mair_el2);
	write_sysreg(arm64_mmu_regs.tcr, tcr_el2);
	write_sysreg(arm64_mmu_regs.ttbr0, ttbr0_el2);
	isb();
	__asm__ volatile("tlbi alle2" ::: "memory");
	dsb(ish);
	isb();
	write_sysreg(arm64_mmu_regs.sctlr, sctlr_el2);
	isb();
}

void arch_zero_pages(void *p, size_t size)
{
	uint64_t dczid = read_sysreg(dczid_el0), block = 4UL << (dczid & 0xf);
	uintptr_t a = (uintptr_t)p, end = a + size;

	/* DC ZVA zeroes a whole block per instruction, but only on normal memory: not with the MMU off. */
	if ((dczid & (1UL << 4)) || !(read_sysreg(sctlr_el2) & SCTLR_M) || !IS_ALIGNED(a | size, block)) {
		memset(p, 0, size);
		return;
	}
	for (; a < end; a += block)
		__asm__ volatile("dc zva, %0" : : "r"(a) : "memory");
	dsb(ish);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Page-table entry contract of the fake arch. The encoding is checked
 * strictly: asking the level or address of an entry in a way a real walker
 * never should aborts the test, and the writes are watched for
 * break-before-make (a valid entry replaced by another valid one needs an
 * invalid entry and a TLB flush in between).
 */
#include <hv/string.h>
#include <stdio.h>
#include <stdlib.h>

#include <arch/fake.h>
#include <hv/arch/mm.h>
#include <hv/errno.h>
#include <hv/pgtable.h>

#define F_INVALID BIT(63)
#define F_TABLE BIT(62)
#define F_LEVEL_SHIFT 60
#define F_LEVEL_MASK (3ULL << F_LEVEL_SHIFT)
#define F_GUEST BIT(59)
#define F_PFN_SHIFT 8
#define F_PFN_MASK (((1ULL << 48) - 1) << F_PFN_SHIFT)
/* Protection bits, in an order no real arch uses. */
#define F_W BIT(0)
#define F_DEV BIT(1)
#define F_X BIT(2)
#define F_R BIT(3)
#define F_POISON 0xbadULL

unsigned long fake_tlb_flushes;
uint64_t fake_tlb_last_ia, fake_tlb_last_size;
unsigned long fake_pte_writes;
unsigned long fake_bbm_violations;
unsigned fake_host_ia_bits = 40;
int fake_pt_start_level = -1;

/* Entries made invalid since the last TLB flush: a valid write to one of them is too early. */
static pte_t *pending[8192];
static unsigned nr_pending;

static void __noreturn fake_bug(const char *what, pte_t pte, int level)
{
	fprintf(stderr, "fake arch: page-table walker bug: %s (pte %#llx, level %d)\n", what,
		(unsigned long long)pte, level);
	abort();
}

unsigned arch_host_ia_bits(void) { return fake_host_ia_bits; }

int arch_pt_start_level(enum pt_stage stage, unsigned ia_bits)
{
	(void)stage;
	if (ia_bits < 21 || ia_bits > 48)
		return -EINVAL;
	if (fake_pt_start_level >= 0)
		return fake_pt_start_level;
	/* One level per 9 bits above the page offset, the last level being 3. */
	return 4 - (int)((ia_bits - PAGE_SHIFT + 8) / 9);
}

bool arch_pte_valid(pte_t pte) { return !(pte & F_INVALID); }

bool arch_pte_is_table(pte_t pte, int level)
{
	if (level < 0 || level > 3)
		fake_bug("is_table at a bad level", pte, level);
	return level < 3 && arch_pte_valid(pte) && (pte & F_TABLE);
}

/* keel's own stage takes no 1 GiB blocks here, so both stages' block choices get exercised. */
bool arch_pt_leaf_ok(enum pt_stage stage, int level)
{
	return level <= 3 && level >= (stage == PT_STAGE_HYP ? 2 : 1);
}

pte_t arch_pte_invalid(void) { return F_INVALID | F_POISON; }

pte_t arch_pte_table(paddr_t next)
{
	if (!IS_ALIGNED(pa_addr(next), PAGE_SIZE) || !pa_addr(next))
		fake_bug("table at a bad address", pa_addr(next), -1);
	return F_TABLE | ((pa_addr(next) >> PAGE_SHIFT) << F_PFN_SHIFT);
}

pte_t arch_pte_leaf(enum pt_stage stage, int level, paddr_t pa, uint32_t prot)
{
	pte_t pte;

	if (!arch_pt_leaf_ok(stage, level))
		fake_bug("leaf where the arch allows none", pa_addr(pa), level);
	if (!IS_ALIGNED(pa_addr(pa), pt_level_size(level)))
		fake_bug("leaf address not aligned to its level", pa_addr(pa), level);
	pte = ((pa_addr(pa) >> PAGE_SHIFT) << F_PFN_SHIFT) | ((uint64_t)level << F_LEVEL_SHIFT);
	if (stage == PT_STAGE_GUEST)
		pte |= F_GUEST;
	if (prot & PT_PROT_R)
		pte |= F_R;
	if (prot & PT_PROT_W)
		pte |= F_W;
	if (prot & PT_PROT_X)
		pte |= F_X;
	if (prot & PT_PROT_DEV)
		pte |= F_DEV;
	return pte;
}

static void check_leaf(pte_t pte, int level)
{
	if (!arch_pte_valid(pte))
		fake_bug("decoding an invalid entry", pte, level);
	if (!(pte & F_TABLE) && (int)((pte & F_LEVEL_MASK) >> F_LEVEL_SHIFT) != level)
		fake_bug("leaf decoded at another level than it was made for", pte, level);
}

/* A table entry's next table is page aligned whatever level it is asked at. */
paddr_t arch_pte_addr(pte_t pte, int level)
{
	check_leaf(pte, level);
	return pa_init(((pte & F_PFN_MASK) >> F_PFN_SHIFT) << PAGE_SHIFT);
}

uint32_t arch_pte_prot(enum pt_stage stage, int level, pte_t pte)
{
	uint32_t prot = 0;

	check_leaf(pte, level);
	if (pte & F_TABLE)
		fake_bug("prot of a table entry", pte, level);
	if (!!(pte & F_GUEST) != (stage == PT_STAGE_GUEST))
		fake_bug("leaf decoded for another stage", pte, level);
	if (pte & F_R)
		prot |= PT_PROT_R;
	if (pte & F_W)
		prot |= PT_PROT_W;
	if (pte & F_X)
		prot |= PT_PROT_X;
	if (pte & F_DEV)
		prot |= PT_PROT_DEV;
	return prot;
}

void arch_pte_write(pte_t *ptep, pte_t pte)
{
	pte_t old = *ptep;
	unsigned i;

	fake_pte_writes++;
	if (arch_pte_valid(old) && arch_pte_valid(pte) && old != pte)
		fake_bbm_violations++;
	if (arch_pte_valid(pte)) {
		for (i = 0; i < nr_pending; i++)
			if (pending[i] == ptep)
				fake_bbm_violations++;
	} else if (arch_pte_valid(old)) {
		if (nr_pending == ARRAY_SIZE(pending))
			fake_bug("too many entries invalidated without a TLB flush", pte, -1);
		pending[nr_pending++] = ptep;
	}
	*ptep = pte;
}

void arch_pt_tlb_flush(const struct pgtable *pt, uint64_t ia, uint64_t size)
{
	if (!pt || !size || !IS_ALIGNED(ia | size, PAGE_SIZE))
		fake_bug("TLB flush of a bad range", ia, -1);
	fake_tlb_flushes++;
	fake_tlb_last_ia = ia;
	fake_tlb_last_size = size;
	nr_pending = 0;
}

unsigned fake_tlb_pending(void) { return nr_pending; }

void arch_zero_pages(void *p, size_t size)
{
	memset(p, 0, size);
}

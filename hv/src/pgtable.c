// SPDX-License-Identifier: GPL-2.0
/*
 * Arch-neutral radix page tables over the PTE contract of hv/arch/mm.h.
 *
 * Rules kept here for every arch:
 *  - a valid entry is never overwritten by another valid one: it is made
 *    invalid, the TLB flushed, then the new entry written (break-before-make);
 *  - a block that is only partly changed is replaced by a table built off to
 *    the side (equivalent leaves for the unchanged part, the change already
 *    applied), installed with one break-before-make; so a failed allocation
 *    leaves the old block intact;
 *  - a table is freed only after the entry pointing to it was invalidated
 *    and the TLB flushed.
 * Callers serialize operations on one pgtable (e.g. under its VM's lock).
 */
#include <hv/errno.h>
#include <hv/memcache.h>
#include <hv/page_alloc.h>
#include <hv/pgtable.h>
#include <hv/printf.h>

struct pt_op {
	struct pgtable *pt;
	bool unmap;
	uint64_t delta; /* pa = ia + delta (mod 2^64) */
	uint32_t prot;
};

static unsigned pt_index(uint64_t ia, int level)
{
	return (ia >> (PAGE_SHIFT + 9 * (3 - level))) & (PT_ENTRIES - 1);
}

/* A table entry's next table is page aligned whatever the level, so decode it as at the page level. */
static pte_t *next_table(pte_t pte)
{
	return pa_to_ptr(arch_pte_addr(pte, PT_LEVELS - 1));
}

/* 2^order tables side by side (order 0: one), all entries invalid; from the memcache if it has one (order 0). */
static pte_t *tables_alloc(struct pgtable *pt, unsigned order)
{
	pte_t *t = pt->mc ? (order ? NULL : memcache_pop(pt->mc)) : page_alloc(order);
	size_t i;

	if (!t)
		return NULL;
	/* Not visible to any walker yet: plain stores. */
	for (i = 0; i < ((size_t)PT_ENTRIES << order); i++)
		t[i] = arch_pte_invalid();
	pt->nr_tables += 1u << order;
	return t;
}

static pte_t *table_alloc(struct pgtable *pt) { return tables_alloc(pt, 0); }

static void table_put(struct pgtable *pt, pte_t *t)
{
	if (pt->mc)
		memcache_push(pt->mc, t);
	else
		page_free(t, 0);
}

/* An entry of the software-only root over concatenated tables: never replaced, never freed. */
static bool pinned_entry(const struct pgtable *pt, int level)
{
	return level == pt->start_level && pt->root != pt->hw_root;
}

/* Free a table and every table below it. Nothing may point to it any more. */
static void table_free(struct pgtable *pt, pte_t *t, int level)
{
	unsigned i;

	for (i = 0; i < PT_ENTRIES; i++)
		if (arch_pte_is_table(t[i], level))
			table_free(pt, next_table(t[i]), level + 1);
	table_put(pt, t);
	HV_ASSERT(pt->nr_tables > 0);
	pt->nr_tables--;
}

static bool table_empty(const pte_t *t)
{
	unsigned i;

	for (i = 0; i < PT_ENTRIES; i++)
		if (arch_pte_valid(t[i]))
			return false;
	return true;
}

/* Break-before-make on one valid entry covering [ia, ia + size). new may be invalid. */
static void replace_entry(struct pgtable *pt, pte_t *ptep, pte_t new, uint64_t ia, uint64_t size)
{
	arch_pte_write(ptep, arch_pte_invalid());
	arch_pt_tlb_flush(pt, ia, size);
	if (arch_pte_valid(new))
		arch_pte_write(ptep, new);
}

static int walk(const struct pt_op *op, pte_t *table, int level, uint64_t ia, uint64_t end);

/*
 * Replace the block *ptep (covering [base, base + level size)) by a table
 * mapping the same except that op is applied to [ia, end).
 */
static int split_block(const struct pt_op *op, pte_t *ptep, int level, uint64_t base, uint64_t ia,
		       uint64_t end)
{
	struct pgtable *pt = op->pt;
	uint64_t lend = base + pt_level_size(level);
	pte_t old = *ptep;
	struct pt_op keep = {
		.pt = pt,
		.delta = pa_addr(arch_pte_addr(old, level)) - base,
		.prot = arch_pte_prot(pt->stage, level, old),
	};
	pte_t *t = table_alloc(pt);
	int ret = 0;

	if (!t)
		return -ENOMEM;
	/* t is not live: these walks only fill invalid entries, no flush needed. */
	if (ia > base)
		ret = walk(&keep, t, level + 1, base, ia);
	if (!ret && end < lend)
		ret = walk(&keep, t, level + 1, end, lend);
	if (!ret && !op->unmap)
		ret = walk(op, t, level + 1, ia, end);
	if (ret) {
		table_free(pt, t, level + 1);
		return ret;
	}
	replace_entry(pt, ptep, arch_pte_table(ptr_to_pa(t)), base, lend - base);
	return 0;
}

/* Map [ia, end) where *ptep is invalid: build the table first, then make it visible. */
static int new_table(const struct pt_op *op, pte_t *ptep, int level, uint64_t ia, uint64_t end)
{
	pte_t *t = table_alloc(op->pt);
	int ret;

	if (!t)
		return -ENOMEM;
	ret = walk(op, t, level + 1, ia, end);
	if (ret) {
		table_free(op->pt, t, level + 1);
		return ret;
	}
	arch_pte_write(ptep, arch_pte_table(ptr_to_pa(t)));
	return 0;
}

/*
 * Apply op to [ia, end), which lies within table (at level). Leaves replaced
 * by leaves are batched: all made invalid, one flush, then all rewritten.
 */
static int walk(const struct pt_op *op, pte_t *table, int level, uint64_t ia, uint64_t end)
{
	struct pgtable *pt = op->pt;
	uint64_t lsize = pt_level_size(level);
	uint64_t tbase = ALIGN_DOWN(ia, lsize * PT_ENTRIES);
	uint64_t flush_lo = UINT64_MAX, flush_hi = 0, a, next;
	uint64_t rewrite[PT_ENTRIES / 64] = { 0 };
	unsigned i, w;
	int ret = 0;

	for (a = ia; a < end; a = next) {
		uint64_t base = ALIGN_DOWN(a, lsize), pa = a + op->delta;
		unsigned idx = pt_index(a, level);
		pte_t *ptep = &table[idx], old = *ptep;
		bool full;

		next = MIN(end, base + lsize);
		full = a == base && next == base + lsize;

		if (arch_pte_is_table(old, level)) {
			pte_t *sub = next_table(old);

			if (full && !pinned_entry(pt, level) &&
			    (op->unmap || (IS_ALIGNED(pa, lsize) && arch_pt_leaf_ok(pt->stage, level)))) {
				/* The whole table goes: replaced by one leaf, or by nothing. */
				replace_entry(pt, ptep,
					      op->unmap ? arch_pte_invalid() :
							  arch_pte_leaf(pt->stage, level, pa_init(pa), op->prot),
					      base, lsize);
				table_free(pt, sub, level + 1);
				continue;
			}
			ret = walk(op, sub, level + 1, a, next);
			if (ret)
				break;
			if (op->unmap && !pinned_entry(pt, level) && table_empty(sub)) {
				replace_entry(pt, ptep, arch_pte_invalid(), base, lsize);
				table_free(pt, sub, level + 1);
			}
			continue;
		}

		if (op->unmap) {
			if (!arch_pte_valid(old))
				continue;
			if (!full) {
				ret = split_block(op, ptep, level, base, a, next);
				if (ret)
					break;
				continue;
			}
			arch_pte_write(ptep, arch_pte_invalid());
			flush_lo = MIN(flush_lo, base);
			flush_hi = MAX(flush_hi, base + lsize);
			continue;
		}

		if (full && IS_ALIGNED(pa, lsize) && arch_pt_leaf_ok(pt->stage, level)) {
			pte_t new = arch_pte_leaf(pt->stage, level, pa_init(pa), op->prot);

			if (!arch_pte_valid(old)) {
				arch_pte_write(ptep, new);
			} else if (old != new) {
				arch_pte_write(ptep, arch_pte_invalid());
				flush_lo = MIN(flush_lo, base);
				flush_hi = MAX(flush_hi, base + lsize);
				rewrite[idx / 64] |= 1ULL << (idx % 64);
			}
			continue;
		}

		if (!arch_pte_valid(old)) {
			ret = new_table(op, ptep, level, a, next);
			if (ret)
				break;
			continue;
		}
		/* Part of a block: nothing to do if the block already maps it so. */
		if (pa_addr(arch_pte_addr(old, level)) + (a - base) == pa &&
		    arch_pte_prot(pt->stage, level, old) == op->prot)
			continue;
		ret = split_block(op, ptep, level, base, a, next);
		if (ret)
			break;
	}

	/* Even after an error: nothing may stay invalidated without a flush, or half replaced. */
	if (flush_hi > flush_lo)
		arch_pt_tlb_flush(pt, flush_lo, flush_hi - flush_lo);
	/* By set bit, not by entry: most walks (a page's fault) rewrite nothing, and 512 tests per level cost. */
	for (w = 0; w < PT_ENTRIES / 64; w++) {
		for (uint64_t bits = rewrite[w]; bits; bits &= bits - 1) {
			i = w * 64 + (unsigned)__builtin_ctzll(bits);
			arch_pte_write(&table[i], arch_pte_leaf(pt->stage, level,
								 pa_init(tbase + i * lsize + op->delta), op->prot));
		}
	}
	return ret;
}

static int check_range(const struct pgtable *pt, uint64_t ia, uint64_t size)
{
	if (!pt->root || !size || !IS_ALIGNED(ia | size, PAGE_SIZE))
		return -EINVAL;
	if (ia + size - 1 < ia || ia + size > (1ULL << pt->ia_bits))
		return -EINVAL;
	return 0;
}

#define PT_MAX_CONCAT_ORDER 4 /* VMSAv8: at most 16 concatenated tables */

int pgtable_root_order(enum pt_stage stage, unsigned ia_bits)
{
	int hw = arch_pt_start_level(stage, ia_bits);
	unsigned covered;

	if (hw < 0)
		return hw;
	/* The page level must take leaves; tables beyond one at the start level are concatenated. */
	if (hw >= PT_LEVELS || !arch_pt_leaf_ok(stage, PT_LEVELS - 1))
		return -EINVAL;
	covered = PAGE_SHIFT + 9u * (PT_LEVELS - hw);
	if (ia_bits <= covered)
		return 0;
	if (hw == 0 || ia_bits - covered > PT_MAX_CONCAT_ORDER)
		return -EINVAL;
	return (int)(ia_bits - covered);
}

/* Set pt up around hw_root (2^order tables, already all invalid): the software root if concatenated. */
static int pt_setup(struct pgtable *pt, enum pt_stage stage, unsigned ia_bits, uint16_t vmid, unsigned order)
{
	unsigned i;

	pt->hw_start_level = arch_pt_start_level(stage, ia_bits);
	pt->hw_root_order = order;
	pt->start_level = order ? pt->hw_start_level - 1 : pt->hw_start_level;
	pt->ia_bits = ia_bits;
	pt->stage = stage;
	pt->vmid = vmid;
	pt->root = pt->hw_root;
	if (order) {
		pt->root = table_alloc(pt);
		if (!pt->root)
			return -ENOMEM;
		for (i = 0; i < 1u << order; i++)
			pt->root[i] = arch_pte_table(ptr_to_pa(pt->hw_root + (size_t)i * PT_ENTRIES));
	}
	return 0;
}

int pgtable_init(struct pgtable *pt, enum pt_stage stage, unsigned ia_bits, uint16_t vmid)
{
	int order = pgtable_root_order(stage, ia_bits);

	pt->root = pt->hw_root = NULL;
	pt->nr_tables = 0;
	pt->mc = NULL;
	pt->own_hw_root = true;
	if (order < 0)
		return order;
	pt->hw_root = tables_alloc(pt, (unsigned)order);
	if (!pt->hw_root)
		return -ENOMEM;
	if (pt_setup(pt, stage, ia_bits, vmid, (unsigned)order)) {
		page_free(pt->hw_root, (unsigned)order);
		pt->hw_root = NULL;
		pt->nr_tables = 0;
		return -ENOMEM;
	}
	return 0;
}

int pgtable_init_guest(struct pgtable *pt, unsigned ia_bits, uint16_t vmid, struct memcache *mc, void *hw_root)
{
	int order = pgtable_root_order(PT_STAGE_GUEST, ia_bits);
	size_t i;

	pt->root = pt->hw_root = NULL;
	pt->nr_tables = 0;
	pt->mc = mc;
	pt->own_hw_root = false;
	if (order < 0)
		return order;
	pt->hw_root = hw_root;
	pt->nr_tables = 1u << order;
	for (i = 0; i < ((size_t)PT_ENTRIES << order); i++)
		pt->hw_root[i] = arch_pte_invalid();
	if (pt_setup(pt, PT_STAGE_GUEST, ia_bits, vmid, (unsigned)order)) {
		pt->hw_root = NULL;
		pt->nr_tables = 0;
		return -ENOMEM;
	}
	return 0;
}

void pgtable_destroy(struct pgtable *pt)
{
	unsigned i, j;

	if (!pt->root)
		return;
	if (pt->root != pt->hw_root) {
		for (i = 0; i < ((size_t)PT_ENTRIES << pt->hw_root_order); i++)
			if (arch_pte_is_table(pt->hw_root[i], pt->hw_start_level))
				table_free(pt, next_table(pt->hw_root[i]), pt->hw_start_level + 1);
		for (j = 0; j < PT_ENTRIES; j++) /* the software root: only its pinned entries */
			HV_ASSERT(j < 1u << pt->hw_root_order || !arch_pte_valid(pt->root[j]));
		table_put(pt, pt->root);
		pt->nr_tables--;
	} else {
		for (i = 0; i < PT_ENTRIES; i++)
			if (arch_pte_is_table(pt->root[i], pt->start_level))
				table_free(pt, next_table(pt->root[i]), pt->start_level + 1);
	}
	/* The hardware root: the pool's, or the caller's (pgtable_init_guest) to take back. */
	if (pt->own_hw_root)
		page_free(pt->hw_root, pt->hw_root_order);
	pt->nr_tables -= 1u << pt->hw_root_order;
	pt->root = pt->hw_root = NULL;
	HV_ASSERT(pt->nr_tables == 0);
}

int pgtable_map(struct pgtable *pt, uint64_t ia, paddr_t pa, uint64_t size, uint32_t prot)
{
	struct pt_op op = { .pt = pt, .delta = pa_addr(pa) - ia, .prot = prot };
	int ret = check_range(pt, ia, size);

	if (ret)
		return ret;
	if (!IS_ALIGNED(pa_addr(pa), PAGE_SIZE) || pa_addr(pa) + size - 1 < pa_addr(pa))
		return -EINVAL;
	return walk(&op, pt->root, pt->start_level, ia, ia + size);
}

int pgtable_unmap(struct pgtable *pt, uint64_t ia, uint64_t size)
{
	struct pt_op op = { .pt = pt, .unmap = true };
	int ret = check_range(pt, ia, size);

	if (ret)
		return ret;
	return walk(&op, pt->root, pt->start_level, ia, ia + size);
}

/*
 * Can table t (entries at level) become one block at level - 1: every entry
 * a leaf, one prot, addresses running on from a first aligned to the block?
 */
static bool table_foldable(const struct pgtable *pt, const pte_t *t, int level, paddr_t *pa, uint32_t *prot)
{
	uint64_t lsize = pt_level_size(level), first;
	unsigned i;

	if (!arch_pte_valid(t[0]) || arch_pte_is_table(t[0], level))
		return false;
	first = pa_addr(arch_pte_addr(t[0], level));
	*prot = arch_pte_prot(pt->stage, level, t[0]);
	if (!IS_ALIGNED(first, pt_level_size(level - 1)))
		return false;
	for (i = 1; i < PT_ENTRIES; i++)
		if (!arch_pte_valid(t[i]) || arch_pte_is_table(t[i], level) ||
		    pa_addr(arch_pte_addr(t[i], level)) != first + i * lsize ||
		    arch_pte_prot(pt->stage, level, t[i]) != *prot)
			return false;
	*pa = pa_init(first);
	return true;
}

void pgtable_coalesce(struct pgtable *pt, uint64_t ia)
{
	pte_t *path[PT_LEVELS]; /* path[l]: the entry at level l on the way to ia */
	int level, deepest = pt->start_level - 1;
	pte_t *t = pt->root;
	uint32_t prot;
	paddr_t pa;

	if (check_range(pt, ALIGN_DOWN(ia, PAGE_SIZE), PAGE_SIZE))
		return;
	for (level = pt->start_level; level < PT_LEVELS; level++) {
		path[level] = &t[pt_index(ia, level)];
		if (!arch_pte_is_table(*path[level], level))
			break;
		deepest = level;
		t = next_table(*path[level]);
	}
	/* From the deepest table up: the entry at deepest points at the table of level deepest + 1. */
	for (level = deepest; level >= pt->start_level; level--) {
		t = next_table(*path[level]);
		if (pinned_entry(pt, level) || !arch_pt_leaf_ok(pt->stage, level) ||
		    !table_foldable(pt, t, level + 1, &pa, &prot))
			break;
		replace_entry(pt, path[level], arch_pte_leaf(pt->stage, level, pa, prot),
			      ALIGN_DOWN(ia, pt_level_size(level)), pt_level_size(level));
		table_put(pt, t);
		HV_ASSERT(pt->nr_tables > 0);
		pt->nr_tables--;
	}
}

int pgtable_lookup(const struct pgtable *pt, uint64_t ia, paddr_t *pa, uint32_t *prot, int *level)
{
	const pte_t *t = pt->root;
	int l;

	if (!t || ia >= (1ULL << pt->ia_bits))
		return -EINVAL;
	for (l = pt->start_level; l < PT_LEVELS; l++) {
		pte_t pte = t[pt_index(ia, l)];

		if (!arch_pte_valid(pte))
			return -ENOENT;
		if (arch_pte_is_table(pte, l)) {
			t = next_table(pte);
			continue;
		}
		if (pa)
			*pa = pa_add(arch_pte_addr(pte, l), ia & (pt_level_size(l) - 1));
		if (prot)
			*prot = arch_pte_prot(pt->stage, l, pte);
		if (level)
			*level = l;
		return 0;
	}
	hv_panic("pgtable_lookup: table entry at the page level\n");
}

static void count_leaves(const pte_t *t, int level, size_t counts[PT_LEVELS])
{
	unsigned i;

	for (i = 0; i < PT_ENTRIES; i++) {
		if (arch_pte_is_table(t[i], level))
			count_leaves(next_table(t[i]), level + 1, counts);
		else if (arch_pte_valid(t[i]))
			counts[level]++;
	}
}

void pgtable_count_leaves(const struct pgtable *pt, size_t counts[PT_LEVELS])
{
	int l;

	for (l = 0; l < PT_LEVELS; l++)
		counts[l] = 0;
	if (pt->root)
		count_leaves(pt->root, pt->start_level, counts);
}

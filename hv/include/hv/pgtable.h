/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An arch-neutral radix page-table builder used for keel's own mapping and
 * for every stage-2 (host and guests). Maps with the largest blocks the
 * arch allows for the range's alignment and splits blocks when a part of
 * one is changed. Tables come from the page pool, or a VM's memcache.
 */
#ifndef HV_PGTABLE_H
#define HV_PGTABLE_H

#include <hv/arch/mm.h>
#include <hv/types.h>

struct memcache;

#define PT_LEVELS 4
#define PT_ENTRIES 512

/*
 * root/start_level is where walks start. When the hardware starts a level lower with concatenated
 * tables (arm64: a 40-bit stage 2 on a CPU with less than 44 bits of PA starts at level 1 with two
 * tables side by side), root is a software-only table one level up whose first entries point at
 * them: the walker needs no special case, and those entries are never replaced or freed. The
 * hardware is given hw_root/hw_start_level.
 */
struct pgtable {
	pte_t *root;
	int start_level;
	pte_t *hw_root;
	int hw_start_level;
	unsigned hw_root_order; /* hw_root is 2^order pages (concatenated tables) */
	unsigned ia_bits;
	enum pt_stage stage;
	uint16_t vmid;         /* for TLB maintenance of guest stages */
	size_t nr_tables;      /* tables currently allocated, root included */
	struct memcache *mc;   /* tables come from (and go back to) here; NULL: keel's page pool */
	bool own_hw_root;      /* hw_root is the pool's (else the caller's: pgtable_init_guest) */
};

/* Bytes covered by one entry at a level. */
static inline uint64_t pt_level_size(int level) { return 1ULL << (PAGE_SHIFT + 9 * (3 - level)); }

/* The first level a table needs for ia_bits of input (each level resolves 9 bits above the page offset). */
static inline int pt_start_level_for(unsigned ia_bits)
{
	return ia_bits > 39 ? 0 : ia_bits > 30 ? 1 : 2;
}

/*
 * ia_bits of input from the arch's start level (arch_pt_start_level); more bits than one table
 * there resolves take up to 16 concatenated tables.
 */
int pgtable_init(struct pgtable *pt, enum pt_stage stage, unsigned ia_bits, uint16_t vmid);
/* log2 of the tables the hardware root of such a pgtable has side by side (0: one), or -EINVAL. */
int pgtable_root_order(enum pt_stage stage, unsigned ia_bits);
/*
 * A guest stage 2 whose tables come from mc, with hw_root (2^pgtable_root_order
 * pages, aligned to their size) given by the caller, who takes it back after
 * pgtable_destroy. -EINVAL ia_bits, -ENOMEM mc empty (a software root).
 */
int pgtable_init_guest(struct pgtable *pt, unsigned ia_bits, uint16_t vmid, struct memcache *mc, void *hw_root);
/* Free every table. The pgtable must no longer be in use by any CPU. */
void pgtable_destroy(struct pgtable *pt);
/*
 * Map [ia, ia + size) to [pa, pa + size) with prot, replacing whatever was
 * there. Page aligned; -EINVAL for bad arguments or outside ia_bits,
 * -ENOMEM when tables run out (the range may then be partly mapped).
 */
int pgtable_map(struct pgtable *pt, uint64_t ia, paddr_t pa, uint64_t size, uint32_t prot);
/* Remove [ia, ia + size), splitting blocks that straddle its ends. */
int pgtable_unmap(struct pgtable *pt, uint64_t ia, uint64_t size);
/*
 * Fold the tables on the way to ia back into blocks, bottom up, where every
 * entry of a table maps on from the last with one prot (what pgtable_map
 * would have made of the range): an unmap's split undone once its pages
 * are mapped again.
 */
void pgtable_coalesce(struct pgtable *pt, uint64_t ia);
/* Translate one address; -ENOENT if unmapped. level (may be NULL) gets the leaf's level. */
int pgtable_lookup(const struct pgtable *pt, uint64_t ia, paddr_t *pa, uint32_t *prot, int *level);
/* Count leaves per level (for tests and statistics). */
void pgtable_count_leaves(const struct pgtable *pt, size_t counts[PT_LEVELS]);

#endif

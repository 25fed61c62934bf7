/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Arch contract: the page-table entry format. The radix walker in
 * hv/src/pgtable.c is arch-neutral (4 KiB granule, 512 entries a table,
 * levels 0..3 with level 3 the page level); each arch says how an entry is
 * encoded. Stage PT_STAGE_HYP is keel's own translation, PT_STAGE_GUEST is
 * the second stage keel imposes on the host and on each guest.
 */
#ifndef HV_ARCH_MM_H
#define HV_ARCH_MM_H

#include <hv/types.h>
#include <arch/mm.h> /* pte_t */

enum pt_stage { PT_STAGE_HYP, PT_STAGE_GUEST };

/* Arch-neutral protection bits for a leaf. */
#define PT_PROT_R BIT(0)
#define PT_PROT_W BIT(1)
#define PT_PROT_X BIT(2)
#define PT_PROT_DEV BIT(3) /* device memory: uncached, no speculation */
#define PT_PROT_RWX (PT_PROT_R | PT_PROT_W | PT_PROT_X)

struct pgtable;

/* Physical address bits the host's identity stage-2 must cover (capped by what the stage supports). */
unsigned arch_host_ia_bits(void);

/* First level of a table that translates ia_bits of input address (-EINVAL if unsupported). */
int arch_pt_start_level(enum pt_stage stage, unsigned ia_bits);
bool arch_pte_valid(pte_t pte);
/* A valid entry at a level above 3 that points to the next table. */
bool arch_pte_is_table(pte_t pte, int level);
/* May a leaf (block or page) live at this level? */
bool arch_pt_leaf_ok(enum pt_stage stage, int level);
pte_t arch_pte_invalid(void);
pte_t arch_pte_table(paddr_t next);
pte_t arch_pte_leaf(enum pt_stage stage, int level, paddr_t pa, uint32_t prot);
paddr_t arch_pte_addr(pte_t pte, int level);
uint32_t arch_pte_prot(enum pt_stage stage, int level, pte_t pte);
/* Store an entry so that the table walker sees it (barriers included). */
void arch_pte_write(pte_t *ptep, pte_t pte);
/* Zero size bytes at p (page aligned, whole pages), as fast as the CPU can. */
void arch_zero_pages(void *p, size_t size);
/* Invalidate TLB entries for [ia, ia + size) translated by pt, after a valid entry was removed. */
void arch_pt_tlb_flush(const struct pgtable *pt, uint64_t ia, uint64_t size);

#endif

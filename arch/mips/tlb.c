// SPDX-License-Identifier: GPL-2.0
/*
 * keel's own translation on MIPS. keel's code and static data run in KSEG0
 * (unmapped), but the core treats a physical address as a pointer
 * (pa_to_ptr() is a cast on every arch), so keel's memory, the page pool
 * included, must also be reachable at VA = PA. keel maps it so with wired
 * TLB entries in xuseg: global, cached, never replaced by TLBWR. The
 * aliases of the image (KSEG0 and xuseg) share a cache colour since both
 * VAs equal the PA in their low 32 bits.
 */
#include <arch/mips.h>
#include <hv/errno.h>

#define ENTRYLO_G BIT(0)
#define ENTRYLO_V BIT(1)
#define ENTRYLO_D BIT(2)
#define ENTRYLO_C_WB (3ULL << 3) /* cacheable, noncoherent, write-back */
#define TLB_KEEP_FREE 16         /* entries left for a future refill handler */

unsigned mips_tlb_entries(void)
{
	return ((read_c0_32(CP0_CONFIG1) >> 25) & 0x3f) + 1;
}

static uint64_t entrylo(uint64_t pa)
{
	return (pa >> 12) << 6 | ENTRYLO_C_WB | ENTRYLO_D | ENTRYLO_V | ENTRYLO_G;
}

static void tlb_write(unsigned idx, uint64_t hi, uint64_t lo0, uint64_t lo1, uint64_t mask)
{
	write_c0_32(CP0_INDEX, idx);
	write_c0(CP0_ENTRYHI, hi);
	write_c0(CP0_ENTRYLO0, lo0);
	write_c0(CP0_ENTRYLO1, lo1);
	write_c0(CP0_PAGEMASK, mask);
	__asm__ volatile("tlbwi\n\tehb" ::: "memory");
}

/* An entry no access can hit: a distinct KSEG0 VPN per index (KSEG0 is never translated). */
static void tlb_invalidate(unsigned idx)
{
	tlb_write(idx, KSEG0 + ((uint64_t)idx << 13), 0, 0, 0);
}

void mips_tlb_flush_nonwired(void)
{
	unsigned n = mips_tlb_entries();

	for (unsigned i = read_c0_32(CP0_WIRED); i < n; i++)
		tlb_invalidate(i);
}

/*
 * Cover [base, end) with as few entries as possible. An entry maps an
 * aligned pair of pages (even, odd) of one size 4^k * 4 KiB; either half
 * may be invalid, but the pair's whole range still matches lookups, so the
 * pairs of different entries must never overlap (overlap is a machine
 * check). Hence: take the largest size whose pair starts at or after what
 * is already covered and whose halves inside [base, end) are wholly in it.
 */
int mips_tlb_identity(uint64_t base, uint64_t end)
{
	unsigned n = mips_tlb_entries(), idx = 0;
	uint64_t a = base, covered = 0;

	if (!IS_ALIGNED(base, PAGE_SIZE) || !IS_ALIGNED(end, PAGE_SIZE) || end <= base)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		tlb_invalidate(i);
	while (a < end) {
		uint64_t s, pair, lo0 = ENTRYLO_G, lo1 = ENTRYLO_G;

		for (s = 256ULL << 20; s > PAGE_SIZE; s >>= 2) {
			pair = ALIGN_DOWN(a, 2 * s);
			if (IS_ALIGNED(a, s) && pair >= covered &&
			    (end >= pair + 2 * s || (a == pair && end == pair + s)))
				break;
		}
		pair = ALIGN_DOWN(a, 2 * s);
		if (idx + TLB_KEEP_FREE >= n)
			return -ENOSPC;
		if (a == pair)
			lo0 = entrylo(a);
		if (end >= pair + 2 * s)
			lo1 = entrylo(pair + s);
		tlb_write(idx++, pair, lo0, lo1, (s / PAGE_SIZE - 1) << 13);
		covered = pair + 2 * s;
		a = MIN(end, covered);
	}
	write_c0_32(CP0_WIRED, idx);
	return idx;
}

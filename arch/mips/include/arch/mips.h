/* SPDX-License-Identifier: GPL-2.0 */
/* Declarations shared by the MIPS files of keel (not part of the arch contract). */
#ifndef ARCH_MIPS_MIPS_H
#define ARCH_MIPS_MIPS_H

#include <hv/types.h>

/* CP0 registers as (register, select) */
#define CP0_INDEX 0, 0
#define CP0_ENTRYLO0 2, 0
#define CP0_ENTRYLO1 3, 0
#define CP0_PAGEMASK 5, 0
#define CP0_WIRED 6, 0
#define CP0_BADVADDR 8, 0
#define CP0_ENTRYHI 10, 0
#define CP0_STATUS 12, 0
#define CP0_CAUSE 13, 0
#define CP0_EPC 14, 0
#define CP0_PRID 15, 0
#define CP0_EBASE 15, 1
#define CP0_CONFIG 16, 0
#define CP0_CONFIG1 16, 1
#define CP0_CONFIG2 16, 2
#define CP0_CONFIG3 16, 3
#define CP0_CONFIG4 16, 4
#define CP0_CONFIG5 16, 5
#define CP0_ERROREPC 30, 0

#define __c0_str(r, s) "$" #r ", " #s
#define c0_str(...) __c0_str(__VA_ARGS__)
/* 64-bit CP0 access (dmfc0/dmtc0); 32-bit registers read sign-extended, which is what we want. */
#define read_c0(rs) ({ uint64_t __v; __asm__ volatile("dmfc0 %0, " c0_str(rs) : "=r"(__v)); __v; })
#define write_c0(rs, v) __asm__ volatile("dmtc0 %0, " c0_str(rs) "\n\tehb" : : "r"((uint64_t)(v)) : "memory")
#define read_c0_32(rs) ({ uint32_t __v; __asm__ volatile("mfc0 %0, " c0_str(rs) : "=r"(__v)); __v; })
#define write_c0_32(rs, v) __asm__ volatile("mtc0 %0, " c0_str(rs) "\n\tehb" : : "r"((uint32_t)(v)) : "memory")

#define ST_IE BIT(0)
#define ST_EXL BIT(1)
#define ST_ERL BIT(2)
#define ST_UX BIT(5)
#define ST_SX BIT(6)
#define ST_KX BIT(7)
#define ST_BEV BIT(22)

#define CONF_M BIT(31)
#define CONF3_VZ BIT(23)
#define CONF5_MI BIT(17)

/* KSEG0 (cached) and KSEG1 (uncached) windows onto the low 512 MiB of physical memory. */
#define KSEG0 0xffffffff80000000ULL
#define KSEG1 0xffffffffa0000000ULL
static inline uint64_t kseg0_to_pa(const void *p) { return (uintptr_t)p & 0x1fffffffULL; }
static inline volatile void *kseg1(uint64_t pa) { return (volatile void *)(uintptr_t)(KSEG1 | pa); }

static inline void mips_sync(void) { __asm__ volatile("sync" ::: "memory"); }

/* tlb.c */
unsigned mips_tlb_entries(void);
/* Map [base, end) 1:1 (VA = PA, cached) with wired TLB entries; returns entries used or -errno. */
int mips_tlb_identity(uint64_t base, uint64_t end);
/* Invalidate every TLB entry that is not wired. */
void mips_tlb_flush_nonwired(void);

/* traps.c */
void mips_traps_init(void);

/* head.S / linker script */
extern char __keel_start[], __keel_image_end[], __text_end[];

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hooks of the fake arch for host unit tests: what the "hardware" saw
 * (console output, TLB flushes, page-table writes) and a way to survive
 * arch_cpu_halt() (hv_panic) by longjmp.
 */
#ifndef ARCH_FAKE_H
#define ARCH_FAKE_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Everything written to the console since the last fake_console_reset(), NUL terminated. */
const char *fake_console_output(void);
void fake_console_reset(void);

/* arch_pt_tlb_flush() calls, and the range of the last one. */
extern unsigned long fake_tlb_flushes;
extern uint64_t fake_tlb_last_ia, fake_tlb_last_size;
/* arch_pte_write() calls, and writes that broke break-before-make (valid -> different valid
 * without an invalid entry and a TLB flush in between). */
extern unsigned long fake_pte_writes;
extern unsigned long fake_bbm_violations;
/* Entries made invalid and not yet followed by a TLB flush (0 after every pgtable call). */
unsigned fake_tlb_pending(void);

/* arch_system_off() calls. */
extern unsigned long fake_system_off_calls;
/* What arch_cpu_index() returns. */
extern unsigned fake_cpu;
/* When >= 0, arch_pt_start_level() answers this level (as arm64 does on a CPU whose PA size forbids
 * a level-0 stage 2), so pgtable_init() concatenates tables. -1: one level per 9 bits. */
extern int fake_pt_start_level;
/* What arch_host_ia_bits() returns. */
extern unsigned fake_host_ia_bits;

/*
 * arch_cpu_halt() longjmps here while fake_halt_armed is set (after
 * releasing every lock still held, as the halted CPU never will), and
 * aborts the test program otherwise.
 */
extern jmp_buf fake_halt_jmp;
extern volatile bool fake_halt_armed;
extern unsigned long fake_halts;

/* Number of fake spinlocks currently held (0 between operations). */
unsigned fake_locks_held(void);

/* Reset all counters above (not the console). */
void fake_reset_counters(void);

#endif

// SPDX-License-Identifier: GPL-2.0
/* MIPS exceptions: keel's own vectors (EBase), which report and stop. */
#include <arch/mips.h>
#include <hv/printf.h>

extern char mips_vectors[];

static const char *const exc_names[32] = {
	[0] = "interrupt", [1] = "TLB modified", [2] = "TLB load miss", [3] = "TLB store miss",
	[4] = "address error (load)", [5] = "address error (store)", [6] = "bus error (fetch)",
	[7] = "bus error (data)", [8] = "syscall", [9] = "breakpoint", [10] = "reserved instruction",
	[11] = "coprocessor unusable", [12] = "overflow", [13] = "trap", [15] = "FP",
	[19] = "TLB read-inhibit", [20] = "TLB execute-inhibit", [23] = "watch", [24] = "machine check",
	[27] = "guest exit (VZ)",
};

void mips_traps_init(void)
{
	/* EBase holds bits 29:12 of a KSEG0/KSEG1 address; the vectors are in KSEG0. */
	write_c0_32(CP0_EBASE, (uint32_t)(uintptr_t)mips_vectors);
	write_c0_32(CP0_STATUS, read_c0_32(CP0_STATUS) & ~ST_BEV);
}

void mips_trap(unsigned long vector, unsigned long sp, unsigned long ra);
void mips_trap(unsigned long vector, unsigned long sp, unsigned long ra)
{
	static const char *const vectors[] = { "TLB refill", "XTLB refill", "cache error", "general",
					       "interrupt" };
	uint32_t cause = read_c0_32(CP0_CAUSE);
	unsigned code = (cause >> 2) & 0x1f;

	hv_printf("\nkeel: mips64: unexpected exception at the %s vector: %s (Cause 0x%08x)\n",
		  vector < ARRAY_SIZE(vectors) ? vectors[vector] : "?",
		  exc_names[code] ? exc_names[code] : "reserved", cause);
	hv_printf("  epc %016llx  badvaddr %016llx  status %08x\n", (unsigned long long)read_c0(CP0_EPC),
		  (unsigned long long)read_c0(CP0_BADVADDR), read_c0_32(CP0_STATUS));
	hv_printf("  sp %016llx  ra %016llx\n", (unsigned long long)sp, (unsigned long long)ra);
	hv_panic("keel: mips64: stopped after an exception in keel\n");
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few instructions keel emulates for its host: a store to a page keel
 * write-protects (the local APIC's, apic.c). Plain C over the instruction
 * bytes: the host unit tests build it (tests/unit/test_x86_boot.c).
 */
#ifndef ARCH_X86_EMULATE_H
#define ARCH_X86_EMULATE_H

#include <hv/types.h>

/* General registers in the encoding's order (rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8..r15). */
enum { X86_RAX, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI, X86_RDI, X86_NR_GPRS = 16 };

struct x86_store {
	uint64_t value;   /* what is stored (zero-extended from size bytes) */
	unsigned size;    /* 1, 2, 4 or 8 bytes */
	unsigned len;     /* instruction length, to step over it */
	int xchg_reg;     /* XCHG: the register that gets the old value, else -1 */
};

/*
 * Decode the store at insn (n bytes fetched, up to 15) in 64-bit mode: MOV
 * r/m, reg (88/89), MOV r/m, imm (C6/C7 /0), XCHG (86/87), with REX and
 * operand-size prefixes. 0 and *out, or -EINVAL for anything else (the
 * caller reports it).
 */
int x86_decode_store(const uint8_t *insn, unsigned n, const uint64_t gprs[X86_NR_GPRS], struct x86_store *out);

#endif

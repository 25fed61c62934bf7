/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct x86_gprs (arch/svm.h) for the world-switch assembly (svm_entry.S,
 * vmx_entry.S): offsets, and the registers both load and store alike (RSI,
 * RDI and RAX each file handles itself: one of them holds the struct).
 */
#define G_RBX 0
#define G_RCX 8
#define G_RDX 16
#define G_RSI 24
#define G_RDI 32
#define G_RBP 40
#define G_R8 48
#define G_R9 56
#define G_R10 64
#define G_R11 72
#define G_R12 80
#define G_R13 88
#define G_R14 96
#define G_R15 104
#define G_RAX 112

	.macro	gprs_load base
	movq	G_RBX(\base), %rbx
	movq	G_RCX(\base), %rcx
	movq	G_RDX(\base), %rdx
	movq	G_RBP(\base), %rbp
	movq	G_R8(\base), %r8
	movq	G_R9(\base), %r9
	movq	G_R10(\base), %r10
	movq	G_R11(\base), %r11
	movq	G_R12(\base), %r12
	movq	G_R13(\base), %r13
	movq	G_R14(\base), %r14
	movq	G_R15(\base), %r15
	.endm

	.macro	gprs_store base
	movq	%rbx, G_RBX(\base)
	movq	%rcx, G_RCX(\base)
	movq	%rdx, G_RDX(\base)
	movq	%rbp, G_RBP(\base)
	movq	%r8, G_R8(\base)
	movq	%r9, G_R9(\base)
	movq	%r10, G_R10(\base)
	movq	%r11, G_R11(\base)
	movq	%r12, G_R12(\base)
	movq	%r13, G_R13(\base)
	movq	%r14, G_R14(\base)
	movq	%r15, G_R15(\base)
	.endm

/* keel's callee-saved registers around a world switch (the C caller expects them back). */
	.macro	callee_save
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	.endm

	.macro	callee_restore
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	.endm

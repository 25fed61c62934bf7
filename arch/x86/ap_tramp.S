/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The application processors' way into keel (smp.c copies this to
 * X86_TRAMP_BASE, below 1 MiB, and starts each AP there with INIT-SIPI-SIPI):
 * real mode -> protected mode -> long mode on keel's own page tables, then
 * x86_ap_entry(cpu index) on the stack smp.c left in tramp_stack. Position
 * dependent on X86_TRAMP_BASE: every address is computed from it.
 */
#define X86_TRAMP_BASE 0x8000
#define T(sym) (X86_TRAMP_BASE + (sym) - x86_tramp_start)
#include <arch/paging64.S.h>

	.section .rodata
	.balign	16
	.globl	x86_tramp_start, x86_tramp_end, x86_tramp_stack, x86_tramp_cpu, x86_tramp_efer
	.code16
x86_tramp_start:
	cli
	cld
	xorw	%ax, %ax
	movw	%ax, %ds
	lgdtl	T(tramp_gdt_ptr)
	movl	%cr0, %eax
	orl	$CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	$0x18, $T(pm32)

	.code32
pm32:
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	T(x86_tramp_efer), %edi		/* LME, and NXE as the boot CPU has it */
	paging_64 %edi
	ljmpl	$0x08, $T(lm64)

	.code64
lm64:
	movq	T(x86_tramp_stack), %rsp
	movl	T(x86_tramp_cpu), %edi
	movabsq	$x86_ap_entry, %rax
	jmp	*%rax

	.balign	8
tramp_gdt:
	.quad	0
	.quad	0x00af9a000000ffff		/* 0x08: 64-bit code, as keel's own GDT */
	.quad	0x00cf92000000ffff		/* 0x10: data */
	.quad	0x00cf9a000000ffff		/* 0x18: 32-bit code, for the way up */
tramp_gdt_ptr:
	.word	tramp_gdt_ptr - tramp_gdt - 1
	.long	T(tramp_gdt)
	.balign	8
x86_tramp_stack:
	.quad	0
x86_tramp_cpu:
	.long	0
x86_tramp_efer:
	.long	0
x86_tramp_end:

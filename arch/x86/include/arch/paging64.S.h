/* SPDX-License-Identifier: GPL-2.0 */
/*
 * For keel's x86 assembly (head.S for the boot CPU, ap_tramp.S for the
 * others): from 32-bit protected mode onto keel's boot page tables
 * (boot_pml4, the low 4 GiB 1:1) and into long mode's compatibility
 * submode; the caller's far jump to a 64-bit segment follows.
 */
#define CR0_PE (1 << 0)
#define CR0_NE (1 << 5) /* native FPU errors; VMX requires it */
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

/* PAE, CR3 = boot_pml4, EFER |= \efer (a register: LME, and NXE where the CPU has NX), paging on. Clobbers eax, ecx, edx. */
	.macro	paging_64 efer
	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$boot_pml4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	\efer, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$(CR0_PG | CR0_WP | CR0_NE | CR0_PE), %eax
	movl	%eax, %cr0
	.endm

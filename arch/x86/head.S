/* SPDX-License-Identifier: GPL-2.0 */
/*
 * keel's x86_64 entry. keel.elf carries two boot headers:
 *  - multiboot2, for GRUB ("multiboot2 /boot/keel.elf"), which loads the
 *    64-bit ELF by its program headers;
 *  - multiboot1 with the address fields, for QEMU's -kernel: QEMU refuses a
 *    64-bit ELF unless the header says where to load the file, and then
 *    copies it flat. The linker script keeps the loaded part contiguous in
 *    the file so the same keel.elf serves both.
 * Either loader enters _start in 32-bit protected mode, paging off, with
 * EAX = its magic and EBX = the physical address of its boot information.
 * We build an identity map of the low 4 GiB in 2 MiB pages, enter long mode
 * and call x86_boot(magic, info).
 */
#define STACK_SIZE 16384
#define MB1_MAGIC 0x1badb002
#define MB1_FLAGS 0x00010002 /* bit 1: memory info wanted; bit 16: address fields valid */
#define MB2_MAGIC 0xe85250d6
#define MB2_HEADER_LEN 24
#define COM1 0x3f8

#include <arch/paging64.S.h>
#define PTE_P_RW 0x3
#define PDE_2M (0x80 | PTE_P_RW)

	.section .text.head, "ax"
	.code32
	.balign 8
mb2_header:
	.long	MB2_MAGIC
	.long	0				/* architecture: i386 protected mode */
	.long	MB2_HEADER_LEN
	.long	0x100000000 - (MB2_MAGIC + MB2_HEADER_LEN)
	.short	0, 0				/* end tag */
	.long	8

	.balign 4
mb1_header:
	.long	MB1_MAGIC
	.long	MB1_FLAGS
	.long	0x100000000 - (MB1_MAGIC + MB1_FLAGS)
	.long	mb1_header			/* header_addr */
	.long	__keel_start			/* load_addr */
	.long	__load_end			/* load_end_addr */
	.long	__bss_end			/* bss_end_addr */
	.long	_start				/* entry_addr */

	.globl	_start
_start:
	cli
	cld
	movl	%eax, %ebp			/* loader magic */
	movl	%ebx, %esi			/* boot information */

	/* Clear BSS: the boot page tables and the stacks live there. */
	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	xorl	%eax, %eax
	rep stosb
	movl	$x86_stacks + STACK_SIZE, %esp

	movl	$0x80000000, %eax
	cpuid
	cmpl	$0x80000001, %eax
	jb	no_long_mode
	movl	$0x80000001, %eax
	cpuid
	btl	$29, %edx			/* LM */
	jnc	no_long_mode
	movl	%edx, %ebx			/* keep bit 20 (NX) for EFER below */

	/* PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 2 MiB pages. */
	movl	$boot_pdpt + PTE_P_RW, boot_pml4
	movl	$boot_pd + PTE_P_RW, %eax
	movl	$boot_pdpt, %edi
	movl	$4, %ecx
1:	movl	%eax, (%edi)
	addl	$4096, %eax
	addl	$8, %edi
	loop	1b
	/*
	 * All write-back as far as the page tables go: the firmware's MTRRs
	 * make the MMIO holes uncached (what Linux's early map relies on too).
	 */
	movl	$PDE_2M, %eax
	movl	$boot_pd, %edi
	movl	$2048, %ecx
1:	movl	%eax, (%edi)
	addl	$0x200000, %eax
	addl	$8, %edi
	loop	1b

	movl	$EFER_LME, %edi
	btl	$20, %ebx
	jnc	1f
	orl	$EFER_NXE, %edi			/* the page-table encoder uses XD only if NX exists */
1:	paging_64 %edi
	lgdt	gdt_ptr
	ljmp	$0x08, $long_mode

/* Not a 64-bit CPU: say so on COM1 and stop (no C runs in 32-bit mode). */
no_long_mode:
	movl	$msg_no_lm, %esi
1:	lodsb
	testb	%al, %al
	jz	2f
	movw	$COM1, %dx
	outb	%al, %dx
	jmp	1b
2:	cli
	hlt
	jmp	2b

	.code64
long_mode:
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	movq	$x86_stacks + STACK_SIZE, %rsp
	movl	%ebp, %edi			/* x86_boot(magic, info) */
	movl	%esi, %esi
	xorl	%ebp, %ebp
	call	x86_boot
	.globl	x86_halt_loop
x86_halt_loop:
	cli
	hlt
	jmp	x86_halt_loop

	.section .rodata
	.balign	8
gdt:
	.quad	0
	.quad	0x00af9a000000ffff		/* 0x08: 64-bit ring-0 code */
	.quad	0x00cf92000000ffff		/* 0x10: ring-0 data */
gdt_end:
	.balign	8
gdt_ptr:
	.word	gdt_end - gdt - 1
	.quad	gdt
msg_no_lm:
	.asciz	"\r\nkeel: boot failed: this CPU has no long mode (x86_64 required)\r\n"

	.section .bss
	.balign	4096
	.globl	boot_pml4
boot_pml4:
	.space	4096
boot_pdpt:
	.space	4096
boot_pd:
	.space	4 * 4096
	/* The boot CPU's stack (the others' come from the page pool, smp.c). */
	.balign	16
	.globl	x86_stacks
x86_stacks:
	.space	STACK_SIZE

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A boot loader for tests that enters keel as a loader that got it wrong
 * would: QEMU's -kernel starts this (multiboot1, 32-bit protected mode),
 * keel.bin sits at KEEL_BASE (QEMU's loader device, raw), and the stub
 * jumps to keel's entry (from keel's own multiboot1 header) with
 * EAX = ENTRY_EAX and EBX = an empty multiboot2 information block (the
 * end tag only: no memory map, no modules).
 */
#define MB1_MAGIC 0x1badb002
#define MB1_FLAGS 0

	.text
	.code32
	.balign	4
	.long	MB1_MAGIC, MB1_FLAGS, -(MB1_MAGIC + MB1_FLAGS)

	.globl	_start
_start:
	movl	$KEEL_BASE, %esi		/* keel's multiboot1 header: in its first 8 KiB */
1:	cmpl	$MB1_MAGIC, (%esi)
	je	2f
	addl	$4, %esi
	cmpl	$KEEL_BASE + 8192, %esi
	jb	1b
	hlt
2:	movl	28(%esi), %ecx			/* entry_addr */
	movl	$ENTRY_EAX, %eax
	movl	$info, %ebx
	jmp	*%ecx

	.balign	8
info:	.long	16, 0				/* total size, reserved */
	.long	0, 8				/* the end tag */

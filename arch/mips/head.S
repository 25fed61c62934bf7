/* SPDX-License-Identifier: GPL-2.0 */
/*
 * keel's MIPS64 entry. QEMU's Malta (-kernel keel.elf) loads the ELF at its
 * KSEG0 link address and enters _start from its YAMON-like boot stub with
 * a0 = argc, a1 = argv, a2 = envp (tables of 32-bit KSEG0 pointers),
 * a3 = size of the low RAM, Status.BEV set and ERL clear.
 */
#define STACK_SIZE 16384
#define EXC_STACK_SIZE 4096

	.set	noreorder
	.section .text.head, "ax"
	.globl	_start
_start:
	/* Kernel mode, EXL/ERL/IE off, 64-bit kernel/supervisor/user segments (keel's map is in xuseg). */
	mfc0	$t0, $12
	li	$t1, ~0x1f
	and	$t0, $t0, $t1
	ori	$t0, $t0, 0xe0
	mtc0	$t0, $12
	ehb

	dla	$sp, mips_stack + STACK_SIZE
	/* Clear BSS (page-aligned at both ends, so whole doublewords). */
	dla	$t0, __bss_start
	dla	$t1, __bss_end
1:	beq	$t0, $t1, 2f
	 nop
	sd	$zero, 0($t0)
	b	1b
	 daddiu	$t0, $t0, 8
2:
	jal	mips_boot		/* a0..a3 still hold what the loader passed */
	 nop
	.globl	mips_halt_loop
mips_halt_loop:
	di
	wait
	b	mips_halt_loop
	 nop

/*
 * Exception vectors, at EBase (Status.BEV = 0). keel takes no interrupts and
 * maps nothing lazily yet, so every exception is a bug: switch to a stack of
 * its own (the fault may be a bad sp) and report.
 */
	.section .text.vectors, "ax"
	.balign	4096
	.globl	mips_vectors
mips_vectors:
	.macro	vector id
	dla	$k0, exc_common
	jr	$k0
	 li	$k1, \id
	.endm
	vector	0			/* 0x000: TLB refill, 32-bit address */
	.org	0x080
	vector	1			/* 0x080: XTLB refill, 64-bit address */
	.org	0x100
	vector	2			/* 0x100: cache error */
	.org	0x180
	vector	3			/* 0x180: general exception */
	.org	0x200
	vector	4			/* 0x200: interrupt (Cause.IV) */

	.text
exc_common:
	move	$k0, $sp
	dla	$sp, mips_exc_stack + EXC_STACK_SIZE
	move	$a0, $k1		/* mips_trap(vector, sp, ra) */
	move	$a1, $k0
	jal	mips_trap
	 move	$a2, $ra
	b	mips_halt_loop
	 nop

	.section .bss
	.balign	16
mips_stack:
	.space	STACK_SIZE
mips_exc_stack:
	.space	EXC_STACK_SIZE

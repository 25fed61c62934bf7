/* SPDX-License-Identifier: GPL-2.0 */
/*
 * EL2 exception vectors. A trap from the host saves its general registers
 * in a struct trap_frame on keel's per-CPU stack, lets C decide, restores
 * (possibly changed) registers and returns. Any exception taken from EL2
 * itself is a keel bug: report and stop.
 */
#define FRAME_SIZE 256

.macro save_frame
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp, #16 * 0]
	stp	x2, x3, [sp, #16 * 1]
	stp	x4, x5, [sp, #16 * 2]
	stp	x6, x7, [sp, #16 * 3]
	stp	x8, x9, [sp, #16 * 4]
	stp	x10, x11, [sp, #16 * 5]
	stp	x12, x13, [sp, #16 * 6]
	stp	x14, x15, [sp, #16 * 7]
	stp	x16, x17, [sp, #16 * 8]
	stp	x18, x19, [sp, #16 * 9]
	stp	x20, x21, [sp, #16 * 10]
	stp	x22, x23, [sp, #16 * 11]
	stp	x24, x25, [sp, #16 * 12]
	stp	x26, x27, [sp, #16 * 13]
	stp	x28, x29, [sp, #16 * 14]
	str	x30, [sp, #16 * 15]
.endm

.macro restore_frame
	ldp	x0, x1, [sp, #16 * 0]
	ldp	x2, x3, [sp, #16 * 1]
	ldp	x4, x5, [sp, #16 * 2]
	ldp	x6, x7, [sp, #16 * 3]
	ldp	x8, x9, [sp, #16 * 4]
	ldp	x10, x11, [sp, #16 * 5]
	ldp	x12, x13, [sp, #16 * 6]
	ldp	x14, x15, [sp, #16 * 7]
	ldp	x16, x17, [sp, #16 * 8]
	ldp	x18, x19, [sp, #16 * 9]
	ldp	x20, x21, [sp, #16 * 10]
	ldp	x22, x23, [sp, #16 * 11]
	ldp	x24, x25, [sp, #16 * 12]
	ldp	x26, x27, [sp, #16 * 13]
	ldp	x28, x29, [sp, #16 * 14]
	ldr	x30, [sp, #16 * 15]
	add	sp, sp, #FRAME_SIZE
.endm

.macro bad_vector kind
	.balign	128
	save_frame
	mov	x0, #\kind
	mov	x1, sp
	b	arm64_hyp_panic
.endm

	.text
	.balign	2048
	.globl	arm64_vectors
arm64_vectors:
	bad_vector 0	/* EL2t sync */
	bad_vector 1	/* EL2t irq */
	bad_vector 2	/* EL2t fiq */
	bad_vector 3	/* EL2t serror */
	bad_vector 4	/* EL2h sync: keel faulted */
	bad_vector 5	/* EL2h irq */
	bad_vector 6	/* EL2h fiq */
	bad_vector 7	/* EL2h serror */

	.balign	128	/* lower EL, AArch64, synchronous: SMC, HVC, stage-2 aborts */
	save_frame
	mov	x0, sp
	bl	arm64_handle_host_sync
	restore_frame
	eret
	dsb	nsh
	isb

	bad_vector 9	/* lower EL irq: never routed to EL2 while the host runs */
	bad_vector 10	/* lower EL fiq */
	bad_vector 11	/* lower EL serror */
	bad_vector 12	/* AArch32 lower EL: keel's host is AArch64 (HCR_EL2.RW) */
	bad_vector 13
	bad_vector 14
	bad_vector 15

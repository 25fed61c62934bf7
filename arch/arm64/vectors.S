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

/*
 * Lower EL: the host, or a guest if this CPU runs one (struct arm64_cpu's
 * guest_regs is set only between ERET to the guest and its next trap).
 */
#define CPU_GUEST_REGS 40	/* offsetof(struct arm64_cpu, guest_regs), asserted in guest.c */

.macro to_guest_exit kind
	stp	x0, x1, [sp, #-16]!
	mrs	x0, tpidr_el2
	ldr	x0, [x0, #CPU_GUEST_REGS]
	cbz	x0, 1f
	mov	x1, #\kind
	b	arm64_guest_exit
1:	ldp	x0, x1, [sp], #16
.endm

.macro lower_vector kind, host
	.balign	128
	to_guest_exit \kind
	.ifc \host, sync
	b	host_sync
	.else
	save_frame
	mov	x0, #(\kind + 8)
	mov	x1, sp
	b	arm64_hyp_panic
	.endif
.endm

	lower_vector 0, sync	/* AArch64 sync: SMC, HVC, stage-2 aborts */
	lower_vector 1, bad	/* irq: host interrupts reach EL2 only while a guest runs */
	lower_vector 2, bad	/* fiq */
	lower_vector 3, bad	/* serror */
	lower_vector 0, bad	/* AArch32: keel's host is AArch64 (HCR_EL2.RW); a guest's EL0 may be AArch32 */
	lower_vector 1, bad
	lower_vector 2, bad
	lower_vector 3, bad

host_sync:
	save_frame
	mov	x0, sp
	bl	arm64_handle_host_sync
	restore_frame
	eret
	dsb	nsh
	isb

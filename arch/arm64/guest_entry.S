/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The general-register half of the world switch (the system registers are
 * switched in C, guest.c). arm64_guest_enter() keeps keel's callee-saved
 * registers on keel's stack, publishes the guest's register block in the
 * CPU's struct arm64_cpu (guest_regs: the vectors test it to tell a guest
 * trap from a host one), loads the guest's x0..x30 and ERETs (ELR_EL2 and
 * SPSR_EL2 already hold the guest's PC and PSTATE). A trap from the guest
 * comes back through arm64_guest_exit with SP where the ERET left it, and
 * returns to arm64_guest_enter's caller with the kind of exception.
 */
	.arch	armv8-a+fp+simd

#define CPU_GUEST_REGS 40	/* offsetof(struct arm64_cpu, guest_regs), asserted in guest.c */
#define ENTER_FRAME 112

	.text
/* unsigned arm64_guest_enter(uint64_t regs[31]): returns 0 sync, 1 irq, 2 fiq, 3 serror */
	.globl	arm64_guest_enter
arm64_guest_enter:
	sub	sp, sp, #ENTER_FRAME
	stp	x19, x20, [sp, #16 * 0]
	stp	x21, x22, [sp, #16 * 1]
	stp	x23, x24, [sp, #16 * 2]
	stp	x25, x26, [sp, #16 * 3]
	stp	x27, x28, [sp, #16 * 4]
	stp	x29, x30, [sp, #16 * 5]
	str	x18, [sp, #16 * 6]
	mrs	x1, tpidr_el2
	str	x0, [x1, #CPU_GUEST_REGS]
	ldp	x2, x3, [x0, #16 * 1]
	ldp	x4, x5, [x0, #16 * 2]
	ldp	x6, x7, [x0, #16 * 3]
	ldp	x8, x9, [x0, #16 * 4]
	ldp	x10, x11, [x0, #16 * 5]
	ldp	x12, x13, [x0, #16 * 6]
	ldp	x14, x15, [x0, #16 * 7]
	ldp	x16, x17, [x0, #16 * 8]
	ldp	x18, x19, [x0, #16 * 9]
	ldp	x20, x21, [x0, #16 * 10]
	ldp	x22, x23, [x0, #16 * 11]
	ldp	x24, x25, [x0, #16 * 12]
	ldp	x26, x27, [x0, #16 * 13]
	ldp	x28, x29, [x0, #16 * 14]
	ldr	x30, [x0, #16 * 15]
	ldp	x0, x1, [x0, #16 * 0]
	eret
	dsb	nsh
	isb

/*
 * From the vectors: x0 = the guest's register block, x1 = exception kind,
 * the guest's x0 and x1 pushed on the stack.
 */
	.globl	arm64_guest_exit
arm64_guest_exit:
	stp	x2, x3, [x0, #16 * 1]
	stp	x4, x5, [x0, #16 * 2]
	stp	x6, x7, [x0, #16 * 3]
	stp	x8, x9, [x0, #16 * 4]
	stp	x10, x11, [x0, #16 * 5]
	stp	x12, x13, [x0, #16 * 6]
	stp	x14, x15, [x0, #16 * 7]
	stp	x16, x17, [x0, #16 * 8]
	stp	x18, x19, [x0, #16 * 9]
	stp	x20, x21, [x0, #16 * 10]
	stp	x22, x23, [x0, #16 * 11]
	stp	x24, x25, [x0, #16 * 12]
	stp	x26, x27, [x0, #16 * 13]
	stp	x28, x29, [x0, #16 * 14]
	str	x30, [x0, #16 * 15]
	ldp	x2, x3, [sp], #16
	stp	x2, x3, [x0, #16 * 0]
	mrs	x2, tpidr_el2
	str	xzr, [x2, #CPU_GUEST_REGS]
	mov	x0, x1
	ldp	x19, x20, [sp, #16 * 0]
	ldp	x21, x22, [sp, #16 * 1]
	ldp	x23, x24, [sp, #16 * 2]
	ldp	x25, x26, [sp, #16 * 3]
	ldp	x27, x28, [sp, #16 * 4]
	ldp	x29, x30, [sp, #16 * 5]
	ldr	x18, [sp, #16 * 6]
	add	sp, sp, #ENTER_FRAME
	ret

/*
 * FP/SIMD state as struct keel_vcpu_ctx lays it out: V0..V31 (low, high),
 * then FPSR, FPCR. keel itself is built general-regs-only, so these are the
 * only places that touch the registers.
 */
	.globl	arm64_fpsimd_save
arm64_fpsimd_save:
	stp	q0, q1, [x0, #32 * 0]
	stp	q2, q3, [x0, #32 * 1]
	stp	q4, q5, [x0, #32 * 2]
	stp	q6, q7, [x0, #32 * 3]
	stp	q8, q9, [x0, #32 * 4]
	stp	q10, q11, [x0, #32 * 5]
	stp	q12, q13, [x0, #32 * 6]
	stp	q14, q15, [x0, #32 * 7]
	stp	q16, q17, [x0, #32 * 8]
	stp	q18, q19, [x0, #32 * 9]
	stp	q20, q21, [x0, #32 * 10]
	stp	q22, q23, [x0, #32 * 11]
	stp	q24, q25, [x0, #32 * 12]
	stp	q26, q27, [x0, #32 * 13]
	stp	q28, q29, [x0, #32 * 14]
	stp	q30, q31, [x0, #32 * 15]
	mrs	x1, fpsr
	mrs	x2, fpcr
	add	x0, x0, #32 * 16
	stp	x1, x2, [x0]
	ret

	.globl	arm64_fpsimd_load
arm64_fpsimd_load:
	ldp	q0, q1, [x0, #32 * 0]
	ldp	q2, q3, [x0, #32 * 1]
	ldp	q4, q5, [x0, #32 * 2]
	ldp	q6, q7, [x0, #32 * 3]
	ldp	q8, q9, [x0, #32 * 4]
	ldp	q10, q11, [x0, #32 * 5]
	ldp	q12, q13, [x0, #32 * 6]
	ldp	q14, q15, [x0, #32 * 7]
	ldp	q16, q17, [x0, #32 * 8]
	ldp	q18, q19, [x0, #32 * 9]
	ldp	q20, q21, [x0, #32 * 10]
	ldp	q22, q23, [x0, #32 * 11]
	ldp	q24, q25, [x0, #32 * 12]
	ldp	q26, q27, [x0, #32 * 13]
	ldp	q28, q29, [x0, #32 * 14]
	ldp	q30, q31, [x0, #32 * 15]
	add	x0, x0, #32 * 16
	ldp	x1, x2, [x0]
	msr	fpsr, x1
	msr	fpcr, x2
	ret

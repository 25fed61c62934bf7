/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exception entry stubs (vectors 0-31). keel takes no interrupts yet, so
 * every exception is a bug in keel: the stubs build a struct x86_trap_frame
 * on the current stack and call x86_trap(), which reports and halts.
 */
	.text

/* Vectors for which the CPU pushes an error code. */
#define HAS_ERR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

	.macro	stub v
	.balign	16
	.if	!HAS_ERR(\v)
	pushq	$0
	.endif
	pushq	$\v
	jmp	trap_common
	.endm

	.balign	16
	.globl	x86_trap_stubs
x86_trap_stubs:
	.irp	v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	stub	\v
	.endr

trap_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, %rdi
	movq	%rsp, %rbx			/* the frame, callee-saved across the call */
	andq	$-16, %rsp
	call	x86_trap			/* returns only for a fault keel expected (x86_msr_safe) */
	movq	%rbx, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp			/* vector, error code */
	iretq

/*
 * int x86_msr_safe(uint32_t msr, uint64_t *val, int write): RDMSR or WRMSR
 * for the host, 0 or -1 when the CPU refused it (#GP: x86_trap resumes at
 * msr_fault). Under VMX an MSR outside the bitmap's ranges always exits.
 */
	.globl	x86_msr_safe, x86_msr_insn_rd, x86_msr_insn_wr, x86_msr_fault
x86_msr_safe:
	movl	%edi, %ecx
	testl	%edx, %edx
	jnz	1f
x86_msr_insn_rd:
	rdmsr
	shlq	$32, %rdx
	movl	%eax, %eax
	orq	%rdx, %rax
	movq	%rax, (%rsi)
	xorl	%eax, %eax
	ret
1:	movl	(%rsi), %eax
	movl	4(%rsi), %edx
x86_msr_insn_wr:
	wrmsr
	xorl	%eax, %eax
	ret
x86_msr_fault:
	movl	$-1, %eax
	ret

/*
 * An NMI that reaches keel: under SVM only where keel lets it (GIF set for
 * a moment in svm.c); under VMX whenever it meets a CPU in VMX root. It is
 * a wake-up or a request keel looks for afterwards, or (VMX) the host's,
 * which keel gives back: x86_nmi_note() counts it for this CPU.
 */
	.globl	x86_nmi_entry
x86_nmi_entry:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	cld
	call	x86_nmi_note
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rax
	iretq

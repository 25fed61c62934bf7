/* SPDX-License-Identifier: GPL-2.0 */
/*
 * void svm_vmrun(uint64_t vmcb_pa, struct x86_gprs *g)
 * VMRUN saves and restores only RAX, RSP, RIP and the state in the VMCB:
 * keel's callee-saved registers go on its stack, the guest's general
 * registers are loaded from g before VMRUN and stored back after #VMEXIT.
 * GIF is 0 from #VMEXIT until the next VMRUN sets it: keel handles exits
 * with the host's interrupts held (they reach the host at its next entry).
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

	.text
	.globl	svm_vmrun
svm_vmrun:
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushq	%rsi			/* g, for after the exit */
	movq	%rdi, %rax		/* VMRUN takes the VMCB's address in RAX */
	movq	G_RBX(%rsi), %rbx
	movq	G_RCX(%rsi), %rcx
	movq	G_RDX(%rsi), %rdx
	movq	G_RDI(%rsi), %rdi
	movq	G_RBP(%rsi), %rbp
	movq	G_R8(%rsi), %r8
	movq	G_R9(%rsi), %r9
	movq	G_R10(%rsi), %r10
	movq	G_R11(%rsi), %r11
	movq	G_R12(%rsi), %r12
	movq	G_R13(%rsi), %r13
	movq	G_R14(%rsi), %r14
	movq	G_R15(%rsi), %r15
	movq	G_RSI(%rsi), %rsi
	clgi
	vmrun	%rax
	/* #VMEXIT: RAX and RSP are keel's again, GIF is 0. */
	pushq	%rsi
	movq	8(%rsp), %rsi		/* g */
	popq	G_RSI(%rsi)
	movq	%rbx, G_RBX(%rsi)
	movq	%rcx, G_RCX(%rsi)
	movq	%rdx, G_RDX(%rsi)
	movq	%rdi, G_RDI(%rsi)
	movq	%rbp, G_RBP(%rsi)
	movq	%r8, G_R8(%rsi)
	movq	%r9, G_R9(%rsi)
	movq	%r10, G_R10(%rsi)
	movq	%r11, G_R11(%rsi)
	movq	%r12, G_R12(%rsi)
	movq	%r13, G_R13(%rsi)
	movq	%r14, G_R14(%rsi)
	movq	%r15, G_R15(%rsi)
	popq	%rsi
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	ret

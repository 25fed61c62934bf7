/* SPDX-License-Identifier: GPL-2.0 */
/*
 * int vmx_enter(struct x86_gprs *g, int launched)
 * Enter the guest of the current VMCS with the general registers in g
 * (VMLAUNCH the first time, VMRESUME after), and come back here at its next
 * VM exit (HOST_RIP = vmx_exit_point, HOST_RSP = the stack at entry). Returns 0
 * after a VM exit, 1 if the entry itself failed (VM_INSTRUCTION_ERROR says why).
 * RSP and RIP of the guest live in the VMCS; RAX is in g here (unlike SVM).
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
#define G_RAX 112
#define HOST_RSP 0x6c14

	.text
	.globl	vmx_enter
vmx_enter:
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushq	%rdi			/* g, for after the exit */
	movl	$HOST_RSP, %eax
	vmwrite	%rsp, %rax
	testl	%esi, %esi
	movq	G_RBX(%rdi), %rbx
	movq	G_RCX(%rdi), %rcx
	movq	G_RDX(%rdi), %rdx
	movq	G_RSI(%rdi), %rsi
	movq	G_RBP(%rdi), %rbp
	movq	G_R8(%rdi), %r8
	movq	G_R9(%rdi), %r9
	movq	G_R10(%rdi), %r10
	movq	G_R11(%rdi), %r11
	movq	G_R12(%rdi), %r12
	movq	G_R13(%rdi), %r13
	movq	G_R14(%rdi), %r14
	movq	G_R15(%rdi), %r15
	movq	G_RAX(%rdi), %rax
	movq	G_RDI(%rdi), %rdi	/* last: the flags of the test above are still live */
	jnz	1f
	vmlaunch
	jmp	2f
1:	vmresume
2:	/* The entry failed: nothing of the guest ran. */
	popq	%rdi
	movl	$1, %eax
	jmp	3f

	.globl	vmx_exit_point
vmx_exit_point:
	pushq	%rdi
	movq	8(%rsp), %rdi		/* g */
	popq	G_RDI(%rdi)
	movq	%rax, G_RAX(%rdi)
	movq	%rbx, G_RBX(%rdi)
	movq	%rcx, G_RCX(%rdi)
	movq	%rdx, G_RDX(%rdi)
	movq	%rsi, G_RSI(%rdi)
	movq	%rbp, G_RBP(%rdi)
	movq	%r8, G_R8(%rdi)
	movq	%r9, G_R9(%rdi)
	movq	%r10, G_R10(%rdi)
	movq	%r11, G_R11(%rdi)
	movq	%r12, G_R12(%rdi)
	movq	%r13, G_R13(%rdi)
	movq	%r14, G_R14(%rdi)
	movq	%r15, G_R15(%rdi)
	popq	%rdi
	xorl	%eax, %eax
3:	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	ret

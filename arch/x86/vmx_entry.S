/* SPDX-License-Identifier: GPL-2.0 */
/*
 * int vmx_enter(struct x86_gprs *g, int launched)
 * Enter the guest of the current VMCS with the general registers in g
 * (VMLAUNCH the first time, VMRESUME after), and come back here at its next
 * VM exit (HOST_RIP = vmx_exit_point, HOST_RSP = the stack at entry). Returns 0
 * after a VM exit, 1 if the entry itself failed (VM_INSTRUCTION_ERROR says why).
 * RSP and RIP of the guest live in the VMCS; RAX is in g here (unlike SVM).
 */
#include <arch/gprs.S.h>
#define HOST_RSP 0x6c14

	.text
	.globl	vmx_enter
vmx_enter:
	callee_save
	pushq	%rdi			/* g, for after the exit */
	movl	$HOST_RSP, %eax
	vmwrite	%rsp, %rax
	testl	%esi, %esi
	gprs_load %rdi
	movq	G_RSI(%rdi), %rsi
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
	movq	%rsi, G_RSI(%rdi)
	gprs_store %rdi
	popq	%rdi
	xorl	%eax, %eax
3:	callee_restore
	ret

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * void svm_vmrun(uint64_t vmcb_pa, struct x86_gprs *g)
 * VMRUN saves and restores only RAX, RSP, RIP and the state in the VMCB:
 * keel's callee-saved registers go on its stack, the guest's general
 * registers are loaded from g before VMRUN and stored back after #VMEXIT.
 * GIF is 0 from #VMEXIT until the next VMRUN sets it: keel handles exits
 * with the host's interrupts held (they reach the host at its next entry).
 */
#include <arch/gprs.S.h>

	.text
	.globl	svm_vmrun
svm_vmrun:
	callee_save
	pushq	%rsi			/* g, for after the exit */
	movq	%rdi, %rax		/* VMRUN takes the VMCB's address in RAX */
	gprs_load %rsi
	movq	G_RDI(%rsi), %rdi
	movq	G_RSI(%rsi), %rsi
	clgi
	vmrun	%rax
	/* #VMEXIT: RAX and RSP are keel's again, GIF is 0. */
	pushq	%rsi
	movq	8(%rsp), %rsi		/* g */
	popq	G_RSI(%rsi)
	movq	%rdi, G_RDI(%rsi)
	gprs_store %rsi
	popq	%rsi
	callee_restore
	ret

// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SET_GUEST_DEBUG on arm64 (arch/arm64/kvm/guest.c, debug.c,
 * handle_exit.c of Linux 6.1): the host's debugging of a guest, which keel
 * carries out from ctx.debug_ctrl and ctx.dbg_ext (arch/arm64/debug.c),
 * and the KVM_EXIT_DEBUG exits it brings. The guest's own debug registers
 * need nothing here: keel arms them while the guest has debug on.
 */
#include <linux/kernel.h>
#include <linux/kvm.h>
#include <linux/uaccess.h>

#include <asm/esr.h>

#include "shim.h"

#define KEEL_GUESTDBG_VALID (KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP | KVM_GUESTDBG_USE_HW | \
			     KVM_GUESTDBG_SINGLESTEP)
#define KEEL_PSR_SS (1UL << 21) /* DBG_SPSR_SS */

/* kvm_arch_vcpu_ioctl_set_guest_debug() */
long keel_vcpu_set_guest_debug(struct keel_vcpu *vcpu, void __user *argp)
{
	struct kvm_guest_debug dbg;
	struct keel_vcpu_ctx *c = vcpu->ctx;
	unsigned int n;

	if (copy_from_user(&dbg, argp, sizeof(dbg)))
		return -EFAULT;
	if (dbg.control & ~KEEL_GUESTDBG_VALID)
		return -EINVAL;
	if (!(dbg.control & KVM_GUESTDBG_ENABLE)) {
		vcpu->arch.debug.control = 0;
		vcpu->arch.debug.ss_pending = false;
		return 0;
	}
	vcpu->arch.debug.control = dbg.control;
	if (dbg.control & KVM_GUESTDBG_USE_HW) {
		for (n = 0; n < KVM_ARM_MAX_DBG_REGS; n++) {
			c->dbg_ext[KEEL_DBG_BVR][n] = dbg.arch.dbg_bvr[n];
			c->dbg_ext[KEEL_DBG_BCR][n] = dbg.arch.dbg_bcr[n];
			c->dbg_ext[KEEL_DBG_WVR][n] = dbg.arch.dbg_wvr[n];
			c->dbg_ext[KEEL_DBG_WCR][n] = dbg.arch.dbg_wcr[n];
		}
	}
	return 0;
}

/*
 * Before an entry (kvm_arm_setup_debug()): what keel arms, and PSTATE.SS
 * for a step, unless the last one is still pending (the software step state
 * machine's active-pending state: the step exception comes first).
 */
void keel_debug_enter(struct keel_vcpu *vcpu)
{
	struct keel_vcpu_ctx *c = vcpu->ctx;
	u64 ctl = vcpu->arch.debug.control;

	c->debug_ctrl = (ctl ? KEEL_DEBUG_ENABLE : 0) | (ctl & KVM_GUESTDBG_SINGLESTEP ? KEEL_DEBUG_SSTEP : 0) |
			(ctl & KVM_GUESTDBG_USE_HW ? KEEL_DEBUG_HW : 0);
	if (!(ctl & KVM_GUESTDBG_SINGLESTEP))
		return;
	vcpu->arch.debug.pstate_ss = c->pstate & KEEL_PSR_SS;
	if (vcpu->arch.debug.ss_pending)
		c->pstate &= ~KEEL_PSR_SS;
	else
		c->pstate |= KEEL_PSR_SS;
}

/* After an exit (kvm_arm_clear_debug()): the guest's own PSTATE.SS back; a step not taken yet is pending. */
void keel_debug_exited(struct keel_vcpu *vcpu)
{
	struct keel_vcpu_ctx *c = vcpu->ctx;

	if (!(vcpu->arch.debug.control & KVM_GUESTDBG_SINGLESTEP))
		return;
	if (!(c->pstate & KEEL_PSR_SS))
		vcpu->arch.debug.ss_pending = true;
	c->pstate = (c->pstate & ~KEEL_PSR_SS) | (vcpu->arch.debug.pstate_ss ? KEEL_PSR_SS : 0);
}

/* KEEL_EXIT_DEBUG (kvm_handle_guest_debug()): to userspace with the syndrome. */
long keel_exit_debug(struct keel_vcpu *vcpu)
{
	struct keel_vcpu_ctx *c = vcpu->ctx;
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_DEBUG;
	run->debug.arch.hsr = lower_32_bits(c->exit.esr);
	run->debug.arch.hsr_high = upper_32_bits(c->exit.esr);
	run->debug.arch.far = 0;
	run->flags = KVM_DEBUG_ARCH_HSR_HIGH_VALID;
	switch (ESR_ELx_EC(c->exit.esr)) {
	case ESR_ELx_EC_WATCHPT_LOW:
		run->debug.arch.far = c->exit.far;
		break;
	case ESR_ELx_EC_SOFTSTP_LOW:
		vcpu->arch.debug.ss_pending = false;
		break;
	}
	return 1;
}

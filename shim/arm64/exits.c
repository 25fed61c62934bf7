// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_RUN on arm64: what the shim does around each entry into keel (the
 * timers, the interrupt lines and requests in the context page) and the
 * exits that are arm64's to handle (arch/arm64/kvm/{arm,handle_exit,mmio}.c
 * in Linux 6.1). The generic loop is vcpu.c's.
 */
#define pr_fmt(fmt) "keel-kvm: " fmt

#include <linux/hrtimer.h>
#include <linux/kvm_host.h>
#include <linux/sched/signal.h>
#include <linux/sched/stat.h>

#include <asm/arch_timer.h>
#include <asm/esr.h>

#include "shim.h"

/* kvm_vcpu_dabt_iss_nisv_sanitized(): ESR CM | WnR | FSC */
#define KEEL_NISV_ISS_MASK ((1UL << 8) | (1UL << 6) | 0x3fUL)

/* kvm_handle_mmio_return(): the access QEMU just emulated; vcpu->mutex held. */
static void keel_complete_mmio(struct keel_vcpu *vcpu)
{
	struct keel_vcpu_ctx *c = vcpu->ctx;
	struct kvm_run *run = vcpu->run;
	unsigned int len = c->exit.mmio.len;
	u64 data = 0;

	vcpu->arch.mmio_pending = false;
	/* A write moves only the PC and PSTATE; a read writes its register, in a page made complete first. */
	if (!c->exit.mmio.is_write) {
		keel_vcpu_sync(vcpu);
		vcpu->arch.state_kept = false;
		memcpy(&data, run->mmio.data, min_t(unsigned int, len, 8)); /* little-endian guest */
		if (c->exit.mmio.sign_extend && len < 8) {
			u64 mask = 1ULL << (len * 8 - 1);

			data = (data ^ mask) - mask;
		}
		if (!c->exit.mmio.sixty_four)
			data &= 0xffffffff;
		if (c->exit.mmio.reg < 31)
			c->regs[c->exit.mmio.reg] = data;
	}
	/*
	 * kvm_incr_pc(). keel never steps past an access it hands out as MMIO:
	 * the shim alone does, when it completes the access, by the ABI's rule.
	 */
	keel_ctx_skip_insn(c, c->exit.esr);
}

/*
 * After a brief exit (KEEL_IN_EXIT_BRIEF) the context page lacks the
 * registers keel kept: have them written there before anything reads or
 * changes them (the exits that need them, MMIO reads, any vCPU ioctl but
 * KVM_RUN). The exits the kernel completes without them (an ioeventfd
 * write, a stage-2 fault, a host interrupt, a kick, WFI), MMIO writes and
 * signals that reach userspace and back never call this.
 */
void keel_vcpu_sync(struct keel_vcpu *vcpu)
{
	struct keel_res res;
	long r;

	if (!vcpu->arch.ctx_brief)
		return;
	r = keel_hvc4(KEEL_HC_VCPU_SYNC, vcpu->vm->handle, vcpu->vcpu_id, page_to_phys(vcpu->ctx_page), 0, &res);
	/* Only a broken keel fails here; the next VCPU_RUN then fails too, rather than run on a stale page. */
	WARN_ONCE(r, "keel-kvm: VCPU_SYNC of vCPU %u failed: %ld\n", vcpu->vcpu_id, r);
	if (!r)
		vcpu->arch.ctx_brief = false;
}

long keel_arch_vcpu_run_begin(struct keel_vcpu *vcpu)
{
	if (vcpu->arch.target == -1)
		return -ENOEXEC;
	/*
	 * kvm_vgic_map_resources(): an in-kernel GIC is complete before anything
	 * runs; then kvm_timer_enable(), kvm_arm_pmu_v3_enable().
	 */
	{
		long r = keel_vgic_run_check(vcpu->vm);

		if (!r)
			r = keel_timer_enable(vcpu);
		if (!r)
			r = keel_pmu_run_check(vcpu);
		if (r)
			return r;
	}
	/* kvm_arch_vcpu_run_pid_change() (HAS_RAN_ONCE): from now on the firmware bitmaps and PMU filter are fixed. */
	if (!READ_ONCE(vcpu->vm->has_run)) {
		mutex_lock(&vcpu->vm->lock);
		WRITE_ONCE(vcpu->vm->has_run, true);
		mutex_unlock(&vcpu->vm->lock);
	}
	/* The access QEMU emulated is completed first, even with immediate_exit. */
	if (vcpu->run->exit_reason == KVM_EXIT_MMIO && vcpu->arch.mmio_pending)
		keel_complete_mmio(vcpu);
	return 0;
}

/* After every KVM_RUN: the timer levels userspace sees (none before KVM_ARM_VCPU_INIT). */
void keel_arch_vcpu_run_end(struct keel_vcpu *vcpu)
{
	if (vcpu->arch.target != -1 && !keel_vgic_created(vcpu->vm))
		keel_timer_update_run(vcpu);
}

long keel_arch_vcpu_before_enter(struct keel_vcpu *vcpu)
{
	/* kvm_vcpu_exit_request(): the timer levels userspace knows are stale (no in-kernel GIC to take them). */
	if (!keel_vgic_created(vcpu->vm) && keel_timer_levels(vcpu) != keel_timer_reported(vcpu))
		return 1;
	keel_vcpu_update_stolen_time(vcpu);
	return 0;
}

void keel_arch_vcpu_load(struct keel_vcpu *vcpu)
{
	struct keel_vcpu_ctx *c = vcpu->ctx;

	if (!keel_vgic_created(vcpu->vm))
		keel_vtimer_mask(keel_timer_reported(vcpu) & KVM_ARM_DEV_EL1_VTIMER);
	/* The emulated physical timer interrupts no guest by itself: a soft timer kicks it out. */
	vcpu->arch.ptimer_armed = (c->cntp_ctl & (ARCH_TIMER_CTRL_ENABLE | ARCH_TIMER_CTRL_IT_MASK)) ==
				  ARCH_TIMER_CTRL_ENABLE;
	if (vcpu->arch.ptimer_armed)
		keel_bg_timer_start(vcpu, keel_timer_ns(c->cntp_ctl, keel_cntpct(), c->cntp_cval));
}

/* Interrupts off, in_guest published: the lines are read after it (pairs with keel_vcpu_kick()). */
void keel_arch_vcpu_enter(struct keel_vcpu *vcpu)
{
	struct keel_vcpu_ctx *c = vcpu->ctx;
	bool kept = vcpu->arch.state_kept && !vcpu->arch.config_dirty && !vcpu->arch.debug.control;

	if (!kept)
		keel_vcpu_sync(vcpu); /* keel takes the whole page: it must be complete */
	/* Brief exits unless the guest is debugged (the step's PSTATE handling takes the full path). */
	c->in_flags = (c->in_flags & ~(KEEL_IN_VIRQ | KEEL_IN_VFIQ | KEEL_IN_SYSTEM_SUSPEND | KEEL_IN_CONFIG_KEPT |
				       KEEL_IN_STATE_KEPT | KEEL_IN_EXIT_BRIEF | KEEL_IN_TRAP_WFE)) |
		      KEEL_IN_HOST_CALLS | (vcpu->arch.config_dirty ? 0 : KEEL_IN_CONFIG_KEPT) |
		      (kept ? KEEL_IN_STATE_KEPT : 0) | (vcpu->arch.debug.control ? 0 : KEEL_IN_EXIT_BRIEF) |
		      /* kvm_arch_vcpu_load(): WFE traps while this CPU has other tasks (vcpu_set_wfx_traps()) */
		      (single_task_running() ? 0 : KEEL_IN_TRAP_WFE) |
		      READ_ONCE(vcpu->arch.irq_lines) |
		      (READ_ONCE(vcpu->vm->arch.system_suspend) ? KEEL_IN_SYSTEM_SUSPEND : 0);
	c->cntvoff = READ_ONCE(vcpu->vm->arch.cntvoff);
	c->psci_version = keel_psci_version(vcpu);
	if (keel_vgic_created(vcpu->vm)) {
		/*
		 * keel's vGIC takes the virtual timer's PPI and holds it active on
		 * this CPU itself while the guest has it; it wants it unmasked at
		 * entry. keel does the halt polling of a WFI, for this long.
		 */
		keel_vtimer_mask(false);
		c->halt_poll_ns = keel_vcpu_halt_poll_ns(vcpu);
	} else {
		c->halt_poll_ns = 0;
	}
	keel_pmu_enter(vcpu);
	vcpu->arch.hvc_before = c->stat.hvc;
	vcpu->arch.halt_polls_before = c->stat.halt_polls;
	keel_debug_enter(vcpu);
}

void keel_arch_vcpu_put(struct keel_vcpu *vcpu)
{
	if (vcpu->arch.ptimer_armed)
		hrtimer_try_to_cancel(&vcpu->arch.bg_timer);
}

void keel_arch_vcpu_exited(struct keel_vcpu *vcpu)
{
	u64 reason = vcpu->ctx->exit.reason;

	vcpu->arch.config_dirty = false; /* keel holds the ID and debug registers as the page has them */
	vcpu->arch.ctx_brief = vcpu->ctx->in_flags & KEEL_IN_EXIT_BRIEF;
	/*
	 * Exits whose handling leaves the guest's state alone (an ioeventfd write says so itself; a
	 * stage-2 fault at most asks for an abort, which keel takes with the run's inputs). The others
	 * read or write registers: the page is made complete first.
	 */
	vcpu->arch.state_kept = reason == KEEL_EXIT_IRQ || reason == KEEL_EXIT_WFI || reason == KEEL_EXIT_WFE ||
				reason == KEEL_EXIT_KICK || reason == KEEL_EXIT_EOI || reason == KEEL_EXIT_MEM_FAULT;
	if (!vcpu->arch.state_kept && reason != KEEL_EXIT_MMIO)
		keel_vcpu_sync(vcpu);
	keel_debug_exited(vcpu);
	keel_vstat_add(vcpu, KEEL_VSTAT_HVC, vcpu->ctx->stat.hvc - vcpu->arch.hvc_before);
	/* halts keel's polling at EL2 ended without an exit: attempted and successful polls, as KVM counts them */
	if (unlikely(vcpu->ctx->stat.halt_polls != vcpu->arch.halt_polls_before)) {
		u64 n = vcpu->ctx->stat.halt_polls - vcpu->arch.halt_polls_before;

		keel_vstat_add(vcpu, KEEL_VSTAT_HALT_ATTEMPTED_POLL, n);
		keel_vstat_add(vcpu, KEEL_VSTAT_HALT_SUCCESSFUL_POLL, n);
	}
	if (unlikely(!list_empty(&vcpu->vm->resamplers)))
		keel_vgic_eois(vcpu);
	if (unlikely(READ_ONCE(vcpu->vm->arch.its)))
		keel_its_retry(vcpu->vm);
}

u64 keel_arch_vcpu_pc(struct keel_vcpu *vcpu)
{
	return vcpu->ctx->pc;
}

/* ---- exits ------------------------------------------------------------------------------------ */

static long keel_exit_hypercall(struct keel_vcpu *vcpu)
{
	keel_vcpu_hypercall(vcpu);
	return 0;
}

static long keel_exit_mem_fault(struct keel_vcpu *vcpu)
{
	struct keel_vcpu_ctx *c = vcpu->ctx;
	long r;

	/* kvm_is_write_fault(): a permission fault of a table walk is a write (HW AF/DBM). */
	r = keel_vm_fault_in(vcpu->vm, c->exit.ipa,
			     ESR_ELx_EC(c->exit.esr) == ESR_ELx_EC_DABT_LOW &&
				     (c->exit.esr & ESR_ELx_FSC_TYPE) == ESR_ELx_FSC_PERM);
	if (r < 0)
		return r;
	if (!r) {
		/* Fetching or walking tables outside guest memory: an external abort (KVM's too). */
		c->in_flags |= ESR_ELx_EC(c->exit.esr) == ESR_ELx_EC_IABT_LOW ? KEEL_IN_INJECT_IABT : KEEL_IN_INJECT_DABT;
		c->in_far = c->exit.far;
	}
	return 0;
}

static long keel_exit_mmio(struct keel_vcpu *vcpu)
{
	struct keel_vcpu_ctx *c = vcpu->ctx;
	struct kvm_run *run = vcpu->run;
	long r;

	r = keel_vm_mmio_fault_in(vcpu, c->exit.ipa, c->exit.mmio.is_write);
	if (r > 0)
		vcpu->arch.state_kept = true; /* guest memory, now mapped: the access runs again */
	if (r)
		return r > 0 ? 0 : r;
	/* The ITS's frames (vgic_its.c): the access done in the kernel, as KVM's in-kernel io devices. */
	if (READ_ONCE(vcpu->vm->arch.its) &&
	    keel_its_mmio(vcpu->vm, c->exit.mmio.addr, c->exit.mmio.len, c->exit.mmio.is_write, &c->exit.mmio.data)) {
		keel_vstat_add(vcpu, KEEL_VSTAT_MMIO_KERNEL, 1);
		if (c->exit.mmio.is_write) {
			keel_ctx_skip_insn(c, c->exit.esr);
			vcpu->arch.state_kept = true;
		} else {
			memcpy(run->mmio.data, &c->exit.mmio.data, sizeof(run->mmio.data));
			keel_complete_mmio(vcpu);
		}
		return 0;
	}
	/* io_mem_abort(): a write an ioeventfd takes is complete here, without userspace (eventfd.c). */
	if (c->exit.mmio.is_write &&
	    keel_ioeventfd_write(vcpu->vm, c->exit.mmio.addr, c->exit.mmio.len, c->exit.mmio.data)) {
		keel_vstat_add(vcpu, KEEL_VSTAT_MMIO_KERNEL, 1);
		keel_ctx_skip_insn(c, c->exit.esr);
		vcpu->arch.state_kept = true; /* only the PC and PSTATE moved */
		return 0;
	}
	keel_vstat_add(vcpu, KEEL_VSTAT_MMIO_USER, 1);
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = c->exit.mmio.addr;
	run->mmio.len = c->exit.mmio.len;
	run->mmio.is_write = c->exit.mmio.is_write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (c->exit.mmio.is_write)
		memcpy(run->mmio.data, &c->exit.mmio.data, min_t(u32, c->exit.mmio.len, 8));
	vcpu->arch.mmio_pending = true;
	/* Nothing moved yet: a read's completion clears this, as does any other vCPU ioctl meanwhile. */
	vcpu->arch.state_kept = true;
	return 1;
}

static long keel_exit_mmio_nisv(struct keel_vcpu *vcpu)
{
	struct keel_vcpu_ctx *c = vcpu->ctx;
	struct kvm_run *run = vcpu->run;
	long r;

	r = keel_vm_fault_in(vcpu->vm, c->exit.ipa, c->exit.esr & ESR_ELx_WNR);
	if (r)
		return r > 0 ? 0 : r;
	if (vcpu->vm->arch.nisv_to_user) {
		run->exit_reason = KVM_EXIT_ARM_NISV;
		run->arm_nisv.esr_iss = c->exit.esr & KEEL_NISV_ISS_MASK;
		run->arm_nisv.fault_ipa = c->exit.ipa;
		return 1;
	}
	/*
	 * No instruction syndrome to emulate from, and the VMM did not ask for these
	 * exits: io_mem_abort() in KVM 6.1 fails KVM_RUN with -ENOSYS (the guest stays
	 * on the instruction, so running it again gives the same).
	 */
	pr_warn_ratelimited("vCPU %u: data abort outside memslots with no valid syndrome info at IPA 0x%llx\n",
			    vcpu->vcpu_id, (unsigned long long)c->exit.ipa);
	return -ENOSYS;
}

/* Halt (kvm_vcpu_halt: poll, then block) until the guest has an interrupt due, a kick or a signal. */
static long keel_exit_wfi(struct keel_vcpu *vcpu)
{
	struct keel_vcpu_ctx *c = vcpu->ctx;
	u64 now;

	keel_vstat_add(vcpu, KEEL_VSTAT_WFI, 1);
	keel_vcpu_block_prepare(vcpu);
	if (keel_vgic_created(vcpu->vm) ? keel_vgic_pending(vcpu) :
					  READ_ONCE(vcpu->arch.irq_lines) || keel_timer_levels(vcpu))
		return 0;
	now = keel_cntpct();
	keel_bg_timer_start(vcpu, min(keel_timer_ns(c->cntv_ctl, now - c->cntvoff, c->cntv_cval),
				      keel_timer_ns(c->cntp_ctl, now, c->cntp_cval)));
	keel_vcpu_halt(vcpu, c->halt_poll_ns); /* keel polled that long already (vGIC) */
	hrtimer_cancel(&vcpu->arch.bg_timer);
	return 0;
}

/* A guest's PSCI CPU_ON switched another vCPU on: wake its thread. */
static long keel_exit_wake(struct keel_vcpu *vcpu)
{
	struct keel_vcpu *t = keel_vcpu_by_id(vcpu->vm, (unsigned int)vcpu->ctx->exit.target);

	if (t)
		keel_vcpu_kick(t);
	return 0;
}

/* The guest made interrupts pending for other vCPUs (an SGI, a distributor write): wake or kick them. */
static long keel_exit_kick(struct keel_vcpu *vcpu)
{
	const u64 *kick = vcpu->ctx->exit.kick;
	unsigned int w;

	/* By set bit: a kick names one or two of up to 512 vCPUs. */
	for (w = 0; w < KEEL_MAX_VCPUS / 64; w++) {
		u64 bits = READ_ONCE(kick[w]);

		while (bits) {
			struct keel_vcpu *t = keel_vcpu_by_id(vcpu->vm, w * 64 + __ffs64(bits));

			if (t)
				keel_vcpu_kick(t);
			bits &= bits - 1;
		}
	}
	return 0;
}

static long keel_exit_system_event(struct keel_vcpu *vcpu)
{
	struct keel_vcpu_ctx *c = vcpu->ctx;
	struct kvm_run *run = vcpu->run;

	keel_vstat_add(vcpu, KEEL_VSTAT_SYSEVENT, 1);
	memset(&run->system_event, 0, sizeof(run->system_event));
	run->system_event.type = (u32)c->exit.system_event;
	run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
	/* kvm_psci_system_suspend(): this vCPU only, ndata 0, the VMM reads the registers. */
	if (c->exit.system_event == KVM_SYSTEM_EVENT_SUSPEND)
		return 1;
	keel_vm_kick_others(vcpu);
	/* kvm_prepare_system_event(): type, ndata 1, data[0] = flags (none from keel). */
	run->system_event.ndata = 1;
	return 1;
}

static long keel_exit_fail_entry(struct keel_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_FAIL_ENTRY;
	run->fail_entry.hardware_entry_failure_reason = vcpu->ctx->exit.esr;
	run->fail_entry.cpu = raw_smp_processor_id();
	return 1;
}

const keel_exit_fn keel_arch_exits[KEEL_EXIT_NR] = {
	[KEEL_EXIT_MMIO] = keel_exit_mmio,
	[KEEL_EXIT_MMIO_NISV] = keel_exit_mmio_nisv,
	[KEEL_EXIT_WFI] = keel_exit_wfi,
	[KEEL_EXIT_SYSTEM_EVENT] = keel_exit_system_event,
	[KEEL_EXIT_WAKE] = keel_exit_wake,
	[KEEL_EXIT_HYPERCALL] = keel_exit_hypercall,
	[KEEL_EXIT_FAIL_ENTRY] = keel_exit_fail_entry,
	[KEEL_EXIT_DEBUG] = keel_exit_debug,
	[KEEL_EXIT_MEM_FAULT] = keel_exit_mem_fault,
	[KEEL_EXIT_KICK] = keel_exit_kick,
};

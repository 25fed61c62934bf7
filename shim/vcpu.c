// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs over keel: KVM_CREATE_VCPU, the vCPU fd (mmap of struct kvm_run,
 * MP_STATE, KVM_RUN; the registers are regs.c's) and KVM_IRQ_LINE for a
 * userspace irqchip, with Linux 6.1's errnos (virt/kvm/kvm_main.c,
 * arch/arm64/kvm/{arm,guest,reset,sys_regs,arch_timer,hypercalls,mmio}.c).
 *
 * The guest state lives in one zeroed kernel page per vCPU (struct
 * keel_vcpu_ctx); keel loads it at KEEL_HC_VCPU_RUN and stores it back at
 * exit, so register ioctls work on that page without calling keel. The
 * page is only touched by the thread holding vcpu->mutex (KVM_RUN holds it
 * while the guest runs, as KVM's vcpu->mutex).
 */
#define pr_fmt(fmt) "keel-kvm: " fmt

#include <linux/anon_inodes.h>
#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/of.h>
#include <linux/of_irq.h>
#include <linux/percpu.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <asm/arch_timer.h>
#include <asm/cputype.h>
#include <asm/sysreg.h>

#include "shim.h"
#include "trace.h"

/* kvm_vcpu_dabt_iss_nisv_sanitized(): ESR CM | WnR | FSC */
#define KEEL_NISV_ISS_MASK ((1UL << 8) | (1UL << 6) | 0x3fUL)

static struct kmem_cache *keel_vcpu_cache;

long keel_vcpu_power(struct keel_vcpu *vcpu, enum keel_power op)
{
	struct keel_res res;
	u64 ctx = op == KEEL_POWER_TAKE_RESET ? page_to_phys(vcpu->ctx_page) : 0;
	long ret = keel_hvc4(KEEL_HC_VCPU_POWER, vcpu->vm->handle, vcpu->vcpu_id, op, ctx, &res);

	return ret ? ret : (long)res.r[0];
}

/* ---- statistics (debugfs, KVM's names), summed over every vCPU -------------------------------- */

static atomic64_t keel_stat[KEEL_VSTAT_NR];
static const char *const keel_stat_names[KEEL_VSTAT_NR] = {
	[KEEL_VSTAT_EXITS] = "exits",
	[KEEL_VSTAT_MMIO_USER] = "mmio_exit_user",
	[KEEL_VSTAT_MMIO_KERNEL] = "mmio_exit_kernel",
	[KEEL_VSTAT_WFI] = "wfi_exit_stat",
	[KEEL_VSTAT_WFE] = "wfe_exit_stat",
	[KEEL_VSTAT_HVC] = "hvc_exit_stat",
	[KEEL_VSTAT_SIGNAL] = "signal_exits",
	[KEEL_VSTAT_HALT_WAKEUP] = "halt_wakeup",
	[KEEL_VSTAT_IRQ] = "irq_exits",
	[KEEL_VSTAT_SYSEVENT] = "system_event_exits",
};

const char *keel_vstat_name(unsigned int i)
{
	return keel_stat_names[i];
}

/* One counter over the VM's vCPUs (read without their mutexes, as KVM's debugfs does). */
u64 keel_vm_vstat_sum(struct keel_vm *vm, unsigned int i)
{
	unsigned int n = READ_ONCE(vm->nr_vcpus), j;
	u64 sum = 0;

	smp_rmb(); /* vcpus[] entries below nr_vcpus are published */
	for (j = 0; j < n; j++)
		sum += READ_ONCE(vm->vcpus[j]->stat[i]);
	return sum;
}

static void keel_vstat_add(struct keel_vcpu *vcpu, enum keel_vstat s, u64 n)
{
	vcpu->stat[s] += n;
	atomic64_add(n, &keel_stat[s]);
}

static int keel_vstat_get(void *data, u64 *val)
{
	*val = atomic64_read(data);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(keel_vstat_fops, keel_vstat_get, NULL, "%llu\n");

void keel_vcpu_debugfs_init(struct dentry *dir)
{
	unsigned int i;

	for (i = 0; i < KEEL_VSTAT_NR; i++)
		debugfs_create_file_unsafe(keel_stat_names[i], 0444, dir, &keel_stat[i], &keel_vstat_fops);
}

/* ---- kicks (kvm_vcpu_kick) ---------------------------------------------------------------- */

/* Wake the vCPU's thread if it blocks; force it out of the guest if it runs. */
void keel_vcpu_kick(struct keel_vcpu *vcpu)
{
	struct task_struct *task;

	WRITE_ONCE(vcpu->kick, true);
	smp_mb(); /* pairs with the barrier after setting in_guest */
	wake_up(&vcpu->wq);
	rcu_read_lock();
	task = READ_ONCE(vcpu->task);
	if (task && READ_ONCE(vcpu->in_guest))
		kick_process(task);
	rcu_read_unlock();
}

/* ---- KVM_RUN -------------------------------------------------------------------------------- */

/* kvm_handle_mmio_return(): the access QEMU just emulated; vcpu->mutex held. */
static void keel_complete_mmio(struct keel_vcpu *vcpu)
{
	struct keel_vcpu_ctx *c = vcpu->ctx;
	struct kvm_run *run = vcpu->run;
	unsigned int len = c->exit.mmio.len;
	u64 data = 0;

	vcpu->mmio_pending = false;
	if (!c->exit.mmio.is_write) {
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
	/* kvm_incr_pc(): 2 or 4 bytes in AArch32 (Thumb's IT state moves on), 4 in AArch64. */
	keel_ctx_skip_insn(c, c->exit.esr);
}

/* Block (kvm_vcpu_block) until the guest has an interrupt due, a kick or a signal. */
static void keel_vcpu_halt(struct keel_vcpu *vcpu)
{
	struct keel_vcpu_ctx *c = vcpu->ctx;
	u64 now;

	WRITE_ONCE(vcpu->kick, false);
	smp_mb();
	if (READ_ONCE(vcpu->irq_lines) || keel_timer_levels(vcpu))
		return;
	now = keel_cntpct();
	keel_bg_timer_start(vcpu, min(keel_timer_ns(c->cntv_ctl, now - c->cntvoff, c->cntv_cval),
				      keel_timer_ns(c->cntp_ctl, now, c->cntp_cval)));
	if (!wait_event_interruptible(vcpu->wq, READ_ONCE(vcpu->kick)))
		keel_vstat_add(vcpu, KEEL_VSTAT_HALT_WAKEUP, 1);
	hrtimer_cancel(&vcpu->bg_timer);
}

/* A powered-off vCPU sleeps until a PSCI CPU_ON from another vCPU (a WAKE exit) kicks it, or a signal. */
static void keel_vcpu_sleep_off(struct keel_vcpu *vcpu)
{
	WRITE_ONCE(vcpu->kick, false);
	smp_mb();
	if (keel_vcpu_power(vcpu, KEEL_POWER_QUERY) == KEEL_POWER_ON)
		return;
	wait_event_interruptible(vcpu->wq, READ_ONCE(vcpu->kick));
}

static struct keel_vcpu *keel_vcpu_by_id(struct keel_vm *vm, unsigned int id)
{
	unsigned int i, n = READ_ONCE(vm->nr_vcpus);

	smp_rmb();
	for (i = 0; i < n; i++)
		if (vm->vcpus[i]->vcpu_id == id)
			return vm->vcpus[i];
	return NULL;
}

/* kvm_sigset_activate() / kvm_sigset_deactivate(): the VMM's mask for KVM_RUN (KVM_SET_SIGNAL_MASK). */
static void keel_sigset_activate(struct keel_vcpu *vcpu)
{
	if (vcpu->sigset_active)
		sigprocmask(SIG_SETMASK, &vcpu->sigset, &current->real_blocked);
}

static void keel_sigset_deactivate(struct keel_vcpu *vcpu)
{
	if (!vcpu->sigset_active)
		return;
	sigprocmask(SIG_SETMASK, &current->real_blocked, NULL);
	sigemptyset(&current->real_blocked);
}

/* kvm_arch_vcpu_ioctl_run(); vcpu->mutex held. */
static long keel_vcpu_run(struct keel_vcpu *vcpu)
{
	struct keel_vcpu_ctx *c = vcpu->ctx;
	struct kvm_run *run = vcpu->run;
	struct keel_res res;
	u64 hvc_before;
	bool ptimer_armed;
	long ret, r;

	if (vcpu->target == -1)
		return -ENOEXEC;
	/* kvm_arch_vcpu_run_pid_change(): from now on the firmware bitmaps are fixed. */
	if (!READ_ONCE(vcpu->vm->has_run)) {
		mutex_lock(&vcpu->vm->lock);
		WRITE_ONCE(vcpu->vm->has_run, true);
		mutex_unlock(&vcpu->vm->lock);
	}
	/* The access QEMU emulated is completed first, even with immediate_exit. */
	if (run->exit_reason == KVM_EXIT_MMIO && vcpu->mmio_pending)
		keel_complete_mmio(vcpu);
	if (READ_ONCE(run->immediate_exit))
		return -EINTR;

	keel_sigset_activate(vcpu);
	run->exit_reason = KVM_EXIT_UNKNOWN;
	run->flags = 0;
	WRITE_ONCE(vcpu->task, current);
	for (;;) {
		if (signal_pending(current)) {
			run->exit_reason = KVM_EXIT_INTR;
			keel_vstat_add(vcpu, KEEL_VSTAT_SIGNAL, 1);
			ret = -EINTR;
			break;
		}
		cond_resched();
		/* kvm_vcpu_exit_request(): the timer levels userspace knows are stale. */
		if (keel_timer_levels(vcpu) != keel_timer_reported(vcpu)) {
			run->exit_reason = KVM_EXIT_INTR;
			ret = -EINTR;
			break;
		}

		keel_vcpu_update_stolen_time(vcpu);

		preempt_disable();
		keel_vtimer_mask(keel_timer_reported(vcpu) & KVM_ARM_DEV_EL1_VTIMER);
		/* The emulated physical timer interrupts no guest by itself: a soft timer kicks it out. */
		ptimer_armed = (c->cntp_ctl & (ARCH_TIMER_CTRL_ENABLE | ARCH_TIMER_CTRL_IT_MASK)) ==
			       ARCH_TIMER_CTRL_ENABLE;
		if (ptimer_armed)
			keel_bg_timer_start(vcpu, keel_timer_ns(c->cntp_ctl, keel_cntpct(), c->cntp_cval));
		local_irq_disable();
		WRITE_ONCE(vcpu->in_guest, true);
		smp_mb(); /* in_guest before reading the lines: pairs with keel_vcpu_kick() */
		c->in_flags = (c->in_flags & ~(KEEL_IN_VIRQ | KEEL_IN_VFIQ | KEEL_IN_SYSTEM_SUSPEND |
					       KEEL_IN_CONFIG_KEPT)) |
			      KEEL_IN_HOST_CALLS | (vcpu->config_dirty ? 0 : KEEL_IN_CONFIG_KEPT) |
			      READ_ONCE(vcpu->irq_lines) |
			      (READ_ONCE(vcpu->vm->system_suspend) ? KEEL_IN_SYSTEM_SUSPEND : 0);
		c->cntvoff = READ_ONCE(vcpu->vm->cntvoff);
		c->psci_version = keel_psci_version(vcpu);
		hvc_before = c->stat.hvc;
		trace_keel_vcpu_entry(vcpu->vcpu_id, c->pc);
		ret = keel_hvc4(KEEL_HC_VCPU_RUN, vcpu->vm->handle, vcpu->vcpu_id, page_to_phys(vcpu->ctx_page), 0,
				&res);
		WRITE_ONCE(vcpu->in_guest, false);
		local_irq_enable();
		if (ptimer_armed)
			hrtimer_try_to_cancel(&vcpu->bg_timer);
		preempt_enable();
		if (ret == -ENODEV) {
			/* This CPU stopped running guests (going offline): try again elsewhere. */
			schedule();
			continue;
		}
		if (ret) {
			pr_warn_ratelimited("keel refused to run vCPU %u of VM 0x%llx: %ld\n", vcpu->vcpu_id,
					    vcpu->vm->handle, ret);
			break;
		}
		vcpu->config_dirty = false; /* keel holds the ID and debug registers as the page has them */
		keel_vstat_add(vcpu, KEEL_VSTAT_EXITS, 1);
		keel_vstat_add(vcpu, KEEL_VSTAT_HVC, c->stat.hvc - hvc_before);
		trace_keel_vcpu_exit(vcpu->vcpu_id, res.r[0], c->pc);

		switch (res.r[0]) {
		case KEEL_EXIT_NONE:
			continue;
		case KEEL_EXIT_HYPERCALL:
			keel_vcpu_hypercall(vcpu);
			continue;
		case KEEL_EXIT_IRQ:
			keel_vstat_add(vcpu, KEEL_VSTAT_IRQ, 1);
			continue;
		case KEEL_EXIT_MEM_FAULT:
			/* kvm_is_write_fault(): a permission fault of a table walk is a write (HW AF/DBM). */
			r = keel_vm_fault_in(vcpu->vm, c->exit.ipa,
					     ESR_ELx_EC(c->exit.esr) == ESR_ELx_EC_DABT_LOW &&
						     (c->exit.esr & ESR_ELx_FSC_TYPE) == ESR_ELx_FSC_PERM);
			if (r < 0) {
				ret = r;
				break;
			}
			if (!r) {
				/* Fetching or walking tables outside guest memory: an external abort (KVM's too). */
				c->in_flags |= ESR_ELx_EC(c->exit.esr) == ESR_ELx_EC_IABT_LOW ? KEEL_IN_INJECT_IABT :
												 KEEL_IN_INJECT_DABT;
				c->in_far = c->exit.far;
			}
			continue;
		case KEEL_EXIT_MMIO:
			r = keel_vm_fault_in(vcpu->vm, c->exit.ipa, c->exit.mmio.is_write);
			if (r) {
				if (r > 0)
					continue;
				ret = r;
				break;
			}
			keel_vstat_add(vcpu, KEEL_VSTAT_MMIO_USER, 1);
			run->exit_reason = KVM_EXIT_MMIO;
			run->mmio.phys_addr = c->exit.mmio.addr;
			run->mmio.len = c->exit.mmio.len;
			run->mmio.is_write = c->exit.mmio.is_write;
			memset(run->mmio.data, 0, sizeof(run->mmio.data));
			if (c->exit.mmio.is_write)
				memcpy(run->mmio.data, &c->exit.mmio.data, min_t(u32, c->exit.mmio.len, 8));
			vcpu->mmio_pending = true;
			ret = 0;
			break;
		case KEEL_EXIT_MMIO_NISV:
			r = keel_vm_fault_in(vcpu->vm, c->exit.ipa, c->exit.esr & ESR_ELx_WNR);
			if (r) {
				if (r > 0)
					continue;
				ret = r;
				break;
			}
			if (vcpu->vm->nisv_to_user) {
				run->exit_reason = KVM_EXIT_ARM_NISV;
				run->arm_nisv.esr_iss = c->exit.esr & KEEL_NISV_ISS_MASK;
				run->arm_nisv.fault_ipa = c->exit.ipa;
				ret = 0;
				break;
			}
			/*
			 * No instruction syndrome to emulate from, and the VMM did not ask for these
			 * exits: io_mem_abort() in KVM 6.1 fails KVM_RUN with -ENOSYS (the guest stays
			 * on the instruction, so running it again gives the same).
			 */
			pr_warn_ratelimited("vCPU %u: data abort outside memslots with no valid syndrome info at IPA 0x%llx\n",
					    vcpu->vcpu_id, (unsigned long long)c->exit.ipa);
			ret = -ENOSYS;
			break;
		case KEEL_EXIT_WFI:
			keel_vstat_add(vcpu, KEEL_VSTAT_WFI, 1);
			keel_vcpu_halt(vcpu);
			continue;
		case KEEL_EXIT_POWER_OFF:
			keel_vcpu_sleep_off(vcpu);
			continue;
		case KEEL_EXIT_WAKE: {
			struct keel_vcpu *t = keel_vcpu_by_id(vcpu->vm, (unsigned int)c->exit.target);

			if (t)
				keel_vcpu_kick(t);
			continue;
		}
		case KEEL_EXIT_SYSTEM_EVENT: {
			unsigned int i, n = READ_ONCE(vcpu->vm->nr_vcpus);

			keel_vstat_add(vcpu, KEEL_VSTAT_SYSEVENT, 1);
			memset(&run->system_event, 0, sizeof(run->system_event));
			run->system_event.type = (u32)c->exit.system_event;
			run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
			ret = 0;
			/* kvm_psci_system_suspend(): this vCPU only, ndata 0, the VMM reads the registers. */
			if (c->exit.system_event == KVM_SYSTEM_EVENT_SUSPEND)
				break;
			smp_rmb();
			for (i = 0; i < n; i++)
				if (vcpu->vm->vcpus[i] != vcpu)
					keel_vcpu_kick(vcpu->vm->vcpus[i]);
			/* kvm_prepare_system_event(): type, ndata 1, data[0] = flags (none from keel). */
			run->system_event.ndata = 1;
			run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
			ret = 0;
			break;
		}
		case KEEL_EXIT_FAIL_ENTRY:
		default:
			run->exit_reason = KVM_EXIT_FAIL_ENTRY;
			run->fail_entry.hardware_entry_failure_reason = c->exit.esr;
			run->fail_entry.cpu = raw_smp_processor_id();
			ret = 0;
			break;
		}
		break;
	}
	WRITE_ONCE(vcpu->task, NULL);
	keel_sigset_deactivate(vcpu);
	return ret;
}

/* ---- vCPU file ------------------------------------------------------------------------------ */

static vm_fault_t keel_vcpu_fault(struct vm_fault *vmf)
{
	struct keel_vcpu *vcpu = vmf->vma->vm_file->private_data;

	/* Page 0 is struct kvm_run; there is no coalesced-MMIO page (the cap reads 0). */
	if (vmf->pgoff)
		return VM_FAULT_SIGBUS;
	get_page(virt_to_page(vcpu->run));
	vmf->page = virt_to_page(vcpu->run);
	return 0;
}

static const struct vm_operations_struct keel_vcpu_vm_ops = {
	.fault = keel_vcpu_fault,
};

static int keel_vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	vma->vm_ops = &keel_vcpu_vm_ops;
	return 0;
}

static int keel_vcpu_release(struct inode *inode, struct file *filp)
{
	struct keel_vcpu *vcpu = filp->private_data;

	/* The vCPU itself goes with its VM (kvm_destroy_vm); the file only held the VM. */
	fput(vcpu->vm->filp);
	return 0;
}

static long keel_vcpu_set_mp_state(struct keel_vcpu *vcpu, const struct kvm_mp_state *mp)
{
	long ret;

	switch (mp->mp_state) {
	case KVM_MP_STATE_RUNNABLE:
		ret = keel_vcpu_power(vcpu, KEEL_POWER_ON);
		break;
	case KVM_MP_STATE_STOPPED:
		ret = keel_vcpu_power(vcpu, KEEL_POWER_OFF);
		break;
	default:
		/* KVM_MP_STATE_SUSPENDED needs KVM_CAP_ARM_SYSTEM_SUSPEND, which keel does not give. */
		return -EINVAL;
	}
	return ret < 0 ? ret : 0;
}

/* The timer PPIs KVM 6.1 gives a vCPU by default (default_{v,p}timer_irq). */
#define KEEL_VTIMER_PPI 27
#define KEEL_PTIMER_PPI 30

/* kvm_arm_vcpu_arch_{set,get,has}_attr(): a vCPU without PMU or in-kernel irqchip, with PV time. */
static long keel_vcpu_attr(struct keel_vcpu *vcpu, unsigned int ioctl, const struct kvm_device_attr *attr)
{
	int __user *uaddr = u64_to_user_ptr(attr->addr);

	switch (attr->group) {
	case KVM_ARM_VCPU_PMU_V3_CTRL:
		/* kvm_arm_pmu_v3_*_attr() without KVM_ARM_VCPU_PMU_V3 */
		if (ioctl == KVM_SET_DEVICE_ATTR)
			return -ENODEV;
		if (ioctl == KVM_GET_DEVICE_ATTR && attr->attr == KVM_ARM_VCPU_PMU_V3_IRQ)
			return -EINVAL;
		return -ENXIO;
	case KVM_ARM_VCPU_TIMER_CTRL:
		/* kvm_arm_timer_*_attr(): the PPIs only matter to an in-kernel irqchip, so they stay put. */
		if (ioctl == KVM_SET_DEVICE_ATTR)
			return -EINVAL;
		if (attr->attr != KVM_ARM_VCPU_TIMER_IRQ_VTIMER && attr->attr != KVM_ARM_VCPU_TIMER_IRQ_PTIMER)
			return -ENXIO;
		if (ioctl == KVM_HAS_DEVICE_ATTR)
			return 0;
		return put_user(attr->attr == KVM_ARM_VCPU_TIMER_IRQ_VTIMER ? KEEL_VTIMER_PPI : KEEL_PTIMER_PPI,
				uaddr);
	case KVM_ARM_VCPU_PVTIME_CTRL:
		return keel_vcpu_pvtime_attr(vcpu, ioctl, attr);
	}
	return -ENXIO;
}

static long keel_vcpu_ioctl(struct file *filp, unsigned int ioctl, unsigned long arg)
{
	struct keel_vcpu *vcpu = filp->private_data;
	void __user *argp = (void __user *)arg;
	long r;

	if (vcpu->vm->mm != current->mm)
		return -EIO;
	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;
	/* The VM-wide counter offset may have moved (TIMER_CNT of another vCPU, a new vCPU). */
	vcpu->ctx->cntvoff = READ_ONCE(vcpu->vm->cntvoff);
	switch (ioctl) {
	case KVM_RUN:
		r = arg ? -EINVAL : keel_vcpu_run(vcpu);
		if (vcpu->target != -1)
			keel_timer_update_run(vcpu);
		break;
	case KVM_ARM_VCPU_INIT: {
		struct kvm_vcpu_init init;

		r = -EFAULT;
		if (copy_from_user(&init, argp, sizeof(init)))
			break;
		r = keel_vcpu_init(vcpu, &init);
		break;
	}
	case KVM_GET_ONE_REG:
	case KVM_SET_ONE_REG: {
		struct kvm_one_reg reg;

		r = -ENOEXEC;
		if (vcpu->target == -1)
			break;
		r = -EFAULT;
		if (copy_from_user(&reg, argp, sizeof(reg)))
			break;
		/* A guest's CPU_ON owes this vCPU a reset: take it first, as KVM does (KVM_REQ_VCPU_RESET). */
		r = keel_vcpu_power(vcpu, KEEL_POWER_TAKE_RESET);
		if (r < 0)
			break;
		r = keel_one_reg(vcpu, &reg, ioctl == KVM_SET_ONE_REG);
		if (ioctl == KVM_SET_ONE_REG)
			vcpu->config_dirty = true; /* whichever register: keel reads them all again */
		break;
	}
	case KVM_GET_REG_LIST:
		r = vcpu->target == -1 ? -ENOEXEC : keel_get_reg_list(vcpu, argp);
		break;
	case KVM_GET_STATS_FD:
		r = keel_get_stats_fd(vcpu->vm, vcpu);
		break;
	case KVM_SET_SIGNAL_MASK: {
		struct kvm_signal_mask __user *um = argp;
		struct kvm_signal_mask km;
		sigset_t set;

		/* kvm_vcpu_ioctl_set_sigmask(): NULL switches it off; SIGKILL and SIGSTOP stay deliverable. */
		r = 0;
		if (!argp) {
			vcpu->sigset_active = false;
			break;
		}
		r = -EFAULT;
		if (copy_from_user(&km, um, sizeof(km)))
			break;
		r = -EINVAL;
		if (km.len != sizeof(set))
			break;
		r = -EFAULT;
		if (copy_from_user(&set, um->sigset, sizeof(set)))
			break;
		sigdelsetmask(&set, sigmask(SIGKILL) | sigmask(SIGSTOP));
		vcpu->sigset = set;
		vcpu->sigset_active = true;
		r = 0;
		break;
	}
	case KVM_SET_DEVICE_ATTR:
	case KVM_GET_DEVICE_ATTR:
	case KVM_HAS_DEVICE_ATTR: {
		struct kvm_device_attr attr;

		r = -EFAULT;
		if (copy_from_user(&attr, argp, sizeof(attr)))
			break;
		r = keel_vcpu_attr(vcpu, ioctl, &attr);
		break;
	}
	case KVM_GET_MP_STATE: {
		struct kvm_mp_state mp;

		r = keel_vcpu_power(vcpu, KEEL_POWER_QUERY);
		if (r < 0)
			break;
		mp.mp_state = r == KEEL_POWER_ON ? KVM_MP_STATE_RUNNABLE : KVM_MP_STATE_STOPPED;
		r = copy_to_user(argp, &mp, sizeof(mp)) ? -EFAULT : 0;
		break;
	}
	case KVM_SET_MP_STATE: {
		struct kvm_mp_state mp;

		r = -EFAULT;
		if (copy_from_user(&mp, argp, sizeof(mp)))
			break;
		r = keel_vcpu_set_mp_state(vcpu, &mp);
		break;
	}
	default:
		/* kvm_arch_vcpu_ioctl(): unknown -> -EINVAL */
		r = -EINVAL;
		break;
	}
	mutex_unlock(&vcpu->mutex);
	return r;
}

static long keel_vcpu_no_compat_ioctl(struct file *file, unsigned int ioctl, unsigned long arg)
{
	return -EINVAL;
}

static const struct file_operations keel_vcpu_fops = {
	.owner = THIS_MODULE,
	.release = keel_vcpu_release,
	.unlocked_ioctl = keel_vcpu_ioctl,
	.compat_ioctl = keel_vcpu_no_compat_ioctl,
	.mmap = keel_vcpu_mmap,
	.llseek = noop_llseek,
};

/* ---- VM ioctls ------------------------------------------------------------------------------ */

static void keel_vcpu_free(struct keel_vcpu *vcpu)
{
	if (vcpu->run)
		free_page((unsigned long)vcpu->run);
	if (vcpu->ctx_page)
		__free_page(vcpu->ctx_page);
	kmem_cache_free(keel_vcpu_cache, vcpu);
}

/* kvm_vm_ioctl_create_vcpu() */
long keel_vm_create_vcpu(struct keel_vm *vm, u32 id)
{
	struct keel_vcpu *vcpu;
	char name[24];
	long ret;
	int fd;

	/* KVM_MAX_VCPU_IDS is the VM's vCPU limit here: keel's MPIDR comes from the id. */
	if (id >= KEEL_MAX_VCPUS)
		return -EINVAL;
	mutex_lock(&vm->lock);
	if (vm->nr_vcpus >= KEEL_MAX_VCPUS) {
		ret = -EINVAL;
		goto out_unlock;
	}
	if (keel_vcpu_by_id(vm, id)) {
		ret = -EEXIST;
		goto out_unlock;
	}
	ret = -ENOMEM;
	vcpu = kmem_cache_zalloc(keel_vcpu_cache, GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		goto out_unlock;
	vcpu->vm = vm;
	vcpu->vcpu_id = id;
	vcpu->vcpu_idx = vm->nr_vcpus;
	vcpu->target = -1;
	keel_vcpu_hypercalls_init(vcpu);
	mutex_init(&vcpu->mutex);
	init_waitqueue_head(&vcpu->wq);
	hrtimer_init(&vcpu->bg_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	vcpu->bg_timer.function = keel_bg_timer_expire;
	vcpu->ctx_page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	vcpu->run = (struct kvm_run *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vcpu->ctx_page || !vcpu->run) {
		keel_vcpu_free(vcpu);
		goto out_unlock;
	}
	vcpu->ctx = page_address(vcpu->ctx_page);

	/* The context page is lent to keel from here until the VM goes. */
	ret = keel_vm_hvc_pages(vm, KEEL_HC_VCPU_CREATE, id, page_to_phys(vcpu->ctx_page), 0, 0, NULL);
	trace_keel_vcpu_create(vm->handle, id, ret);
	if (ret) {
		keel_vcpu_free(vcpu);
		goto out_unlock;
	}
	/* kvm_timer_vcpu_init(): every vCPU of the VM counts from the same offset, reset now. */
	vm->cntvoff = keel_cntpct();

	snprintf(name, sizeof(name), "kvm-vcpu:%u", id);
	get_file(vm->filp);
	fd = anon_inode_getfd(name, &keel_vcpu_fops, vcpu, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fput(vm->filp);
		/* keel's vCPU stays until the VM goes (no single-vCPU destroy): keep ours for it too. */
		vcpu->orphan = true;
	}
	vm->vcpus[vm->nr_vcpus] = vcpu;
	smp_wmb(); /* the slot before the count: readers go without the lock */
	WRITE_ONCE(vm->nr_vcpus, vm->nr_vcpus + 1);
	ret = fd;
out_unlock:
	mutex_unlock(&vm->lock);
	return ret;
}

/* The VM's vCPUs, once nothing can run them (the VM file's last reference went). */
void keel_vm_free_vcpus(struct keel_vm *vm, bool ctx_back)
{
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		/* A context page keel did not give back stays lent to it: never reused. */
		if (!ctx_back)
			vm->vcpus[i]->ctx_page = NULL;
		keel_vcpu_free(vm->vcpus[i]);
	}
	vm->nr_vcpus = 0;
}

/* kvm_vm_ioctl_irq_line() for a VM without an in-kernel irqchip. */
long keel_vm_irq_line(struct keel_vm *vm, const struct kvm_irq_level *il)
{
	u32 irq = il->irq;
	unsigned int type = (irq >> KVM_ARM_IRQ_TYPE_SHIFT) & KVM_ARM_IRQ_TYPE_MASK;
	unsigned int idx = ((irq >> KVM_ARM_IRQ_VCPU_SHIFT) & KVM_ARM_IRQ_VCPU_MASK) +
			   ((irq >> KVM_ARM_IRQ_VCPU2_SHIFT) & KVM_ARM_IRQ_VCPU2_MASK) *
				   (KVM_ARM_IRQ_VCPU_MASK + 1);
	unsigned int num = (irq >> KVM_ARM_IRQ_NUM_SHIFT) & KVM_ARM_IRQ_NUM_MASK;
	struct keel_vcpu *vcpu;
	unsigned long bit;
	bool was;

	if (type != KVM_ARM_IRQ_TYPE_CPU)
		return -ENXIO; /* PPI, SPI: only with an in-kernel GIC */
	if (idx >= READ_ONCE(vm->nr_vcpus))
		return -EINVAL;
	smp_rmb();
	vcpu = vm->vcpus[idx];
	if (num > KVM_ARM_IRQ_CPU_FIQ)
		return -EINVAL;
	bit = num == KVM_ARM_IRQ_CPU_IRQ ? 0 : 1; /* KEEL_IN_VIRQ, KEEL_IN_VFIQ */
	if (il->level)
		was = test_and_set_bit(bit, &vcpu->irq_lines);
	else
		was = test_and_clear_bit(bit, &vcpu->irq_lines);
	/* vcpu_interrupt_line(): no change, no kick */
	if (was != !!il->level)
		keel_vcpu_kick(vcpu);
	return 0;
}

/* ---- module init / exit ---------------------------------------------------------------------- */

int keel_vcpu_cache_init(void)
{
	keel_vcpu_cache = kmem_cache_create_usercopy("kvm_vcpu", sizeof(struct keel_vcpu),
						     __alignof__(struct keel_vcpu), SLAB_ACCOUNT,
						     offsetof(struct keel_vcpu, arch),
						     sizeof_field(struct keel_vcpu, arch), NULL);
	return keel_vcpu_cache ? 0 : -ENOMEM;
}

void keel_vcpu_cache_exit(void)
{
	kmem_cache_destroy(keel_vcpu_cache);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs over keel, the KVM-generic part (virt/kvm/kvm_main.c in Linux 6.1):
 * KVM_CREATE_VCPU, the vCPU fd (mmap of struct kvm_run, MP_STATE, the
 * signal mask, statistics) and the KVM_RUN loop, whose exits go through a
 * table keyed by enum keel_exit; the arch's ioctls, registers and exits are
 * shim/<arch>/'s (keel_arch_*).
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
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sched/stat.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <asm/io.h>

#include "shim.h"
#include "trace.h"

static struct kmem_cache *keel_vcpu_cache;

long keel_vcpu_power(struct keel_vcpu *vcpu, enum keel_power op)
{
	struct keel_res res;
	u64 ctx = op == KEEL_POWER_TAKE_RESET ? page_to_phys(vcpu->ctx_page) : 0;
	long ret = keel_hvc4(KEEL_HC_VCPU_POWER, vcpu->vm->handle, vcpu->vcpu_id, op, ctx, &res);

	return ret ? ret : (long)res.r[0];
}

/* ---- statistics (debugfs, KVM's names), summed over every vCPU -------------------------------- */

atomic64_t keel_stat[KEEL_VSTAT_NR];
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
	[KEEL_VSTAT_HALT_ATTEMPTED_POLL] = "halt_attempted_poll",
	[KEEL_VSTAT_HALT_SUCCESSFUL_POLL] = "halt_successful_poll",
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

void keel_vcpu_block_prepare(struct keel_vcpu *vcpu)
{
	WRITE_ONCE(vcpu->kick, false);
	smp_mb(); /* the kick flag cleared before the caller looks for a wake-up already due */
}

/* Sleep until a kick or a signal; true if it slept at all. */
bool keel_vcpu_block(struct keel_vcpu *vcpu)
{
	if (READ_ONCE(vcpu->kick) || signal_pending(current))
		return false;
	if (!wait_event_interruptible(vcpu->wq, READ_ONCE(vcpu->kick)))
		keel_vstat_add(vcpu, KEEL_VSTAT_HALT_WAKEUP, 1);
	return true;
}

/* Halt polling as KVM 6.1's module parameters set it (virt/kvm/kvm_main.c). */
static unsigned int halt_poll_ns = KEEL_ARCH_HALT_POLL_NS;
module_param(halt_poll_ns, uint, 0644);
static unsigned int halt_poll_ns_grow = 2;
module_param(halt_poll_ns_grow, uint, 0644);
static unsigned int halt_poll_ns_grow_start = 10000;
module_param(halt_poll_ns_grow_start, uint, 0644);
static unsigned int halt_poll_ns_shrink;
module_param(halt_poll_ns_shrink, uint, 0644);

static unsigned int keel_max_halt_poll_ns(struct keel_vm *vm)
{
	if (READ_ONCE(vm->override_halt_poll_ns)) {
		smp_rmb(); /* pairs with KVM_CAP_HALT_POLL's smp_wmb() */
		return READ_ONCE(vm->max_halt_poll_ns);
	}
	return READ_ONCE(halt_poll_ns);
}

/* grow_halt_poll_ns() and shrink_halt_poll_ns(), after a halt of halt_ns. */
static void keel_halt_poll_adjust(struct keel_vcpu *vcpu, u64 halt_ns, unsigned int max)
{
	unsigned int val = vcpu->halt_poll_ns, grow_start = READ_ONCE(halt_poll_ns_grow_start);
	unsigned int shrink = READ_ONCE(halt_poll_ns_shrink), grow = READ_ONCE(halt_poll_ns_grow);

	if (!max) {
		vcpu->halt_poll_ns = 0;
	} else if (halt_ns <= val) {
		/* the poll caught it: keep */
	} else if (val && halt_ns > max) {
		val = shrink ? val / shrink : 0; /* a long block: poll less */
		vcpu->halt_poll_ns = val < grow_start ? 0 : val;
	} else if (val < max && halt_ns < max && grow) {
		val *= grow; /* a short halt the poll missed: poll longer */
		vcpu->halt_poll_ns = max_t(unsigned int, val, grow_start);
	}
}

/*
 * How long the vCPU's next halt polls (keel does it at EL2 with an in-keel
 * irqchip): at most the maximum now, and not at all while another task waits
 * for this CPU (KVM's poll stops when !single_task_running(); a task woken
 * here later sends the IPI that ends keel's poll, as need_resched() would).
 */
unsigned int keel_vcpu_halt_poll_ns(struct keel_vcpu *vcpu)
{
	if (!single_task_running())
		return 0;
	return min(vcpu->halt_poll_ns, keel_max_halt_poll_ns(vcpu->vm));
}

/*
 * A halted vCPU (kvm_vcpu_halt()): poll for a kick for up to halt_poll_ns
 * before sleeping, so a wake-up that comes soon costs no sleep and switch.
 * polled_ns: keel polled this long already before it exited (then the poll
 * here is not done again; it failed). The caller has cleared the kick flag
 * and armed its timers.
 */
void keel_vcpu_halt(struct keel_vcpu *vcpu, u64 polled_ns)
{
	unsigned int max = keel_max_halt_poll_ns(vcpu->vm);
	ktime_t start, cur;
	bool waited = false, poll;

	if (vcpu->halt_poll_ns > max)
		vcpu->halt_poll_ns = max;
	poll = vcpu->halt_poll_ns || polled_ns;
	start = cur = ktime_sub_ns(ktime_get(), polled_ns);
	if (poll && !polled_ns) {
		ktime_t stop = ktime_add_ns(start, vcpu->halt_poll_ns);

		do {
			if (READ_ONCE(vcpu->kick) || signal_pending(current))
				goto out;
			cpu_relax();
			cur = ktime_get();
		} while (single_task_running() && !need_resched() && ktime_before(cur, stop));
	}
	waited = keel_vcpu_block(vcpu);
	cur = ktime_get();
out:
	if (poll) {
		keel_vstat_add(vcpu, KEEL_VSTAT_HALT_ATTEMPTED_POLL, 1);
		if (!waited)
			keel_vstat_add(vcpu, KEEL_VSTAT_HALT_SUCCESSFUL_POLL, 1);
	}
	keel_halt_poll_adjust(vcpu, ktime_to_ns(ktime_sub(cur, start)), keel_max_halt_poll_ns(vcpu->vm));
}

/* A powered-off vCPU sleeps until a PSCI CPU_ON from another vCPU (a WAKE exit) kicks it, or a signal. */
static long keel_exit_power_off(struct keel_vcpu *vcpu)
{
	keel_vcpu_block_prepare(vcpu);
	if (keel_vcpu_power(vcpu, KEEL_POWER_QUERY) != KEEL_POWER_ON)
		wait_event_interruptible(vcpu->wq, READ_ONCE(vcpu->kick));
	return 0;
}

static long keel_exit_none(struct keel_vcpu *vcpu)
{
	return 0;
}

/* A host interrupt: the host took it when interrupts came back on; enter again. */
static long keel_exit_irq(struct keel_vcpu *vcpu)
{
	keel_vstat_add(vcpu, KEEL_VSTAT_IRQ, 1);
	return 0;
}

/*
 * kvm_vcpu_on_spin(): the guest spins on a lock (a WFE trapped because this
 * CPU has other tasks) whose holder may be a vCPU of the same VM that was
 * preempted: give the CPU to one such thread, round robin from the one
 * boosted last. yield_to() does nothing for a thread that runs or sleeps.
 */
static long keel_exit_wfe(struct keel_vcpu *me)
{
	struct keel_vm *vm = me->vm;
	unsigned int n = READ_ONCE(vm->nr_vcpus), last = READ_ONCE(vm->last_boosted), k;
	int tries = 3;

	keel_vstat_add(me, KEEL_VSTAT_WFE, 1);
	smp_rmb(); /* the vCPUs counted are there */
	for (k = 1; k <= n && tries; k++) {
		unsigned int i = (last + k) % n;
		struct keel_vcpu *v = vm->vcpus[i];
		struct task_struct *task;
		int r;

		if (v == me || READ_ONCE(v->in_guest))
			continue;
		rcu_read_lock(); /* a task seen in v->task is in KVM_RUN then: freed after a grace period only */
		task = READ_ONCE(v->task);
		if (task)
			get_task_struct(task);
		rcu_read_unlock();
		if (!task)
			continue;
		r = yield_to(task, true);
		put_task_struct(task);
		if (r > 0) {
			WRITE_ONCE(vm->last_boosted, i);
			break;
		}
		if (r < 0)
			tries--;
	}
	return 0;
}

/* Exits every arch handles alike; the others are keel_arch_exits[]'s. */
static const keel_exit_fn keel_generic_exits[KEEL_EXIT_NR] = {
	[KEEL_EXIT_NONE] = keel_exit_none,
	[KEEL_EXIT_IRQ] = keel_exit_irq,
	[KEEL_EXIT_POWER_OFF] = keel_exit_power_off,
	[KEEL_EXIT_EOI] = keel_exit_none, /* the EOIs themselves: keel_arch_vcpu_exited() */
	[KEEL_EXIT_WFE] = keel_exit_wfe,
};

static long keel_handle_exit(struct keel_vcpu *vcpu, u64 reason)
{
	keel_exit_fn fn = NULL;

	if (reason < KEEL_EXIT_NR)
		fn = keel_generic_exits[reason] ?: keel_arch_exits[reason];
	/* A reason this shim does not know: the VMM hears of a failed entry, as for one keel reports. */
	if (!fn)
		fn = keel_arch_exits[KEEL_EXIT_FAIL_ENTRY];
	return fn ? fn(vcpu) : -EIO;
}

void keel_vm_kick_others(struct keel_vcpu *vcpu)
{
	unsigned int i, n = READ_ONCE(vcpu->vm->nr_vcpus);

	smp_rmb();
	for (i = 0; i < n; i++)
		if (vcpu->vm->vcpus[i] != vcpu)
			keel_vcpu_kick(vcpu->vm->vcpus[i]);
}

struct keel_vcpu *keel_vcpu_by_id(struct keel_vm *vm, unsigned int id)
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
	struct kvm_run *run = vcpu->run;
	struct keel_res res;
	long ret;

	ret = keel_arch_vcpu_run_begin(vcpu);
	if (ret)
		return ret;
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
		if (keel_arch_vcpu_before_enter(vcpu)) {
			run->exit_reason = KVM_EXIT_INTR;
			ret = -EINTR;
			break;
		}

		preempt_disable();
		keel_arch_vcpu_load(vcpu);
		local_irq_disable();
		WRITE_ONCE(vcpu->in_guest, true);
		smp_mb(); /* in_guest before the arch reads what a kick changes: pairs with keel_vcpu_kick() */
		keel_arch_vcpu_enter(vcpu);
		trace_keel_vcpu_entry(vcpu->vcpu_id, keel_arch_vcpu_pc(vcpu));
		ret = keel_hvc4(KEEL_HC_VCPU_RUN, vcpu->vm->handle, vcpu->vcpu_id, page_to_phys(vcpu->ctx_page), 0,
				&res);
		WRITE_ONCE(vcpu->in_guest, false);
		local_irq_enable();
		keel_arch_vcpu_put(vcpu);
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
		keel_arch_vcpu_exited(vcpu);
		keel_vstat_add(vcpu, KEEL_VSTAT_EXITS, 1);
		trace_keel_vcpu_exit(vcpu->vcpu_id, res.r[0], keel_arch_vcpu_pc(vcpu));
		ret = keel_handle_exit(vcpu, res.r[0]);
		if (ret) {
			if (ret > 0)
				ret = 0;
			break;
		}
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

static long keel_vcpu_ioctl(struct file *filp, unsigned int ioctl, unsigned long arg)
{
	struct keel_vcpu *vcpu = filp->private_data;
	void __user *argp = (void __user *)arg;
	long r;

	if (vcpu->vm->mm != current->mm)
		return -EIO;
	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;
	keel_arch_vcpu_ioctl_begin(vcpu, ioctl);
	switch (ioctl) {
	case KVM_RUN:
		r = arg ? -EINVAL : keel_vcpu_run(vcpu);
		keel_arch_vcpu_run_end(vcpu);
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
		/* kvm_arch_vcpu_ioctl(), with the arch's errno for an unknown ioctl */
		r = keel_arch_vcpu_ioctl(vcpu, ioctl, argp);
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
	mutex_init(&vcpu->mutex);
	init_waitqueue_head(&vcpu->wq);
	ret = keel_arch_vcpu_create(vcpu);
	if (ret) {
		kmem_cache_free(keel_vcpu_cache, vcpu);
		goto out_unlock;
	}
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
	keel_arch_vcpu_created(vcpu);

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

/* ---- module init / exit ---------------------------------------------------------------------- */

int keel_vcpu_cache_init(void)
{
	keel_vcpu_cache = kmem_cache_create_usercopy("kvm_vcpu", sizeof(struct keel_vcpu),
						     __alignof__(struct keel_vcpu), SLAB_ACCOUNT,
						     offsetof(struct keel_vcpu, KEEL_VCPU_USERCOPY),
						     sizeof_field(struct keel_vcpu, KEEL_VCPU_USERCOPY), NULL);
	return keel_vcpu_cache ? 0 : -ENOMEM;
}

void keel_vcpu_cache_exit(void)
{
	kmem_cache_destroy(keel_vcpu_cache);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU's timers (arch/arm64/kvm/arch_timer.c without an in-kernel GIC):
 * the host's end of the guest virtual-timer PPI (keel names it in
 * /hypervisor), the levels of the virtual and the emulated physical timer
 * as userspace sees them (device_irq_level), and the soft timer that wakes
 * a halted vCPU or kicks a running one when a timer is due.
 */
#define pr_fmt(fmt) "keel-kvm: " fmt

#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/math64.h>
#include <linux/of.h>
#include <linux/of_irq.h>
#include <linux/percpu.h>
#include <linux/uaccess.h>

#include <asm/arch_timer.h>

#include "shim.h"

/* ---- PPIs the host holds for guests (the virtual timer's; the vGIC's maintenance, vgic.c) ----- */

/* Their handlers do nothing: keel already dealt with the cause, or the next entry will. */
static irqreturn_t keel_ppi_handler(int irq, void *dev)
{
	return IRQ_HANDLED;
}

/* Request the per-CPU interrupt irq (0: none, p stays unused) as name; each CPU enables it when it comes up. */
int keel_host_ppi_request(struct keel_host_ppi *p, int irq, const char *name)
{
	int r;

	p->irq = 0;
	if (!irq)
		return 0;
	p->dev = alloc_percpu(u8);
	if (!p->dev)
		return -ENOMEM;
	r = request_percpu_irq(irq, keel_ppi_handler, name, p->dev);
	if (r) {
		free_percpu(p->dev);
		return r;
	}
	p->irq = irq;
	return 0;
}

void keel_host_ppi_free(struct keel_host_ppi *p)
{
	if (!p->irq)
		return;
	free_percpu_irq(p->irq, p->dev);
	free_percpu(p->dev);
	p->irq = 0;
}

/* On the CPU concerned (CPU online / offline, preemption off). */
void keel_host_ppi_enable(struct keel_host_ppi *p, bool on)
{
	if (!p->irq)
		return;
	if (on)
		enable_percpu_irq(p->irq, IRQ_TYPE_NONE);
	else
		disable_percpu_irq(p->irq);
}

/*
 * The virtual timer's PPI (keel puts its specifier in /hypervisor). The
 * guest's timer fired while it ran: keel exited with KEEL_EXIT_IRQ and
 * disabled CNTV, so the line is low again; the level is computed from the
 * context page after every exit.
 */
static struct keel_host_ppi keel_vtimer;
static DEFINE_PER_CPU(bool, keel_vtimer_masked);

int keel_vtimer_init(void)
{
	struct device_node *np = of_find_compatible_node(NULL, NULL, KEEL_DT_COMPATIBLE);
	int irq, r;

	if (!np)
		return -ENODEV;
	irq = irq_of_parse_and_map(np, 0);
	of_node_put(np);
	if (!irq) {
		/* An older keel: a guest's timer firing while it runs reaches the host unrequested. */
		pr_warn("keel's /hypervisor node has no virtual-timer interrupt: guest timers may exit in a loop\n");
		return 0;
	}
	r = keel_host_ppi_request(&keel_vtimer, irq, "keel-guest-vtimer");
	if (r)
		pr_err("requesting the guest virtual-timer interrupt %d failed: %d\n", irq, r);
	return r;
}

void keel_vtimer_exit(void) { keel_host_ppi_free(&keel_vtimer); }

void keel_vtimer_cpu_up(void)
{
	keel_host_ppi_enable(&keel_vtimer, true);
	this_cpu_write(keel_vtimer_masked, false);
}

void keel_vtimer_cpu_down(void) { keel_host_ppi_enable(&keel_vtimer, false); }

/*
 * kvm_timer_vcpu_load_nogic(): while userspace was told the guest's timer
 * is asserted, keep the PPI masked on this CPU, else an asserted timer would
 * exit the guest over and over. Preemption off.
 */
void keel_vtimer_mask(bool masked)
{
	if (!keel_vtimer.irq || __this_cpu_read(keel_vtimer_masked) == masked)
		return;
	keel_host_ppi_enable(&keel_vtimer, !masked);
	__this_cpu_write(keel_vtimer_masked, masked);
}

/* ---- the guest's timers -------------------------------------------------------------------- */

/* kvm_timer_vcpu_init(): KVM 6.1's default_vtimer_irq and default_ptimer_irq. */
void keel_timer_vcpu_init(struct keel_vcpu *vcpu)
{
	vcpu->arch.timer_ppi[0] = KEEL_VGIC_VTIMER_PPI;
	vcpu->arch.timer_ppi[1] = KEEL_VGIC_PTIMER_PPI;
}

/*
 * kvm_arm_timer_{set,get,has}_attr(): KVM_ARM_VCPU_TIMER_IRQ_VTIMER / _PTIMER,
 * a PPI each. A set (with an in-kernel GIC, before this vCPU's first run)
 * applies to every vCPU there is, as KVM's set_timer_irqs().
 */
long keel_timer_attr(struct keel_vcpu *vcpu, unsigned int ioctl, const struct kvm_device_attr *attr)
{
	int __user *uaddr = u64_to_user_ptr(attr->addr);
	struct keel_vm *vm = vcpu->vm;
	unsigned int i, t;
	int irq;

	t = attr->attr == KVM_ARM_VCPU_TIMER_IRQ_PTIMER;
	if (ioctl == KVM_GET_DEVICE_ATTR || ioctl == KVM_HAS_DEVICE_ATTR) {
		if (attr->attr != KVM_ARM_VCPU_TIMER_IRQ_VTIMER && attr->attr != KVM_ARM_VCPU_TIMER_IRQ_PTIMER)
			return -ENXIO;
		return ioctl == KVM_HAS_DEVICE_ATTR ? 0 : put_user((int)vcpu->arch.timer_ppi[t], uaddr);
	}
	if (!keel_vgic_created(vm))
		return -EINVAL;
	if (get_user(irq, uaddr))
		return -EFAULT;
	if (irq < 16 || irq >= 32)
		return -EINVAL;
	if (vcpu->arch.timer_enabled)
		return -EBUSY;
	if (attr->attr != KVM_ARM_VCPU_TIMER_IRQ_VTIMER && attr->attr != KVM_ARM_VCPU_TIMER_IRQ_PTIMER)
		return -ENXIO;
	mutex_lock(&vm->lock);
	for (i = 0; i < vm->nr_vcpus; i++) {
		vm->vcpus[i]->arch.timer_ppi[t] = (u8)irq;
		vm->vcpus[i]->arch.timer_ppi[!t] = vcpu->arch.timer_ppi[!t];
	}
	mutex_unlock(&vm->lock);
	return 0;
}

/*
 * kvm_timer_enable() at a vCPU's first KVM_RUN: with an in-kernel GIC, the
 * two PPIs differ and every vCPU has the same (-EINVAL, as
 * timer_irqs_are_valid()); keel gets them.
 */
long keel_timer_enable(struct keel_vcpu *vcpu)
{
	struct keel_vm *vm = vcpu->vm;
	const u8 *ppi = vcpu->arch.timer_ppi;
	unsigned int i;
	long r = 0;

	if (vcpu->arch.timer_enabled)
		return 0;
	if (keel_vgic_created(vm)) {
		mutex_lock(&vm->lock);
		if (ppi[0] == ppi[1])
			r = -EINVAL;
		for (i = 0; i < vm->nr_vcpus; i++)
			if (memcmp(vm->vcpus[i]->arch.timer_ppi, ppi, sizeof(vcpu->arch.timer_ppi)))
				r = -EINVAL;
		/* keel has 27 and 30 from the GIC's init; told only of others (it refuses while a vCPU runs) */
		if (!r && memcmp(vm->arch.timer_ppi, ppi, sizeof(vm->arch.timer_ppi))) {
			r = keel_vgic_set_timers(vm, ppi[0], ppi[1]);
			if (!r)
				memcpy(vm->arch.timer_ppi, ppi, sizeof(vm->arch.timer_ppi));
		}
		mutex_unlock(&vm->lock);
		if (r)
			return r;
	}
	vcpu->arch.timer_enabled = true;
	return 0;
}

/* kvm_timer_should_fire(): enabled, not masked, the counter at or past CVAL. */
static bool keel_timer_fires(u64 ctl, u64 cnt, u64 cval)
{
	return (ctl & ARCH_TIMER_CTRL_ENABLE) && !(ctl & ARCH_TIMER_CTRL_IT_MASK) && cnt >= cval;
}

/*
 * The timer lines now, as device_irq_level bits, from one read of the
 * counter: the virtual timer's, and the EL1 physical timer's that keel
 * emulates (KVM's ptimer, no offset), whose level is the shim's to raise;
 * and the PMU's overflow line (kvm_pmu_update_run()), kept with them.
 */
u64 keel_timer_levels(struct keel_vcpu *vcpu)
{
	struct keel_vcpu_ctx *c = vcpu->ctx;
	u64 now = keel_cntpct();

	return (keel_timer_fires(c->cntv_ctl, now - c->cntvoff, c->cntv_cval) ? KVM_ARM_DEV_EL1_VTIMER : 0) |
	       (keel_timer_fires(c->cntp_ctl, now, c->cntp_cval) ? KVM_ARM_DEV_EL1_PTIMER : 0) |
	       keel_pmu_level(vcpu);
}

/* The timer lines userspace was last told of. */
u64 keel_timer_reported(struct keel_vcpu *vcpu)
{
	return vcpu->run->s.regs.device_irq_level & (KVM_ARM_DEV_EL1_VTIMER | KVM_ARM_DEV_EL1_PTIMER | KVM_ARM_DEV_PMU);
}

/* kvm_timer_update_run() + kvm_pmu_update_run() */
void keel_timer_update_run(struct keel_vcpu *vcpu)
{
	struct kvm_sync_regs *regs = &vcpu->run->s.regs;

	regs->device_irq_level &= ~(KVM_ARM_DEV_EL1_VTIMER | KVM_ARM_DEV_EL1_PTIMER | KVM_ARM_DEV_PMU);
	regs->device_irq_level |= keel_timer_levels(vcpu);
}

/* Nanoseconds until a timer that is enabled and not masked fires (0: now), U64_MAX if it never will. */
u64 keel_timer_ns(u64 ctl, u64 cnt, u64 cval)
{
	u64 freq = read_sysreg(cntfrq_el0);

	if (!(ctl & ARCH_TIMER_CTRL_ENABLE) || (ctl & ARCH_TIMER_CTRL_IT_MASK))
		return U64_MAX;
	return freq && cval > cnt ? mul_u64_u32_div(cval - cnt, NSEC_PER_SEC, (u32)freq) : 0;
}

/* The soft timer (KVM's bg_timer / the emulated ptimer's hrtimer): the vCPU is kicked when it fires. */
enum hrtimer_restart keel_bg_timer_expire(struct hrtimer *t)
{
	keel_vcpu_kick(container_of(t, struct keel_vcpu, arch.bg_timer));
	return HRTIMER_NORESTART;
}

void keel_bg_timer_start(struct keel_vcpu *vcpu, u64 ns)
{
	if (ns != U64_MAX)
		hrtimer_start(&vcpu->arch.bg_timer, ns_to_ktime(min_t(u64, ns, KTIME_MAX)), HRTIMER_MODE_REL);
}

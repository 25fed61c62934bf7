// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_IRQFD and KVM_SET_GSI_ROUTING (virt/kvm/eventfd.c, irqchip.c of
 * Linux 6.1): an eventfd the VMM or a device backend signals raises the
 * guest interrupt its GSI routes to, in the kernel, without the VMM. The
 * routing table maps GSIs to the arch's irqchip pins or MSIs; the arch
 * checks entries and raises lines (keel_arch_irq_*; arm64: SPIs of the
 * in-kernel GICv3). An irqfd is injected from its eventfd's wake-up, and
 * dropped when the VMM deassigns it, the eventfd closes or the VM goes.
 * A resampling irqfd (KVM_IRQFD_FLAG_RESAMPLE: a level interrupt a device
 * backend re-asserts after the guest's EOI) shares its GSI's resampler:
 * keel is asked to report that pin's EOIs; at one keel lowers the line and
 * every resamplefd of the GSI is signalled (KVM's irqfd_resampler_ack()).
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/kvm.h>
#include <linux/list.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "shim.h"

struct keel_irq_routing {
	struct rcu_head rcu;
	unsigned int nr;
	struct keel_irq_route e[];
};

/* A GSI's resampling irqfds (KVM's kvm_kernel_irqfd_resampler). */
struct keel_irqfd_resampler {
	struct list_head link;   /* vm->resamplers (RCU), under vm->irq_lock */
	struct list_head irqfds; /* keel_irqfd.resampler_link (RCU), under vm->irq_lock */
	u32 gsi;
	struct rcu_head rcu;
};

struct keel_irqfd {
	struct keel_vm *vm;
	struct list_head list;   /* vm->irqfds, under vm->irqfd_lock; empty once deactivated */
	u32 gsi;
	struct eventfd_ctx *eventfd;
	struct keel_irqfd_resampler *resampler; /* KVM_IRQFD_FLAG_RESAMPLE: its GSI's */
	struct eventfd_ctx *resamplefd;
	struct list_head resampler_link;
	wait_queue_entry_t wait;
	wait_queue_head_t *wqh;
	poll_table pt;
	struct work_struct shutdown;
};

static struct workqueue_struct *keel_irqfd_wq;

int keel_irqfd_module_init(void)
{
	keel_irqfd_wq = alloc_workqueue("keel-irqfd-cleanup", 0, 0);
	return keel_irqfd_wq ? 0 : -ENOMEM;
}

void keel_irqfd_module_exit(void)
{
	destroy_workqueue(keel_irqfd_wq);
}

void keel_vm_irqfd_init(struct keel_vm *vm)
{
	INIT_LIST_HEAD(&vm->irqfds);
	INIT_LIST_HEAD(&vm->resamplers);
	spin_lock_init(&vm->irqfd_lock);
	mutex_init(&vm->irq_lock);
}

/* kvm_irq_map_chip_pin(): the GSI an irqchip pin acks to (the table's last route to it), or -1. */
static long keel_irq_chip_pin_gsi(const struct keel_irq_routing *rt, u32 irqchip, u32 pin)
{
	long gsi = -1;
	unsigned int i;

	for (i = 0; rt && i < rt->nr; i++)
		if (rt->e[i].type == KVM_IRQ_ROUTING_IRQCHIP && rt->e[i].irqchip == irqchip && rt->e[i].pin == pin)
			gsi = rt->e[i].gsi;
	return gsi;
}

/*
 * Under vm->irq_lock, after the resamplers or the routing changed: keel
 * reports the EOIs of exactly the pins whose GSI has a resampler.
 */
static void keel_resample_update_locked(struct keel_vm *vm)
{
	const struct keel_irq_routing *rt = rcu_dereference_protected(vm->irq_routing,
								      lockdep_is_held(&vm->irq_lock));
	DECLARE_BITMAP(want, KEEL_RESAMPLE_PINS);
	struct keel_irqfd_resampler *r;
	unsigned int i;

	bitmap_zero(want, KEEL_RESAMPLE_PINS);
	list_for_each_entry(r, &vm->resamplers, link)
		for (i = 0; rt && i < rt->nr; i++)
			if (rt->e[i].gsi == r->gsi && rt->e[i].type == KVM_IRQ_ROUTING_IRQCHIP &&
			    rt->e[i].irqchip == 0 && rt->e[i].pin < KEEL_RESAMPLE_PINS &&
			    keel_irq_chip_pin_gsi(rt, 0, rt->e[i].pin) == r->gsi)
				__set_bit(rt->e[i].pin, want);
	for (i = 0; i < KEEL_RESAMPLE_PINS; i++) {
		bool on = test_bit(i, want);

		if (on != test_bit(i, vm->resample_pins) && !keel_arch_irq_resample(vm, i, on))
			__assign_bit(i, vm->resample_pins, on);
	}
}

/* kvm_notify_acked_irq() from the arch: the guest EOI'd a pin keel watches (its line already low). */
void keel_irqfd_notify_acked(struct keel_vm *vm, u32 irqchip, u32 pin)
{
	struct keel_irqfd_resampler *r;
	struct keel_irqfd *irqfd;
	long gsi;

	rcu_read_lock();
	gsi = keel_irq_chip_pin_gsi(rcu_dereference(vm->irq_routing), irqchip, pin);
	list_for_each_entry_rcu(r, &vm->resamplers, link)
		if (r->gsi == gsi)
			list_for_each_entry_rcu(irqfd, &r->irqfds, resampler_link)
				eventfd_signal(irqfd->resamplefd, 1);
	rcu_read_unlock();
}

/* kvm_set_irq() from the host: each target of a GSI to level. */
static void keel_irq_set_gsi(struct keel_vm *vm, u32 gsi, bool level)
{
	struct keel_irq_routing *rt;
	unsigned int i;

	rcu_read_lock();
	rt = rcu_dereference(vm->irq_routing);
	for (i = 0; rt && i < rt->nr; i++)
		if (rt->e[i].gsi == gsi)
			keel_arch_irq_set(vm, &rt->e[i], level);
	rcu_read_unlock();
}

/* irqfd_resampler_shutdown(): off its GSI's resampler; the last one out lowers the line. May sleep. */
static void keel_irqfd_resampler_shutdown(struct keel_irqfd *irqfd)
{
	struct keel_irqfd_resampler *r = irqfd->resampler;
	struct keel_vm *vm = irqfd->vm;

	mutex_lock(&vm->irq_lock);
	list_del_rcu(&irqfd->resampler_link);
	if (list_empty(&r->irqfds)) {
		list_del_rcu(&r->link);
		keel_resample_update_locked(vm);
		keel_irq_set_gsi(vm, r->gsi, false);
		kfree_rcu(r, rcu);
	}
	mutex_unlock(&vm->irq_lock);
	synchronize_rcu(); /* no ack walks this irqfd's resamplefd any more */
	irqfd->resampler = NULL;
}

/* kvm_irqfd_assign()'s resampler part: the GSI's, made if it has none. */
static long keel_irqfd_resampler_join(struct keel_irqfd *irqfd)
{
	struct keel_vm *vm = irqfd->vm;
	struct keel_irqfd_resampler *r;

	mutex_lock(&vm->irq_lock);
	list_for_each_entry(r, &vm->resamplers, link)
		if (r->gsi == irqfd->gsi)
			goto join;
	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r) {
		mutex_unlock(&vm->irq_lock);
		return -ENOMEM;
	}
	r->gsi = irqfd->gsi;
	INIT_LIST_HEAD(&r->irqfds);
	list_add_rcu(&r->link, &vm->resamplers);
	keel_resample_update_locked(vm);
join:
	list_add_rcu(&irqfd->resampler_link, &r->irqfds);
	irqfd->resampler = r;
	mutex_unlock(&vm->irq_lock);
	return 0;
}

/*
 * irqfd_wakeup()'s injection: each target of the irqfd's GSI, as the arch's
 * kvm_arch_set_irq_inatomic() raises it (arm64: an SPI's line goes high and
 * stays so, as KVM's; the guest's VMM lowers it).
 */
static void keel_irqfd_inject(struct keel_irqfd *irqfd)
{
	struct keel_vm *vm = irqfd->vm;
	struct keel_irq_routing *rt;
	unsigned int i;

	rcu_read_lock();
	rt = rcu_dereference(vm->irq_routing);
	for (i = 0; rt && i < rt->nr; i++)
		if (rt->e[i].gsi == irqfd->gsi)
			keel_arch_irq_set(vm, &rt->e[i], true);
	rcu_read_unlock();
}

static void keel_irqfd_shutdown(struct work_struct *work)
{
	struct keel_irqfd *irqfd = container_of(work, struct keel_irqfd, shutdown);
	u64 cnt;

	eventfd_ctx_remove_wait_queue(irqfd->eventfd, &irqfd->wait, &cnt);
	if (irqfd->resampler)
		keel_irqfd_resampler_shutdown(irqfd);
	if (irqfd->resamplefd)
		eventfd_ctx_put(irqfd->resamplefd);
	eventfd_ctx_put(irqfd->eventfd);
	kfree(irqfd);
}

/* Under vm->irqfd_lock: off the list, freed from the workqueue. */
static void keel_irqfd_deactivate(struct keel_irqfd *irqfd)
{
	list_del_init(&irqfd->list);
	queue_work(keel_irqfd_wq, &irqfd->shutdown);
}

/* irqfd_wakeup(): with the eventfd's wait-queue lock held, interrupts off. */
static int keel_irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode, int sync, void *key)
{
	struct keel_irqfd *irqfd = container_of(wait, struct keel_irqfd, wait);
	__poll_t flags = key_to_poll(key);
	struct keel_vm *vm = irqfd->vm;
	unsigned long iflags;
	u64 cnt;

	if (flags & EPOLLIN) {
		eventfd_ctx_do_read(irqfd->eventfd, &cnt);
		keel_irqfd_inject(irqfd); /* a hypercall and kicks: nothing here sleeps */
	}
	if (flags & EPOLLHUP) {
		/* the eventfd is going: unhook, unless a deassign got there first */
		spin_lock_irqsave(&vm->irqfd_lock, iflags);
		if (!list_empty(&irqfd->list))
			keel_irqfd_deactivate(irqfd);
		spin_unlock_irqrestore(&vm->irqfd_lock, iflags);
	}
	return 0;
}

static void keel_irqfd_ptable_queue_proc(struct file *file, wait_queue_head_t *wqh, poll_table *pt)
{
	struct keel_irqfd *irqfd = container_of(pt, struct keel_irqfd, pt);

	irqfd->wqh = wqh;
	add_wait_queue_priority(wqh, &irqfd->wait);
}

static long keel_irqfd_assign(struct keel_vm *vm, const struct kvm_irqfd *args)
{
	struct keel_irqfd *irqfd, *tmp;
	struct eventfd_ctx *eventfd;
	struct fd f;
	__poll_t events;
	long r;

	if (!keel_arch_irqfd_ready(vm))
		return -EAGAIN; /* kvm_arch_intc_initialized() */
	irqfd = kzalloc(sizeof(*irqfd), GFP_KERNEL_ACCOUNT);
	if (!irqfd)
		return -ENOMEM;
	irqfd->vm = vm;
	irqfd->gsi = args->gsi;
	INIT_LIST_HEAD(&irqfd->list);
	INIT_WORK(&irqfd->shutdown, keel_irqfd_shutdown);
	f = fdget(args->fd);
	if (!f.file) {
		r = -EBADF;
		goto out;
	}
	eventfd = eventfd_ctx_fileget(f.file);
	if (IS_ERR(eventfd)) {
		r = PTR_ERR(eventfd);
		goto fail;
	}
	irqfd->eventfd = eventfd;
	if (args->flags & KVM_IRQFD_FLAG_RESAMPLE) {
		struct eventfd_ctx *resamplefd = eventfd_ctx_fdget(args->resamplefd);

		if (IS_ERR(resamplefd)) {
			r = PTR_ERR(resamplefd);
			goto fail;
		}
		irqfd->resamplefd = resamplefd;
		r = keel_irqfd_resampler_join(irqfd);
		if (r)
			goto fail;
	}
	init_waitqueue_func_entry(&irqfd->wait, keel_irqfd_wakeup);
	init_poll_funcptr(&irqfd->pt, keel_irqfd_ptable_queue_proc);

	spin_lock_irq(&vm->irqfd_lock);
	list_for_each_entry(tmp, &vm->irqfds, list) {
		if (tmp->eventfd == eventfd) {
			spin_unlock_irq(&vm->irqfd_lock);
			r = -EBUSY;
			goto fail;
		}
	}
	list_add_tail(&irqfd->list, &vm->irqfds);
	spin_unlock_irq(&vm->irqfd_lock);

	/* Hooked to the eventfd; an event already signalled is injected now. */
	events = vfs_poll(f.file, &irqfd->pt);
	if (events & EPOLLIN)
		keel_irqfd_inject(irqfd);
	fdput(f);
	return 0;
fail:
	if (irqfd->resampler)
		keel_irqfd_resampler_shutdown(irqfd); /* as KVM's: the last one out lowers the line */
	if (irqfd->resamplefd)
		eventfd_ctx_put(irqfd->resamplefd);
	if (!IS_ERR_OR_NULL(irqfd->eventfd))
		eventfd_ctx_put(irqfd->eventfd);
	fdput(f);
out:
	kfree(irqfd);
	return r;
}

/* kvm_irqfd_deassign(): every irqfd of that eventfd and GSI, gone once this returns. */
static long keel_irqfd_deassign(struct keel_vm *vm, const struct kvm_irqfd *args)
{
	struct keel_irqfd *irqfd, *tmp;
	struct eventfd_ctx *eventfd = eventfd_ctx_fdget(args->fd);

	if (IS_ERR(eventfd))
		return PTR_ERR(eventfd);
	spin_lock_irq(&vm->irqfd_lock);
	list_for_each_entry_safe(irqfd, tmp, &vm->irqfds, list)
		if (irqfd->eventfd == eventfd && irqfd->gsi == args->gsi)
			keel_irqfd_deactivate(irqfd);
	spin_unlock_irq(&vm->irqfd_lock);
	eventfd_ctx_put(eventfd);
	flush_workqueue(keel_irqfd_wq);
	return 0;
}

long keel_vm_irqfd(struct keel_vm *vm, const struct kvm_irqfd *args)
{
	if (args->flags & ~(KVM_IRQFD_FLAG_DEASSIGN | KVM_IRQFD_FLAG_RESAMPLE))
		return -EINVAL;
	if (args->flags & KVM_IRQFD_FLAG_DEASSIGN)
		return keel_irqfd_deassign(vm, args);
	return keel_irqfd_assign(vm, args);
}

/* The VM's end (its file's last reference): every irqfd and the routing table. */
void keel_vm_irqfd_free(struct keel_vm *vm)
{
	struct keel_irqfd *irqfd, *tmp;

	spin_lock_irq(&vm->irqfd_lock);
	list_for_each_entry_safe(irqfd, tmp, &vm->irqfds, list)
		keel_irqfd_deactivate(irqfd);
	spin_unlock_irq(&vm->irqfd_lock);
	flush_workqueue(keel_irqfd_wq);
	kvfree(rcu_dereference_protected(vm->irq_routing, 1));
}

/* kvm_set_irq_routing(): the checks of setup_routing_entry() and the arch's, then the table swapped. */
long keel_vm_set_irq_routing(struct keel_vm *vm, const struct kvm_irq_routing_entry *ue, u32 nr)
{
	struct keel_irq_routing *rt, *old;
	u32 i, j;
	long r;

	rt = kvzalloc(struct_size(rt, e, nr), GFP_KERNEL_ACCOUNT);
	if (!rt)
		return -ENOMEM;
	rt->nr = nr;
	for (i = 0; i < nr; i++) {
		r = -EINVAL;
		if (ue[i].gsi >= KEEL_MAX_IRQ_ROUTES ||
		    (ue[i].flags & ~(ue[i].type == KVM_IRQ_ROUTING_MSI ? KVM_MSI_VALID_DEVID : 0)))
			goto fail;
		/* a GSI: to each irqchip at most once, or to one non-irqchip target alone */
		for (j = 0; j < i; j++)
			if (rt->e[j].gsi == ue[i].gsi &&
			    (rt->e[j].type != KVM_IRQ_ROUTING_IRQCHIP || ue[i].type != KVM_IRQ_ROUTING_IRQCHIP ||
			     rt->e[j].irqchip == ue[i].u.irqchip.irqchip))
				goto fail;
		r = keel_arch_irq_route(vm, &ue[i], &rt->e[i]);
		if (r)
			goto fail;
		rt->e[i].gsi = ue[i].gsi;
		rt->e[i].type = ue[i].type;
	}
	mutex_lock(&vm->irq_lock);
	old = rcu_dereference_protected(vm->irq_routing, lockdep_is_held(&vm->irq_lock));
	rcu_assign_pointer(vm->irq_routing, rt);
	keel_resample_update_locked(vm);
	mutex_unlock(&vm->irq_lock);
	synchronize_rcu_expedited(); /* as kvm_set_irq_routing()'s: VMMs change routes often (MSI-X) */
	kvfree(old);
	return 0;
fail:
	kvfree(rt);
	return r;
}

/* KVM_SET_GSI_ROUTING's ioctl part: the header, then the entries. */
long keel_vm_gsi_routing_ioctl(struct keel_vm *vm, void __user *argp)
{
	struct kvm_irq_routing routing;
	struct kvm_irq_routing_entry *entries = NULL;
	struct kvm_irq_routing __user *urouting = argp;
	long r;

	if (copy_from_user(&routing, argp, sizeof(routing)))
		return -EFAULT;
	if (!keel_arch_can_set_irq_routing(vm) || routing.nr > KEEL_MAX_IRQ_ROUTES || routing.flags)
		return -EINVAL;
	if (routing.nr) {
		entries = vmemdup_user(urouting->entries, array_size(sizeof(*entries), routing.nr));
		if (IS_ERR(entries))
			return PTR_ERR(entries);
	}
	r = keel_vm_set_irq_routing(vm, entries, routing.nr);
	kvfree(entries);
	return r;
}

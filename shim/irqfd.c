// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_IRQFD and KVM_SET_GSI_ROUTING (virt/kvm/eventfd.c, irqchip.c of
 * Linux 6.1): an eventfd the VMM or a device backend signals raises the
 * guest interrupt its GSI routes to, in the kernel, without the VMM. The
 * routing table maps GSIs to the arch's irqchip pins or MSIs; the arch
 * checks entries and raises lines (keel_arch_irq_*; arm64: SPIs of the
 * in-kernel GICv3). An irqfd is injected from its eventfd's wake-up, and
 * dropped when the VMM deassigns it, the eventfd closes or the VM goes.
 * Not (yet): KVM_IRQFD_FLAG_RESAMPLE (level-triggered irqfds re-armed at
 * the guest's EOI) — -EINVAL, and KVM_CAP_IRQFD_RESAMPLE reads 0.
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

struct keel_irqfd {
	struct keel_vm *vm;
	struct list_head list;   /* vm->irqfds, under vm->irqfd_lock; empty once deactivated */
	u32 gsi;
	struct eventfd_ctx *eventfd;
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
	spin_lock_init(&vm->irqfd_lock);
	mutex_init(&vm->irq_lock);
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
			keel_arch_irqfd_inject(vm, &rt->e[i]);
	rcu_read_unlock();
}

static void keel_irqfd_shutdown(struct work_struct *work)
{
	struct keel_irqfd *irqfd = container_of(work, struct keel_irqfd, shutdown);
	u64 cnt;

	eventfd_ctx_remove_wait_queue(irqfd->eventfd, &irqfd->wait, &cnt);
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
	if (args->flags & KVM_IRQFD_FLAG_RESAMPLE)
		return -EINVAL; /* not (yet) over keel: KVM_CAP_IRQFD_RESAMPLE reads 0 */
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
	mutex_unlock(&vm->irq_lock);
	synchronize_rcu();
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

// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_IOEVENTFD (virt/kvm/eventfd.c's ioeventfds): a guest's write to an
 * address the VMM registered signals an eventfd in the kernel, and the vCPU
 * carries on without a trip to userspace. The arch's MMIO exit asks
 * keel_ioeventfd_write() before it hands an access to the VMM. KVM keeps
 * them on I/O buses (MMIO, PIO, virtio-ccw) with at most 1000 devices a
 * bus; so does the shim, as one list per VM with the bus in each entry.
 * Checks and errnos are kvm_ioeventfd()'s. The list is read under RCU (KVM:
 * SRCU over the bus) and changed under ioeventfd_lock.
 */
#include <linux/eventfd.h>
#include <linux/kvm.h>
#include <linux/list.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "shim.h"

#define KEEL_IOBUS_MAX 1000 /* NR_IOBUS_DEVS */

enum keel_iobus { KEEL_MMIO_BUS, KEEL_PIO_BUS, KEEL_CCW_BUS, KEEL_NR_BUSES };

struct keel_ioeventfd {
	struct list_head list;
	u64 addr;
	unsigned int len;        /* 0: any access at addr */
	enum keel_iobus bus;
	bool wildcard;           /* no DATAMATCH */
	u64 datamatch;
	struct eventfd_ctx *eventfd;
};

void keel_vm_ioeventfd_init(struct keel_vm *vm)
{
	INIT_LIST_HEAD(&vm->ioeventfds);
	spin_lock_init(&vm->ioeventfd_lock);
}

void keel_vm_ioeventfd_free(struct keel_vm *vm)
{
	struct keel_ioeventfd *p, *n;

	list_for_each_entry_safe(p, n, &vm->ioeventfds, list) {
		list_del(&p->list);
		eventfd_ctx_put(p->eventfd);
		kfree(p);
	}
}

static enum keel_iobus keel_iobus(u32 flags)
{
	if (flags & KVM_IOEVENTFD_FLAG_PIO)
		return KEEL_PIO_BUS;
	if (flags & KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY)
		return KEEL_CCW_BUS;
	return KEEL_MMIO_BUS;
}

/* ioeventfd_check_collision(): the same address on the bus, unless both lengths and datamatches tell them apart. */
static bool keel_ioeventfd_collides(struct keel_vm *vm, const struct keel_ioeventfd *p)
{
	struct keel_ioeventfd *q;

	list_for_each_entry(q, &vm->ioeventfds, list)
		if (q->bus == p->bus && q->addr == p->addr &&
		    (!q->len || !p->len ||
		     (q->len == p->len && (q->wildcard || p->wildcard || q->datamatch == p->datamatch))))
			return true;
	return false;
}

static long keel_ioeventfd_assign(struct keel_vm *vm, const struct kvm_ioeventfd *args)
{
	struct keel_ioeventfd *p, *q;
	unsigned int on_bus = 0;
	long ret = 0;

	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	p->eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(p->eventfd)) {
		ret = PTR_ERR(p->eventfd);
		kfree(p);
		return ret;
	}
	p->addr = args->addr;
	p->len = args->len;
	p->bus = keel_iobus(args->flags);
	p->wildcard = !(args->flags & KVM_IOEVENTFD_FLAG_DATAMATCH);
	p->datamatch = p->wildcard ? 0 : args->datamatch;

	spin_lock(&vm->ioeventfd_lock);
	list_for_each_entry(q, &vm->ioeventfds, list)
		on_bus += q->bus == p->bus;
	if (keel_ioeventfd_collides(vm, p))
		ret = -EEXIST;
	else if (on_bus >= KEEL_IOBUS_MAX)
		ret = -ENOSPC; /* kvm_io_bus_register_dev() */
	else
		list_add_tail_rcu(&p->list, &vm->ioeventfds);
	spin_unlock(&vm->ioeventfd_lock);
	if (ret) {
		eventfd_ctx_put(p->eventfd);
		kfree(p);
	}
	return ret;
}

static long keel_ioeventfd_deassign(struct keel_vm *vm, const struct kvm_ioeventfd *args)
{
	struct eventfd_ctx *eventfd = eventfd_ctx_fdget(args->fd);
	bool wildcard = !(args->flags & KVM_IOEVENTFD_FLAG_DATAMATCH);
	struct keel_ioeventfd *p, *found = NULL;

	if (IS_ERR(eventfd))
		return PTR_ERR(eventfd);
	spin_lock(&vm->ioeventfd_lock);
	list_for_each_entry(p, &vm->ioeventfds, list)
		if (p->bus == keel_iobus(args->flags) && p->eventfd == eventfd && p->addr == args->addr &&
		    p->len == args->len && p->wildcard == wildcard && (wildcard || p->datamatch == args->datamatch)) {
			list_del_rcu(&p->list);
			found = p;
			break;
		}
	spin_unlock(&vm->ioeventfd_lock);
	eventfd_ctx_put(eventfd);
	if (!found)
		return -ENOENT;
	/*
	 * No vCPU signals it once this returns (QEMU drains the eventfd and takes
	 * notifications itself next): kvm_io_bus_unregister_dev()'s
	 * synchronize_srcu_expedited(). Expedited: VMMs deassign at every virtio
	 * queue reset, and a normal grace period is milliseconds each.
	 */
	synchronize_rcu_expedited();
	eventfd_ctx_put(found->eventfd);
	kfree(found);
	return 0;
}

/* KVM_IOEVENTFD: kvm_ioeventfd(). */
long keel_vm_ioeventfd(struct keel_vm *vm, const struct kvm_ioeventfd *args)
{
	switch (args->len) { /* a natural size, or 0: any access at the address */
	case 0:
	case 1:
	case 2:
	case 4:
	case 8:
		break;
	default:
		return -EINVAL;
	}
	if (args->addr + args->len < args->addr)
		return -EINVAL;
	if (args->flags & ~KVM_IOEVENTFD_VALID_FLAG_MASK)
		return -EINVAL;
	if (!args->len && (args->flags & KVM_IOEVENTFD_FLAG_DATAMATCH))
		return -EINVAL;
	if (args->flags & KVM_IOEVENTFD_FLAG_DEASSIGN)
		return keel_ioeventfd_deassign(vm, args);
	return keel_ioeventfd_assign(vm, args);
}

/* ioeventfd_in_range(): the address exactly, then the length (0: any), then the data unless a wildcard. */
static bool keel_ioeventfd_hit(const struct keel_ioeventfd *p, u64 addr, unsigned int len, u64 data)
{
	if (p->bus != KEEL_MMIO_BUS || p->addr != addr)
		return false;
	if (!p->len)
		return true;
	if (len != p->len)
		return false;
	if (p->wildcard)
		return true;
	if (len < 8)
		data &= (1ULL << (8 * len)) - 1;
	return data == p->datamatch;
}

/*
 * A guest's MMIO write of len bytes (data, little-endian): true if an
 * ioeventfd took it (its eventfd signalled; the access is complete), as
 * kvm_io_bus_write() on KVM_MMIO_BUS.
 */
bool keel_ioeventfd_write(struct keel_vm *vm, u64 addr, unsigned int len, u64 data)
{
	struct keel_ioeventfd *p;
	bool hit = false;

	rcu_read_lock();
	list_for_each_entry_rcu(p, &vm->ioeventfds, list)
		if (keel_ioeventfd_hit(p, addr, len, data)) {
			eventfd_signal(p->eventfd, 1);
			hit = true;
			break;
		}
	rcu_read_unlock();
	return hit;
}

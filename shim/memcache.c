// SPDX-License-Identifier: GPL-2.0
/*
 * The pages keel holds for a VM, given by the host (pKVM's hyp memcache):
 * the VM's first pages at KVM_CREATE_VM (KEEL_HC_VM_SIZE says how many),
 * then whatever keel asks for when a stage-2 mapping or a vCPU needs more
 * (-ENOMEM with x1 = pages: donate them with KEEL_HC_VM_TOPUP, ask again).
 * Every page is allocated with __GFP_ACCOUNT, so it is charged to the VMM's
 * memory cgroup as KVM's stage-2 tables and vCPUs are; a VMM at its limit
 * gets ENOMEM and nobody else notices. keel gives the pages back, zeroed,
 * when the VM goes; only then are they freed here.
 */
#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>

#include <asm/io.h>

#include "shim.h"

long keel_vm_donate_first(struct keel_vm *vm, unsigned int ipa_bits, struct keel_res *res)
{
	struct keel_res size;
	long ret;

	INIT_LIST_HEAD(&vm->donated);
	mutex_init(&vm->donate_lock);
	ret = keel_hvc(KEEL_HC_VM_SIZE, ipa_bits, 0, &size);
	if (ret)
		return ret;
	/* alloc_pages_exact() keeps the alignment of the power of two it rounds up to: enough for keel's. */
	if (!size.r[0] || size.r[0] > 64 || !is_power_of_2(size.r[1]) ||
	    roundup_pow_of_two(size.r[0]) < size.r[1])
		return -EINVAL;
	vm->first_size = size.r[0] << PAGE_SHIFT;
	vm->first = alloc_pages_exact(vm->first_size, GFP_KERNEL_ACCOUNT);
	if (!vm->first)
		return -ENOMEM;
	vm->donate_list = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	ret = vm->donate_list ? keel_hvc4(KEEL_HC_VM_CREATE, ipa_bits, virt_to_phys(vm->first), size.r[0], 0, res) :
				-ENOMEM;
	if (ret) /* nothing was donated: keel changes nothing on failure */
		keel_vm_donated_free(vm, true);
	return ret;
}

/* Donate n more pages to the VM's memcache in keel. */
long keel_vm_topup(struct keel_vm *vm, u64 n)
{
	LIST_HEAD(batch);
	struct page *page, *tmp;
	unsigned int i, k;
	long ret = 0;

	mutex_lock(&vm->donate_lock);
	while (n && !ret) {
		k = min_t(u64, n, KEEL_MAP_LIST_MAX);
		for (i = 0; i < k; i++) {
			page = alloc_page(GFP_KERNEL_ACCOUNT);
			if (!page) {
				ret = -ENOMEM;
				break;
			}
			list_add_tail(&page->lru, &batch);
			vm->donate_list[i] = page_to_phys(page);
		}
		if (!ret)
			ret = keel_hvc4(KEEL_HC_VM_TOPUP, vm->handle, virt_to_phys(vm->donate_list), k, 0, NULL);
		if (!ret) {
			list_splice_tail_init(&batch, &vm->donated);
			vm->nr_donated += k;
			n -= k;
		}
	}
	mutex_unlock(&vm->donate_lock);
	list_for_each_entry_safe(page, tmp, &batch, lru)
		__free_page(page);
	return ret;
}

long keel_vm_hvc_pages(struct keel_vm *vm, enum keel_hc fn, u64 a2, u64 a3, u64 a4, u64 a5, struct keel_res *out)
{
	struct keel_res res;
	long ret;

	for (;;) {
		ret = keel_hvc5(fn, vm->handle, a2, a3, a4, a5, &res);
		if (ret != -ENOMEM || !res.r[0])
			break;
		if (fatal_signal_pending(current))
			return -EINTR;
		ret = keel_vm_topup(vm, res.r[0]);
		if (ret)
			return ret;
	}
	if (out)
		*out = res;
	return ret;
}

void keel_vm_donated_free(struct keel_vm *vm, bool given_back)
{
	struct page *page, *tmp;

	if (!given_back) {
		/* Still keel's: the host must never touch them again. */
		WARN(vm->nr_donated || vm->first, KEEL_PR_PREFIX "%lu pages stay with keel\n",
		     vm->nr_donated + (vm->first ? vm->first_size >> PAGE_SHIFT : 0));
		return;
	}
	list_for_each_entry_safe(page, tmp, &vm->donated, lru)
		__free_page(page);
	INIT_LIST_HEAD(&vm->donated);
	vm->nr_donated = 0;
	if (vm->first)
		free_pages_exact(vm->first, vm->first_size);
	vm->first = NULL;
	if (vm->donate_list)
		free_page((unsigned long)vm->donate_list);
	vm->donate_list = NULL;
}

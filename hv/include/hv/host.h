/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host: the ordinary OS keel runs one level below itself, and its
 * stage 2. Lock order: host_s2_lock after vm->lock, before owner_lock and
 * the page pool lock.
 */
#ifndef HV_HOST_H
#define HV_HOST_H

#include <hv/boot.h>
#include <hv/pgtable.h>

/*
 * Build the host's second stage: an identity map of [0, 2^ia_bits), RAM as
 * normal memory and everything else as device memory, in the largest blocks
 * that fit, with keel's own memory left out, so the host cannot reach it.
 * Later donations and reclaims change pt.
 */
int host_stage2_init(struct pgtable *pt, const struct boot_info *bi, unsigned ia_bits);
/* Stop changing the stage 2 given to host_stage2_init (host unit tests). */
void host_stage2_forget(void);

/*
 * The host donates n pages (PAs) for a VM's use, all or nothing: they become
 * keel's and leave the host's stage 2. -EFAULT a page not the host's alone
 * (host_donate_hyp_pages), -ENOMEM keel's pool had no table to split a block.
 */
int host_donate_vm_pages(const uint64_t *pa, size_t n);
/* A donated page goes back: zeroed, the host's again, in its stage 2. Cannot fail. */
void host_reclaim_vm_page(void *page);
/*
 * A host access at ipa faulted in stage 2: true if it should simply be
 * retried (the page is the host's and mapped, or now mapped again), false if
 * it is not the host's to touch.
 */
bool host_stage2_fault(uint64_t ipa);

#endif

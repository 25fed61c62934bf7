/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest VMs: a fixed table of KEEL_MAX_VMS slots. A VM is named across the
 * hypercall ABI by a handle that carries its slot and the slot's generation
 * (bumped at every creation), so a stale or forged handle is refused, never
 * followed. Each VM has its own stage 2 (struct pgtable, PT_STAGE_GUEST),
 * its own VMID (from a bitmap; VMID 0 is the host's) and a limit on the
 * keel pages it may hold; destroying it gives every page and the VMID back.
 *
 * Locks (outer first; see also hv/spinlock.h):
 *   vm_table_lock   the table: slot states, generations, the VMID bitmap,
 *                   the guest-enabled CPU mask
 *   vm->lock        one VM: its stage 2 and page accounting
 *   then the page-owner, page-pool and console locks.
 * Functions ending in _locked expect the lock named in their comment held.
 */
#ifndef HV_VM_H
#define HV_VM_H

#include <hv/boot.h>
#include <hv/pgtable.h>
#include <hv/spinlock.h>
#include <hv/types.h>
#include <keel/abi.h>

#define VM_MAX KEEL_MAX_VMS
#define VM_VMID_MAX 256 /* VMIDs tracked (8-bit VMIDs); fewer if the arch has fewer */

enum vm_state {
	VM_FREE = 0,
	VM_LIVE,
};

struct vm {
	struct spinlock lock; /* vm->lock */
	/* Under vm_table_lock: */
	enum vm_state state;
	uint32_t gen;         /* generation of the slot, part of the handle, never 0 once used */
	/* Set at creation, constant while live: */
	unsigned slot;
	uint16_t vmid;
	unsigned ipa_bits;
	size_t page_limit;    /* keel pages this VM may hold */
	/* Under vm->lock: */
	struct pgtable s2;    /* the guest's stage 2 (its vmid field = vmid) */
	unsigned nr_vcpus;
	struct vcpu *vcpus[KEEL_MAX_VCPUS]; /* hv/vcpu.h: one keel page each */
	/* Per physical CPU: 1 + the vCPU that last ran there (0: none), to flush stale local TLB entries */
	uint8_t last_vcpu_ran[HV_MAX_CPUS];
	size_t mapped_pages;  /* guest pages mapped by vm_map (host pages shared with this VM) */
	/* keel's copy of a VM_MAP list, and batches of PAs being unmapped */
	uint64_t map_buf[KEEL_MAP_LIST_MAX];
};

struct vm_stats {
	size_t vms;
	size_t vcpus;
	size_t pages;          /* keel pages held by all VMs */
	size_t mapped;         /* guest pages mapped by VM_MAP, all VMs */
	uint64_t cpus_enabled; /* bitmap of CPUs that may run guests */
};

/* Largest IPA size a VM may have (0: this arch runs no guests). */
unsigned vm_max_ipa_bits(void);
/* Number of VMIDs available to guests. */
unsigned vm_nr_vmids(void);

/*
 * Create a VM: ipa_bits 0 means KEEL_VM_IPA_BITS_DEFAULT, otherwise
 * KEEL_VM_IPA_BITS_MIN .. vm_max_ipa_bits(); page_limit 0 means
 * min(KEEL_VM_PAGES_DEFAULT, pool size), more than the pool's size is
 * refused. -EINVAL bad arguments, -ENODEV no guests on this arch, -ENOSPC
 * no free slot or VMID, -ENOMEM pool empty (or the limit too small for the
 * stage-2 root). On success *handle, *ipa_out and *limit_out are set.
 * Nothing changes on failure.
 */
int vm_create(unsigned ipa_bits, size_t page_limit, uint64_t *handle, unsigned *ipa_out,
	      size_t *limit_out);
/*
 * Destroy the VM named by handle and its vCPUs: -EINVAL not a handle,
 * -ENOENT no such VM, -EBUSY one of its vCPUs runs on some CPU right now.
 */
int vm_destroy(uint64_t handle);
/*
 * The VM handle names, returned with vm->lock held (vm_table_lock taken and
 * dropped on the way): -EINVAL not a handle, -ENOENT no such VM.
 */
int vm_lock_by_handle(uint64_t handle, struct vm **out);
/*
 * KEEL_HC_VM_MAP: map ipa + i * PAGE_SIZE to the i-th of the n host PAs in
 * the host page at list_pa, all or nothing; each page stays the host's
 * (host_share_guest). flags: KEEL_MAP_*. Page-level leaves only, so that an
 * unmap never needs a table (never fails, never splits). -EINVAL arguments,
 * ipa range, or the list page not host RAM; -EFAULT a listed page not host
 * RAM; -EEXIST an IPA of the range mapped; -ENOMEM page limit or pool;
 * handle errors as vm_destroy.
 */
int vm_map(uint64_t handle, uint64_t ipa, paddr_t list_pa, uint64_t n, uint64_t flags);
/*
 * KEEL_HC_VM_UNMAP: unmap every page mapped in [ipa, ipa + npages pages),
 * give each back (host_unshare_guest), invalidate the VM's TLB entries.
 * *unmapped = pages that were mapped. -EINVAL alignment, npages 0, range
 * beyond the IPA size; handle errors as vm_destroy.
 */
int vm_unmap(uint64_t handle, uint64_t ipa, uint64_t npages, uint64_t *unmapped);

/* What the VM maps ipa to (tests, diagnostics): -ENOENT unmapped, -EINVAL beyond its IPA size. */
int vm_translate(uint64_t handle, uint64_t ipa, paddr_t *pa, uint32_t *prot);

/* Keel pages the VM holds (caller holds vm->lock). */
size_t vm_pages_locked(const struct vm *vm);

/* CPU cpu (keel's index) may / may no longer run guests. -EINVAL if cpu is out of range. */
int vm_cpu_enable(unsigned cpu);
int vm_cpu_disable(unsigned cpu);
uint64_t vm_cpus_enabled(void);

void vm_stats_get(struct vm_stats *st);

/* Forget every VM without freeing anything (host unit tests only, with page_pool_reset()). */
void vm_table_reset(void);

#endif

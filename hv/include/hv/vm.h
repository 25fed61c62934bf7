/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest VMs. A VM lives in pages the host donated for it (pKVM's model):
 * VM_CREATE's first pages hold its stage-2 root, its record (struct vm) and
 * its map buffer; VM_TOPUP fills its memcache, from which its other stage-2
 * tables and its vCPUs come. keel's own pool only holds the slot table
 * (vm_table_init) and the host's stage-2 tables. A VM
 * is named across the hypercall ABI by a handle that carries its slot (its
 * VMID) and the slot's generation (bumped at every creation), so a stale or
 * forged handle is refused, never followed. Destroying a VM gives every
 * donated page back to the host, zeroed, and frees its VMID.
 *
 * Locks (outer first; see also hv/spinlock.h):
 *   vm_table_lock   the slot table, the generations, the guest-enabled CPU mask
 *   vm->lock        one VM: its stage 2, memcache and page accounting
 *   then host_s2_lock, the page-owner, page-pool and console locks.
 * Functions ending in _locked expect the lock named in their comment held.
 */
#ifndef HV_VM_H
#define HV_VM_H

#include <arch/vcpu.h>
#include <hv/boot.h>
#include <hv/memcache.h>
#include <hv/pgtable.h>
#include <hv/spinlock.h>
#include <hv/types.h>
#include <keel/abi.h>

#define VM_VMID_MAX 65536 /* VMIDs a slot can name (16-bit); the arch may have fewer */

struct vm {
	struct spinlock lock; /* vm->lock */
	/* Set at creation, constant while live: */
	uint16_t vmid;        /* also its slot */
	uint32_t gen;         /* its slot's generation, part of the handle */
	unsigned ipa_bits;
	void *hw_root;        /* the first donated pages: its stage-2 hardware root */
	/* Under vm->lock: */
	struct memcache mc;   /* donated pages not in use */
	size_t donated;       /* pages the host donated for it (all given back at destroy) */
	struct pgtable s2;    /* the guest's stage 2 (its vmid field = vmid), tables from mc */
	unsigned nr_vcpus;
	struct vcpu **vcpus;  /* [KEEL_MAX_VCPUS], one memcache page; each vCPU (hv/vcpu.h) one page more */
	/* Per physical CPU: 1 + the vCPU that last ran there (0: none), to flush stale local TLB entries */
	uint16_t last_vcpu_ran[HV_MAX_CPUS];
	size_t mapped_pages;  /* guest pages mapped by vm_map (host pages shared with this VM) */
	/* keel's copy of a VM_MAP or VM_TOPUP list, and batches of PAs being unmapped (one page) */
	uint64_t *map_buf;
	struct vm_arch arch;  /* the arch's (arm64: the vGIC, under its own lock) */
};

struct vm_stats {
	size_t vms;
	size_t vcpus;
	size_t pages;          /* pages donated to VMs */
	size_t mapped;         /* guest pages mapped by VM_MAP, all VMs */
	uint64_t cpus_enabled; /* bitmap of CPUs that may run guests */
};

/* Largest IPA size a VM may have (0: this arch runs no guests). */
unsigned vm_max_ipa_bits(void);
/* Number of VMIDs available to guests. */
unsigned vm_nr_vmids(void);

/*
 * KEEL_HC_VM_SIZE: the pages vm_create needs donated for a VM of ipa_bits
 * (0 means KEEL_VM_IPA_BITS_DEFAULT, otherwise KEEL_VM_IPA_BITS_MIN ..
 * vm_max_ipa_bits()), and the alignment of the first, in pages.
 * -EINVAL ipa_bits, -ENODEV no guests on this arch.
 */
int vm_create_size(unsigned ipa_bits, size_t *pages, size_t *align);
/*
 * Create a VM in the npages host pages from first (exactly as vm_create_size
 * says): -EINVAL as vm_create_size or the pages' number or alignment,
 * -EFAULT a page not the host's alone, -ENOSPC no free VMID, -ENOMEM keel's
 * pool (host stage 2, slot table). On success *handle and *ipa_out are set;
 * nothing changes on failure.
 */
int vm_create(unsigned ipa_bits, paddr_t first, size_t npages, uint64_t *handle, unsigned *ipa_out);
/*
 * KEEL_HC_VM_TOPUP: the n host pages listed in the host page at list_pa go
 * to the VM's memcache, all or nothing. -EINVAL n or the list page, -EFAULT
 * a page not the host's alone, -ENOMEM keel's pool; handle errors as vm_destroy.
 */
int vm_topup(uint64_t handle, paddr_t list_pa, uint64_t n);
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
 * RAM; -EEXIST an IPA of the range mapped; -ENOMEM the memcache lacks
 * *need pages for tables; handle errors as vm_destroy.
 */
int vm_map(uint64_t handle, uint64_t ipa, paddr_t list_pa, uint64_t n, uint64_t flags, uint64_t *need);
/*
 * KEEL_HC_VM_UNMAP: unmap every page mapped in [ipa, ipa + npages pages),
 * give each back (host_unshare_guest), invalidate the VM's TLB entries.
 * *unmapped = pages that were mapped. -EINVAL alignment, npages 0, range
 * beyond the IPA size; handle errors as vm_destroy.
 */
int vm_unmap(uint64_t handle, uint64_t ipa, uint64_t npages, uint64_t *unmapped);

/* What the VM maps ipa to (tests, diagnostics): -ENOENT unmapped, -EINVAL beyond its IPA size. */
/*
 * KEEL_HC_IRQCHIP: op with its arguments arg[0..3] (x3..x6) on the VM's
 * in-keel interrupt controller, results to ret[0..2]; as the arch says
 * (arch_vm_irqchip), and handle errors as vm_destroy.
 */
int vm_irqchip(uint64_t handle, uint64_t op, const uint64_t *arg, uint64_t *ret);
/* KEEL_HC_VM_PMU, as vm_irqchip (arch_vm_pmu). */
int vm_pmu(uint64_t handle, uint64_t op, const uint64_t *arg, uint64_t *ret);

int vm_translate(uint64_t handle, uint64_t ipa, paddr_t *pa, uint32_t *prot);

/* Pages donated to the VM (caller holds vm->lock). */
size_t vm_pages_locked(const struct vm *vm);

/* CPU cpu (keel's index) may / may no longer run guests. -EINVAL if cpu is out of range. */
int vm_cpu_enable(unsigned cpu);
int vm_cpu_disable(unsigned cpu);
uint64_t vm_cpus_enabled(void);

void vm_stats_get(struct vm_stats *st);

/*
 * The slot table, one entry per VMID the arch has, from keel's pool (boot;
 * host unit tests call it again to forget every VM, with page_pool_reset()).
 * -ENOMEM if the pool cannot hold it.
 */
int vm_table_init(void);

#endif

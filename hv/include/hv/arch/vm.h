/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Arch contract: what the arch-neutral VM objects (hv/src/vm.c) need from
 * the virtualization hardware. Implemented in arch/<arch>/vm.c.
 */
#ifndef HV_ARCH_VM_H
#define HV_ARCH_VM_H

#include <hv/types.h>

struct pgtable;
struct memcache;

/* Largest guest IPA size in bits the arch's stage 2 supports; 0 if the arch runs no guests. */
unsigned arch_vm_max_ipa_bits(void);
/* Width of a VMID: guests get 1 .. 2^bits - 1 (VMID 0 is the host's); 0 if no guests. */
unsigned arch_vm_vmid_bits(void);
/* The calling CPU starts running guests (it may have missed TLB maintenance while it was off). */
void arch_vm_cpu_enable(void);
/* The calling CPU stops running guests. */
void arch_vm_cpu_disable(void);
/*
 * Invalidate, on every CPU, all TLB entries tagged with pt's VMID (a guest
 * stage 2). Called before the VMID is handed to another VM.
 */
void arch_vm_tlb_flush_vmid(const struct pgtable *pt);

/*
 * A VM's in-keel interrupt controller (KEEL_HC_IRQCHIP; struct vm_arch,
 * <arch/vcpu.h>). arch_vm_init: vm->arch set up at creation (vm->arch
 * zeroed). arch_vm_irqchip: one call's op with its arguments x3.. in arg[],
 * results to ret[] (vm->lock held): 0 or a negative errno, -ENODEV on an
 * arch without one. arch_vm_vcpus_fixed: the controller was sized for the
 * vCPUs there are, so no more may be created (vm->lock held).
 * arch_vm_fini: every page the controller took back to mc (vm->lock held,
 * no vCPU left).
 */
struct vm;
void arch_vm_init(struct vm *vm);
int arch_vm_irqchip(struct vm *vm, uint64_t op, const uint64_t *arg, uint64_t *ret);
/* The VM's guest PMU (KEEL_HC_VM_PMU), as arch_vm_irqchip: -ENODEV on an arch without one. */
int arch_vm_pmu(struct vm *vm, uint64_t op, const uint64_t *arg, uint64_t *ret);
bool arch_vm_vcpus_fixed(const struct vm *vm);
void arch_vm_fini(struct vm *vm, struct memcache *mc);

/*
 * vCPUs (hv/vcpu.h). The core handles objects, locking, power state and
 * the host's context pages as opaque; everything about the guest's state is
 * the arch's. An arch that runs no guests (its VM_CREATE already fails
 * with -ENODEV) answers -ENODEV / does nothing.
 *
 * arch_vcpu_extra_pages: pages of the VM's memcache a vCPU takes besides
 *   its struct vcpu page (state that does not fit there); arch_vcpu_init
 *   takes them (v zeroed, v->vm and v->index set) and arch_vcpu_fini gives
 *   them back.
 * arch_vcpu_hw_id: the id guests name vCPU index by (arm64: MPIDR_EL1
 *   affinity, as PSCI CPU_ON and AFFINITY_INFO take it).
 * arch_vcpu_load: the host's context (ctx, KEEL_VCPU_CTX_PAGES) into
 *   v->arch for a run, the exit record zeroed; then, if reset is not NULL,
 *   a pending power-on applied to it (as arch_vcpu_reset).
 * arch_vcpu_check: can the loaded state run as it is? -EINVAL if not
 *   (arm64: a PSTATE no guest can be in, an unknown PSCI version).
 * arch_vcpu_reset: apply a guest power-on call to a context (the host's at
 *   KEEL_POWER_TAKE_RESET, keel's copy at a run): at boot->entry, EL1 or
 *   kernel mode, interrupts masked, MMU off.
 * arch_vcpu_run: run v (loaded and checked, v->running set by the calling
 *   CPU) until the host is needed; handles what it can itself (arm64: the
 *   guest's PSCI/SMCCC calls, trapped system registers), counting in
 *   v->stat. flush_local: another vCPU of this VM ran on this CPU since v
 *   last did, so drop the CPU's local TLB entries of the VM. Returns enum
 *   keel_exit (> 0) or a negative errno.
 * arch_vcpu_store: back to the host's context what a run may change, the
 *   exit record with reason exit, and v->stat (less what a brief exit
 *   leaves in keel, where the arch has them: KEEL_IN_EXIT_BRIEF).
 * arch_vcpu_sync: what the last brief exit left in keel into the host's
 *   context (v not running); nothing when there is none.
 */
struct vcpu;
struct vcpu_boot;
struct keel_vcpu_ctx;
unsigned arch_vcpu_extra_pages(void);
void arch_vcpu_init(struct vcpu *v, struct memcache *mc);
void arch_vcpu_fini(struct vcpu *v, struct memcache *mc);
uint64_t arch_vcpu_hw_id(unsigned index);
void arch_vcpu_load(struct vcpu *v, const struct keel_vcpu_ctx *ctx, const struct vcpu_boot *reset);
int arch_vcpu_check(const struct vcpu *v);
void arch_vcpu_reset(struct keel_vcpu_ctx *ctx, const struct vcpu_boot *boot);
int arch_vcpu_run(struct vcpu *v, bool flush_local);
void arch_vcpu_store(struct keel_vcpu_ctx *ctx, struct vcpu *v, unsigned exit);
void arch_vcpu_sync(struct keel_vcpu_ctx *ctx, struct vcpu *v);

#endif

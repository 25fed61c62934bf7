/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Arch contract: what the arch-neutral VM objects (hv/src/vm.c) need from
 * the virtualization hardware. Implemented in arch/<arch>/vm.c.
 */
#ifndef HV_ARCH_VM_H
#define HV_ARCH_VM_H

#include <hv/types.h>

struct pgtable;

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
 * Running vCPUs (hv/vcpu.h). An arch that runs no guests (its VM_CREATE
 * already fails with -ENODEV) answers -ENODEV / does nothing.
 *
 * arch_vcpu_ctx_check: can the guest state in ctx be loaded as it is?
 *   -EINVAL if not (arm64: PSTATE must be AArch64 EL0t, EL1t or EL1h with
 *   no reserved or illegal-state bits; an unknown PSCI version).
 * arch_vcpu_ctx_reset: the state a vCPU starts in after a guest's power-on
 *   call (PSCI CPU_ON): at entry, with context in its first argument
 *   register, EL1 with interrupts masked, MMU off, data accesses in
 *   big_endian if its caller's were.
 * arch_vcpu_run: run v (v->ctx loaded and checked, v->running set by the
 *   calling CPU) until the host is needed; handles what it can itself (the
 *   guest's PSCI/SMCCC calls, trapped system registers) and stores the guest
 *   state, ctx.exit and v->stat back. flush_local: another vCPU of this VM
 *   ran on this CPU since v last did, so drop the CPU's local TLB entries
 *   of the VM. Returns enum keel_exit (> 0) or a negative errno.
 */
struct vcpu;
struct keel_vcpu_ctx;
int arch_vcpu_ctx_check(const struct keel_vcpu_ctx *ctx);
void arch_vcpu_ctx_reset(struct keel_vcpu_ctx *ctx, uint64_t entry, uint64_t context, bool big_endian);
int arch_vcpu_run(struct vcpu *v, bool flush_local);

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * Guest VMs (hv/arch/vm.h) on an arch that has no guest support yet (x86_64,
 * mips64: keel boots there to its banner and a virtualization report): it
 * offers none, so VM creation fails with -ENODEV and no VMIDs exist. Linked
 * by those arches' arch.mk.
 */
#include <hv/arch/vm.h>
#include <hv/errno.h>

unsigned arch_vm_max_ipa_bits(void) { return 0; }
unsigned arch_vm_vmid_bits(void) { return 0; }
void arch_vm_cpu_enable(void) {}
void arch_vm_cpu_disable(void) {}
void arch_vm_tlb_flush_vmid(const struct pgtable *pt) { (void)pt; }

/* No guests, so no vCPU ever gets this far (VM_CREATE fails first). */
unsigned arch_vcpu_extra_pages(void) { return 0; }
void arch_vcpu_init(struct vcpu *v, struct memcache *mc) { (void)v, (void)mc; }
void arch_vcpu_fini(struct vcpu *v, struct memcache *mc) { (void)v, (void)mc; }
uint64_t arch_vcpu_hw_id(unsigned index) { return index; }
void arch_vcpu_load(struct vcpu *v, const struct keel_vcpu_ctx *ctx, const struct vcpu_boot *reset)
{
	(void)v, (void)ctx, (void)reset;
}
int arch_vcpu_check(const struct vcpu *v) { (void)v; return -ENODEV; }
void arch_vcpu_reset(struct keel_vcpu_ctx *ctx, const struct vcpu_boot *boot) { (void)ctx, (void)boot; }
int arch_vcpu_run(struct vcpu *v, bool flush_local) { (void)v, (void)flush_local; return -ENODEV; }
void arch_vcpu_store(struct keel_vcpu_ctx *ctx, const struct vcpu *v, unsigned exit) { (void)ctx, (void)v, (void)exit; }

// SPDX-License-Identifier: GPL-2.0
/*
 * Guest VMs on mips64 (hv/arch/vm.h): not yet. keel boots here to its banner
 * and a virtualization report only, so it offers no guests: VM creation
 * fails with -ENODEV and no VMIDs exist.
 */
#include <hv/arch/vm.h>
#include <hv/errno.h>

unsigned arch_vm_max_ipa_bits(void) { return 0; }
unsigned arch_vm_vmid_bits(void) { return 0; }
void arch_vm_cpu_enable(void) {}
void arch_vm_cpu_disable(void) {}
void arch_vm_tlb_flush_vmid(const struct pgtable *pt) { (void)pt; }

/* No guests, so no vCPU ever gets this far (VM_CREATE fails first). */
int arch_vcpu_ctx_check(const struct keel_vcpu_ctx *ctx) { (void)ctx; return -ENODEV; }
void arch_vcpu_ctx_reset(struct keel_vcpu_ctx *ctx, uint64_t entry, uint64_t context, bool big_endian)
{
	(void)ctx;
	(void)entry;
	(void)context;
	(void)big_endian;
}
int arch_vcpu_run(struct vcpu *v, bool flush_local)
{
	(void)v;
	(void)flush_local;
	return -ENODEV;
}

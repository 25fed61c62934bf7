// SPDX-License-Identifier: GPL-2.0
/*
 * Guest vCPUs (hv/arch/vm.h) on an arch that runs none yet (x86_64, whose
 * VMs exist but have no vCPUs so far, and mips64): no vCPU state, and a
 * run of one fails with -ENODEV (the x86 shim refuses KVM_CREATE_VCPU
 * before it gets here). Linked by those arches' arch.mk.
 */
#include <hv/arch/vm.h>
#include <hv/errno.h>

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
void arch_vcpu_store(struct keel_vcpu_ctx *ctx, struct vcpu *v, unsigned exit) { (void)ctx, (void)v, (void)exit; }
void arch_vcpu_sync(struct keel_vcpu_ctx *ctx, struct vcpu *v) { (void)ctx, (void)v; }

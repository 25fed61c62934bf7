// SPDX-License-Identifier: GPL-2.0
/*
 * The fake arch's side of guest VMs, for host unit tests: limits the tests
 * set, and counters of what the "hardware" was asked to do. The test hooks
 * are declared where they are used (tests/unit/test_vm.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/arch/vm.h>
#include <hv/errno.h>
#include <hv/pgtable.h>
#include <hv/vcpu.h>

unsigned fake_vm_max_ipa_bits = 44;
unsigned fake_vm_vmid_bits = 8;
unsigned long fake_vm_cpu_enables, fake_vm_cpu_disables, fake_vm_vmid_flushes;
uint16_t fake_vm_last_flushed_vmid;

unsigned arch_vm_max_ipa_bits(void) { return fake_vm_max_ipa_bits; }
unsigned arch_vm_vmid_bits(void) { return fake_vm_vmid_bits; }
void arch_vm_cpu_enable(void) { fake_vm_cpu_enables++; }
void arch_vm_cpu_disable(void) { fake_vm_cpu_disables++; }

void arch_vm_tlb_flush_vmid(const struct pgtable *pt)
{
	if (pt->stage != PT_STAGE_GUEST || !pt->vmid || !pt->root) {
		fprintf(stderr, "fake arch: VMID flush of a table that is no live guest stage 2\n");
		abort();
	}
	fake_vm_vmid_flushes++;
	fake_vm_last_flushed_vmid = pt->vmid;
}

/*
 * vCPUs: the fake arch runs no guest. A test installs fake_vcpu_run_hook to
 * play the guest (change v->ctx, call the core's PSCI helpers, return an
 * exit); without one, running fails with -ENODEV as on an arch with no
 * guests. ctx_check accepts what arm64 would by mode only (pstate 0, 4, 5).
 */
int (*fake_vcpu_run_hook)(struct vcpu *v, bool flush_local);
unsigned long fake_vcpu_runs, fake_vcpu_flushes;

int arch_vcpu_ctx_check(const struct keel_vcpu_ctx *ctx)
{
	uint64_t m = ctx->pstate;

	return m == 0 || (m & ~0x3c0ULL) == 4 || (m & ~0x3c0ULL) == 5 ? 0 : -EINVAL;
}

void arch_vcpu_ctx_reset(struct keel_vcpu_ctx *ctx, uint64_t entry, uint64_t context, bool big_endian)
{
	memset(ctx->regs, 0, sizeof(ctx->regs));
	ctx->regs[0] = context;
	ctx->pc = entry;
	ctx->pstate = 0x3c5;
	ctx->sys[KEEL_SCTLR_EL1] = 0x00c50078 | (big_endian ? 1ULL << 25 : 0);
}

int arch_vcpu_run(struct vcpu *v, bool flush_local)
{
	fake_vcpu_runs++;
	fake_vcpu_flushes += flush_local;
	return fake_vcpu_run_hook ? fake_vcpu_run_hook(v, flush_local) : -ENODEV;
}

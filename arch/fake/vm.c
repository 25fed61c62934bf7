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
#include <hv/memcache.h>
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
 * play the guest (change v->arch.ctx, call the core's power helpers, return
 * an exit); without one, running fails with -ENODEV as on an arch with no
 * guests. Its context (keel/abi_arch.h) is loaded and stored with the same
 * kinds of rules a real arch has: config[] kept with KEEL_IN_CONFIG_KEPT,
 * in_arg never handed back, statistics keel's. fake_vcpu_extra_pages makes
 * a vCPU take more memcache pages, as an arch with big vCPU state would.
 */
int (*fake_vcpu_run_hook)(struct vcpu *v, bool flush_local);
unsigned long fake_vcpu_runs, fake_vcpu_flushes;
unsigned fake_vcpu_extra_pages;
static void *extra[KEEL_MAX_VCPUS][4];

unsigned arch_vcpu_extra_pages(void) { return fake_vcpu_extra_pages; }

void arch_vcpu_init(struct vcpu *v, struct memcache *mc)
{
	for (unsigned i = 0; i < fake_vcpu_extra_pages; i++) {
		extra[v->index][i] = memcache_pop(mc);
		if (!extra[v->index][i]) {
			fprintf(stderr, "fake arch: the core gave a vCPU fewer pages than it asked for\n");
			abort();
		}
	}
}

void arch_vcpu_fini(struct vcpu *v, struct memcache *mc)
{
	for (unsigned i = 0; i < 4; i++)
		if (extra[v->index][i])
			memcache_push(mc, extra[v->index][i]);
	memset(extra[v->index], 0, sizeof(extra[v->index]));
}

uint64_t arch_vcpu_hw_id(unsigned index) { return 0x100 + index; }

void arch_vcpu_load(struct vcpu *v, const struct keel_vcpu_ctx *h, const struct vcpu_boot *reset)
{
	struct keel_vcpu_ctx *k = &v->arch.ctx;
	uint64_t config[4];

	v->arch.page_stale = v->arch.page_brief;
	if (v->arch.page_stale)
		return;
	memcpy(config, k->config, sizeof(config));
	*k = *h;
	if (v->arch.config_valid && (h->in_flags & KEEL_IN_CONFIG_KEPT))
		memcpy(k->config, config, sizeof(config));
	v->arch.config_valid = true;
	memset(&k->exit, 0, sizeof(k->exit));
	if (reset)
		arch_vcpu_reset(k, reset);
}

int arch_vcpu_check(const struct vcpu *v)
{
	uint64_t m = v->arch.ctx.mode;

	if (v->arch.page_stale)
		return -EINVAL;
	return m == KEEL_FAKE_MODE_USER || m == KEEL_FAKE_MODE_KERNEL ? 0 : -EINVAL;
}

void arch_vcpu_reset(struct keel_vcpu_ctx *ctx, const struct vcpu_boot *boot)
{
	memset(ctx->regs, 0, sizeof(ctx->regs));
	ctx->regs[0] = boot->context;
	ctx->pc = boot->entry;
	ctx->mode = KEEL_FAKE_MODE_KERNEL;
}

int arch_vcpu_run(struct vcpu *v, bool flush_local)
{
	fake_vcpu_runs++;
	fake_vcpu_flushes += flush_local;
	return fake_vcpu_run_hook ? fake_vcpu_run_hook(v, flush_local) : -ENODEV;
}

void arch_vcpu_store(struct keel_vcpu_ctx *h, struct vcpu *v, unsigned exit)
{
	const struct keel_vcpu_ctx *k = &v->arch.ctx;

	v->arch.page_brief = k->in_flags & KEEL_IN_EXIT_BRIEF;
	if (!v->arch.page_brief)
		memcpy(h->regs, k->regs, sizeof(h->regs));
	h->pc = k->pc;
	h->mode = k->mode;
	h->in_flags = k->in_flags;
	h->exit = k->exit;
	h->exit.reason = exit;
	VCPU_STAT_STORE(h->stat, v->stat);
}

void arch_vcpu_sync(struct keel_vcpu_ctx *h, struct vcpu *v)
{
	if (v->arch.page_brief)
		memcpy(h->regs, v->arch.ctx.regs, sizeof(h->regs));
	v->arch.page_brief = false;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Guest vCPU objects (hv/src/vcpu.c) and their hypercalls, on the fake arch:
 * creation and page accounting, run-call validation (page, CPU, state),
 * what of the context page crosses at a run, power state, the guest PSCI helpers (CPU_ON pending and applied at the
 * next run, AFFINITY_INFO, system off), the sync after a brief exit, teardown with the VM.
 */
#include "test_ram.h"

#include <stdlib.h>

#include <hv/boot.h>
#include <hv/cpu.h>
#include <hv/errno.h>
#include <hv/hypercall.h>
#include <hv/owner.h>
#include <hv/vcpu.h>
#include <hv/arch/vm.h>
#include <hv/vm.h>
#include <keel/abi.h>

extern int (*fake_vcpu_run_hook)(struct vcpu *v, bool flush_local);
extern unsigned long fake_vcpu_runs, fake_vcpu_flushes;

#define POOL_PAGES 1024
#define RAM_PAGES 1024

static void *mem;
/* vCPU i's context page is RAM page 1 + i (the host's; its pointer is its PA); ctx is vCPU 0's. */
static struct keel_vcpu_ctx *ctx;
static struct boot_info bi;

static uint64_t pa_of(unsigned i) { return test_ram_pa(1 + i); }
static struct keel_vcpu_ctx *ctx_of(unsigned i) { return pa_to_ptr(pa_init(pa_of(i))); }

static int setup(void **state)
{
	(void)state;
	mem = pool_create(POOL_PAGES);
	assert_int_equal(vm_table_init(), 0);
	memset(&bi, 0, sizeof(bi));
	bi.mem[0] = test_ram_init(RAM_PAGES);
	bi.nr_mem = 1;
	ctx = ctx_of(0);
	for (unsigned i = 0; i < KEEL_MAX_VCPUS; i++)
		ctx_of(i)->mode = KEEL_FAKE_MODE_KERNEL;
	assert_int_equal(owner_init(&bi), 0);
	cpus_init(2);
	cpu_mark_online(0);
	cpu_mark_online(1);
	fake_cpu = 0;
	fake_vcpu_run_hook = NULL;
	fake_vcpu_runs = fake_vcpu_flushes = 0;
	assert_int_equal(vm_cpu_enable(0), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(fake_locks_held(), 0);
	pool_destroy(mem);
	test_ram_free();
	return 0;
}

static uint64_t new_vm(void) { return test_vm(0); }

static uint64_t pa(void) { return pa_of(0); }

/* Create vCPU i with its own context page, donating a page when keel asks, as the shim does. */
static int new_vcpu(uint64_t h, uint64_t i)
{
	uint64_t need;
	int ret;

	while ((ret = vcpu_create(h, i, pa_of((unsigned)(i % KEEL_MAX_VCPUS)), &need)) == -ENOMEM && need)
		assert_int_equal(test_topup(h, need), 0);
	return ret;
}

static void test_create_and_pages(void **state)
{
	struct vm_stats st;
	size_t free0 = page_pool_free_pages(), pages;
	uint64_t h, need = 0;
	struct page_info pi;

	(void)state;
	h = new_vm();
	vm_stats_get(&st);
	pages = st.pages;
	/* The memcache is empty after creation: keel asks for the vCPU's page. */
	assert_int_equal(vcpu_create(h, 0, pa(), &need), -ENOMEM);
	assert_int_equal(need, 1);
	assert_int_equal(test_topup(h, 1), 0);
	assert_int_equal(vcpu_create(h, 0, pa(), &need), 0);
	assert_int_equal(new_vcpu(h, 0), -EEXIST);
	/* The context page is lent to keel: not for another vCPU, nor a donation, nor a guest mapping. */
	assert_int_equal(owner_get(pa_init(pa()), &pi), 0);
	assert_int_equal(pi.owner, OWNER_HOST);
	assert_int_equal(pi.share, PAGE_SHARED_HYP);
	assert_int_equal(vcpu_create(h, 1, pa(), &need), -EFAULT);
	assert_int_equal(vcpu_create(h, 1, pa() + 8, &need), -EFAULT);
	assert_int_equal(vcpu_create(h, 1, 0x1000, &need), -EFAULT);
	assert_int_equal(host_donate_hyp_pages((uint64_t[]){ pa() }, 1), -EPERM);
	assert_int_equal(host_share_guest(pa_init(pa()), 1), -EPERM);
	assert_int_equal(new_vcpu(h, KEEL_MAX_VCPUS - 1), 0);
	assert_int_equal(new_vcpu(h, KEEL_MAX_VCPUS), -EINVAL);
	assert_int_equal(vcpu_create(h + (1 << 16), 1, pa_of(1), &need), -ENOENT);
	assert_int_equal(vcpu_create(1ULL << 40, 1, pa_of(1), &need), -EINVAL);
	vm_stats_get(&st);
	assert_int_equal(st.vcpus, 2);
	assert_int_equal(st.pages, pages + 2); /* one donated page each */
	assert_int_equal(vm_destroy(h), 0);
	assert_int_equal(page_pool_free_pages(), free0);
	vm_stats_get(&st);
	assert_int_equal(st.vcpus, 0);
	assert_int_equal(owner_get(pa_init(pa()), &pi), 0);
	assert_int_equal(pi.share, PAGE_OWNED); /* lent no more */
}

static int guest_wfi(struct vcpu *v, bool flush)
{
	(void)flush;
	v->arch.ctx.pc += 4;
	v->arch.ctx.regs[5] = 0x55;
	return KEEL_EXIT_WFI;
}

static void test_run_validation(void **state)
{
	uint64_t h, exit = 0;

	(void)state;
	h = new_vm();
	assert_int_equal(new_vcpu(h, 0), 0);
	/* No guests on the fake arch without a hook: the arch's error comes back, the page is untouched. */
	assert_int_equal(vcpu_run(h, 0, pa(), 0, &exit), -ENODEV);
	fake_vcpu_run_hook = guest_wfi;
	assert_int_equal(vcpu_run(h, 0, pa() + 8, 0, &exit), -EINVAL);  /* not its context page */
	assert_int_equal(vcpu_run(h, 0, pa_of(1), 0, &exit), -EINVAL);
	assert_int_equal(vcpu_run(h, 0, pa(), 1, &exit), -ENODEV);              /* CPU not enabled */
	assert_int_equal(vcpu_run(h, 1, pa_of(1), 0, &exit), -ENOENT);
	assert_int_equal(vcpu_run(h, KEEL_MAX_VCPUS, pa(), 0, &exit), -EINVAL);
	ctx->mode = 7; /* a state the arch refuses to load */
	assert_int_equal(vcpu_run(h, 0, pa(), 0, &exit), -EINVAL);
	assert_int_equal(fake_vcpu_runs, 1);
	ctx->mode = KEEL_FAKE_MODE_USER;
	ctx->pc = 0x1000;
	assert_int_equal(vcpu_run(h, 0, pa(), 0, &exit), 0);
	assert_int_equal(exit, KEEL_EXIT_WFI);
	assert_int_equal(ctx->exit.reason, KEEL_EXIT_WFI);
	assert_int_equal(ctx->pc, 0x1004);
	assert_int_equal(ctx->regs[5], 0x55);
	assert_int_equal(ctx->stat.exits, 1);
	/* Statistics are keel's: the host cannot reset them. */
	ctx->stat.exits = 100;
	assert_int_equal(vcpu_run(h, 0, pa(), 0, &exit), 0);
	assert_int_equal(ctx->stat.exits, 2);
	/* Every argument register beyond x3 must be zero. */
	struct hc_args a = { .arg = { h, 0, pa(), 1 } };
	assert_int_equal(hypercall_dispatch(KEEL_HC_VCPU_RUN, &a), -EINVAL);
	a.arg[3] = 0;
	assert_int_equal(hypercall_dispatch(KEEL_HC_VCPU_RUN, &a), 0);
	assert_int_equal(a.ret[0], KEEL_EXIT_WFI);
	assert_int_equal(vm_destroy(h), 0);
}

/*
 * What crosses at a run is the arch's (arm64's rules: test_arm64_vcpu.c);
 * the core's part: load before and store after every run the arch took,
 * the exit reason and keel's statistics in the store, and the arch's extra
 * pages per vCPU taken from and given back to the VM's memcache.
 */
static int guest_config(struct vcpu *v, bool flush)
{
	(void)flush;
	v->arch.ctx.regs[0] = v->arch.ctx.config[1];
	v->arch.ctx.in_arg = 0xbad;
	return KEEL_EXIT_MMIO;
}

extern unsigned fake_vcpu_extra_pages;

static void test_ctx_copy(void **state)
{
	struct vm_stats st;
	uint64_t h, exit = 0, need = 0;
	size_t pages;

	(void)state;
	h = new_vm();
	assert_int_equal(new_vcpu(h, 0), 0);
	fake_vcpu_run_hook = guest_config;
	ctx->config[1] = 0x11;
	ctx->in_flags = KEEL_IN_CONFIG_KEPT;
	ctx->in_arg = 3;
	assert_int_equal(vcpu_run(h, 0, pa(), 0, &exit), 0);
	assert_int_equal(ctx->regs[0], 0x11);
	assert_int_equal(ctx->in_arg, 3);
	assert_int_equal(ctx->exit.reason, KEEL_EXIT_MMIO);
	ctx->config[1] = 0x12; /* kept: the arch's copy wins */
	assert_int_equal(vcpu_run(h, 0, pa(), 0, &exit), 0);
	assert_int_equal(ctx->regs[0], 0x11);
	ctx->in_flags = 0;
	assert_int_equal(vcpu_run(h, 0, pa(), 0, &exit), 0);
	assert_int_equal(ctx->regs[0], 0x12);
	assert_int_equal(ctx->stat.exits, 3);

	/* An arch whose vCPUs need more than their page: keel asks for all of them, gives all back. */
	fake_vcpu_extra_pages = 2;
	vm_stats_get(&st);
	pages = st.pages;
	assert_int_equal(vcpu_create(h, 1, pa_of(1), &need), -ENOMEM);
	assert_int_equal(need, 3);
	assert_int_equal(test_topup(h, 2), 0);
	assert_int_equal(vcpu_create(h, 1, pa_of(1), &need), -ENOMEM);
	assert_int_equal(need, 1);
	assert_int_equal(test_topup(h, 1), 0);
	assert_int_equal(vcpu_create(h, 1, pa_of(1), &need), 0);
	vm_stats_get(&st);
	assert_int_equal(st.pages, pages + 3);
	assert_int_equal(vm_destroy(h), 0);
	fake_vcpu_extra_pages = 0;
}

/* A guest that powers on vCPU 1 (at 0x8000, context 0x77) and waits. */
static int guest_cpu_on(struct vcpu *v, bool flush)
{
	unsigned t = 99;

	(void)flush;
	if (v->index == 0) {
		struct vcpu_boot b = { .entry = 0x8000, .context = 0x77 };

		assert_int_equal(vcpu_cpu_on(v, arch_vcpu_hw_id(1), &b, &t), 0);
		assert_int_equal(t, 1);
		assert_int_equal(vcpu_cpu_on(v, arch_vcpu_hw_id(1), &b, &t), -EALREADY);
		assert_int_equal(vcpu_cpu_on(v, arch_vcpu_hw_id(5), &b, &t), -ENOENT);
		assert_true(vcpu_affinity_on(v, arch_vcpu_hw_id(1), ~0ULL));
		assert_true(vcpu_affinity_on(v, arch_vcpu_hw_id(0), ~0xfULL)); /* a group with vCPU 0 in it */
		assert_false(vcpu_affinity_on(v, arch_vcpu_hw_id(0x100), ~0xfULL));
		v->arch.ctx.exit.target = t;
		return KEEL_EXIT_WAKE;
	}
	/* vCPU 1 starts where CPU_ON said. */
	assert_int_equal(v->arch.ctx.pc, 0x8000);
	assert_int_equal(v->arch.ctx.regs[0], 0x77);
	vcpu_all_off(v);
	return KEEL_EXIT_SYSTEM_EVENT;
}

static void test_power(void **state)
{
	uint64_t h, exit = 0, st = 0;

	(void)state;
	h = new_vm();
	assert_int_equal(new_vcpu(h, 0), 0);
	assert_int_equal(new_vcpu(h, 1), 0);
	assert_int_equal(vcpu_power(h, 1, KEEL_POWER_QUERY, 0, &st), 0);
	assert_int_equal(st, KEEL_POWER_ON);
	assert_int_equal(vcpu_power(h, 1, KEEL_POWER_OFF, 0, &st), 0);
	assert_int_equal(st, KEEL_POWER_OFF);
	assert_int_equal(vcpu_power(h, 1, 7, 0, &st), -EINVAL);
	assert_int_equal(vcpu_power(h, 2, KEEL_POWER_QUERY, 0, &st), -ENOENT);

	fake_vcpu_run_hook = guest_cpu_on;
	/* Off: the run returns at once, the arch is not asked. */
	assert_int_equal(vcpu_run(h, 1, pa_of(1), 0, &exit), 0);
	assert_int_equal(exit, KEEL_EXIT_POWER_OFF);
	assert_int_equal(fake_vcpu_runs, 0);
	assert_int_equal(vcpu_run(h, 0, pa(), 0, &exit), 0);
	assert_int_equal(exit, KEEL_EXIT_WAKE);
	assert_int_equal(ctx->exit.target, 1);
	assert_int_equal(vcpu_power(h, 1, KEEL_POWER_QUERY, 0, &st), 0);
	assert_int_equal(st, KEEL_POWER_ON);
	/* The host takes vCPU 1's pending CPU_ON reset into its context page before touching registers. */
	assert_int_equal(vcpu_power(h, 1, KEEL_POWER_TAKE_RESET, 0, &st), -EINVAL);
	assert_int_equal(vcpu_power(h, 1, KEEL_POWER_TAKE_RESET, pa(), &st), -EINVAL); /* vCPU 0's page */
	assert_int_equal(vcpu_power(h, 1, KEEL_POWER_QUERY, pa_of(1), &st), -EINVAL);
	memset(ctx_of(1), 0, sizeof(*ctx));
	assert_int_equal(vcpu_power(h, 1, KEEL_POWER_TAKE_RESET, pa_of(1), &st), 0);
	assert_int_equal(st, KEEL_POWER_ON);
	assert_int_equal(ctx_of(1)->pc, 0x8000);
	assert_int_equal(ctx_of(1)->regs[0], 0x77);
	ctx_of(1)->regs[1] = 0x1234; /* a register the host sets afterwards stays */
	assert_int_equal(vcpu_power(h, 1, KEEL_POWER_TAKE_RESET, pa_of(1), &st), 0);
	assert_int_equal(ctx_of(1)->regs[1], 0x1234);
	/* vCPU 1 starts from the reset state; it then switches the system off. */
	assert_int_equal(vcpu_run(h, 1, pa_of(1), 0, &exit), 0);
	assert_int_equal(exit, KEEL_EXIT_SYSTEM_EVENT);
	assert_int_equal(fake_vcpu_flushes, 1); /* another vCPU of the VM ran on this CPU before */
	assert_int_equal(vcpu_power(h, 0, KEEL_POWER_QUERY, 0, &st), 0);
	assert_int_equal(st, KEEL_POWER_OFF);
	assert_int_equal(vcpu_run(h, 0, pa(), 0, &exit), 0);
	assert_int_equal(exit, KEEL_EXIT_POWER_OFF);
	assert_int_equal(vm_destroy(h), 0);
}

static struct vcpu *busy_vcpu;
static int guest_destroy_while_running(struct vcpu *v, bool flush)
{
	uint64_t exit, h = ((uint64_t)v->vm->gen << 16) | v->vm->vmid;

	(void)flush;
	busy_vcpu = v;
	assert_int_equal(vm_destroy(h), -EBUSY);
	/* The VM cannot go, nor can another CPU run this vCPU, while it runs. */
	fake_cpu = 1;
	assert_int_equal(vm_cpu_enable(1), 0);
	assert_int_equal(vcpu_run(h, v->index, pa_of(v->index), 1, &exit), -EBUSY);
	fake_cpu = 0;
	return KEEL_EXIT_IRQ;
}

static void test_busy(void **state)
{
	uint64_t h, exit = 0;

	(void)state;
	h = new_vm();
	assert_int_equal(new_vcpu(h, 3), 0);
	fake_vcpu_run_hook = guest_destroy_while_running;
	assert_int_equal(vcpu_run(h, 3, pa_of(3), 0, &exit), 0);
	assert_int_equal(exit, KEEL_EXIT_IRQ);
	assert_non_null(busy_vcpu);
	assert_int_equal(vm_destroy(h), 0);
}

/* KEEL_HC_VCPU_SYNC: its arguments, and the brief page it completes (the fake arch: regs[] stay in keel). */
static int guest_sync_while_running(struct vcpu *v, bool flush)
{
	uint64_t h = ((uint64_t)v->vm->gen << 16) | v->vm->vmid;

	(void)flush;
	assert_int_equal(vcpu_sync(h, v->index, pa_of(v->index)), -EBUSY);
	v->arch.ctx.regs[5] = 0x55;
	v->arch.ctx.pc += 4;
	return KEEL_EXIT_IRQ;
}

static void test_sync(void **state)
{
	uint64_t h, exit = 0;

	(void)state;
	h = new_vm();
	assert_int_equal(new_vcpu(h, 0), 0);
	assert_int_equal(vcpu_sync(h, 1, pa()), -ENOENT);
	assert_int_equal(vcpu_sync(h, KEEL_MAX_VCPUS, pa()), -EINVAL);
	assert_int_equal(vcpu_sync(h, 0, pa_of(1)), -EINVAL); /* not its context page */
	assert_int_equal(vcpu_sync(h + (1ULL << 16), 0, pa()), -ENOENT);
	assert_int_equal(vcpu_sync(h, 0, pa()), 0); /* nothing to write: fine */
	struct hc_args a = { .arg = { h, 0, pa(), 1 } };
	assert_int_equal(hypercall_dispatch(KEEL_HC_VCPU_SYNC, &a), -EINVAL); /* x4 must be 0 */
	/* A brief exit leaves regs[] in keel; a run over that page is refused until the sync. */
	fake_vcpu_run_hook = guest_sync_while_running;
	ctx->in_flags = KEEL_IN_EXIT_BRIEF;
	ctx->pc = 0x1000;
	assert_int_equal(vcpu_run(h, 0, pa(), 0, &exit), 0);
	assert_int_equal(ctx->pc, 0x1004);
	assert_int_equal(ctx->regs[5], 0);
	assert_int_equal(vcpu_run(h, 0, pa(), 0, &exit), -EINVAL);
	a.arg[3] = 0;
	assert_int_equal(hypercall_dispatch(KEEL_HC_VCPU_SYNC, &a), 0);
	assert_int_equal(ctx->regs[5], 0x55);
	assert_int_equal(ctx->pc, 0x1004);
	ctx->in_flags = 0;
	assert_int_equal(vcpu_run(h, 0, pa(), 0, &exit), 0);
	assert_int_equal(ctx->pc, 0x1008);
	assert_int_equal(vm_destroy(h), 0);
	assert_int_equal(vcpu_sync(h, 0, pa()), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_and_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ctx_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_power, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync, setup, teardown),
	};

	return cmocka_run_group_tests_name("vcpu", tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Guest vCPU objects (hv/src/vcpu.c) and their hypercalls, on the fake arch:
 * creation and page accounting, run-call validation (page, CPU, state),
 * what of the context page crosses at a run, power state, the guest PSCI helpers (CPU_ON pending and applied at the
 * next run, AFFINITY_INFO, system off), teardown with the VM.
 */
#include "test_util.h"

#include <stdlib.h>

#include <hv/boot.h>
#include <hv/cpu.h>
#include <hv/errno.h>
#include <hv/hypercall.h>
#include <hv/owner.h>
#include <hv/vcpu.h>
#include <hv/vm.h>
#include <keel/abi.h>

extern int (*fake_vcpu_run_hook)(struct vcpu *v, bool flush_local);
extern unsigned long fake_vcpu_runs, fake_vcpu_flushes;

#define POOL_PAGES 1024
#define RAM_BASE 0x40000000ULL
#define RAM_SIZE (64ULL << 20)

static void *mem;
static struct keel_vcpu_ctx *ctx; /* the "host page": its pointer is its PA */
static struct boot_info bi;

static int setup(void **state)
{
	(void)state;
	mem = pool_create(POOL_PAGES);
	vm_table_reset();
	ctx = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	memset(ctx, 0, PAGE_SIZE);
	ctx->pstate = 0x3c5;
	memset(&bi, 0, sizeof(bi));
	bi.mem[0] = (struct mem_range){ RAM_BASE, RAM_SIZE };
	bi.mem[1] = (struct mem_range){ (uintptr_t)ctx, PAGE_SIZE };
	bi.nr_mem = 2;
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
	vm_table_reset();
	pool_destroy(mem);
	free(ctx);
	return 0;
}

static uint64_t new_vm(size_t limit)
{
	uint64_t h;
	unsigned ipa;
	size_t l;

	assert_int_equal(vm_create(0, limit, &h, &ipa, &l), 0);
	return h;
}

static uint64_t pa(void) { return (uintptr_t)ctx; }

static void test_create_and_pages(void **state)
{
	struct vm_stats st;
	size_t free0 = page_pool_free_pages(), tables;
	uint64_t h;

	(void)state;
	h = new_vm(0);
	vm_stats_get(&st);
	tables = st.pages;
	assert_int_equal(vcpu_create(h, 0), 0);
	assert_int_equal(vcpu_create(h, 0), -EEXIST);
	assert_int_equal(vcpu_create(h, KEEL_MAX_VCPUS - 1), 0);
	assert_int_equal(vcpu_create(h, KEEL_MAX_VCPUS), -EINVAL);
	assert_int_equal(vcpu_create(h + (1 << 8), 1), -ENOENT);
	assert_int_equal(vcpu_create(1ULL << 40, 1), -EINVAL);
	vm_stats_get(&st);
	assert_int_equal(st.vcpus, 2);
	assert_int_equal(st.pages, tables + 2); /* one keel page each, charged to the VM */
	assert_int_equal(vm_destroy(h), 0);
	assert_int_equal(page_pool_free_pages(), free0);
	vm_stats_get(&st);
	assert_int_equal(st.vcpus, 0);

	/* The page limit counts vCPUs. */
	h = new_vm(tables + 1);
	assert_int_equal(vcpu_create(h, 0), 0);
	assert_int_equal(vcpu_create(h, 1), -ENOMEM);
	assert_int_equal(vm_destroy(h), 0);
	assert_int_equal(page_pool_free_pages(), free0);
}

static int guest_wfi(struct vcpu *v, bool flush)
{
	(void)flush;
	v->ctx.pc += 4;
	v->ctx.regs[5] = 0x55;
	return KEEL_EXIT_WFI;
}

static void test_run_validation(void **state)
{
	uint64_t h, exit = 0;

	(void)state;
	h = new_vm(0);
	assert_int_equal(vcpu_create(h, 0), 0);
	/* No guests on the fake arch without a hook: the arch's error comes back, the page is untouched. */
	assert_int_equal(vcpu_run(h, 0, pa(), 0, &exit), -ENODEV);
	fake_vcpu_run_hook = guest_wfi;
	assert_int_equal(vcpu_run(h, 0, pa() + 8, 0, &exit), -EINVAL);          /* unaligned */
	assert_int_equal(vcpu_run(h, 0, RAM_BASE - PAGE_SIZE, 0, &exit), -EINVAL); /* not RAM */
	assert_int_equal(vcpu_run(h, 0, pa(), 1, &exit), -ENODEV);              /* CPU not enabled */
	assert_int_equal(vcpu_run(h, 1, pa(), 0, &exit), -ENOENT);
	assert_int_equal(vcpu_run(h, KEEL_MAX_VCPUS, pa(), 0, &exit), -EINVAL);
	ctx->pstate = 0x10; /* AArch32 */
	assert_int_equal(vcpu_run(h, 0, pa(), 0, &exit), -EINVAL);
	assert_int_equal(fake_vcpu_runs, 1);
	ctx->pstate = 0x3c5;
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
 * A guest that reports the ID and debug registers it found (x0, x1) and
 * changes fields a run never hands back (counter offset, PSCI version, the
 * FAR for injections). With x2 set it writes a debug register as a trapped
 * write does (dbg_written); with x3 set it also scribbles on an ID register,
 * which no arch does, to show that it does not reach the host.
 */
static int guest_config(struct vcpu *v, bool flush)
{
	(void)flush;
	v->ctx.regs[0] = v->ctx.id_regs[3];
	v->ctx.regs[1] = v->ctx.dbg[KEEL_DBG_BVR][2];
	v->ctx.cntvoff = 0xbad;
	v->ctx.psci_version = 0xbad;
	v->ctx.in_far = 0xbad;
	if (v->ctx.regs[2]) {
		v->ctx.dbg[KEEL_DBG_BVR][2] = 0x4242;
		v->dbg_written = true;
	}
	if (v->ctx.regs[3])
		v->ctx.id_regs[3] = 0xbad;
	return KEEL_EXIT_MMIO;
}

static void test_ctx_copy(void **state)
{
	uint64_t h, exit = 0;

	(void)state;
	h = new_vm(0);
	assert_int_equal(vcpu_create(h, 0), 0);
	fake_vcpu_run_hook = guest_config;
	/* CONFIG_KEPT on a first run: keel has no copy of its own yet, so it reads them. */
	ctx->id_regs[3] = 0x11;
	ctx->dbg[KEEL_DBG_BVR][2] = 0x21;
	ctx->cntvoff = 7;
	ctx->psci_version = 0x10000;
	ctx->in_flags = KEEL_IN_CONFIG_KEPT;
	assert_int_equal(vcpu_run(h, 0, pa(), 0, &exit), 0);
	assert_int_equal(ctx->regs[0], 0x11);
	assert_int_equal(ctx->regs[1], 0x21);
	/* Only what a run may change came back. */
	assert_int_equal(ctx->id_regs[3], 0x11);
	assert_int_equal(ctx->cntvoff, 7);
	assert_int_equal(ctx->psci_version, 0x10000);
	assert_int_equal(ctx->in_far, 0);
	assert_int_equal(ctx->dbg[KEEL_DBG_BVR][2], 0x21); /* not written by a trap */
	assert_int_equal(ctx->exit.reason, KEEL_EXIT_MMIO);
	/* Kept: keel uses its copy, whatever the page says now. */
	ctx->id_regs[3] = 0x12;
	ctx->dbg[KEEL_DBG_BVR][2] = 0x22;
	assert_int_equal(vcpu_run(h, 0, pa(), 0, &exit), 0);
	assert_int_equal(ctx->regs[0], 0x11);
	assert_int_equal(ctx->regs[1], 0x21);
	/* Not kept: read again. */
	ctx->in_flags = 0;
	assert_int_equal(vcpu_run(h, 0, pa(), 0, &exit), 0);
	assert_int_equal(ctx->regs[0], 0x12);
	assert_int_equal(ctx->regs[1], 0x22);
	/* A debug register the guest wrote goes back to the host, and stays keel's when kept. */
	ctx->regs[2] = 1;
	assert_int_equal(vcpu_run(h, 0, pa(), 0, &exit), 0);
	assert_int_equal(ctx->dbg[KEEL_DBG_BVR][2], 0x4242);
	ctx->regs[2] = 0;
	ctx->in_flags = KEEL_IN_CONFIG_KEPT;
	assert_int_equal(vcpu_run(h, 0, pa(), 0, &exit), 0);
	assert_int_equal(ctx->regs[1], 0x4242);
	/* An ID register never goes back. */
	ctx->regs[3] = 1;
	assert_int_equal(vcpu_run(h, 0, pa(), 0, &exit), 0);
	assert_int_equal(ctx->id_regs[3], 0x12);
	assert_int_equal(vm_destroy(h), 0);
}

/* A guest that powers on vCPU 1 (at 0x8000, context 0x77) and waits. */
static int guest_cpu_on(struct vcpu *v, bool flush)
{
	unsigned t = 99;

	(void)flush;
	if (v->index == 0) {
		assert_int_equal(vcpu_cpu_on(v, KEEL_VCPU_MPIDR(1) & 0xff00ffffffULL, 0x8000, 0x77, false, &t), 0);
		assert_int_equal(t, 1);
		assert_int_equal(vcpu_cpu_on(v, KEEL_VCPU_MPIDR(1) & 0xff00ffffffULL, 0x8000, 0x77, false, &t),
				 -EALREADY);
		assert_int_equal(vcpu_cpu_on(v, KEEL_VCPU_MPIDR(5) & 0xff00ffffffULL, 0, 0, false, &t), -ENOENT);
		assert_true(vcpu_affinity_on(v, KEEL_VCPU_MPIDR(1), 0xff00ffffffULL));
		v->ctx.exit.target = t;
		return KEEL_EXIT_WAKE;
	}
	/* vCPU 1 starts where CPU_ON said. */
	assert_int_equal(v->ctx.pc, 0x8000);
	assert_int_equal(v->ctx.regs[0], 0x77);
	vcpu_all_off(v);
	return KEEL_EXIT_SYSTEM_EVENT;
}

static void test_power(void **state)
{
	uint64_t h, exit = 0, st = 0;

	(void)state;
	h = new_vm(0);
	assert_int_equal(vcpu_create(h, 0), 0);
	assert_int_equal(vcpu_create(h, 1), 0);
	assert_int_equal(vcpu_power(h, 1, KEEL_POWER_QUERY, 0, &st), 0);
	assert_int_equal(st, KEEL_POWER_ON);
	assert_int_equal(vcpu_power(h, 1, KEEL_POWER_OFF, 0, &st), 0);
	assert_int_equal(st, KEEL_POWER_OFF);
	assert_int_equal(vcpu_power(h, 1, 7, 0, &st), -EINVAL);
	assert_int_equal(vcpu_power(h, 2, KEEL_POWER_QUERY, 0, &st), -ENOENT);

	fake_vcpu_run_hook = guest_cpu_on;
	/* Off: the run returns at once, the arch is not asked. */
	assert_int_equal(vcpu_run(h, 1, pa(), 0, &exit), 0);
	assert_int_equal(exit, KEEL_EXIT_POWER_OFF);
	assert_int_equal(fake_vcpu_runs, 0);
	assert_int_equal(vcpu_run(h, 0, pa(), 0, &exit), 0);
	assert_int_equal(exit, KEEL_EXIT_WAKE);
	assert_int_equal(ctx->exit.target, 1);
	assert_int_equal(vcpu_power(h, 1, KEEL_POWER_QUERY, 0, &st), 0);
	assert_int_equal(st, KEEL_POWER_ON);
	/* The host takes vCPU 1's pending CPU_ON reset into its context page before touching registers. */
	assert_int_equal(vcpu_power(h, 1, KEEL_POWER_TAKE_RESET, 0, &st), -EINVAL);
	assert_int_equal(vcpu_power(h, 1, KEEL_POWER_QUERY, pa(), &st), -EINVAL);
	memset(ctx, 0, sizeof(*ctx));
	assert_int_equal(vcpu_power(h, 1, KEEL_POWER_TAKE_RESET, pa(), &st), 0);
	assert_int_equal(st, KEEL_POWER_ON);
	assert_int_equal(ctx->pc, 0x8000);
	assert_int_equal(ctx->regs[0], 0x77);
	ctx->regs[1] = 0x1234; /* a register the host sets afterwards stays */
	assert_int_equal(vcpu_power(h, 1, KEEL_POWER_TAKE_RESET, pa(), &st), 0);
	assert_int_equal(ctx->regs[1], 0x1234);
	/* vCPU 1 starts from the reset state; it then switches the system off. */
	assert_int_equal(vcpu_run(h, 1, pa(), 0, &exit), 0);
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
	uint64_t exit, h = ((uint64_t)v->vm->gen << 8) | v->vm->slot;

	(void)flush;
	busy_vcpu = v;
	assert_int_equal(vm_destroy(h), -EBUSY);
	/* The VM cannot go, nor can another CPU run this vCPU, while it runs. */
	fake_cpu = 1;
	assert_int_equal(vm_cpu_enable(1), 0);
	assert_int_equal(vcpu_run(h, v->index, pa(), 1, &exit), -EBUSY);
	fake_cpu = 0;
	return KEEL_EXIT_IRQ;
}

static void test_busy(void **state)
{
	uint64_t h, exit = 0;

	(void)state;
	h = new_vm(0);
	assert_int_equal(vcpu_create(h, 3), 0);
	fake_vcpu_run_hook = guest_destroy_while_running;
	assert_int_equal(vcpu_run(h, 3, pa(), 0, &exit), 0);
	assert_int_equal(exit, KEEL_EXIT_IRQ);
	assert_non_null(busy_vcpu);
	assert_int_equal(vm_destroy(h), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_and_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ctx_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_power, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
	};

	return cmocka_run_group_tests_name("vcpu", tests, NULL, NULL);
}

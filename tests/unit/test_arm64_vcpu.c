// SPDX-License-Identifier: GPL-2.0
/*
 * arm64's vCPU context rules (arch/arm64/vcpu.c), built for the host with
 * arm64's headers: what of the host's context page crosses into keel's copy
 * at a run and back at the exit (ID and debug registers kept with
 * KEEL_IN_CONFIG_KEPT, what a run never hands back, keel's statistics), the
 * PSCI CPU_ON reset, vCPU ids, and the extra page a vCPU takes for its LPIs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arch/smccc.h>
#include <arch/vgic.h>
#include <hv/arch/mm.h>
#include <hv/arch/vm.h>
#include <hv/memcache.h>
#include <hv/vcpu.h>
#include <keel/abi.h>

/* The VM's memcache, as arch_vcpu_init/fini see it: one page to give, the page given back. */
static void *mc_page, *mc_back;
void *memcache_pop(struct memcache *mc)
{
	void *p = mc_page;

	(void)mc;
	mc_page = NULL;
	return p;
}
void memcache_push(struct memcache *mc, void *page)
{
	(void)mc;
	mc_back = page;
}
void arch_zero_pages(void *p, size_t size) { memset(p, 0, size); }

static struct keel_vcpu_ctx *host;
static struct vcpu *v;

static int setup(void **state)
{
	(void)state;
	host = calloc(1, sizeof(*host));
	v = calloc(1, sizeof(*v));
	return host && v ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(host);
	free(v);
	return 0;
}

/* A run: load, what the guest did (play), store with exit. */
static void run(void (*play)(struct keel_vcpu_ctx *k, struct vcpu *v), unsigned exit)
{
	arch_vcpu_load(v, host, NULL);
	if (play)
		play(&v->arch.ctx, v);
	v->stat.exits++;
	arch_vcpu_store(host, v, exit);
}

/* Reports the ID and debug registers it found in x0, x1; changes what a run never hands back. */
static void guest_config(struct keel_vcpu_ctx *k, struct vcpu *vc)
{
	k->regs[0] = k->id_regs[3];
	k->regs[1] = k->dbg[KEEL_DBG_BVR][2];
	k->cntvoff = 0xbad;
	k->psci_version = 0xbad;
	k->in_far = 0xbad;
	if (k->regs[2]) { /* a trapped debug-register write */
		k->dbg[KEEL_DBG_BVR][2] = 0x4242;
		vc->arch.dbg_written = true;
	}
	if (k->regs[3]) /* no arch does this: it must not reach the host */
		k->id_regs[3] = 0xbad;
	k->exit.esr = 0x1234;
}

static void test_ctx_copy(void **state)
{
	(void)state;
	/* CONFIG_KEPT on a first run: keel has no copy of its own yet, so it reads them. */
	host->id_regs[3] = 0x11;
	host->dbg[KEEL_DBG_BVR][2] = 0x21;
	host->cntvoff = 7;
	host->psci_version = 0x10000;
	host->in_flags = KEEL_IN_CONFIG_KEPT;
	host->exit.far = 0x99; /* the exit record starts zeroed in keel */
	run(guest_config, KEEL_EXIT_MMIO);
	assert_int_equal(host->regs[0], 0x11);
	assert_int_equal(host->regs[1], 0x21);
	/* Only what a run may change came back. */
	assert_int_equal(host->id_regs[3], 0x11);
	assert_int_equal(host->cntvoff, 7);
	assert_int_equal(host->psci_version, 0x10000);
	assert_int_equal(host->in_far, 0);
	assert_int_equal(host->dbg[KEEL_DBG_BVR][2], 0x21);
	assert_int_equal(host->exit.reason, KEEL_EXIT_MMIO);
	assert_int_equal(host->exit.esr, 0x1234);
	assert_int_equal(host->exit.far, 0);
	assert_int_equal(host->stat.exits, 1);
	/* Kept: keel uses its copy, whatever the page says now. */
	host->id_regs[3] = 0x12;
	host->dbg[KEEL_DBG_BVR][2] = 0x22;
	run(guest_config, KEEL_EXIT_MMIO);
	assert_int_equal(host->regs[0], 0x11);
	assert_int_equal(host->regs[1], 0x21);
	/* Not kept: read again. */
	host->in_flags = 0;
	run(guest_config, KEEL_EXIT_MMIO);
	assert_int_equal(host->regs[0], 0x12);
	assert_int_equal(host->regs[1], 0x22);
	/* A debug register the guest wrote goes back to the host, and stays keel's when kept. */
	host->regs[2] = 1;
	run(guest_config, KEEL_EXIT_MMIO);
	assert_int_equal(host->dbg[KEEL_DBG_BVR][2], 0x4242);
	host->regs[2] = 0;
	host->in_flags = KEEL_IN_CONFIG_KEPT;
	run(guest_config, KEEL_EXIT_MMIO);
	assert_int_equal(host->regs[1], 0x4242);
	/* An ID register never goes back. */
	host->regs[3] = 1;
	run(guest_config, KEEL_EXIT_MMIO);
	assert_int_equal(host->id_regs[3], 0x12);
	/* Statistics are keel's: the host cannot reset them. */
	host->stat.exits = 100;
	host->stat.reserved[0] = 5;
	run(NULL, KEEL_EXIT_WFI);
	assert_int_equal(host->stat.exits, 7);
	assert_int_equal(host->stat.reserved[0], 0);
	assert_int_equal(host->exit.reason, KEEL_EXIT_WFI);
	/* STATE_KEPT: only the PC and the run's inputs cross; the rest is keel's copy. */
	host->in_flags = KEEL_IN_CONFIG_KEPT | KEEL_IN_STATE_KEPT;
	host->regs[5] = 0x55;
	host->sys[KEEL_TCR_EL1] = 0x66;
	host->pc = 0x4000;
	host->pstate = 0x3c5;
	host->cntvoff = 9;
	v->arch.ctx.regs[5] = 0x5;
	v->arch.ctx.exit.kick[1] = 2; /* the last exit's kick bits: zeroed at the entry */
	v->arch.exit_set = VCPU_EXIT_KICK;
	arch_vcpu_load(v, host, NULL);
	assert_int_equal(v->arch.ctx.regs[5], 0x5);
	assert_int_equal(v->arch.ctx.sys[KEEL_TCR_EL1], 0);
	assert_int_equal(v->arch.ctx.pc, 0x4000);
	assert_int_equal(v->arch.ctx.pstate, 0x3c5); /* a step past an IT-block access moves PSTATE too */
	assert_int_equal(v->arch.ctx.cntvoff, 9);
	assert_int_equal(v->arch.ctx.exit.kick[1], 0);
	/* A kick set in this run reaches the host; the next exit without one zeroes the host's. */
	v->arch.ctx.exit.kick[1] = 4;
	v->arch.exit_set |= VCPU_EXIT_KICK;
	arch_vcpu_store(host, v, KEEL_EXIT_KICK);
	assert_int_equal(host->exit.kick[1], 4);
	assert_int_equal(host->regs[5], 0x5);
	run(NULL, KEEL_EXIT_WFI);
	assert_int_equal(host->exit.kick[1], 0);
	/* Without the flag everything is read again. */
	host->in_flags = KEEL_IN_CONFIG_KEPT;
	host->regs[5] = 0x77;
	arch_vcpu_load(v, host, NULL);
	assert_int_equal(v->arch.ctx.regs[5], 0x77);
}

/* Sets x5, SP, TCR_EL1, the PC, PSTATE and CNTV_CVAL, as a guest run would; then an MMIO write (x0 says read). */
static void guest_moves(struct keel_vcpu_ctx *k, struct vcpu *vc)
{
	(void)vc;
	k->exit.mmio.is_write = !k->regs[0];
	k->regs[5] = 0x505;
	k->sp = 0x5b;
	k->sys[KEEL_TCR_EL1] = 0x7c;
	k->pc += 4;
	k->pstate = 0x3c4;
	k->cntv_cval = 0xc7;
}

static void test_brief_exit(void **state)
{
	(void)state;
	memset(host, 0, sizeof(*host));
	memset(v, 0, sizeof(*v));
	host->pc = 0x1000;
	host->pstate = 0x3c5;
	host->in_flags = KEEL_IN_CONFIG_KEPT | KEEL_IN_EXIT_BRIEF;
	/* A brief exit: the PC, PSTATE, timers and the exit record cross; x5, SP and TCR_EL1 stay in keel. */
	run(guest_moves, KEEL_EXIT_MMIO);
	assert_int_equal(host->pc, 0x1004);
	assert_int_equal(host->pstate, 0x3c4);
	assert_int_equal(host->cntv_cval, 0xc7);
	assert_int_equal(host->exit.reason, KEEL_EXIT_MMIO);
	assert_true(host->in_flags & KEEL_IN_EXIT_BRIEF); /* it says so */
	assert_int_equal(host->regs[5], 0);
	assert_int_equal(host->sp, 0);
	assert_int_equal(host->sys[KEEL_TCR_EL1], 0);
	/* Entered again without STATE_KEPT over the incomplete page: refused, nothing of it taken. */
	host->regs[5] = 0xbad;
	arch_vcpu_load(v, host, NULL);
	assert_true(v->arch.page_stale); /* arch_vcpu_check() says -EINVAL */
	assert_int_equal(v->arch.ctx.regs[5], 0x505);
	/* With STATE_KEPT it runs on keel's copy, the host's step of the PC taken. */
	host->pc = 0x1008;
	host->in_flags |= KEEL_IN_STATE_KEPT;
	arch_vcpu_load(v, host, NULL);
	assert_false(v->arch.page_stale);
	assert_int_equal(v->arch.ctx.regs[5], 0x505);
	assert_int_equal(v->arch.ctx.pc, 0x1008);
	v->arch.ctx.regs[5] = 0x606;
	arch_vcpu_store(host, v, KEEL_EXIT_IRQ);
	/* The sync completes the page, leaving the PC and PSTATE as the host has them. */
	host->pc = 0x2000;
	arch_vcpu_sync(host, v);
	assert_int_equal(host->regs[5], 0x606);
	assert_int_equal(host->sp, 0x5b);
	assert_int_equal(host->sys[KEEL_TCR_EL1], 0x7c);
	assert_int_equal(host->pc, 0x2000);
	/* Then the page is the host's to change: a full load takes it, and a second sync writes nothing. */
	host->regs[5] = 0x707;
	arch_vcpu_sync(host, v);
	assert_int_equal(host->regs[5], 0x707);
	host->in_flags = KEEL_IN_CONFIG_KEPT;
	arch_vcpu_load(v, host, NULL);
	assert_false(v->arch.page_stale);
	assert_int_equal(v->arch.ctx.regs[5], 0x707);
	assert_int_equal(v->arch.ctx.pc, 0x2000);
	/* A full exit after a brief one completes the page by itself. */
	host->in_flags = KEEL_IN_CONFIG_KEPT | KEEL_IN_EXIT_BRIEF;
	run(guest_moves, KEEL_EXIT_MMIO);
	host->in_flags = KEEL_IN_CONFIG_KEPT | KEEL_IN_STATE_KEPT;
	run(NULL, KEEL_EXIT_MMIO);
	assert_int_equal(host->regs[5], 0x505);
	host->regs[5] = 0x808;
	arch_vcpu_sync(host, v);
	assert_int_equal(host->regs[5], 0x808);
	/* An exit the host completes with the registers (an MMIO read) is written whole, the flag cleared. */
	host->regs[0] = 1;
	host->in_flags = KEEL_IN_CONFIG_KEPT | KEEL_IN_EXIT_BRIEF;
	run(guest_moves, KEEL_EXIT_MMIO);
	assert_false(host->in_flags & KEEL_IN_EXIT_BRIEF);
	assert_int_equal(host->regs[5], 0x505);
	assert_int_equal(host->sys[KEEL_TCR_EL1], 0x7c);
	host->regs[5] = 0x909;
	host->in_flags = KEEL_IN_CONFIG_KEPT;
	arch_vcpu_load(v, host, NULL);
	assert_false(v->arch.page_stale);
	assert_int_equal(v->arch.ctx.regs[5], 0x909);
}

static void test_reset(void **state)
{
	struct vcpu_boot b = { .entry = 0x8000, .context = 0x77, .big_endian = true };

	(void)state;
	memset(host, 0x5a, sizeof(*host));
	arch_vcpu_reset(host, &b);
	assert_int_equal(host->pc, 0x8000);
	assert_int_equal(host->regs[0], 0x77);
	assert_int_equal(host->regs[1], 0);
	assert_int_equal(host->vregs[7], 0);
	assert_int_equal(host->pstate, 0x3c5); /* EL1h, DAIF masked */
	assert_int_equal(host->sys[KEEL_SCTLR_EL1], 0x00c50078 | (1ULL << 25));
	assert_int_equal(host->cntv_ctl, 0);
	assert_int_equal(host->id_regs[0], 0x5a5a5a5a5a5a5a5aULL); /* configuration stays */
	/* Applied at load: keel's copy gets it, over what the page says. */
	memset(host, 0, sizeof(*host));
	host->pc = 0x1000;
	b.big_endian = false;
	arch_vcpu_load(v, host, &b);
	assert_true(v->arch.fp_reset); /* FP/SIMD: zeros go to the CPU, not the page's */
	assert_int_equal(v->arch.ctx.pc, 0x8000);
	assert_int_equal(v->arch.ctx.sys[KEEL_SCTLR_EL1], 0x00c50078);
	assert_int_equal(host->pc, 0x1000);
	arch_vcpu_load(v, host, NULL);
	assert_false(v->arch.fp_reset);
}

static void test_hw_id(void **state)
{
	(void)state;
	assert_int_equal(arch_vcpu_hw_id(0), 0);
	assert_int_equal(arch_vcpu_hw_id(17), 0x101);    /* Aff1 1, Aff0 1; RES1 bit 31 is not affinity */
	assert_int_equal(arch_vcpu_hw_id(511), 0x1f0f);
	assert_int_equal(arch_vcpu_hw_id(5) & ~MPIDR_AFF_MASK, 0);
}

/* A vCPU's LPIs live in one page of the memcache besides its own: taken zeroed at init, given back at fini. */
static void test_extra_page(void **state)
{
	struct vcpu *w = calloc(1, sizeof(*w));
	void *page = aligned_alloc(PAGE_SIZE, PAGE_SIZE);

	(void)state;
	assert_int_equal(arch_vcpu_extra_pages(), 1);
	memset(page, 0xa5, PAGE_SIZE);
	mc_page = page;

	arch_vcpu_init(w, NULL);
	assert_ptr_equal(w->arch.vgic.lpis, page);
	assert_int_equal(w->arch.vgic.lpis->live, 0);
	assert_false(w->arch.vgic.lpis->enabled);
	assert_int_equal(w->arch.vgic.lpis->pendbaser, 0);
	assert_int_equal(w->arch.vgic.rd_base, VGIC_NO_ADDR);
	arch_vcpu_fini(w, NULL);
	assert_ptr_equal(mc_back, page);
	assert_null(w->arch.vgic.lpis);
	free(page);
	free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ctx_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_brief_exit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hw_id, setup, teardown),
		cmocka_unit_test(test_extra_page),
	};

	return cmocka_run_group_tests_name("arm64_vcpu", tests, NULL, NULL);
}

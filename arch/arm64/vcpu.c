// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 vCPU state (hv/arch/vm.h): the host's context page (struct
 * keel_vcpu_ctx, keel/abi_arch.h) into keel's copy for a run and back, the
 * PSCI CPU_ON reset, and vCPU ids (MPIDR). A context copy is most of an
 * exit's cost, so only what is needed crosses. Plain C, no system
 * registers: the host unit tests build it (tests/unit/test_arm64_vcpu.c);
 * the checks that need the CPU are guest.c's (arch_vcpu_check).
 */
#include <arch/smccc.h>
#include <arch/sysreg.h>
#include <arch/vgic.h>
#include <hv/arch/mm.h>
#include <hv/arch/vm.h>
#include <hv/memcache.h>
#include <hv/string.h>
#include <hv/vcpu.h>
#include <keel/abi.h>

#define CTX_OFF(field) __builtin_offsetof(struct keel_vcpu_ctx, field)

/*
 * One page besides the vCPU's own: its redistributor's LPIs, the host's PMU registers while it counts, the
 * vCPUs an active-state access of its waits for.
 */
struct vcpu_extra {
	struct vgic_lpis lpis;
	struct pmu_regs host_pmu;
	struct keel_pmu_state pmu;
	uint64_t sync_wait[KEEL_MAX_VCPUS / 64];
};
_Static_assert(sizeof(struct vcpu_extra) <= PAGE_SIZE, "a vCPU's LPIs, PMU save area and wait set fit its extra page");
unsigned arch_vcpu_extra_pages(void) { return 1; }
void arch_vcpu_init(struct vcpu *v, struct memcache *mc)
{
	struct vcpu_extra *x = memcache_pop(mc); /* vcpu_create() checked there is one */

	arch_zero_pages(x, PAGE_SIZE);
	v->arch.vgic.rd_base = VGIC_NO_ADDR; /* its redistributor is placed by the host (KEEL_HC_IRQCHIP) */
	v->arch.vgic.lpis = &x->lpis;
	v->arch.vgic.sync_wait = x->sync_wait;
	v->arch.pmu.host = &x->host_pmu;
	v->arch.pmu.g = &x->pmu;
}
void arch_vcpu_fini(struct vcpu *v, struct memcache *mc)
{
	memcache_push(mc, v->arch.vgic.lpis); /* the extra page: struct vcpu_extra starts with it */
	v->arch.vgic.lpis = NULL;
	v->arch.vgic.sync_wait = NULL;
	v->arch.pmu.host = NULL;
	v->arch.pmu.g = NULL;
}

uint64_t arch_vcpu_hw_id(unsigned index) { return KEEL_VCPU_MPIDR(index) & MPIDR_AFF_MASK; }

/*
 * The exit record up to kick[]: every exit's. kick[] and eoi[] cross only
 * when this run set bits in them (exit_set, VCPU_EXIT_*) or the host's page
 * still holds the last ones (exit_host).
 */
#define EXIT_HEAD (CTX_OFF(exit.kick) - CTX_OFF(exit))
/*
 * Fixed-size copies of these 8-byte aligned records at every exit, inline
 * as LDP/STP pairs at immediate offsets from two base registers (no call,
 * no alignment prologue, no address arithmetic): a third of a memcpy call's
 * instructions for them. GCC 12 makes single loads of a C loop here.
 * n: a multiple of 8 up to 512 (LDP's reach).
 */
#define FIXED_CHECK(n) ((void)sizeof(char[(n) % 8 == 0 && (n) > 0 && (n) <= 512 ? 1 : -1]))
#if defined(__aarch64__)
#define copy_fixed(d, s, n)                                                                                \
	do {                                                                                               \
		FIXED_CHECK(n);                                                                            \
		__asm__(".set .Lcf_off, 0\n"                                                              \
			".rept %c[pairs]\n"                                                               \
			"ldp x16, x17, [%[src], #.Lcf_off]\n"                                            \
			"stp x16, x17, [%[dst], #.Lcf_off]\n"                                            \
			".set .Lcf_off, .Lcf_off + 16\n"                                                 \
			".endr\n"                                                                        \
			".if %c[odd]\n"                                                                   \
			"ldr x16, [%[src], #.Lcf_off]\n"                                                 \
			"str x16, [%[dst], #.Lcf_off]\n"                                                 \
			".endif\n"                                                                       \
			: "=m"(*(char(*)[n])(void *)(d))                                                   \
			: "m"(*(const char(*)[n])(const void *)(s)), [dst] "r"(d), [src] "r"(s),           \
			  [pairs] "i"((n) / 16), [odd] "i"((n) / 8 % 2)                                    \
			: "x16", "x17");                                                                   \
	} while (0)
#define zero_fixed(d, n)                                                                                   \
	do {                                                                                               \
		FIXED_CHECK(n);                                                                            \
		__asm__(".set .Lzf_off, 0\n"                                                              \
			".rept %c[pairs]\n"                                                               \
			"stp xzr, xzr, [%[dst], #.Lzf_off]\n"                                            \
			".set .Lzf_off, .Lzf_off + 16\n"                                                 \
			".endr\n"                                                                        \
			".if %c[odd]\n"                                                                   \
			"str xzr, [%[dst], #.Lzf_off]\n"                                                 \
			".endif\n"                                                                       \
			: "=m"(*(char(*)[n])(void *)(d))                                                   \
			: [dst] "r"(d), [pairs] "i"((n) / 16), [odd] "i"((n) / 8 % 2));                    \
	} while (0)
#else /* the host unit tests build this file for the build machine: the same copies in C */
#define copy_fixed(d, s, n) (FIXED_CHECK(n), memcpy((d), (s), (n)))
#define zero_fixed(d, n) (FIXED_CHECK(n), memset((d), 0, (n)))
#endif

/*
 * KEEL_IN_STATE_KEPT: the host changed nothing of the guest's state in its
 * page since the last exit but the PC and PSTATE (it stepped past an access
 * it completed), so keel's copy stands: only those and the inputs of every
 * run cross (a fifth of a full load, at the exits the host handles in the
 * kernel: ioeventfd writes, host interrupts, WFI, kicks).
 */
static void load_kept(struct keel_vcpu_ctx *k, const struct keel_vcpu_ctx *h)
{
	k->pc = h->pc;
	k->pstate = h->pstate; /* stepping past an instruction moves the IT state, clears BTYPE and SS */
	k->cntvoff = h->cntvoff;
	k->psci_version = h->psci_version;
	k->in_flags = h->in_flags;
	k->in_far = h->in_far;
	k->debug_ctrl = h->debug_ctrl;
	k->halt_poll_ns = h->halt_poll_ns;
}

/*
 * The host's page into keel's copy: everything before the exit record
 * (which starts zeroed), and the ID and debug registers unless the host says
 * they are as at this vCPU's last run (KEEL_IN_CONFIG_KEPT); or, with
 * KEEL_IN_STATE_KEPT, only what load_kept() takes.
 */
void arch_vcpu_load(struct vcpu *v, const struct keel_vcpu_ctx *h, const struct vcpu_boot *reset)
{
	struct keel_vcpu_ctx *k = &v->arch.ctx;
	bool keep = v->arch.config_valid && (h->in_flags & KEEL_IN_CONFIG_KEPT);
	bool kept = keep && v->arch.state_valid && (h->in_flags & KEEL_IN_STATE_KEPT);

	zero_fixed(&k->exit, EXIT_HEAD);
	if (v->arch.exit_set & VCPU_EXIT_KICK)
		memset(k->exit.kick, 0, sizeof(k->exit.kick));
	if (v->arch.exit_set & VCPU_EXIT_EOI)
		memset(k->exit.eoi, 0, sizeof(k->exit.eoi));
	v->arch.exit_set = 0;
	v->arch.fp_reset = false;
	v->arch.dbg_written = false;
	v->arch.pmu.written = false;
	v->arch.page_stale = false;
	if (kept) {
		load_kept(k, h);
		if (reset) { /* keel's copy is the page's: the power-on applies to it as to the page */
			arch_vcpu_reset(k, reset);
			v->arch.fp_reset = true;
		}
		return;
	}
	if (v->arch.page_brief) {
		v->arch.page_stale = true; /* the host wrote a page it had not had completed (KEEL_HC_VCPU_SYNC) */
		return;
	}
	/* Everything up to FP/SIMD, then from the system registers on (FP/SIMD: fp_in, below). */
	copy_fixed(k, h, CTX_OFF(vregs));
	if (keep) {
		copy_fixed(k->sys, h->sys, CTX_OFF(id_regs) - CTX_OFF(sys));
		copy_fixed(&k->cntv_ctl, &h->cntv_ctl, CTX_OFF(exit) - CTX_OFF(cntv_ctl));
	} else {
		memcpy(k->sys, h->sys, CTX_OFF(exit) - CTX_OFF(sys));
		memcpy(k->dbg, h->dbg, sizeof(k->dbg));
		v->arch.config_valid = true;
	}
	v->arch.fp_reset = reset != NULL;
	if (k->debug_ctrl & KEEL_DEBUG_HW)
		memcpy(k->dbg_ext, h->dbg_ext, sizeof(k->dbg_ext));
	/* The PMU's state as the config: read when the host may have changed it (CONFIG_KEPT clear). */
	if ((k->in_flags & KEEL_IN_PMU) && !keep)
		memcpy(v->arch.pmu.g, &((const struct keel_vcpu_page *)h)->pmu, sizeof(*v->arch.pmu.g));
	if (reset)
		arch_vcpu_reset(k, reset);
}

/* Exits the host completes without the registers (KEEL_IN_EXIT_BRIEF): the rest need them, and get them at once. */
static bool exit_brief(const struct keel_vcpu_ctx *k, unsigned exit)
{
	return exit == KEEL_EXIT_IRQ || exit == KEEL_EXIT_WFI || exit == KEEL_EXIT_WFE || exit == KEEL_EXIT_KICK ||
	       exit == KEEL_EXIT_EOI || exit == KEEL_EXIT_MEM_FAULT || (exit == KEEL_EXIT_MMIO && k->exit.mmio.is_write);
}

/* What a run may change back to the host's page (never the ID registers, the counter offset, the PSCI version). */
void arch_vcpu_store(struct keel_vcpu_ctx *h, struct vcpu *v, unsigned exit)
{
	const struct keel_vcpu_ctx *k = &v->arch.ctx;
	unsigned copy = v->arch.state_valid ? v->arch.exit_set | v->arch.exit_host : VCPU_EXIT_KICK | VCPU_EXIT_EOI;

	/* FP/SIMD went to the host's page at the exit itself (fp_take()); regs, sp and sys wait if it is brief. */
	v->arch.page_brief = (k->in_flags & KEEL_IN_EXIT_BRIEF) && exit_brief(k, exit);
	if (v->arch.page_brief) {
		h->pc = k->pc;
		h->pstate = k->pstate;
	} else {
		copy_fixed(h, k, CTX_OFF(vregs));
		copy_fixed(h->sys, k->sys, KEEL_NR_SYSREGS * sizeof(k->sys[0]));
	}
	h->cntv_ctl = k->cntv_ctl;
	h->cntv_cval = k->cntv_cval;
	h->cntp_ctl = k->cntp_ctl;
	h->cntp_cval = k->cntp_cval;
	h->in_flags = v->arch.page_brief ? k->in_flags : k->in_flags & ~KEEL_IN_EXIT_BRIEF;
	copy_fixed(&h->exit, &k->exit, EXIT_HEAD);
	if (copy & VCPU_EXIT_KICK)
		memcpy(h->exit.kick, k->exit.kick, sizeof(h->exit.kick));
	if (copy & VCPU_EXIT_EOI)
		memcpy(h->exit.eoi, k->exit.eoi, sizeof(h->exit.eoi));
	v->arch.exit_host = v->arch.exit_set;
	h->exit.reason = exit;
	VCPU_STAT_STORE(h->stat, v->stat);
	h->stat.halt_polls = v->arch.halt_polls;
	zero_fixed(h->stat.reserved, sizeof(h->stat.reserved));
	v->arch.state_valid = true; /* keel's copy is the page's now, as far as the guest's state goes */
	if (v->arch.dbg_written)
		memcpy(h->dbg, k->dbg, sizeof(h->dbg));
	if (v->arch.pmu.written) /* the guest's PMU accesses or counting changed it; not what the host sets */
		memcpy(&((struct keel_vcpu_page *)h)->pmu, v->arch.pmu.g, __builtin_offsetof(struct keel_pmu_state, pmceid));
}

/* KEEL_HC_VCPU_SYNC: what a brief exit left out; pc and pstate are the host's (it may have stepped). */
void arch_vcpu_sync(struct keel_vcpu_ctx *h, struct vcpu *v)
{
	const struct keel_vcpu_ctx *k = &v->arch.ctx;

	if (!v->arch.page_brief)
		return;
	copy_fixed(h, k, CTX_OFF(pc));
	copy_fixed(h->sys, k->sys, KEEL_NR_SYSREGS * sizeof(k->sys[0]));
	v->arch.page_brief = false;
}

void arch_vcpu_reset(struct keel_vcpu_ctx *ctx, const struct vcpu_boot *boot)
{
	/* As kvm_reset_vcpu() for an AArch64 vCPU brought up by PSCI CPU_ON. */
	memset(ctx->regs, 0, sizeof(ctx->regs));
	memset(ctx->vregs, 0, sizeof(ctx->vregs));
	ctx->sp = 0;
	ctx->fpsr = ctx->fpcr = 0;
	ctx->regs[0] = boot->context;
	ctx->pc = boot->entry;
	ctx->pstate = PSR_DAIF | PSR_MODE_EL1h;
	ctx->sys[KEEL_SCTLR_EL1] = SCTLR_EL1_RESET | (boot->big_endian ? SCTLR_EE : 0);
	ctx->cntv_ctl = 0;
}

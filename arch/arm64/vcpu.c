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

/* One page besides the vCPU's own: its redistributor's LPIs, and the host's PMU registers while it counts. */
struct vcpu_extra {
	struct vgic_lpis lpis;
	struct pmu_regs host_pmu;
	struct keel_pmu_state pmu;
};
_Static_assert(sizeof(struct vcpu_extra) <= PAGE_SIZE, "a vCPU's LPIs and PMU save area fit its extra page");
unsigned arch_vcpu_extra_pages(void) { return 1; }
void arch_vcpu_init(struct vcpu *v, struct memcache *mc)
{
	struct vcpu_extra *x = memcache_pop(mc); /* vcpu_create() checked there is one */

	arch_zero_pages(x, PAGE_SIZE);
	v->arch.vgic.rd_base = VGIC_NO_ADDR; /* its redistributor is placed by the host (KEEL_HC_IRQCHIP) */
	v->arch.vgic.lpis = &x->lpis;
	v->arch.pmu.host = &x->host_pmu;
	v->arch.pmu.g = &x->pmu;
}
void arch_vcpu_fini(struct vcpu *v, struct memcache *mc)
{
	memcache_push(mc, v->arch.vgic.lpis); /* the extra page: struct vcpu_extra starts with it */
	v->arch.vgic.lpis = NULL;
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
 * and unrolled into load/store pairs (no call, no alignment prologue): half
 * the instructions of a memcpy call for them. The attribute keeps GCC from
 * turning the loops back into memcpy/memset calls.
 */
#define __inline_copy __attribute__((always_inline, optimize("no-tree-loop-distribute-patterns"))) inline
static __inline_copy void copy_words(void *d, const void *s, unsigned n)
{
	uint64_t *dw = d;
	const uint64_t *sw = s;

#pragma GCC unroll 32
	for (unsigned i = 0; i + 1 < n / 8; i += 2) { /* both loads, then both stores: load/store pairs */
		uint64_t a = sw[i], b = sw[i + 1];

		dw[i] = a;
		dw[i + 1] = b;
	}
	if ((n / 8) & 1)
		dw[n / 8 - 1] = sw[n / 8 - 1];
}
static __inline_copy void zero_words(void *d, unsigned n)
{
	uint64_t *dw = d;

#pragma GCC unroll 64
	for (unsigned i = 0; i < n / 8; i++)
		dw[i] = 0;
}
#define copy_fixed(d, s, n) copy_words((d), (s), (n))
#define zero_fixed(d, n) zero_words((d), (n))

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
	bool kept = keep && v->arch.state_valid && (h->in_flags & KEEL_IN_STATE_KEPT) && !reset;

	zero_fixed(&k->exit, EXIT_HEAD);
	if (v->arch.exit_set & VCPU_EXIT_KICK)
		memset(k->exit.kick, 0, sizeof(k->exit.kick));
	if (v->arch.exit_set & VCPU_EXIT_EOI)
		memset(k->exit.eoi, 0, sizeof(k->exit.eoi));
	v->arch.exit_set = 0;
	v->arch.fp_reset = false;
	v->arch.dbg_written = false;
	v->arch.pmu.written = false;
	if (kept) {
		load_kept(k, h);
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

/* What a run may change back to the host's page (never the ID registers, the counter offset, the PSCI version). */
void arch_vcpu_store(struct keel_vcpu_ctx *h, struct vcpu *v, unsigned exit)
{
	const struct keel_vcpu_ctx *k = &v->arch.ctx;
	unsigned copy = v->arch.state_valid ? v->arch.exit_set | v->arch.exit_host : VCPU_EXIT_KICK | VCPU_EXIT_EOI;

	/* FP/SIMD went to the host's page at the exit itself (fp_out). */
	copy_fixed(h, k, CTX_OFF(vregs));
	copy_fixed(h->sys, k->sys, KEEL_NR_SYSREGS * sizeof(k->sys[0]));
	h->cntv_ctl = k->cntv_ctl;
	h->cntv_cval = k->cntv_cval;
	h->cntp_ctl = k->cntp_ctl;
	h->cntp_cval = k->cntp_cval;
	h->in_flags = k->in_flags;
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

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
 * The host's page into keel's copy: everything before the exit record
 * (which starts zeroed), and the ID and debug registers unless the host says
 * they are as at this vCPU's last run (KEEL_IN_CONFIG_KEPT).
 */
void arch_vcpu_load(struct vcpu *v, const struct keel_vcpu_ctx *h, const struct vcpu_boot *reset)
{
	struct keel_vcpu_ctx *k = &v->arch.ctx;
	bool keep = v->arch.config_valid && (h->in_flags & KEEL_IN_CONFIG_KEPT);

	/* Everything up to FP/SIMD, then from the system registers on (FP/SIMD: fp_in, below). */
	memcpy(k, h, CTX_OFF(vregs));
	if (keep) {
		memcpy(k->sys, h->sys, CTX_OFF(id_regs) - CTX_OFF(sys));
		memcpy(&k->cntv_ctl, &h->cntv_ctl, CTX_OFF(exit) - CTX_OFF(cntv_ctl));
	} else {
		memcpy(k->sys, h->sys, CTX_OFF(exit) - CTX_OFF(sys));
		memcpy(k->dbg, h->dbg, sizeof(k->dbg));
		v->arch.config_valid = true;
	}
	v->arch.fp_reset = reset != NULL;
	memset(&k->exit, 0, sizeof(k->exit));
	if (k->debug_ctrl & KEEL_DEBUG_HW)
		memcpy(k->dbg_ext, h->dbg_ext, sizeof(k->dbg_ext));
	if (k->in_flags & KEEL_IN_PMU)
		memcpy(v->arch.pmu.g, &((const struct keel_vcpu_page *)h)->pmu, sizeof(*v->arch.pmu.g));
	v->arch.dbg_written = false;
	if (reset)
		arch_vcpu_reset(k, reset);
}

/* What a run may change back to the host's page (never the ID registers, the counter offset, the PSCI version). */
void arch_vcpu_store(struct keel_vcpu_ctx *h, const struct vcpu *v, unsigned exit)
{
	const struct keel_vcpu_ctx *k = &v->arch.ctx;

	/* FP/SIMD went to the host's page at the exit itself (fp_out). */
	memcpy(h, k, CTX_OFF(vregs));
	memcpy(h->sys, k->sys, CTX_OFF(id_regs) - CTX_OFF(sys));
	h->cntv_ctl = k->cntv_ctl;
	h->cntv_cval = k->cntv_cval;
	h->cntp_ctl = k->cntp_ctl;
	h->cntp_cval = k->cntp_cval;
	h->in_flags = k->in_flags;
	memcpy(&h->exit, &k->exit, sizeof(h->exit));
	h->exit.reason = exit;
	VCPU_STAT_STORE(h->stat, v->stat);
	h->stat.halt_polls = v->arch.halt_polls;
	memset(h->stat.reserved, 0, sizeof(h->stat.reserved));
	if (v->arch.dbg_written)
		memcpy(h->dbg, k->dbg, sizeof(h->dbg));
	if (k->in_flags & KEEL_IN_PMU) /* not what the host sets */
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

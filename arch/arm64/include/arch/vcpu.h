/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arm64's part of a vCPU (struct vcpu embeds it by value, hv/vcpu.h), and
 * what a guest's power-on call leaves for the vCPU's next run.
 */
#ifndef ARCH_ARM64_VCPU_H
#define ARCH_ARM64_VCPU_H

#include <arch/debug.h>
#include <arch/pmu.h>
#include <arch/vgic.h>
#include <hv/types.h>
#include <keel/abi.h>

/* PSCI CPU_ON: where the vCPU starts, its context id (x0), the caller's data endianness (SCTLR_EL1.EE). */
struct vcpu_boot {
	uint64_t entry, context;
	bool big_endian;
};

/* Owned by the vCPU's running CPU during a run. */
#define VCPU_EXIT_KICK 1
#define VCPU_EXIT_EOI 2

struct vcpu_arch {
	bool config_valid;        /* ctx.id_regs and ctx.dbg hold the host's from an earlier run */
	bool state_valid;         /* ctx holds what the last exit stored in the host's page (KEEL_IN_STATE_KEPT) */
	bool page_brief;          /* ... or, after a brief exit, more: regs, sp, sys (KEEL_IN_EXIT_BRIEF) */
	bool page_stale;          /* this load refused: the host changed a brief page (arch_vcpu_check) */
	uint8_t exit_set;         /* VCPU_EXIT_*: this run set bits in ctx.exit.kick[] / eoi[] */
	uint8_t exit_host;        /* ... and the host's page holds bits in them from the last exit */
	bool dbg_written;         /* the guest wrote a debug register during this run (ctx.dbg goes back) */
	struct arm64_dbg_run dbg; /* debug.c, during a run */
	/*
	 * FP/SIMD (vregs, fpsr, fpcr) go between the host's context page and the
	 * CPU directly, not through ctx, and only in a run where the guest uses
	 * them (guest.c's fp_take()); zeros instead after a CPU_ON reset. Nothing
	 * in keel reads them, so the host changing its page meanwhile only
	 * changes what the guest gets.
	 */
	bool fp_reset;
	struct keel_vcpu_ctx ctx; /* keel's copy of the host's context page during a run */
	struct vgic_cpu vgic;     /* its redistributor and CPU interface (parts under the VM's vgic lock) */
	uint64_t halt_polls;      /* ctx.stat.halt_polls: WFIs waited out at EL2 (vgic_wfi_poll) */
	struct pmu_run pmu;       /* its PMU during a run (pmu.c) */
};

/* arm64's part of a VM (struct vm embeds it by value, hv/vm.h). */
struct vm_arch {
	uint64_t vtcr, vttbr; /* its stage 2 as VTCR_EL2 and VTTBR_EL2 take it (constant, arch_vm_init) */
	struct vgic vgic;
	struct pmu_filter pmu;
};

#endif

/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * keel hypercall ABI, arm64 part (included by <keel/abi.h>, versioned with
 * it): a hypercall is an SMCCC (v1.1) fast call, SMC64, owner "vendor-specific
 * hypervisor service" (6), issued with HVC #0 from the host at EL1: function
 * id KEEL_HC(n) in x0, arguments in x1..x6, results in x0..x3. x0 is 0 or a
 * negative Linux errno; SMCCC_RET_NOT_SUPPORTED (-1, which is -EPERM's value)
 * only for an unknown function id.
 */
#ifndef KEEL_ABI_ARCH_H
#define KEEL_ABI_ARCH_H

/* SMCCC function-id fields */
#define KEEL_SMCCC_FAST (1U << 31)
#define KEEL_SMCCC_64 (1U << 30)
#define KEEL_SMCCC_OWNER_VENDOR_HYP (6U << 24)
#define KEEL_HC(n) (KEEL_SMCCC_FAST | KEEL_SMCCC_64 | KEEL_SMCCC_OWNER_VENDOR_HYP | (n))

/* SMCCC standard vendor-hyp queries (SMC32 ids, as SMCCC defines them) */
#define KEEL_SMCCC_VENDOR_HYP_UID 0x8600ff01U
#define KEEL_SMCCC_VENDOR_HYP_REVISION 0x8600ff03U
/* keel's UID, returned in w0..w3 by KEEL_SMCCC_VENDOR_HYP_UID: 4b2d6a1e-6b65-656c-8e11-0d5a9c3f7e21 */
#define KEEL_UID_W0 0x1e6a2d4bU
#define KEEL_UID_W1 0x6c65656bU
#define KEEL_UID_W2 0x5a0d118eU
#define KEEL_UID_W3 0x217e3f9cU

/* VM creation */
#define KEEL_VM_IPA_BITS_DEFAULT 40 /* what type 0 means in KVM_CREATE_VM on arm64 */
#define KEEL_VM_IPA_BITS_MIN 32     /* ARM64_MIN_PARANGE_BITS */

/* vCPUs (since 1.2) */
#define KEEL_MAX_VCPUS 512 /* KVM_MAX_VCPUS on arm64 (and KVM_CAP_MAX_VCPUS with a vGICv3) */
/* MPIDR_EL1 of vCPU i, as Linux KVM gives it (reset_mpidr): Aff0 = i % 16, Aff1 = i / 16, RES1 bit 31. */
#define KEEL_VCPU_MPIDR(i) ((1ULL << 31) | (((unsigned long long)(i) & 0xf)) | \
			    ((((unsigned long long)(i) >> 4) & 0xff) << 8) | \
			    ((((unsigned long long)(i) >> 12) & 0xff) << 16))

/* The vCPU context is one page (VCPU_CREATE x3, VCPU_RUN x3). */
#define KEEL_VCPU_CTX_PAGES 1

/*
 * The vCPU context page (since 1.2): the guest state the host keeps for a
 * vCPU, given to KEEL_HC_VCPU_RUN. It lives in host memory; keel reads it
 * at entry (all of it up to exit, and dbg; id_regs and dbg may be skipped
 * with KEEL_IN_CONFIG_KEPT) and writes back at exit what a run can change
 * (everything but id_regs, cntvoff, psci_version and the in_* fields other
 * than in_flags), so the shim's KVM_{GET,SET}_ONE_REG and KVM_GET_REG_LIST
 * work on it without calling keel. Layout fixed by the ABI (u64 fields,
 * offsets asserted below).
 */
enum keel_sysreg { /* EL1 state switched by keel, in this order in ctx.sys[] */
	KEEL_SCTLR_EL1, KEEL_CPACR_EL1, KEEL_TTBR0_EL1, KEEL_TTBR1_EL1, KEEL_TCR_EL1,
	KEEL_ESR_EL1, KEEL_AFSR0_EL1, KEEL_AFSR1_EL1, KEEL_FAR_EL1, KEEL_MAIR_EL1,
	KEEL_VBAR_EL1, KEEL_CONTEXTIDR_EL1, KEEL_AMAIR_EL1, KEEL_CNTKCTL_EL1, KEEL_PAR_EL1,
	KEEL_TPIDR_EL1, KEEL_TPIDR_EL0, KEEL_TPIDRRO_EL0, KEEL_CSSELR_EL1, KEEL_MDSCR_EL1,
	KEEL_SP_EL1, KEEL_ELR_EL1, KEEL_SPSR_EL1,
	/* Emulated by keel from ctx (trapped), never loaded into the CPU: */
	KEEL_ACTLR_EL1, KEEL_MDCCINT_EL1, KEEL_OSLSR_EL1 /* OSLK set by OSLAR_EL1 writes */,
	/* Kept for userspace only, as KVM keeps it (HCR_EL2.AMO sends guest accesses to VDISR_EL2): */
	KEEL_DISR_EL1,
	KEEL_NR_SYSREGS,
};
#define KEEL_NR_SYSREG_SLOTS 32 /* ctx.sys[] size: room to grow within 1.x */

/*
 * ID registers the guest reads (HCR_EL2.TID3 traps them to keel), by
 * encoding op0=3 op1=0 CRn=0 CRm=1..7 op2=0..7: index (CRm - 1) * 8 + op2.
 * The shim fills them (the host's sanitised values, as KVM's defaults, or
 * what userspace set); keel answers guest reads from here.
 */
#define KEEL_NR_ID_REGS 56
#define KEEL_ID_REG_INDEX(crm, op2) (((crm) - 1) * 8 + (op2))

enum keel_dbg_kind { KEEL_DBG_BVR, KEEL_DBG_BCR, KEEL_DBG_WVR, KEEL_DBG_WCR, KEEL_DBG_KINDS };


/* ctx.in_flags: asked of keel at the next VCPU_RUN (keel clears those it carried out) */
#define KEEL_IN_VIRQ (1ULL << 0)      /* assert the guest's virtual IRQ line (HCR_EL2.VI) while it runs */
#define KEEL_IN_VFIQ (1ULL << 1)      /* virtual FIQ (HCR_EL2.VF) */
#define KEEL_IN_INJECT_DABT (1ULL << 2) /* inject a synchronous external data abort at ctx.in_far first (cleared) */
#define KEEL_IN_INJECT_UNDEF (1ULL << 3) /* inject an undefined-instruction exception first (cleared) */
#define KEEL_IN_INJECT_IABT (1ULL << 5) /* inject a synchronous external instruction abort at ctx.in_far (cleared) */
#define KEEL_IN_SYSTEM_SUSPEND (1ULL << 4) /* the VMM handles PSCI SYSTEM_SUSPEND (KVM_CAP_ARM_SYSTEM_SUSPEND; kept) */
#define KEEL_IN_HOST_CALLS (1ULL << 6) /* since 1.3: guest calls keel does not own exit as KEEL_EXIT_HYPERCALL (kept) */
/*
 * Since 1.3: id_regs[] and dbg[] (since 2.5 the PMU's state too) are as
 * they were at this vCPU's last VCPU_RUN (the host wrote none since), so
 * keel may keep its own copy instead of reading them again (kept). Without
 * it keel reads the whole page.
 */
#define KEEL_IN_CONFIG_KEPT (1ULL << 7)
/*
 * 2.2 only (ignored since 2.3, the bit stays reserved): the host held the
 * guest virtual timer's PPI masked. Since 2.3 keel holds that PPI active
 * on the running CPU's redistributor itself while a vGIC guest has it (a
 * hardware-linked list register); the host leaves it unmasked at
 * VCPU_RUN and finds it inactive after.
 */
#define KEEL_IN_VTIMER_MASKED (1ULL << 8)
/*
 * Since 2.5: the vCPU has a PMU (KVM_ARM_VCPU_PMU_V3), its state in
 * struct keel_vcpu_page's pmu: keel reads it at VCPU_RUN with this flag,
 * unless KEEL_IN_CONFIG_KEPT says the host did not write it since the last
 * run, and writes it back at an exit when the guest's accesses or counting
 * changed it (kept).
 */
#define KEEL_IN_PMU (1ULL << 9)
/*
 * Since 2.5: the host changed none of the guest's state in the page since
 * the last exit but pc and pstate (it stepped past an access it completed:
 * keel_ctx_skip_insn()), nor the ID, debug or PMU registers: keel reads
 * only pc, pstate and the inputs of every
 * run (cntvoff, psci_version, in_flags, in_far, debug_ctrl, halt_poll_ns)
 * and keeps its own copy of the rest. Ignored at a vCPU's first run, with
 * a CPU_ON reset to apply, or without KEEL_IN_CONFIG_KEPT. Kept.
 */
#define KEEL_IN_STATE_KEPT (1ULL << 10)
/*
 * Since 2.6: brief exits. At an exit the host can complete without the
 * registers (a host interrupt, WFI, WFE, a kick, an EOI, a stage-2 fault,
 * an MMIO write) keel writes back only pc, pstate, the timers (cntv_*,
 * cntp_*), in_flags, the exit record and stat (dbg and the PMU's state
 * when a run changed them, as always); regs, sp and sys stay in keel until
 * KEEL_HC_VCPU_SYNC writes them to the page. At any other exit keel writes
 * everything and clears this bit in the page's in_flags, which says which
 * it was. While the page lacks them the host re-enters with
 * KEEL_IN_STATE_KEPT (having moved at most pc and pstate), or VCPU_RUN
 * fails with -EINVAL: what the host wrote over a stale page is never
 * taken.
 */
#define KEEL_IN_EXIT_BRIEF (1ULL << 11)
/*
 * Since 2.6: the guest's WFE traps (HCR_EL2.TWE) and exits as
 * KEEL_EXIT_WFE, stepped past; without it WFE runs in the guest. KVM traps
 * it when the vCPU's CPU has other tasks to run (a lock holder may be one
 * of them). Kept.
 */
#define KEEL_IN_TRAP_WFE (1ULL << 12)

/*
 * KEEL_HC_IRQCHIP (since 2.2): an in-keel vGICv3 (LPIs since 2.4), as KVM 6.1's
 * KVM_DEV_TYPE_ARM_VGIC_V3 (needs a GICv3 with its virtualization
 * extension, else -ENODEV). keel emulates the distributor and one
 * redistributor per vCPU at the IPAs the host sets, and gives
 * interrupts to the guest through the list registers; the guest uses the
 * system-register CPU interface. The virtual timer's PPI 27 and the
 * emulated physical timer's PPI 30 are driven by keel. Ops (x2):
 */
enum keel_irqchip_op {
	/*
	 * x3 = KEEL_VGIC_ADDR_DIST, x4 = the distributor's IPA (64 KiB
	 * aligned, its frame below 2^ipa_bits; once: -EEXIST after); or
	 * x3 = KEEL_VGIC_ADDR_REDIST, x4 = the IPA of vCPU x5's redistributor
	 * (two 64 KiB frames; ~0: none), x5 bit 32 = KEEL_VGIC_RDIST_LAST
	 * (its GICR_TYPER.Last), set again whenever it changes. The host
	 * places them as KVM does (regions, filled in vCPU order) and before
	 * the VM's first run: VCPU_RUN -EINVAL while the distributor or the
	 * vCPU's redistributor is not placed.
	 */
	KEEL_IRQCHIP_SET_ADDR = 0,
	/*
	 * x3 = number of INTIDs (64 .. 1024, a multiple of 32). Creates the
	 * distributor and a redistributor for every vCPU there is; none can
	 * be created after (VCPU_CREATE -EBUSY). -EEXIST done already;
	 * -ENOMEM x1 = pages to donate (VM_TOPUP) before trying again.
	 */
	KEEL_IRQCHIP_INIT = 1,
	/*
	 * x3 = INTID: an SPI (32 .. INTIDs - 1), or a PPI (16 .. 31) of vCPU
	 * x4; x5 = the line's level (0, 1). -> x1 = the vCPU index to kick
	 * (the interrupt became deliverable there), else KEEL_NO_VCPU.
	 * -EBUSY before INIT.
	 */
	KEEL_IRQCHIP_LINE = 2,
	/*
	 * One register, as the guest sees it: x3 = space (KEEL_VGIC_SPACE_*)
	 * | vCPU index << 32 (REDIST, CPU, LEVEL), x4 = offset in the distributor or
	 * in the vCPU's redistributor frames, or for CPU a system register
	 * as KVM's KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS attribute names it
	 * (op0:op1:CRn:CRm:op2 in bits 15:0), x5 = bit 0 write, bits 15:8
	 * the access size in bytes (4 or 8), x6 = the value to write.
	 * -> x1 = the value read. -EBUSY before INIT; -ENXIO no such
	 * register; -EINVAL the size or the vCPU.
	 */
	KEEL_IRQCHIP_REG = 3,
	/* x3 = vCPU index -> x1 = 1 if it has an interrupt to take (it should not sleep in WFI), else 0. */
	KEEL_IRQCHIP_PENDING = 4,
	/*
	 * Since 2.3. x3 = an SPI's INTID, x4 = 1: the host hears of the
	 * guest's EOIs of it (KVM's irqfd resampler); 0: no more. At such an
	 * EOI keel lowers the interrupt's line and sets its bit in
	 * ctx.exit.eoi. -EBUSY before INIT; -EINVAL not an SPI there is.
	 */
	KEEL_IRQCHIP_RESAMPLE = 5,
	/*
	 * Since 2.3. x3 = the virtual timer's PPI, x4 = the EL1 physical
	 * timer's (16..31, not the same; KVM_ARM_VCPU_TIMER_CTRL), for every
	 * vCPU; 27 and 30 until set. -EINVAL those; -EBUSY a vCPU runs.
	 */
	KEEL_IRQCHIP_TIMERS = 6,
	/*
	 * Since 2.4. x3 = 1: the host emulates an ITS for the VM (KVM's
	 * KVM_DEV_TYPE_ARM_VGIC_ITS), so the vGIC has LPIs: GICD_TYPER.LPIS
	 * with 16 interrupt-id bits, GICR_TYPER.PLPIS, GICR_CTLR.EnableLPIs,
	 * GICR_PROPBASER (one for the VM) and GICR_PENDBASER, all kept by keel
	 * and read or set by the host with KEEL_IRQCHIP_REG. Before INIT too.
	 */
	KEEL_IRQCHIP_LPIS = 7,
	/*
	 * Since 2.4. One LPI of vCPU x3: x4 = its INTID (8192 .. 65535), x5 =
	 * KEEL_LPI_*, x6 = its priority (the property table's byte & 0xfc).
	 * SET makes it pending (-> x1 = the vCPU to kick, else KEEL_NO_VCPU;
	 * -EAGAIN: that redistributor's EnableLPIs is 0; -ENOSPC: it has
	 * KEEL_VGIC_LPI_SLOTS LPIs pending or active already); CLEAR takes
	 * its pending state away, PRIO sets the priority of one pending or
	 * active, QUERY changes nothing: -> x1 bit 0 = it was pending (not in
	 * a list register of a running vCPU), bit 1 = the vCPU's EnableLPIs,
	 * x2 = its GICR_PENDBASER, x3 = GICR_PROPBASER. -ENXIO no LPIs;
	 * -EBUSY before INIT.
	 */
	KEEL_IRQCHIP_LPI = 8,
};
#define KEEL_LPI_SET 0
#define KEEL_LPI_CLEAR 1
#define KEEL_LPI_QUERY 2
#define KEEL_LPI_PRIO 3
#define KEEL_VGIC_MIN_LPI 8192
#define KEEL_VGIC_LPI_SLOTS 32
/* The timers' PPIs until KEEL_IRQCHIP_TIMERS (KVM 6.1's default_vtimer_irq, default_ptimer_irq). */
#define KEEL_VGIC_VTIMER_PPI 27
#define KEEL_VGIC_PTIMER_PPI 30
#define KEEL_VGIC_ADDR_DIST 0
#define KEEL_VGIC_ADDR_REDIST 1
#define KEEL_VGIC_RDIST_LAST (1ULL << 32)
#define KEEL_VGIC_SPACE_DIST 0
#define KEEL_VGIC_SPACE_REDIST 1
#define KEEL_VGIC_SPACE_CPU 2
#define KEEL_VGIC_SPACE_LEVEL 3 /* x4 = an INTID multiple of 32: the lines of 32 interrupts, a bit each (4 bytes) */
#define KEEL_VGIC_DIST_SIZE 0x10000ULL
#define KEEL_VGIC_REDIST_SIZE 0x20000ULL /* per vCPU: RD_base and SGI_base frames */
#define KEEL_NO_VCPU (~0ULL)

/*
 * KEEL_HC_VM_PMU (since 2.5). A vCPU with KEEL_IN_PMU gets the CPU's PMUv3
 * counters while it runs (their number is PMCR_EL0.N, the host's copy of
 * which the shim puts in the page's pmu.pmcr), as KVM 6.1 gives them: event
 * counters of 32 bits, the cycle counter of 64 (overflowing at 32 bits
 * unless PMCR.LC), nothing counted at EL2 or in the host, the overflow
 * interrupt's level (PMCR.E, PMOVS & PMINTEN & PMCNTEN) driven into the
 * in-keel vGIC's the page's pmu.irq, else left for the host to read from the page's pmu.
 * Ops (x2):
 */
enum keel_pmu_op {
	/*
	 * KVM_ARM_VCPU_PMU_V3_FILTER: x3 = first event, x4 = number of events,
	 * x5 = KEEL_PMU_ALLOW or KEEL_PMU_DENY | event-space size << 8 (1024
	 * or 65536, KVM's kvm_pmu_event_mask() + 1: the same at every call).
	 * The first call makes every other event the opposite of its action.
	 * Counters of events the filter denies count nothing (SW_INCR and
	 * CHAIN are never filtered). -EBUSY once a vCPU of the VM has run;
	 * -ENOMEM x1 = pages to donate (VM_TOPUP) before trying again.
	 */
	KEEL_PMU_FILTER = 0,
};
#define KEEL_PMU_ALLOW 0 /* KVM_PMU_EVENT_ALLOW */
#define KEEL_PMU_DENY 1  /* KVM_PMU_EVENT_DENY */
#define KEEL_PMU_MAX_COUNTERS 31

/* the page's pmu (KEEL_IN_PMU): the guest's PMUv3 registers as the guest sees them */
struct keel_pmu_state {
	uint64_t pmcr;    /* PMCR_EL0: N is the CPU's; E, D, X, DP, LC, LP as written; P and C read as 0 */
	uint64_t cnten;   /* PMCNTENSET_EL0 */
	uint64_t inten;   /* PMINTENSET_EL1 */
	uint64_t ovs;     /* PMOVSSET_EL0 */
	uint64_t selr;    /* PMSELR_EL0 */
	uint64_t userenr; /* PMUSERENR_EL0 */
	uint64_t ccntr;   /* PMCCNTR_EL0 */
	uint64_t ccfiltr; /* PMCCFILTR_EL0 */
	uint64_t evcntr[KEEL_PMU_MAX_COUNTERS];  /* PMEVCNTRn_EL0 (32 bits) */
	uint64_t evtyper[KEEL_PMU_MAX_COUNTERS]; /* PMEVTYPERn_EL0 */
	/* Set by the host, never changed by keel: */
	uint64_t pmceid[2]; /* what the guest reads from PMCEID0/1_EL0 (the CPU's, less what the filter denies) */
	uint64_t irq;       /* the overflow interrupt's INTID in the in-keel vGIC (a PPI or an SPI); 0: none */
	uint64_t reserved[5];
};

/*
 * ctx.debug_ctrl (since 2.1), KVM_SET_GUEST_DEBUG as keel carries it out
 * (KVM 6.1's kvm_arm_setup_debug()). ENABLE: every debug exception of the
 * guest (BRK, breakpoint, watchpoint, software step) exits as
 * KEEL_EXIT_DEBUG (MDCR_EL2.TDE). SSTEP: MDSCR_EL1.SS is on for the guest,
 * off otherwise; the host manages PSTATE.SS (the step's active-pending
 * state). HW: dbg_ext's breakpoints and watchpoints are armed, with
 * MDSCR_EL1.MDE. SSTEP and HW need ENABLE. The guest's own MDSCR_EL1 and
 * PSTATE are kept as they are (the guest reads its own).
 */
#define KEEL_DEBUG_ENABLE (1ULL << 0)
#define KEEL_DEBUG_SSTEP (1ULL << 1)
#define KEEL_DEBUG_HW (1ULL << 2)
#define KEEL_DEBUG_MASK (KEEL_DEBUG_ENABLE | KEEL_DEBUG_SSTEP | KEEL_DEBUG_HW)

struct keel_vcpu_ctx {
	/* Core registers, as struct user_pt_regs: x0..x30, sp (SP_EL0), pc, pstate */
	uint64_t regs[31];
	uint64_t sp;
	uint64_t pc;
	uint64_t pstate;
	/* FP/SIMD: V0..V31 as (low, high) u64 pairs, then FPSR, FPCR */
	uint64_t vregs[64];
	uint64_t fpsr;
	uint64_t fpcr;
	/* EL1 system registers, enum keel_sysreg */
	uint64_t sys[KEEL_NR_SYSREG_SLOTS];
	uint64_t id_regs[KEEL_NR_ID_REGS];
	/* Virtual timer: CNTV_CTL_EL0, CNTV_CVAL_EL0, and CNTVOFF_EL2 (guest CNTVCT = CNTPCT - offset) */
	uint64_t cntv_ctl;
	uint64_t cntv_cval;
	uint64_t cntvoff;
	/*
	 * PSCI version the guest sees (KVM_REG_ARM_PSCI_VERSION: 0x2 = 0.2, 0x10000 = 1.0, 0x10001 = 1.1; 0 = 1.1;
	 * 0x1 = 0.1: a vCPU without KVM_ARM_VCPU_PSCI_0_2, KVM's own function ids KVM_PSCI_FN_*)
	 */
	uint64_t psci_version;
	/* Requests for the next entry (KEEL_IN_*), and the FAR for KEEL_IN_INJECT_DABT */
	uint64_t in_flags;
	uint64_t in_far;
	/*
	 * Since 2.0: the EL1 physical timer, which keel emulates (KVM's ptimer,
	 * no counter offset): CNTP_CTL_EL0 (ENABLE, IMASK; ISTATUS is computed)
	 * and CNTP_CVAL_EL0. Its interrupt is the host's to raise.
	 */
	uint64_t cntp_ctl;
	uint64_t cntp_cval;
	/*
	 * Since 2.1: the host debugs the guest (KVM_SET_GUEST_DEBUG),
	 * KEEL_DEBUG_*; 0 = not. Read at every VCPU_RUN, never written back.
	 */
	uint64_t debug_ctrl;
	/*
	 * Since 2.3, with the in-keel vGIC: a guest WFI with nothing to take
	 * waits at EL2 for up to this many ns (KVM's halt polling) for an
	 * interrupt, which another vCPU's SGI or a GIC write then delivers
	 * without either vCPU leaving keel; a host interrupt ends it (an
	 * IRQ exit). Then KEEL_EXIT_WFI. 0: no wait. Read at every VCPU_RUN.
	 */
	uint64_t halt_poll_ns;
	uint64_t reserved_in[4];
	/* Written by keel at every exit */
	struct {
		uint64_t reason; /* enum keel_exit, as returned in x1 */
		uint64_t esr;    /* ESR_EL2 of the guest trap */
		uint64_t far;    /* FAR_EL2 (guest VA) */
		uint64_t ipa;    /* faulting IPA (MMIO, NISV) */
		struct {
			uint64_t addr;     /* IPA of the access */
			uint64_t data;     /* a write's value (zero-extended from len bytes) */
			uint32_t len;      /* 1, 2, 4 or 8 */
			uint32_t is_write;
			uint32_t reg;      /* Rt (31 = XZR for a write of zero) */
			uint32_t sign_extend; /* ESR SSE: sign-extend a read from len bytes */
			uint32_t sixty_four;  /* ESR SF: Rt is Xn (else Wn, upper 32 bits zeroed) */
			uint32_t pad;
		} mmio;
		uint64_t system_event; /* KVM_SYSTEM_EVENT_SHUTDOWN (1) / _RESET (2) / _SUSPEND (5: registers untouched) */
		uint64_t target;       /* KEEL_EXIT_WAKE: vCPU index */
		uint64_t kick[8];      /* KEEL_EXIT_KICK (2.2): vCPU indices, a bit each */
		/*
		 * Since 2.3, at any exit: SPIs (INTIDs, a bit each) marked
		 * KEEL_IRQCHIP_RESAMPLE that the guest EOI'd in this run; keel
		 * has lowered their lines.
		 */
		uint64_t eoi[16];
	} exit;
	/* keel's statistics for this vCPU, counted by keel (never written by the shim) */
	struct {
		uint64_t exits;       /* all exits to the host */
		uint64_t mmio;
		uint64_t wfi;
		uint64_t irq;
		uint64_t hvc;         /* guest HVC/SMC handled in keel (PSCI, SMCCC) */
		uint64_t sysreg;      /* trapped system-register accesses emulated in keel */
		uint64_t halt_polls;  /* 2.3: guest WFIs keel waited out at EL2 (halt_poll_ns) without an exit */
		uint64_t reserved[9];
	} stat;
	/*
	 * Debug breakpoint/watchpoint registers, indexed by n (CRm of the
	 * encoding, as KVM's vcpu_debug_state): DBGBVRn, DBGBCRn, DBGWVRn,
	 * DBGWCRn: the guest's own. keel arms them in the CPU while the guest
	 * has debug on (MDSCR_EL1.KDE or MDE, the OS lock off) and the host is
	 * not using breakpoints itself, and writes them back after a run in
	 * which the guest may have changed them.
	 */
	uint64_t dbg[KEEL_DBG_KINDS][16];
	/*
	 * Since 2.1: with KEEL_DEBUG_HW, the host's breakpoints and
	 * watchpoints for the guest (KVM's external_debug_state), armed in the
	 * CPU instead of the guest's. Read at VCPU_RUN when the flag is set.
	 */
	uint64_t dbg_ext[KEEL_DBG_KINDS][16];
};

/*
 * The context page: the vCPU's context, then (since 2.5, with KEEL_IN_PMU)
 * its PMU, which keel reads at VCPU_RUN and writes back at the exit.
 */
struct keel_vcpu_page {
	struct keel_vcpu_ctx ctx;
	struct keel_pmu_state pmu;
};

#define KEEL_CTX_OFF_REGS 0
#define KEEL_CTX_OFF_VREGS (34 * 8)
#define KEEL_CTX_OFF_SYS (KEEL_CTX_OFF_VREGS + 66 * 8)
#define KEEL_CTX_OFF_ID (KEEL_CTX_OFF_SYS + KEEL_NR_SYSREG_SLOTS * 8)
#define KEEL_CTX_OFF_TIMER (KEEL_CTX_OFF_ID + KEEL_NR_ID_REGS * 8)
#ifdef __cplusplus
#define KEEL_STATIC_ASSERT static_assert
#else
#define KEEL_STATIC_ASSERT _Static_assert
#endif
KEEL_STATIC_ASSERT(__builtin_offsetof(struct keel_vcpu_ctx, vregs) == KEEL_CTX_OFF_VREGS, "ctx layout");
KEEL_STATIC_ASSERT(__builtin_offsetof(struct keel_vcpu_ctx, sys) == KEEL_CTX_OFF_SYS, "ctx layout");
KEEL_STATIC_ASSERT(__builtin_offsetof(struct keel_vcpu_ctx, id_regs) == KEEL_CTX_OFF_ID, "ctx layout");
KEEL_STATIC_ASSERT(__builtin_offsetof(struct keel_vcpu_ctx, cntv_ctl) == KEEL_CTX_OFF_TIMER, "ctx layout");
KEEL_STATIC_ASSERT(__builtin_offsetof(struct keel_vcpu_page, pmu) == 3048, "page layout (docs/hypercall-abi.md)");
KEEL_STATIC_ASSERT(sizeof(struct keel_vcpu_page) <= 4096, "the context is one page");
KEEL_STATIC_ASSERT(KEEL_NR_SYSREGS <= KEEL_NR_SYSREG_SLOTS, "sysreg slots");

/*
 * Stepping a vCPU past the instruction of a trap with syndrome esr, as the
 * CPU would (KVM's kvm_skip_instr): AArch32 2 or 4 bytes by ESR.IL (Thumb
 * 16-bit: 2), the Thumb IT state advanced; AArch64 4 bytes, BTYPE cleared;
 * PSTATE.SS cleared. keel uses it for what it emulates, the shim when it
 * completes an MMIO access: the same rule on both sides of the ABI.
 */
#define KEEL_PSR_MODE32 (1ULL << 4)
#define KEEL_PSR_T (1ULL << 5)
#define KEEL_PSR_IT_MASK ((0x3fULL << 10) | (3ULL << 25))
#define KEEL_ESR_IL (1ULL << 25)

static inline void keel_ctx_skip_insn(struct keel_vcpu_ctx *c, uint64_t esr)
{
	uint64_t ps = c->pstate, it;

	if (ps & KEEL_PSR_MODE32) {
		c->pc = (uint32_t)(c->pc + ((esr & KEEL_ESR_IL) || !(ps & KEEL_PSR_T) ? 4 : 2));
		if ((ps & KEEL_PSR_T) && (ps & KEEL_PSR_IT_MASK)) {
			/* IT[7:2] in bits 15:10, IT[1:0] in 26:25; ITAdvance keeps IT[7:5], shifts IT[4:0]. */
			it = ((ps >> 8) & 0xfc) | ((ps >> 25) & 3);
			it = (it & 7) ? (it & 0xe0) | ((it << 1) & 0x1f) : 0;
			ps = (ps & ~KEEL_PSR_IT_MASK) | ((it & 0xfc) << 8) | ((it & 3) << 25);
		}
	} else {
		c->pc += 4;
		ps &= ~(3ULL << 10); /* BTYPE */
	}
	c->pstate = ps & ~(1ULL << 21); /* SS: the step is done */
}

/*
 * SMCCC return values. Linux's <linux/arm-smccc.h> defines the same names
 * (unparenthesised), so the shim takes those.
 */
#define KEEL_SMCCC_RET_NOT_SUPPORTED (-1)
#ifndef __KERNEL__
#define SMCCC_RET_SUCCESS 0
#define SMCCC_RET_NOT_SUPPORTED (-1)
#define SMCCC_RET_NOT_REQUIRED (-2)
#define SMCCC_RET_INVALID_PARAMETER (-3)
#endif

#endif

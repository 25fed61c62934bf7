/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * keel hypercall ABI: the one header shared by keel and the shim.
 *
 * On arm64 a hypercall is an SMCCC (v1.1) fast call, SMC64, owner
 * "vendor-specific hypervisor service" (6), issued with HVC #0 from the host
 * at EL1: function id in x0, arguments in x1..x6, results in x0..x3. x0 is 0
 * or a negative Linux errno; SMCCC_RET_NOT_SUPPORTED (-1, which is -EPERM's
 * value) only for an unknown function id. See docs/hypercall-abi.md.
 *
 * The major version changes when a call changes meaning; the shim refuses to
 * load on a different major. The minor grows when calls are added.
 */
#ifndef KEEL_ABI_H
#define KEEL_ABI_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdint.h>
#endif

#define KEEL_ABI_MAJOR 2
#define KEEL_ABI_MINOR 0
#define KEEL_ABI_VERSION ((KEEL_ABI_MAJOR << 16) | KEEL_ABI_MINOR)

/* Device tree node keel adds for the host: /hypervisor */
#define KEEL_DT_COMPATIBLE "keel,hypervisor"
#define KEEL_DT_ABI_PROP "keel,abi-version"

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

/*
 * Function numbers. Every argument register a call does not use (up to x6)
 * must be 0, else the call fails with -EINVAL: unused registers can be given
 * a meaning later without changing the major version.
 */
enum keel_hc {
	/* -> x1 = KEEL_ABI_VERSION, x2 = number of CPUs keel knows, x3 = bitmap of CPUs under keel */
	KEEL_HC_ABI_VERSION = 0,
	/*
	 * The calling CPU may run guests from now on (the shim's CPU-online
	 * callback, resume). Idempotent. -ENODEV if keel does not run this CPU.
	 * -> x1 = keel's index of the calling CPU, x2 = bitmap of guest-enabled CPUs
	 */
	KEEL_HC_CPU_ENABLE = 1,
	/*
	 * The calling CPU may no longer run guests (CPU-offline callback,
	 * reboot, suspend). Idempotent. -> x1 = its index, x2 = bitmap as above
	 */
	KEEL_HC_CPU_DISABLE = 2,
	/*
	 * x1 = guest IPA size in bits (0: KEEL_VM_IPA_BITS_DEFAULT; else
	 * KEEL_VM_IPA_BITS_MIN .. the arch's stage-2 limit, which
	 * KEEL_STATS_LIMITS reports; -EINVAL otherwise), x2 = PA of the pages
	 * the host donates for the VM (since 2.0: its stage-2 root and keel's
	 * record of it), x3 = their number; both exactly as KEEL_HC_VM_SIZE
	 * says for x1, physically contiguous, aligned as it says.
	 * -> x1 = VM handle, x2 = IPA bits.
	 * The pages become keel's (the host loses access) until VM_DESTROY.
	 * -EINVAL arguments; -EFAULT a donated page not the host's alone (not
	 * RAM, keel's, shared); -ENOSPC no free VMID; -ENOMEM keel's own pool
	 * cannot describe the host's loss of the pages (its stage 2).
	 */
	KEEL_HC_VM_CREATE = 3,
	/*
	 * x1 = VM handle. Gives every page donated to the VM back to the host
	 * (zeroed) and frees its VMID.
	 * -EINVAL: not a handle (bits outside the handle fields, slot out of range);
	 * -ENOENT: no such VM (destroyed, or a stale generation);
	 * -EBUSY (since 1.2): one of its vCPUs is inside VCPU_RUN on some CPU.
	 */
	KEEL_HC_VM_DESTROY = 4,
	/* x1 = enum keel_stats group, x2 = its argument -> x1..x3 (see the group). -EINVAL otherwise. */
	KEEL_HC_STATS = 5,
	/*
	 * Since 1.2. x1 = VM handle, x2 = guest IPA of the first page (page
	 * aligned, the range below 2^ipa_bits), x3 = PA of a host page holding
	 * x4 host PAs (u64, each page aligned), x4 = n (1 .. KEEL_MAP_LIST_MAX),
	 * x5 = KEEL_MAP_* flags. Maps IPA + i * 4 KiB to list[i], all or
	 * nothing. Each page stays the host's (shared: the host keeps access;
	 * one host page may back several IPAs, in one VM or several).
	 * -EINVAL alignment, range, n, flags, or the list page not host RAM;
	 * -EPERM is never returned (SMCCC NOT_SUPPORTED): a page that is not
	 * host RAM (keel's, a device, outside RAM) gives -EFAULT; -EEXIST an
	 * IPA already mapped; -ENOMEM the VM's memcache lacks pages for the
	 * stage-2 tables: x1 = how many to donate (VM_TOPUP) before trying again;
	 * -EINVAL/-ENOENT handle as VM_DESTROY.
	 */
	KEEL_HC_VM_MAP = 6,
	/*
	 * Since 1.2. x1 = VM handle, x2 = guest IPA (page aligned), x3 = pages
	 * (the range below 2^ipa_bits). Unmaps every page mapped in the range
	 * (holes are fine) and invalidates the guest's TLB entries for it.
	 * -> x1 = pages that were mapped.
	 */
	KEEL_HC_VM_UNMAP = 7,
	/*
	 * Since 1.2. x1 = VM handle, x2 = vCPU index (0 .. KEEL_MAX_VCPUS - 1),
	 * x3 (since 2.0) = PA of the vCPU's context page (struct keel_vcpu_ctx;
	 * a page of host RAM the host owns alone): lent to keel until the VM
	 * goes (the host keeps access; it cannot be donated or mapped into a
	 * guest meanwhile). The vCPU's MPIDR is KEEL_VCPU_MPIDR(index); it
	 * starts powered on. -EEXIST index taken; -EFAULT the context page;
	 * -ENOMEM the VM's memcache is empty (a vCPU takes one page of it):
	 * x1 = pages to donate. vCPUs go with their VM.
	 */
	KEEL_HC_VCPU_CREATE = 8,
	/*
	 * Since 1.2. x1 = VM handle, x2 = vCPU index, x3 = PA of the vCPU's
	 * context page (the one given to VCPU_CREATE, else -EINVAL). keel
	 * loads the guest state from the page, runs the vCPU on the calling CPU
	 * until something needs the host, stores the state back and returns
	 * x1 = enum keel_exit (details in the page). -EBUSY the vCPU runs on
	 * another CPU; -ENODEV the calling CPU is not guest-enabled; -EINVAL
	 * the page or the state in it (e.g. a PSTATE that is not EL0/EL1
	 * AArch64); handle errors as VM_DESTROY, -ENOENT no such vCPU.
	 */
	KEEL_HC_VCPU_RUN = 9,
	/*
	 * Since 1.2. x1 = VM handle, x2 = vCPU index, x3 = enum keel_power op,
	 * x4 = for KEEL_POWER_TAKE_RESET the PA of the vCPU's context page
	 * (else 0). -> x1 = the power state after the op (KEEL_POWER_OFF /
	 * KEEL_POWER_ON). keel owns the power state because guest PSCI
	 * (CPU_ON/OFF, SYSTEM_*) changes it inside keel; KVM_{GET,SET}_MP_STATE
	 * and KVM_ARM_VCPU_INIT read and set it here. Setting ON or OFF drops a
	 * pending CPU_ON; TAKE_RESET writes a pending CPU_ON's reset (entry,
	 * context id) into the context page now, so register reads and writes
	 * from the host come after it (-EBUSY while the vCPU runs).
	 */
	KEEL_HC_VCPU_POWER = 10,
	/*
	 * Since 2.0. x1 = IPA bits as VM_CREATE takes them -> x1 = pages
	 * VM_CREATE needs donated for such a VM, x2 = the alignment of their
	 * first page, in pages (a power of two). -EINVAL as VM_CREATE.
	 */
	KEEL_HC_VM_SIZE = 11,
	/*
	 * Since 2.0. x1 = VM handle, x2 = PA of a host page holding x3 host
	 * PAs (u64, page aligned), x3 = n (1 .. KEEL_MAP_LIST_MAX). Donates
	 * the n pages to the VM's memcache, all or nothing: from there keel
	 * takes its stage-2 tables and vCPUs (-ENOMEM with x1 = pages to
	 * donate, from VM_MAP and VCPU_CREATE). They become keel's until
	 * VM_DESTROY gives them back. -EINVAL arguments or the list page;
	 * -EFAULT a listed page not the host's alone (or listed twice);
	 * -ENOMEM keel's own pool (host stage 2); handle errors as VM_DESTROY.
	 */
	KEEL_HC_VM_TOPUP = 12,
	KEEL_HC_NR_CALLS,
};

/* VM creation */
#define KEEL_VM_IPA_BITS_DEFAULT 40 /* what type 0 means in KVM_CREATE_VM on arm64 */
#define KEEL_VM_IPA_BITS_MIN 32     /* ARM64_MIN_PARANGE_BITS */

/* vCPUs (since 1.2) */
#define KEEL_MAX_VCPUS 512 /* KVM_MAX_VCPUS on arm64 (and KVM_CAP_MAX_VCPUS with a vGICv3) */
/* MPIDR_EL1 of vCPU i, as Linux KVM gives it (reset_mpidr): Aff0 = i % 16, Aff1 = i / 16, RES1 bit 31. */
#define KEEL_VCPU_MPIDR(i) ((1ULL << 31) | (((unsigned long long)(i) & 0xf)) | \
			    ((((unsigned long long)(i) >> 4) & 0xff) << 8) | \
			    ((((unsigned long long)(i) >> 12) & 0xff) << 16))

/* VM_MAP */
#define KEEL_MAP_LIST_MAX 512         /* PAs in one list page */
#define KEEL_MAP_READONLY (1ULL << 0) /* guest writes fault (and exit as MMIO writes, as KVM's RO slots) */

enum keel_power {
	KEEL_POWER_QUERY = 0, /* op only */
	KEEL_POWER_OFF = 1,
	KEEL_POWER_ON = 2,
	KEEL_POWER_TAKE_RESET = 3, /* op only */
};

/* A VM handle: slot (its VMID) in bits 15:0, generation (never 0) in bits 31:16, nothing above. */
#define KEEL_VM_HANDLE_SLOT_BITS 16
#define KEEL_VM_HANDLE_GEN_BITS 16

/* Page owners, as KEEL_STATS_OWNER_PAGES takes them (keel's page-ownership ids). */
#define KEEL_OWNER_HOST 0
#define KEEL_OWNER_HYP 1 /* keel's own memory and the pages donated to VMs */

enum keel_stats {
	/* -> x1 = free pages in keel's own page pool, x2 = its total pages, x3 = pages donated to VMs (2.0) */
	KEEL_STATS_POOL = 0,
	/* -> x1 = VMs, x2 = vCPUs, x3 = bitmap of guest-enabled CPUs */
	KEEL_STATS_OBJECTS = 1,
	/* x2 = owner id (KEEL_OWNER_*) -> x1 = pages of RAM it owns */
	KEEL_STATS_OWNER_PAGES = 2,
	/* -> x1 = largest guest IPA bits keel's stage 2 supports, x2 = most VMs at once (2.0: its VMIDs), x3 = guest VMIDs */
	KEEL_STATS_LIMITS = 3,
	/*
	 * Since 1.2. -> x1 = host pages shared with guests (mapped in at least
	 * one), x2 = guest mappings of them (the page-owner record), x3 = pages
	 * mapped by VM_MAP over all VMs (the VMs' record; always equal to x2).
	 */
	KEEL_STATS_SHARED = 4,
	KEEL_STATS_NR_GROUPS,
};

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

enum keel_exit {
	KEEL_EXIT_NONE = 0,
	/* A host interrupt arrived while the guest ran (the host takes it once it unmasks). */
	KEEL_EXIT_IRQ = 1,
	/* Guest data abort outside its memory, or a write to a read-only page: ctx.exit.mmio. PC not advanced. */
	KEEL_EXIT_MMIO = 2,
	/* As MMIO, but the syndrome has no valid instruction information (ESR ISV = 0): ctx.exit.esr/far/ipa. */
	KEEL_EXIT_MMIO_NISV = 3,
	/* Guest WFI (or PSCI CPU_SUSPEND): PC advanced; block until an interrupt is due. */
	KEEL_EXIT_WFI = 4,
	/* The vCPU is powered off (PSCI CPU_OFF, or it was never switched on): block until a CPU_ON / MP_STATE. */
	KEEL_EXIT_POWER_OFF = 5,
	/* Guest PSCI SYSTEM_OFF / SYSTEM_RESET: ctx.exit.system_event = KVM_SYSTEM_EVENT_*; every vCPU is now off. */
	KEEL_EXIT_SYSTEM_EVENT = 6,
	/* Guest PSCI CPU_ON switched vCPU ctx.exit.target on: wake its thread, then run this vCPU again. */
	KEEL_EXIT_WAKE = 7,
	/*
	 * Since 1.3, with KEEL_IN_HOST_CALLS: a guest HVC keel does not answer
	 * itself (not SMCCC_VERSION, the arch workarounds or PSCI): x0..x7 as
	 * the guest left them, PC past the HVC. The host puts the results in
	 * x0..x3 and runs the vCPU again. Without the flag keel answers such
	 * calls NOT_SUPPORTED and never returns this.
	 */
	KEEL_EXIT_HYPERCALL = 8,
	/* An exception keel cannot give back to the guest as the hardware would: ctx.exit.esr. */
	KEEL_EXIT_FAIL_ENTRY = 9,
	/*
	 * A stage-2 translation fault that is not a data access keel can
	 * describe as MMIO: an instruction fetch, or the guest's stage-1 table
	 * walk (ctx.exit.esr/far/ipa; PC not advanced). The host maps guest
	 * memory there (VM_MAP) and runs again, or has keel inject an abort
	 * (KEEL_IN_INJECT_IABT for an instruction fetch, else _DABT). Data
	 * accesses to unmapped guest memory come as MMIO/MMIO_NISV: the host
	 * checks its memory slots first there too.
	 */
	KEEL_EXIT_MEM_FAULT = 10,
};

/* ctx.in_flags: asked of keel at the next VCPU_RUN (keel clears those it carried out) */
#define KEEL_IN_VIRQ (1ULL << 0)      /* assert the guest's virtual IRQ line (HCR_EL2.VI) while it runs */
#define KEEL_IN_VFIQ (1ULL << 1)      /* virtual FIQ (HCR_EL2.VF) */
#define KEEL_IN_INJECT_DABT (1ULL << 2) /* inject a synchronous external data abort at ctx.in_far first (cleared) */
#define KEEL_IN_INJECT_UNDEF (1ULL << 3) /* inject an undefined-instruction exception first (cleared) */
#define KEEL_IN_INJECT_IABT (1ULL << 5) /* inject a synchronous external instruction abort at ctx.in_far (cleared) */
#define KEEL_IN_SYSTEM_SUSPEND (1ULL << 4) /* the VMM handles PSCI SYSTEM_SUSPEND (KVM_CAP_ARM_SYSTEM_SUSPEND; kept) */
#define KEEL_IN_HOST_CALLS (1ULL << 6) /* since 1.3: guest calls keel does not own exit as KEEL_EXIT_HYPERCALL (kept) */
/*
 * Since 1.3: id_regs[] and dbg[] are as they were at this vCPU's last
 * VCPU_RUN (the host wrote neither since), so keel may keep its own copy
 * instead of reading them again (kept). Without it keel reads the whole page.
 */
#define KEEL_IN_CONFIG_KEPT (1ULL << 7)

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
	uint64_t reserved_in[6];
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
		uint64_t reserved[8];
	} exit;
	/* keel's statistics for this vCPU, counted by keel (never written by the shim) */
	struct {
		uint64_t exits;       /* all exits to the host */
		uint64_t mmio;
		uint64_t wfi;
		uint64_t irq;
		uint64_t hvc;         /* guest HVC/SMC handled in keel (PSCI, SMCCC) */
		uint64_t sysreg;      /* trapped system-register accesses emulated in keel */
		uint64_t reserved[10];
	} stat;
	/*
	 * Debug breakpoint/watchpoint registers, indexed by n (CRm of the
	 * encoding, as KVM's vcpu_debug_state): DBGBVRn, DBGBCRn, DBGWVRn,
	 * DBGWCRn. Guest accesses trap (MDCR_EL2.TDA) and read back what was
	 * written; keel does not arm them in the CPU.
	 */
	uint64_t dbg[KEEL_DBG_KINDS][16];
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
KEEL_STATIC_ASSERT(sizeof(struct keel_vcpu_ctx) <= 4096, "the context is one page");
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

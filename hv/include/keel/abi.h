/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * keel hypercall ABI: the one versioned header shared by keel and the shim.
 *
 * This part is the same on every arch: the version, the function numbers
 * and what they do, handles, statistics, exit reasons. What differs per
 * arch lives in <keel/abi_arch.h> (arch/<arch>/include/keel/), found by the
 * include path of the arch being built (keel: ARCH; the shim: the kernel's
 * SRCARCH): how a call is issued (arm64: an SMCCC fast call with HVC #0,
 * function id KEEL_HC(n) in x0, arguments in x1..x6, results in x0..x3), the
 * vCPU context page (struct keel_vcpu_ctx) and the arch's limits. The first
 * result is 0 or a negative Linux errno. See docs/hypercall-abi.md.
 *
 * The major version changes when a call changes meaning; the shim refuses to
 * load on a different major. The minor grows when calls are added. The
 * version covers both headers.
 */
#ifndef KEEL_ABI_H
#define KEEL_ABI_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdint.h>
#endif

#define KEEL_ABI_MAJOR 2
#define KEEL_ABI_MINOR 6
#define KEEL_ABI_VERSION ((KEEL_ABI_MAJOR << 16) | KEEL_ABI_MINOR)

/* Device tree node keel adds for the host: /hypervisor */
#define KEEL_DT_COMPATIBLE "keel,hypervisor"
#define KEEL_DT_ABI_PROP "keel,abi-version"

#include <keel/abi_arch.h>

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
	 * x3 (since 2.0) = PA of the vCPU's context (struct keel_vcpu_ctx of
	 * <keel/abi_arch.h>: KEEL_VCPU_CTX_PAGES contiguous pages of host RAM
	 * the host owns alone): lent to keel until the VM goes (the host keeps
	 * access; it cannot be donated or mapped into a guest meanwhile). The
	 * vCPU's hardware id is the arch's for index (arm64: MPIDR
	 * KEEL_VCPU_MPIDR(index)); it starts powered on. -EEXIST index taken;
	 * -EFAULT the context pages; -ENOMEM the VM's memcache lacks the pages
	 * a vCPU takes (one, and what the arch needs besides): x1 = pages to
	 * donate. vCPUs go with their VM.
	 */
	KEEL_HC_VCPU_CREATE = 8,
	/*
	 * Since 1.2. x1 = VM handle, x2 = vCPU index, x3 = PA of the vCPU's
	 * context page (the one given to VCPU_CREATE, else -EINVAL). keel
	 * loads the guest state from the page, runs the vCPU on the calling CPU
	 * until something needs the host, stores the state back and returns
	 * x1 = enum keel_exit (details in the page). -EBUSY the vCPU runs on
	 * another CPU; -ENODEV the calling CPU is not guest-enabled; -EINVAL
	 * the page or the state in it (arm64: a PSTATE no guest can be in);
	 * handle errors as VM_DESTROY, -ENOENT no such vCPU.
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
	/*
	 * Since 2.2. x1 = VM handle, x2 = enum keel_irqchip_op, x3.. as the op
	 * says: the VM's in-keel interrupt controller (arm64: a GICv3 without
	 * LPIs, KVM's KVM_DEV_TYPE_ARM_VGIC_V3; see <keel/abi_arch.h>). -ENODEV
	 * on an arch without one; -EINVAL an unknown op or bad arguments;
	 * handle errors as VM_DESTROY.
	 */
	KEEL_HC_IRQCHIP = 13,
	/*
	 * Since 2.5. x1 = VM handle, x2 = enum keel_pmu_op, x3.. as the op
	 * says: the VM's guest PMU (arm64: see <keel/abi_arch.h>). -ENODEV on
	 * an arch without one; -EINVAL an unknown op or bad arguments; handle
	 * errors as VM_DESTROY.
	 */
	KEEL_HC_VM_PMU = 14,
	/*
	 * Since 2.6. x1 = VM handle, x2 = vCPU index, x3 = PA of its context
	 * page (as VCPU_RUN). After a brief exit (KEEL_IN_EXIT_BRIEF, see
	 * <keel/abi_arch.h>) the page lacks part of the guest's state: this
	 * writes it there, so the host can read or change it; nothing if the
	 * page is complete. The fields a brief exit writes are left as the
	 * host has them. -EBUSY the vCPU runs; otherwise errors as VCPU_RUN.
	 */
	KEEL_HC_VCPU_SYNC = 15,
	KEEL_HC_NR_CALLS,
};

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
 * Why VCPU_RUN returned (x1, and ctx.exit.reason). The reasons are the same
 * on every arch; what the context page says about each is the arch's
 * (<keel/abi_arch.h>), and the shim dispatches them through a table
 * indexed by reason. The comments give the arm64 detail.
 */
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
	/*
	 * Since 2.1: a debug exception the host asked for (arm64:
	 * KEEL_DEBUG_ENABLE): ctx.exit.esr, and ctx.exit.far for a watchpoint.
	 * PC at the instruction (a BRK, a breakpoint's, a watched access's) or,
	 * for a software step, at the next one.
	 */
	KEEL_EXIT_DEBUG = 11,
	/*
	 * Since 2.2, with an in-keel interrupt controller: the guest made
	 * interrupts pending for the other vCPUs in ctx.exit.kick (a bitmap
	 * by index): wake or kick their threads, then run this vCPU again.
	 */
	KEEL_EXIT_KICK = 12,
	/*
	 * Since 2.3: the guest EOI'd interrupts the host asked to hear of
	 * (arm64: ctx.exit.eoi); nothing else to do: run this vCPU again.
	 */
	KEEL_EXIT_EOI = 13,
	/*
	 * Since 2.6, when the host asked for it (arm64: KEEL_IN_TRAP_WFE): the
	 * guest waits for an event (WFE), likely spinning on a lock whose holder
	 * is another vCPU that is not running; PC advanced. The host may give
	 * its CPU to such a vCPU's thread (KVM's kvm_vcpu_on_spin()), then runs
	 * this vCPU again.
	 */
	KEEL_EXIT_WFE = 14,
	KEEL_EXIT_NR,
};

#endif

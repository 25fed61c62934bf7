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

#define KEEL_ABI_MAJOR 1
#define KEEL_ABI_MINOR 1
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
	 * KEEL_STATS_LIMITS reports; -EINVAL otherwise), x2 = most keel pages the
	 * VM may hold (stage-2 tables, later vCPU state; 0: keel's default,
	 * above the pool's size: -EINVAL).
	 * -> x1 = VM handle, x2 = IPA bits, x3 = page limit.
	 * -ENOSPC: no free VM slot or VMID; -ENOMEM: the page pool is empty.
	 */
	KEEL_HC_VM_CREATE = 3,
	/*
	 * x1 = VM handle. Frees every page the VM held and its VMID.
	 * -EINVAL: not a handle (bits outside the handle fields, slot out of range);
	 * -ENOENT: no such VM (destroyed, or a stale generation).
	 */
	KEEL_HC_VM_DESTROY = 4,
	/* x1 = enum keel_stats group, x2 = its argument -> x1..x3 (see the group). -EINVAL otherwise. */
	KEEL_HC_STATS = 5,
	KEEL_HC_NR_CALLS,
};

/* VM creation */
#define KEEL_VM_IPA_BITS_DEFAULT 40 /* what type 0 means in KVM_CREATE_VM on arm64 */
#define KEEL_VM_IPA_BITS_MIN 32     /* ARM64_MIN_PARANGE_BITS */
#define KEEL_VM_PAGES_DEFAULT 4096  /* capped at the pool's size */
#define KEEL_MAX_VMS 16

/* A VM handle: slot in bits 7:0, generation (never 0) in bits 31:8, nothing above. */
#define KEEL_VM_HANDLE_SLOT_BITS 8
#define KEEL_VM_HANDLE_GEN_BITS 24

/* Page owners, as KEEL_STATS_OWNER_PAGES takes them (keel's page-ownership ids). */
#define KEEL_OWNER_HOST 0
#define KEEL_OWNER_HYP 1
#define KEEL_OWNER_GUEST0 16 /* the VM in slot n owns pages as KEEL_OWNER_GUEST0 + n */
#define KEEL_OWNER_ALL_GUESTS 0xffff

enum keel_stats {
	/* -> x1 = free pages in keel's page pool, x2 = its total pages, x3 = pages held by VMs */
	KEEL_STATS_POOL = 0,
	/* -> x1 = VMs, x2 = vCPUs, x3 = bitmap of guest-enabled CPUs */
	KEEL_STATS_OBJECTS = 1,
	/* x2 = owner id (KEEL_OWNER_*, or KEEL_OWNER_GUEST0 + slot) -> x1 = pages of RAM it owns */
	KEEL_STATS_OWNER_PAGES = 2,
	/* -> x1 = largest guest IPA bits keel's stage 2 supports, x2 = KEEL_MAX_VMS, x3 = guest VMIDs */
	KEEL_STATS_LIMITS = 3,
	KEEL_STATS_NR_GROUPS,
};

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

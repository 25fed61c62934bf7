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

/* Function numbers */
enum keel_hc {
	/* -> x0 = 0, x1 = KEEL_ABI_VERSION, x2 = number of CPUs under keel, x3 = bitmap of them */
	KEEL_HC_ABI_VERSION = 0,
	KEEL_HC_NR_CALLS,
};

#define SMCCC_RET_SUCCESS 0
#define SMCCC_RET_NOT_SUPPORTED (-1)
#define SMCCC_RET_NOT_REQUIRED (-2)
#define SMCCC_RET_INVALID_PARAMETER (-3)

#endif

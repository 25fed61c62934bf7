/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * keel hypercall ABI, mips64 part (included by <keel/abi.h>). keel boots on
 * MIPS to its banner only: no host runs below it yet, so no call is issued
 * and no vCPU context is defined. The limits let the core build.
 */
#ifndef KEEL_ABI_ARCH_H
#define KEEL_ABI_ARCH_H

#define KEEL_HC(n) (n)
#define KEEL_VM_IPA_BITS_DEFAULT 40
#define KEEL_VM_IPA_BITS_MIN 32
#define KEEL_MAX_VCPUS 512
#define KEEL_VCPU_CTX_PAGES 1
struct keel_vcpu_ctx;

#endif

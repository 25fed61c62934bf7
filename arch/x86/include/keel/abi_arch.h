/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * keel hypercall ABI, x86_64 part (included by <keel/abi.h>, versioned with
 * it). A hypercall is VMCALL (Intel) or VMMCALL (AMD) from the host at CPL 0:
 * function id KEEL_HC(n) in rax, arguments in rbx, rcx, rdx, rsi, rdi, r8,
 * results in rax (0 or a negative Linux errno; -ENOSYS for an unknown id),
 * rbx, rcx, rdx. The host finds keel by CPUID leaf KEEL_CPUID_BASE.
 * x86 runs no guest vCPUs yet: no context is defined; a vCPU keel creates cannot
 * run (VCPU_RUN: -ENODEV), and the x86 shim refuses KVM_CREATE_VCPU before it.
 */
#ifndef KEEL_ABI_ARCH_H
#define KEEL_ABI_ARCH_H

#define KEEL_HC(n) (0x4b454c00U | (n)) /* "KEL" */

/* CPUID 0x40000000: eax = highest keel leaf, ebx:ecx:edx = KEEL_CPUID_SIGNATURE; 0x40000001: eax = ABI version */
#define KEEL_CPUID_BASE 0x40000000U
#define KEEL_CPUID_SIGNATURE "KeelKeelKeel"

#define KEEL_VM_IPA_BITS_DEFAULT 48 /* 4-level EPT / NPT */
#define KEEL_VM_IPA_BITS_MIN 32
#define KEEL_MAX_VCPUS 512
#define KEEL_VCPU_CTX_PAGES 1
struct keel_vcpu_ctx;

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shim's x86 part (included by shim.h): hypercalls to keel with VMMCALL
 * (keel under AMD SVM) or VMCALL (Intel VMX), and the x86 VM and vCPU state.
 * keel runs no x86 vCPUs yet: a VM is created, its memory mapped, and
 * KVM_CREATE_VCPU refused (KVM_CAP_MAX_VCPUS reads 0).
 */
#ifndef KEEL_SHIM_ARCH_H
#define KEEL_SHIM_ARCH_H

#include <linux/types.h>

#include <keel/abi.h>

/* VMMCALL on AMD, VMCALL on Intel: chosen when keel is found (arch.c). */
extern bool keel_x86_vmmcall;

/*
 * Call keel function fn with arguments a1..a5 (every other argument register
 * is 0, as keel requires): rax = id, rbx, rcx, rdx, rsi, rdi, r8 in; rax =
 * status, rbx, rcx, rdx out. Returns 0 or a negative errno from keel.
 */
static inline long keel_hvc5(enum keel_hc fn, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5, struct keel_res *out)
{
	register u64 r8 asm("r8") = 0;
	u64 rax = KEEL_HC(fn), rbx = a1, rcx = a2, rdx = a3, rsi = a4, rdi = a5;

	if (keel_x86_vmmcall)
		asm volatile("vmmcall"
			     : "+a"(rax), "+b"(rbx), "+c"(rcx), "+d"(rdx), "+S"(rsi), "+D"(rdi), "+r"(r8)
			     :
			     : "memory");
	else
		asm volatile("vmcall"
			     : "+a"(rax), "+b"(rbx), "+c"(rcx), "+d"(rdx), "+S"(rsi), "+D"(rdi), "+r"(r8)
			     :
			     : "memory");
	if (out) {
		out->r[0] = rbx;
		out->r[1] = rcx;
		out->r[2] = rdx;
	}
	return (long)rax;
}

static inline long keel_hvc4(enum keel_hc fn, u64 a1, u64 a2, u64 a3, u64 a4, struct keel_res *out)
{
	return keel_hvc5(fn, a1, a2, a3, a4, 0, out);
}

static inline long keel_hvc(enum keel_hc fn, u64 a1, u64 a2, struct keel_res *out)
{
	return keel_hvc5(fn, a1, a2, 0, 0, 0, out);
}

/* KVM_CAP_NR_MEMSLOTS: KVM_USER_MEM_SLOTS on x86 (KVM_MEM_SLOTS_NUM less its 3 internal slots) */
#define KEEL_ARCH_USER_MEM_SLOTS (SHRT_MAX - 3)
#define KEEL_ARCH_HALT_POLL_NS 200000 /* KVM_HALT_POLL_NS_DEFAULT of x86 */

struct keel_vm_arch {
	int unused;
};

struct keel_vcpu_arch {
	u64 unused;
};
/* The part of struct keel_vcpu that ioctls copy to and from user space directly (the cache's usercopy region). */
#define KEEL_VCPU_USERCOPY arch.unused

#endif

/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The fake arch's part of the hypercall ABI, for the core's host unit tests:
 * calls are made by calling hypercall_dispatch(), and a vCPU's context is a
 * small register file with the same kinds of fields a real arch has: state
 * a run changes (regs, pc), a mode the arch checks, configuration keel may
 * keep between runs (config, with KEEL_IN_CONFIG_KEPT), fields a run never
 * hands back (in_*), the exit record and keel's statistics.
 */
#ifndef KEEL_ABI_ARCH_H
#define KEEL_ABI_ARCH_H

#define KEEL_HC(n) (n)

#define KEEL_VM_IPA_BITS_DEFAULT 40
#define KEEL_VM_IPA_BITS_MIN 32
#define KEEL_MAX_VCPUS 512
#define KEEL_VCPU_CTX_PAGES 1

/* Modes a fake vCPU may be loaded in (anything else: -EINVAL). */
#define KEEL_FAKE_MODE_USER 0 /* a zeroed context is runnable, as arm64's EL0t */
#define KEEL_FAKE_MODE_KERNEL 1

#define KEEL_IN_CONFIG_KEPT (1ULL << 7) /* config[] is as at this vCPU's last run */
/* Brief exits (as arm64's): regs[] stay in keel until KEEL_HC_VCPU_SYNC; a run needs the page complete. */
#define KEEL_IN_EXIT_BRIEF (1ULL << 11)

struct keel_vcpu_ctx {
	uint64_t regs[8];
	uint64_t pc;
	uint64_t mode;
	uint64_t config[4];
	uint64_t in_flags;
	uint64_t in_arg; /* never handed back */
	struct {
		uint64_t reason;
		uint64_t target;
		uint64_t system_event;
	} exit;
	struct {
		uint64_t exits, mmio, wfi, irq, hvc, sysreg;
	} stat;
};

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* The fake arch's part of a vCPU: a copy of its small context (arch/fake/include/keel/abi_arch.h). */
#ifndef ARCH_FAKE_VCPU_H
#define ARCH_FAKE_VCPU_H

#include <hv/types.h>
#include <keel/abi.h>

struct vcpu_boot {
	uint64_t entry, context;
};

struct vcpu_arch {
	bool config_valid;        /* ctx.config holds the host's from an earlier run */
	bool page_brief;          /* the last exit was brief: regs[] are keel's alone (KEEL_IN_EXIT_BRIEF) */
	bool page_stale;          /* so this load was refused (the fake has no kept state: sync first) */
	struct keel_vcpu_ctx ctx; /* keel's copy of the host's context page during a run */
};

/* No in-keel interrupt controller (arch/shared/no_irqchip.c). */
struct vm_arch {
	uint64_t unused;
};

#endif

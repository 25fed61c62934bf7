/* SPDX-License-Identifier: GPL-2.0 */
/* x86 runs no guests yet (arch/x86/vm.c): a vCPU has no arch state. */
#ifndef ARCH_X86_VCPU_H
#define ARCH_X86_VCPU_H

#include <hv/types.h>

struct vcpu_boot {
	uint64_t entry;
};

struct vcpu_arch {
	uint64_t unused;
};

/* No in-keel interrupt controller (arch/shared/no_irqchip.c). */
struct vm_arch {
	uint64_t unused;
};

#endif

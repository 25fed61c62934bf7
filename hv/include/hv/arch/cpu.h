/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Arch contract: CPU control. Implemented once per arch in arch/<arch>/,
 * bound at link time. The core never tests which arch it runs on.
 */
#ifndef HV_ARCH_CPU_H
#define HV_ARCH_CPU_H

#include <hv/types.h>

/* Short name of the arch ("arm64", "x86_64", "mips64"). */
const char *arch_name(void);
/* Where keel runs right now, for the banner: "EL2", "VMX root (ring 0)", "root kernel mode". */
const char *arch_privilege_name(void);
/* Logical index (0 .. HV_MAX_CPUS-1) of the calling CPU. */
unsigned arch_cpu_index(void);
/* Stop the calling CPU for good, interrupts masked, in a low-power wait. */
void __noreturn arch_cpu_halt(void);
/* Ask the machine/emulator to power off; returns only if it cannot. */
void arch_system_off(void);

#endif

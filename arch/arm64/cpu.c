// SPDX-License-Identifier: GPL-2.0
#include <arch/arm64.h>
#include <arch/sysreg.h>
#include <hv/arch/cpu.h>
#include <hv/arch/spinlock.h>

#define PSCI_SYSTEM_OFF 0x84000008U

const char *arch_name(void) { return "arm64"; }

const char *arch_privilege_name(void)
{
	static const char *const el[] = { "EL0", "EL1", "EL2", "EL3" };

	return el[current_el()];
}

unsigned arch_cpu_index(void)
{
	const struct arm64_cpu *c = (const struct arm64_cpu *)read_sysreg(tpidr_el2);

	return c ? c->index : 0;
}

void __noreturn arch_cpu_halt(void)
{
	__asm__ volatile("msr daifset, #0xf");
	for (;;)
		__asm__ volatile("wfi");
}

void arch_system_off(void)
{
	if (current_el() == 2)
		arm64_smc(PSCI_SYSTEM_OFF, 0, 0, 0);
}

void arch_spin_lock(struct spinlock *l)
{
	uint16_t ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket)
		__asm__ volatile("yield");
}

void arch_spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->owner, (uint16_t)(l->owner + 1), __ATOMIC_RELEASE);
}

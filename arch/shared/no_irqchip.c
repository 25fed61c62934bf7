// SPDX-License-Identifier: GPL-2.0
/* An arch without an in-keel interrupt controller for its guests (hv/arch/vm.h): KEEL_HC_IRQCHIP and KEEL_HC_VM_PMU are -ENODEV. */
#include <hv/arch/vm.h>
#include <hv/errno.h>
#include <hv/vm.h>

void arch_vm_init(struct vm *vm) { (void)vm; }
int arch_vm_irqchip(struct vm *vm, uint64_t op, const uint64_t *arg, uint64_t *ret)
{
	(void)vm, (void)op, (void)arg, (void)ret;
	return -ENODEV;
}
int arch_vm_pmu(struct vm *vm, uint64_t op, const uint64_t *arg, uint64_t *ret)
{
	(void)vm, (void)op, (void)arg, (void)ret;
	return -ENODEV;
}
bool arch_vm_vcpus_fixed(const struct vm *vm) { (void)vm; return false; }
void arch_vm_fini(struct vm *vm, struct memcache *mc) { (void)vm, (void)mc; }

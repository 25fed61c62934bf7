// SPDX-License-Identifier: GPL-2.0
/*
 * Guest VMs (hv/arch/vm.h) on an arch that has no guest support yet (mips64:
 * keel boots there to its banner and a virtualization report): it offers
 * none, so VM creation fails with -ENODEV and no VMIDs exist. Linked by
 * that arch's arch.mk.
 */
#include <hv/arch/vm.h>
#include <hv/errno.h>

unsigned arch_vm_max_ipa_bits(void) { return 0; }
unsigned arch_vm_vmid_bits(void) { return 0; }
void arch_vm_cpu_enable(void) {}
void arch_vm_cpu_disable(void) {}
void arch_vm_tlb_flush_vmid(const struct pgtable *pt) { (void)pt; }


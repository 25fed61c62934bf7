// SPDX-License-Identifier: GPL-2.0
/*
 * Guest VMs on x86_64 (hv/arch/vm.h): not yet. keel boots here to its banner
 * and a virtualization report only, so it offers no guests: VM creation
 * fails with -ENODEV and no VMIDs exist.
 */
#include <hv/arch/vm.h>

unsigned arch_vm_max_ipa_bits(void) { return 0; }
unsigned arch_vm_vmid_bits(void) { return 0; }
void arch_vm_cpu_enable(void) {}
void arch_vm_cpu_disable(void) {}
void arch_vm_tlb_flush_vmid(const struct pgtable *pt) { (void)pt; }

// SPDX-License-Identifier: GPL-2.0
/*
 * The fake arch's side of guest VMs, for host unit tests: limits the tests
 * set, and counters of what the "hardware" was asked to do. The test hooks
 * are declared where they are used (tests/unit/test_vm.c).
 */
#include <stdio.h>
#include <stdlib.h>

#include <hv/arch/vm.h>
#include <hv/pgtable.h>

unsigned fake_vm_max_ipa_bits = 44;
unsigned fake_vm_vmid_bits = 8;
unsigned long fake_vm_cpu_enables, fake_vm_cpu_disables, fake_vm_vmid_flushes;
uint16_t fake_vm_last_flushed_vmid;

unsigned arch_vm_max_ipa_bits(void) { return fake_vm_max_ipa_bits; }
unsigned arch_vm_vmid_bits(void) { return fake_vm_vmid_bits; }
void arch_vm_cpu_enable(void) { fake_vm_cpu_enables++; }
void arch_vm_cpu_disable(void) { fake_vm_cpu_disables++; }

void arch_vm_tlb_flush_vmid(const struct pgtable *pt)
{
	if (pt->stage != PT_STAGE_GUEST || !pt->vmid || !pt->root) {
		fprintf(stderr, "fake arch: VMID flush of a table that is no live guest stage 2\n");
		abort();
	}
	fake_vm_vmid_flushes++;
	fake_vm_last_flushed_vmid = pt->vmid;
}

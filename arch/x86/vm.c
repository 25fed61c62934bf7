// SPDX-License-Identifier: GPL-2.0
/*
 * Guest VMs on x86_64 (hv/arch/vm.h): a second-stage table built by
 * hv/src/pgtable.c (under SVM nested paging in the long-mode format with
 * user entries, under VMX an EPT) and a tag: under SVM an ASID (1 is the
 * host's; VMID v runs as ASID v + 1), under VMX a VPID (1 is the host's;
 * VMID v as VPID v + 1). No vCPUs yet (arch/shared/no_vcpus.c).
 */
#include <arch/x86.h>
#include <hv/arch/mm.h>
#include <hv/arch/vm.h>
#include <hv/pgtable.h>

unsigned arch_vm_max_ipa_bits(void)
{
	/* What the host's map covers: the CPU's physical-address width, 48 at most (4 levels). */
	return x86_cpu.svm_on || x86_cpu.vmx_on ? MIN(x86_cpu.phys_bits, 48u) : 0;
}

/* Asked before SVM is switched on (boot sizes its VMID table first): from CPUID, as kvm_amd chooses SVM. */
unsigned arch_vm_vmid_bits(void)
{
	uint32_t a, b, c, d;
	unsigned bits = 0;

	if (x86_cpu.vmx)
		return 15; /* VPIDs are 16 bits: VMID v + 1 always fits */
	if (!x86_cpu.svm || x86_cpu.max_ext_leaf < 0x8000000a)
		return 0;
	cpuid(0x8000000a, &a, &b, &c, &d);
	/* Guest VMIDs 1 .. 2^bits - 1 take ASIDs 2 .. 2^bits: all below the CPU's count b. */
	while (bits < 16 && (2u << bits) < b)
		bits++;
	return bits;
}

void arch_vm_cpu_enable(void) {}
void arch_vm_cpu_disable(void) {}

/* A VMID handed to another VM: what was cached for it goes, on every CPU (shootdown.c). */
void arch_vm_tlb_flush_vmid(const struct pgtable *pt)
{
	arch_pt_tlb_flush(pt, 0, 0);
}

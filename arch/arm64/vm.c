// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 side of guest VMs (hv/arch/vm.h): stage-2 limits, VMIDs, TLB
 * maintenance by VMID. keel runs nVHE-style: guests will be EL1&0 under a
 * stage 2 of their own, tagged with their VMID in VTTBR_EL2.
 */
#include <arch/arm64.h>
#include <arch/sysreg.h>
#include <hv/arch/vm.h>
#include <hv/pgtable.h>

unsigned arch_vm_max_ipa_bits(void)
{
	return arm64_s2_max_bits();
}

/* 16-bit VMIDs where the CPU has them (ID_AA64MMFR1_EL1.VMIDBits 2; VTCR_EL2.VS, el2.c), else 8. */
unsigned arch_vm_vmid_bits(void)
{
	return arm64_id_field(read_sysreg(ID_AA64MMFR1_EL1), 4) == 2 ? 16 : 8;
}

/*
 * A CPU coming (back) online under the shim may have been off while guest
 * VMIDs were invalidated and reused: start it from clean EL1&0 TLBs.
 */
void arch_vm_cpu_enable(void)
{
	dsb(ishst);
	__asm__ volatile("tlbi alle1" ::: "memory");
	dsb(nsh);
	isb();
}

void arch_vm_cpu_disable(void) {}

/*
 * TLBI VMALLS12E1IS acts on the VMID in VTTBR_EL2: load the guest's stage 2
 * (VTCR and VTTBR, so that no walk in between can mix the host's layout with
 * the guest's VMID), invalidate on every CPU of the inner-shareable domain,
 * then give the host its own back. Called at EL2 with interrupts masked.
 */
void arch_vm_tlb_flush_vmid(const struct pgtable *pt)
{
	uint64_t vtcr = read_sysreg(vtcr_el2), vttbr = read_sysreg(vttbr_el2);

	dsb(ishst);
	write_sysreg(arm64_vtcr_for(pt->ia_bits, pt->hw_start_level), vtcr_el2);
	write_sysreg(pa_addr(ptr_to_pa(pt->hw_root)) | ((uint64_t)pt->vmid << 48), vttbr_el2);
	isb();
	__asm__ volatile("tlbi vmalls12e1is" ::: "memory");
	dsb(ish);
	isb();
	write_sysreg(vtcr, vtcr_el2);
	write_sysreg(vttbr, vttbr_el2);
	isb();
}

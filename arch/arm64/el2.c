// SPDX-License-Identifier: GPL-2.0
/*
 * EL2 configuration for running the host at EL1, and the probe of the
 * virtualization features keel found.
 */
#include <arch/arm64.h>
#include <arch/sysreg.h>
#include <hv/arch/vm.h>
#include <hv/arch/virt.h>
#include <hv/errno.h>
#include <hv/printf.h>

#define ID_AA64ISAR2_S "S3_0_C0_C6_2"
#define ID_AA64PFR1_S "S3_0_C0_C4_1"

struct pgtable arm64_host_s2;

static bool has_pauth(void)
{
	uint64_t isar1 = read_sysreg(ID_AA64ISAR1_EL1), isar2 = read_sysreg_s(ID_AA64ISAR2_S);

	return arm64_id_field(isar1, 4) || arm64_id_field(isar1, 8) || arm64_id_field(isar1, 24) ||
	       arm64_id_field(isar1, 28) || arm64_id_field(isar2, 12);
}

/* VTCR_EL2 for a stage 2 of ia_bits starting at start_level (4 KiB granule). */
uint64_t arm64_vtcr_for(unsigned ia_bits, int start_level)
{
	/* What every stage 2 shares, from ID registers: worked out once (every guest entry needs it). */
	static uint64_t common;

	if (!common)
		common = (1UL << 31) |                                        /* RES1 */
			 ((uint64_t)(arch_vm_vmid_bits() == 16) << 19) |          /* VS: 16-bit VMIDs */
			 ((uint64_t)arm64_vtcr_ps(arm64_parange_bits()) << 16) | /* PS */
			 (3UL << 12) | (1UL << 10) | (1UL << 8);                  /* inner shareable, WB WA walks */
	return common | ((uint64_t)(2 - start_level) << 6) | /* SL0 */
	       (64 - ia_bits);                               /* T0SZ */
}

/*
 * Everything one CPU needs at EL2 before it runs the host: stage 2 on,
 * SMC trapped (PSCI goes through keel), and nothing else in the host's way:
 * its timers, counters, PMU, FP/SVE/SME, pointer auth and GIC system
 * registers work as on bare metal.
 */
void arm64_host_cpu_init(void)
{
	uint64_t pfr0 = read_sysreg(ID_AA64PFR0_EL1), pfr1 = read_sysreg_s(ID_AA64PFR1_S);
	uint64_t dfr0 = read_sysreg(ID_AA64DFR0_EL1);
	uint64_t hcr = HCR_RW | HCR_VM | HCR_TSC;
	unsigned pmuver = arm64_id_field(dfr0, 8);

	if (has_pauth())
		hcr |= HCR_API | HCR_APK;
	if (arm64_id_field(pfr1, 8) >= 2) /* MTE2: tags usable by the host */
		hcr |= HCR_ATA;

	write_sysreg(read_sysreg(midr_el1), vpidr_el2);
	write_sysreg(read_sysreg(mpidr_el1), vmpidr_el2);
	write_sysreg(CNTHCTL_EL1PCTEN | CNTHCTL_EL1PCEN, cnthctl_el2);
	write_sysreg(0, cntvoff_el2);
	/* All PMU counters to the host (HPMN = PMCR_EL0.N). */
	write_sysreg(pmuver && pmuver != 0xf ? (read_sysreg(pmcr_el0) >> 11) & 0x1f : 0, mdcr_el2);
	write_sysreg(CPTR_EL2_NVHE_DEFAULT, cptr_el2);
	write_sysreg(0, hstr_el2);
	isb();
	if (arm64_id_field(pfr0, 32)) /* SVE: the host may use the largest vector length */
		write_sysreg_s(0x1ff, ZCR_EL2_S);
	if (arm64_id_field(pfr1, 24)) /* SME, with FA64 when implemented */
		write_sysreg_s(0x1ffUL | ((read_sysreg_s(ID_AA64SMFR0_S) >> 63) << 31), SMCR_EL2_S);
	arm64_gic_cpu_init();

	write_sysreg(arm64_vtcr_for(arm64_host_s2.ia_bits, arm64_host_s2.hw_start_level), vtcr_el2);
	write_sysreg(pa_addr(ptr_to_pa(arm64_host_s2.hw_root)) | ((uint64_t)arm64_host_s2.vmid << 48), vttbr_el2);
	write_sysreg(hcr, hcr_el2);
	isb();
	__asm__ volatile("tlbi vmalls12e1" ::: "memory");
	dsb(nsh);
	isb();
}

int arch_virt_probe(void)
{
	uint64_t pfr0 = read_sysreg(ID_AA64PFR0_EL1), mmfr0 = read_sysreg(ID_AA64MMFR0_EL1);
	uint64_t mmfr1 = read_sysreg(ID_AA64MMFR1_EL1);
	unsigned el2 = arm64_id_field(pfr0, 8);

	hv_printf("keel: virtualization: EL2 %s, VHE %s, VMID %u bits, PA %u bits, stage-2 IPA up to %u bits\n",
		  el2 ? "yes" : "no", arm64_id_field(mmfr1, 8) ? "yes (unused: keel runs nVHE)" : "no",
		  arm64_id_field(mmfr1, 4) == 2 ? 16 : 8, arm64_parange_bits(), arm64_s2_max_bits());
	hv_printf("keel: virtualization: GIC sysregs %s, SVE %s, pointer auth %s, 4K stage-2 %s\n",
		  arm64_id_field(pfr0, 24) ? "yes" : "no", arm64_id_field(pfr0, 32) ? "yes" : "no",
		  has_pauth() ? "yes" : "no", arm64_id_field(mmfr0, 40) != 1 ? "yes" : "no");
	if (!el2 || current_el() != 2) {
		hv_printf("keel: not running at EL2: cannot own the virtualization hardware\n");
		return -ENODEV;
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupt controller drivers, chosen by the compatible string the DT gives the GIC (hv/src/dt.c's
 * irqc_drivers table turns it into a kind and records the node's registers). keel handles no interrupts itself: the host drives the GIC.
 * What a driver does is give the host the GIC as bare metal would, and keep the virtualization side
 * (the hypervisor control and virtual CPU interfaces) for keel.
 *   GICv3 ("arm,gic-v3"): the host uses the system-register CPU interface; ICC_SRE_EL2 enables it
 *     for EL1 on each CPU. The ICH_* registers are EL2's: the host cannot reach them.
 *   GICv2 ("arm,gic-400", "arm,cortex-a15-gic"): memory-mapped. The hypervisor control interface
 *     (GICH) and the virtual CPU interface (GICV) are left out of the host's stage 2.
 */
#include <arch/arm64.h>
#include <arch/sysreg.h>
#include <hv/errno.h>
#include <hv/printf.h>

static enum irqc_kind gic_kind;

int arm64_gic_init(struct boot_info *bi)
{
	const struct boot_irqc *g = &bi->irqc;
	bool sysregs = arm64_id_field(read_sysreg(ID_AA64PFR0_EL1), 24) != 0;
	unsigned i;

	gic_kind = g->kind;
	switch (gic_kind) {
	case IRQC_GICV3:
		if (!sysregs) {
			hv_printf("keel: GICv3 in the DT but the CPU has no GIC system registers\n");
			return -ENODEV;
		}
		hv_printf("keel: interrupt controller: GICv3 (%s), distributor 0x%llx, redistributors 0x%llx\n",
			  g->compatible, (unsigned long long)g->regs[0].base, (unsigned long long)g->regs[1].base);
		return 0;
	case IRQC_GICV2:
		hv_printf("keel: interrupt controller: GICv2 (%s), distributor 0x%llx, CPU interface 0x%llx\n",
			  g->compatible, (unsigned long long)g->regs[0].base, (unsigned long long)g->regs[1].base);
		for (i = 2; i < ARRAY_SIZE(g->regs) && g->regs[i].size; i++) {
			uint64_t base = ALIGN_DOWN(g->regs[i].base, PAGE_SIZE);
			struct mem_range r = { base, ALIGN_UP(range_end(&g->regs[i]), PAGE_SIZE) - base };

			bi->hyp_dev[bi->nr_hyp_dev++] = r;
			hv_printf("keel: GICv2 %s interface 0x%llx-0x%llx kept from the host\n",
				  i == 2 ? "hypervisor control" : "virtual CPU", (unsigned long long)r.base,
				  (unsigned long long)(r.base + r.size - 1));
		}
		return 0;
	default:
		hv_printf("keel: no interrupt controller keel knows in the DT (GICv2, GICv3)\n");
		return -ENODEV;
	}
}

/* Can guests have a vGICv3 (KEEL_HC_IRQCHIP)? A GICv3 with its CPU interface's virtualization (ICH_*_EL2). */
bool arm64_gic_has_vgic(void) { return gic_kind == IRQC_GICV3; }

/* Per CPU, before the host runs on it. */
void arm64_gic_cpu_init(void)
{
	if (gic_kind == IRQC_GICV3) {
		write_sysreg_s(ICC_SRE_EL2_SRE | ICC_SRE_EL2_ENABLE, ICC_SRE_EL2_S);
		isb();
		write_sysreg_s(0, ICH_HCR_EL2_S); /* no virtual CPU interface until a vGIC guest runs */
	}
}

/*
 * Around a guest's run on GICv3: ICC_SRE_EL2.Enable off, so the guest's
 * ICC_SRE_EL1 accesses trap to keel (answered as KVM without a vGICv3:
 * RAZ/WI) instead of reaching the register the host's EL1 relies on. The
 * caller's ISB orders it before the guest runs / the host resumes.
 */
void arm64_gic_guest_enter(void)
{
	if (gic_kind == IRQC_GICV3)
		write_sysreg_s(ICC_SRE_EL2_SRE, ICC_SRE_EL2_S);
}

void arm64_gic_guest_exit(void)
{
	if (gic_kind == IRQC_GICV3)
		write_sysreg_s(ICC_SRE_EL2_SRE | ICC_SRE_EL2_ENABLE, ICC_SRE_EL2_S);
}

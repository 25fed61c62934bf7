// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupt controller drivers, chosen by the compatible string the DT gives the GIC (hv/src/dt.c's
 * irqc_drivers table turns it into a kind and records the node's registers). keel handles no interrupts itself: the host drives the GIC.
 * What a driver does is give the host the GIC as bare metal would, and keep the virtualization side
 * (the hypervisor control and virtual CPU interfaces) for keel. One exception: the guest virtual timer's
 * PPI, which only guests raise, whose active state keel sets and clears on the running CPU's redistributor
 * while a vGICv3 guest runs (arm64_gic_ppi_active), as KVM's timer code does through the host's irqchip.
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
static struct mem_range gicr_regions[3]; /* GICv3: the DT's redistributor regions (reg 1.., 128 KiB or more) */

#define GICR_TYPER 0x8
#define GICR_TYPER_VLPIS (1ULL << 1)
#define GICR_TYPER_LAST (1ULL << 4)
#define GICR_PIDR2 0xffe8
#define GICR_SGI_BASE 0x10000
#define GICR_ISACTIVER0 0x300
#define GICR_ICACTIVER0 0x380
#define GICR_FRAMES 0x20000ULL

/* GICv3: the redistributor regions mapped at EL2 (device memory), for the per-CPU look-up below. */
static int gicr_map(const struct boot_irqc *g)
{
	unsigned i, n = 0;
	int r;

	for (i = 1; i < ARRAY_SIZE(g->regs) && n < ARRAY_SIZE(gicr_regions); i++) {
		if (g->regs[i].size < GICR_FRAMES)
			continue; /* GICC, GICH, GICV (or nothing): not redistributors */
		r = arm64_hyp_map(g->regs[i].base, g->regs[i].size, PT_PROT_R | PT_PROT_W | PT_PROT_DEV);
		if (r)
			return r;
		gicr_regions[n++] = g->regs[i];
	}
	return 0;
}

/* This CPU's redistributor: the frame whose GICR_TYPER affinity is its MPIDR's (the GICv3 spec's walk). */
static uint64_t gicr_find(uint64_t mpidr)
{
	uint32_t aff = (uint32_t)(((mpidr >> 32) & 0xff) << 24 | (mpidr & 0xffffff));

	for (unsigned i = 0; i < ARRAY_SIZE(gicr_regions); i++) {
		const struct mem_range *rg = &gicr_regions[i];
		uint64_t off = 0, typer;

		while (off + GICR_FRAMES <= rg->size) {
			unsigned arch = (mmio_read32(rg->base + off + GICR_PIDR2) >> 4) & 0xf;

			if (arch != 3 && arch != 4)
				break;
			typer = mmio_read64(rg->base + off + GICR_TYPER);
			if ((uint32_t)(typer >> 32) == aff)
				return rg->base + off;
			if (typer & GICR_TYPER_LAST)
				break;
			off += typer & GICR_TYPER_VLPIS ? 2 * GICR_FRAMES : GICR_FRAMES;
		}
	}
	return 0;
}

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
		return gicr_map(g);
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

static bool gicr_missing; /* a CPU whose redistributor keel did not find: no vGICv3 for guests */

/*
 * Can guests have a vGICv3 (KEEL_HC_IRQCHIP)? A GICv3 with its CPU
 * interface's virtualization (ICH_*_EL2), and every CPU's redistributor
 * known (for the virtual timer's PPI).
 */
bool arm64_gic_has_vgic(void) { return gic_kind == IRQC_GICV3 && !__atomic_load_n(&gicr_missing, __ATOMIC_RELAXED); }

/* Per CPU, before the host runs on it. */
void arm64_gic_cpu_init(void)
{
	struct arm64_cpu *c = (struct arm64_cpu *)read_sysreg(tpidr_el2);

	if (gic_kind == IRQC_GICV3) {
		write_sysreg_s(ICC_SRE_EL2_SRE | ICC_SRE_EL2_ENABLE, ICC_SRE_EL2_S);
		isb();
		write_sysreg_s(0, ICH_HCR_EL2_S); /* no virtual CPU interface until a vGIC guest runs */
		if (!c->gicr)
			c->gicr = gicr_find(c->mpidr);
		if (!c->gicr && !gicr_missing) {
			hv_printf("keel: cpu%u: no redistributor for mpidr 0x%llx: guests get no vGICv3\n", c->index,
				  (unsigned long long)c->mpidr);
			__atomic_store_n(&gicr_missing, true, __ATOMIC_RELAXED);
		}
	}
}

/*
 * Set or clear PPI intid's active state on this CPU's redistributor (for an
 * interrupt only guests raise: the host finds it inactive once the guest's
 * run ends). While active it is not signalled again; a hardware-linked list
 * register deactivates it when the guest does.
 */
bool arm64_gic_ppi_active(unsigned intid, bool active)
{
	const struct arm64_cpu *c = (const struct arm64_cpu *)read_sysreg(tpidr_el2);

	if (!c->gicr)
		return false;
	mmio_write32(c->gicr + GICR_SGI_BASE + (active ? GICR_ISACTIVER0 : GICR_ICACTIVER0), 1U << intid);
	dsb(sy);
	return true;
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

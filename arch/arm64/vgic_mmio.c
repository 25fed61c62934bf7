// SPDX-License-Identifier: GPL-2.0
/*
 * The vGICv3's distributor and redistributor registers (arch/vgic.h), as
 * Linux 6.1's vgic-mmio-v3.c gives them to a guest and, through
 * KEEL_IRQCHIP_REG, to the host (which saves and restores them: KVM's
 * KVM_DEV_ARM_VGIC_GRP_{DIST,REDIST}_REGS). Affinity routing is always on
 * (GICD_CTLR.ARE RAO/WI) with a single security state (DS RAO/WI), so the
 * distributor's registers of private interrupts are RAZ/WI and those live
 * in each vCPU's SGI frame. No LPIs. An access no register answers is RAZ/WI
 * for a guest and -ENXIO for the host; a register accessed at a size it
 * does not take is RAZ/WI.
 */
#include <arch/vgic.h>
#include <hv/errno.h>
#include <hv/vcpu.h>
#include <hv/vm.h>
#include <keel/abi.h>

/* GICD/GICR_IIDR: KVM's implementer (ARM) and product id, implementation revision 3. */
#define VGIC_IIDR ((0x4bU << 24) | (3U << 12) | 0x43bU)
#define VGIC_PIDR2 0x3b /* GICv3, as KVM's GIC_PIDR2_ARCH_GICv3 | 0xb */
#define VGIC_PRIO_MASK 0xf8 /* five priority bits, as KVM's VGIC_PRI_BITS */
#define GICD_CTLR_ARE_NS (1U << 4)
#define GICD_CTLR_DS (1U << 6)
#define GICD_TYPER_IDBITS (9U << 19) /* ten interrupt-id bits: no LPIs */
#define GICR_TYPER_LAST (1ULL << 4)
#define GICR_TYPER_PLPIS (1ULL << 0)
#define GICD_TYPER_LPIS (1U << 17)
#define SGI_FRAME 0x10000

enum bitreg { B_GROUP, B_SENABLE, B_CENABLE, B_SPEND, B_CPEND, B_SACTIVE, B_CACTIVE };

/* Offsets of the one-bit-per-interrupt registers, the same in GICD and the SGI frame, by enum bitreg. */
static const uint16_t bitreg_off[] = { 0x080, 0x100, 0x180, 0x200, 0x280, 0x300, 0x380 };

static bool bit_get(const struct vgic_irq *irq, enum bitreg r, bool host)
{
	switch (r) {
	case B_GROUP:
		return irq->flags & VI_GROUP1;
	case B_SENABLE:
	case B_CENABLE:
		return irq->flags & VI_ENABLED;
	case B_SPEND:
	case B_CPEND:
		/* The host saves a level interrupt's latch alone (its line is saved apart), as KVM's uaccess. */
		if (host && !(irq->flags & VI_EDGE))
			return irq->flags & VI_LATCH;
		return (irq->flags & VI_LATCH) || (!(irq->flags & VI_EDGE) && (irq->flags & VI_LINE));
	default:
		return irq->flags & VI_ACTIVE;
	}
}

static void bit_set(struct vgic_irq *irq, enum bitreg r, bool one)
{
	unsigned f = irq->flags;

	switch (r) {
	case B_GROUP:
		f = one ? f | VI_GROUP1 : f & ~VI_GROUP1;
		break;
	case B_SENABLE:
		f |= one ? VI_ENABLED : 0;
		break;
	case B_CENABLE:
		f &= one ? ~VI_ENABLED : ~0U;
		break;
	case B_SPEND:
		f |= one ? VI_LATCH : 0;
		break;
	case B_CPEND:
		f &= one ? ~VI_LATCH : ~0U;
		break;
	case B_SACTIVE:
		f |= one ? VI_ACTIVE | VI_RELOAD : 0;
		break;
	case B_CACTIVE:
		f = one ? (f & ~VI_ACTIVE) | VI_RELOAD : f;
		break;
	}
	irq->flags = (uint8_t)f;
}

/*
 * The per-interrupt registers shared by the distributor (SPIs) and the SGI
 * frame (v's private interrupts), at off within them: 1 if the offset is
 * one of them, with the access done (or ignored for a size it does not
 * take); 0 if not.
 */
static int irq_regs(struct vm *vm, struct vcpu *v, bool dist, uint64_t off, unsigned len, bool write, uint64_t *val,
		    uint64_t *kick)
{
	unsigned first, i, n;
	struct vgic_irq *irq;
	uint64_t out = 0;

	for (unsigned r = 0; r < sizeof(bitreg_off) / sizeof(bitreg_off[0]); r++) {
		if (off < bitreg_off[r] || off >= bitreg_off[r] + 0x80u)
			continue;
		first = (unsigned)(off - bitreg_off[r]) * 8;
		if (len != 4 || (dist ? first < VGIC_NR_PRIVATE : first > 0))
			return 1; /* RAZ/WI: the distributor's private part, the SGI frame's beyond 0 */
		for (i = 0; i < 32; i++) {
			irq = vgic_irq_locked(vm, v, first + i);
			if (!irq)
				break;
			if (!write) {
				out |= (uint64_t)bit_get(irq, (enum bitreg)r, !kick) << i;
			} else if (r == B_GROUP || ((*val >> i) & 1)) {
				bit_set(irq, (enum bitreg)r, (*val >> i) & 1);
				vgic_irq_changed_locked(vm, v, first + i, kick);
				if (r == B_SACTIVE || r == B_CACTIVE)
					vgic_irq_kick_locked(vm, v, first + i, kick);
			}
		}
		*val = out;
		return 1;
	}
	if (off >= 0x400 && off < 0x400 + 1020) { /* IPRIORITYR: a byte each */
		first = (unsigned)(off - 0x400);
		n = len == 1 || len == 4 ? len : 0;
		if (dist && first < VGIC_NR_PRIVATE)
			n = 0;
		for (i = 0; i < n; i++) {
			irq = vgic_irq_locked(vm, v, first + i);
			if (!irq)
				break;
			if (write) {
				irq->prio = (uint8_t)((*val >> (8 * i)) & VGIC_PRIO_MASK);
				vgic_irq_changed_locked(vm, v, first + i, kick);
			} else {
				out |= (uint64_t)irq->prio << (8 * i);
			}
		}
		*val = out;
		return 1;
	}
	if (off >= 0xc00 && off < 0xd00) { /* ICFGR: two bits each, bit 1 edge; private ones read-only */
		first = (unsigned)(off - 0xc00) * 4;
		if (len != 4 || (dist && first < VGIC_NR_PRIVATE) || (!dist && first >= VGIC_NR_PRIVATE))
			return 1;
		for (i = 0; i < 16; i++) {
			irq = vgic_irq_locked(vm, v, first + i);
			if (!irq)
				break;
			if (!write) {
				out |= (irq->flags & VI_EDGE ? 2ULL : 0) << (2 * i);
			} else if (first + i >= VGIC_NR_PRIVATE) {
				irq->flags = (uint8_t)((irq->flags & ~VI_EDGE) | ((*val >> (2 * i + 1)) & 1 ? VI_EDGE : 0));
				vgic_irq_changed_locked(vm, v, first + i, kick);
			}
		}
		*val = out;
		return 1;
	}
	if ((off >= 0xd00 && off < 0xd80) || (off >= 0xe00 && off < 0xf00)) { /* IGRPMODR, NSACR: RAZ/WI */
		*val = 0;
		return 1;
	}
	return 0;
}

/* GICD_IROUTER<n> (n = SPI): Aff2.Aff1.Aff0; Aff3 and the routing mode are RAZ/WI, as KVM's. */
static int irouter(struct vm *vm, uint64_t off, unsigned len, bool write, uint64_t *val, uint64_t *kick)
{
	unsigned intid = (unsigned)((off - 0x6000) / 8);
	struct vgic_irq *irq = vgic_irq_locked(vm, NULL, intid);
	struct vcpu *t;

	if (!irq || intid < VGIC_NR_PRIVATE || (len != 8 && len != 4) || (off % 8 && len == 8)) {
		*val = 0;
		return 0;
	}
	if (!write) {
		*val = off % 8 ? 0 : irq->route;
		return 0;
	}
	if (off % 8)
		return 0; /* the upper word */
	vgic_irq_changed_locked(vm, NULL, intid, NULL); /* the old vCPU drops it */
	irq->route = (uint32_t)(*val & 0xffffff);
	t = vgic_vcpu_by_route(vm, irq->route);
	irq->target = t ? (uint16_t)t->index : VGIC_NO_TARGET;
	vgic_irq_changed_locked(vm, NULL, intid, kick);
	return 0;
}

static int dist_access(struct vm *vm, uint64_t off, unsigned len, bool write, uint64_t *val, uint64_t *kick)
{
	struct vgic *d = &vm->arch.vgic;

	if (off >= 0x6000 && off < 0x6000 + 8ULL * VGIC_MAX_IRQS)
		return irouter(vm, off, len, write, val, kick);
	if (irq_regs(vm, NULL, true, off, len, write, val, kick))
		return 0;
	if (len != 4) {
		*val = 0;
		return off < 0x10 || off == 0xffe8 ? 0 : -ENXIO;
	}
	switch (off) {
	case 0x0: /* GICD_CTLR */
		if (write) {
			d->ctlr = (uint32_t)(*val & 3);
			vgic_all_changed_locked(vm, kick);
		}
		*val = d->ctlr | GICD_CTLR_ARE_NS | GICD_CTLR_DS;
		return 0;
	case 0x4: /* GICD_TYPER: ITLinesNumber, ten id bits; with an ITS 16 and LPIS */
		*val = (d->nr_irqs / 32 - 1) |
		       (d->lpis ? (VGIC_LPI_ID_BITS - 1U) << 19 | GICD_TYPER_LPIS : GICD_TYPER_IDBITS);
		return 0;
	case 0x8:
		*val = VGIC_IIDR;
		return 0;
	case 0xc:  /* GICD_TYPER2 */
	case 0x10: /* GICD_STATUSR */
		*val = 0;
		return 0;
	case 0xffe8:
		*val = VGIC_PIDR2;
		return 0;
	}
	*val = 0;
	return -ENXIO;
}

/* v's RD_base frame, then its SGI_base frame. */
static int redist_access(struct vm *vm, struct vcpu *v, uint64_t off, unsigned len, bool write, uint64_t *val,
			 uint64_t *kick)
{
	uint64_t typer;

	if (off >= SGI_FRAME) {
		if (irq_regs(vm, v, false, off - SGI_FRAME, len, write, val, kick))
			return 0;
		*val = 0;
		return -ENXIO;
	}
	if (!vgic_lpi_regs_locked(vm, v, off, len, write, val))
		return 0;
	switch (off) {
	case 0x8:  /* GICR_TYPER: affinity, processor number, Last on the last vCPU, PLPIS with an ITS */
	case 0xc:
		typer = (uint64_t)vgic_mpidr_route(v->index) << 32 | (uint64_t)(v->index & 0xffff) << 8;
		if (v->arch.vgic.rd_last)
			typer |= GICR_TYPER_LAST;
		if (vm->arch.vgic.lpis)
			typer |= GICR_TYPER_PLPIS;
		*val = len == 8 ? (off == 8 ? typer : 0) : (uint32_t)(typer >> (off == 8 ? 0 : 32));
		return 0;
	}
	if (len != 4) {
		*val = 0;
		return 0;
	}
	switch (off) {
	case 0x14: /* GICR_WAKER: never asleep */
		*val = 0;
		return 0;
	case 0x4:
		*val = VGIC_IIDR;
		return 0;
	case 0xffe8:
		*val = VGIC_PIDR2;
		return 0;
	}
	*val = 0;
	return -ENXIO;
}

/*
 * One access (len 1, 4 or 8) at off in the distributor (space
 * VGIC_SPACE_DIST) or rd's redistributor. kick NULL: the host's (its
 * reads of pending state are KVM's uaccess ones), else the guest's, with
 * the vCPUs to kick. 0, or -ENXIO no register there (the guest reads 0).
 */
int vgic_mmio_access_locked(struct vm *vm, unsigned space, struct vcpu *rd, uint64_t off, unsigned len,
			    bool write, uint64_t *val, uint64_t *kick)
{
	if (space == VGIC_SPACE_DIST)
		return off < KEEL_VGIC_DIST_SIZE ? dist_access(vm, off, len, write, val, kick) : -ENXIO;
	return off < KEEL_VGIC_REDIST_SIZE ? redist_access(vm, rd, off, len, write, val, kick) : -ENXIO;
}

/* ---- the CPU interface's registers, for the host (KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS) ---------- */

#define SR(op0, op1, crn, crm, op2) (((op0) << 14) | ((op1) << 11) | ((crn) << 7) | ((crm) << 3) | (op2))
#define VMCR_ENG0 (1U << 0)
#define VMCR_ENG1 (1U << 1)
#define VMCR_CBPR (1U << 4)
#define VMCR_EOIM (1U << 9)
#define VMCR_BPR1_SHIFT 18
#define VMCR_BPR0_SHIFT 21
#define VMCR_PMR_SHIFT 24
#define ICC_SRE_VALUE 7 /* SRE, DFB, DIB: the system-register interface, always */

static void vmcr_field(uint32_t *vmcr, unsigned shift, uint32_t mask, bool write, uint64_t *val)
{
	if (write)
		*vmcr = (*vmcr & ~(mask << shift)) | (((uint32_t)*val & mask) << shift);
	else
		*val = (*vmcr >> shift) & mask;
}

/* ICC_CTLR_EL1 as KVM reports it: the CPU's priority and id bits, SEIS, A3V; CBPR and EOImode the guest's. */
static int icc_ctlr(uint32_t *vmcr, bool write, uint64_t *val, uint64_t vtr)
{
	uint64_t fixed = (((vtr >> 29) & 7) << 8) | (((vtr >> 23) & 7) << 11) | (((vtr >> 22) & 1) << 14) |
			 (((vtr >> 21) & 1) << 15);

	if (!write) {
		*val = fixed | (*vmcr & VMCR_CBPR ? 1 : 0) | (*vmcr & VMCR_EOIM ? 2 : 0);
		return 0;
	}
	if ((*val & ~3ULL) != fixed)
		return -EINVAL;
	*vmcr = (*vmcr & ~(VMCR_CBPR | VMCR_EOIM)) | (*val & 1 ? VMCR_CBPR : 0) | (*val & 2 ? VMCR_EOIM : 0);
	return 0;
}

int vgic_cpu_sysreg(struct vcpu *v, uint64_t id, bool write, uint64_t *val, uint64_t vtr)
{
	struct vgic_cpu *vc = &v->arch.vgic;
	unsigned pre = (unsigned)((vtr >> 26) & 7) + 1, naprs = pre >= 7 ? 4 : pre == 6 ? 2 : 1;

	switch (id) {
	case SR(3, 0, 4, 6, 0): /* ICC_PMR_EL1 */
		vmcr_field(&vc->vmcr, VMCR_PMR_SHIFT, 0xff, write, val);
		return 0;
	case SR(3, 0, 12, 8, 3): /* ICC_BPR0_EL1 */
		vmcr_field(&vc->vmcr, VMCR_BPR0_SHIFT, 7, write, val);
		return 0;
	case SR(3, 0, 12, 12, 3): /* ICC_BPR1_EL1 */
		vmcr_field(&vc->vmcr, VMCR_BPR1_SHIFT, 7, write, val);
		return 0;
	case SR(3, 0, 12, 12, 4): /* ICC_CTLR_EL1 */
		return icc_ctlr(&vc->vmcr, write, val, vtr);
	case SR(3, 0, 12, 12, 5): /* ICC_SRE_EL1 */
		if (write)
			return *val & 1 ? 0 : -EINVAL;
		*val = ICC_SRE_VALUE;
		return 0;
	case SR(3, 0, 12, 12, 6): /* ICC_IGRPEN0_EL1 */
		vmcr_field(&vc->vmcr, 0, 1, write, val);
		return 0;
	case SR(3, 0, 12, 12, 7): /* ICC_IGRPEN1_EL1 */
		vmcr_field(&vc->vmcr, 1, 1, write, val);
		return 0;
	}
	if (id >= SR(3, 0, 12, 8, 4) && id <= SR(3, 0, 12, 8, 7) && id - SR(3, 0, 12, 8, 4) < naprs) {
		uint32_t *r = &vc->ap0r[id - SR(3, 0, 12, 8, 4)];

		if (write)
			*r = (uint32_t)*val;
		*val = *r;
		return 0;
	}
	if (id >= SR(3, 0, 12, 9, 0) && id <= SR(3, 0, 12, 9, 3) && id - SR(3, 0, 12, 9, 0) < naprs) {
		uint32_t *r = &vc->ap1r[id - SR(3, 0, 12, 9, 0)];

		if (write)
			*r = (uint32_t)*val;
		*val = *r;
		return 0;
	}
	return -ENXIO;
}

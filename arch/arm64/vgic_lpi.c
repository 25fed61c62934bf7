// SPDX-License-Identifier: GPL-2.0
/*
 * LPIs in the in-keel vGICv3. The ITS that turns a device's MSI into an LPI
 * lives in the host (the shim's vgic_its.c: commands, translation tables
 * and their save and restore, all rare or host-side work, as pKVM keeps
 * them); keel holds what must be fast: the redistributors' LPI registers
 * (GICR_CTLR.EnableLPIs, GICR_PROPBASER, GICR_PENDBASER, as Linux 6.1's
 * vgic-mmio-v3.c) and each vCPU's LPIs pending or active, which go through
 * the list registers as any edge-triggered interrupt (vgic_lr.c). The host
 * reads an LPI's priority and enable bit from the guest's property table
 * and makes it pending here with KEEL_IRQCHIP_LPI.
 *
 * An LPI has a slot on its vCPU while pending or active (at most
 * VGIC_LPI_SLOTS at once): its state is a struct vgic_irq like any other
 * interrupt's (always enabled, group 1, edge). All under the vGIC lock.
 */
#include <arch/vgic.h>
#include <hv/errno.h>
#include <hv/vcpu.h>
#include <hv/vm.h>
#include <keel/abi.h>

#define GICR_CTLR_ENABLE_LPIS (1U << 0)
#define GIC_BASER_SHARE_SHIFT 10
#define GIC_BASER_INNER_SHIFT 7
#define GIC_BASER_OUTER_SHIFT 56
#define PROPBASER_RES0 (0x1fULL << 59 | 0xfULL << 52 | 3ULL << 5)
#define PENDBASER_RES0 (1ULL << 63 | 7ULL << 59 | 0xfULL << 52 | 0xfULL << 12 | 0x7fULL)
#define PENDBASER_PTZ (1ULL << 62)

_Static_assert(VGIC_LPI_SLOTS <= 32, "lpi_live is 32 bits");

struct vgic_irq *vgic_lpi_locked(struct vgic_lpis *l, unsigned intid)
{
	for (uint32_t w = l->live; w; w &= w - 1) {
		unsigned i = (unsigned)__builtin_ctz(w);

		if (l->intid[i] == intid)
			return &l->irq[i];
	}
	return NULL;
}

/* After a change to one of l's LPIs: its slot goes once it is neither pending nor active. */
void vgic_lpi_changed_locked(struct vgic_lpis *l, const struct vgic_irq *irq)
{
	unsigned i = (unsigned)(irq - l->irq);

	if (!(irq->flags & (VI_LATCH | VI_ACTIVE)))
		l->live &= ~(1U << i);
}

/* KVM's vgic_sanitise_field() with its shareability and cacheability rules, for both BASERs. */
static uint64_t sanitise_baser(uint64_t reg, uint64_t res0)
{
	uint64_t share = (reg >> GIC_BASER_SHARE_SHIFT) & 3, inner = (reg >> GIC_BASER_INNER_SHIFT) & 7;
	uint64_t outer = (reg >> GIC_BASER_OUTER_SHIFT) & 7;

	if (share == 2) /* OuterShareable -> InnerShareable */
		share = 1;
	if (inner <= 1) /* nCnB, nC -> RaWb: no inner non-cacheable mapping */
		inner = 7;
	if (outer > 1)  /* anything but SameAsInner or nC -> SameAsInner */
		outer = 0;
	reg &= ~(3ULL << GIC_BASER_SHARE_SHIFT | 7ULL << GIC_BASER_INNER_SHIFT | 7ULL << GIC_BASER_OUTER_SHIFT);
	reg |= share << GIC_BASER_SHARE_SHIFT | inner << GIC_BASER_INNER_SHIFT | outer << GIC_BASER_OUTER_SHIFT;
	return reg & ~res0;
}

/* A 64-bit register accessed whole or by 32-bit half (off & 4). */
static void reg64(uint64_t *reg, uint64_t off, unsigned len, bool write, uint64_t *val, bool writable,
		  uint64_t (*sanitise)(uint64_t))
{
	unsigned shift = len == 8 ? 0 : (unsigned)(off & 4) * 8;
	uint64_t mask = len == 8 ? ~0ULL : 0xffffffffULL << shift;

	if (!write) {
		*val = (*reg & mask) >> shift;
		return;
	}
	if (writable)
		*reg = sanitise((*reg & ~mask) | ((*val << shift) & mask));
}

static uint64_t sanitise_prop(uint64_t r) { return sanitise_baser(r, PROPBASER_RES0); }
static uint64_t sanitise_pend(uint64_t r) { return sanitise_baser(r, PENDBASER_RES0); }

/*
 * The redistributor's LPI registers at off in v's RD_base frame: 0 done,
 * -ENOENT not one of them. Without LPIs (no ITS) they read as zero and
 * ignore writes, as KVM's without vgic_has_its().
 */
int vgic_lpi_regs_locked(struct vm *vm, struct vcpu *v, uint64_t off, unsigned len, bool write, uint64_t *val)
{
	struct vgic *d = &vm->arch.vgic;
	struct vgic_lpis *l = v->arch.vgic.lpis;

	switch (off & ~7ULL) {
	case 0x0: /* GICR_CTLR */
		if (off != 0 || len != 4)
			return -ENOENT;
		if (write && d->lpis) {
			bool on = *val & GICR_CTLR_ENABLE_LPIS;

			if (l->enabled && !on) { /* every LPI here goes (KVM's vgic_flush_pending_lpis()) */
				l->live = 0;
				v->arch.vgic.dirty = true;
			}
			l->enabled = on;
		}
		*val = l->enabled ? GICR_CTLR_ENABLE_LPIS : 0;
		return 0;
	case 0x70: /* GICR_PROPBASER: one for the VM; storing with LPIs enabled is UNPREDICTABLE: ignored */
		reg64(&d->propbaser, off, len, write, val, d->lpis && !l->enabled, sanitise_prop);
		return 0;
	case 0x78: /* GICR_PENDBASER (PTZ reads as 0) */
		reg64(&l->pendbaser, off, len, write, val, d->lpis && !l->enabled, sanitise_pend);
		if (!write)
			*val &= ~(PENDBASER_PTZ >> (len == 8 ? 0 : (off & 4) * 8));
		return 0;
	case 0xa0: /* GICR_INVLPIR, GICR_INVALLR: for guests that see GICR_TYPER.DirectLPI, which is 0 */
	case 0xb0:
		if (!write)
			*val = 0;
		return 0;
	case 0xc0: /* GICR_SYNCR: never busy */
		if (off != 0xc0 || len != 4)
			return -ENOENT;
		*val = 0;
		return 0;
	}
	return -ENOENT;
}

/* KEEL_IRQCHIP_LPI's actions (x5). */
static int lpi_op_locked(struct vm *vm, struct vcpu *v, unsigned intid, uint64_t action, uint8_t prio,
			 uint64_t *ret, uint64_t *kick)
{
	struct vgic_lpis *l = v->arch.vgic.lpis;
	struct vgic_irq *irq = vgic_lpi_locked(l, intid);
	unsigned i;

	ret[0] = (irq && (irq->flags & VI_LATCH)) | (uint64_t)l->enabled << 1;
	ret[1] = l->pendbaser;
	ret[2] = vm->arch.vgic.propbaser;
	switch (action) {
	case KEEL_LPI_QUERY:
		return 0;
	case KEEL_LPI_PRIO:
		if (irq) {
			irq->prio = prio;
			v->arch.vgic.dirty = true;
		}
		return 0;
	case KEEL_LPI_CLEAR:
		if (irq) {
			irq->flags &= (uint8_t)~VI_LATCH;
			vgic_irq_changed_locked(vm, v, intid, NULL);
		}
		return 0;
	}
	/* KEEL_LPI_SET */
	if (!l->enabled)
		return -EAGAIN;
	if (!irq) {
		if (l->live == (uint32_t)((1ULL << VGIC_LPI_SLOTS) - 1))
			return -ENOSPC;
		i = (unsigned)__builtin_ctz(~l->live);
		l->live |= 1U << i;
		l->intid[i] = intid;
		irq = &l->irq[i];
		*irq = (struct vgic_irq){ .flags = VI_ENABLED | VI_GROUP1 | VI_EDGE, .target = VGIC_NO_TARGET };
	}
	irq->prio = prio;
	irq->flags |= VI_LATCH;
	vgic_irq_changed_locked(vm, v, intid, kick);
	return 0;
}

/* KEEL_IRQCHIP_LPIS (before INIT too) and KEEL_IRQCHIP_LPI. */
int vgic_lpi_call(struct vm *vm, uint64_t op, const uint64_t *arg, uint64_t *ret)
{
	struct vgic *d = &vm->arch.vgic;
	uint64_t kick[KEEL_MAX_VCPUS / 64] = { 0 };
	struct vcpu *v;
	int r;

	if (op == KEEL_IRQCHIP_LPIS) {
		if (arg[0] != 1 || arg[1] || arg[2] || arg[3])
			return -EINVAL;
		spin_lock(&d->lock);
		if (!d->lpis) /* KVM's INITIAL_PROPBASER_VALUE: inner RaWb, outer same, inner shareable */
			d->propbaser = 7ULL << GIC_BASER_INNER_SHIFT | 1ULL << GIC_BASER_SHARE_SHIFT;
		d->lpis = true;
		spin_unlock(&d->lock);
		return 0;
	}
	if (!d->ready)
		return -EBUSY;
	if (!d->lpis)
		return -ENXIO;
	if (arg[1] < VGIC_MIN_LPI || arg[1] >= (1ULL << VGIC_LPI_ID_BITS) || arg[2] > KEEL_LPI_PRIO || arg[3] > 0xff)
		return -EINVAL;
	v = arg[0] < d->nr_vcpus ? vm->vcpus[arg[0]] : NULL;
	if (!v)
		return -EINVAL;
	spin_lock(&d->lock);
	r = lpi_op_locked(vm, v, (unsigned)arg[1], arg[2], (uint8_t)arg[3], ret, kick);
	spin_unlock(&d->lock);
	if (r || arg[2] != KEEL_LPI_SET)
		return r;
	/* x1: the vCPU to kick, unless it waits in keel (vgic_kick_filter() after the lock, as vgic_line()) */
	ret[0] = kick[v->index / 64] && vgic_kick_filter(vm, kick) ? v->index : KEEL_NO_VCPU;
	ret[1] = ret[2] = 0;
	return 0;
}

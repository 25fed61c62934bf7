// SPDX-License-Identifier: GPL-2.0
/*
 * The in-keel vGICv3's state (arch/vgic.h): interrupts, their routing, lines
 * and SGIs, and KEEL_HC_IRQCHIP. Defaults and limits follow Linux 6.1's
 * arch/arm64/kvm/vgic (vgic-init.c, vgic.c, vgic-mmio-v3.c): every
 * interrupt group 1, priority 0; SGIs enabled and edge-triggered, PPIs and
 * SPIs level-triggered; SPIs routed to the vCPU with MPIDR 0. The list
 * registers are vgic_lr.c's.
 */
#include <arch/arm64.h>
#include <arch/sysreg.h>
#include <arch/vgic.h>
#include <hv/arch/mm.h>
#include <hv/arch/vm.h>
#include <hv/errno.h>
#include <hv/memcache.h>
#include <hv/string.h>
#include <hv/vcpu.h>
#include <hv/vm.h>
#include <keel/abi.h>
#include <arch/pmu.h>

_Static_assert(sizeof(struct vgic_irq) == 8, "SPIs are packed into pages");
_Static_assert(VGIC_MAX_LRS <= 16, "lr_pending is 16 bits");

void arch_vm_init(struct vm *vm)
{
	struct vgic *d = &vm->arch.vgic;

	vm->arch.vtcr = arm64_vtcr_for(vm->s2.ia_bits, vm->s2.hw_start_level);
	vm->arch.vttbr = pa_addr(ptr_to_pa(vm->s2.hw_root)) | ((uint64_t)vm->s2.vmid << 48);

	d->lock = (struct spinlock)SPINLOCK_INIT;
	d->dist_base = VGIC_NO_ADDR;
}


bool arch_vm_vcpus_fixed(const struct vm *vm) { return vm->arch.vgic.ready; }

void arch_vm_fini(struct vm *vm, struct memcache *mc)
{
	struct vgic *d = &vm->arch.vgic;

	for (unsigned i = 0; i < VGIC_SPI_PAGES; i++)
		if (d->spi[i])
			memcache_push(mc, d->spi[i]);
	memset(d->spi, 0, sizeof(d->spi));
	d->ready = false;
	pmu_vm_fini(vm, mc);
}

static bool irq_pending(const struct vgic_irq *irq)
{
	return (irq->flags & VI_LATCH) || (!(irq->flags & VI_EDGE) && (irq->flags & VI_LINE));
}

struct vgic_irq *vgic_irq_locked(struct vm *vm, struct vcpu *v, unsigned intid)
{
	struct vgic *d = &vm->arch.vgic;

	if (intid < VGIC_NR_PRIVATE)
		return v ? &v->arch.vgic.priv[intid] : NULL;
	if (intid >= d->nr_irqs) /* an LPI, or nothing (the SPIs' path pays no LPI test) */
		return vgic_is_lpi(intid) && v ? vgic_lpi_locked(v->arch.vgic.lpis, intid) : NULL;
	intid -= VGIC_NR_PRIVATE;
	return &d->spi[intid / VGIC_IRQS_PER_PAGE][intid % VGIC_IRQS_PER_PAGE];
}

bool vgic_deliverable_locked(const struct vm *vm, const struct vgic_irq *irq)
{
	unsigned grp = irq->flags & VI_GROUP1 ? 2 : 1; /* GICD_CTLR.EnableGrp1 / EnableGrp0 */

	return (irq->flags & VI_ENABLED) && irq_pending(irq) && (vm->arch.vgic.ctlr & grp);
}

/* KEEL_VCPU_MPIDR's affinity (Aff2.Aff1.Aff0) of vCPU index, as GICD_IROUTER and GICR_TYPER name it. */
uint32_t vgic_mpidr_route(unsigned index) { return (uint32_t)(KEEL_VCPU_MPIDR(index) & 0xffffff); }

struct vcpu *vgic_vcpu_by_route(struct vm *vm, uint32_t route)
{
	unsigned aff0 = route & 0xff, index = aff0 + ((route >> 8) & 0xff) * 16 + ((route >> 16) & 0xff) * 4096;

	if (aff0 >= 16 || index >= vm->arch.vgic.nr_vcpus)
		return NULL;
	return vm->vcpus[index];
}

/* The vCPU an interrupt goes to: its own for a private one, GICD_IROUTER's for an SPI. */
static struct vcpu *irq_vcpu(struct vm *vm, struct vcpu *v, unsigned intid, const struct vgic_irq *irq)
{
	if (intid < VGIC_NR_PRIVATE)
		return v;
	return irq->target == VGIC_NO_TARGET ? NULL : vm->vcpus[irq->target];
}

/*
 * After any change to an interrupt: the SPI's place among the live ones,
 * and its vCPU told to look again (dirty; a kick bit for the caller, who
 * wakes or interrupts it: the guest's own exit, or the host).
 */
void vgic_irq_changed_locked(struct vm *vm, struct vcpu *v, unsigned intid, uint64_t *kick)
{
	struct vgic_irq *irq = vgic_irq_locked(vm, v, intid);
	struct vcpu *t;

	uint32_t *live, bit = 1U << (intid % 32);

	if (!irq)
		return;
	if (vgic_is_lpi(intid)) {
		vgic_lpi_changed_locked(v->arch.vgic.lpis, irq);
		t = v;
		goto look;
	}
	live = intid < VGIC_NR_PRIVATE ? &v->arch.vgic.live : &vm->arch.vgic.spi_live[intid / 32];
	if (irq_pending(irq) || (irq->flags & VI_ACTIVE))
		*live |= bit;
	else
		*live &= ~bit;
	t = irq_vcpu(vm, v, intid, irq);
look:
	if (!t)
		return;
	__atomic_store_n(&t->arch.vgic.dirty, true, __ATOMIC_RELAXED);
	if (kick && vgic_deliverable_locked(vm, irq))
		kick[t->index / 64] |= BIT(t->index % 64);
}

/*
 * An interrupt's active state written: its vCPU looks again even though
 * nothing became deliverable, since a list register there may hold the old
 * state (VI_RELOAD makes its sync keep the written one).
 */
void vgic_irq_kick_locked(struct vm *vm, struct vcpu *v, unsigned intid, uint64_t *kick)
{
	struct vgic_irq *irq = vgic_irq_locked(vm, v, intid);
	struct vcpu *t = irq && !vgic_is_lpi(intid) ? irq_vcpu(vm, v, intid, irq) : NULL;

	if (!t)
		return;
	__atomic_store_n(&t->arch.vgic.dirty, true, __ATOMIC_RELAXED);
	if (kick)
		kick[t->index / 64] |= BIT(t->index % 64);
}

/*
 * After the vGIC lock is dropped: the vCPUs waiting at EL2 in a WFI
 * (vgic_wfi_poll) see their dirty flag themselves, so they need no kick.
 * With the fence, a vCPU that stops waiting either is seen here still
 * waiting, and then sees its flag after, or is kicked. True: kicks left.
 */
bool vgic_kick_filter(struct vm *vm, uint64_t *kick)
{
	uint64_t left = 0;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (unsigned i = 0; i < KEEL_MAX_VCPUS / 64; i++) {
		for (uint64_t w = kick[i]; w; w &= w - 1) {
			unsigned n = i * 64 + (unsigned)__builtin_ctzll(w);
			struct vcpu *t = vm->vcpus[n];

			if (t && __atomic_load_n(&t->arch.vgic.polling, __ATOMIC_RELAXED))
				kick[i] &= ~BIT(n % 64);
		}
		left |= kick[i];
	}
	return left != 0;
}

/* Every vCPU looks again (GICD_CTLR's group enables changed). */
void vgic_all_changed_locked(struct vm *vm, uint64_t *kick)
{
	for (unsigned i = 0; i < vm->arch.vgic.nr_vcpus; i++) {
		struct vcpu *t = vm->vcpus[i];

		if (!t)
			continue;
		__atomic_store_n(&t->arch.vgic.dirty, true, __ATOMIC_RELAXED);
		if (kick)
			kick[i / 64] |= BIT(i % 64);
	}
}

void vgic_set_line_locked(struct vm *vm, struct vcpu *v, unsigned intid, bool level, uint64_t *kick)
{
	struct vgic_irq *irq = vgic_irq_locked(vm, v, intid);

	if (!irq)
		return;
	if (irq->flags & VI_EDGE) {
		/* Every raise is an edge, as KVM's vgic_validate_injection(): its line is not tracked. */
		if (!level)
			return;
		irq->flags |= VI_LATCH;
	} else {
		if (level == !!(irq->flags & VI_LINE))
			return;
		irq->flags = (uint8_t)((irq->flags & ~VI_LINE) | (level ? VI_LINE : 0));
	}
	vgic_irq_changed_locked(vm, v, intid, kick);
}

/*
 * A guest's ICC_SGI1R_EL1 (group 1) / ICC_SGI0R_EL1 (group 0) write:
 * the SGI made pending on every vCPU it names (IRM: all but the sender;
 * else Aff3.Aff2.Aff1 and the TargetList of Aff0 values RS * 16 + bit),
 * if the SGI is in that group there. Returns how many vCPUs got it.
 */
unsigned vgic_sgi(struct vcpu *v, uint64_t val, unsigned group, uint64_t *kick)
{
	struct vm *vm = v->vm;
	struct vgic *d = &vm->arch.vgic;
	unsigned intid = (val >> 24) & 0xf, n = 0, i;
	uint32_t aff21 = (uint32_t)(((val >> 32) & 0xff) << 16 | ((val >> 16) & 0xff) << 8);
	unsigned rs = (val >> 44) & 0xf;
	bool all = val & BIT(40);

	if (!all && ((val >> 48) & 0xff))
		return 0; /* Aff3: no vCPU has one */
	spin_lock(&d->lock);
	for (i = 0; i < (all ? d->nr_vcpus : 16); i++) {
		struct vcpu *t;
		struct vgic_irq *irq;

		if (all) {
			t = i == v->index ? NULL : vm->vcpus[i];
		} else {
			if (!(val & BIT(i)))
				continue;
			t = vgic_vcpu_by_route(vm, aff21 | (rs * 16 + i));
		}
		if (!t)
			continue;
		irq = &t->arch.vgic.priv[intid];
		if (!!(irq->flags & VI_GROUP1) != !!group)
			continue;
		irq->flags |= VI_LATCH;
		vgic_irq_changed_locked(vm, t, intid, kick);
		n++;
	}
	spin_unlock(&d->lock);
	return n;
}

/* KVM's kvm_vgic_vcpu_pending_irq(): something v would take now (enabled, pending, above its PMR). */
bool vgic_pending_locked(struct vm *vm, struct vcpu *v)
{
	struct vgic *d = &vm->arch.vgic;
	unsigned pmr = v->arch.vgic.vmcr >> 24, i;

	for (uint32_t w = v->arch.vgic.live; w; w &= w - 1) {
		const struct vgic_irq *irq = &v->arch.vgic.priv[__builtin_ctz(w)];

		if (vgic_deliverable_locked(vm, irq) && irq->prio < pmr)
			return true;
	}
	for (uint32_t w = d->lpis ? v->arch.vgic.lpis->live : 0; w; w &= w - 1) {
		const struct vgic_irq *irq = &v->arch.vgic.lpis->irq[__builtin_ctz(w)];

		if (vgic_deliverable_locked(vm, irq) && irq->prio < pmr)
			return true;
	}
	for (i = VGIC_NR_PRIVATE / 32; i < d->nr_irqs / 32; i++) {
		uint32_t w = d->spi_live[i];

		while (w) {
			unsigned intid = i * 32 + (unsigned)__builtin_ctz(w);
			const struct vgic_irq *irq = vgic_irq_locked(vm, NULL, intid);

			w &= w - 1;
			if (irq->target == v->index && vgic_deliverable_locked(vm, irq) && irq->prio < pmr)
				return true;
		}
	}
	return false;
}

void vgic_cpu_reset(struct vgic_cpu *c)
{
	for (unsigned i = 0; i < VGIC_NR_PRIVATE; i++)
		c->priv[i] = (struct vgic_irq){ .flags = (uint8_t)(VI_GROUP1 | (i < VGIC_NR_SGIS ? VI_ENABLED | VI_EDGE : 0)),
						.target = VGIC_NO_TARGET };
	c->live = 0;
	*c->lpis = (struct vgic_lpis){ 0 };
	c->vmcr = 0;
	memset(c->ap0r, 0, sizeof(c->ap0r));
	memset(c->ap1r, 0, sizeof(c->ap1r));
	c->used_lrs = 0;
	c->sync_req = false;
	memset(c->sync_wait, 0, KEEL_MAX_VCPUS / 8);
	c->dirty = true;
}

/* KEEL_IRQCHIP_INIT: the distributor's pages from the memcache, every interrupt at its reset state. */
static int vgic_init_locked(struct vm *vm, uint64_t nr_irqs, uint64_t *need)
{
	struct vgic *d = &vm->arch.vgic;
	size_t pages = (size_t)((nr_irqs - VGIC_NR_PRIVATE + VGIC_IRQS_PER_PAGE - 1) / VGIC_IRQS_PER_PAGE);
	unsigned i, n = 0;

	if (nr_irqs < 64 || nr_irqs > VGIC_MAX_IRQS || nr_irqs % 32)
		return -EINVAL;
	if (d->ready)
		return -EEXIST;
	if (vm->mc.nr < pages) {
		*need = pages - vm->mc.nr;
		return -ENOMEM;
	}
	for (i = 0; i < pages; i++) {
		d->spi[i] = memcache_pop(&vm->mc);
		arch_zero_pages(d->spi[i], PAGE_SIZE);
	}
	for (i = 0; i < KEEL_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			n = i + 1;
	spin_lock(&d->lock);
	d->nr_irqs = (uint32_t)nr_irqs;
	d->nr_vcpus = n;
	d->ctlr = 0;
	d->vtimer_ppi = KEEL_VGIC_VTIMER_PPI;
	d->ptimer_ppi = KEEL_VGIC_PTIMER_PPI;
	memset(d->spi_live, 0, sizeof(d->spi_live));
	for (i = VGIC_NR_PRIVATE; i < nr_irqs; i++) {
		struct vgic_irq *irq = vgic_irq_locked(vm, NULL, i);
		struct vcpu *t = vgic_vcpu_by_route(vm, 0);

		/* Edge-triggered until the guest says (KVM's SPIs start so: config 0 is VGIC_CONFIG_EDGE). */
		*irq = (struct vgic_irq){ .flags = VI_GROUP1 | VI_EDGE, .target = t ? (uint16_t)t->index : VGIC_NO_TARGET };
	}
	for (i = 0; i < n; i++)
		if (vm->vcpus[i])
			vgic_cpu_reset(&vm->vcpus[i]->arch.vgic);
	d->ready = true;
	spin_unlock(&d->lock);
	return 0;
}

static int vgic_set_addr_locked(struct vm *vm, uint64_t which, uint64_t ipa, uint64_t arg)
{
	struct vgic *d = &vm->arch.vgic;
	uint64_t size = which == KEEL_VGIC_ADDR_DIST ? KEEL_VGIC_DIST_SIZE : KEEL_VGIC_REDIST_SIZE;
	struct vcpu *v;

	if (which > KEEL_VGIC_ADDR_REDIST || (which == KEEL_VGIC_ADDR_DIST && arg))
		return -EINVAL;
	if (which == KEEL_VGIC_ADDR_REDIST && ipa == VGIC_NO_ADDR) {
		size = 0;
	} else if (ipa % 0x10000 || ipa > ~0ULL - size) {
		return -EINVAL;
	} else if (which == KEEL_VGIC_ADDR_DIST && (ipa >= (1ULL << vm->ipa_bits) ||
						    size > (1ULL << vm->ipa_bits) - ipa)) {
		return -E2BIG; /* a redistributor beyond the IPA space is the host's to refuse (at its run) */
	}
	if (which == KEEL_VGIC_ADDR_DIST) {
		if (d->dist_base != VGIC_NO_ADDR)
			return -EEXIST;
		d->dist_base = ipa;
		return 0;
	}
	if ((arg & ~(KEEL_VGIC_RDIST_LAST | 0xffffffffULL)) || (uint32_t)arg >= KEEL_MAX_VCPUS ||
	    !(v = vm->vcpus[(uint32_t)arg]))
		return -EINVAL;
	spin_lock(&d->lock);
	v->arch.vgic.rd_base = ipa;
	v->arch.vgic.rd_last = arg & KEEL_VGIC_RDIST_LAST;
	if (size) {
		if (d->rd_lo == d->rd_hi || ipa < d->rd_lo)
			d->rd_lo = ipa;
		if (ipa + size > d->rd_hi)
			d->rd_hi = ipa + size;
	}
	spin_unlock(&d->lock);
	return 0;
}

/* The timers' lines of a vCPU between runs, from keel's copy of its context (as at its last exit). */
static void timers_from_ctx_locked(struct vm *vm, struct vcpu *v)
{
	const struct keel_vcpu_ctx *c = &v->arch.ctx;
	uint64_t now;

	isb();
	now = read_sysreg(cntpct_el0);
	vgic_set_line_locked(vm, v, vm->arch.vgic.vtimer_ppi,
			     (c->cntv_ctl & 3) == 1 && now - c->cntvoff >= c->cntv_cval, NULL);
	vgic_set_line_locked(vm, v, vm->arch.vgic.ptimer_ppi, (c->cntp_ctl & 3) == 1 && now >= c->cntp_cval, NULL);
}

/* A vCPU named by the host: it exists; -EINVAL otherwise. */
static struct vcpu *host_vcpu(struct vm *vm, uint64_t index)
{
	return index < vm->arch.vgic.nr_vcpus ? vm->vcpus[index] : NULL;
}

static int vgic_line(struct vm *vm, const uint64_t *arg, uint64_t *ret)
{
	struct vgic *d = &vm->arch.vgic;
	uint64_t kick[KEEL_MAX_VCPUS / 64] = { 0 };
	struct vcpu *v = NULL;
	unsigned i;

	if (arg[3] || arg[2] > 1 || arg[0] < VGIC_NR_SGIS || arg[0] >= d->nr_irqs)
		return -EINVAL;
	if (arg[0] < VGIC_NR_PRIVATE) {
		v = host_vcpu(vm, arg[1]);
		if (!v)
			return -EINVAL;
	} else if (arg[1]) {
		return -EINVAL;
	}
	spin_lock(&d->lock);
	vgic_set_line_locked(vm, v, (unsigned)arg[0], arg[2], kick);
	spin_unlock(&d->lock);
	ret[0] = KEEL_NO_VCPU;
	for (i = 0; i < ARRAY_SIZE(kick) && !kick[i]; i++)
		;
	if (i == ARRAY_SIZE(kick) || !vgic_kick_filter(vm, kick))
		return 0; /* nobody to kick, or it waits in keel */
	for (i = 0; i < ARRAY_SIZE(kick); i++)
		if (kick[i])
			ret[0] = i * 64 + (unsigned)__builtin_ctzll(kick[i]);
	return 0;
}

/* KEEL_IRQCHIP_TIMERS: the timers' PPIs for every vCPU; the old ones' lines lowered. */
static int vgic_timers(struct vm *vm, const uint64_t *arg)
{
	struct vgic *d = &vm->arch.vgic;
	unsigned i;

	if (arg[0] < VGIC_NR_SGIS || arg[0] >= VGIC_NR_PRIVATE || arg[1] < VGIC_NR_SGIS ||
	    arg[1] >= VGIC_NR_PRIVATE || arg[0] == arg[1] || arg[2] || arg[3])
		return -EINVAL;
	if (vcpu_any_running_locked(vm))
		return -EBUSY;
	spin_lock(&d->lock);
	for (i = 0; i < d->nr_vcpus; i++) {
		if (!vm->vcpus[i])
			continue;
		vgic_set_line_locked(vm, vm->vcpus[i], d->vtimer_ppi, false, NULL);
		vgic_set_line_locked(vm, vm->vcpus[i], d->ptimer_ppi, false, NULL);
	}
	d->vtimer_ppi = (uint8_t)arg[0];
	d->ptimer_ppi = (uint8_t)arg[1];
	spin_unlock(&d->lock);
	return 0;
}

/* KEEL_IRQCHIP_RESAMPLE: an SPI's EOIs reported to the host (with its line lowered), or no more. */
static int vgic_resample(struct vm *vm, const uint64_t *arg)
{
	struct vgic *d = &vm->arch.vgic;
	struct vgic_irq *irq;

	if (arg[0] < VGIC_NR_PRIVATE || arg[0] >= d->nr_irqs || arg[1] > 1 || arg[2] || arg[3])
		return -EINVAL;
	spin_lock(&d->lock);
	irq = vgic_irq_locked(vm, NULL, (unsigned)arg[0]);
	irq->flags = (uint8_t)((irq->flags & ~VI_RESAMPLE) | (arg[1] ? VI_RESAMPLE : 0));
	spin_unlock(&d->lock);
	return 0;
}

/* KEEL_VGIC_SPACE_LEVEL: the lines of the 32 interrupts from intid (KVM's VGIC_LEVEL_INFO_LINE_LEVEL). */
static int vgic_levels_locked(struct vm *vm, struct vcpu *v, uint64_t intid, unsigned len, bool write, uint64_t *val)
{
	uint64_t out = 0;

	if (len != 4 || intid % 32 || intid >= VGIC_MAX_IRQS)
		return -EINVAL;
	for (unsigned i = 0; i < 32; i++) {
		struct vgic_irq *irq = vgic_irq_locked(vm, v, (unsigned)intid + i);

		if (!irq || (unsigned)intid + i < VGIC_NR_SGIS)
			continue; /* no such interrupt, or an SGI (never level): ignored, as KVM */
		if (write)
			vgic_set_line_locked(vm, v, (unsigned)intid + i, (*val >> i) & 1, NULL);
		else
			out |= (uint64_t)!!(irq->flags & VI_LINE) << i;
	}
	*val = out;
	return 0;
}

/* KEEL_IRQCHIP_REG. The vCPUs concerned must not run (KVM takes every vCPU's mutex for these). */
static int vgic_reg(struct vm *vm, const uint64_t *arg, uint64_t *ret)
{
	struct vgic *d = &vm->arch.vgic;
	unsigned space = (unsigned)(arg[0] & 0xffffffff), len = (unsigned)((arg[2] >> 8) & 0xff);
	bool write = arg[2] & 1;
	struct vcpu *v = NULL;
	uint64_t val = arg[3];
	int r;

	if (space > KEEL_VGIC_SPACE_LEVEL || (arg[2] & ~0xff01ULL) || (len != 4 && len != 8))
		return -EINVAL;
	if (space != KEEL_VGIC_SPACE_DIST) {
		v = host_vcpu(vm, arg[0] >> 32);
		if (!v)
			return -EINVAL;
	} else if (arg[0] >> 32) {
		return -EINVAL;
	}
	if (v ? vcpu_running(v) : vcpu_any_running_locked(vm))
		return -EBUSY;
	if (!write)
		val = 0;
	if (space == KEEL_VGIC_SPACE_LEVEL) {
		spin_lock(&d->lock);
		r = vgic_levels_locked(vm, v, arg[1], len, write, &val);
		spin_unlock(&d->lock);
	} else if (space == KEEL_VGIC_SPACE_CPU) {
		r = len == 8 ? vgic_cpu_sysreg(v, arg[1], write, &val, read_sysreg_s(ICH_VTR_EL2_S)) : -EINVAL;
	} else {
		spin_lock(&d->lock);
		r = vgic_mmio_access_locked(vm, space, v, arg[1], len, write, &val, NULL);
		spin_unlock(&d->lock);
	}
	ret[0] = write ? 0 : val;
	return r;
}

int arch_vm_irqchip(struct vm *vm, uint64_t op, const uint64_t *arg, uint64_t *ret)
{
	struct vgic *d = &vm->arch.vgic;
	struct vcpu *v;

	if (!arm64_gic_has_vgic())
		return -ENODEV;
	switch (op) {
	case KEEL_IRQCHIP_SET_ADDR:
		if (arg[3])
			return -EINVAL;
		return vgic_set_addr_locked(vm, arg[0], arg[1], arg[2]);
	case KEEL_IRQCHIP_INIT:
		if (arg[1] || arg[2] || arg[3])
			return -EINVAL;
		return vgic_init_locked(vm, arg[0], &ret[0]);
	case KEEL_IRQCHIP_LPIS:
	case KEEL_IRQCHIP_LPI:
		return vgic_lpi_call(vm, op, arg, ret);
	}
	if (op > KEEL_IRQCHIP_TIMERS)
		return -EINVAL;
	if (!d->ready)
		return -EBUSY;
	switch (op) {
	case KEEL_IRQCHIP_LINE:
		return vgic_line(vm, arg, ret);
	case KEEL_IRQCHIP_REG:
		return vgic_reg(vm, arg, ret);
	case KEEL_IRQCHIP_RESAMPLE:
		return vgic_resample(vm, arg);
	case KEEL_IRQCHIP_TIMERS:
		return vgic_timers(vm, arg);
	default: /* KEEL_IRQCHIP_PENDING */
		if (arg[1] || arg[2] || arg[3])
			return -EINVAL;
		v = host_vcpu(vm, arg[0]);
		if (!v)
			return -EINVAL;
		spin_lock(&d->lock);
		if (!vcpu_running(v))
			timers_from_ctx_locked(vm, v);
		ret[0] = vgic_pending_locked(vm, v);
		spin_unlock(&d->lock);
		return 0;
	}
}

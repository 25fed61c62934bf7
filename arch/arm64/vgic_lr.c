// SPDX-License-Identifier: GPL-2.0
/*
 * The vGICv3 around a guest's run (arch/vgic.h): the virtual CPU interface
 * (ICH_VMCR_EL2, the active-priority registers) loaded and saved, the
 * interrupts a vCPU should see written into the list registers before it
 * enters (flush) and what the guest did with them read back after
 * (sync), as Linux 6.1's vgic-v3.c and hyp/vgic-v3-sr.c. Level-sensitive
 * interrupts ask for a maintenance interrupt at their EOI (so a line still
 * high is given again at once); more candidates than list registers ask for
 * one when they run low. keel takes the maintenance interrupt itself.
 */
#include <arch/arm64.h>
#include <arch/sysreg.h>
#include <arch/vgic.h>
#include <hv/errno.h>
#include <hv/vcpu.h>
#include <hv/vm.h>
#include <keel/abi.h>

#define ICH_HCR_EN (1ULL << 0)
#define ICH_HCR_UIE (1ULL << 1)
#define ICH_LR_STATE_SHIFT 62
#define ICH_LR_PENDING (1ULL << 62)
#define ICH_LR_ACTIVE (1ULL << 63)
#define ICH_LR_GROUP (1ULL << 60)
#define ICH_LR_EOI (1ULL << 41)
#define ICH_LR_HW (1ULL << 61)
#define ICH_LR_PINTID_SHIFT 32
#define ICH_LR_PRIO_SHIFT 48
#define SPURIOUS 1023

#define LR_CASE(n, crm, op2) \
	case n: \
		if (write) \
			__asm__ volatile("msr S3_4_C12_" #crm "_" #op2 ", %0" : : "r"(val)); \
		else \
			__asm__ volatile("mrs %0, S3_4_C12_" #crm "_" #op2 : "=r"(val)); \
		break;

static uint64_t lr_access(unsigned n, bool write, uint64_t val)
{
	switch (n) {
	LR_CASE(0, C12, 0) LR_CASE(1, C12, 1) LR_CASE(2, C12, 2) LR_CASE(3, C12, 3)
	LR_CASE(4, C12, 4) LR_CASE(5, C12, 5) LR_CASE(6, C12, 6) LR_CASE(7, C12, 7)
	LR_CASE(8, C13, 0) LR_CASE(9, C13, 1) LR_CASE(10, C13, 2) LR_CASE(11, C13, 3)
	LR_CASE(12, C13, 4) LR_CASE(13, C13, 5) LR_CASE(14, C13, 6) LR_CASE(15, C13, 7)
	}
	return val;
}

/* ICH_AP0R<n>_EL2 (C8) and ICH_AP1R<n>_EL2 (C9). */
static uint64_t apr_access(unsigned grp, unsigned n, bool write, uint64_t val)
{
	switch (grp * 4 + n) {
	LR_CASE(0, C8, 0) LR_CASE(1, C8, 1) LR_CASE(2, C8, 2) LR_CASE(3, C8, 3)
	LR_CASE(4, C9, 0) LR_CASE(5, C9, 1) LR_CASE(6, C9, 2) LR_CASE(7, C9, 3)
	}
	return val;
}

static unsigned nr_lrs(void) { return (unsigned)(read_sysreg_s(ICH_VTR_EL2_S) & 0x1f) + 1; }

/* Active-priority registers the CPU has: 1, 2 or 4 by its preemption bits (5, 6, 7). */
static unsigned nr_aprs(void)
{
	unsigned pre = (unsigned)((read_sysreg_s(ICH_VTR_EL2_S) >> 26) & 7) + 1;

	return pre >= 7 ? 4 : pre == 6 ? 2 : 1;
}

/* The timers' lines: the virtual timer live in the CPU, the emulated physical one from ctx. */
static bool timers_sample_locked(struct vcpu *v)
{
	const struct keel_vcpu_ctx *c = &v->arch.ctx;
	uint64_t vctl = read_sysreg(cntv_ctl_el0), now;
	bool vlevel = (vctl & 7) == 5; /* ENABLE, not IMASK, ISTATUS */
	bool plevel;

	isb();
	now = read_sysreg(cntpct_el0);
	plevel = (c->cntp_ctl & 3) == 1 && now >= c->cntp_cval;
	vgic_set_line_locked(v->vm, v, v->vm->arch.vgic.vtimer_ppi, vlevel, NULL);
	vgic_set_line_locked(v->vm, v, v->vm->arch.vgic.ptimer_ppi, plevel, NULL);
	return vlevel;
}

struct lr_pick {
	unsigned n, max, overflow;
	uint32_t intid[VGIC_MAX_LRS];
	uint16_t key[VGIC_MAX_LRS]; /* active first, then by priority: lower goes first */
};

static void pick(struct lr_pick *p, unsigned intid, const struct vgic_irq *irq)
{
	uint16_t key = (uint16_t)((irq->flags & VI_ACTIVE ? 0 : 0x100) | irq->prio);
	unsigned i;

	if (p->n == p->max) {
		p->overflow++;
		if (key >= p->key[p->n - 1])
			return;
		p->n--;
	}
	for (i = p->n; i > 0 && p->key[i - 1] > key; i--) {
		p->key[i] = p->key[i - 1];
		p->intid[i] = p->intid[i - 1];
	}
	p->key[i] = key;
	p->intid[i] = intid;
	p->n++;
}

static bool candidate(const struct vm *vm, const struct vgic_irq *irq)
{
	return (irq->flags & VI_ACTIVE) || vgic_deliverable_locked(vm, irq);
}

/*
 * The list registers from v's state (after vgic_sync emptied them): its
 * active and deliverable interrupts, the most urgent first. The virtual
 * timer's PPI goes in linked to the physical one (ICH_LR_HW), which keel
 * holds active on this CPU while the guest has it pending or active or its
 * level is high (KVM's kvm_timer_vcpu_load_gic()): it is not signalled again
 * until the guest deactivates it, which deactivates the physical one too.
 */
void vgic_flush(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct vgic *d = &vm->arch.vgic;
	struct vgic_cpu *vc = &v->arch.vgic;
	struct lr_pick p = { .max = nr_lrs() };
	uint64_t hcr = ICH_HCR_EN;
	bool vlevel, timer_in_lr = false;
	unsigned i;

	if (p.max > VGIC_MAX_LRS)
		p.max = VGIC_MAX_LRS;
	spin_lock(&d->lock);
	__atomic_store_n(&vc->dirty, false, __ATOMIC_RELAXED);
	vlevel = timers_sample_locked(v);
	for (uint32_t w = vc->live; w; w &= w - 1) {
		i = (unsigned)__builtin_ctz(w);
		if (candidate(vm, &vc->priv[i]))
			pick(&p, i, &vc->priv[i]);
	}
	for (i = VGIC_NR_PRIVATE / 32; i < d->nr_irqs / 32; i++) {
		for (uint32_t w = d->spi_live[i]; w; w &= w - 1) {
			unsigned intid = i * 32 + (unsigned)__builtin_ctz(w);
			const struct vgic_irq *irq = vgic_irq_locked(vm, NULL, intid);

			if (irq->target == v->index && candidate(vm, irq))
				pick(&p, intid, irq);
		}
	}
	for (uint32_t w = d->lpis ? vc->lpis->live : 0; w; w &= w - 1) {
		i = (unsigned)__builtin_ctz(w);
		if (candidate(vm, &vc->lpis->irq[i]))
			pick(&p, vc->lpis->intid[i], &vc->lpis->irq[i]);
	}
	vc->lr_pending = 0;
	for (i = 0; i < p.n; i++) {
		struct vgic_irq *irq = vgic_irq_locked(vm, v, p.intid[i]);
		uint64_t lr = p.intid[i] | ((uint64_t)irq->prio << ICH_LR_PRIO_SHIFT);

		if (irq->flags & VI_GROUP1)
			lr |= ICH_LR_GROUP;
		if (irq->flags & VI_ACTIVE)
			lr |= ICH_LR_ACTIVE;
		irq->flags &= (uint8_t)~VI_RELOAD; /* the register holds the written state now */
		/*
		 * An active level interrupt is not also made pending here: its EOI
		 * exits (ICH_LR_EOI) and the line is looked at then. The guest may
		 * lower it meanwhile without an exit (its own timer), and a pending
		 * state in the register would outlive the line.
		 */
		if (vgic_deliverable_locked(vm, irq) && !((irq->flags & VI_ACTIVE) && !(irq->flags & VI_EDGE))) {
			lr |= ICH_LR_PENDING;
			vc->lr_pending |= (uint16_t)(1U << i);
			/* An edge is the list register's now; sync gives it back if the guest has not taken it. */
			if (irq->flags & VI_EDGE)
				irq->flags &= (uint8_t)~VI_LATCH;
		}
		if (p.intid[i] == d->vtimer_ppi) {
			lr |= ICH_LR_HW | ((uint64_t)VGIC_HOST_VTIMER_PPI << ICH_LR_PINTID_SHIFT);
			timer_in_lr = true;
		} else if (!(irq->flags & VI_EDGE)) {
			lr |= ICH_LR_EOI;
		}
		lr_access(i, true, lr);
	}
	for (; i < vc->used_lrs; i++)
		lr_access(i, true, 0);
	vc->used_lrs = (uint8_t)p.n;
	if (p.overflow)
		hcr |= ICH_HCR_UIE;
	spin_unlock(&d->lock);
	write_sysreg_s(hcr, ICH_HCR_EL2_S);
	vlevel |= timer_in_lr;
	if (vlevel != vc->timer_active && arm64_gic_ppi_active(VGIC_HOST_VTIMER_PPI, vlevel))
		vc->timer_active = vlevel;
}

/* What the guest did with the list registers back into the interrupts' state; the registers emptied. */
void vgic_sync(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct vgic_cpu *vc = &v->arch.vgic;
	unsigned i;

	if (!vc->used_lrs) {
		__atomic_store_n(&vc->sync_req, false, __ATOMIC_RELAXED); /* nothing held: nothing to fold */
		return;
	}
	spin_lock(&vm->arch.vgic.lock);
	for (i = 0; i < vc->used_lrs; i++) {
		uint64_t lr = lr_access(i, false, 0);
		unsigned intid = (unsigned)(lr & 0xffffffff); /* the vINTID vgic_flush wrote: never changed by the GIC */
		struct vgic_irq *irq = vgic_irq_locked(vm, v, intid);

		lr_access(i, true, 0);
		if (!irq)
			continue; /* an LPI dropped meanwhile (its redistributor's EnableLPIs cleared) */
		/* EOI'd (KVM's lr_signals_eoi_mi()): a resampled SPI's line goes low, the host hears of it. */
		if (!(lr & (ICH_LR_PENDING | ICH_LR_ACTIVE)) && (lr & ICH_LR_EOI) && (irq->flags & VI_RESAMPLE)) {
			irq->flags &= (uint8_t)~VI_LINE;
			v->arch.ctx.exit.eoi[intid / 64] |= BIT(intid % 64);
			v->arch.exit_set |= VCPU_EXIT_EOI;
			vc->eoi_out = true;
		}
		/* The timer's, ended by the guest: so is the physical interrupt it is linked to. */
		if ((lr & ICH_LR_HW) && !(lr & (ICH_LR_PENDING | ICH_LR_ACTIVE)))
			vc->timer_active = false;
		/* Active from the register, unless another vCPU wrote it since the register took it. */
		if (!(irq->flags & VI_RELOAD))
			irq->flags = (uint8_t)((irq->flags & ~VI_ACTIVE) | (lr & ICH_LR_ACTIVE ? VI_ACTIVE : 0));
		if (lr & ICH_LR_PENDING)
			irq->flags |= VI_LATCH * !!(irq->flags & VI_EDGE); /* not taken: pending again */
		else if ((vc->lr_pending >> i) & 1)
			irq->flags &= (uint8_t)~(irq->flags & VI_EDGE ? 0 : VI_LATCH); /* a level one's latch is taken */
		vgic_irq_changed_locked(vm, v, intid, NULL);
	}
	vc->used_lrs = 0;
	vc->lr_pending = 0;
	__atomic_store_n(&vc->sync_req, false, __ATOMIC_RELAXED); /* (under the lock its waiter reads it with) */
	spin_unlock(&vm->arch.vgic.lock);
}

/*
 * A guest WFI: true if v has an interrupt to take (it goes on), else it may
 * sleep in the host. What the list registers hold counts (synced first).
 */
bool vgic_wfi_wakes(struct vcpu *v)
{
	bool pending;

	vgic_sync(v);
	v->arch.vgic.vmcr = (uint32_t)read_sysreg_s(ICH_VMCR_EL2_S); /* its live PMR */
	spin_lock(&v->vm->arch.vgic.lock);
	timers_sample_locked(v);
	pending = vgic_pending_locked(v->vm, v);
	spin_unlock(&v->vm->arch.vgic.lock);
	vgic_flush(v);
	return pending;
}

/* Might the guest have something to take now (a change marked it dirty, a timer fired)? */
static bool wfi_maybe_pending(struct vcpu *v, uint64_t now)
{
	const struct keel_vcpu_ctx *c = &v->arch.ctx;

	return __atomic_load_n(&v->arch.vgic.dirty, __ATOMIC_ACQUIRE) || (read_sysreg(cntv_ctl_el0) & 7) == 5 ||
	       ((c->cntp_ctl & 3) == 1 && now >= c->cntp_cval);
}

/*
 * A guest WFI with nothing to take (after vgic_wfi_wakes): wait here for up
 * to the host's halt-poll time (ctx.halt_poll_ns, KVM's kvm_vcpu_halt()
 * polling done at EL2), so that an SGI from another vCPU, or any change
 * that marks this one dirty, reaches it with no exit on either side.
 * Ends early for a host interrupt (the guest re-enters and the interrupt
 * exits at once). True: the guest goes on; false: KEEL_EXIT_WFI.
 */
bool vgic_wfi_poll(struct vcpu *v)
{
	struct vgic_cpu *vc = &v->arch.vgic;
	uint64_t ns = v->arch.ctx.halt_poll_ns, freq = read_sysreg(cntfrq_el0), now, end;
	bool over = false;

	if (!ns || !freq || ns > 0xffffffffULL)
		return false;
	now = read_sysreg(cntpct_el0);
	end = now + ns * freq / 1000000000ULL;
	__atomic_store_n(&vc->polling, true, __ATOMIC_SEQ_CST);
	while (now < end) {
		if (wfi_maybe_pending(v, now) && vgic_wfi_wakes(v))
			break;
		if ((read_sysreg_s(ICC_HPPIR1_EL1_S) & 0xffffff) != SPURIOUS)
			break; /* the host's: it takes it at once */
		__asm__ volatile("yield");
		now = read_sysreg(cntpct_el0);
	}
	over = now < end;
	__atomic_store_n(&vc->polling, false, __ATOMIC_SEQ_CST);
	/* A sender that saw it waiting did not kick: its interrupt is in the state by now. */
	over = over || vgic_wfi_wakes(v);
	v->arch.halt_polls += over;
	return over;
}

/* Before v's first entry of a run (its timer registers already loaded; the host left the timer's PPI unmasked). */
void vgic_enter(struct vcpu *v)
{
	struct vgic_cpu *vc = &v->arch.vgic;
	unsigned i, n = nr_aprs();

	vc->timer_active = false;
	vc->eoi_out = false;
	write_sysreg_s(vc->vmcr, ICH_VMCR_EL2_S);
	for (i = 0; i < n; i++) {
		apr_access(0, i, true, vc->ap0r[i]);
		apr_access(1, i, true, vc->ap1r[i]);
	}
	vc->used_lrs = 0;
	vgic_flush(v);
}

/* After v's last exit of a run: the list registers synced, the CPU interface saved and switched off. */
void vgic_exit(struct vcpu *v)
{
	struct vgic_cpu *vc = &v->arch.vgic;
	unsigned i, n = nr_aprs();

	vgic_sync(v);
	vc->vmcr = (uint32_t)read_sysreg_s(ICH_VMCR_EL2_S);
	for (i = 0; i < n; i++) {
		vc->ap0r[i] = (uint32_t)apr_access(0, i, false, 0);
		vc->ap1r[i] = (uint32_t)apr_access(1, i, false, 0);
	}
	write_sysreg_s(0, ICH_HCR_EL2_S);
}

/*
 * After the run (vgic_exit), the guest's timer stopped so its line is low:
 * the timer's physical PPI inactive again on this CPU, as the host left it.
 */
void vgic_timer_release(struct vcpu *v)
{
	if (v->arch.vgic.timer_active && arm64_gic_ppi_active(VGIC_HOST_VTIMER_PPI, false))
		v->arch.vgic.timer_active = false;
}

/*
 * A physical interrupt while the guest ran: a maintenance interrupt and the
 * guest's virtual timer firing are keel's (the list registers refilled, the
 * timer's PPI held active, the guest entered again); anything else is the
 * host's.
 */
unsigned vgic_irq_exit(struct vcpu *v)
{
	if (read_sysreg_s(ICH_MISR_EL2_S) || (read_sysreg(cntv_ctl_el0) & 7) == 5) {
		vgic_sync(v);
		vgic_flush(v);
		isb();
	}
	if ((read_sysreg_s(ICC_HPPIR1_EL1_S) & 0xffffff) == SPURIOUS)
		return 0;
	v->stat.irq++;
	return KEEL_EXIT_IRQ; /* the host takes its interrupt */
}

/*
 * The vCPU whose redistributor frames hold ipa: where a single region would
 * put it first (vCPU n at n frames from the lowest), else any. Placements
 * change only before the VM runs.
 */
static struct vcpu *redist_at(struct vm *vm, uint64_t ipa)
{
	struct vgic *d = &vm->arch.vgic;
	uint64_t guess = (ipa - d->rd_lo) / KEEL_VGIC_REDIST_SIZE;
	struct vcpu *t;

	if (guess < d->nr_vcpus && (t = vm->vcpus[guess]) && ipa - t->arch.vgic.rd_base < KEEL_VGIC_REDIST_SIZE)
		return t;
	for (unsigned i = 0; i < d->nr_vcpus; i++) {
		t = vm->vcpus[i];
		if (t && ipa - t->arch.vgic.rd_base < KEEL_VGIC_REDIST_SIZE)
			return t;
	}
	return NULL;
}

/* GIC{D,R}_ISACTIVER / _ICACTIVER: in the distributor, or in a redistributor's SGI frame. */
static bool active_reg(unsigned space, uint64_t off)
{
	if (space == VGIC_SPACE_REDIST)
		off -= KEEL_VGIC_REDIST_SIZE / 2; /* the SGI frame: the second 64 KiB */
	return off >= 0x300 && off < 0x400;
}

/*
 * Before a guest's access to active states: other vCPUs' list registers
 * folded back, as KVM halts the guest for these accesses
 * (vgic_access_active_prepare()), so that an interrupt another running vCPU
 * has taken reads active and a write is not undone by its next sync. Each
 * other vCPU with registers in use is asked (sync_req, dirty) and kicked;
 * the access waits, its instruction run again after the kick exit, until
 * each has synced or holds nothing. True: wait (kick holds the kicks).
 */
static bool active_wait(struct vcpu *v, uint64_t *kick)
{
	struct vm *vm = v->vm;
	struct vgic_cpu *vc = &v->arch.vgic;
	bool fresh = true, wait = false;
	unsigned i;

	for (i = 0; i < KEEL_MAX_VCPUS / 64; i++)
		fresh = fresh && !vc->sync_wait[i];
	spin_lock(&vm->arch.vgic.lock);
	for (i = 0; i < vm->arch.vgic.nr_vcpus; i++) {
		struct vcpu *t = vm->vcpus[i];
		uint64_t bit = BIT(i % 64), *w = &vc->sync_wait[i / 64];

		if (!t || t == v)
			continue;
		/* (A retry adds nobody: a vCPU holding the interrupt would refill its registers forever.) */
		if (fresh && t->arch.vgic.used_lrs) {
			*w |= bit;
			__atomic_store_n(&t->arch.vgic.sync_req, true, __ATOMIC_RELAXED);
		}
		if (!(*w & bit))
			continue;
		if (!__atomic_load_n(&t->arch.vgic.sync_req, __ATOMIC_RELAXED) || !t->arch.vgic.used_lrs) {
			*w &= ~bit;
			continue;
		}
		__atomic_store_n(&t->arch.vgic.dirty, true, __ATOMIC_RELAXED);
		kick[i / 64] |= bit;
		wait = true;
	}
	spin_unlock(&vm->arch.vgic.lock);
	return wait;
}

/* A guest access to its distributor or redistributors: done here, waiting for other vCPUs, or the VMM's MMIO. */
enum vgic_mmio_result vgic_guest_mmio(struct vcpu *v, uint64_t ipa, unsigned len, bool write, uint64_t *val,
				      unsigned *exit)
{
	struct vm *vm = v->vm;
	struct vgic *d = &vm->arch.vgic;
	uint64_t kick[KEEL_MAX_VCPUS / 64] = { 0 }, off, any = 0;
	struct vcpu *rd = NULL;
	unsigned space, i;

	if (ipa - d->dist_base < KEEL_VGIC_DIST_SIZE) {
		space = VGIC_SPACE_DIST;
		off = ipa - d->dist_base;
	} else if (ipa - d->rd_lo < d->rd_hi - d->rd_lo) {
		rd = redist_at(vm, ipa);
		if (!rd)
			return VGIC_MMIO_VMM;
		space = VGIC_SPACE_REDIST;
		off = ipa - rd->arch.vgic.rd_base;
	} else {
		return VGIC_MMIO_VMM;
	}
	if (!write)
		*val = 0;
	/*
	 * What its list registers hold back into the state first (KVM syncs at
	 * every exit), so that it reads its own interrupts' active and pending
	 * states as they are; flushed again before it re-enters.
	 */
	vgic_sync(v);
	__atomic_store_n(&v->arch.vgic.dirty, true, __ATOMIC_RELAXED);
	if (active_reg(space, off) && active_wait(v, kick)) {
		for (i = 0; i < ARRAY_SIZE(kick); i++)
			v->arch.ctx.exit.kick[i] = kick[i];
		vgic_kick_filter(vm, v->arch.ctx.exit.kick); /* (those waiting at EL2 see dirty themselves) */
		v->arch.exit_set |= VCPU_EXIT_KICK;
		*exit = KEEL_EXIT_KICK;
		return VGIC_MMIO_RETRY;
	}
	spin_lock(&d->lock);
	(void)vgic_mmio_access_locked(vm, space, rd, off, len, write, val, kick);
	spin_unlock(&d->lock);
	kick[v->index / 64] &= ~BIT(v->index % 64); /* this vCPU flushes before it enters again */
	for (i = 0; i < ARRAY_SIZE(kick); i++)
		any |= kick[i];
	if (any && vgic_kick_filter(vm, kick)) {
		for (i = 0; i < ARRAY_SIZE(kick); i++)
			v->arch.ctx.exit.kick[i] = kick[i];
		v->arch.exit_set |= VCPU_EXIT_KICK;
		*exit = KEEL_EXIT_KICK;
	}
	return VGIC_MMIO_DONE;
}

/*
 * The guest's SGI registers (ICC_SGI1R_EL1, ICC_ASGI1R_EL1: group 1;
 * ICC_SGI0R_EL1: group 0). Other vCPUs made pending are kicked by the host.
 */
unsigned vgic_guest_sgi(struct vcpu *v, unsigned op2, uint64_t val)
{
	uint64_t kick[KEEL_MAX_VCPUS / 64] = { 0 }, any = 0;
	unsigned i;

	vgic_sgi(v, val, op2 != 7, kick);
	kick[v->index / 64] &= ~BIT(v->index % 64);
	for (i = 0; i < ARRAY_SIZE(kick); i++)
		any |= kick[i];
	if (!any || !vgic_kick_filter(v->vm, kick))
		return 0; /* to itself, or to vCPUs waiting in keel */
	for (i = 0; i < ARRAY_SIZE(kick); i++)
		v->arch.ctx.exit.kick[i] = kick[i];
	v->arch.exit_set |= VCPU_EXIT_KICK;
	return KEEL_EXIT_KICK;
}

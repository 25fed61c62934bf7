// SPDX-License-Identifier: GPL-2.0
/*
 * A guest's PMUv3, as KVM 6.1 gives it (arch/arm64/kvm/pmu-emul.c,
 * sys_regs.c), counted by the CPU's own counters instead of perf events.
 *
 * Every PMU access of a guest traps (MDCR_EL2.TPM, TPMCR). While the guest
 * counts (PMCR.E and a counter enabled) its counters are in the CPU: the
 * host's are saved at its first entry and given back at the exit to the
 * host, so they count neither the host nor keel (event types go in with
 * NSH clear, and HPMD where the CPU has it). Otherwise its registers live in
 * the guest's PMU state (v->arch.pmu.g) alone and nothing is switched: a guest that does not count costs
 * one flag test per run. What the guest reads is KVM's: event counters of
 * 32 bits, P and C read as 0, PMCR.D/X/DP/LP kept but not acted on (the
 * CPU gets only E and LC), SW_INCR done here, a filtered event's counter
 * counting nothing.
 *
 * The overflow line is PMCR.E && (PMOVS & PMCNTEN & PMINTEN), driven into
 * the in-keel vGIC's the guest's PMU state (v->arch.pmu.g).irq (else the host reads it from the guest's PMU state (v->arch.pmu.g)). The
 * CPU's own overflow interrupt would fire again at every entry while the
 * guest has not cleared its flag, so the CPU's PMINTEN leaves out the
 * counters that overflowed already: the line stays the vGIC's business.
 */
#include <arch/arm64.h>
#include <arch/pmu.h>
#include <arch/sysreg.h>
#include <arch/vgic.h>
#include <hv/arch/mm.h>
#include <hv/arch/vm.h>
#include <hv/errno.h>
#include <hv/memcache.h>
#include <hv/string.h>
#include <hv/vcpu.h>
#include <hv/vm.h>

#define PMCR_E (1UL << 0)
#define PMCR_P (1UL << 1)
#define PMCR_C (1UL << 2)
#define PMCR_LC (1UL << 6)
#define PMCR_WRITABLE 0xffUL
#define PMCR_N(pmcr) (((pmcr) >> 11) & 0x1f)
#define EVTYPE_MASK 0xc800ffffUL /* P, U, NSH, evtCount: what KVM keeps */
#define EVTYPE_P (1UL << 31)
#define EVTYPE_U (1UL << 30)
#define EVTYPE_NSH (1UL << 27)
#define USERENR_EN (1UL << 0)
#define USERENR_SW (1UL << 1)
#define USERENR_CR (1UL << 2)
#define USERENR_ER (1UL << 3)
#define USERENR_MASK 0xfUL
#define CYCLE_IDX 31
#define EV_SW_INCR 0x00
#define EV_CPU_CYCLES 0x11
#define EV_CHAIN 0x1e
#define MDCR_HPMD (1UL << 17)

static bool has_pmu(const struct vcpu *v) { return v->arch.ctx.in_flags & KEEL_IN_PMU; }
static unsigned nr_counters(const struct keel_pmu_state *p) { return (unsigned)PMCR_N(p->pmcr); }
static uint64_t valid_mask(const struct keel_pmu_state *p)
{
	unsigned n = nr_counters(p);

	return (n ? (1UL << n) - 1 : 0) | (1UL << CYCLE_IDX);
}
static bool counts(const struct keel_pmu_state *p) { return (p->pmcr & PMCR_E) && (p->cnten & valid_mask(p)); }

/* The event a type counts as the VM's filter allows it: the type the CPU gets (counting nothing if denied). */
static uint64_t hw_type(const struct vm *vm, uint64_t type, unsigned event)
{
	type &= EVTYPE_MASK & ~EVTYPE_NSH;
	if (event != EV_SW_INCR && event != EV_CHAIN && !pmu_filter_allows(&vm->arch.pmu, event))
		type |= EVTYPE_P | EVTYPE_U; /* neither EL1 nor EL0, and EL2 never */
	return type;
}
static unsigned event_of(const struct vm *vm, uint64_t type)
{
	return (unsigned)(type & (vm->arch.pmu.nr_events == 1024 ? 0x3ff : 0xffff)); /* no filter: all 16 bits */
}

/* One counter's registers in the CPU, through PMSELR_EL0 (whose value is the owner's, saved with the rest). */
static uint64_t hw_evcntr(unsigned i)
{
	write_sysreg(i, pmselr_el0);
	isb();
	return read_sysreg(pmxevcntr_el0);
}
static void hw_set_evcntr(unsigned i, uint64_t val)
{
	write_sysreg(i, pmselr_el0);
	isb();
	write_sysreg(val, pmxevcntr_el0);
}
static void hw_set_evtyper(unsigned i, uint64_t val)
{
	write_sysreg(i, pmselr_el0);
	isb();
	write_sysreg(val, pmxevtyper_el0);
}

static void regs_save(struct pmu_regs *r, unsigned n)
{
	r->pmcr = read_sysreg(pmcr_el0);
	write_sysreg(r->pmcr & ~PMCR_E, pmcr_el0); /* stop before reading the counters */
	isb();
	r->selr = read_sysreg(pmselr_el0);
	r->cnten = read_sysreg(pmcntenset_el0);
	r->inten = read_sysreg(pmintenset_el1);
	r->ovs = read_sysreg(pmovsset_el0);
	r->ccntr = read_sysreg(pmccntr_el0);
	r->ccfiltr = read_sysreg(pmccfiltr_el0);
	for (unsigned i = 0; i < n; i++) {
		r->evcntr[i] = hw_evcntr(i);
		r->evtyper[i] = read_sysreg(pmxevtyper_el0);
	}
}

static void regs_load(const struct pmu_regs *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		hw_set_evtyper(i, r->evtyper[i]);
		write_sysreg(r->evcntr[i], pmxevcntr_el0);
	}
	write_sysreg(r->ccfiltr, pmccfiltr_el0);
	write_sysreg(r->ccntr, pmccntr_el0);
	write_sysreg(~0UL, pmcntenclr_el0);
	write_sysreg(r->cnten, pmcntenset_el0);
	write_sysreg(~0UL, pmintenclr_el1);
	write_sysreg(r->inten, pmintenset_el1);
	write_sysreg(~0UL, pmovsclr_el0);
	write_sysreg(r->ovs, pmovsset_el0);
	write_sysreg(r->selr, pmselr_el0);
	isb();
	write_sysreg(r->pmcr, pmcr_el0);
	isb();
}

/* The CPU's PMINTEN for the guest: what it enabled, less what overflowed already (the vGIC has that line). */
static void hw_inten(const struct keel_pmu_state *p)
{
	write_sysreg(~(p->inten & ~p->ovs), pmintenclr_el1);
	write_sysreg(p->inten & ~p->ovs, pmintenset_el1);
}

/* The guest starts counting: the host's registers out, the guest's in. */
static void load(struct vcpu *v)
{
	struct keel_pmu_state *p = v->arch.pmu.g;
	struct pmu_regs g;
	unsigned n = nr_counters(p);

	regs_save(v->arch.pmu.host, n);
	for (unsigned i = 0; i < n; i++) {
		g.evtyper[i] = hw_type(v->vm, p->evtyper[i], event_of(v->vm, p->evtyper[i]));
		g.evcntr[i] = (uint32_t)p->evcntr[i];
	}
	g.ccfiltr = hw_type(v->vm, p->ccfiltr, EV_CPU_CYCLES);
	g.ccntr = p->ccntr;
	g.cnten = p->cnten & valid_mask(p);
	g.inten = p->inten & ~p->ovs & valid_mask(p);
	g.ovs = p->ovs & valid_mask(p);
	g.selr = 0;
	g.pmcr = p->pmcr & (PMCR_E | PMCR_LC);
	regs_load(&g, n);
	v->arch.pmu.loaded = true;
	v->arch.pmu.written = true;
}

/* The counters back to the guest's PMU state (v->arch.pmu.g) (they are stopped), the host's registers in again. */
static void unload(struct vcpu *v)
{
	struct keel_pmu_state *p = v->arch.pmu.g;
	unsigned n = nr_counters(p);

	write_sysreg(0, pmcr_el0);
	isb();
	for (unsigned i = 0; i < n; i++)
		p->evcntr[i] = (uint32_t)hw_evcntr(i);
	p->ccntr = read_sysreg(pmccntr_el0);
	p->ovs = read_sysreg(pmovsset_el0) & valid_mask(p);
	regs_load(v->arch.pmu.host, n);
	v->arch.pmu.loaded = false;
	v->arch.pmu.written = true;
}

/* The overflow line (kvm_pmu_overflow_status) into the vGIC, when it changed. Returns vCPUs to kick (an SPI's). */
static void update_line(struct vcpu *v, uint64_t *kick)
{
	const struct keel_pmu_state *p = v->arch.pmu.g;
	struct vgic *d = &v->vm->arch.vgic;
	bool level = (p->pmcr & PMCR_E) && (p->ovs & p->cnten & p->inten & valid_mask(p));

	if (level == v->arch.pmu.level || !d->ready || !p->irq)
		return;
	v->arch.pmu.level = level;
	spin_lock(&d->lock);
	vgic_set_line_locked(v->vm, v, (unsigned)p->irq, level, kick);
	spin_unlock(&d->lock);
}

/* After a change to what counts: in or out of the CPU, the CPU's PMCR and PMINTEN, the line. */
static void changed(struct vcpu *v, uint64_t *kick)
{
	struct keel_pmu_state *p = v->arch.pmu.g;

	if (counts(p) != v->arch.pmu.loaded) {
		if (v->arch.pmu.loaded)
			unload(v);
		else
			load(v);
	} else if (v->arch.pmu.loaded) {
		write_sysreg(p->pmcr & (PMCR_E | PMCR_LC), pmcr_el0);
		write_sysreg(~(p->cnten & valid_mask(p)), pmcntenclr_el0);
		write_sysreg(p->cnten & valid_mask(p), pmcntenset_el0);
		hw_inten(p);
		isb();
	}
	update_line(v, kick);
}

void pmu_enter(struct vcpu *v)
{
	uint64_t kick[KEEL_MAX_VCPUS / 64] = { 0 };

	v->arch.pmu.host_userenr = read_sysreg(pmuserenr_el0);
	write_sysreg(USERENR_MASK, pmuserenr_el0); /* every EL0 access reaches MDCR_EL2.TPM */
	changed(v, kick);
}

uint64_t pmu_mdcr(void)
{
	unsigned ver = arm64_id_field(read_sysreg(ID_AA64DFR0_EL1), 8);

	return ver >= 4 && ver != 0xf ? MDCR_HPMD : 0; /* PMUv3p1: its counters stop at EL2 */
}

void pmu_exit(struct vcpu *v)
{
	if (v->arch.pmu.loaded)
		unload(v);
	update_line(v, NULL);
	write_sysreg(v->arch.pmu.host_userenr, pmuserenr_el0);
}

void pmu_irq(struct vcpu *v)
{
	struct keel_pmu_state *p = v->arch.pmu.g;

	p->ovs = read_sysreg(pmovsset_el0) & valid_mask(p);
	v->arch.pmu.written = true;
	hw_inten(p);
	isb();
	update_line(v, NULL);
}

/* SW_INCR (KVM's kvm_pmu_software_increment): counters of that event, enabled, one up; a wrap overflows. */
static void sw_incr(struct vcpu *v, uint64_t val)
{
	struct keel_pmu_state *p = v->arch.pmu.g;
	unsigned n = nr_counters(p);

	if (!(p->pmcr & PMCR_E))
		return;
	val &= p->cnten;
	for (unsigned i = 0; i < n; i++) {
		uint64_t c;

		if (!(val & (1UL << i)) || event_of(v->vm, p->evtyper[i]) != EV_SW_INCR)
			continue;
		c = (uint32_t)((v->arch.pmu.loaded ? hw_evcntr(i) : p->evcntr[i]) + 1);
		p->evcntr[i] = c;
		if (v->arch.pmu.loaded)
			hw_set_evcntr(i, c);
		if (!c)
			p->ovs |= 1UL << i;
	}
	if (v->arch.pmu.loaded && p->ovs)
		write_sysreg(p->ovs, pmovsset_el0);
}

/* A counter's value (idx 31: the cycle counter), live if the guest counts. */
static uint64_t counter_get(struct vcpu *v, unsigned idx)
{
	struct keel_pmu_state *p = v->arch.pmu.g;

	if (idx == CYCLE_IDX)
		return v->arch.pmu.loaded ? read_sysreg(pmccntr_el0) : p->ccntr;
	return (uint32_t)(v->arch.pmu.loaded ? hw_evcntr(idx) : p->evcntr[idx]);
}
static void counter_set(struct vcpu *v, unsigned idx, uint64_t val)
{
	struct keel_pmu_state *p = v->arch.pmu.g;

	if (idx == CYCLE_IDX) {
		p->ccntr = val;
		if (v->arch.pmu.loaded)
			write_sysreg(val, pmccntr_el0);
	} else {
		p->evcntr[idx] = (uint32_t)val;
		if (v->arch.pmu.loaded)
			hw_set_evcntr(idx, (uint32_t)val);
	}
}
static void type_set(struct vcpu *v, unsigned idx, uint64_t val)
{
	struct keel_pmu_state *p = v->arch.pmu.g;

	val &= EVTYPE_MASK;
	if (idx == CYCLE_IDX) {
		p->ccfiltr = val;
		if (v->arch.pmu.loaded)
			write_sysreg(hw_type(v->vm, val, EV_CPU_CYCLES), pmccfiltr_el0);
	} else {
		p->evtyper[idx] = val;
		if (v->arch.pmu.loaded)
			hw_set_evtyper(idx, hw_type(v->vm, val, event_of(v->vm, val)));
	}
}

/* KVM's check_pmu_access_disabled(): from EL0 only with one of these PMUSERENR bits. */
static bool el0_denied(const struct vcpu *v, uint64_t bits)
{
	return (v->arch.ctx.pstate & PSR_MODE_MASK) == PSR_MODE_EL0t && !(v->arch.pmu.g->userenr & bits);
}

/* PMCR_EL0 (KVM's access_pmcr, kvm_pmu_handle_pmcr). */
static bool reg_pmcr(struct vcpu *v, bool read, uint64_t *val, uint64_t *kick)
{
	struct keel_pmu_state *p = v->arch.pmu.g;
	unsigned n = nr_counters(p);

	if (el0_denied(v, USERENR_EN))
		return false;
	if (read) {
		*val = p->pmcr & ~(PMCR_P | PMCR_C);
		return true;
	}
	/* P and C act and are not kept (kvm_pmu_handle_pmcr()). */
	p->pmcr = (p->pmcr & ~PMCR_WRITABLE) | (*val & PMCR_WRITABLE & ~(PMCR_P | PMCR_C));
	if (arm64_id_field(read_sysreg(ID_AA64PFR0_EL1), 0) == 1)
		p->pmcr |= PMCR_LC; /* no AArch32 EL0: the cycle counter is 64 bits */
	if (*val & PMCR_C)
		counter_set(v, CYCLE_IDX, 0);
	for (unsigned i = 0; (*val & PMCR_P) && i < n; i++)
		counter_set(v, i, 0);
	changed(v, kick);
	return true;
}

/* PMEVCNTRn, PMCCNTR, PMXEVCNTR (KVM's access_pmu_evcntr); PMEVTYPERn, PMCCFILTR, PMXEVTYPER. */
static bool reg_counter(struct vcpu *v, unsigned idx, bool type, bool read, uint64_t *val)
{
	struct keel_pmu_state *p = v->arch.pmu.g;

	if (idx != CYCLE_IDX && idx >= nr_counters(p))
		return false;
	if (type) {
		if (read)
			*val = (idx == CYCLE_IDX ? p->ccfiltr : p->evtyper[idx]) & EVTYPE_MASK;
		else
			type_set(v, idx, *val);
		return true;
	}
	if (!read && el0_denied(v, USERENR_EN))
		return false;
	if (read)
		*val = counter_get(v, idx);
	else
		counter_set(v, idx, *val);
	return true;
}

/* The set/clear pairs: PMCNTENSET/CLR, PMINTENSET/CLR, PMOVSSET/CLR. */
static bool reg_bits(struct vcpu *v, uint64_t *reg, bool set, bool read, uint64_t *val, uint64_t *kick)
{
	struct keel_pmu_state *p = v->arch.pmu.g;

	if (reg == &p->ovs && v->arch.pmu.loaded)
		p->ovs = read_sysreg(pmovsset_el0) & valid_mask(p);
	if (read) {
		*val = *reg;
		return true;
	}
	if (set)
		*reg |= *val & valid_mask(p);
	else
		*reg &= ~(*val & valid_mask(p));
	if (reg == &p->ovs && v->arch.pmu.loaded) {
		write_sysreg(~p->ovs, pmovsclr_el0);
		write_sysreg(p->ovs, pmovsset_el0);
	}
	changed(v, kick);
	return true;
}

static bool pmu_access(struct vcpu *v, unsigned op1, unsigned crn, unsigned crm, unsigned op2, bool read,
		       uint64_t *val, uint64_t *kick)
{
	struct keel_pmu_state *p = v->arch.pmu.g;

	if (crn == 14) /* PMEVCNTRn (CRm 8..11), PMEVTYPERn and PMCCFILTR (12..15) */
		return !el0_denied(v, crm < 12 ? USERENR_ER | USERENR_EN : USERENR_EN) &&
		       reg_counter(v, ((crm & 3) << 3) | op2, crm >= 12, read, val);
	if (op1 == 0) { /* PMINTENSET/CLR_EL1 (op2 1, 2): never from EL0 */
		if (op2 < 1 || op2 > 2 || el0_denied(v, 0))
			return false;
		return reg_bits(v, &p->inten, op2 == 1, read, val, kick);
	}
	switch (crm << 3 | op2) {
	case 12 << 3 | 0:
		return reg_pmcr(v, read, val, kick);
	case 12 << 3 | 1:
	case 12 << 3 | 2: /* PMCNTENSET, PMCNTENCLR */
		return !el0_denied(v, USERENR_EN) && reg_bits(v, &p->cnten, op2 == 1, read, val, kick);
	case 12 << 3 | 3:
	case 14 << 3 | 3: /* PMOVSCLR, PMOVSSET */
		return !el0_denied(v, USERENR_EN) && reg_bits(v, &p->ovs, crm == 14, read, val, kick);
	case 12 << 3 | 4: /* PMSWINC: write-only */
		if (read || el0_denied(v, USERENR_SW | USERENR_EN))
			return false;
		sw_incr(v, *val & valid_mask(p));
		changed(v, kick);
		return true;
	case 12 << 3 | 5: /* PMSELR */
		if (el0_denied(v, USERENR_ER | USERENR_EN))
			return false;
		if (read)
			*val = p->selr & CYCLE_IDX;
		else
			p->selr = *val;
		return true;
	case 12 << 3 | 6:
	case 12 << 3 | 7: /* PMCEID0/1: read-only */
		if (!read || el0_denied(v, USERENR_EN))
			return false;
		*val = p->pmceid[op2 & 1];
		return true;
	case 13 << 3 | 0: /* PMCCNTR */
		return !el0_denied(v, USERENR_CR | USERENR_EN) && reg_counter(v, CYCLE_IDX, false, read, val);
	case 13 << 3 | 1: /* PMXEVTYPER */
		return !el0_denied(v, USERENR_EN) && reg_counter(v, p->selr & CYCLE_IDX, true, read, val);
	case 13 << 3 | 2: /* PMXEVCNTR */
		return !el0_denied(v, USERENR_ER | USERENR_EN) &&
		       reg_counter(v, p->selr & CYCLE_IDX, false, read, val);
	case 14 << 3 | 0: /* PMUSERENR: written from EL1 only */
		if (read)
			*val = p->userenr & USERENR_MASK;
		else if (el0_denied(v, 0))
			return false;
		else
			p->userenr = *val & USERENR_MASK;
		return true;
	}
	return false;
}

bool pmu_sysreg(struct vcpu *v, unsigned op1, unsigned crn, unsigned crm, unsigned op2, bool read, uint64_t *val,
		unsigned *exit)
{
	uint64_t kick[KEEL_MAX_VCPUS / 64] = { 0 }, any = 0;
	unsigned i;

	if (!has_pmu(v))
		return false;
	v->arch.pmu.written = true;
	if (!pmu_access(v, op1, crn, crm, op2, read, val, kick))
		return false;
	kick[v->index / 64] &= ~(1UL << (v->index % 64));
	for (i = 0; i < KEEL_MAX_VCPUS / 64; i++)
		any |= kick[i];
	if (any && vgic_kick_filter(v->vm, kick)) { /* an SPI's line went up for another vCPU */
		for (i = 0; i < KEEL_MAX_VCPUS / 64; i++)
			v->arch.ctx.exit.kick[i] = kick[i];
		v->arch.exit_set |= VCPU_EXIT_KICK;
		*exit = KEEL_EXIT_KICK;
	}
	return true;
}

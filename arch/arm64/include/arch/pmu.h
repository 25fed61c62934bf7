/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest's PMUv3 (pmu.c): the CPU's counters lent to a vCPU with
 * KEEL_IN_PMU while it counts, every access trapped (MDCR_EL2.TPM/TPMCR)
 * and answered from the guest's state or the CPU, the overflow line driven into the
 * vGIC. KVM 6.1's arch/arm64/kvm/pmu-emul.c and sys_regs.c say what the
 * guest sees; keel counts with the hardware instead of perf events.
 */
#ifndef ARCH_ARM64_PMU_H
#define ARCH_ARM64_PMU_H

#include <hv/types.h>
#include <keel/abi.h>

/* The registers one owner of the PMU has in the CPU (the host's, while a guest counts). */
struct pmu_regs {
	uint64_t pmcr, cnten, inten, ovs, selr, userenr, ccntr, ccfiltr;
	uint64_t evcntr[KEEL_PMU_MAX_COUNTERS], evtyper[KEEL_PMU_MAX_COUNTERS];
};

/* A vCPU's PMU during a run (struct vcpu_arch). */
struct pmu_run {
	bool loaded;           /* its counters are in the CPU (it counts: PMCR.E and a counter enabled) */
	bool level;            /* its overflow line as last driven into the vGIC */
	bool written;          /* its state changed in this run (accesses, counting): back to the host's page */
	uint64_t host_userenr; /* the host's PMUSERENR_EL0 (the guest's EL0 accesses must reach EL2) */
	struct pmu_regs *host; /* the host's registers while loaded (in the vCPU's extra page) */
	struct keel_pmu_state *g; /* keel's copy of the guest's (KEEL_IN_PMU; in the extra page too) */
};

/* A VM's event filter (KEEL_PMU_FILTER; struct vm_arch): nr_events bits, set = allowed. */
struct pmu_filter {
	uint64_t *page[2];  /* NULL: no filter; else 1 or 2 pages of the VM's memcache, 32768 events each */
	uint32_t nr_events; /* 1024 or 65536 */
	bool ran;           /* a vCPU of the VM has run: the filter is fixed */
};

struct vcpu;
struct vm;
struct memcache;
/*
 * Around a run (guest.c), for a vCPU with KEEL_IN_PMU: the guest's counters
 * in if it counts, the line driven; back out at the end. pmu_irq: a physical
 * interrupt while its counters are in the CPU (pmu_run.loaded): its overflow
 * seen (and masked in the CPU) before the host's interrupt is looked for.
 */
void pmu_enter(struct vcpu *v);
void pmu_exit(struct vcpu *v);
void pmu_irq(struct vcpu *v);
/* A trapped PMU register access (op0 = 3); false: undefined for the guest. */
bool pmu_sysreg(struct vcpu *v, unsigned op1, unsigned crn, unsigned crm, unsigned op2, bool read, uint64_t *val,
		unsigned *exit);
/* MDCR_EL2 bits a run of a vCPU with a PMU adds (HPMD on a PMUv3p1 CPU). */
uint64_t pmu_mdcr(void);
/* Is op0=3 op1 CRn CRm an encoding of the PMU's registers? */
static inline bool pmu_encoding(unsigned op1, unsigned crn, unsigned crm)
{
	return (crn == 9 && crm >= 12 && (op1 == 3 || (op1 == 0 && crm == 14))) || (crn == 14 && op1 == 3 && crm >= 8);
}
/* pmu_filter.c: does the VM's filter let the event count (no filter: all do)? A VM's filter pages back. */
bool pmu_filter_allows(const struct pmu_filter *f, uint64_t event);
void pmu_vm_fini(struct vm *vm, struct memcache *mc);

#endif

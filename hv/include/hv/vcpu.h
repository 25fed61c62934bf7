/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest vCPUs: up to KEEL_MAX_VCPUS per VM, each in one page of its VM's
 * memcache (plus what the arch takes besides, arch_vcpu_extra_pages), freed
 * with the VM. The guest state lives in the host's context pages (struct
 * keel_vcpu_ctx of <keel/abi_arch.h>); the arch copies what it needs into
 * the vCPU (struct vcpu_arch, embedded) for a run, so the host cannot change
 * it under keel's feet, and copies back at the exit what the run changed.
 *
 * Power state (ON/OFF, pending PSCI CPU_ON) is keel's because guest PSCI
 * changes it without the host; the host reads and sets it with
 * KEEL_HC_VCPU_POWER. vm->lock protects the vm->vcpus table and the fields
 * marked below; the CPU that set v->running owns v->ctx until it clears it.
 */
#ifndef HV_VCPU_H
#define HV_VCPU_H

#include <arch/vcpu.h>
#include <hv/types.h>
#include <keel/abi.h>

struct vm;

struct vcpu_stat {
	uint64_t exits, mmio, wfi, irq, hvc, sysreg;
};

/* keel's counters into an arch context's stat record (every arch's has these fields): arch_vcpu_store(). */
#define VCPU_STAT_STORE(out, st)                                                                       \
	do {                                                                                           \
		(out).exits = (st).exits, (out).mmio = (st).mmio, (out).wfi = (st).wfi;                \
		(out).irq = (st).irq, (out).hvc = (st).hvc, (out).sysreg = (st).sysreg;                \
	} while (0)

struct vcpu {
	struct vm *vm;
	unsigned index;
	uint64_t ctx_pa;         /* the host's context pages, lent to keel (host_share_hyp) while the vCPU lives */
	/* Under vm->lock (running: set under it, cleared lock-free by the CPU that ran it, vcpu_running()): */
	bool running;            /* a CPU runs it (that CPU owns ctx and stat) */
	unsigned run_cpu;
	uint32_t power;          /* KEEL_POWER_ON / KEEL_POWER_OFF; read lock-free by its running CPU */
	bool on_pending;         /* a guest's power-on call not yet applied: reset at the next run */
	struct vcpu_boot on_boot; /* ... how (arch/vcpu.h) */
	/* Owned by the running CPU: */
	struct vcpu_stat stat;
	struct vcpu_arch arch;
};

_Static_assert(sizeof(struct vcpu) <= PAGE_SIZE, "a vCPU is one page of its VM's memcache");

/*
 * Create vCPU index of the VM named by handle, powered on, with its context
 * in the host page at ctx_pa (lent to keel until the VM goes): -EINVAL bad
 * handle/index, -ENOENT no such VM, -EEXIST index taken, -EFAULT ctx_pa not
 * a page the host owns alone, -ENOMEM the VM's memcache is empty (*need = 1).
 */
int vcpu_create(uint64_t handle, uint64_t index, uint64_t ctx_pa, uint64_t *need);
/*
 * Run the vCPU on the calling CPU (keel's index cpu) with the guest state
 * in the host page at ctx_pa; *exit = enum keel_exit. -EBUSY runs on another
 * CPU, -ENODEV cpu not guest-enabled, -EINVAL page or state, -ENOENT no such
 * vCPU (or VM), -EINVAL bad handle.
 */
int vcpu_run(uint64_t handle, uint64_t index, uint64_t ctx_pa, unsigned cpu, uint64_t *exit);
/* KEEL_HC_VCPU_SYNC: what the last brief exit left in keel into the page at ctx_pa; errors as vcpu_run. */
int vcpu_sync(uint64_t handle, uint64_t index, uint64_t ctx_pa);
/* enum keel_power op on the vCPU; *state = the state after it. */
int vcpu_power(uint64_t handle, uint64_t index, uint64_t op, uint64_t ctx_pa, uint64_t *state);

/*
 * Does v run right now? Under vm->lock a false answer holds (only a run
 * call sets it, under the lock), and what the run stored is seen (the CPU
 * that ran v clears it last, with release).
 */
static inline bool vcpu_running(const struct vcpu *v) { return __atomic_load_n(&v->running, __ATOMIC_ACQUIRE); }

/* Free every vCPU of vm (caller holds vm->lock; none may be running). */
void vcpu_destroy_all_locked(struct vm *vm);
/* Does a vCPU of vm run right now (caller holds vm->lock)? */
bool vcpu_any_running_locked(const struct vm *vm);

/*
 * Guest power management, called by the arch while v runs (arm64: its PSCI).
 * vCPUs are named by their hardware id (arch_vcpu_hw_id: arm64 MPIDR):
 * vcpu_cpu_on: switch on the vCPU whose id is hw_id, to start as boot says
 *   at its next run: -ENOENT no such vCPU, -EALREADY it is on. *target = its
 *   index.
 * vcpu_affinity_on: is any vCPU with (id & mask) == (aff & mask) on?
 * vcpu_off: v is off (it exits KEEL_EXIT_POWER_OFF).
 * vcpu_all_off: every vCPU of v's VM is off (system off / reset).
 */
int vcpu_cpu_on(struct vcpu *v, uint64_t hw_id, const struct vcpu_boot *boot, unsigned *target);
bool vcpu_affinity_on(struct vcpu *v, uint64_t aff, uint64_t mask);
void vcpu_off(struct vcpu *v);
void vcpu_all_off(struct vcpu *v);
/*
 * Lock-free, by v's running CPU after a trap keel handled itself: must v go
 * back to the host? KEEL_EXIT_POWER_OFF if it was switched off meanwhile
 * (another vCPU's PSCI, the host's VCPU_POWER); KEEL_EXIT_IRQ if a CPU_ON
 * is pending for it (applied at the next run); 0 to carry on.
 */
static inline unsigned vcpu_must_stop(const struct vcpu *v)
{
	if (__atomic_load_n(&v->power, __ATOMIC_RELAXED) != KEEL_POWER_ON)
		return KEEL_EXIT_POWER_OFF;
	return __atomic_load_n(&v->on_pending, __ATOMIC_RELAXED) ? KEEL_EXIT_IRQ : 0;
}

#endif

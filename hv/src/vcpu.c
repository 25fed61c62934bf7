// SPDX-License-Identifier: GPL-2.0
/*
 * Guest vCPU objects: creation, power state, and the run call around the
 * arch's world switch. Locking and ownership: hv/vcpu.h.
 */
#include <hv/arch/vm.h>
#include <hv/errno.h>
#include <hv/owner.h>
#include <hv/page_alloc.h>
#include <hv/printf.h>
#include <hv/string.h>
#include <hv/vcpu.h>
#include <hv/vm.h>

_Static_assert(KEEL_MAX_VCPUS < 65535, "last_vcpu_ran holds index + 1 in 16 bits");

/* MPIDR affinity fields (Aff3..Aff0), what PSCI calls name a CPU by. */
#define MPIDR_AFF_MASK 0xff00ffffffULL

int vcpu_create(uint64_t handle, uint64_t index, uint64_t ctx_pa, uint64_t *need)
{
	struct vm *vm;
	struct vcpu *v;
	int ret;

	*need = 0;
	if (index >= KEEL_MAX_VCPUS)
		return -EINVAL;
	ret = vm_lock_by_handle(handle, &vm);
	if (ret)
		return ret;
	if (vm->vcpus[index]) {
		ret = -EEXIST;
	} else if (host_share_hyp(pa_init(ctx_pa))) {
		/* keel writes the page at every exit: the host may not donate it or map it into a guest. */
		ret = -EFAULT;
	} else if (!vm->mc.nr) {
		HV_ASSERT(!host_unshare_hyp(pa_init(ctx_pa)));
		*need = 1;
		ret = -ENOMEM;
	} else {
		v = memcache_pop(&vm->mc);
		arch_zero_pages(v, PAGE_SIZE);
		v->vm = vm;
		v->index = (unsigned)index;
		v->power = KEEL_POWER_ON;
		v->ctx_pa = ctx_pa;
		vm->vcpus[index] = v;
		vm->nr_vcpus++;
	}
	spin_unlock(&vm->lock);
	return ret;
}

void vcpu_destroy_all_locked(struct vm *vm)
{
	for (unsigned i = 0; i < KEEL_MAX_VCPUS; i++) {
		struct vcpu *v = vm->vcpus[i];

		if (!v)
			continue;
		HV_ASSERT(!v->running && vm->nr_vcpus > 0);
		HV_ASSERT(!host_unshare_hyp(pa_init(v->ctx_pa)));
		vm->vcpus[i] = NULL;
		vm->nr_vcpus--;
		memcache_push(&vm->mc, v);
	}
	HV_ASSERT(!vm->nr_vcpus);
}

bool vcpu_any_running_locked(const struct vm *vm)
{
	for (unsigned i = 0; i < KEEL_MAX_VCPUS; i++)
		if (vm->vcpus[i] && vm->vcpus[i]->running)
			return true;
	return false;
}

#define CTX_OFF(field) __builtin_offsetof(struct keel_vcpu_ctx, field)

/*
 * The host's page into keel's copy: everything before the exit record
 * (which starts zeroed), and the ID and debug registers unless the host says
 * they are as at this vCPU's last run (KEEL_IN_CONFIG_KEPT). A context copy
 * is most of an exit's cost, so only what is needed crosses.
 */
static void ctx_copy_in(struct vcpu *v, const struct keel_vcpu_ctx *h)
{
	struct keel_vcpu_ctx *k = &v->ctx;
	bool keep = v->config_valid && (h->in_flags & KEEL_IN_CONFIG_KEPT);

	if (keep) {
		memcpy(k, h, CTX_OFF(id_regs));
		memcpy(&k->cntv_ctl, &h->cntv_ctl, CTX_OFF(exit) - CTX_OFF(cntv_ctl));
	} else {
		memcpy(k, h, CTX_OFF(exit));
		memcpy(k->dbg, h->dbg, sizeof(k->dbg));
		v->config_valid = true;
	}
	memset(&k->exit, 0, sizeof(k->exit));
	v->dbg_written = false;
}

/* What a run may change back to the host's page (never the ID registers, the counter offset, the PSCI version). */
static void ctx_copy_out(struct keel_vcpu_ctx *h, const struct vcpu *v)
{
	const struct keel_vcpu_ctx *k = &v->ctx;

	memcpy(h, k, CTX_OFF(id_regs));
	h->cntv_ctl = k->cntv_ctl;
	h->cntv_cval = k->cntv_cval;
	h->cntp_ctl = k->cntp_ctl;
	h->cntp_cval = k->cntp_cval;
	h->in_flags = k->in_flags;
	memcpy(&h->exit, &k->exit, CTX_OFF(dbg) - CTX_OFF(exit)); /* exit and stat */
	if (v->dbg_written)
		memcpy(h->dbg, k->dbg, sizeof(h->dbg));
}

static void set_power_locked(struct vcpu *v, uint32_t power)
{
	__atomic_store_n(&v->power, power, __ATOMIC_RELAXED);
	v->on_pending = false;
}

int vcpu_run(uint64_t handle, uint64_t index, uint64_t ctx_pa, unsigned cpu, uint64_t *exit)
{
	struct keel_vcpu_ctx *host_ctx = pa_to_ptr(pa_init(ctx_pa));
	bool pending, big_endian, flush;
	uint64_t entry, context;
	uint32_t power;
	struct vm *vm;
	struct vcpu *v;
	int ret;

	if (index >= KEEL_MAX_VCPUS)
		return -EINVAL;
	/* Enabling is per calling CPU, so this cannot change under us. */
	if (cpu >= HV_MAX_CPUS || !(vm_cpus_enabled() & BIT(cpu)))
		return -ENODEV;
	ret = vm_lock_by_handle(handle, &vm);
	if (ret)
		return ret;
	v = vm->vcpus[index];
	if (!v || v->running || ctx_pa != v->ctx_pa) {
		spin_unlock(&vm->lock);
		return !v ? -ENOENT : v->running ? -EBUSY : -EINVAL;
	}
	v->running = true;
	v->run_cpu = cpu;
	power = v->power;
	flush = vm->last_vcpu_ran[cpu] && vm->last_vcpu_ran[cpu] != index + 1;
	if (power == KEEL_POWER_ON)
		vm->last_vcpu_ran[cpu] = (uint16_t)(index + 1);
	pending = v->on_pending;
	entry = v->on_entry;
	context = v->on_context;
	big_endian = v->on_big_endian;
	v->on_pending = false;
	spin_unlock(&vm->lock);

	/* From here on, only this CPU touches v->ctx: the host's page may change, keel's copy does not. */
	ctx_copy_in(v, host_ctx);
	if (power != KEEL_POWER_ON) {
		v->ctx.exit.reason = KEEL_EXIT_POWER_OFF;
		ret = KEEL_EXIT_POWER_OFF;
	} else {
		if (pending)
			arch_vcpu_ctx_reset(&v->ctx, entry, context, big_endian);
		ret = arch_vcpu_ctx_check(&v->ctx);
		if (!ret)
			ret = arch_vcpu_run(v, flush);
	}
	if (ret > 0) {
		v->stat.exits++;
		v->ctx.exit.reason = (uint64_t)ret;
		v->ctx.stat.exits = v->stat.exits;
		v->ctx.stat.mmio = v->stat.mmio;
		v->ctx.stat.wfi = v->stat.wfi;
		v->ctx.stat.irq = v->stat.irq;
		v->ctx.stat.hvc = v->stat.hvc;
		v->ctx.stat.sysreg = v->stat.sysreg;
		memset(v->ctx.stat.reserved, 0, sizeof(v->ctx.stat.reserved));
		ctx_copy_out(host_ctx, v);
		*exit = (uint64_t)ret;
		ret = 0;
	}

	spin_lock(&vm->lock);
	/* Refused before running: a CPU_ON taken at this entry is not lost (unless the host set the power since). */
	if (ret && pending && v->power == KEEL_POWER_ON && !v->on_pending)
		v->on_pending = true;
	v->running = false;
	spin_unlock(&vm->lock);
	return ret;
}

int vcpu_power(uint64_t handle, uint64_t index, uint64_t op, uint64_t ctx_pa, uint64_t *state)
{
	struct vm *vm;
	struct vcpu *v;
	int ret = 0;

	if (index >= KEEL_MAX_VCPUS || op > KEEL_POWER_TAKE_RESET)
		return -EINVAL;
	if (op != KEEL_POWER_TAKE_RESET && ctx_pa)
		return -EINVAL;
	ret = vm_lock_by_handle(handle, &vm);
	if (ret)
		return ret;
	v = vm->vcpus[index];
	if (!v) {
		ret = -ENOENT;
	} else if (op == KEEL_POWER_TAKE_RESET) {
		/* The host's copy of the state gets the CPU_ON reset now, as KVM applies a pending reset. */
		if (ctx_pa != v->ctx_pa) {
			ret = -EINVAL;
		} else if (v->running) {
			ret = -EBUSY;
		} else if (v->on_pending) {
			arch_vcpu_ctx_reset(pa_to_ptr(pa_init(ctx_pa)), v->on_entry, v->on_context, v->on_big_endian);
			v->on_pending = false;
		}
	} else if (op != KEEL_POWER_QUERY) {
		set_power_locked(v, (uint32_t)op);
	}
	if (v)
		*state = v->power;
	spin_unlock(&vm->lock);
	return ret;
}

static uint64_t mpidr_of(unsigned index) { return KEEL_VCPU_MPIDR(index) & MPIDR_AFF_MASK; }

int vcpu_cpu_on(struct vcpu *v, uint64_t mpidr, uint64_t entry, uint64_t context, bool big_endian,
		unsigned *target)
{
	struct vm *vm = v->vm;
	int ret = -ENOENT;

	spin_lock(&vm->lock);
	for (unsigned i = 0; i < KEEL_MAX_VCPUS; i++) {
		struct vcpu *t = vm->vcpus[i];

		if (!t || mpidr_of(i) != mpidr)
			continue;
		if (t->power == KEEL_POWER_ON) {
			ret = -EALREADY;
		} else {
			__atomic_store_n(&t->power, KEEL_POWER_ON, __ATOMIC_RELAXED);
			t->on_pending = true;
			t->on_entry = entry;
			t->on_context = context;
			t->on_big_endian = big_endian;
			*target = i;
			ret = 0;
		}
		break;
	}
	spin_unlock(&vm->lock);
	return ret;
}

bool vcpu_affinity_on(struct vcpu *v, uint64_t aff, uint64_t mask)
{
	struct vm *vm = v->vm;
	bool on = false;

	spin_lock(&vm->lock);
	for (unsigned i = 0; i < KEEL_MAX_VCPUS && !on; i++)
		on = vm->vcpus[i] && (mpidr_of(i) & mask) == (aff & mask) &&
		     vm->vcpus[i]->power == KEEL_POWER_ON;
	spin_unlock(&vm->lock);
	return on;
}

void vcpu_off(struct vcpu *v)
{
	spin_lock(&v->vm->lock);
	set_power_locked(v, KEEL_POWER_OFF);
	spin_unlock(&v->vm->lock);
}

void vcpu_all_off(struct vcpu *v)
{
	struct vm *vm = v->vm;

	spin_lock(&vm->lock);
	for (unsigned i = 0; i < KEEL_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			set_power_locked(vm->vcpus[i], KEEL_POWER_OFF);
	spin_unlock(&vm->lock);
}

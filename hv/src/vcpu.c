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

/* Lend (share) or take back the host's context pages of a vCPU: -EFAULT if a page cannot be lent. */
static int ctx_lend(uint64_t ctx_pa)
{
	unsigned i;

	for (i = 0; i < KEEL_VCPU_CTX_PAGES; i++)
		if (host_share_hyp(pa_init(ctx_pa + i * PAGE_SIZE)))
			break;
	if (i == KEEL_VCPU_CTX_PAGES)
		return 0;
	while (i--)
		HV_ASSERT(!host_unshare_hyp(pa_init(ctx_pa + i * PAGE_SIZE)));
	return -EFAULT;
}

static void ctx_take_back(uint64_t ctx_pa)
{
	for (unsigned i = 0; i < KEEL_VCPU_CTX_PAGES; i++)
		HV_ASSERT(!host_unshare_hyp(pa_init(ctx_pa + i * PAGE_SIZE)));
}

/* The VM of a vCPU call, locked: -EINVAL index out of range, else vm_lock_by_handle()'s errors. */
static int vm_lock_for_vcpu(uint64_t handle, uint64_t index, struct vm **vm)
{
	if (index >= KEEL_MAX_VCPUS)
		return -EINVAL;
	return vm_lock_by_handle(handle, vm);
}

int vcpu_create(uint64_t handle, uint64_t index, uint64_t ctx_pa, uint64_t *need)
{
	struct vm *vm;
	struct vcpu *v;
	int ret;

	*need = 0;
	ret = vm_lock_for_vcpu(handle, index, &vm);
	if (ret)
		return ret;
	if (vm->vcpus[index]) {
		ret = -EEXIST;
	} else if (arch_vm_vcpus_fixed(vm)) {
		ret = -EBUSY; /* the interrupt controller is sized for the vCPUs there are */
	} else if (ctx_lend(ctx_pa)) {
		/* keel writes the pages at every exit: the host may not donate them or map them into a guest. */
		ret = -EFAULT;
	} else if (vm->mc.nr < 1 + arch_vcpu_extra_pages()) {
		ctx_take_back(ctx_pa);
		*need = 1 + arch_vcpu_extra_pages() - vm->mc.nr;
		ret = -ENOMEM;
	} else {
		v = memcache_pop(&vm->mc);
		arch_zero_pages(v, PAGE_SIZE);
		v->vm = vm;
		v->index = (unsigned)index;
		v->power = KEEL_POWER_ON;
		v->ctx_pa = ctx_pa;
		arch_vcpu_init(v, &vm->mc);
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
		HV_ASSERT(!vcpu_running(v) && vm->nr_vcpus > 0);
		ctx_take_back(v->ctx_pa);
		vm->vcpus[i] = NULL;
		vm->nr_vcpus--;
		arch_vcpu_fini(v, &vm->mc);
		memcache_push(&vm->mc, v);
	}
	HV_ASSERT(!vm->nr_vcpus);
}

bool vcpu_any_running_locked(const struct vm *vm)
{
	for (unsigned i = 0; i < KEEL_MAX_VCPUS; i++)
		if (vm->vcpus[i] && vcpu_running(vm->vcpus[i]))
			return true;
	return false;
}

static void set_power_locked(struct vcpu *v, uint32_t power)
{
	__atomic_store_n(&v->power, power, __ATOMIC_RELAXED);
	v->on_pending = false;
}

int vcpu_run(uint64_t handle, uint64_t index, uint64_t ctx_pa, unsigned cpu, uint64_t *exit)
{
	struct keel_vcpu_ctx *host_ctx = pa_to_ptr(pa_init(ctx_pa));
	struct vcpu_boot boot;
	bool pending, flush;
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
	if (!v || vcpu_running(v) || ctx_pa != v->ctx_pa) {
		spin_unlock(&vm->lock);
		return !v ? -ENOENT : vcpu_running(v) ? -EBUSY : -EINVAL;
	}
	v->running = true;
	v->run_cpu = cpu;
	power = v->power;
	flush = vm->last_vcpu_ran[cpu] && vm->last_vcpu_ran[cpu] != index + 1;
	if (power == KEEL_POWER_ON)
		vm->last_vcpu_ran[cpu] = (uint16_t)(index + 1);
	pending = v->on_pending;
	if (pending)
		boot = v->on_boot;
	v->on_pending = false;
	spin_unlock(&vm->lock);

	/* From here on, only this CPU touches v->arch: the host's page may change, keel's copy does not. */
	arch_vcpu_load(v, host_ctx, pending && power == KEEL_POWER_ON ? &boot : NULL);
	if (power != KEEL_POWER_ON) {
		ret = KEEL_EXIT_POWER_OFF;
	} else {
		ret = arch_vcpu_check(v);
		if (!ret)
			ret = arch_vcpu_run(v, flush);
	}
	if (ret > 0) {
		v->stat.exits++;
		arch_vcpu_store(host_ctx, v, (unsigned)ret);
		*exit = (uint64_t)ret;
		ret = 0;
	}

	if (!ret || !pending) {
		/* The last touch of v or vm: a destroy may free them as soon as it sees this. */
		__atomic_store_n(&v->running, false, __ATOMIC_RELEASE);
		return ret;
	}
	spin_lock(&vm->lock);
	/* Refused before running: a CPU_ON taken at this entry is not lost (unless the host set the power since). */
	if (v->power == KEEL_POWER_ON && !v->on_pending)
		v->on_pending = true;
	__atomic_store_n(&v->running, false, __ATOMIC_RELEASE);
	spin_unlock(&vm->lock);
	return ret;
}

int vcpu_sync(uint64_t handle, uint64_t index, uint64_t ctx_pa)
{
	struct vm *vm;
	struct vcpu *v;
	int ret;

	ret = vm_lock_for_vcpu(handle, index, &vm);
	if (ret)
		return ret;
	v = vm->vcpus[index];
	if (!v)
		ret = -ENOENT;
	else if (ctx_pa != v->ctx_pa)
		ret = -EINVAL;
	else if (vcpu_running(v))
		ret = -EBUSY; /* and nothing can start it while vm->lock is held */
	else
		arch_vcpu_sync(pa_to_ptr(pa_init(ctx_pa)), v);
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
		} else if (vcpu_running(v)) {
			ret = -EBUSY;
		} else if (v->on_pending) {
			arch_vcpu_sync(pa_to_ptr(pa_init(ctx_pa)), v); /* the reset goes over a complete page */
			arch_vcpu_reset(pa_to_ptr(pa_init(ctx_pa)), &v->on_boot);
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

int vcpu_cpu_on(struct vcpu *v, uint64_t hw_id, const struct vcpu_boot *boot, unsigned *target)
{
	struct vm *vm = v->vm;
	int ret = -ENOENT;

	spin_lock(&vm->lock);
	for (unsigned i = 0; i < KEEL_MAX_VCPUS; i++) {
		struct vcpu *t = vm->vcpus[i];

		if (!t || arch_vcpu_hw_id(i) != hw_id)
			continue;
		if (t->power == KEEL_POWER_ON) {
			ret = -EALREADY;
		} else {
			__atomic_store_n(&t->power, KEEL_POWER_ON, __ATOMIC_RELAXED);
			t->on_pending = true;
			t->on_boot = *boot;
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
		on = vm->vcpus[i] && (arch_vcpu_hw_id(i) & mask) == (aff & mask) &&
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

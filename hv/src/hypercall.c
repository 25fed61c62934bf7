// SPDX-License-Identifier: GPL-2.0
/*
 * The host's hypercalls, by function number (keel/abi.h). Each handler
 * checks every argument register, including the ones it does not use
 * (they must be 0), before it changes anything (KEEL_HC_ABI_VERSION, the
 * discovery call, takes anything).
 */
#include <hv/arch/cpu.h>
#include <hv/cpu.h>
#include <hv/errno.h>
#include <hv/hypercall.h>
#include <hv/owner.h>
#include <hv/page_alloc.h>
#include <hv/vcpu.h>
#include <hv/vm.h>
#include <keel/abi.h>

_Static_assert(KEEL_OWNER_HYP == OWNER_HYP && KEEL_OWNER_HOST == OWNER_HOST,
	       "ABI owner ids are keel's page-ownership ids");

typedef int64_t (*hc_handler)(struct hc_args *a);

/* Arguments from index first on must be 0. */
static bool args_zero_from(const struct hc_args *a, unsigned first)
{
	for (unsigned i = first; i < ARRAY_SIZE(a->arg); i++)
		if (a->arg[i])
			return false;
	return true;
}

/* Discovery: lenient on purpose (any arguments), so that every client can always ask. */
static int64_t hc_abi_version(struct hc_args *a)
{
	a->ret[0] = KEEL_ABI_VERSION;
	a->ret[1] = cpus_count();
	a->ret[2] = cpus_online_mask();
	return 0;
}

/* The calling CPU, if keel runs it: its index, else HV_MAX_CPUS. */
static unsigned calling_cpu(void)
{
	unsigned cpu = arch_cpu_index();

	if (cpu >= cpus_count() || cpu >= HV_MAX_CPUS || !(cpus_online_mask() & BIT(cpu)))
		return HV_MAX_CPUS;
	return cpu;
}

/* The calling CPU may (enable) or may no longer run guests. */
static int64_t hc_cpu_set(struct hc_args *a, bool enable)
{
	unsigned cpu = calling_cpu();
	int ret;

	if (!args_zero_from(a, 0))
		return -EINVAL;
	if (cpu == HV_MAX_CPUS)
		return -ENODEV;
	ret = enable ? vm_cpu_enable(cpu) : vm_cpu_disable(cpu);
	if (ret)
		return ret;
	a->ret[0] = cpu;
	a->ret[1] = vm_cpus_enabled();
	return 0;
}

static int64_t hc_cpu_enable(struct hc_args *a) { return hc_cpu_set(a, true); }
static int64_t hc_cpu_disable(struct hc_args *a) { return hc_cpu_set(a, false); }

static int64_t hc_vm_size(struct hc_args *a)
{
	size_t pages, align;
	int ret;

	if (!args_zero_from(a, 1) || a->arg[0] > 0xff)
		return -EINVAL;
	ret = vm_create_size((unsigned)a->arg[0], &pages, &align);
	if (ret)
		return ret;
	a->ret[0] = pages;
	a->ret[1] = align;
	return 0;
}

static int64_t hc_vm_create(struct hc_args *a)
{
	uint64_t handle;
	unsigned ipa;
	int ret;

	/* Small values: reject anything that would truncate. */
	if (!args_zero_from(a, 3) || a->arg[0] > 0xff || a->arg[2] > 0xffff)
		return -EINVAL;
	ret = vm_create((unsigned)a->arg[0], pa_init(a->arg[1]), (size_t)a->arg[2], &handle, &ipa);
	if (ret)
		return ret;
	a->ret[0] = handle;
	a->ret[1] = ipa;
	return 0;
}

static int64_t hc_vm_topup(struct hc_args *a)
{
	if (!args_zero_from(a, 3))
		return -EINVAL;
	return vm_topup(a->arg[0], pa_init(a->arg[1]), a->arg[2]);
}

static int64_t hc_vm_destroy(struct hc_args *a)
{
	if (!args_zero_from(a, 1))
		return -EINVAL;
	return vm_destroy(a->arg[0]);
}

static int64_t hc_stats(struct hc_args *a)
{
	size_t counts[OWNER_HYP + 1];
	struct vm_stats st;
	uint64_t owner = a->arg[1];

	if (!args_zero_from(a, 2))
		return -EINVAL;
	switch (a->arg[0]) {
	case KEEL_STATS_POOL:
		if (owner)
			return -EINVAL;
		vm_stats_get(&st);
		a->ret[0] = page_pool_free_pages();
		a->ret[1] = page_pool_total_pages();
		a->ret[2] = st.pages;
		return 0;
	case KEEL_STATS_OBJECTS:
		if (owner)
			return -EINVAL;
		vm_stats_get(&st);
		a->ret[0] = st.vms;
		a->ret[1] = st.vcpus;
		a->ret[2] = st.cpus_enabled;
		return 0;
	case KEEL_STATS_OWNER_PAGES:
		if (owner != KEEL_OWNER_HYP && owner != KEEL_OWNER_HOST)
			return -EINVAL;
		owner_count(counts, ARRAY_SIZE(counts));
		a->ret[0] = counts[owner];
		return 0;
	case KEEL_STATS_SHARED: {
		size_t pages;
		uint64_t maps;

		if (owner)
			return -EINVAL;
		owner_count_shared(&pages, &maps);
		vm_stats_get(&st);
		a->ret[0] = pages;
		a->ret[1] = maps;
		a->ret[2] = st.mapped;
		return 0;
	}
	case KEEL_STATS_LIMITS:
		if (owner)
			return -EINVAL;
		a->ret[0] = vm_max_ipa_bits();
		a->ret[1] = vm_nr_vmids();
		a->ret[2] = vm_nr_vmids();
		return 0;
	}
	return -EINVAL;
}

/* A call that takes pages from the VM's memcache: on -ENOMEM, x1 = how many to donate. */
static int64_t hc_vm_map(struct hc_args *a)
{
	if (!args_zero_from(a, 5))
		return -EINVAL;
	return vm_map(a->arg[0], a->arg[1], pa_init(a->arg[2]), a->arg[3], a->arg[4], &a->ret[0]);
}

static int64_t hc_vm_unmap(struct hc_args *a)
{
	uint64_t unmapped;
	int ret;

	if (!args_zero_from(a, 3))
		return -EINVAL;
	ret = vm_unmap(a->arg[0], a->arg[1], a->arg[2], &unmapped);
	if (ret)
		return ret;
	a->ret[0] = unmapped;
	return 0;
}

static int64_t hc_vcpu_create(struct hc_args *a)
{
	if (!args_zero_from(a, 3))
		return -EINVAL;
	return vcpu_create(a->arg[0], a->arg[1], a->arg[2], &a->ret[0]);
}

static int64_t hc_vcpu_sync(struct hc_args *a)
{
	if (!args_zero_from(a, 3))
		return -EINVAL;
	return vcpu_sync(a->arg[0], a->arg[1], a->arg[2]);
}

static int64_t hc_vcpu_run(struct hc_args *a)
{
	if (!args_zero_from(a, 3))
		return -EINVAL;
	return vcpu_run(a->arg[0], a->arg[1], a->arg[2], calling_cpu(), &a->ret[0]);
}

static int64_t hc_vcpu_power(struct hc_args *a)
{
	if (!args_zero_from(a, 4))
		return -EINVAL;
	return vcpu_power(a->arg[0], a->arg[1], a->arg[2], a->arg[3], &a->ret[0]);
}

static int64_t hc_irqchip(struct hc_args *a)
{
	return vm_irqchip(a->arg[0], a->arg[1], &a->arg[2], a->ret);
}

static int64_t hc_vm_pmu(struct hc_args *a)
{
	return vm_pmu(a->arg[0], a->arg[1], &a->arg[2], a->ret);
}

static const hc_handler hc_table[KEEL_HC_NR_CALLS] = {
	[KEEL_HC_ABI_VERSION] = hc_abi_version,
	[KEEL_HC_CPU_ENABLE] = hc_cpu_enable,
	[KEEL_HC_CPU_DISABLE] = hc_cpu_disable,
	[KEEL_HC_VM_CREATE] = hc_vm_create,
	[KEEL_HC_VM_DESTROY] = hc_vm_destroy,
	[KEEL_HC_STATS] = hc_stats,
	[KEEL_HC_VM_MAP] = hc_vm_map,
	[KEEL_HC_VM_UNMAP] = hc_vm_unmap,
	[KEEL_HC_VCPU_CREATE] = hc_vcpu_create,
	[KEEL_HC_VCPU_RUN] = hc_vcpu_run,
	[KEEL_HC_VCPU_POWER] = hc_vcpu_power,
	[KEEL_HC_VM_SIZE] = hc_vm_size,
	[KEEL_HC_VM_TOPUP] = hc_vm_topup,
	[KEEL_HC_IRQCHIP] = hc_irqchip,
	[KEEL_HC_VM_PMU] = hc_vm_pmu,
	[KEEL_HC_VCPU_SYNC] = hc_vcpu_sync,
};

int64_t hypercall_dispatch(unsigned fn, struct hc_args *a)
{
	if (fn >= KEEL_HC_NR_CALLS || !hc_table[fn])
		return -ENOSYS;
	return hc_table[fn](a);
}

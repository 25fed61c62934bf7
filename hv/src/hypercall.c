// SPDX-License-Identifier: GPL-2.0
/* The host's hypercalls, by function number (keel/abi.h). */
#include <hv/cpu.h>
#include <hv/errno.h>
#include <hv/hypercall.h>
#include <keel/abi.h>

typedef int64_t (*hc_handler)(struct hc_args *a);

static int64_t hc_abi_version(struct hc_args *a)
{
	a->ret[0] = KEEL_ABI_VERSION;
	a->ret[1] = cpus_count();
	a->ret[2] = cpus_online_mask();
	return 0;
}

static const hc_handler hc_table[KEEL_HC_NR_CALLS] = {
	[KEEL_HC_ABI_VERSION] = hc_abi_version,
};

int64_t hypercall_dispatch(unsigned fn, struct hc_args *a)
{
	if (fn >= KEEL_HC_NR_CALLS || !hc_table[fn])
		return -ENOSYS;
	return hc_table[fn](a);
}

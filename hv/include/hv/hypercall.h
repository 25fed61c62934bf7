/* SPDX-License-Identifier: GPL-2.0 */
/* Arch-neutral hypercall dispatch: the arch decodes its trap into this. */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

#include <hv/types.h>

struct hc_args {
	uint64_t arg[6]; /* arguments, in ABI order */
	uint64_t ret[3]; /* results after the status (x1..x3 on arm64) */
};

/* Run keel function number fn (enum keel_hc). Returns 0 or a negative errno; -ENOSYS for an unknown fn. */
int64_t hypercall_dispatch(unsigned fn, struct hc_args *a);

#endif

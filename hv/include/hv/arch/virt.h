/* SPDX-License-Identifier: GPL-2.0 */
/* Arch contract: virtualization hardware and the host. */
#ifndef HV_ARCH_VIRT_H
#define HV_ARCH_VIRT_H

#include <hv/types.h>

struct boot_info;

/*
 * Probe the virtualization extensions and print one line per feature found
 * or missing. Returns 0 if keel can run a host on this CPU, -ENODEV if not
 * (the report still says why).
 */
int arch_virt_probe(void);
/*
 * Take the virtualization hardware on the boot CPU and enter the host
 * payload one level below. Does not return on success; returns a negative
 * errno (after printing why) if the arch cannot launch a host.
 */
int arch_host_launch(struct boot_info *bi);

#endif

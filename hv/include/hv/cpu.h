/* SPDX-License-Identifier: GPL-2.0 */
/* Which physical CPUs keel knows of and which have gone through its init. */
#ifndef HV_CPU_H
#define HV_CPU_H

#include <hv/types.h>

void cpus_init(unsigned nr);
unsigned cpus_count(void);
/* A CPU finished keel's per-CPU init and now runs the host under keel. */
void cpu_mark_online(unsigned idx);
uint64_t cpus_online_mask(void);

#endif

// SPDX-License-Identifier: GPL-2.0
#include <hv/cpu.h>

static unsigned nr_cpus;
static uint64_t online_mask;

void cpus_init(unsigned nr) { nr_cpus = nr; }
unsigned cpus_count(void) { return nr_cpus; }
void cpu_mark_online(unsigned idx) { __atomic_fetch_or(&online_mask, BIT(idx), __ATOMIC_RELEASE); }
uint64_t cpus_online_mask(void) { return __atomic_load_n(&online_mask, __ATOMIC_ACQUIRE); }

// SPDX-License-Identifier: GPL-2.0
/*
 * hcbench.ko: the cost of a host hypercall to keel on x86, and of a CPUID
 * (which keel intercepts too), measured with the TSC over many calls. Under
 * QEMU's -icount shift=0 the TSC counts instructions: tests/bench/pc-bench.sh.
 * Prints "keel-hcbench: ..." and refuses to stay loaded (nothing to keep).
 */
#include <linux/module.h>
#include <linux/irqflags.h>

#include <asm/msr.h>
#include <asm/processor.h>

#include <keel/abi.h>

#define CALLS 2000

static int __init hcbench_init(void)
{
	u64 t0, t1, t2, rax, rbx, rcx, rdx;
	unsigned long flags;
	int i;

	local_irq_save(flags);
	t0 = rdtsc_ordered();
	for (i = 0; i < CALLS; i++) {
		rax = KEEL_HC(KEEL_HC_ABI_VERSION), rbx = rcx = rdx = 0;
		asm volatile("vmmcall" : "+a"(rax), "+b"(rbx), "+c"(rcx), "+d"(rdx) : "S"(0UL), "D"(0UL) : "memory", "r8");
	}
	t1 = rdtsc_ordered();
	for (i = 0; i < CALLS; i++)
		cpuid_eax(0);
	t2 = rdtsc_ordered();
	local_irq_restore(flags);
	if (rax) {
		pr_err("keel-hcbench: keel's ABI-version call failed (%lld): keel is not there\n", (long long)rax);
		return -ENODEV;
	}
	pr_info("keel-hcbench: hypercall round trip %llu ticks, CPUID exit %llu ticks (%d calls each)\n",
		(t1 - t0) / CALLS, (t2 - t1) / CALLS, CALLS);
	return -EAGAIN;
}

module_init(hcbench_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("keel: x86 hypercall round-trip benchmark");

// SPDX-License-Identifier: GPL-2.0
/*
 * Nested page table changes seen by every CPU before keel goes on. The
 * host's nested table (and a VM's) is shared by all CPUs, and their TLBs
 * keep its translations, and pointers to its tables, until flushed. A CPU
 * that is running the host when keel takes a page from it (a donation) or
 * frees a table (a block folded back) could otherwise go on writing the
 * page, or walk a freed table that keel already reuses: so the CPU that
 * changed the table bumps the generation, sends an NMI to every other CPU
 * running a guest and waits for its exit; each CPU flushes before its next
 * entry when the generation moved. A CPU in keel is not waited for: its
 * next entry flushes anyway (it marks itself in a guest before it reads the
 * generation, and the changer reads the mark after it bumped it).
 */
#include <arch/x86.h>
#include <hv/arch/cpu.h>
#include <hv/boot.h>
#include <hv/printf.h>

static uint64_t tlb_gen;
static uint32_t in_guest[HV_MAX_CPUS]; /* between the CPU's entry decision and its exit */
static uint32_t exits[HV_MAX_CPUS];
static uint32_t kicked[HV_MAX_CPUS]; /* keel's NMI for a flush is on its way (one at a time): not the host's */

bool x86_tlb_enter(unsigned cpu, uint64_t *seen)
{
	uint64_t gen;

	__atomic_store_n(&in_guest[cpu], 1, __ATOMIC_SEQ_CST);
	gen = __atomic_load_n(&tlb_gen, __ATOMIC_SEQ_CST);
	if (gen == *seen)
		return false;
	*seen = gen;
	return true;
}

void x86_tlb_exit(unsigned cpu)
{
	__atomic_store_n(&in_guest[cpu], 0, __ATOMIC_RELEASE);
	__atomic_add_fetch(&exits[cpu], 1, __ATOMIC_RELEASE);
}

bool x86_tlb_kick_take(unsigned cpu) { return __atomic_exchange_n(&kicked[cpu], 0, __ATOMIC_ACQ_REL); }

static bool left_guest(unsigned c, uint32_t e)
{
	return !__atomic_load_n(&in_guest[c], __ATOMIC_ACQUIRE) || __atomic_load_n(&exits[c], __ATOMIC_ACQUIRE) != e;
}

void x86_tlb_shootdown(void)
{
	unsigned self = arch_cpu_index();

	__atomic_add_fetch(&tlb_gen, 1, __ATOMIC_SEQ_CST);
	for (unsigned c = 0; c < HV_MAX_CPUS; c++) {
		uint32_t e;

		if (c == self || !__atomic_load_n(&in_guest[c], __ATOMIC_SEQ_CST))
			continue;
		e = __atomic_load_n(&exits[c], __ATOMIC_SEQ_CST);
		/*
		 * One NMI in flight per CPU: a second one, sent while the first is
		 * pending, would merge with it or reach the host as an NMI of
		 * unknown reason. An NMI that meets the CPU in keel just before its
		 * entry (VMX root takes it there) does not make it exit, and the
		 * host may hold one off in its own NMI handler until its IRET:
		 * after a while it is sent again regardless.
		 */
		for (unsigned tries = 0; !left_guest(c, e); tries++) {
			if (!__atomic_exchange_n(&kicked[c], 1, __ATOMIC_ACQ_REL) || tries)
				x86_apic_send_nmi(c);
			for (unsigned i = 0; i < 20000 && !left_guest(c, e); i++)
				cpu_relax();
			if (tries == 500) /* long: say so (a hang would say nothing), and keep waiting */
				hv_printf("keel: CPU%u does not leave the host for a nested TLB flush (in guest %u, exits %u/%u)\n",
					  c, __atomic_load_n(&in_guest[c], __ATOMIC_RELAXED),
					  __atomic_load_n(&exits[c], __ATOMIC_RELAXED), e);
		}
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The other CPUs (APs): keel starts each one itself before the host runs
 * (INIT-SIPI-SIPI into ap_tramp.S, copied below 1 MiB), gives it its SVM or
 * VMX state, and it waits in keel as a CPU waits for a SIPI. When the host
 * later starts it the usual way, keel carries out the INIT and SIPI
 * (apic.c) and the CPU starts the host at the SIPI's vector (svm.c,
 * vmx_host.c): every CPU the host runs has been through keel's init first.
 */
#include <arch/x86.h>
#include <hv/arch/cpu.h>
#include <hv/boot.h>
#include <hv/cpu.h>
#include <hv/errno.h>
#include <hv/page_alloc.h>
#include <hv/printf.h>
#include <hv/string.h>

#define X86_TRAMP_BASE 0x8000 /* ap_tramp.S is built for it; SIPI vector 0x08 */
#define LAPIC_DEFAULT 0xfee00000ULL
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define ICR_PENDING BIT(12)
#define ICR_INIT 0x00004500 /* INIT, level assert */
#define ICR_SIPI 0x00004600

extern char x86_tramp_start[], x86_tramp_end[], x86_tramp_stack[], x86_tramp_cpu[], x86_tramp_efer[];
static volatile unsigned ap_up;

static volatile uint32_t *lapic_reg(uint64_t base, unsigned off) { return (volatile uint32_t *)(uintptr_t)(base + off); }

static void ipi(uint64_t lapic, uint32_t apic_id, uint32_t icr)
{
	*lapic_reg(lapic, LAPIC_ICR_HI) = apic_id << 24;
	*lapic_reg(lapic, LAPIC_ICR_LO) = icr;
	for (unsigned i = 0; i < 1000000 && (*lapic_reg(lapic, LAPIC_ICR_LO) & ICR_PENDING); i++)
		cpu_relax();
}

/* The waits the INIT-SIPI protocol asks for, roughly: keel has no calibrated timer this early. */
static void settle(unsigned n)
{
	for (volatile unsigned i = 0; i < n; i++)
		cpu_relax();
}

static void *tramp_var(char *sym) { return (void *)(uintptr_t)(X86_TRAMP_BASE + (sym - x86_tramp_start)); }

void __noreturn x86_ap_entry(unsigned cpu);
void __noreturn x86_ap_entry(unsigned cpu)
{
	int ret;

	x86_traps_load();
	ret = x86_cpu.svm_on ? x86_svm_cpu_init(cpu) : x86_vmx_cpu_init(cpu);
	if (ret) {
		hv_printf("keel: CPU %u: %s setup failed (%d): it stays offline\n", cpu,
			  x86_cpu.svm_on ? "SVM" : "VMX", ret);
		__atomic_store_n(&ap_up, cpu, __ATOMIC_RELEASE);
		arch_cpu_halt();
	}
	if (x86_cpu.svm_on)
		x86_svm_ap_wait(cpu);
	else
		x86_vmx_ap_init(cpu);
	cpu_mark_online(cpu);
	__atomic_store_n(&ap_up, cpu, __ATOMIC_RELEASE);
	if (!x86_cpu.svm_on)
		x86_vmx_run(cpu);
	x86_svm_run(cpu);
}

int x86_smp_start(const struct boot_info *bi)
{
	uint64_t lapic = bi->irqc.regs[0].base ? bi->irqc.regs[0].base : LAPIC_DEFAULT;
	size_t size = (size_t)(x86_tramp_end - x86_tramp_start);
	unsigned started = 1;

	cpu_mark_online(0);
	if (bi->nr_cpus < 2)
		return 0;
	if (!boot_range_in_ram(bi, X86_TRAMP_BASE, PAGE_SIZE)) {
		hv_printf("keel: no RAM at 0x%x for the CPUs' way into keel: the host gets the boot CPU only\n",
			  X86_TRAMP_BASE);
		return 0;
	}
	memcpy((void *)(uintptr_t)X86_TRAMP_BASE, x86_tramp_start, size);
	*(uint32_t *)tramp_var(x86_tramp_efer) = (uint32_t)(rdmsr(MSR_EFER) & (EFER_LME | EFER_NXE));
	for (unsigned i = 1; i < bi->nr_cpus && i < HV_MAX_CPUS; i++) {
		char *stack = page_alloc(2); /* 16 KiB, aligned to its size (arch_cpu_index) */

		_Static_assert(X86_STACK_SIZE == PAGE_SIZE << 2, "AP stacks are order-2 pool blocks");
		if (!stack) {
			hv_printf("keel: no memory for CPU %u's stack: the host runs without it\n", i);
			continue;
		}
		*(unsigned *)stack = i; /* arch_cpu_index() */
		*(uint64_t *)tramp_var(x86_tramp_stack) = (uintptr_t)stack + X86_STACK_SIZE;
		*(uint32_t *)tramp_var(x86_tramp_cpu) = i;
		ipi(lapic, (uint32_t)bi->cpu_hwid[i], ICR_INIT);
		settle(100000);
		for (unsigned k = 0; k < 2 && __atomic_load_n(&ap_up, __ATOMIC_ACQUIRE) != i; k++) {
			ipi(lapic, (uint32_t)bi->cpu_hwid[i], ICR_SIPI | (X86_TRAMP_BASE >> 12));
			for (unsigned t = 0; t < 2000000 && __atomic_load_n(&ap_up, __ATOMIC_ACQUIRE) != i; t++)
				cpu_relax();
		}
		if (__atomic_load_n(&ap_up, __ATOMIC_ACQUIRE) != i) {
			hv_printf("keel: CPU %u (APIC ID %llu) did not come up: the host runs without it\n", i,
				  (unsigned long long)bi->cpu_hwid[i]);
			continue;
		}
		started++;
	}
	hv_printf("keel: %u of %u CPUs under keel%s\n", (unsigned)__builtin_popcountll(cpus_online_mask()),
		  bi->nr_cpus, started > 1 ? " (the others wait in keel for the host to start them)" : "");
	return 0;
}

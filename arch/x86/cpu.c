// SPDX-License-Identifier: GPL-2.0
/* x86_64: CPU identification, the CPU-control contract and spinlocks. */
#include <arch/x86.h>
#include <hv/arch/cpu.h>
#include <hv/arch/spinlock.h>
#include <hv/boot.h>
#include <hv/printf.h>
#include <hv/string.h>

#define ACPI_SLP_EN BIT(13) /* with SLP_TYP 0: S5 (soft off) on QEMU's and bochs' PIIX4/ICH9 */

struct x86_features x86_cpu;
uint16_t x86_acpi_pm1a_cnt;
const char *x86_privilege = "ring 0, long mode (VMX not probed yet)";

void x86_cpu_features_init(void)
{
	uint32_t a, b, c, d, *brand = (uint32_t *)x86_cpu.brand;

	cpuid(0, &a, &b, &c, &d);
	x86_cpu.max_leaf = a;
	memcpy(x86_cpu.vendor + 0, &b, 4);
	memcpy(x86_cpu.vendor + 4, &d, 4);
	memcpy(x86_cpu.vendor + 8, &c, 4);
	cpuid(1, &a, &b, &c, &d);
	x86_cpu.stepping = a & 0xf;
	x86_cpu.family = (a >> 8) & 0xf;
	x86_cpu.model = (a >> 4) & 0xf;
	if (x86_cpu.family == 0xf)
		x86_cpu.family += (a >> 20) & 0xff;
	if (x86_cpu.family >= 6)
		x86_cpu.model |= ((a >> 16) & 0xf) << 4;
	x86_cpu.apic_id = b >> 24;
	x86_cpu.vmx = c & BIT(5);
	x86_cpu.xsave = c & BIT(26);

	cpuid(0x80000000, &a, &b, &c, &d);
	x86_cpu.max_ext_leaf = a;
	if (a >= 0x80000001) {
		cpuid(0x80000001, &a, &b, &c, &d);
		x86_cpu.svm = c & BIT(2);
		x86_cpu.nx = d & BIT(20);
		x86_cpu.pdpe1gb = d & BIT(26);
	}
	if (x86_cpu.max_ext_leaf >= 0x80000004) {
		for (unsigned i = 0; i < 3; i++)
			cpuid(0x80000002 + i, &brand[4 * i], &brand[4 * i + 1], &brand[4 * i + 2],
			      &brand[4 * i + 3]);
		/* Intel right-justifies the brand string. */
		size_t lead = 0;

		while (x86_cpu.brand[lead] == ' ')
			lead++;
		memmove(x86_cpu.brand, x86_cpu.brand + lead, sizeof(x86_cpu.brand) - lead);
	}
	x86_cpu.phys_bits = 36; /* the architectural default without leaf 0x80000008 */
	if (x86_cpu.max_ext_leaf >= 0x80000008) {
		cpuid(0x80000008, &a, &b, &c, &d);
		x86_cpu.phys_bits = a & 0xff;
	}
}

const char *arch_name(void) { return "x86_64"; }

const char *arch_privilege_name(void) { return x86_privilege; }

/*
 * Each CPU runs keel on its own stack: the boot CPU on head.S's, the others
 * on one from the page pool, aligned to its size, whose first word is the
 * CPU's index (smp.c).
 */
unsigned arch_cpu_index(void)
{
	uintptr_t sp;

	__asm__("mov %%rsp, %0" : "=r"(sp));
	if (sp - (uintptr_t)x86_stacks <= X86_STACK_SIZE)
		return 0;
	return *(const unsigned *)(sp & ~(uintptr_t)(X86_STACK_SIZE - 1));
}

static uint32_t nmis_seen[HV_MAX_CPUS];

/* vectors.S: an NMI met this CPU in keel. */
void x86_nmi_note(void);
void x86_nmi_note(void)
{
	__atomic_add_fetch(&nmis_seen[arch_cpu_index()], 1, __ATOMIC_RELAXED);
}

unsigned x86_nmi_take(unsigned cpu) { return __atomic_exchange_n(&nmis_seen[cpu], 0, __ATOMIC_ACQ_REL); }

/*
 * After a VM exit caused by an NMI the CPU blocks NMIs until an IRET, which
 * keel never gets to without an NMI handler of its own running: an IRET to
 * the next instruction, on this stack.
 */
void x86_nmi_unblock(void)
{
	__asm__ volatile("mov %%ss, %%eax\n\t"
			 "pushq %%rax\n\t"
			 "leaq 8(%%rsp), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "pushfq\n\t"
			 "mov %%cs, %%eax\n\t"
			 "pushq %%rax\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "iretq\n"
			 "1:"
			 ::: "rax", "memory", "cc");
}

void __noreturn arch_cpu_halt(void)
{
	for (;;)
		__asm__ volatile("cli; hlt" ::: "memory");
}

void arch_system_off(void)
{
	/* QEMU (i440fx and q35) and bochs both put PM1a_CNT at PM base + 4, usually found in the FADT. */
	uint16_t port = x86_acpi_pm1a_cnt ? x86_acpi_pm1a_cnt : 0x604;

	hv_printf("keel: x86_64: powering off (ACPI PM1a_CNT, port 0x%x%s)\n", port,
		  x86_acpi_pm1a_cnt ? "" : ", QEMU's default: no FADT found");
	outw(port, ACPI_SLP_EN);
	for (volatile unsigned i = 0; i < 10000000; i++)
		cpu_relax();
	if (!x86_acpi_pm1a_cnt)
		outw(0xb004, ACPI_SLP_EN); /* bochs' PM base */
}

void arch_spin_lock(struct spinlock *l)
{
	uint16_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
		cpu_relax();
}

void arch_spin_unlock(struct spinlock *l)
{
	/* Only the holder writes owner: a plain increment published with release order. */
	__atomic_store_n(&l->owner, (uint16_t)(l->owner + 1), __ATOMIC_RELEASE);
}

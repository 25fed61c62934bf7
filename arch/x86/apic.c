// SPDX-License-Identifier: GPL-2.0
/*
 * Starting and stopping the host's CPUs. The host drives its local APICs
 * itself, but an INIT or a start-up IPI would take a CPU out of keel's
 * hands (reset to real mode outside the guest), so keel keeps the APIC's
 * registers read-only for the host (its nested page table; the x2APIC ICR
 * MSR is intercepted) and carries out each store itself (host_store.c,
 * under SVM and VMX alike): every
 * one as the host meant it, except INIT and SIPI to a CPU keel runs, which
 * become requests in that CPU's mailbox and an NMI to fetch it. The CPU
 * then waits in keel for a SIPI (INIT) or starts the host in real mode at
 * the SIPI's vector, exactly as INIT and SIPI would leave it.
 */
#include <arch/x86.h>
#include <hv/arch/cpu.h>
#include <hv/boot.h>
#include <hv/errno.h>
#include <hv/printf.h>

#define LAPIC_ID 0x020
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define ICR_VECTOR(v) ((v) & 0xff)
#define ICR_MODE(v) (((v) >> 8) & 7)
#define ICR_MODE_NMI 4
#define ICR_MODE_INIT 5
#define ICR_MODE_SIPI 6
#define ICR_LOGICAL BIT(11)
#define ICR_PENDING BIT(12)
#define ICR_ASSERT BIT(14)
#define ICR_LEVEL BIT(15)
#define ICR_SHORTHAND(v) (((v) >> 18) & 3)
#define MAIL_SIPI X86_MAIL_SIPI
#define APIC_BASE_ADDR_MASK 0x000ffffffffff000ULL

uint64_t x86_lapic_base = 0xfee00000ULL;
static unsigned nr_cpus;
static uint32_t apic_ids[HV_MAX_CPUS];
static uint32_t mailbox[HV_MAX_CPUS]; /* a SIPI's vector for a waiting CPU (MAIL_SIPI | vector) */
static uint32_t running[HV_MAX_CPUS]; /* the CPU runs the host (cleared by an INIT: it stops at its next exit) */
static uint32_t waiting[HV_MAX_CPUS]; /* the CPU waits in keel for a SIPI */

static volatile uint32_t *reg(unsigned off) { return (volatile uint32_t *)(uintptr_t)(x86_lapic_base + off); }

void x86_apic_init(const struct boot_info *bi)
{
	if (bi->irqc.regs[0].base)
		x86_lapic_base = bi->irqc.regs[0].base;
	nr_cpus = MIN(bi->nr_cpus, (unsigned)HV_MAX_CPUS);
	for (unsigned i = 0; i < nr_cpus; i++)
		apic_ids[i] = (uint32_t)bi->cpu_hwid[i];
}

bool x86_cpu_runs_host(unsigned cpu) { return __atomic_load_n(&running[cpu], __ATOMIC_ACQUIRE); }
void x86_cpu_set_runs_host(unsigned cpu, bool on) { __atomic_store_n(&running[cpu], on, __ATOMIC_RELEASE); }

/*
 * A CPU that does not run the host (an AP before the host starts it, or
 * after the host sent it INIT) waits here as a CPU waits for a SIPI: halt()
 * with interrupts off until keel's NMI (fetch() below) brings one. Returns
 * the SIPI's vector; the CPU runs the host from then on.
 */
uint8_t x86_cpu_wait_sipi(unsigned cpu, void (*halt)(void))
{
	__atomic_store_n(&waiting[cpu], true, __ATOMIC_RELEASE);
	for (;;) {
		uint32_t mail = __atomic_exchange_n(&mailbox[cpu], 0, __ATOMIC_ACQ_REL);

		if (mail & MAIL_SIPI) {
			__atomic_store_n(&waiting[cpu], false, __ATOMIC_RELEASE);
			x86_cpu_set_runs_host(cpu, true);
			return (uint8_t)mail;
		}
		halt();
	}
}

#define APIC_BASE_X2APIC BIT(10)

/* An IPI from keel, in the mode the host left the APIC in (xAPIC page or x2APIC MSR). */
static void icr_send(uint32_t dest, uint32_t lo)
{
	uint32_t hi;

	if (rdmsr(MSR_APIC_BASE) & APIC_BASE_X2APIC) {
		wrmsr(MSR_X2APIC_ICR, (uint64_t)dest << 32 | lo);
		return;
	}
	hi = *reg(LAPIC_ICR_HI);
	*reg(LAPIC_ICR_HI) = dest << 24;
	*reg(LAPIC_ICR_LO) = lo;
	for (unsigned i = 0; i < 1000000 && (*reg(LAPIC_ICR_LO) & ICR_PENDING); i++)
		cpu_relax();
	*reg(LAPIC_ICR_HI) = hi; /* the host's destination register, as it left it */
}

void x86_apic_send_nmi(unsigned target) { icr_send(apic_ids[target], ICR_ASSERT | (ICR_MODE_NMI << 8)); }

/*
 * NMIs to the target until done(): an NMI wakes a CPU waiting in keel, and
 * makes one running the host exit (keel intercepts NMIs under SVM and VMX
 * and gives the host's back). One can meet it just before it halts.
 */
static void fetch(unsigned target, bool (*done)(unsigned))
{
	for (unsigned tries = 0; tries < 1000 && !done(target); tries++) {
		x86_apic_send_nmi(target);
		for (unsigned i = 0; i < 20000 && !done(target); i++)
			cpu_relax();
	}
}

static bool is_waiting(unsigned t) { return __atomic_load_n(&waiting[t], __ATOMIC_ACQUIRE); }
static bool mail_taken(unsigned t) { return !__atomic_load_n(&mailbox[t], __ATOMIC_ACQUIRE); }

/*
 * INIT or SIPI for one CPU keel runs (not the sender: a CPU cannot start
 * itself). INIT: the target stops running the host and waits for a SIPI;
 * keel returns once it waits. SIPI: only a waiting CPU takes it, as in
 * hardware.
 */
static void init_sipi(unsigned self, unsigned target, uint32_t lo)
{
	if (target == self)
		return;
	if (ICR_MODE(lo) == ICR_MODE_INIT) {
		x86_cpu_set_runs_host(target, false);
		fetch(target, is_waiting);
	} else if (is_waiting(target)) {
		__atomic_store_n(&mailbox[target], MAIL_SIPI | ICR_VECTOR(lo), __ATOMIC_RELEASE);
		fetch(target, mail_taken);
	}
}

/*
 * The host wrote lo to its ICR (high part dest, from its ICR_HI or the
 * x2APIC ICR's upper half). Returns true if keel carried it out as INIT or
 * SIPI, false if it is an ordinary IPI for the caller to send as it is.
 */
bool x86_apic_icr_filter(unsigned self, uint32_t lo, uint32_t dest, bool x2apic)
{
	unsigned mode = ICR_MODE(lo), sh = ICR_SHORTHAND(lo);

	if (mode != ICR_MODE_INIT && mode != ICR_MODE_SIPI)
		return false;
	/* INIT level de-assert: an arbitration-ID sync that resets nothing. */
	if (mode == ICR_MODE_INIT && !(lo & ICR_ASSERT) && (lo & ICR_LEVEL))
		return false;
	if (!x2apic)
		dest >>= 24;
	for (unsigned t = 0; t < nr_cpus; t++) {
		bool hit;

		if (sh == 1)
			hit = t == self;
		else if (sh == 2)
			hit = true;
		else if (sh == 3)
			hit = t != self;
		else if (lo & ICR_LOGICAL)
			hit = false; /* INIT/SIPI by logical destination: no OS keel knows uses it */
		else
			hit = apic_ids[t] == dest;
		if (hit)
			init_sipi(self, t, lo);
	}
	return true;
}

/*
 * The host writes IA32_APIC_BASE or the x2APIC ICR (keel intercepts both
 * writes): carried out, the ICR filtered; the APIC may be switched on and
 * off but not moved (keel guards its page): -EPERM, a #GP for the host.
 */
int x86_apic_host_wrmsr(unsigned self, uint32_t msr, uint64_t val)
{
	if (msr == MSR_APIC_BASE && (val & APIC_BASE_ADDR_MASK) != x86_lapic_base)
		return -EPERM;
	if (msr == MSR_X2APIC_ICR && x86_apic_icr_filter(self, (uint32_t)val, (uint32_t)(val >> 32), true))
		return 0;
	wrmsr(msr, val);
	return 0;
}

/* A host store to its xAPIC page at offset off: carried out on this CPU's APIC, ICR filtered. */
void x86_apic_host_store(unsigned self, uint64_t off, uint32_t val)
{
	if (off == LAPIC_ICR_LO && x86_apic_icr_filter(self, val, *reg(LAPIC_ICR_HI), false))
		return;
	*reg((unsigned)off) = val;
}

uint32_t x86_apic_read(uint64_t off) { return *reg((unsigned)off); }

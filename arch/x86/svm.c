// SPDX-License-Identifier: GPL-2.0
/*
 * keel on AMD SVM: the host runs as a guest of keel from its first
 * instruction, in the nested-paging identity map hv/src/host.c builds
 * (everything but keel's memory), with its interrupts, I/O and devices
 * passed through. keel intercepts only what it must own (svm_exit.c):
 * VMRUN and the other SVM instructions (the host gets #UD: SVM is keel's),
 * CPUID (to hide SVM and show keel's leaves), EFER and the SVM MSRs,
 * VMMCALL (keel's hypercalls), stores to the local APIC (INIT and SIPI are
 * keel's, apic.c), NMIs (keel's requests between CPUs come as NMIs; the
 * host's go back to it), nested page faults and shutdown (a triple fault).
 * This file: setting SVM up, the VMCBs, a CPU's life (run the host, or wait
 * in keel for a SIPI). The VMCB and exit codes: arch/svm.h.
 */
#include <arch/svm.h>
#include <arch/x86.h>
#include <hv/arch/cpu.h>
#include <hv/boot.h>
#include <hv/errno.h>
#include <hv/page_alloc.h>
#include <hv/printf.h>
#include <hv/string.h>

#define HOST_ASID 1
#define MSRPM_ORDER 1 /* 8 KiB */
#define IOPM_ORDER 2  /* 12 KiB used */

static struct svm_cpu svm_cpus[HV_MAX_CPUS];
static uint64_t host_ncr3; /* the host's nested page table, every CPU's */
static uint8_t *msrpm;
static void *iopm;
bool svm_nrips;

/* Intercept MSR reads and/or writes (the MSR permission map, 2 bits an MSR in three 2 KiB ranges). */
static void msrpm_intercept(uint32_t msr, bool rd, bool wr)
{
	unsigned base;

	if (msr < 0x2000)
		base = 0;
	else if (msr - 0xc0000000u < 0x2000)
		base = 0x800, msr -= 0xc0000000u;
	else if (msr - 0xc0010000u < 0x2000)
		base = 0x1000, msr -= 0xc0010000u;
	else
		return; /* outside the map: always intercepted */
	if (rd)
		msrpm[base + msr / 4] |= 1u << (2 * (msr % 4));
	if (wr)
		msrpm[base + msr / 4] |= 2u << (2 * (msr % 4));
}

int x86_svm_probe(void)
{
	uint32_t a, b, c, d;
	uint64_t vmcr;

	cpuid(0x8000000a, &a, &b, &c, &d);
	vmcr = rdmsr(MSR_VM_CR);
	if (vmcr & VM_CR_SVMDIS) {
		hv_printf("keel: SVM: disabled by the firmware (VM_CR 0x%llx: SVMDIS%s)\n", (unsigned long long)vmcr,
			  vmcr & VM_CR_LOCK ? ", locked" : "");
		return -ENODEV;
	}
	if (!(d & SVM_FEAT_NPT)) {
		hv_printf("keel: SVM: no nested paging (CPUID 0x8000000a EDX 0x%x): keel needs it to run a host\n", d);
		return -ENODEV;
	}
	svm_nrips = d & SVM_FEAT_NRIPS;
	msrpm = page_alloc(MSRPM_ORDER);
	iopm = page_alloc(IOPM_ORDER);
	if (!msrpm || !iopm)
		return -ENOMEM;
	memset(msrpm, 0, PAGE_SIZE << MSRPM_ORDER);
	memset(iopm, 0, PAGE_SIZE << IOPM_ORDER);
	/* EFER (SVME is keel's), VM_CR (SVM shows as disabled), VM_HSAVE_PA (keel's save area). */
	msrpm_intercept(MSR_EFER, true, true);
	msrpm_intercept(MSR_VM_CR, true, true);
	msrpm_intercept(MSR_VM_HSAVE_PA, true, true);
	/* The APIC stays where keel write-protects it; the x2APIC ICR is filtered like the xAPIC's. */
	msrpm_intercept(MSR_APIC_BASE, false, true);
	msrpm_intercept(MSR_X2APIC_ICR, false, true);
	x86_cpu.svm_on = true;
	x86_privilege = "SVM host mode, ring 0";
	hv_printf("keel: SVM: %u ASIDs, nested paging, next-RIP save %s: keel runs the host as its guest\n", b,
		  svm_nrips ? "yes" : "no");
	return 0;
}

/* This CPU: EFER.SVME on, its host-save area and VMCB. */
int x86_svm_cpu_init(unsigned cpu)
{
	struct svm_cpu *s = &svm_cpus[cpu];

	s->hsave = page_alloc(0);
	s->vmcb = page_alloc(0);
	if (!s->hsave || !s->vmcb)
		return -ENOMEM;
	memset(s->vmcb, 0, PAGE_SIZE);
	s->vmcb_pa = pa_addr(ptr_to_pa(s->vmcb));
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, pa_addr(ptr_to_pa(s->hsave)));
	return 0;
}

static void set_seg(uint8_t *vmcb, unsigned off, uint16_t sel, uint16_t attr, uint32_t limit, uint64_t base)
{
	struct vmcb_seg seg = { sel, attr, limit, base };

	memcpy(vmcb + off, &seg, sizeof(seg));
}

/* The host's whole VMCB afresh: what keel intercepts, its nested page table, its ASID; state zeroed. */
static void vmcb_host(struct svm_cpu *s)
{
	uint8_t *v = s->vmcb;

	memset(v, 0, PAGE_SIZE);
	VMCB32(v, VMCB_INTERCEPT_MISC1) = SVM_I_NMI | SVM_I_CPUID | SVM_I_MSR | SVM_I_SHUTDOWN | SVM_I_INVLPGA;
	VMCB32(v, VMCB_INTERCEPT_MISC2) = SVM_I_VMRUN | SVM_I_VMMCALL | SVM_I_VMLOAD | SVM_I_VMSAVE | SVM_I_STGI |
					  SVM_I_CLGI | SVM_I_SKINIT;
	VMCB64(v, VMCB_IOPM_BASE) = pa_addr(ptr_to_pa(iopm));
	VMCB64(v, VMCB_MSRPM_BASE) = pa_addr(ptr_to_pa(msrpm));
	VMCB32(v, VMCB_ASID) = HOST_ASID;
	v[VMCB_TLB_CONTROL] = 1; /* flush everything at the first entry */
	VMCB64(v, VMCB_NP_ENABLE) = 1;
	VMCB64(v, VMCB_N_CR3) = host_ncr3;
	VMCB64(v, VMCB_DR6) = 0xffff0ff0;
	VMCB64(v, VMCB_DR7) = 0x400;
	VMCB64(v, VMCB_G_PAT) = 0x0007040600070406ULL; /* the reset PAT */
	VMCB64(v, VMCB_RFLAGS) = 2;
	memset(&s->g, 0, sizeof(s->g));
}

void x86_svm_host_64(unsigned cpu, uint64_t ncr3, const struct x86_host_entry *e)
{
	struct svm_cpu *s = &svm_cpus[cpu];
	uint8_t *v = s->vmcb;

	host_ncr3 = ncr3;
	vmcb_host(s);
	/* Linux's 64-bit boot protocol: __BOOT_CS 0x10 (64-bit code), __BOOT_DS 0x18, paging on. */
	set_seg(v, VMCB_CS, 0x10, 0xa9b, 0xffffffff, 0);
	set_seg(v, VMCB_DS, 0x18, 0xc93, 0xffffffff, 0);
	set_seg(v, VMCB_ES, 0x18, 0xc93, 0xffffffff, 0);
	set_seg(v, VMCB_SS, 0x18, 0xc93, 0xffffffff, 0);
	set_seg(v, VMCB_FS, 0x18, 0xc93, 0xffffffff, 0);
	set_seg(v, VMCB_GS, 0x18, 0xc93, 0xffffffff, 0);
	set_seg(v, VMCB_TR, 0, 0x8b, 0xffff, 0);
	set_seg(v, VMCB_GDTR, 0, 0, e->gdt_limit, e->gdt);
	VMCB64(v, VMCB_EFER) = EFER_LME | EFER_LMA | EFER_SVME;
	VMCB64(v, VMCB_CR0) = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
	VMCB64(v, VMCB_CR3) = e->cr3;
	VMCB64(v, VMCB_CR4) = CR4_PAE;
	VMCB64(v, VMCB_RIP) = e->rip;
	s->g.rsi = e->rsi;
	x86_cpu_set_runs_host(cpu, true);
}

void svm_start_real_mode(struct svm_cpu *s, uint16_t seg, uint16_t ip)
{
	uint8_t *v = s->vmcb;

	vmcb_host(s);
	set_seg(v, VMCB_CS, seg, 0x9b, 0xffff, (uint64_t)seg << 4);
	set_seg(v, VMCB_DS, 0, 0x93, 0xffff, 0);
	set_seg(v, VMCB_ES, 0, 0x93, 0xffff, 0);
	set_seg(v, VMCB_SS, 0, 0x93, 0xffff, 0);
	set_seg(v, VMCB_FS, 0, 0x93, 0xffff, 0);
	set_seg(v, VMCB_GS, 0, 0x93, 0xffff, 0);
	set_seg(v, VMCB_TR, 0, 0x8b, 0xffff, 0);
	set_seg(v, VMCB_LDTR, 0, 0x82, 0xffff, 0);
	set_seg(v, VMCB_GDTR, 0, 0, 0xffff, 0);
	set_seg(v, VMCB_IDTR, 0, 0, 0xffff, 0);
	VMCB64(v, VMCB_EFER) = EFER_SVME;
	VMCB64(v, VMCB_CR0) = 0x60000010; /* CD, NW, ET: the reset value */
	VMCB64(v, VMCB_RIP) = ip;
}

void svm_inject(uint8_t *v, uint32_t event)
{
	VMCB64(v, VMCB_EVENTINJ) = SVM_EVTINJ_VALID | event;
}

void svm_skip(uint8_t *v, unsigned len)
{
	VMCB64(v, VMCB_RIP) = svm_nrips ? VMCB64(v, VMCB_NRIP) : VMCB64(v, VMCB_RIP) + len;
}

void __noreturn svm_host_stopped(struct svm_cpu *s, const char *why)
{
	uint8_t *v = s->vmcb;

	hv_printf("\nkeel: the host %s on CPU %u: exit 0x%llx, info 0x%llx 0x%llx, RIP 0x%llx, CPL %u\n", why,
		  arch_cpu_index(), (unsigned long long)VMCB64(v, VMCB_EXITCODE),
		  (unsigned long long)VMCB64(v, VMCB_EXITINFO1), (unsigned long long)VMCB64(v, VMCB_EXITINFO2),
		  (unsigned long long)VMCB64(v, VMCB_RIP), v[VMCB_CPL]);
	hv_printf("keel:   CR0 0x%llx CR3 0x%llx CR4 0x%llx EFER 0x%llx RSP 0x%llx RAX 0x%llx\n",
		  (unsigned long long)VMCB64(v, VMCB_CR0), (unsigned long long)VMCB64(v, VMCB_CR3),
		  (unsigned long long)VMCB64(v, VMCB_CR4), (unsigned long long)VMCB64(v, VMCB_EFER),
		  (unsigned long long)VMCB64(v, VMCB_RSP), (unsigned long long)VMCB64(v, VMCB_RAX));
	hv_printf("keel: stopping the machine\n");
	arch_system_off();
	arch_cpu_halt();
}

/* Halted until keel's NMI: GIF is set meanwhile, so the NMI is taken (keel's handler) rather than held. */
static void svm_halt(void)
{
	__asm__ volatile("stgi; hlt; clgi" ::: "memory");
}

/*
 * An exit in the middle of delivering an event to the host (EXITINTINFO: an
 * interrupt, an NMI, an exception whose delivery met a nested fault or an
 * intercept) delivers it again at the next VMRUN, or the host would lose it
 * (a lost IPI leaves a CPU waiting for ever). INT3, INTO and INTn are not:
 * the host's RIP still points at the instruction, which runs again (KVM's
 * svm_complete_interrupts() without next-RIP saving). An exception the exit's
 * handler injects replaces it. QEMU's TCG reports an external interrupt (and
 * an NMI) as an exception of its vector, which VMRUN refuses to inject
 * (vector 2 or >= 32): given back as what it was.
 */
static void svm_redeliver(uint8_t *v)
{
	uint64_t ii = VMCB64(v, VMCB_EXITINTINFO);
	unsigned type = SVM_EVTINJ_TYPE(ii), vec = ii & 0xff;

	VMCB64(v, VMCB_EVENTINJ) = 0;
	if (!(ii & SVM_EVTINJ_VALID) || type == 4 || (type == 3 && (vec == 3 || vec == 4)))
		return;
	if (type == 3 && (vec == 2 || vec >= 32))
		ii = SVM_EVTINJ_VALID | (vec == 2 ? EVENT_NMI : vec); /* type 2 (NMI) or 0 (INTR), no error code */
	else if (type != 0 && type != 2 && type != 3)
		return; /* no other type is ever delivered to the host */
	VMCB64(v, VMCB_EVENTINJ) = ii;
}

void __noreturn x86_svm_run(unsigned cpu)
{
	struct svm_cpu *s = &svm_cpus[cpu];
	uint8_t *v = s->vmcb;

	for (;;) {
		if (!x86_cpu_runs_host(cpu)) { /* CS = vector << 8, IP = 0: where a SIPI starts a CPU */
			svm_start_real_mode(s, (uint16_t)(x86_cpu_wait_sipi(cpu, svm_halt) << 8), 0);
			x86_nmi_take(cpu); /* keel's wake-ups; a flush request met it waiting: done */
			x86_tlb_kick_take(cpu);
			s->nmi_pending = false; /* INIT drops what the host had pending */
		}
		if (s->nmi_pending && !(VMCB64(v, VMCB_EVENTINJ) & SVM_EVTINJ_VALID)) {
			svm_inject(v, EVENT_NMI);
			s->nmi_pending = false;
		}
		/* GIF is 0 from here to VMRUN: a flush NMI waits and makes the host exit at once. */
		if (x86_tlb_enter(cpu, &s->tlb_gen))
			v[VMCB_TLB_CONTROL] = 1; /* everything: the host is keel's one guest so far */
		svm_vmrun(s->vmcb_pa, &s->g);
		x86_tlb_exit(cpu);
		svm_redeliver(v);
		v[VMCB_TLB_CONTROL] = 0;
		VMCB32(v, VMCB_CLEAN) = 0;
		if (!svm_handle_exit(s, cpu))
			svm_host_stopped(s, "made an exit keel does not handle");
	}
}

/* An AP keel started: it waits for the host to start it. */
void x86_svm_ap_wait(unsigned cpu)
{
	x86_cpu_set_runs_host(cpu, false);
}

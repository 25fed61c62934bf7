// SPDX-License-Identifier: GPL-2.0
/*
 * keel on AMD SVM: the host runs as a guest of keel from its first
 * instruction, in the nested-paging identity map hv/src/host.c builds
 * (everything but keel's memory), with its interrupts, I/O and devices
 * passed through. keel intercepts only what it must own: VMRUN and the
 * other SVM instructions (the host gets #UD: SVM is keel's), CPUID (to hide
 * SVM and show keel's leaves), EFER and the SVM MSRs, VMMCALL (keel's
 * hypercalls), INIT (a host starting its CPUs) and shutdown (a triple
 * fault). The VMCB and exit codes: arch/svm.h.
 */
#include <arch/svm.h>
#include <arch/x86.h>
#include <hv/arch/cpu.h>
#include <hv/boot.h>
#include <hv/cpu.h>
#include <hv/errno.h>
#include <hv/hypercall.h>
#include <hv/page_alloc.h>
#include <hv/printf.h>
#include <hv/string.h>
#include <keel/abi.h>

#define HOST_ASID 1
#define MSRPM_ORDER 1 /* 8 KiB */
#define IOPM_ORDER 2  /* 12 KiB used */

struct svm_cpu {
	uint64_t tlb_gen;  /* tlb_gen this CPU's TLB is clean for */
	uint8_t *vmcb;
	uint64_t vmcb_pa;
	void *hsave;
	struct x86_gprs g;
};

static struct svm_cpu svm_cpus[HV_MAX_CPUS];
/* Bumped when a nested table loses an entry; a CPU behind it flushes at its next VMRUN. */
static uint64_t tlb_gen;
static uint8_t *msrpm;
static void *iopm;
static bool nrips;

#define F64(v, off) (*(uint64_t *)((v) + (off)))
#define F32(v, off) (*(uint32_t *)((v) + (off)))

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
	nrips = d & SVM_FEAT_NRIPS;
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
	x86_cpu.svm_on = true;
	x86_privilege = "SVM host mode, ring 0";
	hv_printf("keel: SVM: %u ASIDs, nested paging, next-RIP save %s: keel runs the host as its guest\n", b,
		  nrips ? "yes" : "no");
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

/* The host's control area: what keel intercepts, its nested page table, its ASID. */
static void vmcb_control(uint8_t *v, uint64_t ncr3)
{
	F32(v, VMCB_INTERCEPT_MISC1) = SVM_I_INIT | SVM_I_CPUID | SVM_I_MSR | SVM_I_SHUTDOWN | SVM_I_INVLPGA;
	F32(v, VMCB_INTERCEPT_MISC2) = SVM_I_VMRUN | SVM_I_VMMCALL | SVM_I_VMLOAD | SVM_I_VMSAVE | SVM_I_STGI |
				       SVM_I_CLGI | SVM_I_SKINIT;
	F64(v, VMCB_IOPM_BASE) = pa_addr(ptr_to_pa(iopm));
	F64(v, VMCB_MSRPM_BASE) = pa_addr(ptr_to_pa(msrpm));
	F32(v, VMCB_ASID) = HOST_ASID;
	v[VMCB_TLB_CONTROL] = 1; /* flush everything at the first entry */
	F64(v, VMCB_NP_ENABLE) = 1;
	F64(v, VMCB_N_CR3) = ncr3;
}

void x86_svm_host_64(unsigned cpu, uint64_t ncr3, const struct x86_host_entry *e)
{
	uint8_t *v = svm_cpus[cpu].vmcb;

	vmcb_control(v, ncr3);
	/* Linux's 64-bit boot protocol: __BOOT_CS 0x10 (64-bit code), __BOOT_DS 0x18, paging on. */
	set_seg(v, VMCB_CS, 0x10, 0xa9b, 0xffffffff, 0);
	set_seg(v, VMCB_DS, 0x18, 0xc93, 0xffffffff, 0);
	set_seg(v, VMCB_ES, 0x18, 0xc93, 0xffffffff, 0);
	set_seg(v, VMCB_SS, 0x18, 0xc93, 0xffffffff, 0);
	set_seg(v, VMCB_FS, 0x18, 0xc93, 0xffffffff, 0);
	set_seg(v, VMCB_GS, 0x18, 0xc93, 0xffffffff, 0);
	set_seg(v, VMCB_TR, 0, 0x8b, 0xffff, 0);
	set_seg(v, VMCB_LDTR, 0, 0x82, 0xffff, 0);
	set_seg(v, VMCB_GDTR, 0, 0, e->gdt_limit, e->gdt);
	set_seg(v, VMCB_IDTR, 0, 0, 0, 0);
	F64(v, VMCB_EFER) = EFER_LME | EFER_LMA | EFER_SVME;
	F64(v, VMCB_CR0) = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
	F64(v, VMCB_CR3) = e->cr3;
	F64(v, VMCB_CR4) = CR4_PAE;
	F64(v, VMCB_RFLAGS) = 2;
	F64(v, VMCB_RIP) = e->rip;
	F64(v, VMCB_RSP) = 0;
	F64(v, VMCB_RAX) = 0;
	F64(v, VMCB_DR6) = 0xffff0ff0;
	F64(v, VMCB_DR7) = 0x400;
	F64(v, VMCB_G_PAT) = 0x0007040600070406ULL; /* the reset PAT */
	memset(&svm_cpus[cpu].g, 0, sizeof(svm_cpus[cpu].g));
	svm_cpus[cpu].g.rsi = e->rsi;
}

static void inject_exception(uint8_t *v, unsigned vector)
{
	F64(v, VMCB_EVENTINJ) = SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_EXC | vector;
}

/* Step over the instruction that exited: next RIP from the CPU where it saves it, else its known length. */
static void skip(uint8_t *v, unsigned len)
{
	F64(v, VMCB_RIP) = nrips ? F64(v, VMCB_NRIP) : F64(v, VMCB_RIP) + len;
}

static void exit_cpuid(struct svm_cpu *s)
{
	uint32_t r[4];

	cpuid_count((uint32_t)F64(s->vmcb, VMCB_RAX), (uint32_t)s->g.rcx, &r[0], &r[1], &r[2], &r[3]);
	x86_cpuid_filter((uint32_t)F64(s->vmcb, VMCB_RAX), (uint32_t)s->g.rcx, r);
	F64(s->vmcb, VMCB_RAX) = r[0];
	s->g.rbx = r[1];
	s->g.rcx = r[2];
	s->g.rdx = r[3];
	skip(s->vmcb, 2);
}

/* The MSRs keel intercepts (msrpm_intercept): what the host reads and writes of them. */
static void exit_msr(struct svm_cpu *s)
{
	uint8_t *v = s->vmcb;
	uint32_t msr = (uint32_t)s->g.rcx;
	bool wr = F64(v, VMCB_EXITINFO1) & 1;
	uint64_t val = (s->g.rdx << 32) | (uint32_t)F64(v, VMCB_RAX);

	if (msr == MSR_EFER) {
		if (wr)
			F64(v, VMCB_EFER) = val | EFER_SVME; /* the hardware needs it; the host never sees it */
		else
			val = F64(v, VMCB_EFER) & ~EFER_SVME;
	} else if (msr == MSR_VM_CR) {
		val = VM_CR_LOCK | VM_CR_SVMDIS; /* "SVM disabled by the firmware": writes are ignored */
	} else {
		val = 0; /* VM_HSAVE_PA: keel's own; reads 0, writes ignored */
	}
	if (!wr) {
		F64(v, VMCB_RAX) = (uint32_t)val;
		s->g.rdx = val >> 32;
	}
	skip(v, 2);
}

/* keel's hypercall: rax = KEEL_HC(n), arguments rbx, rcx, rdx, rsi, rdi, r8; results rax, rbx, rcx, rdx. */
static void exit_vmmcall(struct svm_cpu *s)
{
	uint8_t *v = s->vmcb;
	uint64_t id = F64(v, VMCB_RAX);
	struct hc_args a = { .arg = { s->g.rbx, s->g.rcx, s->g.rdx, s->g.rsi, s->g.rdi, s->g.r8 } };
	int64_t ret = -ENOSYS;

	if (v[VMCB_CPL]) { /* from user space: as an unknown instruction would be */
		inject_exception(v, 6);
		return;
	}
	if ((id & ~0xffULL) == KEEL_HC(0))
		ret = hypercall_dispatch((unsigned)(id & 0xff), &a);
	F64(v, VMCB_RAX) = (uint64_t)ret;
	if (!ret) {
		s->g.rbx = a.ret[0];
		s->g.rcx = a.ret[1];
		s->g.rdx = a.ret[2];
	}
	skip(v, 3);
}

static void __noreturn host_stopped(struct svm_cpu *s, const char *why)
{
	uint8_t *v = s->vmcb;

	hv_printf("\nkeel: the host %s on CPU %u: exit 0x%llx, info 0x%llx 0x%llx, RIP 0x%llx, CPL %u\n", why,
		  arch_cpu_index(), (unsigned long long)F64(v, VMCB_EXITCODE),
		  (unsigned long long)F64(v, VMCB_EXITINFO1), (unsigned long long)F64(v, VMCB_EXITINFO2),
		  (unsigned long long)F64(v, VMCB_RIP), v[VMCB_CPL]);
	hv_printf("keel:   CR0 0x%llx CR3 0x%llx CR4 0x%llx EFER 0x%llx RSP 0x%llx RAX 0x%llx\n",
		  (unsigned long long)F64(v, VMCB_CR0), (unsigned long long)F64(v, VMCB_CR3),
		  (unsigned long long)F64(v, VMCB_CR4), (unsigned long long)F64(v, VMCB_EFER),
		  (unsigned long long)F64(v, VMCB_RSP), (unsigned long long)F64(v, VMCB_RAX));
	hv_printf("keel: stopping the machine\n");
	arch_system_off();
	arch_cpu_halt();
}

void x86_svm_tlb_flush_all(void)
{
	__atomic_add_fetch(&tlb_gen, 1, __ATOMIC_SEQ_CST);
}

void __noreturn x86_svm_run(unsigned cpu)
{
	struct svm_cpu *s = &svm_cpus[cpu];
	uint8_t *v = s->vmcb;
	uint64_t gen;

	for (;;) {
		gen = __atomic_load_n(&tlb_gen, __ATOMIC_SEQ_CST);
		if (gen != s->tlb_gen) {
			v[VMCB_TLB_CONTROL] = 1; /* everything: keel has one guest, the host */
			s->tlb_gen = gen;
		}
		svm_vmrun(s->vmcb_pa, &s->g);
		v[VMCB_TLB_CONTROL] = 0;
		F32(v, VMCB_CLEAN) = 0;
		switch (F64(v, VMCB_EXITCODE)) {
		case SVM_EXIT_CPUID:
			exit_cpuid(s);
			break;
		case SVM_EXIT_MSR:
			exit_msr(s);
			break;
		case SVM_EXIT_VMMCALL:
			exit_vmmcall(s);
			break;
		case SVM_EXIT_VMRUN:
		case SVM_EXIT_VMLOAD:
		case SVM_EXIT_VMSAVE:
		case SVM_EXIT_STGI:
		case SVM_EXIT_CLGI:
		case SVM_EXIT_SKINIT:
		case SVM_EXIT_INVLPGA:
			inject_exception(v, 6); /* #UD: the host has no SVM (EFER.SVME reads 0) */
			break;
		case SVM_EXIT_SHUTDOWN:
			host_stopped(s, "triple-faulted (shutdown)");
		case SVM_EXIT_INVALID:
			host_stopped(s, "state was refused by VMRUN (invalid VMCB)");
		default:
			host_stopped(s, "made an exit keel does not handle");
		}
	}
}

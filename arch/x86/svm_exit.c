// SPDX-License-Identifier: GPL-2.0
/*
 * The host's exits under SVM (svm.c runs it): CPUID, the MSRs keel owns,
 * keel's hypercalls, stores to the write-protected local APIC, NMIs, nested
 * page faults, and the SVM instructions the host has no right to.
 */
#include <arch/emulate.h>
#include <arch/svm.h>
#include <arch/x86.h>
#include <hv/errno.h>
#include <hv/hypercall.h>
#include <hv/printf.h>
#include <hv/string.h>
#include <keel/abi.h>

#define NPF_WRITE BIT(1)
#define NPF_FETCH BIT(4)
#define VEC_UD 6
#define VEC_GP 13

static void exit_cpuid(struct svm_cpu *s)
{
	uint8_t *v = s->vmcb;
	uint32_t r[4];

	cpuid_count((uint32_t)VMCB64(v, VMCB_RAX), (uint32_t)s->g.rcx, &r[0], &r[1], &r[2], &r[3]);
	x86_cpuid_filter((uint32_t)VMCB64(v, VMCB_RAX), (uint32_t)s->g.rcx, r, VMCB64(v, VMCB_CR4) & CR4_OSXSAVE);
	VMCB64(v, VMCB_RAX) = r[0];
	s->g.rbx = r[1];
	s->g.rcx = r[2];
	s->g.rdx = r[3];
	svm_skip(v, 2);
}

/* The MSRs keel intercepts (svm.c's permission map): what the host reads and writes of them. */
static void exit_msr(struct svm_cpu *s, unsigned cpu)
{
	uint8_t *v = s->vmcb;
	uint32_t msr = (uint32_t)s->g.rcx;
	bool wr = VMCB64(v, VMCB_EXITINFO1) & 1;
	uint64_t val = (s->g.rdx << 32) | (uint32_t)VMCB64(v, VMCB_RAX);

	switch (msr) {
	case MSR_EFER:
		if (wr)
			VMCB64(v, VMCB_EFER) = val | EFER_SVME; /* the hardware needs it; the host never sees it */
		else
			val = VMCB64(v, VMCB_EFER) & ~EFER_SVME;
		break;
	case MSR_VM_CR:
		val = VM_CR_LOCK | VM_CR_SVMDIS; /* "SVM disabled by the firmware": writes are ignored */
		break;
	case MSR_APIC_BASE: /* write only */
	case MSR_X2APIC_ICR:
		if (x86_apic_host_wrmsr(cpu, msr, val)) {
			svm_inject(v, SVM_EVTINJ_TYPE_EXC | SVM_EVTINJ_ERR_VALID | VEC_GP);
			return;
		}
		break;
	default:
		val = 0; /* VM_HSAVE_PA: keel's own; reads 0, writes ignored */
		break;
	}
	if (!wr) {
		VMCB64(v, VMCB_RAX) = (uint32_t)val;
		s->g.rdx = val >> 32;
	}
	svm_skip(v, 2);
}

/* keel's hypercall: rax = KEEL_HC(n), arguments rbx, rcx, rdx, rsi, rdi, r8; results rax, rbx, rcx, rdx. */
static void exit_vmmcall(struct svm_cpu *s)
{
	uint8_t *v = s->vmcb;
	uint64_t id = VMCB64(v, VMCB_RAX);
	struct hc_args a = { .arg = { s->g.rbx, s->g.rcx, s->g.rdx, s->g.rsi, s->g.rdi, s->g.r8 } };
	int64_t ret = -ENOSYS;

	if (v[VMCB_CPL]) { /* from user space: as an unknown instruction would be */
		svm_inject(v, SVM_EVTINJ_TYPE_EXC | VEC_UD);
		return;
	}
	if ((id & ~0xffULL) == KEEL_HC(0))
		ret = hypercall_dispatch((unsigned)(id & 0xff), &a);
	VMCB64(v, VMCB_RAX) = (uint64_t)ret;
	if (!ret) {
		s->g.rbx = a.ret[0];
		s->g.rcx = a.ret[1];
		s->g.rdx = a.ret[2];
	}
	svm_skip(v, 3);
}

/* The host's general registers in the encoding's order. */
static void gprs_get(const struct svm_cpu *s, uint64_t r[X86_NR_GPRS])
{
	const struct x86_gprs *g = &s->g;

	r[0] = VMCB64(s->vmcb, VMCB_RAX), r[1] = g->rcx, r[2] = g->rdx, r[3] = g->rbx;
	r[4] = VMCB64(s->vmcb, VMCB_RSP), r[5] = g->rbp, r[6] = g->rsi, r[7] = g->rdi;
	r[8] = g->r8, r[9] = g->r9, r[10] = g->r10, r[11] = g->r11;
	r[12] = g->r12, r[13] = g->r13, r[14] = g->r14, r[15] = g->r15;
}

static void gprs_put(struct svm_cpu *s, const uint64_t r[X86_NR_GPRS])
{
	struct x86_gprs *g = &s->g;

	VMCB64(s->vmcb, VMCB_RAX) = r[0], g->rcx = r[1], g->rdx = r[2], g->rbx = r[3];
	VMCB64(s->vmcb, VMCB_RSP) = r[4], g->rbp = r[5], g->rsi = r[6], g->rdi = r[7];
	g->r8 = r[8], g->r9 = r[9], g->r10 = r[10], g->r11 = r[11];
	g->r12 = r[12], g->r13 = r[13], g->r14 = r[14], g->r15 = r[15];
}

/* A nested page fault: a store to the APIC page carried out, or #GP for an access to keel's memory (host_store.c). */
static void exit_npf(struct svm_cpu *s, unsigned cpu)
{
	uint8_t *v = s->vmcb;
	uint64_t err = VMCB64(v, VMCB_EXITINFO1), r[X86_NR_GPRS];
	struct x86_host_view h = {
		.ip = VMCB64(v, VMCB_RIP) + ((const struct vmcb_seg *)(v + VMCB_CS))->base,
		.cr3 = VMCB64(v, VMCB_CR3),
		.efer = VMCB64(v, VMCB_EFER),
	};
	int len;

	gprs_get(s, r);
	len = x86_host_stage2_fault(cpu, VMCB64(v, VMCB_EXITINFO2), err & NPF_WRITE, err & NPF_FETCH, &h, r);
	if (len == -EINVAL)
		svm_host_stopped(s, "stored to its local APIC with an instruction keel does not emulate");
	if (len < 0) {
		svm_inject(v, SVM_EVTINJ_TYPE_EXC | SVM_EVTINJ_ERR_VALID | VEC_GP);
		return;
	}
	gprs_put(s, r);
	VMCB64(v, VMCB_RIP) += (unsigned)len;
}

/*
 * An NMI: taken here (GIF on for a moment: keel's NMI handler returns at
 * once) so that it does not stay pending. If keel sent it (an INIT for
 * this CPU, apic.c) the CPU stops running the host; else it was the host's
 * and goes back to it.
 */
static void exit_nmi(struct svm_cpu *s, unsigned cpu)
{
	unsigned n;

	__asm__ volatile("stgi; clgi" ::: "memory");
	/* The exit's NMI and any other that came meanwhile, taken by keel's handler while GIF was set. */
	n = x86_nmi_take(cpu);
	n = n ? n : 1;
	if (x86_tlb_kick_take(cpu))
		n--; /* keel's flush request (shootdown.c): done by this exit */
	if (n && x86_cpu_runs_host(cpu))
		s->nmi_pending = true; /* the host's (two at once are one, as NMIs are): svm.c injects it */
}

bool svm_handle_exit(struct svm_cpu *s, unsigned cpu)
{
	uint8_t *v = s->vmcb;

	switch (VMCB64(v, VMCB_EXITCODE)) {
	case SVM_EXIT_CPUID:
		exit_cpuid(s);
		return true;
	case SVM_EXIT_MSR:
		exit_msr(s, cpu);
		return true;
	case SVM_EXIT_VMMCALL:
		exit_vmmcall(s);
		return true;
	case SVM_EXIT_NPF:
		exit_npf(s, cpu);
		return true;
	case SVM_EXIT_NMI:
		exit_nmi(s, cpu);
		return true;
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT:
	case SVM_EXIT_INVLPGA:
		svm_inject(v, SVM_EVTINJ_TYPE_EXC | VEC_UD); /* the host has no SVM (EFER.SVME reads 0) */
		return true;
	case SVM_EXIT_SHUTDOWN:
		svm_host_stopped(s, "triple-faulted (shutdown)");
	case SVM_EXIT_INVALID:
		svm_host_stopped(s, "state was refused by VMRUN (invalid VMCB)");
	}
	return false;
}

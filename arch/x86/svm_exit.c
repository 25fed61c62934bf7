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

#define MSR_APIC_BASE 0x01b
#define MSR_X2APIC_ICR 0x830
#define APIC_BASE_ADDR_MASK 0x000ffffffffff000ULL
#define NPF_WRITE BIT(1)
#define NPF_FETCH BIT(4)
#define VEC_UD 6
#define VEC_GP 13
#define EVENT_NMI ((2U << 8) | 2)
#define LOW_4G (1ULL << 32)

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
	case MSR_APIC_BASE: /* write only: the APIC may be switched on and off, not moved (keel guards its page) */
		if ((val & APIC_BASE_ADDR_MASK) != x86_lapic_base) {
			svm_inject(v, SVM_EVTINJ_TYPE_EXC | SVM_EVTINJ_ERR_VALID | VEC_GP);
			return;
		}
		wrmsr(msr, val);
		break;
	case MSR_X2APIC_ICR: /* write only */
		if (!x86_apic_icr_filter(cpu, (uint32_t)val, (uint32_t)(val >> 32), true))
			wrmsr(msr, val);
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

static void gpr_set(struct svm_cpu *s, unsigned i, uint64_t val)
{
	uint64_t *slot[X86_NR_GPRS] = {
		(uint64_t *)(s->vmcb + VMCB_RAX), &s->g.rcx, &s->g.rdx, &s->g.rbx,
		(uint64_t *)(s->vmcb + VMCB_RSP), &s->g.rbp, &s->g.rsi, &s->g.rdi,
		&s->g.r8, &s->g.r9, &s->g.r10, &s->g.r11, &s->g.r12, &s->g.r13, &s->g.r14, &s->g.r15,
	};

	*slot[i] = val;
}

/* The host's virtual address va through its own 4-level page tables (long mode), -EFAULT if unmapped. */
static int host_translate(const uint8_t *v, uint64_t va, uint64_t *pa)
{
	uint64_t table = VMCB64(v, VMCB_CR3) & APIC_BASE_ADDR_MASK, e = 0;

	if (!(VMCB64(v, VMCB_EFER) & EFER_LMA))
		return -EFAULT;
	for (int level = 3; level >= 0; level--) {
		if (table >= LOW_4G)
			return -EFAULT; /* keel reaches the low 4 GiB only */
		e = ((const uint64_t *)phys_ptr(table))[(va >> (12 + 9 * level)) & 511];
		if (!(e & 1))
			return -EFAULT;
		if (level && level < 3 && (e & BIT(7))) { /* a 1 GiB or 2 MiB page */
			uint64_t size = 1ULL << (12 + 9 * level);

			*pa = (e & APIC_BASE_ADDR_MASK & ~(size - 1)) | (va & (size - 1));
			return 0;
		}
		table = e & APIC_BASE_ADDR_MASK;
	}
	*pa = table | (va & 0xfff);
	return 0;
}

/* Up to n bytes of the host's instruction at RIP (a page boundary may cut it short); bytes fetched. */
static unsigned fetch_insn(const uint8_t *v, uint8_t *buf, unsigned n)
{
	uint64_t rip = VMCB64(v, VMCB_RIP) + ((const struct vmcb_seg *)(v + VMCB_CS))->base, pa;
	unsigned got = 0;

	while (got < n && !host_translate(v, rip + got, &pa) && pa < LOW_4G) {
		unsigned chunk = MIN(n - got, (unsigned)(PAGE_SIZE - (pa & (PAGE_SIZE - 1))));

		memcpy(buf + got, phys_ptr(pa), chunk);
		got += chunk;
	}
	return got;
}

/*
 * A nested page fault: a store to the local APIC page (keel maps it
 * read-only, apic.c) is carried out by keel; anything else touched memory
 * the host does not have (keel's own): the host gets #GP(0), as for an
 * access that cannot complete, and keel says so once in a while.
 */
static void exit_npf(struct svm_cpu *s, unsigned cpu)
{
	static unsigned reported;
	uint8_t *v = s->vmcb, insn[15];
	uint64_t err = VMCB64(v, VMCB_EXITINFO1), gpa = VMCB64(v, VMCB_EXITINFO2), r[X86_NR_GPRS];
	struct x86_store st;
	unsigned n;

	if ((gpa & ~0xfffULL) == x86_lapic_base && (err & NPF_WRITE) && !(err & NPF_FETCH)) {
		n = fetch_insn(v, insn, sizeof(insn));
		gprs_get(s, r);
		if (!x86_decode_store(insn, n, r, &st) && st.size == 4 && !(gpa & 3)) {
			if (st.xchg_reg >= 0)
				gpr_set(s, (unsigned)st.xchg_reg, x86_apic_read(gpa & 0xfff));
			x86_apic_host_store(cpu, gpa & 0xfff, (uint32_t)st.value);
			VMCB64(v, VMCB_RIP) += st.len;
			return;
		}
		svm_host_stopped(s, "stored to its local APIC with an instruction keel does not emulate");
	}
	if (reported < 10) {
		reported++;
		hv_printf("keel: the host %s 0x%llx (keel's memory) at RIP 0x%llx: #GP injected\n",
			  err & NPF_FETCH ? "fetched from" : err & NPF_WRITE ? "wrote to" : "read",
			  (unsigned long long)gpa, (unsigned long long)VMCB64(v, VMCB_RIP));
	}
	svm_inject(v, SVM_EVTINJ_TYPE_EXC | SVM_EVTINJ_ERR_VALID | VEC_GP);
}

/*
 * An NMI: taken here (GIF on for a moment: keel's NMI handler returns at
 * once) so that it does not stay pending. If keel sent it (an INIT for
 * this CPU, apic.c) the CPU stops running the host; else it was the host's
 * and goes back to it.
 */
static void exit_nmi(struct svm_cpu *s, unsigned cpu)
{
	__asm__ volatile("stgi; clgi" ::: "memory");
	if (x86_cpu_runs_host(cpu))
		svm_inject(s->vmcb, EVENT_NMI);
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

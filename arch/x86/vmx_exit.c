// SPDX-License-Identifier: GPL-2.0
/* The host's exits under VMX (vmx_host.c runs it). */
#include <arch/emulate.h>
#include <arch/svm.h>
#include <arch/vmcs.h>
#include <arch/vmx.h>
#include <arch/x86.h>
#include <hv/errno.h>
#include <hv/hypercall.h>
#include <hv/printf.h>
#include <keel/abi.h>

#define INTR_INFO_VALID (1U << 31)
#define INTR_TYPE_HW_EXC (3U << 8)
#define INTR_ERR_VALID (1U << 11)
#define VEC_UD 6
#define VEC_GP 13
#define EPT_QUAL_WRITE BIT(1)
#define EPT_QUAL_FETCH BIT(2)

static void skip(void) { vmwrite(GUEST_RIP, vmread(GUEST_RIP) + vmread(VM_EXIT_INSTRUCTION_LEN)); }

static void inject(unsigned vector, bool err)
{
	vmwrite(VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID | INTR_TYPE_HW_EXC | vector | (err ? INTR_ERR_VALID : 0));
	if (err)
		vmwrite(VM_ENTRY_EXCEPTION_ERROR_CODE, 0);
}

static uint64_t *gpr(struct x86_gprs *g, unsigned i)
{
	static uint64_t rsp;
	uint64_t *r[16] = { &g->rax, &g->rcx, &g->rdx, &g->rbx, &rsp, &g->rbp, &g->rsi, &g->rdi,
			    &g->r8, &g->r9, &g->r10, &g->r11, &g->r12, &g->r13, &g->r14, &g->r15 };

	rsp = vmread(GUEST_RSP);
	return r[i & 15];
}

static void gprs_get(const struct x86_gprs *g, uint64_t r[X86_NR_GPRS])
{
	r[0] = g->rax, r[1] = g->rcx, r[2] = g->rdx, r[3] = g->rbx;
	r[4] = vmread(GUEST_RSP), r[5] = g->rbp, r[6] = g->rsi, r[7] = g->rdi;
	r[8] = g->r8, r[9] = g->r9, r[10] = g->r10, r[11] = g->r11;
	r[12] = g->r12, r[13] = g->r13, r[14] = g->r14, r[15] = g->r15;
}

static void gprs_put(struct x86_gprs *g, const uint64_t r[X86_NR_GPRS])
{
	g->rax = r[0], g->rcx = r[1], g->rdx = r[2], g->rbx = r[3];
	vmwrite(GUEST_RSP, r[4]), g->rbp = r[5], g->rsi = r[6], g->rdi = r[7];
	g->r8 = r[8], g->r9 = r[9], g->r10 = r[10], g->r11 = r[11];
	g->r12 = r[12], g->r13 = r[13], g->r14 = r[14], g->r15 = r[15];
}

/* MOV to CR0 or CR4 changing a bit VMX fixes (NE, VMXE): the guest sees its value, the CPU the fixed one. */
static bool exit_cr(struct x86_gprs *g)
{
	uint64_t q = vmread(EXIT_QUALIFICATION), val = *gpr(g, (q >> 8) & 15);
	const struct vmx_config *cfg = x86_vmx_config();
	unsigned cr = q & 15;

	if (((q >> 4) & 3) != 0 || (cr != 0 && cr != 4))
		return false;
	if (cr == 4) {
		vmwrite(CR4_READ_SHADOW, val);
		vmwrite(GUEST_CR4, (val | cfg->cr4_fixed0) & cfg->cr4_fixed1);
	} else {
		uint64_t efer = vmread(GUEST_IA32_EFER), fixed = (val | cfg->cr0_fixed0 | CR0_NE) & cfg->cr0_fixed1;

		/* Unrestricted guest: PE and PG are the guest's own. */
		fixed = (fixed & ~(CR0_PE | CR0_PG)) | (val & (CR0_PE | CR0_PG));
		vmwrite(CR0_READ_SHADOW, val);
		vmwrite(GUEST_CR0, fixed);
		/* Paging on with EFER.LME: long mode, as the CPU would enter it. */
		if ((val & CR0_PG) && (efer & EFER_LME)) {
			vmwrite(GUEST_IA32_EFER, efer | EFER_LMA);
			vmwrite(VM_ENTRY_CONTROLS, vmread(VM_ENTRY_CONTROLS) | ENTRY_IA32E_GUEST);
		} else if (!(val & CR0_PG)) {
			vmwrite(GUEST_IA32_EFER, efer & ~EFER_LMA);
			vmwrite(VM_ENTRY_CONTROLS, vmread(VM_ENTRY_CONTROLS) & ~ENTRY_IA32E_GUEST);
		}
	}
	skip();
	return true;
}

static void exit_cpuid(struct x86_gprs *g)
{
	uint32_t r[4];

	cpuid_count((uint32_t)g->rax, (uint32_t)g->rcx, &r[0], &r[1], &r[2], &r[3]);
	x86_cpuid_filter((uint32_t)g->rax, (uint32_t)g->rcx, r, vmread(GUEST_CR4) & CR4_OSXSAVE);
	g->rax = r[0], g->rbx = r[1], g->rcx = r[2], g->rdx = r[3];
	skip();
}

static void exit_vmcall(struct x86_gprs *g)
{
	struct hc_args a = { .arg = { g->rbx, g->rcx, g->rdx, g->rsi, g->rdi, g->r8 } };
	int64_t ret = -ENOSYS;

	if ((vmread(GUEST_CS_AR_BYTES) >> 5) & 3) { /* CPL > 0 */
		inject(VEC_UD, false);
		return;
	}
	if ((g->rax & ~0xffULL) == KEEL_HC(0))
		ret = hypercall_dispatch((unsigned)(g->rax & 0xff), &a);
	g->rax = (uint64_t)ret;
	if (!ret)
		g->rbx = a.ret[0], g->rcx = a.ret[1], g->rdx = a.ret[2];
	skip();
}

/* XSETBV exits unconditionally: carried out for the host if the value is one the CPU takes (else #GP). */
static void exit_xsetbv(struct x86_gprs *g)
{
	uint64_t val = (g->rdx << 32) | (uint32_t)g->rax;
	uint32_t a, b, c, d;

	cpuid_count(0xd, 0, &a, &b, &c, &d);
	if ((uint32_t)g->rcx != 0 || !(val & 1) || (val & ~(((uint64_t)d << 32) | a)) || ((val & 4) && !(val & 2))) {
		inject(VEC_GP, true);
		return;
	}
	__asm__ volatile("xsetbv" : : "a"((uint32_t)val), "d"((uint32_t)(val >> 32)), "c"(0));
	skip();
}

/*
 * A write keel intercepts (APIC base, x2APIC ICR: apic.c), or an MSR outside
 * the bitmap's ranges (those always exit): the host's own, carried out, #GP
 * if the CPU has none.
 */
static void exit_msr(struct x86_gprs *g, unsigned cpu, bool wr)
{
	uint32_t msr = (uint32_t)g->rcx;
	uint64_t val = (g->rdx << 32) | (uint32_t)g->rax;

	if (wr && (msr == MSR_APIC_BASE || msr == MSR_X2APIC_ICR)) {
		if (x86_apic_host_wrmsr(cpu, msr, val))
			inject(VEC_GP, true);
		else
			skip();
		return;
	}
	if (x86_msr_safe(msr, &val, wr)) {
		inject(VEC_GP, true);
		return;
	}
	if (!wr)
		g->rax = (uint32_t)val, g->rdx = val >> 32;
	skip();
}

/* An EPT violation: a store to the APIC page carried out, or #GP for an access to keel's memory (host_store.c). */
static void exit_ept(struct x86_gprs *g, unsigned cpu)
{
	uint64_t q = vmread(EXIT_QUALIFICATION), r[X86_NR_GPRS];
	struct x86_host_view h = {
		.ip = vmread(GUEST_RIP) + vmread(GUEST_CS_BASE),
		.cr3 = vmread(GUEST_CR3),
		.efer = vmread(GUEST_IA32_EFER),
	};
	int len;

	gprs_get(g, r);
	len = x86_host_stage2_fault(cpu, vmread(GUEST_PHYSICAL_ADDRESS), q & EPT_QUAL_WRITE, q & EPT_QUAL_FETCH, &h, r);
	if (len == -EINVAL)
		x86_vmx_stopped(cpu, "stored to its local APIC with an instruction keel does not emulate");
	if (len < 0) {
		inject(VEC_GP, true);
		return;
	}
	gprs_put(g, r);
	vmwrite(GUEST_RIP, vmread(GUEST_RIP) + (unsigned)len);
}

/*
 * An exit in the middle of delivering an event to the host (the IDT-vectoring
 * information): the event is delivered again at the next entry, or the host
 * would lose it.
 */
static void redeliver(void)
{
	uint32_t info = (uint32_t)vmread(IDT_VECTORING_INFO_FIELD);

	if (!(info & INTR_INFO_VALID))
		return;
	vmwrite(VM_ENTRY_INTR_INFO_FIELD, info & (INTR_INFO_VALID | INTR_ERR_VALID | 0x7ff));
	if (info & INTR_ERR_VALID)
		vmwrite(VM_ENTRY_EXCEPTION_ERROR_CODE, vmread(IDT_VECTORING_ERROR_CODE));
	vmwrite(VM_ENTRY_INSTRUCTION_LEN, vmread(VM_EXIT_INSTRUCTION_LEN));
}

/* An NMI exit: keel's request if this CPU no longer runs the host (apic.c), else the host's, given back. */
static bool exit_nmi(unsigned cpu)
{
	if (((vmread(VM_EXIT_INTR_INFO) >> 8) & 7) != 2)
		return false; /* an exception: keel intercepts none */
	x86_nmi_unblock();
	if (x86_tlb_kick_take(cpu))
		return true; /* keel's flush request (shootdown.c): done by this exit */
	if (x86_cpu_runs_host(cpu))
		x86_vmx_queue_nmi(cpu);
	return true;
}

bool x86_vmx_handle_exit(unsigned cpu, struct x86_gprs *g)
{
	uint32_t reason = (uint32_t)vmread(VM_EXIT_REASON);

	if (reason & (1U << 31))
		x86_vmx_stopped(cpu, "was refused by VM entry");
	redeliver();
	switch (reason & 0xffff) {
	case EXIT_EXCEPTION_NMI:
		return exit_nmi(cpu);
	case EXIT_NMI_WINDOW: /* the host can take its NMI now (vmx_host.c gives it back) */
		vmwrite(CPU_BASED_VM_EXEC_CONTROL, vmread(CPU_BASED_VM_EXEC_CONTROL) & ~PROC_NMI_WINDOW);
		return true;
	case EXIT_CPUID:
		exit_cpuid(g);
		return true;
	case EXIT_VMCALL:
		exit_vmcall(g);
		return true;
	case EXIT_CR_ACCESS:
		return exit_cr(g);
	case EXIT_RDMSR:
	case EXIT_WRMSR:
		exit_msr(g, cpu, (reason & 0xffff) == EXIT_WRMSR);
		return true;
	case EXIT_XSETBV:
		exit_xsetbv(g);
		return true;
	case EXIT_INVD:
		__asm__ volatile("wbinvd" ::: "memory"); /* INVD would drop keel's dirty lines: write them back */
		skip();
		return true;
	case EXIT_INIT:
		/* A real INIT that did not go through keel's filter (apic.c): it waits in keel, as INIT leaves a CPU. */
		x86_cpu_set_runs_host(cpu, false);
		return true;
	case EXIT_EPT_VIOLATION:
		exit_ept(g, cpu);
		return true;
	case EXIT_GETSEC:
	case EXIT_VMCLEAR: case EXIT_VMLAUNCH: case EXIT_VMPTRLD: case EXIT_VMPTRST: case EXIT_VMREAD:
	case EXIT_VMRESUME: case EXIT_VMWRITE: case EXIT_VMXOFF: case EXIT_VMXON: case EXIT_INVEPT:
	case EXIT_INVVPID:
		inject(VEC_UD, false); /* the host has no VMX (CPUID says so) */
		return true;
	case EXIT_TRIPLE_FAULT:
		x86_vmx_stopped(cpu, "triple-faulted");
	}
	return false;
}

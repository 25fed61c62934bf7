// SPDX-License-Identifier: GPL-2.0
/* The host's exits under VMX (vmx_host.c runs it). */
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

/* An MSR outside the bitmap's ranges (those always exit): the host's own, carried out, #GP if the CPU has none. */
static void exit_msr(struct x86_gprs *g, bool wr)
{
	uint64_t val = (g->rdx << 32) | (uint32_t)g->rax;

	if (x86_msr_safe((uint32_t)g->rcx, &val, wr)) {
		inject(VEC_GP, true);
		return;
	}
	if (!wr)
		g->rax = (uint32_t)val, g->rdx = val >> 32;
	skip();
}

bool x86_vmx_handle_exit(unsigned cpu, struct x86_gprs *g)
{
	static unsigned reported;
	uint32_t reason = (uint32_t)vmread(VM_EXIT_REASON);

	if (reason & (1U << 31))
		x86_vmx_stopped(cpu, "was refused by VM entry");
	switch (reason & 0xffff) {
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
		exit_msr(g, (reason & 0xffff) == EXIT_WRMSR);
		return true;
	case EXIT_XSETBV:
		exit_xsetbv(g);
		return true;
	case EXIT_INVD:
		__asm__ volatile("wbinvd" ::: "memory"); /* INVD would drop keel's dirty lines: write them back */
		skip();
		return true;
	case EXIT_INIT: /* the host sends this CPU INIT: it waits for a SIPI */
		x86_vmx_real_mode(cpu, 0);
		vmwrite(GUEST_ACTIVITY_STATE, ACTIVITY_WAIT_SIPI);
		return true;
	case EXIT_SIPI:
		x86_vmx_real_mode(cpu, (uint8_t)vmread(EXIT_QUALIFICATION));
		return true;
	case EXIT_EPT_VIOLATION:
		if (reported < 10) {
			reported++;
			hv_printf("keel: the host touched 0x%llx (keel's memory) at RIP 0x%llx: #GP injected\n",
				  (unsigned long long)vmread(GUEST_PHYSICAL_ADDRESS), (unsigned long long)vmread(GUEST_RIP));
		}
		inject(VEC_GP, true);
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

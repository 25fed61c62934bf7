/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AMD SVM as keel uses it (AMD64 APM vol. 2, ch. 15 and appendix B): the
 * VMCB's fields by byte offset, intercept bits, exit codes. svm.c drives it.
 */
#ifndef ARCH_X86_SVM_H
#define ARCH_X86_SVM_H

#include <hv/types.h>

#define MSR_VM_CR 0xc0010114
#define VM_CR_LOCK BIT(3)
#define VM_CR_SVMDIS BIT(4)
#define MSR_VM_HSAVE_PA 0xc0010117
#define EFER_SVME BIT(12)

/* CPUID 0x8000000A EDX */
#define SVM_FEAT_NPT BIT(0)
#define SVM_FEAT_NRIPS BIT(3)

/* VMCB control area */
#define VMCB_INTERCEPT_CR 0x000
#define VMCB_INTERCEPT_EXC 0x008
#define VMCB_INTERCEPT_MISC1 0x00c
#define VMCB_INTERCEPT_MISC2 0x010
#define VMCB_IOPM_BASE 0x040
#define VMCB_MSRPM_BASE 0x048
#define VMCB_ASID 0x058
#define VMCB_TLB_CONTROL 0x05c
#define VMCB_VINTR 0x060
#define VMCB_EXITCODE 0x070
#define VMCB_EXITINFO1 0x078
#define VMCB_EXITINFO2 0x080
#define VMCB_EXITINTINFO 0x088
#define VMCB_NP_ENABLE 0x090
#define VMCB_EVENTINJ 0x0a8
#define VMCB_N_CR3 0x0b0
#define VMCB_CLEAN 0x0c0
#define VMCB_NRIP 0x0c8
/* VMCB state-save area */
#define VMCB_ES 0x400
#define VMCB_CS 0x410
#define VMCB_SS 0x420
#define VMCB_DS 0x430
#define VMCB_FS 0x440
#define VMCB_GS 0x450
#define VMCB_GDTR 0x460
#define VMCB_LDTR 0x470
#define VMCB_IDTR 0x480
#define VMCB_TR 0x490
#define VMCB_CPL 0x4cb
#define VMCB_EFER 0x4d0
#define VMCB_CR4 0x548
#define VMCB_CR3 0x550
#define VMCB_CR0 0x558
#define VMCB_DR7 0x560
#define VMCB_DR6 0x568
#define VMCB_RFLAGS 0x570
#define VMCB_RIP 0x578
#define VMCB_RSP 0x5d8
#define VMCB_RAX 0x5f8
#define VMCB_CR2 0x640
#define VMCB_G_PAT 0x668

/* A segment in the VMCB: selector, attributes (type, S, DPL, P, AVL, L, D/B, G), limit, base. */
struct vmcb_seg {
	uint16_t sel, attr;
	uint32_t limit;
	uint64_t base;
};

/* Intercept bits: MISC1 */
#define SVM_I_NMI BIT(1)
#define SVM_I_INIT BIT(3)
#define SVM_I_CPUID BIT(18)
#define SVM_I_INVD BIT(22)
#define SVM_I_INVLPGA BIT(26)
#define SVM_I_MSR BIT(28)
#define SVM_I_SHUTDOWN BIT(31)
/* MISC2 */
#define SVM_I_VMRUN BIT(0)
#define SVM_I_VMMCALL BIT(1)
#define SVM_I_VMLOAD BIT(2)
#define SVM_I_VMSAVE BIT(3)
#define SVM_I_STGI BIT(4)
#define SVM_I_CLGI BIT(5)
#define SVM_I_SKINIT BIT(6)

/* Exit codes */
#define SVM_EXIT_NMI 0x061
#define SVM_EXIT_INIT 0x063
#define SVM_EXIT_CPUID 0x072
#define SVM_EXIT_INVLPGA 0x07a
#define SVM_EXIT_MSR 0x07c
#define SVM_EXIT_SHUTDOWN 0x07f
#define SVM_EXIT_VMRUN 0x080
#define SVM_EXIT_VMMCALL 0x081
#define SVM_EXIT_VMLOAD 0x082
#define SVM_EXIT_VMSAVE 0x083
#define SVM_EXIT_STGI 0x084
#define SVM_EXIT_CLGI 0x085
#define SVM_EXIT_SKINIT 0x086
#define SVM_EXIT_NPF 0x400
#define SVM_EXIT_INVALID 0xffffffffffffffffULL

/* EVENTINJ */
#define SVM_EVTINJ_VALID BIT(31)
#define SVM_EVTINJ_TYPE_EXC (3U << 8)
#define SVM_EVTINJ_ERR_VALID BIT(11)
#define SVM_EVTINJ_TYPE(e) (((e) >> 8) & 7)
#define EVENT_NMI ((2U << 8) | 2) /* EVENTINJ type 2, vector 2 */

/* The guest's general registers keel keeps (RSP lives in the VMCB/VMCS; RAX too under SVM, here under VMX). */
struct x86_gprs {
	uint64_t rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rax;
};

/* svm_entry.S: run the guest of the VMCB at vmcb_pa with registers g until its next #VMEXIT. */
void svm_vmrun(uint64_t vmcb_pa, struct x86_gprs *g);

/* One CPU's SVM state (svm.c), owned by that CPU. */
struct svm_cpu {
	uint64_t tlb_gen;  /* the nested-TLB generation this CPU is clean for */
	uint8_t *vmcb;
	uint64_t vmcb_pa;
	void *hsave;
	struct x86_gprs g;
	bool nmi_pending;  /* the host's NMI, injected once EVENTINJ is free */
};

#define VMCB64(v, off) (*(uint64_t *)((v) + (off)))
#define VMCB32(v, off) (*(uint32_t *)((v) + (off)))

/* svm.c, for the exit handlers */
extern bool svm_nrips;
void svm_inject(uint8_t *vmcb, uint32_t event);     /* EVENTINJ: an exception vector | SVM_EVTINJ_* bits */
void svm_skip(uint8_t *vmcb, unsigned len);          /* step over the exiting instruction of length len */
void svm_start_real_mode(struct svm_cpu *s, uint16_t seg, uint16_t ip); /* the host, as INIT+SIPI leave a CPU */
void __noreturn svm_host_stopped(struct svm_cpu *s, const char *why);

/* svm_exit.c: one exit of the host; false if keel has no handler for it */
bool svm_handle_exit(struct svm_cpu *s, unsigned cpu);

#endif

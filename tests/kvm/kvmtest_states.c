// SPDX-License-Identifier: GPL-2.0
/*
 * Guest states KVM runs and keel must too (issue: a guest can only hurt
 * itself): AArch32 code at EL0 under an AArch64 EL1 (A32 and Thumb, MMIO
 * exits from both, a 16-bit Thumb access completed 2 bytes on, an access
 * inside an IT block whose state moves on, SVC back to EL1), and PSTATE.IL
 * (the guest takes its Illegal State exception), and the EL1 physical timer
 * (CNTP_*: emulated as KVM does, its expiry waking a WFI and reaching the
 * VMM as KVM_ARM_DEV_EL1_PTIMER), and FP/SIMD registers across exits.
 * Part of test_reference():
 * the same checks run over Linux's own KVM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvmtest.h"

#define PSTATE CORE(regs.pstate)
#define PSR_T (1UL << 5)
#define PSR_IL (1UL << 20)
#define PSR_IT(ps) ((((ps) >> 8) & 0xfc) | (((ps) >> 25) & 3))
#define OFF_A32 0x100     /* the EL0 code */
#define OFF_THUMB 0x10c   /* its Thumb part */
#define OFF_IT_STORE 0x200 /* Thumb: a store inside an ITE block (to an ioeventfd), then SVC */
#define OFF_IL 0x300      /* EL1 code entered with PSTATE.IL set */
#define OFF_TO_THUMB 0x500 /* EL1: an exception return to OFF_IT_STORE in Thumb user mode, r2 = 0 */
#define OFF_PTIMER 0x400  /* EL1: the physical timer 4096 ticks on, enabled, then WFI */
#define OFF_FP 0x600     /* EL1: FP/SIMD registers across exits */
#define OFF_LOOP 0x700   /* EL1: stores to an ioeventfd in a loop */
#define OFF_VECTORS 0x800 /* VBAR_EL1 */

/*
 * EL1 (AArch64) at offset 0: vectors, then an exception return to A32 user
 * mode with x0 = the MMIO address, x1 = 0x1234. The A32 and Thumb
 * instructions are given as numbers (this file is built for AArch64).
 */
extern const uint32_t guest_states[], guest_states_end[];
__asm__(".pushsection .rodata\n"
	".balign 0x800\n"
	".global guest_states\n"
	"guest_states:\n"
	".macro at off\n"
	"	.skip \\off - (. - guest_states)\n"
	".endm\n"
	"	movz x0, #0x1000, lsl #16\n"
	"	adr x1, guest_states + 0x800\n"
	"	msr vbar_el1, x1\n"
	"	adr x2, guest_states + 0x100\n"
	"	msr elr_el1, x2\n"
	"	mov x3, #0x10\n" /* SPSR: AArch32 user mode, A32, interrupts unmasked */
	"	msr spsr_el1, x3\n"
	"	movz x1, #0x1234\n"
	"	isb\n"
	"	eret\n"
	"	at 0x100\n"
	"	.word 0xe5801000\n" /* A32 str r1, [r0]: MMIO write */
	"	.word 0xe28f3001\n" /* add r3, pc, #1: the Thumb code just after the bx, T bit set */
	"	.word 0xe12fff13\n" /* bx r3 */
	"	.hword 0x6001\n"    /* Thumb at 0x10c: str r1, [r0], a 16-bit MMIO write (ESR.IL = 0) */
	"	.hword 0x4289\n"    /* cmp r1, r1: Z */
	"	.hword 0xbf08\n"    /* it eq */
	"	.hword 0x6802\n"    /* ldreq r2, [r0]: an MMIO read inside the IT block */
	"	.hword 0xdf00\n"    /* svc #0 */
	"	.hword 0xbf00\n"
	"	at 0x200\n"         /* Thumb, OFF_IT_STORE */
	"	.hword 0x4289\n"    /* cmp r1, r1: Z */
	"	.hword 0xbf0c\n"    /* ite eq */
	"	.hword 0x6001\n"    /* streq r1, [r0]: a write an ioeventfd takes in the kernel */
	"	.hword 0x2207\n"    /* movne r2, #7: skipped, if the IT state moved on past the store */
	"	.hword 0xdf00\n"    /* svc #0 */
	"	.hword 0xbf00\n"
	"	at 0x300\n"         /* entered with PSTATE.IL: the first instruction takes the Illegal State exception */
	"	nop\n"
	"	b .\n"
	"	at 0x400\n"
	"	mov x0, #0x1000\n"
	"	msr cntp_tval_el0, x0\n"
	"	mov x0, #1\n"
	"	msr cntp_ctl_el0, x0\n"
	"	isb\n"
	"1:	wfi\n"
	"	b 1b\n"
	"	at 0x500\n"         /* OFF_TO_THUMB */
	"	movz x0, #0x1000, lsl #16\n"
	"	adr x1, guest_states + 0x800\n"
	"	msr vbar_el1, x1\n"
	"	adr x2, guest_states + 0x200\n"
	"	msr elr_el1, x2\n"
	"	mov x3, #0x30\n"   /* SPSR: AArch32 user mode, Thumb */
	"	msr spsr_el1, x3\n"
	"	movz x1, #0x1234\n"
	"	mov x2, #0\n"
	"	isb\n"
	"	eret\n"
	"	at 0x600\n"         /* OFF_FP: FP/SIMD across exits the kernel completes and ones to userspace */
	"	movz x0, #0x1000, lsl #16\n"
	"	mov x9, #(3 << 20)\n" /* CPACR_EL1.FPEN: EL1 and EL0 may use FP/SIMD */
	"	msr cpacr_el1, x9\n"
	"	isb\n"
	"	str x1, [x0]\n"       /* the ioeventfd: an exit the kernel completes, FP untouched */
	"	umov x4, v0.d[1]\n"   /* the VMM's v0 (high half) */
	"	str x4, [x0, #8]\n"
	"	movz x5, #0x5678\n"
	"	ins v3.d[0], x5\n"
	"	movi v8.2d, #0\n"      /* the host's callee-saved d8 must not see this */
	"	str x1, [x0]\n"
	"	str x1, [x0]\n"
	"	umov x6, v3.d[0]\n"   /* written before two kernel-completed exits */
	"	str x6, [x0, #16]\n"
	"	mrs x7, fpcr\n"
	"	str x7, [x0, #24]\n"
	"	b .\n"
	"	at 0x700\n"         /* OFF_LOOP: x5 set, then x6 counts stores to the ioeventfd, for ever */
	"	movz x0, #0x1000, lsl #16\n"
	"	movz x5, #0x1234\n"
	"1:	add x6, x6, #1\n"
	"	str x6, [x0]\n"
	"	b 1b\n"
	"	at 0xa00\n"         /* VBAR + 0x200, current EL with SPx, synchronous: ESR_EL1 at +40 */
	"	movz x9, #0x1000, lsl #16\n"
	"	mrs x5, esr_el1\n"
	"	str x5, [x9, #40]\n"
	"	b .\n"
	"	at 0xe00\n"         /* VBAR + 0x600, lower EL in AArch32, synchronous (the SVC) */
	"	movz x9, #0x1000, lsl #16\n"
	"	mrs x5, esr_el1\n"
	"	str x5, [x9, #8]\n"
	"	mrs x5, spsr_el1\n"
	"	str x5, [x9, #16]\n"
	"	mrs x5, elr_el1\n"
	"	str x5, [x9, #24]\n"
	"	str x2, [x9, #32]\n"
	"	b .\n"
	".purgem at\n"
	".global guest_states_end\n"
	"guest_states_end:\n"
	".popsection\n");

/* Run to the next MMIO exit at GUEST_MMIO + off; 0 if it came. */
static long mmio_at(struct code_vm *s, uint64_t off)
{
	long r = run_timeout(s->vcpu, GUARD_US);

	if (r)
		return r;
	return s->run->exit_reason == KVM_EXIT_MMIO && s->run->mmio.phys_addr == GUEST_MMIO + off ? 0 : -EIO;
}

static uint64_t mmio_u64(const struct code_vm *s) { return *(const uint64_t *)s->run->mmio.data; }

static void test_aarch32_el0(void)
{
	struct code_vm s;
	uint64_t pc = GUEST_RAM, ps, pfr0 = 0;
	long r;

	if (code_vm_open(&s, guest_states, guest_states_end)) {
		check(false, "AArch32 EL0: guest set up");
		goto out;
	}
	get_reg(s.vcpu, ARM64_SYS_REG(3, 0, 0, 4, 0), &pfr0);
	if ((pfr0 & 0xf) != 2) {
		printf("# AArch32 EL0 not offered (ID_AA64PFR0_EL1.EL0 %llu): no AArch32 guest test\n",
		       (unsigned long long)(pfr0 & 0xf));
		goto out;
	}
	set_reg(s.vcpu, CORE(regs.pc), &pc);
	r = mmio_at(&s, 0);
	ps = reg64(s.vcpu, PSTATE);
	check(!r && s.run->mmio.is_write && s.run->mmio.len == 4 && (uint32_t)mmio_u64(&s) == 0x1234 &&
		      (ps & 0x1f) == 0x10 && !(ps & PSR_T) && reg64(s.vcpu, CORE(regs.pc)) == GUEST_RAM + OFF_A32,
	      "AArch32 user mode, A32: an MMIO write exits at the STR (%s, pstate 0x%llx, pc 0x%llx)", err_name(r),
	      (unsigned long long)ps, (unsigned long long)reg64(s.vcpu, CORE(regs.pc)));
	r = mmio_at(&s, 0);
	ps = reg64(s.vcpu, PSTATE);
	check(!r && s.run->mmio.is_write && (ps & 0x1f) == 0x10 && (ps & PSR_T) &&
		      reg64(s.vcpu, CORE(regs.pc)) == GUEST_RAM + OFF_THUMB,
	      "the VM carries on: Thumb, a 16-bit STR to MMIO exits (%s, pstate 0x%llx, pc 0x%llx)", err_name(r),
	      (unsigned long long)ps, (unsigned long long)reg64(s.vcpu, CORE(regs.pc)));
	r = mmio_at(&s, 0);
	ps = reg64(s.vcpu, PSTATE);
	check(!r && !s.run->mmio.is_write && s.run->mmio.len == 4 && PSR_IT(ps) &&
		      reg64(s.vcpu, CORE(regs.pc)) == GUEST_RAM + OFF_THUMB + 6,
	      "completed 2 bytes on; an LDREQ inside an IT block reads MMIO (%s, IT 0x%llx, pc 0x%llx)", err_name(r),
	      (unsigned long long)PSR_IT(ps), (unsigned long long)reg64(s.vcpu, CORE(regs.pc)));
	memcpy(s.run->mmio.data, "\x78\x56\x00\x00\x00\x00\x00\x00", 8);
	r = mmio_at(&s, 8);
	check(!r && mmio_u64(&s) >> 26 == 0x11, "SVC from Thumb reaches EL1 as an AArch32 SVC (ESR_EL1 0x%llx, %s)",
	      (unsigned long long)mmio_u64(&s), err_name(r));
	r = mmio_at(&s, 16);
	ps = mmio_u64(&s);
	check(!r && (ps & 0x1f) == 0x10 && (ps & PSR_T) && !PSR_IT(ps) && (ps & (1UL << 30)),
	      "its SPSR_EL1: user mode, Thumb, Z, the IT block over (0x%llx)", (unsigned long long)ps);
	r = mmio_at(&s, 24);
	check(!r && mmio_u64(&s) == GUEST_RAM + OFF_THUMB + 10, "its ELR_EL1: past the SVC (0x%llx)",
	      (unsigned long long)mmio_u64(&s));
	r = mmio_at(&s, 32);
	check(!r && (uint32_t)mmio_u64(&s) == 0x5678, "the MMIO read landed in r2 (0x%llx)",
	      (unsigned long long)mmio_u64(&s));
out:
	code_vm_close(&s);
}

/*
 * A Thumb store inside an ITE block taken by an ioeventfd: completed in the
 * kernel, the IT state must move on with the PC (the else-instruction after
 * it is skipped; under keel the shim steps it and re-enters telling keel only
 * the PC and PSTATE moved).
 */
static void test_it_ioeventfd(void)
{
	struct kvm_ioeventfd io = { .addr = GUEST_MMIO, .len = 4 };
	uint64_t pc = GUEST_RAM + OFF_TO_THUMB, ps, n = 0;
	struct code_vm s;
	long r;

	io.fd = eventfd(0, 0);
	if (code_vm_open(&s, guest_states, guest_states_end) || io.fd < 0 ||
	    kioctl(s.vm, KVM_IOEVENTFD, (unsigned long)&io)) {
		check(false, "AArch32 EL0 with an ioeventfd: guest set up");
		goto out;
	}
	if ((reg64(s.vcpu, ARM64_SYS_REG(3, 0, 0, 4, 0)) & 0xf) != 2)
		goto out; /* no AArch32 EL0: test_aarch32_el0() said so */
	set_reg(s.vcpu, CORE(regs.pc), &pc);
	r = mmio_at(&s, 8);
	check(!r && mmio_u64(&s) >> 26 == 0x11 && read(io.fd, &n, sizeof(n)) == sizeof(n) && n == 1,
	      "a Thumb STREQ in an IT block signals its ioeventfd without an exit to userspace, then SVC (%s, %llu)",
	      err_name(r), (unsigned long long)n);
	r = mmio_at(&s, 16);
	ps = mmio_u64(&s);
	check(!r && (ps & PSR_T) && !PSR_IT(ps), "its SPSR_EL1: Thumb, the IT block over (0x%llx)", (unsigned long long)ps);
	r = mmio_at(&s, 24);
	r = r ? r : mmio_at(&s, 32);
	check(!r && (uint32_t)mmio_u64(&s) == 0, "the else-instruction after the store was skipped: r2 0x%llx (want 0)",
	      (unsigned long long)mmio_u64(&s));
out:
	if (io.fd >= 0)
		close(io.fd);
	code_vm_close(&s);
}

/*
 * The VMM's FP/SIMD registers reach the guest, the guest's come back to the
 * VMM, and both sides keep theirs across exits the kernel completes (an
 * ioeventfd write) and ones that reach userspace. keel switches them only
 * in a run where the guest uses them.
 */
static void test_fp_simd(void)
{
	struct kvm_ioeventfd io = { .addr = GUEST_MMIO, .len = 8 };
	uint64_t pc = GUEST_RAM + OFF_FP, v0[2] = { 0x1111, 0x2222 }, v3[2] = { 0, 0 }, n = 0, d8 = 0;
	uint64_t v0_id = KVM_REG_ARM64 | KVM_REG_SIZE_U128 | KVM_REG_ARM_CORE | KVM_REG_ARM_CORE_REG(fp_regs.vregs[0]);
	uint64_t v3_id = KVM_REG_ARM64 | KVM_REG_SIZE_U128 | KVM_REG_ARM_CORE | KVM_REG_ARM_CORE_REG(fp_regs.vregs[3]);
	uint32_t fpcr = 0x03c00000; /* AHP, DN, FZ, RMode 0 */
	uint64_t fpcr_id = KVM_REG_ARM64 | KVM_REG_SIZE_U32 | KVM_REG_ARM_CORE | KVM_REG_ARM_CORE_REG(fp_regs.fpcr);
	struct code_vm s;
	long r, r2, r3;

	io.fd = eventfd(0, 0);
	if (code_vm_open(&s, guest_states, guest_states_end) || io.fd < 0 ||
	    kioctl(s.vm, KVM_IOEVENTFD, (unsigned long)&io) || set_reg(s.vcpu, CORE(regs.pc), &pc) ||
	    set_reg(s.vcpu, v0_id, v0) || set_reg(s.vcpu, fpcr_id, &fpcr)) {
		check(false, "FP/SIMD: guest set up");
		goto out;
	}
	__asm__ volatile("fmov d8, %0" : : "r"(0x8888ULL) : "d8");
	r = mmio_at(&s, 8);
	check(!r && mmio_u64(&s) == 0x2222 && read(io.fd, &n, sizeof(n)) == sizeof(n) && n == 1,
	      "the guest reads the VMM's v0 after an ioeventfd write (0x%llx, %s)", (unsigned long long)mmio_u64(&s),
	      err_name(r));
	r = mmio_at(&s, 16);
	r2 = mmio_at(&s, 24);
	r3 = get_reg(s.vcpu, v3_id, v3);
	__asm__ volatile("fmov %0, d8" : "=r"(d8));
	check(!r && !r3 && v3[0] == 0x5678, "its v3 holds across two ioeventfd writes, and the VMM reads it (0x%llx, %s)",
	      (unsigned long long)v3[0], err_name(r ? r : r3));
	check(!r2 && (uint32_t)mmio_u64(&s) == fpcr, "its FPCR is the VMM's (0x%llx)", (unsigned long long)mmio_u64(&s));
	check(d8 == 0x8888, "the VMM's own d8 holds across KVM_RUN while the guest clears its v8 (0x%llx)",
	      (unsigned long long)d8);
out:
	if (io.fd >= 0)
		close(io.fd);
	code_vm_close(&s);
}

/*
 * Registers after exits the kernel completes: a guest storing to an
 * ioeventfd in a loop until a signal ends KVM_RUN; then the VMM reads and
 * sets registers (under keel, the page is made whole for the ioctl: the
 * exits before wrote back only what they changed).
 */
static void test_regs_after_kernel_exits(void)
{
	struct kvm_ioeventfd io = { .addr = GUEST_MMIO, .len = 8 };
	uint64_t pc = GUEST_RAM + OFF_LOOP, n = 0, x6, zero = 0;
	struct code_vm s;
	long r;

	io.fd = eventfd(0, 0);
	if (code_vm_open(&s, guest_states, guest_states_end) || io.fd < 0 ||
	    kioctl(s.vm, KVM_IOEVENTFD, (unsigned long)&io) || set_reg(s.vcpu, CORE(regs.pc), &pc)) {
		check(false, "registers after ioeventfd writes: guest set up");
		goto out;
	}
	r = run_timeout(s.vcpu, 200000);
	x6 = reg64(s.vcpu, CORE(regs.regs[6]));
	pc = reg64(s.vcpu, CORE(regs.pc));
	check(r == -EINTR && read(io.fd, &n, sizeof(n)) == sizeof(n) && n > 0 && (x6 == n || x6 == n + 1) &&
		      reg64(s.vcpu, CORE(regs.regs[5])) == 0x1234 && pc >= GUEST_RAM + OFF_LOOP + 8 &&
		      pc <= GUEST_RAM + OFF_LOOP + 16,
	      "after %llu ioeventfd writes and a signal the VMM reads the guest's x5, x6 (%llu) and PC (0x%llx) (%s)",
	      (unsigned long long)n, (unsigned long long)x6, (unsigned long long)pc, err_name(r));
	r = set_reg(s.vcpu, CORE(regs.regs[6]), &zero);
	r = r ? r : run_timeout(s.vcpu, 200000);
	x6 = reg64(s.vcpu, CORE(regs.regs[6]));
	n = 0;
	check(r == -EINTR && read(io.fd, &n, sizeof(n)) == sizeof(n) && n > 0 && (x6 == n || x6 == n + 1),
	      "x6 set to 0 between runs is what the guest counts on from (%llu writes, x6 %llu, %s)",
	      (unsigned long long)n, (unsigned long long)x6, err_name(r));
out:
	if (io.fd >= 0)
		close(io.fd);
	code_vm_close(&s);
}

static void test_pstate_il(void)
{
	struct code_vm s;
	uint64_t pc, ps;
	long r;

	if (code_vm_open(&s, guest_states, guest_states_end)) {
		check(false, "PSTATE.IL: guest set up");
		goto out;
	}
	pc = GUEST_RAM + OFF_VECTORS;
	r = set_reg(s.vcpu, ARM64_SYS_REG(3, 0, 12, 0, 0), &pc); /* VBAR_EL1 */
	pc = GUEST_RAM + OFF_IL;
	ps = 0x3c5 | PSR_IL;
	r = r ? r : set_reg(s.vcpu, CORE(regs.pc), &pc);
	r = r ? r : set_reg(s.vcpu, PSTATE, &ps);
	check(!r, "KVM_SET_ONE_REG: PSTATE with IL set (EL1h) is taken (%s)", err_name(r));
	r = mmio_at(&s, 40);
	check(!r && mmio_u64(&s) >> 26 == 0x0e, "the guest takes its Illegal State exception (ESR_EL1 0x%llx, %s)",
	      (unsigned long long)mmio_u64(&s), err_name(r));
	r = run_timeout(s.vcpu, 100000);
	check(r == -EINTR, "and runs on (its handler spins: KVM_RUN ends by the timeout's signal, %s)", err_name(r));
out:
	code_vm_close(&s);
}

static void test_ptimer(void)
{
	struct code_vm s;
	uint64_t pc = GUEST_RAM + OFF_PTIMER;
	long r;

	if (code_vm_open(&s, guest_states, guest_states_end) || set_reg(s.vcpu, CORE(regs.pc), &pc)) {
		check(false, "physical timer: guest set up");
		goto out;
	}
	r = run_timeout(s.vcpu, GUARD_US);
	check(r == -EINTR && !got_alarm && s.run->exit_reason == KVM_EXIT_INTR &&
		      (s.run->s.regs.device_irq_level & KVM_ARM_DEV_EL1_PTIMER),
	      "a guest's EL1 physical timer fires in its WFI: KVM_EXIT_INTR with the PTIMER line up "
	      "(%s, exit %u, device_irq_level 0x%llx%s)", err_name(r), s.run->exit_reason,
	      (unsigned long long)s.run->s.regs.device_irq_level, got_alarm ? ", only at the guard's signal" : "");
out:
	code_vm_close(&s);
}

void test_guest_states(void)
{
	test_aarch32_el0();
	test_it_ioeventfd();
	test_fp_simd();
	test_regs_after_kernel_exits();
	test_pstate_il();
	test_ptimer();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * KVM API tests: KVM_SET_GUEST_DEBUG (arch/arm64/kvm/guest.c, debug.c,
 * handle_exit.c of Linux 6.1): its errnos, and a guest debugged from
 * userspace as QEMU's gdbstub does it: single steps, a software breakpoint
 * (BRK), a hardware breakpoint and a watchpoint, each a KVM_EXIT_DEBUG with
 * KVM's syndrome, PC and FAR. The guest's own debugging (its breakpoints,
 * watchpoints, steps and OS lock) is the selftest debug-exceptions'.
 * test_guest_debug() is also part of kvmtest --reference.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kvmtest.h"

#define CODE_OFF 0x3000 /* clear of the other test guests' code (QEMU's TCG finds code by PC) */
#define DATA_OFF 0x8000
#define EC_BREAKPT_LOW 0x30
#define EC_SOFTSTP_LOW 0x32
#define EC_WATCHPT_LOW 0x34
#define EC_BRK64 0x3c

extern const uint32_t guest_dbg[], guest_dbg_end[];
__asm__(".pushsection .rodata\n"
	".balign 4\n"
	".global guest_dbg\n"
	"guest_dbg:\n"
	"	nop\n"                      /* +0: stepped */
	"	nop\n"                      /* +4: stepped */
	"	brk #0x12\n"                /* +8: software breakpoint */
	"	nop\n"                      /* +12 */
	"	movz x5, #0x1000, lsl #16\n" /* +16: hardware breakpoint (GUEST_MMIO) */
	"	str x6, [x7]\n"             /* +20: watched store */
	"	str x1, [x5]\n"             /* +24: report */
	"	b .\n"
	".global guest_dbg_end\n"
	"guest_dbg_end:\n"
	".popsection\n");

static long set_debug(int vcpu, const struct kvm_guest_debug *d)
{
	return kioctl(vcpu, KVM_SET_GUEST_DEBUG, (unsigned long)d);
}

/* A run that must stop with KVM_EXIT_DEBUG of class ec at code offset off. */
static void expect_debug(struct code_vm *g, unsigned ec, uint64_t off, const char *what)
{
	long r = run_timeout(g->vcpu, GUARD_US);
	uint64_t pc = reg64(g->vcpu, CORE(regs.pc)), want = GUEST_RAM + CODE_OFF + off;
	uint32_t hsr = g->run->debug.arch.hsr;

	check(r == 0 && g->run->exit_reason == KVM_EXIT_DEBUG && hsr >> 26 == ec &&
		      (g->run->flags & KVM_DEBUG_ARCH_HSR_HIGH_VALID) && pc == want,
	      "%s: KVM_EXIT_DEBUG, class 0x%x at 0x%llx (%s, exit %u, hsr 0x%x, flags %u, pc 0x%llx)", what, ec,
	      (unsigned long long)want, err_name(r), g->run->exit_reason, hsr, g->run->flags,
	      (unsigned long long)pc);
}

static void test_guest_debug_errors(int vcpu)
{
	struct kvm_guest_debug d = { .control = KVM_GUESTDBG_ENABLE | (1U << 4) };

	check(kioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_GUEST_DEBUG) == 1, "KVM_CAP_SET_GUEST_DEBUG = 1");
	check(kioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_DEBUG_HW_BPS) >= 2 &&
		      kioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_DEBUG_HW_WPS) >= 2,
	      "KVM_CAP_GUEST_DEBUG_HW_BPS / _WPS: %ld / %ld breakpoint and watchpoint pairs",
	      kioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_DEBUG_HW_BPS),
	      kioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_DEBUG_HW_WPS));
	check(set_debug(vcpu, &d) == -EINVAL, "KVM_SET_GUEST_DEBUG with an unknown control bit: -EINVAL");
	d.control = 1U << 31;
	check(set_debug(vcpu, &d) == -EINVAL, "... bit 31 without ENABLE: -EINVAL");
	check(kioctl(vcpu, KVM_SET_GUEST_DEBUG, 0) == -EFAULT, "KVM_SET_GUEST_DEBUG from address 0: -EFAULT");
	d.control = KVM_GUESTDBG_USE_SW_BP; /* without ENABLE: debugging off, accepted */
	check(set_debug(vcpu, &d) == 0, "USE_SW_BP without ENABLE: accepted (debugging off)");
}

void test_guest_debug(void)
{
	struct kvm_guest_debug d = { .control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP };
	struct code_vm g;
	uint64_t pc = GUEST_RAM + CODE_OFF, data = GUEST_RAM + DATA_OFF, val = 0x5eed;
	long r;

	if (code_vm_open(&g, guest_dbg, guest_dbg_end)) {
		check(false, "a guest for the guest-debug tests");
		code_vm_close(&g);
		return;
	}
	memcpy(g.mem + CODE_OFF, guest_dbg, (size_t)((const char *)guest_dbg_end - (const char *)guest_dbg));
	test_guest_debug_errors(g.vcpu);
	set_reg(g.vcpu, CORE(regs.pc), &pc);
	set_reg(g.vcpu, CORE(regs.regs[6]), &val);
	set_reg(g.vcpu, CORE(regs.regs[7]), &data);

	check(set_debug(g.vcpu, &d) == 0, "KVM_SET_GUEST_DEBUG: ENABLE | SINGLESTEP");
	expect_debug(&g, EC_SOFTSTP_LOW, 4, "a single step");
	expect_debug(&g, EC_SOFTSTP_LOW, 8, "another step");

	d.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP;
	check(set_debug(g.vcpu, &d) == 0, "KVM_SET_GUEST_DEBUG: ENABLE | USE_SW_BP");
	expect_debug(&g, EC_BRK64, 8, "a BRK");
	check((g.run->debug.arch.hsr & 0xffff) == 0x12, "its syndrome carries the BRK's immediate (0x%x)",
	      g.run->debug.arch.hsr & 0xffff);
	pc += 12;
	set_reg(g.vcpu, CORE(regs.pc), &pc);

	d.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW;
	d.arch.dbg_bvr[0] = GUEST_RAM + CODE_OFF + 16;
	d.arch.dbg_bcr[0] = (0xf << 5) | (1 << 1) | 1; /* BAS all, EL1, enabled */
	check(set_debug(g.vcpu, &d) == 0, "KVM_SET_GUEST_DEBUG: ENABLE | USE_HW, breakpoint 0 armed");
	expect_debug(&g, EC_BREAKPT_LOW, 16, "a hardware breakpoint");

	d.arch.dbg_bcr[0] = 0;
	d.arch.dbg_wvr[0] = data;
	d.arch.dbg_wcr[0] = (0xff << 5) | (2 << 3) | (1 << 1) | 1; /* BAS 8 bytes, stores, EL1, enabled */
	check(set_debug(g.vcpu, &d) == 0, "the breakpoint off, watchpoint 0 on stores armed");
	expect_debug(&g, EC_WATCHPT_LOW, 20, "a watched store");
	check(g.run->debug.arch.far == data, "its FAR is the watched address (0x%llx)",
	      (unsigned long long)g.run->debug.arch.far);
	check(!memcmp(g.mem + DATA_OFF, &(uint64_t){ 0 }, 8), "the watched store did not happen yet");

	d.control = 0;
	check(set_debug(g.vcpu, &d) == 0, "KVM_SET_GUEST_DEBUG: debugging off");
	r = run_timeout(g.vcpu, GUARD_US);
	check(r == 0 && g.run->exit_reason == KVM_EXIT_MMIO && g.run->mmio.phys_addr == GUEST_MMIO &&
		      !memcmp(g.mem + DATA_OFF, &val, 8),
	      "the guest carries on: the store done, its report reached (%s, exit %u)", err_name(r),
	      g.run->exit_reason);
	code_vm_close(&g);
}

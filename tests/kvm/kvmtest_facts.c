// SPDX-License-Identifier: GPL-2.0
/*
 * What a guest sees, as "fact NAME VALUE" lines (kvmtest --facts): the ID
 * registers a VMM reads back (KVM_GET_ONE_REG), the answers to SMCCC calls
 * (SMCCC version, ARCH_FEATURES and the CPU-erratum workarounds, PSCI,
 * unknown, yielding and unowned ids), what the EL1 physical timer's
 * registers read (or "undef"), and ICC_SRE_EL1 (read, and after the guest
 * wrote 0: the host's own GIC interface must not be the guest's to change). tests/kvm/kvm.mk records them over Linux's
 * own KVM on the same emulated CPU (nokeel-check.sh) and host-check.sh
 * compares keel's with them: a guest must not tell keel from KVM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvmtest.h"

#define OFF_HVC 0x0
#define OFF_MRS 0x100   /* one MRS per entry, 0x20 apart */
#define OFF_VECTORS 0x800
#define UNDEF_MARK 0xdeadUL

/*
 * At 0: HVC #0 then an MMIO write (so that the run stops there). At 0x100: MRS
 * of the registers below, each followed by the MMIO write. VBAR_EL1 + 0x200
 * (a synchronous exception at EL1): x0 = UNDEF_MARK, step over, return.
 */
extern const uint32_t guest_facts[], guest_facts_end[];
__asm__(".pushsection .rodata\n"
	".balign 0x800\n"
	".global guest_facts\n"
	"guest_facts:\n"
	".macro at off\n"
	"	.skip \\off - (. - guest_facts)\n"
	".endm\n"
	".macro rd reg\n"
	"	mrs x0, \\reg\n"
	"	str x0, [x9]\n"
	"	b .\n"
	"	.balign 0x20\n"
	".endm\n"
	".macro wrd reg\n" /* write 0, then read */
	"	msr \\reg, xzr\n"
	"	isb\n"
	"	mrs x0, \\reg\n"
	"	str x0, [x9]\n"
	"	b .\n"
	"	.balign 0x20\n"
	".endm\n"
	"	hvc #0\n"
	"	str x0, [x9]\n"
	"	b .\n"
	"	at 0x100\n"
	"	rd cntp_ctl_el0\n"
	"	rd cntp_cval_el0\n"
	"	rd cntp_tval_el0\n"
	"	rd id_aa64pfr0_el1\n"
	"	rd id_aa64mmfr1_el1\n"
	"	rd id_pfr0_el1\n"
	"	rd id_isar5_el1\n"
	"	rd s3_0_c12_c12_5\n"   /* ICC_SRE_EL1 */
	"	wrd s3_0_c12_c12_5\n"

	"	at 0xa00\n"
	"	movz x0, #0xdead\n"
	"	mrs x1, elr_el1\n"
	"	add x1, x1, #4\n"
	"	msr elr_el1, x1\n"
	"	eret\n"
	".purgem at\n"
	".purgem rd\n"
	".purgem wrd\n"
	".global guest_facts_end\n"
	"guest_facts_end:\n"
	".popsection\n");

static const char *const mrs_names[] = { "cntp_ctl_el0", "cntp_cval_el0", "cntp_tval_el0", "mrs_id_aa64pfr0",
					  "mrs_id_aa64mmfr1", "mrs_id_pfr0", "mrs_id_isar5", "icc_sre_el1",
					  "icc_sre_el1_after_writing_0" };

/* SMCCC calls: id and x1; the host sets x2 and x3 to markers to see what the answer writes. */
static const struct {
	const char *name;
	uint32_t fid;
	uint64_t x1;
} calls[] = {
	{ "smccc_version", 0x80000000, 0 },
	{ "arch_features_wa1", 0x80000001, 0x80008000 },
	{ "arch_features_wa2", 0x80000001, 0x80007fff },
	{ "arch_features_wa3", 0x80000001, 0x80003fff },
	{ "arch_features_version", 0x80000001, 0x80000000 },
	{ "arch_features_unknown", 0x80000001, 0x8000ff00 },
	{ "workaround_1", 0x80008000, 0x1111 },
	{ "workaround_2_on", 0x80007fff, 1 },
	{ "workaround_2_off", 0x80007fff, 0 },
	{ "workaround_3", 0x80003fff, 0x1111 },
	{ "psci_version", 0x84000000, 0 },
	{ "psci_features_smccc_version", 0x8400000a, 0x80000000 },
	{ "psci_features_cpu_suspend", 0x8400000a, 0xc4000001 },
	{ "yielding_call", 0x4b000000, 0x1111 },
	{ "unowned_owner_0x0b", 0x8b000000, 0x1111 },
	{ "std_service_unknown", 0x84000040, 0x1111 },
	{ "std_hyp_unknown", 0xc5000042, 0x1111 },
	{ "vendor_hyp_unknown", 0xc6000042, 0x1111 },
	{ "trusted_os", 0xb2000000, 0x1111 },
};

/* The code VM, with VBAR_EL1 at the vectors and x9 = the MMIO address. */
static int facts_setup(struct code_vm *f)
{
	uint64_t v = GUEST_RAM + OFF_VECTORS;

	if (code_vm_open(f, guest_facts, guest_facts_end) || set_reg(f->vcpu, ARM64_SYS_REG(3, 0, 12, 0, 0), &v))
		return -1;
	v = GUEST_MMIO;
	return (int)set_reg(f->vcpu, CORE(regs.regs[9]), &v);
}

/* Run from pc to the MMIO write; 0 if it came. The write is completed (as KVM_RUN does, PC past it) at once. */
static long facts_run(struct code_vm *f, uint64_t pc)
{
	long r = set_reg(f->vcpu, CORE(regs.pc), &pc);

	if (!r)
		r = run_timeout(f->vcpu, GUARD_US);
	if (!r && (f->run->exit_reason != KVM_EXIT_MMIO || f->run->mmio.phys_addr != GUEST_MMIO))
		r = -EIO;
	f->run->immediate_exit = 1;
	if (kioctl(f->vcpu, KVM_RUN, 0) != -EINTR && !r)
		r = -EIO;
	f->run->immediate_exit = 0;
	return r;
}

static void print_calls(struct code_vm *f)
{
	for (unsigned i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		uint64_t x[4] = { calls[i].fid, calls[i].x1, 0x2222, 0x3333 };
		long r = 0;

		for (unsigned k = 0; k < 4 && !r; k++)
			r = set_reg(f->vcpu, CORE(regs.regs[k]), &x[k]);
		r = r ? r : facts_run(f, GUEST_RAM + OFF_HVC);
		for (unsigned k = 0; k < 4 && !r; k++)
			x[k] = reg64(f->vcpu, CORE(regs.regs[k]));
		if (r)
			printf("fact hvc_%s error %s\n", calls[i].name, err_name(r));
		else
			printf("fact hvc_%s 0x%llx 0x%llx 0x%llx 0x%llx\n", calls[i].name, (unsigned long long)x[0],
			       (unsigned long long)x[1], (unsigned long long)x[2], (unsigned long long)x[3]);
	}
}

static void print_mrs(struct code_vm *f)
{
	for (unsigned i = 0; i < sizeof(mrs_names) / sizeof(mrs_names[0]); i++) {
		long r = facts_run(f, GUEST_RAM + OFF_MRS + 0x20 * i);
		uint64_t v = r ? 0 : reg64(f->vcpu, CORE(regs.regs[0]));

		if (r)
			printf("fact %s error %s\n", mrs_names[i], err_name(r));
		else if (v == UNDEF_MARK)
			printf("fact %s undef\n", mrs_names[i]);
		else if (i < 3) /* the timer: whether it reads, and its reset state (not the counter's value) */
			printf("fact %s %s\n", mrs_names[i], i == 0 ? (v & 1 ? "enabled" : "disabled") : "reads");
		else
			printf("fact %s 0x%llx\n", mrs_names[i], (unsigned long long)v);
	}
}

/* The ID registers (op0 3, op1 0, CRn 0, CRm 1..7) a VMM reads for vCPU 0. */
static void print_id_regs(struct code_vm *f)
{
	for (unsigned crm = 1; crm <= 7; crm++) {
		for (unsigned op2 = 0; op2 < 8; op2++) {
			uint64_t v = 0;
			long r = get_reg(f->vcpu, ARM64_SYS_REG(3, 0, 0, crm, op2), &v);

			printf("fact id_reg_0_%u_%u %s0x%llx\n", crm, op2, r ? "error " : "", (unsigned long long)v);
		}
	}
}

/* The physical timer's registers through ONE_REG (KVM 6.1 has ids for them but no timer behind them). */
static void print_ptimer_regs(struct code_vm *f)
{
	static const struct {
		const char *name;
		uint64_t id;
	} regs[] = { { "ptimer_ctl", KVM_REG_ARM_PTIMER_CTL }, { "ptimer_cval", KVM_REG_ARM_PTIMER_CVAL },
		     { "ptimer_cnt", KVM_REG_ARM_PTIMER_CNT } };

	for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		uint64_t v = 0;
		long r = get_reg(f->vcpu, regs[i].id, &v);

		printf("fact get_one_reg_%s %s\n", regs[i].name, r ? err_name(r) : "ok");
	}
}

int print_facts(void)
{
	struct code_vm f;
	int ret = 0;

	if (facts_setup(&f)) {
		printf("fact setup error\n");
		ret = 1;
	} else {
		print_id_regs(&f);
		print_ptimer_regs(&f);
		print_calls(&f);
		print_mrs(&f);
	}
	code_vm_close(&f);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * KVM API tests: guest calls past PSCI, as Linux 6.1 KVM answers them
 * (arch/arm64/kvm/{hypercalls,trng,pvtime}.c): TRNG, PV stolen time, KVM's
 * vendor calls (UID, features, PTP), each gated by the VM's firmware
 * bitmaps (KVM_REG_ARM_*_BMAP); guest SMCs; the vCPU device attributes
 * (PV time, timer, PMU); KVM_CREATE_DEVICE with no in-kernel device.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kvmtest.h"

/* SMCCC function ids (Arm DEN0028, DEN0098, DEN0057; Linux's <linux/arm-smccc.h>) */
#define SMCCC_ARCH_FEATURES 0x80000001U
#define SMCCC_WORKAROUND_1 0x80008000U
#define PSCI_VERSION_FN 0x84000000U
#define TRNG_VERSION 0x84000050U
#define TRNG_FEATURES 0x84000051U
#define TRNG_GET_UUID 0x84000052U
#define TRNG_RND32 0x84000053U
#define TRNG_RND64 0xc4000053U
#define PV_TIME_FEATURES 0xc5000020U
#define PV_TIME_ST 0xc5000021U
#define VENDOR_HYP_UID 0x8600ff01U
#define KVM_HYP_FEATURES 0x86000000U
#define KVM_HYP_PTP 0x86000001U
#define SIP_CALL 0x82000000U
#define NOT_SUPPORTED ((uint64_t)-1)
#define INVALID_PARAMETER ((uint64_t)-2)

#define STEAL_IPA (GUEST_RAM + 0x8000)
#define MMIO_RESULT 64 /* offset of the guests' report */

/* x0, x1 as the test set them: one call, then an MMIO write of x0 to GUEST_MMIO + 64. */
extern const uint32_t hc_guest[], hc_guest_smc[], hc_guest_end[];
__asm__(".pushsection .rodata\n"
	".balign 4\n"
	".global hc_guest\n"
	"hc_guest:\n"
	"	hvc #0\n"
	"	movz x5, #0x1000, lsl #16\n"
	"	str x0, [x5, #64]\n"
	"	b .\n"
	".global hc_guest_smc\n"
	"hc_guest_smc:\n"
	"	smc #0\n"
	"	movz x5, #0x1000, lsl #16\n"
	"	str x0, [x5, #64]\n"
	"	b .\n"
	".global hc_guest_end\n"
	"hc_guest_end:\n"
	".popsection\n");

/*
 * The guest makes one call (HVC, or SMC if smc) with x0 = fid, x1 = arg
 * (x2, x3 = 0x5a5a); res[] gets x0..x3 as the call left them. 0, or -1
 * when the guest did not come back with its report.
 */
static int hc_call(struct code_vm *g, bool smc, uint64_t fid, uint64_t arg, uint64_t res[4])
{
	uint64_t pc = GUEST_RAM + (smc ? (uint64_t)((const char *)hc_guest_smc - (const char *)hc_guest) : 0);
	uint64_t junk = 0x5a5a;
	long r;

	set_reg(g->vcpu, CORE(regs.pc), &pc);
	set_reg(g->vcpu, CORE(regs.regs[0]), &fid);
	set_reg(g->vcpu, CORE(regs.regs[1]), &arg);
	set_reg(g->vcpu, CORE(regs.regs[2]), &junk);
	set_reg(g->vcpu, CORE(regs.regs[3]), &junk);
	r = run_timeout(g->vcpu, GUARD_US);
	if (r || g->run->exit_reason != KVM_EXIT_MMIO || g->run->mmio.phys_addr != GUEST_MMIO + MMIO_RESULT) {
		printf("# %s 0x%llx: no report (KVM_RUN %s, exit %u at 0x%llx, pc 0x%llx)\n", smc ? "SMC" : "HVC",
		       (unsigned long long)fid, err_name(r), g->run->exit_reason,
		       (unsigned long long)g->run->mmio.phys_addr, (unsigned long long)reg64(g->vcpu, CORE(regs.pc)));
		return -1;
	}
	/* Complete the report (immediate_exit: back at once), then read what the call returned. */
	g->run->immediate_exit = 1;
	run_timeout(g->vcpu, GUARD_US);
	g->run->immediate_exit = 0;
	for (unsigned i = 0; i < 4; i++)
		res[i] = reg64(g->vcpu, CORE(regs.regs[i]));
	return 0;
}

/* x0 of one HVC, or 0xbad when the guest did not report. */
static uint64_t hc(struct code_vm *g, uint64_t fid, uint64_t arg)
{
	uint64_t res[4];

	return hc_call(g, false, fid, arg, res) ? 0xbad : res[0];
}

static void test_create_device(void)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_ARM_VGIC_V3, .flags = KVM_CREATE_DEVICE_TEST };
	int vm = create_vm(0);
	long r;

	r = kioctl(vm, KVM_CREATE_DEVICE, (unsigned long)&cd);
	check(r == 0, "KVM_CREATE_DEVICE(TEST, vGICv3): %s (want 0: kvmtest_vgic.c)", err_name(r));
	cd = (struct kvm_create_device){ .type = KVM_DEV_TYPE_ARM_VGIC_ITS, .flags = KVM_CREATE_DEVICE_TEST };
	r = kioctl(vm, KVM_CREATE_DEVICE, (unsigned long)&cd);
	check(r == 0, "KVM_CREATE_DEVICE(TEST, ITS): %s (want 0: kvmtest_its.c)", err_name(r));
	cd = (struct kvm_create_device){ .type = KVM_DEV_TYPE_ARM_VGIC_V2, .fd = -1 };
	r = kioctl(vm, KVM_CREATE_DEVICE, (unsigned long)&cd);
	check(r == -ENODEV && cd.fd == (uint32_t)-1, "KVM_CREATE_DEVICE(vGICv2): %s, fd untouched (want -ENODEV)",
	      err_name(r));
	cd = (struct kvm_create_device){ .type = 0, .flags = KVM_CREATE_DEVICE_TEST };
	r = kioctl(vm, KVM_CREATE_DEVICE, (unsigned long)&cd);
	check(r == -ENODEV, "KVM_CREATE_DEVICE(TEST, type 0): %s (want -ENODEV)", err_name(r));
	cd.type = 1000;
	r = kioctl(vm, KVM_CREATE_DEVICE, (unsigned long)&cd);
	check(r == -ENODEV, "KVM_CREATE_DEVICE(type 1000): %s (want -ENODEV)", err_name(r));
	r = kioctl(vm, KVM_CREATE_DEVICE, 0);
	check(r == -EFAULT, "KVM_CREATE_DEVICE(NULL): %s (want -EFAULT)", err_name(r));
	close(vm);
}

static void test_vcpu_attrs(struct code_vm *g)
{
	uint64_t v = 0;
	int irq = -1;
	long r;

	r = dev_attr(g->vcpu, KVM_HAS_DEVICE_ATTR, KVM_ARM_VCPU_TIMER_CTRL, KVM_ARM_VCPU_TIMER_IRQ_VTIMER, NULL);
	check(r == 0, "HAS timer VTIMER attribute: %s (want 0)", err_name(r));
	r = dev_attr(g->vcpu, KVM_GET_DEVICE_ATTR, KVM_ARM_VCPU_TIMER_CTRL, KVM_ARM_VCPU_TIMER_IRQ_VTIMER, &irq);
	check(r == 0 && irq == 27, "GET timer VTIMER PPI: %s, %d (want 27, KVM's default)", err_name(r), irq);
	r = dev_attr(g->vcpu, KVM_GET_DEVICE_ATTR, KVM_ARM_VCPU_TIMER_CTRL, KVM_ARM_VCPU_TIMER_IRQ_PTIMER, &irq);
	check(r == 0 && irq == 30, "GET timer PTIMER PPI: %s, %d (want 30)", err_name(r), irq);
	irq = 28;
	r = dev_attr(g->vcpu, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_TIMER_CTRL, KVM_ARM_VCPU_TIMER_IRQ_VTIMER, &irq);
	check(r == -EINVAL, "SET timer PPI: %s (want -EINVAL: no in-kernel irqchip)", err_name(r));
	r = dev_attr(g->vcpu, KVM_GET_DEVICE_ATTR, KVM_ARM_VCPU_TIMER_CTRL, 7, &irq);
	check(r == -ENXIO, "GET timer attribute 7: %s (want -ENXIO)", err_name(r));
	r = dev_attr(g->vcpu, KVM_HAS_DEVICE_ATTR, KVM_ARM_VCPU_PMU_V3_CTRL, KVM_ARM_VCPU_PMU_V3_INIT, NULL);
	check(r == -ENXIO, "HAS PMU INIT: %s (want -ENXIO: no PMU)", err_name(r));
	r = dev_attr(g->vcpu, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_PMU_V3_CTRL, KVM_ARM_VCPU_PMU_V3_INIT, NULL);
	check(r == -ENODEV, "SET PMU INIT: %s (want -ENODEV)", err_name(r));
	r = dev_attr(g->vcpu, KVM_HAS_DEVICE_ATTR, 77, 0, NULL);
	check(r == -ENXIO, "HAS of attribute group 77: %s (want -ENXIO)", err_name(r));
	r = kioctl(g->vcpu, KVM_SET_DEVICE_ATTR, 0);
	check(r == -EFAULT, "KVM_SET_DEVICE_ATTR(NULL): %s (want -EFAULT)", err_name(r));

	/* PV time: the stolen-time record's IPA, 64-byte aligned, in guest memory, once. */
	r = dev_attr(g->vcpu, KVM_HAS_DEVICE_ATTR, KVM_ARM_VCPU_PVTIME_CTRL, KVM_ARM_VCPU_PVTIME_IPA, NULL);
	check(r == 0, "HAS PVTIME_IPA: %s (want 0)", err_name(r));
	r = dev_attr(g->vcpu, KVM_GET_DEVICE_ATTR, KVM_ARM_VCPU_PVTIME_CTRL, KVM_ARM_VCPU_PVTIME_IPA, &v);
	check(r == 0 && v == ~0ULL, "GET PVTIME_IPA before it is set: %s, 0x%llx (want ~0)", err_name(r),
	      (unsigned long long)v);
	v = STEAL_IPA + 8;
	r = dev_attr(g->vcpu, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_PVTIME_CTRL, KVM_ARM_VCPU_PVTIME_IPA, &v);
	check(r == -EINVAL, "SET PVTIME_IPA not 64-byte aligned: %s (want -EINVAL)", err_name(r));
	v = GUEST_RAM + GUEST_SIZE;
	r = dev_attr(g->vcpu, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_PVTIME_CTRL, KVM_ARM_VCPU_PVTIME_IPA, &v);
	check(r == -EINVAL, "SET PVTIME_IPA outside guest memory: %s (want -EINVAL)", err_name(r));
	r = dev_attr(g->vcpu, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_PVTIME_CTRL, KVM_ARM_VCPU_PVTIME_IPA, NULL);
	check(r == -EFAULT, "SET PVTIME_IPA from NULL: %s (want -EFAULT)", err_name(r));
	r = dev_attr(g->vcpu, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_PVTIME_CTRL, 1, &v);
	check(r == -ENXIO, "SET PV time attribute 1: %s (want -ENXIO)", err_name(r));
	v = STEAL_IPA;
	r = dev_attr(g->vcpu, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_PVTIME_CTRL, KVM_ARM_VCPU_PVTIME_IPA, &v);
	check(r == 0, "SET PVTIME_IPA 0x%lx: %s", STEAL_IPA, err_name(r));
	r = dev_attr(g->vcpu, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_PVTIME_CTRL, KVM_ARM_VCPU_PVTIME_IPA, &v);
	check(r == -EEXIST, "SET PVTIME_IPA again: %s (want -EEXIST)", err_name(r));
	v = 0;
	r = dev_attr(g->vcpu, KVM_GET_DEVICE_ATTR, KVM_ARM_VCPU_PVTIME_CTRL, KVM_ARM_VCPU_PVTIME_IPA, &v);
	check(r == 0 && v == STEAL_IPA, "GET PVTIME_IPA: 0x%llx", (unsigned long long)v);
}

static void test_fw_bitmaps(struct code_vm *g)
{
	uint64_t v;
	long r;

	check(reg64(g->vcpu, KVM_REG_ARM_STD_BMAP) == 1 && reg64(g->vcpu, KVM_REG_ARM_STD_HYP_BMAP) == 1 &&
		      reg64(g->vcpu, KVM_REG_ARM_VENDOR_HYP_BMAP) == 3,
	      "firmware bitmaps offer everything at first: STD 0x%llx (TRNG), STD_HYP 0x%llx (PV time), "
	      "VENDOR_HYP 0x%llx (features, PTP)",
	      (unsigned long long)reg64(g->vcpu, KVM_REG_ARM_STD_BMAP),
	      (unsigned long long)reg64(g->vcpu, KVM_REG_ARM_STD_HYP_BMAP),
	      (unsigned long long)reg64(g->vcpu, KVM_REG_ARM_VENDOR_HYP_BMAP));
	v = 2;
	r = set_reg(g->vcpu, KVM_REG_ARM_STD_BMAP, &v);
	check(r == -EINVAL, "STD_BMAP bit 1: %s (want -EINVAL: no such feature)", err_name(r));
	v = 4;
	r = set_reg(g->vcpu, KVM_REG_ARM_VENDOR_HYP_BMAP, &v);
	check(r == -EINVAL, "VENDOR_HYP_BMAP bit 2: %s (want -EINVAL)", err_name(r));
	r = get_reg(g->vcpu, KVM_REG_ARM_FW_FEAT_BMAP_REG(3), &v);
	check(r == -ENOENT, "firmware bitmap 3: %s (want -ENOENT)", err_name(r));
}

static void test_calls(struct code_vm *g)
{
	uint64_t res[4], v, cnt0, cnt1, t, cyc;
	int r;
	struct timespec ts0, ts1;
	volatile uint8_t *st = g->mem + (STEAL_IPA - GUEST_RAM);

	/* TRNG */
	check(hc(g, TRNG_VERSION, 0) == 0x10000, "TRNG_VERSION: 0x%llx (want 1.0)",
	      (unsigned long long)hc(g, TRNG_VERSION, 0));
	check(hc(g, TRNG_FEATURES, TRNG_RND64) == 0 && hc(g, TRNG_FEATURES, PSCI_VERSION_FN) == NOT_SUPPORTED,
	      "TRNG_FEATURES: RND64 offered, PSCI_VERSION_FN not a TRNG call");
	check(!hc_call(g, false, TRNG_GET_UUID, 0, res) && res[0] == 0x00e0210d && res[1] == 0xeb118443 &&
		      res[2] == 0x44527080 && res[3] == 0x4c5a4e55,
	      "TRNG_GET_UUID: 0d21e000-4384-11eb-8070-524455 4e5a4c (%llx %llx %llx %llx)",
	      (unsigned long long)res[0], (unsigned long long)res[1], (unsigned long long)res[2],
	      (unsigned long long)res[3]);
	check(!hc_call(g, false, TRNG_RND64, 192, res) && res[0] == 0 && (res[1] | res[2] | res[3]) != 0,
	      "TRNG_RND64(192): success, 192 random bits");
	check(!hc_call(g, false, TRNG_RND64, 12, res) && res[0] == 0 && !res[1] && !res[2] && res[3] < 4096,
	      "TRNG_RND64(12): only the low 12 bits of x3 (x3 = 0x%llx)", (unsigned long long)res[3]);
	check(!hc_call(g, false, TRNG_RND32, 96, res) && res[0] == 0 && res[1] <= 0xffffffffULL &&
		      res[2] <= 0xffffffffULL && res[3] <= 0xffffffffULL,
	      "TRNG_RND32(96): 32 bits in each of x1..x3");
	check(hc(g, TRNG_RND64, 193) == INVALID_PARAMETER && hc(g, TRNG_RND32, 97) == INVALID_PARAMETER,
	      "TRNG_RND64(193), TRNG_RND32(97): INVALID_PARAMETER");

	/* KVM's vendor calls: the guest is told it runs on KVM. */
	check(!hc_call(g, false, VENDOR_HYP_UID, 0, res) && res[0] == 0xb66fb428U && res[1] == 0xe911c52eU &&
		      res[2] == 0x564bcaa9U && res[3] == 0x743a004dU,
	      "vendor-hyp CALL_UID: KVM's UID");
	check(hc(g, KVM_HYP_FEATURES, 0) == 3, "KVM_FEATURES: 0x%llx (want FEATURES | PTP)",
	      (unsigned long long)hc(g, KVM_HYP_FEATURES, 0));
	cnt0 = reg64(g->vcpu, KVM_REG_ARM_TIMER_CNT);
	clock_gettime(CLOCK_REALTIME, &ts0);
	hc_call(g, false, KVM_HYP_PTP, 0, res);
	clock_gettime(CLOCK_REALTIME, &ts1);
	cnt1 = reg64(g->vcpu, KVM_REG_ARM_TIMER_CNT);
	t = res[0] << 32 | res[1];
	cyc = res[2] << 32 | res[3];
	check(t >= (uint64_t)ts0.tv_sec * 1000000000ULL + (uint64_t)ts0.tv_nsec &&
		      t <= (uint64_t)ts1.tv_sec * 1000000000ULL + (uint64_t)ts1.tv_nsec && cyc >= cnt0 && cyc <= cnt1,
	      "KVM_PTP(virtual counter): wall clock and guest counter taken inside the call (%llu ns, %llu)",
	      (unsigned long long)t, (unsigned long long)cyc);
	check(hc(g, KVM_HYP_PTP, 7) == NOT_SUPPORTED, "KVM_PTP(counter 7): NOT_SUPPORTED");

	/* PV stolen time at the IPA the VMM set */
	check(hc(g, SMCCC_ARCH_FEATURES, PV_TIME_FEATURES) == 0, "ARCH_FEATURES(PV_TIME_FEATURES): 0");
	check(hc(g, PV_TIME_FEATURES, PV_TIME_ST) == 0 && hc(g, PV_TIME_FEATURES, 0x1234) == NOT_SUPPORTED,
	      "PV_TIME_FEATURES: PV_TIME_ST offered, function 0x1234 not");
	memset((void *)st, 0xff, 64);
	v = hc(g, PV_TIME_ST, 0);
	check(v == STEAL_IPA, "PV_TIME_ST: 0x%llx (want the record's IPA 0x%lx)", (unsigned long long)v, STEAL_IPA);
	v = 0;
	for (unsigned i = 0; i < 8; i++)
		v |= st[i]; /* revision, attributes */
	check(v == 0 && *(volatile uint64_t *)(st + 8) < 1000000000ULL,
	      "the record was reset: revision 0, attributes 0, stolen time %llu ns",
	      (unsigned long long)*(volatile uint64_t *)(st + 8));

	/* keel's own, and what nobody answers */
	v = hc(g, SMCCC_ARCH_FEATURES, SMCCC_WORKAROUND_1);
	/* SMCCC_ARCH_WORKAROUND_RET_UNAFFECTED (1) where the register says NOT_REQUIRED, as KVM 6.1 */
	check((v == 1) == (reg64(g->vcpu, KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_1) ==
			   KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_1_NOT_REQUIRED),
	      "ARCH_FEATURES(WORKAROUND_1) = %lld, as the WORKAROUND_1 register says", (long long)v);
	check(hc(g, SIP_CALL, 0) == NOT_SUPPORTED && hc(g, KVM_HYP_FEATURES + 5, 0) == NOT_SUPPORTED,
	      "a SiP call and an unknown KVM vendor call: NOT_SUPPORTED");
	r = hc_call(g, true, PSCI_VERSION_FN, 0, res);
	check(!r && res[0] == NOT_SUPPORTED && res[1] == 0 && res[3] == 0x5a5a,
	      "SMC PSCI_VERSION_FN: x0 = -1, nothing else touched, stepped over (KVM 6.1 answers no SMC; "
	      "%s, x0..x3 0x%llx 0x%llx 0x%llx 0x%llx)", r ? "no report" : "reported", (unsigned long long)res[0],
	      (unsigned long long)res[1], (unsigned long long)res[2], (unsigned long long)res[3]);
}

/* Once a vCPU has run, the bitmaps may be written only with what they hold. */
static void test_bitmaps_fixed(struct code_vm *g)
{
	uint64_t v = 0;
	long r;

	r = set_reg(g->vcpu, KVM_REG_ARM_STD_BMAP, &v);
	check(r == -EBUSY, "STD_BMAP changed after the VM ran: %s (want -EBUSY)", err_name(r));
	v = 1;
	r = set_reg(g->vcpu, KVM_REG_ARM_STD_BMAP, &v);
	check(r == 0, "STD_BMAP written with its own value after the VM ran: %s", err_name(r));
}

/* A VM whose VMM turned every family off before it ran: each call is NOT_SUPPORTED. */
static void test_calls_disabled(void)
{
	struct code_vm g = { 0 };
	uint64_t zero = 0, ipa = STEAL_IPA;

	if (code_vm_open(&g, hc_guest, hc_guest_end)) {
		check(false, "a second guest for the disabled calls");
		code_vm_close(&g);
		return;
	}
	set_reg(g.vcpu, KVM_REG_ARM_STD_BMAP, &zero);
	set_reg(g.vcpu, KVM_REG_ARM_STD_HYP_BMAP, &zero);
	set_reg(g.vcpu, KVM_REG_ARM_VENDOR_HYP_BMAP, &zero);
	dev_attr(g.vcpu, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_PVTIME_CTRL, KVM_ARM_VCPU_PVTIME_IPA, &ipa);
	check(hc(&g, TRNG_VERSION, 0) == NOT_SUPPORTED && hc(&g, TRNG_RND64, 64) == NOT_SUPPORTED &&
		      hc(&g, VENDOR_HYP_UID, 0) == NOT_SUPPORTED && hc(&g, KVM_HYP_FEATURES, 0) == NOT_SUPPORTED &&
		      hc(&g, KVM_HYP_PTP, 0) == NOT_SUPPORTED && hc(&g, PV_TIME_ST, 0) == NOT_SUPPORTED &&
		      hc(&g, SMCCC_ARCH_FEATURES, PV_TIME_FEATURES) == NOT_SUPPORTED,
	      "bitmaps cleared: TRNG, KVM vendor calls, PV time all NOT_SUPPORTED");
	check(hc(&g, PSCI_VERSION_FN, 0) == 0x10001, "PSCI is not gated by the bitmaps");
	code_vm_close(&g);
}

void test_hypercalls(void)
{
	struct counters base = counters_now();
	struct code_vm g = { 0 };

	test_create_device();
	if (code_vm_open(&g, hc_guest, hc_guest_end)) {
		check(false, "a guest for the hypercall tests");
		code_vm_close(&g);
		return;
	}
	test_vcpu_attrs(&g);
	test_fw_bitmaps(&g);
	test_calls(&g);
	test_bitmaps_fixed(&g);
	code_vm_close(&g);
	test_calls_disabled();
	check_counters_back(&base, "the hypercall guests");
}

// SPDX-License-Identifier: GPL-2.0
/*
 * KVM API tests: the guest PMU (KVM_ARM_VCPU_PMU_V3, Linux 6.1's
 * pmu-emul.c and sys_regs.c): KVM_CAP_ARM_PMU_V3, the vCPU feature, the
 * KVM_ARM_VCPU_PMU_V3_CTRL attributes and their errnos (IRQ, FILTER,
 * SET_PMU, INIT), KVM_RUN refused before INIT, the PMU registers in
 * KVM_GET_REG_LIST and ONE_REG; a guest that counts cycles, software
 * increments, overflows a counter and sees its overflow flag, with the
 * overflow line in device_irq_level (no in-kernel GIC) or taken as PPI 23
 * from the in-kernel GICv3; an event filter that stops the cycle counter
 * and takes CPU_CYCLES out of PMCEID0. Part of kvmtest --reference: the
 * same on Linux's own KVM.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvmtest.h"

#define GICD 0x08000000UL
#define GICR 0x080a0000UL
#define PMU_PPI 23
#define SYSREG(op0, op1, crn, crm, op2)                                                                  \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM64_SYSREG | ((uint64_t)(op0) << 14) |              \
	 ((uint64_t)(op1) << 11) | ((uint64_t)(crn) << 7) | ((uint64_t)(crm) << 3) | (uint64_t)(op2))
#define PMCR_EL0 SYSREG(3, 3, 9, 12, 0)
#define CPU_CYCLES 0x11

/*
 * x22 = GUEST_MMIO; x21 = 1: with the in-kernel GIC at x20 (distributor)
 * and x19 (vCPU 0's redistributor), take the overflow interrupt; 2: and
 * then the cycle counter's, counted by the CPU. Reports (offset from x22): 0 PMCR_EL0; 8 PMCCNTR
 * after a loop; 16 counter 0 after 3 SW_INCRs; 24 PMOVSSET after it wrapped;
 * 32 counter 0 then; with x21 = 1: 40 the interrupt's INTID, 72 PMOVSSET
 * in its handler; x21 = 2: then the same (64, 72) for the cycle counter's
 * overflow; 48 PMOVSSET after PMOVSCLR; 56 PMCEID0_EL0; then WFI
 * for ever.
 */
extern const uint32_t guest_pmu[], guest_pmu_end[];
__asm__(".pushsection .rodata\n"
	".balign 2048\n"
	".global guest_pmu\n"
	"guest_pmu:\n"
	"	adr x0, 9f\n"
	"	msr vbar_el1, x0\n"
	"	isb\n"
	"	mov x1, #-1\n"                    /* reset left them UNKNOWN: nothing enabled, no overflow */
	"	msr pmcntenclr_el0, x1\n"
	"	msr pmintenclr_el1, x1\n"
	"	msr pmovsclr_el0, x1\n"
	"	msr pmevcntr0_el0, xzr\n"
	"	mrs x1, pmcr_el0\n"
	"	str x1, [x22]\n"
	"	msr pmccfiltr_el0, xzr\n"         /* cycles at EL1 and EL0 */
	"	mov x1, #(1 << 31)\n"
	"	msr pmcntenset_el0, x1\n"
	"	mov x1, #0x45\n"                   /* E, C, LC */
	"	msr pmcr_el0, x1\n"
	"	isb\n"
	"	mov x2, #20000\n"
	"1:	subs x2, x2, #1\n"
	"	b.ne 1b\n"
	"	mrs x1, pmccntr_el0\n"
	"	str x1, [x22, #8]\n"
	"	msr pmevtyper0_el0, xzr\n"        /* SW_INCR */
	"	mov x1, #1\n"
	"	msr pmcntenset_el0, x1\n"
	"	msr pmswinc_el0, x1\n"
	"	msr pmswinc_el0, x1\n"
	"	msr pmswinc_el0, x1\n"
	"	mrs x3, pmevcntr0_el0\n"
	"	str x3, [x22, #16]\n"
	"	mov x3, #0xffffffff\n"
	"	msr pmevcntr0_el0, x3\n"
	"	msr pmintenset_el1, x1\n"
	"	msr pmswinc_el0, x1\n"            /* wraps: overflow */
	"	isb\n"
	"	mrs x3, pmovsset_el0\n"
	"	str x3, [x22, #24]\n"
	"	mrs x3, pmevcntr0_el0\n"
	"	str x3, [x22, #32]\n"
	"	cbz x21, 3f\n"
	"	mov w1, #2\n"
	"	str w1, [x20]\n"                  /* GICD_CTLR.EnableGrp1 */
	"	add x4, x19, #0x10, lsl #12\n"    /* the redistributor's SGI_base */
	"	mov w1, #(1 << 23)\n"
	"	str w1, [x4, #0x80]\n"            /* GICR_IGROUPR0: PPI 23 in group 1 */
	"	str w1, [x4, #0x100]\n"           /* GICR_ISENABLER0: enabled */
	"	mov x1, #0xff\n"
	"	msr S3_0_C4_C6_0, x1\n"           /* ICC_PMR_EL1 */
	"	mov x1, #1\n"
	"	msr S3_0_C12_C12_7, x1\n"         /* ICC_IGRPEN1_EL1 */
	"	isb\n"
	"	mov x5, #0\n"
	"	mov x6, #40\n"
	"	msr daifclr, #2\n"
	"2:	cbnz x5, 8f\n"
	"	wfi\n"
	"	b 2b\n"
	"8:	cmp x21, #2\n"
	"	b.ne 3f\n"
	"5:	mov x5, #0\n"
	"	mov x6, #64\n"
	"	mov x1, #1\n"                     /* the cycle counter, 32 bits (no LC), about to wrap */
	"	msr pmcr_el0, x1\n"
	"	mov x1, #0xfffff000\n"
	"	msr pmccntr_el0, x1\n"
	"	mov x1, #(1 << 31)\n"
	"	msr pmintenset_el1, x1\n"
	"	isb\n"
	"6:	cbz x5, 6b\n"                     /* busy: KVM counts only while the guest runs */
	"7:	mov x1, #(1 << 31)\n"
	"	msr pmintenclr_el1, x1\n"
	"3:	msr daifset, #2\n"
	"	mov x1, #1\n"
	"	msr pmovsclr_el0, x1\n"
	"	isb\n"
	"	mrs x3, pmovsset_el0\n"
	"	str x3, [x22, #48]\n"
	"	mrs x3, pmceid0_el0\n"
	"	str x3, [x22, #56]\n"
	"4:	wfi\n"
	"	b 4b\n"
	".balign 2048\n"
	"9:	.skip 0x280\n"                    /* IRQ from the current EL with SP_ELx */
	"	mrs x7, S3_0_C12_C12_0\n"         /* ICC_IAR1_EL1 */
	"	str x7, [x22, x6]\n"
	"	mrs x8, pmovsset_el0\n"
	"	str x8, [x22, #72]\n"
	"	msr pmovsclr_el0, x8\n"           /* the line drops */
	"	isb\n"
	"	msr S3_0_C12_C12_1, x7\n"         /* ICC_EOIR1_EL1 */
	"	mov x5, #1\n"
	"	eret\n"
	".global guest_pmu_end\n"
	"guest_pmu_end:\n"
	".popsection\n");

/* The next report: its value, or ~0 (and *off untouched) if the guest stopped otherwise. */
static uint64_t report(struct code_vm *g, uint64_t off)
{
	long r;

	/* KVM returns to userspace (KVM_EXIT_INTR) when the overflow line changes without an in-kernel GIC. */
	do
		r = run_timeout(g->vcpu, GUARD_US);
	while (r == -EINTR && !got_alarm && g->run->exit_reason == KVM_EXIT_INTR);

	if (r || g->run->exit_reason != KVM_EXIT_MMIO || g->run->mmio.phys_addr != GUEST_MMIO + off) {
		printf("# PMU guest: %s, exit %u at 0x%llx (want the report at +%llu)\n", err_name(r),
		       g->run->exit_reason, (unsigned long long)g->run->mmio.phys_addr, (unsigned long long)off);
		return ~0ULL;
	}
	return *(uint64_t *)g->run->mmio.data;
}

static long pmu_attr(int vcpu, unsigned long req, uint64_t attr, void *val)
{
	return dev_attr(vcpu, req, KVM_ARM_VCPU_PMU_V3_CTRL, attr, val);
}

/* The attributes on a vCPU with a PMU and no in-kernel GIC, and what the registers say. */
static void test_pmu_attrs(struct code_vm *g)
{
	struct kvm_pmu_event_filter f = { .base_event = 0, .nevents = 1, .action = 7 };
	int irq = PMU_PPI, id = 0x7fffffff;
	uint64_t v, a[] = { KVM_ARM_VCPU_PMU_V3_IRQ, KVM_ARM_VCPU_PMU_V3_INIT, KVM_ARM_VCPU_PMU_V3_FILTER,
			    KVM_ARM_VCPU_PMU_V3_SET_PMU };
	struct kvm_reg_list *rl;
	long r;
	unsigned i, found = 0;

	for (i = 0; i < 4; i++) {
		r = pmu_attr(g->vcpu, KVM_HAS_DEVICE_ATTR, a[i], NULL);
		check(r == 0, "HAS PMU attribute %llu: %s (want 0)", (unsigned long long)a[i], err_name(r));
	}
	r = pmu_attr(g->vcpu, KVM_HAS_DEVICE_ATTR, 9, NULL);
	check(r == -ENXIO, "HAS PMU attribute 9: %s (want -ENXIO)", err_name(r));
	r = pmu_attr(g->vcpu, KVM_GET_DEVICE_ATTR, KVM_ARM_VCPU_PMU_V3_IRQ, &irq);
	check(r == -EINVAL, "GET PMU IRQ without an in-kernel irqchip: %s (want -EINVAL)", err_name(r));
	r = pmu_attr(g->vcpu, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_PMU_V3_IRQ, &irq);
	check(r == -EINVAL, "SET PMU IRQ without an in-kernel irqchip: %s (want -EINVAL)", err_name(r));
	r = pmu_attr(g->vcpu, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_PMU_V3_SET_PMU, &id);
	check(r == -ENXIO, "SET_PMU of no PMU: %s (want -ENXIO)", err_name(r));
	r = pmu_attr(g->vcpu, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_PMU_V3_FILTER, &f);
	check(r == -EINVAL, "FILTER with action 7: %s (want -EINVAL)", err_name(r));
	f = (struct kvm_pmu_event_filter){ .base_event = 0xfff0, .nevents = 0x20, .action = KVM_PMU_EVENT_DENY };
	r = pmu_attr(g->vcpu, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_PMU_V3_FILTER, &f);
	check(r == -EINVAL, "FILTER past the last event: %s (want -EINVAL)", err_name(r));
	r = pmu_attr(g->vcpu, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_PMU_V3_FILTER, NULL);
	check(r == -EFAULT, "FILTER from NULL: %s (want -EFAULT)", err_name(r));
	r = pmu_attr(g->vcpu, KVM_SET_DEVICE_ATTR, 9, NULL);
	check(r == -ENXIO, "SET PMU attribute 9: %s (want -ENXIO)", err_name(r));
	r = run_timeout(g->vcpu, GUARD_US);
	check(r == -EINVAL, "KVM_RUN before PMU INIT: %s (want -EINVAL)", err_name(r));

	v = reg64(g->vcpu, SYSREG(3, 0, 0, 5, 0));
	check(((v >> 8) & 0xf) >= 1 && ((v >> 8) & 0xf) <= 5, "ID_AA64DFR0_EL1 0x%llx: PMUVer 1..5 (v3p4 at most)",
	      (unsigned long long)v);
	v = reg64(g->vcpu, PMCR_EL0);
	check(((v >> 11) & 0x1f) >= 1, "PMCR_EL0 0x%llx: N %llu counters", (unsigned long long)v,
	      (unsigned long long)((v >> 11) & 0x1f));
	rl = calloc(1, sizeof(*rl) + 1024 * sizeof(uint64_t));
	rl->n = 1024;
	r = kioctl(g->vcpu, KVM_GET_REG_LIST, (unsigned long)rl);
	for (i = 0; !r && i < rl->n; i++)
		found += rl->reg[i] == PMCR_EL0 || rl->reg[i] == SYSREG(3, 3, 14, 15, 7) ||
			 rl->reg[i] == SYSREG(3, 3, 14, 11, 6) || rl->reg[i] == SYSREG(3, 0, 9, 14, 2) ||
			 rl->reg[i] == SYSREG(3, 3, 9, 12, 6) || rl->reg[i] == SYSREG(3, 3, 14, 11, 7);
	check(!r && found == 4, "REG_LIST: PMCR, PMCCFILTR, PMEVCNTR30, PMINTENCLR; not PMCEID0 nor PMEVCNTR31 (%s, %u)",
	      err_name(r), found);
	free(rl);

	r = pmu_attr(g->vcpu, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_PMU_V3_INIT, NULL);
	check(r == 0, "PMU INIT without an in-kernel irqchip: %s", err_name(r));
	r = pmu_attr(g->vcpu, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_PMU_V3_INIT, NULL);
	check(r == -EBUSY, "PMU INIT again: %s (want -EBUSY)", err_name(r));
	r = pmu_attr(g->vcpu, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_PMU_V3_FILTER, &f);
	check(r == -EBUSY, "FILTER after INIT: %s (want -EBUSY)", err_name(r));
}

/*
 * The guest's run up to its PMCEID0 report; irq: it takes the overflow
 * interrupt from the in-kernel GIC (1), and the cycle counter's too (2).
 */
static void run_pmu_guest(struct code_vm *g, unsigned irq, bool filtered)
{
	uint64_t n, v;

	n = (report(g, 0) >> 11) & 0x1f;
	check(n >= 1 && n < 32, "the guest's PMCR_EL0.N: %llu", (unsigned long long)n);
	v = report(g, 8);
	if (filtered)
		check(v == 0, "CPU_CYCLES filtered out: the cycle counter stays 0 (%llu)", (unsigned long long)v);
	else
		check(v != ~0ULL && v > 0, "the cycle counter counted the guest's loop: %llu", (unsigned long long)v);
	v = report(g, 16);
	check(v == 3, "3 SW_INCRs: counter 0 = %llu (want 3)", (unsigned long long)v);
	v = report(g, 24);
	check(v == 1, "the counter wrapped: PMOVSSET_EL0 0x%llx (want 0x1)", (unsigned long long)v);
	if (!irq)
		check(g->run->s.regs.device_irq_level & KVM_ARM_DEV_PMU,
		      "its overflow line is up in device_irq_level (0x%llx)",
		      (unsigned long long)g->run->s.regs.device_irq_level);
	v = report(g, 32);
	check(v == 0, "counter 0 after the wrap: %llu", (unsigned long long)v);
	if (irq) {
		v = report(g, 40);
		check(v == PMU_PPI, "the guest took the overflow interrupt: INTID %llu (want %u)", (unsigned long long)v,
		      PMU_PPI);
		v = report(g, 72);
		check(v == 1, "its handler saw counter 0's overflow: PMOVSSET_EL0 0x%llx", (unsigned long long)v);
	}
	if (irq == 2) {
		v = report(g, 64);
		check(v == PMU_PPI, "the cycle counter wrapped while the guest waited: INTID %llu", (unsigned long long)v);
		v = report(g, 72);
		check(v == 1ULL << 31, "its handler saw the cycle counter's overflow: PMOVSSET_EL0 0x%llx",
		      (unsigned long long)v);
	}
	v = report(g, 48);
	check(v == 0, "PMOVSCLR cleared it: PMOVSSET_EL0 0x%llx", (unsigned long long)v);
	if (!irq)
		check(!(g->run->s.regs.device_irq_level & KVM_ARM_DEV_PMU), "the line is down again (0x%llx)",
		      (unsigned long long)g->run->s.regs.device_irq_level);
	v = report(g, 56);
	if (filtered)
		check(v != ~0ULL && !(v & (1ULL << CPU_CYCLES)), "PMCEID0_EL0 0x%llx: no CPU_CYCLES (filtered)",
		      (unsigned long long)v);
	else
		check(v != ~0ULL, "PMCEID0_EL0 0x%llx", (unsigned long long)v);
}

static int pmu_vm(struct code_vm *g)
{
	uint64_t x22 = GUEST_MMIO, x20 = GICD, x19 = GICR;

	if (code_vm_open_features(g, guest_pmu, guest_pmu_end, 1U << KVM_ARM_VCPU_PSCI_0_2 | 1U << KVM_ARM_VCPU_PMU_V3))
		return -1;
	if (set_reg(g->vcpu, CORE(regs.pc), &(uint64_t){ GUEST_RAM }) || set_reg(g->vcpu, CORE(regs.regs[22]), &x22) ||
	    set_reg(g->vcpu, CORE(regs.regs[20]), &x20) || set_reg(g->vcpu, CORE(regs.regs[19]), &x19))
		return -1;
	return 0;
}

/*
 * The in-kernel GICv3: the IRQ attribute's rules, INIT after the GIC's, the
 * interrupt taken. cycles: also the cycle counter's overflow counted by the
 * CPU (keel only: on this rig Linux's KVM, counting it with a perf event of
 * the emulated CPU, never delivers that one; its software increments' it does).
 */
static void test_pmu_vgic(bool cycles)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
	uint64_t gicd = GICD, gicr = GICR, mode = cycles ? 2 : 1;
	struct code_vm g;
	int irq = 5;
	long r;

	if (pmu_vm(&g) || kioctl(g.vm, KVM_CREATE_DEVICE, (unsigned long)&cd) ||
	    set_reg(g.vcpu, CORE(regs.regs[21]), &mode)) {
		check(false, "a PMU vCPU beside an in-kernel GICv3");
		code_vm_close(&g);
		return;
	}
	r = pmu_attr(g.vcpu, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_PMU_V3_IRQ, &irq);
	check(r == -EINVAL, "PMU IRQ 5 (an SGI): %s (want -EINVAL)", err_name(r));
	r = pmu_attr(g.vcpu, KVM_GET_DEVICE_ATTR, KVM_ARM_VCPU_PMU_V3_IRQ, &irq);
	check(r == -ENXIO, "GET PMU IRQ before it is set: %s (want -ENXIO)", err_name(r));
	irq = PMU_PPI;
	r = pmu_attr(g.vcpu, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_PMU_V3_IRQ, &irq);
	check(r == 0, "PMU IRQ %d: %s", irq, err_name(r));
	r = pmu_attr(g.vcpu, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_PMU_V3_IRQ, &irq);
	check(r == -EBUSY, "PMU IRQ again: %s (want -EBUSY)", err_name(r));
	irq = 0;
	r = pmu_attr(g.vcpu, KVM_GET_DEVICE_ATTR, KVM_ARM_VCPU_PMU_V3_IRQ, &irq);
	check(r == 0 && irq == PMU_PPI, "GET PMU IRQ: %s, %d", err_name(r), irq);
	r = pmu_attr(g.vcpu, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_PMU_V3_INIT, NULL);
	check(r == -ENODEV, "PMU INIT before the GIC's CTRL_INIT: %s (want -ENODEV)", err_name(r));
	r = dev_attr((int)cd.fd, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST, &gicd);
	if (!r)
		r = dev_attr((int)cd.fd, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_REDIST,
			     &gicr);
	if (!r)
		r = dev_attr((int)cd.fd, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT,
			     NULL);
	check(r == 0, "the GIC placed and initialised: %s", err_name(r));
	r = pmu_attr(g.vcpu, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_PMU_V3_INIT, NULL);
	check(r == 0, "PMU INIT: %s", err_name(r));
	run_pmu_guest(&g, (unsigned)mode, false);
	close((int)cd.fd);
	code_vm_close(&g);
}

void test_pmu(bool keel)
{
	struct kvm_pmu_event_filter f = { .base_event = CPU_CYCLES, .nevents = 1, .action = KVM_PMU_EVENT_DENY };
	struct code_vm g;
	long r;

	r = kioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_PMU_V3);
	check(r == 1, "KVM_CAP_ARM_PMU_V3 = %ld (want 1: the host has a PMU)", r);
	if (r != 1)
		return;
	if (pmu_vm(&g)) {
		check(false, "a vCPU with KVM_ARM_VCPU_PMU_V3");
	} else {
		test_pmu_attrs(&g);
		run_pmu_guest(&g, 0, false);
		/* What the guest wrote, as userspace reads it (a migration's save): P and C not kept. */
		check((reg64(g.vcpu, PMCR_EL0) & 0xff) == 0x41, "ONE_REG PMCR_EL0 0x%llx: E and LC, as the guest set them",
		      (unsigned long long)reg64(g.vcpu, PMCR_EL0));
		check(reg64(g.vcpu, SYSREG(3, 3, 9, 12, 1)) == 0x80000001, "ONE_REG PMCNTENSET_EL0 0x%llx (want 0x80000001)",
		      (unsigned long long)reg64(g.vcpu, SYSREG(3, 3, 9, 12, 1)));
		check(reg64(g.vcpu, SYSREG(3, 0, 9, 14, 1)) == 1, "ONE_REG PMINTENSET_EL1 0x%llx (want 0x1)",
		      (unsigned long long)reg64(g.vcpu, SYSREG(3, 0, 9, 14, 1)));
	}
	code_vm_close(&g);

	/* A VM whose filter denies CPU_CYCLES. */
	if (pmu_vm(&g)) {
		check(false, "a second vCPU with KVM_ARM_VCPU_PMU_V3");
	} else {
		r = pmu_attr(g.vcpu, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_PMU_V3_FILTER, &f);
		check(r == 0, "FILTER: deny CPU_CYCLES: %s", err_name(r));
		r = pmu_attr(g.vcpu, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_PMU_V3_INIT, NULL);
		check(r == 0, "PMU INIT: %s", err_name(r));
		run_pmu_guest(&g, 0, true);
		r = pmu_attr(g.vcpu, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_PMU_V3_FILTER, &f);
		check(r == -EBUSY, "FILTER after the VM ran: %s (want -EBUSY)", err_name(r));
	}
	code_vm_close(&g);
	test_pmu_vgic(keel);
}

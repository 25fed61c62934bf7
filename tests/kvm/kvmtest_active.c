// SPDX-License-Identifier: GPL-2.0
/*
 * KVM API tests: an interrupt's active state read and written by one vCPU
 * while another, running, holds it in a list register. vCPU 1 takes SPI 40
 * and stays in its handler (never ends it); vCPU 0 then reads
 * GICD_ISACTIVER1, clears the SPI's active state with GICD_ICACTIVER1 and
 * reads again. KVM halts the guest for these accesses
 * (vgic_access_active_prepare()), so vCPU 0 sees the interrupt active, then
 * not; keel has the other vCPUs fold their list registers back first.
 * Part of kvmtest --reference: the same on Linux's own KVM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kvmtest.h"

#define CODE_OFF 0x8000 /* clear of the other test guests' code */
#define FLAG_OFF 0xf000 /* vCPU 1 writes the INTID it took here; vCPU 0 waits for it */
#define GICD 0x08000000UL
#define GICR 0x080a0000UL
#define SPI 40

/*
 * vCPU 1 at guest_active_taker (x20 = GICD, x21 = its GICR, x22 = GUEST_MMIO,
 * x23 = the flag): SPI 40 routed to itself, enabled, level; reports ready at
 * GUEST_MMIO, waits in WFI; its IRQ handler acknowledges, writes the INTID
 * to the flag and spins there for ever, the interrupt active.
 * vCPU 0 at guest_active_reader (x20, x22, x23 the same): waits for the flag,
 * reports GICD_ISACTIVER1 at GUEST_MMIO + 8, writes bit 8 of
 * GICD_ICACTIVER1, reports ISACTIVER1 again at GUEST_MMIO + 16.
 */
extern const uint32_t guest_active[], guest_active_reader[], guest_active_end[];
__asm__(".pushsection .rodata\n"
	".balign 2048\n"
	".global guest_active\n"
	"guest_active:\n"
	"	adr x0, 1f\n"
	"	msr vbar_el1, x0\n"
	"	isb\n"
	"	mov w1, #2\n"
	"	str w1, [x20]\n"                /* GICD_CTLR.EnableGrp1 */
	"	str wzr, [x20, #0xc08]\n"       /* GICD_ICFGR2: level */
	"	mov x1, #1\n"
	"	str x1, [x20, #0x6140]\n"       /* GICD_IROUTER40: Aff0 1, this vCPU */
	"	mov w1, #0xa0\n"
	"	strb w1, [x20, #0x428]\n"       /* GICD_IPRIORITYR: SPI 40 */
	"	mov w1, #0x100\n"
	"	str w1, [x20, #0x104]\n"        /* GICD_ISENABLER1: SPI 40 */
	GUEST_ICC_ON_READY_WFI
	".global guest_active_reader\n"
	"guest_active_reader:\n"
	"2:	ldr x1, [x23]\n"
	"	cmp x1, #40\n"
	"	b.ne 2b\n"
	"	ldr w4, [x20, #0x304]\n"        /* GICD_ISACTIVER1 */
	"	str x4, [x22, #8]\n"
	"	mov w1, #0x100\n"
	"	str w1, [x20, #0x384]\n"        /* GICD_ICACTIVER1: SPI 40 */
	"	ldr w4, [x20, #0x304]\n"
	"	str x4, [x22, #16]\n"
	"3:	wfi\n"
	"	b 3b\n"
	".balign 2048\n"
	"1:	.skip 0x280\n"                  /* vectors: IRQ, current EL with SP_ELx */
	"	mrs x3, S3_0_C12_C12_0\n"       /* ICC_IAR1_EL1 */
	"	str x3, [x23]\n"
	"4:	b 4b\n"                         /* active for ever: no EOI, no exit */
	".global guest_active_end\n"
	"guest_active_end:\n"
	".popsection\n");

static int active_gic(int vm)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
	uint64_t gicd = GICD, gicr = GICR;

	if (kioctl(vm, KVM_CREATE_DEVICE, (unsigned long)&cd))
		return -1;
	if (dev_attr((int)cd.fd, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST, &gicd) ||
	    dev_attr((int)cd.fd, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_REDIST, &gicr) ||
	    dev_attr((int)cd.fd, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL)) {
		close((int)cd.fd);
		return -1;
	}
	return (int)cd.fd;
}

static uint64_t mmio_report(struct kvm_run *run, uint64_t off, long r)
{
	if (r || run->exit_reason != KVM_EXIT_MMIO || run->mmio.phys_addr != GUEST_MMIO + off)
		return ~0ULL;
	return *(uint64_t *)run->mmio.data;
}

void test_vgic_active(void)
{
	long mmap_size = kioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0), r;
	uint64_t x[4] = { GICD, GICR, GUEST_MMIO, GUEST_RAM + FLAG_OFF }, pc, v;
	struct kvm_userspace_memory_region mr;
	int vm = create_vm(0), vcpu[2], gic, i;
	struct kvm_run *run[2];
	struct vcpu_thread t;
	struct timespec ts;
	pthread_t th;
	uint8_t *mem;

	mem = mmap(NULL, GUEST_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memcpy(mem + CODE_OFF, guest_active, (size_t)((const char *)guest_active_end - (const char *)guest_active));
	mr = (struct kvm_userspace_memory_region){ .slot = 0, .guest_phys_addr = GUEST_RAM,
						   .memory_size = GUEST_SIZE, .userspace_addr = (uintptr_t)mem };
	kioctl(vm, KVM_SET_USER_MEMORY_REGION, (unsigned long)&mr);
	for (i = 0; i < 2; i++) {
		vcpu[i] = (int)kioctl(vm, KVM_CREATE_VCPU, (unsigned long)i);
		vcpu_init(vcpu[i], preferred_target(vm), 1U << KVM_ARM_VCPU_PSCI_0_2, 0);
		run[i] = mmap(NULL, (size_t)mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu[i], 0);
	}
	gic = active_gic(vm);
	check(gic >= 0, "a GICv3 for two vCPUs");
	if (gic < 0)
		goto out;
	x[1] = GICR + 0x20000; /* vCPU 1's redistributor */
	for (i = 0; i < 4; i++) /* x20..x23 (a core register id counts 32-bit words) */
		set_reg(vcpu[1], CORE(regs.regs[20]) + 2 * (uint64_t)i, &x[i]);
	pc = GUEST_RAM + CODE_OFF;
	set_reg(vcpu[1], CORE(regs.pc), &pc);
	x[1] = GICR;
	for (i = 0; i < 4; i++)
		set_reg(vcpu[0], CORE(regs.regs[20]) + 2 * (uint64_t)i, &x[i]);
	pc = GUEST_RAM + CODE_OFF + (uint64_t)((const char *)guest_active_reader - (const char *)guest_active);
	set_reg(vcpu[0], CORE(regs.pc), &pc);

	r = run_timeout(vcpu[1], GUARD_US);
	check(mmio_report(run[1], 0, r) == 1, "vCPU 1 set SPI %d up (routed to itself, level)", SPI);
	check(kioctl(vm, KVM_IRQ_LINE, (unsigned long)&(struct kvm_irq_level){
			     .irq = KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT | SPI, .level = 1 }) == 0,
	      "KVM_IRQ_LINE: SPI %d up", SPI);
	/* vCPU 1 takes it and stays in its handler, on the other CPU than vCPU 0's: both run at once. */
	t = (struct vcpu_thread){ .fd = vcpu[1], .cpu = 1 };
	pthread_create(&th, NULL, vcpu_thread_run, &t);
	r = run_timeout(vcpu[0], GUARD_US);         /* (on CPU 0) */
	v = mmio_report(run[0], 8, r);
	check(v != ~0ULL && (v & (1U << (SPI - 32))),
	      "vCPU 0 reads SPI %d active while vCPU 1, running, holds it (GICD_ISACTIVER1 0x%llx)", SPI,
	      (unsigned long long)v);
	r = run_timeout(vcpu[0], GUARD_US);
	v = mmio_report(run[0], 16, r);
	check(v != ~0ULL && !(v & (1U << (SPI - 32))),
	      "... and, after its GICD_ICACTIVER1 write, not active (0x%llx)", (unsigned long long)v);
	pthread_kill(th, SIGALRM);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	if (pthread_timedjoin_np(th, NULL, &ts)) {
		pthread_kill(th, SIGALRM);
		pthread_join(th, NULL);
	}
	check(t.r == -EINTR, "vCPU 1 ran in its handler until a signal (%s)", err_name(t.r));
	close(gic);
out:
	for (i = 0; i < 2; i++) {
		munmap(run[i], (size_t)mmap_size);
		close(vcpu[i]);
	}
	close(vm);
	munmap(mem, GUEST_SIZE);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * kvmbench: cost of a guest HVC and of an MMIO round trip through the VMM, on any arm64 /dev/kvm
 * (Linux's own KVM or keel's shim). Needs only a minimal KVM: one memslot, one vCPU,
 * KVM_ARM_VCPU_INIT with PSCI 0.2, KVM_SET_ONE_REG of the PC, KVM_RUN, no in-kernel irqchip.
 *
 * The guest is hand-assembled A64 code at IPA 0x40000000, run with the MMU off:
 *   phase hvc:  N x (x0 = PSCI_VERSION; HVC #0), handled in the hypervisor without an exit,
 *   phase hypcall: N x (x0 = 0x4b000000, an id nobody owns; HVC #0): kvm-unit-tests' micro-bench
 *               hyp_call, answered NOT_SUPPORTED by the hypervisor,
 *               then a store of the last x0 to END (an MMIO exit that ends the phase);
 *   phase mmio: N x load from DATA (unmapped: each one an MMIO exit that the VMM completes),
 *               summed in x2, then a store of the sum to END;
 *   phase ioeventfd: N x store to IOFD, an address with a KVM_IOEVENTFD: each one signals an eventfd
 *               in the kernel and the vCPU carries on (virtio's queue notification), then END.
 * Then, in a second VM with an in-kernel GICv3 (skipped, with a "gic: not available" line, where
 * KVM_CREATE_DEVICE cannot make one), guest_gic below:
 *   phase gicd: N x load of GICD_TYPER (the in-kernel distributor's MMIO);
 *   phase sgi:  N x an SGI the vCPU sends itself (ICC_SGI1R_EL1), taken and ended (IAR, EOIR);
 *   phase vtimer: N x the virtual timer armed already expired, its PPI taken, the timer stopped, ended;
 *   phase eoi:  N x a level-sensitive SPI the VMM holds high taken and ended (each EOI finds the line
 *               still high: the hypervisor's EOI maintenance gives it again);
 *   phase ipi:  N x vCPU 0 sends SGI 3 to vCPU 1 (asleep in WFI, run by a second thread; the two
 *               threads pinned to CPUs 0 and 1, else where they land decides the figure), whose
 *               handler sends SGI 4 back; vCPU 0 waits for that in WFI (a spinning vCPU would leave
 *               the other's thread to the host's scheduler tick when both share a CPU).
 * Each phase is timed with CLOCK_MONOTONIC from its first KVM_RUN to the END exit. Under QEMU's
 * -icount shift=0 the host clock advances 1 ns per emulated instruction, so "ns" reads as
 * instructions per round trip.
 *
 *   kvmbench [-n N]    prints "hvc: X ns/round trip", "hypcall: ...", "mmio: ..." and "ioeventfd: ..."
 * Exit status: 0 measured; 1 the guest or KVM misbehaved; 2 KVM not available here (the line
 * "kvmbench: not available: <reason>" says why).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <linux/psci.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define GUEST_BASE 0x40000000ULL
#define GUEST_SIZE 0x10000ULL
#define MMIO_END 0x10000000ULL /* no memslot: MMIO exit */
#define MMIO_DATA (MMIO_END + 8)
#define MMIO_IOFD (MMIO_END + 16) /* the ioeventfd phase's doorbell */
#define DATA_VALUE 3 /* what the VMM answers to each load; the guest sums them */

#define CORE_REG(name) \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | (offsetof(struct kvm_regs, name) / 4))

static void not_available(const char *fmt, ...)
{
	va_list ap;

	printf("kvmbench: not available: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(2);
}

static void fail(const char *fmt, ...)
{
	va_list ap;

	printf("kvmbench: FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(1);
}

/* ---- A64 encoders (64-bit forms only) ---- */
enum { X0 = 0, X1 = 1, X2 = 2, X19 = 19, X20 = 20, XZR = 31 };

static uint32_t movz(int rd, uint16_t imm, int shift)
{
	return 0xd2800000U | (uint32_t)(shift / 16) << 21 | (uint32_t)imm << 5 | rd;
}

static uint32_t movk(int rd, uint16_t imm, int shift)
{
	return 0xf2800000U | (uint32_t)(shift / 16) << 21 | (uint32_t)imm << 5 | rd;
}

static uint32_t subs_imm(int rd, int rn, uint16_t imm12)
{
	return 0xf1000000U | (uint32_t)(imm12 & 0xfff) << 10 | (uint32_t)rn << 5 | rd;
}

static uint32_t add_reg(int rd, int rn, int rm)
{
	return 0x8b000000U | (uint32_t)rm << 16 | (uint32_t)rn << 5 | rd;
}

/* STR/LDR Xt, [Xn, #off]: unsigned offset, no writeback, so the abort syndrome is valid (ISV). */
static uint32_t str_imm(int rt, int rn, unsigned int off)
{
	return 0xf9000000U | (off / 8) << 10 | (uint32_t)rn << 5 | rt;
}

static uint32_t ldr_imm(int rt, int rn, unsigned int off)
{
	return 0xf9400000U | (off / 8) << 10 | (uint32_t)rn << 5 | rt;
}

/* B.NE to the instruction `back` words before this one. */
static uint32_t bne_back(int back)
{
	return 0x54000000U | ((uint32_t)-back & 0x7ffff) << 5 | 0x1;
}

#define HVC0 0xd4000002U
#define UNOWNED_CALL 0x4b000000U /* a yielding call of owner 0x0b: nobody's */
#define B_SELF 0x14000000U

/* Loads a 32-bit constant into xd. */
static uint32_t *mov32(uint32_t *p, int rd, uint32_t v)
{
	*p++ = movz(rd, v & 0xffff, 0);
	*p++ = movk(rd, v >> 16, 16);
	return p;
}

static size_t build_guest(uint32_t *code, uint32_t n)
{
	uint32_t *p = code, *loop;

	p = mov32(p, X20, (uint32_t)MMIO_END);
	/* phase hvc */
	p = mov32(p, X19, n);
	loop = p;
	p = mov32(p, X0, PSCI_0_2_FN_PSCI_VERSION);
	*p++ = HVC0;
	*p++ = subs_imm(X19, X19, 1);
	*p = bne_back(p - loop), p++;
	*p++ = str_imm(X0, X20, 0);
	/* phase hypcall: an id nobody owns (kvm-unit-tests' micro-bench hyp_call), answered NOT_SUPPORTED */
	p = mov32(p, X19, n);
	loop = p;
	p = mov32(p, X0, UNOWNED_CALL);
	*p++ = HVC0;
	*p++ = subs_imm(X19, X19, 1);
	*p = bne_back(p - loop), p++;
	*p++ = str_imm(X0, X20, 0);
	/* phase mmio */
	p = mov32(p, X19, n);
	*p++ = movz(X2, 0, 0);
	loop = p;
	*p++ = ldr_imm(X1, X20, MMIO_DATA - MMIO_END);
	*p++ = add_reg(X2, X2, X1);
	*p++ = subs_imm(X19, X19, 1);
	*p = bne_back(p - loop), p++;
	*p++ = str_imm(X2, X20, 0);
	/* phase ioeventfd */
	p = mov32(p, X19, n);
	loop = p;
	*p++ = str_imm(X19, X20, MMIO_IOFD - MMIO_END);
	*p++ = subs_imm(X19, X19, 1);
	*p = bne_back(p - loop), p++;
	*p++ = str_imm(X19, X20, 0);
	*p++ = B_SELF;
	return (size_t)(p - code);
}

/*
 * The GIC guest (a separate VM, its own addresses: QEMU's TCG finds code by PC). x20 = MMIO_END,
 * x21 = GICD, x22 = GICR, x23 = N; x24 counts interrupts taken.
 */
#define GIC_CODE (GUEST_BASE + 0x8000)
#define GICD_BASE 0x08000000ULL
#define GICR_BASE 0x080a0000ULL
extern const uint32_t guest_gic[], guest_gic_cpu1[], guest_gic_end[];
__asm__(".pushsection .rodata\n"
	".balign 2048\n"
	".global guest_gic\n"
	"guest_gic:\n"
	"	adr x0, 9f\n"
	"	msr vbar_el1, x0\n"
	"	isb\n"
	"	mov w1, #2\n"
	"	str w1, [x21]\n"              /* GICD_CTLR.EnableGrp1 */
	"	str wzr, [x21, #0xc08]\n"     /* GICD_ICFGR2: SPIs 32..47 level-sensitive (the eoi phase's 40) */
	"	mov w1, #0xa0\n"
	"	strb w1, [x21, #0x428]\n"     /* GICD_IPRIORITYR: SPI 40 */
	"	add x2, x22, #0x10000\n"
	"	movz w1, #0x0800, lsl #16\n"
	"	orr w1, w1, #8\n"
	"	str w1, [x2, #0x100]\n"       /* PPI 27, SGI 3 enabled */
	"	mov w1, #0xa0\n"
	"	strb w1, [x2, #0x403]\n"
	"	strb w1, [x2, #0x41b]\n"
	"	mov x1, #0xff\n"
	"	msr S3_0_C4_C6_0, x1\n"       /* ICC_PMR_EL1 */
	"	mov x1, #1\n"
	"	msr S3_0_C12_C12_7, x1\n"     /* ICC_IGRPEN1_EL1 */
	"	isb\n"
	"	mov x24, #0\n"
	/* phase gicd */
	"	mov x19, x23\n"
	"1:	ldr w1, [x21, #4]\n"
	"	subs x19, x19, #1\n"
	"	b.ne 1b\n"
	"	str x1, [x20]\n"
	/* phase sgi */
	"	msr daifclr, #2\n"
	"	movz x25, #0x0300, lsl #16\n"
	"	orr x25, x25, #1\n"           /* SGI 3 to Aff0 0: itself */
	"	mov x19, x23\n"
	"2:	msr S3_0_C12_C11_5, x25\n"
	"	isb\n"
	"	subs x19, x19, #1\n"
	"	b.ne 2b\n"
	"	str x24, [x20]\n"
	/* phase vtimer */
	"	mov x24, #0\n"
	"	mov x19, #0\n"
	"4:	add x19, x19, #1\n"
	"	mrs x4, cntvct_el0\n"
	"	msr cntv_cval_el0, x4\n"
	"	mov x4, #1\n"
	"	msr cntv_ctl_el0, x4\n"
	"	isb\n"
	"5:	cmp x24, x19\n"
	"	b.ne 5b\n"
	"	cmp x19, x23\n"
	"	b.ne 4b\n"
	"	str x24, [x20]\n"
	/* phase eoi: the VMM raised SPI 40's line before this */
	"	mov x24, #0\n"
	"	mov w1, #0x100\n"
	"	str w1, [x21, #0x104]\n"      /* GICD_ISENABLER1: SPI 40 */
	"7:	cmp x24, x23\n"
	"	b.ne 7b\n"
	"	str x24, [x20]\n"
	/* phase ipi */
	"	mov x24, #0\n"
	"	mov x19, #0\n"
	"	movz x25, #0x0300, lsl #16\n"
	"	orr x25, x25, #2\n"           /* SGI 3 to Aff0 1: vCPU 1 */
	"10:	add x19, x19, #1\n"
	"	msr S3_0_C12_C11_5, x25\n"
	"	isb\n"
	"11:	msr daifset, #2\n"            /* the reply, waited for in WFI (masked: none is missed) */
	"	cmp x24, x19\n"
	"	b.eq 12f\n"
	"	wfi\n"
	"	msr daifclr, #2\n"
	"	isb\n"
	"	b 11b\n"
	"12:	msr daifclr, #2\n"
	"	cmp x19, x23\n"
	"	b.ne 10b\n"
	"	str x24, [x20]\n"
	"	b .\n"
	/* vCPU 1: interrupts on (SGIs are enabled at reset), then asleep */
	".global guest_gic_cpu1\n"
	"guest_gic_cpu1:\n"
	"	adr x0, 9f\n"
	"	msr vbar_el1, x0\n"
	"	mov x1, #0xff\n"
	"	msr S3_0_C4_C6_0, x1\n"       /* ICC_PMR_EL1 */
	"	mov x1, #1\n"
	"	msr S3_0_C12_C12_7, x1\n"     /* ICC_IGRPEN1_EL1 */
	"	isb\n"
	"	msr daifclr, #2\n"
	"13:	wfi\n"
	"	b 13b\n"
	".balign 2048\n"
	"9:	.skip 0x200\n"
	"	mrs x5, esr_el1\n"             /* a synchronous exception: reported, not looped on */
	"	mrs x6, elr_el1\n"
	"	str x6, [x20, #0x28]\n"
	"	str x5, [x20, #0x20]\n"
	"	b .\n"
	"	.org 9b + 0x280\n"             /* IRQ, current EL with SP_ELx */
	"	mrs x3, S3_0_C12_C12_0\n"     /* ICC_IAR1_EL1 */
	"	add x24, x24, #1\n"
	"	cmp x3, #27\n"
	"	b.ne 6f\n"
	"	msr cntv_ctl_el0, xzr\n"      /* the timer's line down before its EOI */
	"6:	cmp x3, #40\n"
	"	b.ne 7f\n"
	"	cmp x24, x23\n"
	"	b.ne 8f\n"
	"	mov w4, #0x100\n"
	"	str w4, [x21, #0x184]\n"      /* GICD_ICENABLER1: SPI 40 off after the last one */
	"	b 8f\n"
	"7:	cmp x3, #3\n"
	"	b.ne 8f\n"
	"	mrs x4, mpidr_el1\n"
	"	tst x4, #0xff\n"
	"	b.eq 8f\n"
	"	movz x4, #0x0400, lsl #16\n"
	"	orr x4, x4, #1\n"
	"	msr S3_0_C12_C11_5, x4\n"     /* on vCPU 1: SGI 4 back to vCPU 0 */
	"8:	msr S3_0_C12_C12_1, x3\n"     /* ICC_EOIR1_EL1 */
	"	eret\n"
	".global guest_gic_end\n"
	"guest_gic_end:\n"
	".popsection\n");

/* ---- VMM ---- */
struct vm {
	int kvm, vm, vcpu;
	struct kvm_run *run;
	int vcpu1;            /* the GIC VM's second vCPU (the ipi phase), run by its own thread */
	struct kvm_run *run1;
	void *mem;
	uint64_t elr;        /* where the guest took an exception it reports */
	unsigned long loads; /* MMIO loads completed */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Runs until the guest stores to MMIO_END; returns the stored value. */
static uint64_t run_to_end(struct vm *v)
{
	struct kvm_run *r = v->run;

	for (;;) {
		if (ioctl(v->vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			fail("KVM_RUN: %s", strerror(errno));
		}
		if (r->exit_reason != KVM_EXIT_MMIO)
			fail("unexpected exit_reason %u", r->exit_reason);
		if (r->mmio.is_write && r->mmio.phys_addr == MMIO_END && r->mmio.len == 8) {
			uint64_t val;

			memcpy(&val, r->mmio.data, sizeof(val));
			return val;
		}
		if (!r->mmio.is_write && r->mmio.phys_addr == MMIO_DATA && r->mmio.len == 8) {
			uint64_t val = DATA_VALUE;

			memcpy(r->mmio.data, &val, sizeof(val));
			v->loads++;
			continue;
		}
		if (r->mmio.is_write && r->mmio.phys_addr == MMIO_END + 0x28) {
			memcpy(&v->elr, r->mmio.data, sizeof(v->elr));
			continue;
		}
		if (r->mmio.is_write && r->mmio.phys_addr == MMIO_END + 0x20) {
			uint64_t esr;

			memcpy(&esr, r->mmio.data, sizeof(esr));
			fail("the guest took an exception: ESR 0x%llx at 0x%llx", (unsigned long long)esr,
			     (unsigned long long)v->elr);
		}
		fail("unexpected MMIO %s of %u bytes at 0x%llx", r->mmio.is_write ? "write" : "read",
		     r->mmio.len, (unsigned long long)r->mmio.phys_addr);
	}
}

/* vCPU id of v's VM, initialized (PSCI 0.2) with its PC at pc; its fd, its kvm_run in *run. */
static int add_vcpu(struct vm *v, int id, uint64_t pc, struct kvm_run **run)
{
	struct kvm_vcpu_init init;
	struct kvm_one_reg reg = { .id = CORE_REG(regs.pc), .addr = (uintptr_t)&pc };
	long sz;
	int fd;

	fd = ioctl(v->vm, KVM_CREATE_VCPU, id);
	if (fd < 0)
		not_available("KVM_CREATE_VCPU: %s", strerror(errno));
	sz = ioctl(v->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz < (long)sizeof(struct kvm_run))
		not_available("KVM_GET_VCPU_MMAP_SIZE: %ld", sz);
	*run = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (*run == MAP_FAILED)
		not_available("mmap of the vCPU: %s", strerror(errno));
	memset(&init, 0, sizeof(init));
	if (ioctl(v->vm, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		not_available("KVM_ARM_PREFERRED_TARGET: %s", strerror(errno));
	memset(init.features, 0, sizeof(init.features));
	init.features[0] = 1U << KVM_ARM_VCPU_PSCI_0_2;
	if (ioctl(fd, KVM_ARM_VCPU_INIT, &init) < 0)
		not_available("KVM_ARM_VCPU_INIT: %s", strerror(errno));
	if (ioctl(fd, KVM_SET_ONE_REG, &reg) < 0)
		not_available("KVM_SET_ONE_REG(PC): %s", strerror(errno));
	return fd;
}

static void setup(struct vm *v, uint32_t n)
{
	struct kvm_userspace_memory_region slot;
	void *mem;

	v->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (v->kvm < 0)
		not_available("/dev/kvm: %s", strerror(errno));
	if (ioctl(v->kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		not_available("KVM_GET_API_VERSION is not %d", KVM_API_VERSION);
	if (ioctl(v->kvm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_PSCI_0_2) <= 0)
		not_available("no KVM_CAP_ARM_PSCI_0_2");
	v->vm = ioctl(v->kvm, KVM_CREATE_VM, 0);
	if (v->vm < 0)
		not_available("KVM_CREATE_VM: %s", strerror(errno));

	mem = mmap(NULL, GUEST_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		fail("mmap guest memory: %s", strerror(errno));
	build_guest(mem, n);
	v->mem = mem;
	slot = (struct kvm_userspace_memory_region){
		.slot = 0, .guest_phys_addr = GUEST_BASE, .memory_size = GUEST_SIZE,
		.userspace_addr = (uintptr_t)mem,
	};
	if (ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
		not_available("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
	v->vcpu = add_vcpu(v, 0, GUEST_BASE, &v->run);
}

static void set_core(struct vm *v, uint64_t id, uint64_t val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)&val };

	if (ioctl(v->vcpu, KVM_SET_ONE_REG, &reg) < 0)
		fail("KVM_SET_ONE_REG: %s", strerror(errno));
}

static int gic_attr(int fd, uint32_t group, uint64_t attr, uint64_t val)
{
	struct kvm_device_attr a = { .group = group, .attr = attr, .addr = (uintptr_t)&val };

	return ioctl(fd, KVM_SET_DEVICE_ATTR, &a);
}

/* The GIC phases' VM: the same set-up, then an in-kernel GICv3. 0, or why not (printed). */
static int setup_gic(struct vm *v, uint32_t n)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
	uint8_t *mem;

	setup(v, n);
	mem = (uint8_t *)v->mem;
	memcpy(mem + (GIC_CODE - GUEST_BASE), guest_gic, (size_t)((const char *)guest_gic_end - (const char *)guest_gic));
	/* vCPU 1 (the ipi phase's), before the GIC's init as KVM wants */
	v->vcpu1 = add_vcpu(v, 1, GIC_CODE + (uint64_t)((const char *)guest_gic_cpu1 - (const char *)guest_gic), &v->run1);
	if (ioctl(v->vm, KVM_CREATE_DEVICE, &cd) < 0) {
		printf("gic: not available: KVM_CREATE_DEVICE(VGIC_V3): %s\n", strerror(errno));
		return -1;
	}
	if (gic_attr(cd.fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST, GICD_BASE) ||
	    gic_attr(cd.fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_REDIST, GICR_BASE) ||
	    ioctl(cd.fd, KVM_SET_DEVICE_ATTR,
		  &(struct kvm_device_attr){ .group = KVM_DEV_ARM_VGIC_GRP_CTRL, .attr = KVM_DEV_ARM_VGIC_CTRL_INIT }))
		fail("setting the GICv3 up: %s", strerror(errno));
	set_core(v, CORE_REG(regs.pc), GIC_CODE);
	set_core(v, CORE_REG(regs.regs[20]), MMIO_END);
	set_core(v, CORE_REG(regs.regs[21]), GICD_BASE);
	set_core(v, CORE_REG(regs.regs[22]), GICR_BASE);
	set_core(v, CORE_REG(regs.regs[23]), n);
	/* VBAR_EL1 from the start: an exception before the guest sets it is reported too */
	set_core(v, KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM64_SYSREG | (3 << 14) | (12 << 7), GIC_CODE + 0x800);
	return 0;
}

static void wake_signal(int sig) { (void)sig; }

/* The calling thread on CPU cpu, where there is one: the ipi phase's vCPUs on CPUs of their own. */
static void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	(void)sched_setaffinity(0, sizeof(set), &set);
}

/* vCPU 1's thread: it sleeps in WFI between SGIs; immediate_exit and a signal end it. */
static void *run_vcpu1(void *arg)
{
	struct vm *v = arg;

	pin_to_cpu(1);
	for (;;) {
		if (ioctl(v->vcpu1, KVM_RUN, 0) < 0) {
			if (errno == EINTR && __atomic_load_n(&v->run1->immediate_exit, __ATOMIC_ACQUIRE))
				return NULL;
			if (errno == EINTR || errno == EAGAIN)
				continue;
			fail("vCPU 1: KVM_RUN: %s", strerror(errno));
		}
		fail("vCPU 1: unexpected exit_reason %u", v->run1->exit_reason);
	}
}

static void irq_line(struct vm *v, uint32_t spi, uint32_t level)
{
	struct kvm_irq_level il = { .irq = KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT | spi, .level = level };

	if (ioctl(v->vm, KVM_IRQ_LINE, &il) < 0)
		fail("KVM_IRQ_LINE: %s", strerror(errno));
}

/* The GIC phases, each timed from its first KVM_RUN to its END exit. */
static void bench_gic(uint32_t n)
{
	static const char *const name[] = { "gicd", "sgi", "vtimer", "eoi", "ipi" };
	struct sigaction sa = { .sa_handler = wake_signal };
	struct vm g = { 0 };
	uint64_t t[6], got[5] = { 0 };
	pthread_t cpu1;
	unsigned i;

	if (setup_gic(&g, n))
		return;
	sigaction(SIGUSR1, &sa, NULL); /* no SA_RESTART: it ends vCPU 1's KVM_RUN */
	for (i = 0; i < 5; i++) {
		if (i == 3)
			irq_line(&g, 40, 1); /* the eoi phase's SPI, held high throughout */
		if (i == 4) {
			pin_to_cpu(0);
			if (pthread_create(&cpu1, NULL, run_vcpu1, &g))
				fail("a thread for vCPU 1");
		}
		t[i] = now_ns();
		got[i] = run_to_end(&g);
		t[i + 1] = now_ns();
		if (i == 3)
			irq_line(&g, 40, 0);
		printf("%s: %llu ns/round trip\n", name[i], (unsigned long long)((t[i + 1] - t[i]) / n));
		fflush(stdout);
	}
	__atomic_store_n(&g.run1->immediate_exit, 1, __ATOMIC_RELEASE);
	pthread_kill(cpu1, SIGUSR1);
	pthread_join(cpu1, NULL);
	if ((got[0] & 0x1f) != 0x7 || got[1] != n || got[2] != n || got[3] != n || got[4] != n)
		fail("GIC phases: GICD_TYPER 0x%llx, %llu SGIs, %llu timer interrupts, %llu SPIs, %llu IPI replies "
		     "taken (want %u each)", (unsigned long long)got[0], (unsigned long long)got[1],
		     (unsigned long long)got[2], (unsigned long long)got[3], (unsigned long long)got[4], n);
}

int main(int argc, char **argv)
{
	struct vm v = { 0 };
	uint32_t n = 20000;
	uint64_t t0, t1, t2, t3, t4, t5, ver, sum, unowned, signals = 0;
	struct kvm_ioeventfd iofd = { .addr = MMIO_IOFD, .len = 8 };
	int opt;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		char *end;
		unsigned long x;

		if (opt != 'n')
			goto usage;
		x = strtoul(optarg, &end, 0);
		if (*end || x == 0 || x > 0xffffffffUL)
			goto usage;
		n = (uint32_t)x;
	}
	if (optind != argc)
		goto usage;
	setvbuf(stdout, NULL, _IOLBF, 0);
	setup(&v, n);

	t0 = now_ns();
	ver = run_to_end(&v);
	t1 = now_ns();
	/* PSCI_VERSION answers major << 16 | minor, at least 0.2; NOT_SUPPORTED (-1) is a failure. */
	if (ver >> 31 || ver < 2)
		fail("PSCI_VERSION by HVC returned 0x%llx", (unsigned long long)ver);
	unowned = run_to_end(&v);
	t2 = now_ns();
	if (unowned != ~0ULL)
		fail("an unowned HVC returned 0x%llx (want NOT_SUPPORTED)", (unsigned long long)unowned);
	sum = run_to_end(&v);
	t3 = now_ns();
	if (v.loads != n || sum != (uint64_t)n * DATA_VALUE)
		fail("mmio phase: %lu loads completed, guest sum %llu (want %u, %llu)", v.loads,
		     (unsigned long long)sum, n, (unsigned long long)n * DATA_VALUE);

	iofd.fd = eventfd(0, 0);
	if (iofd.fd < 0 || ioctl(v.vm, KVM_IOEVENTFD, &iofd) < 0)
		not_available("KVM_IOEVENTFD: %s", strerror(errno));
	t4 = now_ns();
	run_to_end(&v);
	t5 = now_ns();
	if (read(iofd.fd, &signals, sizeof(signals)) != sizeof(signals) || signals != n)
		fail("ioeventfd phase: %llu signals (want %u)", (unsigned long long)signals, n);

	printf("kvmbench: %u round trips per phase, PSCI version %llu.%llu\n", n,
	       (unsigned long long)(ver >> 16), (unsigned long long)(ver & 0xffff));
	printf("hvc: %llu ns/round trip\n", (unsigned long long)((t1 - t0) / n));
	printf("hypcall: %llu ns/round trip\n", (unsigned long long)((t2 - t1) / n));
	printf("mmio: %llu ns/round trip\n", (unsigned long long)((t3 - t2) / n));
	printf("ioeventfd: %llu ns/round trip\n", (unsigned long long)((t5 - t4) / n));
	bench_gic(n);
	return 0;
usage:
	fprintf(stderr, "usage: kvmbench [-n ROUND_TRIPS]\n");
	return 2;
}

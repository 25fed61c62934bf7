// SPDX-License-Identifier: GPL-2.0
/*
 * KVM API tests: the in-kernel GICv3 (KVM_DEV_TYPE_ARM_VGIC_V3, Linux 6.1's
 * arch/arm64/kvm/vgic/): the device's creation and attributes with their
 * errnos, KVM_IRQ_LINE with it, and a guest that programs its distributor
 * and redistributor and takes, through the list registers, an SPI the VMM
 * raises, an SGI it sends itself and its virtual timer's PPI, acknowledging
 * and ending each with the CPU interface's system registers. Part of
 * kvmtest --reference: the same on Linux's own KVM.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "kvmtest.h"

#define CODE_OFF 0x5000 /* clear of the other test guests' code (QEMU's TCG finds code by PC) */
#define GICD 0x08000000UL /* where QEMU's virt puts them */
#define GICR 0x080a0000UL
#define SPI 40
#define SGI 3
#define VTIMER_PPI 27

/*
 * x20 = GICD, x21 = this vCPU's GICR, x22 = GUEST_MMIO. Sets the GIC up
 * (group 1 on, SPI 40, SGI 3 and PPI 27 enabled), reports 1 at GUEST_MMIO,
 * then waits in WFI; every interrupt is reported at GUEST_MMIO + 8 with its
 * INTID. The SPI's handler sends SGI 3 to this vCPU, the SGI's arms the
 * virtual timer, the timer's stops it.
 */
extern const uint32_t guest_gic[], guest_gic_end[];
__asm__(".pushsection .rodata\n"
	".balign 2048\n"
	".global guest_gic\n"
	"guest_gic:\n"
	"	adr x0, 1f\n"
	"	msr vbar_el1, x0\n"
	"	isb\n"
	"	mov w1, #2\n"
	"	str w1, [x20]\n"                /* GICD_CTLR.EnableGrp1 */
	"	str wzr, [x20, #0xc08]\n"       /* GICD_ICFGR2: SPIs 32..47 level-sensitive */
	"	mov w1, #0x100\n"
	"	str w1, [x20, #0x104]\n"        /* GICD_ISENABLER1: SPI 40 */
	"	mov w1, #0xa0\n"
	"	strb w1, [x20, #0x428]\n"       /* GICD_IPRIORITYR: SPI 40 */
	"	add x2, x21, #0x10000\n"        /* SGI frame */
	"	movz w1, #0x0800, lsl #16\n"
	"	orr w1, w1, #8\n"
	"	str w1, [x2, #0x100]\n"         /* GICR_ISENABLER0: PPI 27, SGI 3 */
	"	strb w1, [x2, #0x403]\n"        /* priorities 8 */
	"	strb w1, [x2, #0x41b]\n"
	GUEST_ICC_ON_READY_WFI
	".balign 2048\n"
	"1:	.skip 0x280\n"                  /* vectors: IRQ, current EL with SP_ELx */
	"	mrs x3, S3_0_C12_C12_0\n"       /* ICC_IAR1_EL1 */
	"	str x3, [x22, #8]\n"
	"	cmp x3, #40\n"
	"	b.ne 2f\n"
	"	movz x4, #0x0300, lsl #16\n"
	"	orr x4, x4, #1\n"
	"	msr S3_0_C12_C11_5, x4\n"       /* ICC_SGI1R_EL1: SGI 3 to Aff0 0 (itself) */
	"	b 4f\n"
	"2:	cmp x3, #3\n"
	"	b.ne 3f\n"
	"	mrs x4, cntvct_el0\n"
	"	add x4, x4, #0x1000\n"
	"	msr cntv_cval_el0, x4\n"
	"	mov x4, #1\n"
	"	msr cntv_ctl_el0, x4\n"         /* the virtual timer, due soon */
	"	b 4f\n"
	"3:	cmp x3, #27\n"
	"	b.ne 4f\n"
	"	msr cntv_ctl_el0, xzr\n"
	"4:	msr S3_0_C12_C12_1, x3\n"       /* ICC_EOIR1_EL1 */
	"	eret\n"
	".global guest_gic_end\n"
	"guest_gic_end:\n"
	".popsection\n");

static int create_gic(int vm, uint32_t type, uint32_t flags, long *err)
{
	struct kvm_create_device cd = { .type = type, .flags = flags };

	*err = kioctl(vm, KVM_CREATE_DEVICE, (unsigned long)&cd);
	return *err ? -1 : (int)cd.fd;
}

static long irq_line(int vm, uint32_t type, uint32_t vcpu, uint32_t num, uint32_t level)
{
	struct kvm_irq_level il = { .irq = type << KVM_ARM_IRQ_TYPE_SHIFT | vcpu << KVM_ARM_IRQ_VCPU_SHIFT | num,
				    .level = level };

	return kioctl(vm, KVM_IRQ_LINE, (unsigned long)&il);
}

/* Creation, addresses, NR_IRQS, INIT: the errnos of vgic-kvm-device.c, before and after init. */
static int test_vgic_setup(struct code_vm *g)
{
	uint64_t addr = GICD + 0x1000, a;
	uint32_t n = 30;
	long err;
	int gic;

	check(kioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP) == 1, "KVM_CAP_IRQCHIP = 1");
	create_gic(g->vm, KVM_DEV_TYPE_ARM_VGIC_V3, KVM_CREATE_DEVICE_TEST, &err);
	check(err == 0, "KVM_CREATE_DEVICE_TEST for a GICv3: 0 (%s)", err_name(err));
	create_gic(g->vm, KVM_DEV_TYPE_ARM_VGIC_V2, 0, &err);
	check(err == -ENODEV, "a GICv2 on this GICv3 host (no compatibility interface): -ENODEV (%s)", err_name(err));
	gic = create_gic(g->vm, KVM_DEV_TYPE_ARM_VGIC_V3, 0, &err);
	check(gic >= 0, "KVM_CREATE_DEVICE(KVM_DEV_TYPE_ARM_VGIC_V3): an fd (%s)", err_name(err));
	if (gic < 0)
		return -1;
	create_gic(g->vm, KVM_DEV_TYPE_ARM_VGIC_V3, 0, &err);
	check(err == -EEXIST, "a second one: -EEXIST (%s)", err_name(err));
	check(irq_line(g->vm, KVM_ARM_IRQ_TYPE_SPI, 0, SPI, 1) == -EBUSY, "KVM_IRQ_LINE before the GIC's init: -EBUSY");
	check(irq_line(g->vm, KVM_ARM_IRQ_TYPE_CPU, 0, 0, 1) == -ENXIO,
	      "KVM_IRQ_LINE to the CPU's IRQ pin with an in-kernel GIC: -ENXIO");

	check(dev_attr(gic, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST, &a) == 0 &&
		      a == ~0ULL, "the distributor's address reads undefined (0x%llx)", (unsigned long long)a);
	check(dev_attr(gic, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST, &addr) == -EINVAL,
	      "a distributor address not 64 KiB aligned: -EINVAL");
	addr = 1ULL << 40;
	check(dev_attr(gic, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST, &addr) == -E2BIG,
	      "... beyond the VM's IPA size: -E2BIG");
	err = dev_attr(gic, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR, 42, &addr);
	check(err == -ENXIO, "an unknown address type: -ENXIO (%s)", err_name(err));
	check(dev_attr(gic, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &n) == -EINVAL,
	      "NR_IRQS below 64: -EINVAL");
	n = 96;
	check(dev_attr(gic, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &n) == 0, "NR_IRQS 96");
	check(dev_attr(gic, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &n) == -EBUSY, "... set again: -EBUSY");
	check(dev_attr(gic, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 4, &n) == -EBUSY,
	      "a distributor register before init: -EBUSY");
	check(dev_attr(gic, KVM_HAS_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL) == 0 &&
		      dev_attr(gic, KVM_HAS_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_CTRL, 77, NULL) == -ENXIO,
	      "HAS_DEVICE_ATTR: CTRL_INIT yes, an unknown control -ENXIO");
	check(dev_attr(gic, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL) == 0,
	      "CTRL_INIT");
	err = kioctl(g->vm, KVM_CREATE_VCPU, 1);
	check(err == -EBUSY, "KVM_CREATE_VCPU after the GIC's init: -EBUSY (%s)", err_name(err));
	if (err >= 0)
		close((int)err);
	addr = GICD;
	check(dev_attr(gic, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST, &addr) == 0,
	      "the distributor at 0x%lx (after init)", GICD);
	check(dev_attr(gic, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST, &addr) == -EEXIST,
	      "... again: -EEXIST");
	addr = GICR;
	check(dev_attr(gic, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_REDIST, &addr) == 0,
	      "the redistributors at 0x%lx", GICR);
	return gic;
}

/* A VM whose GIC has no distributor placed does not run (KVM 6.1 then drops the GIC: a VM of its own). */
static void test_vgic_unplaced(void)
{
	struct code_vm g;
	uint64_t addr = GICR;
	long err;
	int gic;

	if (code_vm_open(&g, guest_gic, guest_gic_end)) {
		check(false, "a guest for the GIC placement test");
		code_vm_close(&g);
		return;
	}
	gic = create_gic(g.vm, KVM_DEV_TYPE_ARM_VGIC_V3, 0, &err);
	check(gic >= 0 && !dev_attr(gic, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_REDIST, &addr),
	      "a GICv3 with its redistributors placed (%s)", err_name(err));
	err = run_timeout(g.vcpu, GUARD_US);
	check(err == -ENXIO, "KVM_RUN without its distributor placed: -ENXIO (%s)", err_name(err));
	if (gic >= 0)
		close(gic);
	code_vm_close(&g);
}

/* Registers as the VMM saves them: the distributor's, vCPU 0's redistributor and CPU interface. */
static void test_vgic_regs(int gic)
{
	uint64_t mpidr0 = 0, v64 = 0;
	uint32_t v = 0;
	long err;

	check(dev_attr(gic, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 4, &v) == 0 && (v & 0x1f) == 2 &&
		      ((v >> 19) & 0x1f) == 9,
	      "GICD_TYPER: 96 interrupts (ITLinesNumber 2), ten id bits (0x%x)", v);
	check(dev_attr(gic, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 8, &v) == 0 && v == 0x4b00343b,
	      "GICD_IIDR: KVM's (0x%x)", v);
	check(dev_attr(gic, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0xffe8, &v) == 0 && (v & 0xf0) == 0x30,
	      "GICD_PIDR2: architecture version 3 (0x%x)", v);
	check(dev_attr(gic, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0x0, &v) == 0 && (v & 0x50) == 0x50,
	      "GICD_CTLR: ARE and DS set (0x%x)", v);
	check(dev_attr(gic, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0x6000 + 8 * SPI, &v) == 0 && v == 0,
	      "GICD_IROUTER of SPI %d: vCPU 0", SPI);
	v = 1;
	err = dev_attr(gic, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0x2000, &v);
	check(err == 0 && v == 0, "no distributor register at 0x2000: it reads 0 (%s)", err_name(err));
	err = dev_attr(gic, KVM_HAS_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0x2000, NULL);
	check(err == -ENXIO, "... and HAS_DEVICE_ATTR says -ENXIO (%s)", err_name(err));
	err = dev_attr(gic, KVM_HAS_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0x100, NULL);
	check(err == 0, "HAS_DEVICE_ATTR: GICD_ISENABLER0 (%s)", err_name(err));
	check(dev_attr(gic, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, mpidr0 | 8, &v) == 0 && (v & 0x10),
	      "GICR_TYPER of vCPU 0: the last redistributor (0x%x)", v);
	check(dev_attr(gic, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, 1ULL << 32 | 8, &v) == -EINVAL,
	      "a redistributor of a vCPU that does not exist: -EINVAL");
	check(dev_attr(gic, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, 0x10c00, &v) == 0 && v == 0xaaaaaaaa,
	      "GICR_ICFGR0: SGIs edge-triggered (0x%x)", v);
	check(dev_attr(gic, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0xc08, &v) == 0 && v == 0xaaaaaaaa,
	      "GICD_ICFGR2: SPIs reset edge-triggered, as KVM's (0x%x)", v);
	check(dev_attr(gic, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS, 0xc665, &v64) == 0 && (v64 & 1),
	      "ICC_SRE_EL1: SRE set (0x%llx)", (unsigned long long)v64);
	v64 = 0xf0;
	check(dev_attr(gic, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS, 0xc230, &v64) == 0 &&
		      dev_attr(gic, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS, 0xc230, &v64) == 0 && v64 == 0xf0,
	      "ICC_PMR_EL1 written and read back (0x%llx)", (unsigned long long)v64);
	v64 = 0;
	check(dev_attr(gic, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS, 0xc230, &v64) == 0, "ICC_PMR_EL1 0 again");
	check(dev_attr(gic, KVM_HAS_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS, 0xc667, NULL) == 0,
	      "HAS_DEVICE_ATTR: ICC_IGRPEN1_EL1");
}

/* A run that must end in the guest's report at GUEST_MMIO + off of value want. */
static void expect_report(struct code_vm *g, uint64_t off, uint64_t want, const char *what)
{
	long r = run_timeout(g->vcpu, GUARD_US);
	uint64_t got = 0;

	memcpy(&got, g->run->mmio.data, sizeof(got));
	check(r == 0 && g->run->exit_reason == KVM_EXIT_MMIO && g->run->mmio.is_write &&
		      g->run->mmio.phys_addr == GUEST_MMIO + off && got == want,
	      "%s (%s, exit %u at 0x%llx, %llu)", what, err_name(r), g->run->exit_reason,
	      (unsigned long long)g->run->mmio.phys_addr, (unsigned long long)got);
}

/* KVM_SET_GSI_ROUTING and KVM_IRQFD's errnos (virt/kvm/irqchip.c, eventfd.c, vgic-irqfd.c). */
static void test_irqfd_errors(int vm, int efd)
{
	struct {
		struct kvm_irq_routing r;
		struct kvm_irq_routing_entry e[2];
	} rt = { .r.nr = 1, .e[0] = { .gsi = 8, .type = KVM_IRQ_ROUTING_IRQCHIP, .u.irqchip.pin = 988 } };
	struct kvm_irqfd fd = { .fd = (uint32_t)efd, .gsi = 8, .flags = 1U << 7 };
	long r;

	check(kioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD) == 1 &&
		      kioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQ_ROUTING) == 4096,
	      "KVM_CAP_IRQFD = 1, KVM_CAP_IRQ_ROUTING = 4096 routes");
	check(kioctl(vm, KVM_SET_GSI_ROUTING, (unsigned long)&rt) == -EINVAL, "a route to pin 988 (SPI 1020): -EINVAL");
	rt.e[0].u.irqchip.pin = 8;
	rt.e[0].flags = 1;
	check(kioctl(vm, KVM_SET_GSI_ROUTING, (unsigned long)&rt) == -EINVAL, "a route with flags: -EINVAL");
	rt.e[0].flags = 0;
	rt.e[1] = rt.e[0];
	rt.r.nr = 2;
	check(kioctl(vm, KVM_SET_GSI_ROUTING, (unsigned long)&rt) == -EINVAL,
	      "one GSI routed twice to the same irqchip: -EINVAL");
	rt.r.nr = 4097;
	check(kioctl(vm, KVM_SET_GSI_ROUTING, (unsigned long)&rt) == -EINVAL, "4097 routes: -EINVAL");
	rt.r.nr = 1;
	check(kioctl(vm, KVM_SET_GSI_ROUTING, (unsigned long)&rt) == 0, "GSI 8 routed to pin 8 (SPI 40)");
	check(kioctl(vm, KVM_IRQFD, (unsigned long)&fd) == -EINVAL, "KVM_IRQFD with an unknown flag: -EINVAL");
	fd.flags = 0;
	fd.fd = 12345;
	r = kioctl(vm, KVM_IRQFD, (unsigned long)&fd);
	check(r == -EBADF, "KVM_IRQFD of a file descriptor that is not open: -EBADF (%s)", err_name(r));
	fd.fd = (uint32_t)efd;
	check(kioctl(vm, KVM_IRQFD, (unsigned long)&fd) == 0, "KVM_IRQFD: an eventfd for GSI 8");
	check(kioctl(vm, KVM_IRQFD, (unsigned long)&fd) == -EBUSY, "the same eventfd again: -EBUSY");
}

/* SPI 40's line as KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO reads it (bit 8 of INTIDs 32..63), or -1. */
static int spi_level(int gic)
{
	uint32_t lines = 0;
	uint64_t a = (uint64_t)VGIC_LEVEL_INFO_LINE_LEVEL << KVM_DEV_ARM_VGIC_LINE_LEVEL_INFO_SHIFT | 32;

	if (dev_attr(gic, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO, a, &lines))
		return -1;
	return (lines >> (SPI - 32)) & 1;
}

/*
 * KVM_IRQFD_FLAG_RESAMPLE (eventfd.c's resampler): the level SPI an irqfd
 * raises is lowered at the guest's EOI and the resamplefd signalled, with
 * no VMM in between; deassigning the irqfd leaves the line low.
 */
static void test_irqfd_resample(struct code_vm *g, int gic)
{
	struct kvm_irqfd fd = { .gsi = 8, .flags = KVM_IRQFD_FLAG_RESAMPLE, .resamplefd = 12345 };
	uint64_t one = 1, n = 0;
	int efd = eventfd(0, EFD_CLOEXEC), rfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	long r;

	check(kioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD_RESAMPLE) == 1, "KVM_CAP_IRQFD_RESAMPLE = 1");
	fd.fd = (uint32_t)efd;
	r = kioctl(g->vm, KVM_IRQFD, (unsigned long)&fd);
	check(r == -EBADF, "a resamplefd that is not open: -EBADF (%s)", err_name(r));
	fd.resamplefd = (uint32_t)gic;
	r = kioctl(g->vm, KVM_IRQFD, (unsigned long)&fd);
	check(r == -EINVAL, "a resamplefd that is not an eventfd: -EINVAL (%s)", err_name(r));
	fd.resamplefd = (uint32_t)rfd;
	check(kioctl(g->vm, KVM_IRQFD, (unsigned long)&fd) == 0, "KVM_IRQFD with a resamplefd for GSI 8 (SPI 40)");
	check(spi_level(gic) == 0 && read(rfd, &n, sizeof(n)) < 0, "the line low, the resamplefd quiet");
	check(write(efd, &one, sizeof(one)) == sizeof(one), "the eventfd signalled");
	expect_report(g, 8, SPI, "the SPI reaches the guest");
	check(spi_level(gic) == 1 && read(rfd, &n, sizeof(n)) < 0, "its line high until the guest ends it");
	expect_report(g, 8, SGI, "the guest ended it and took its SGI");
	n = 0;
	r = read(rfd, &n, sizeof(n));
	check(r == sizeof(n) && n == 1, "its EOI signalled the resamplefd once (%ld, %llu)", r, (unsigned long long)n);
	check(spi_level(gic) == 0, "and lowered the line, without the VMM");
	expect_report(g, 8, VTIMER_PPI, "... the timer, and no second SPI");
	check(write(efd, &one, sizeof(one)) == sizeof(one), "the eventfd signalled again");
	expect_report(g, 8, SPI, "the SPI again");
	expect_report(g, 8, SGI, "ended");
	r = read(rfd, &n, sizeof(n));
	check(r == sizeof(n) && n == 1 && spi_level(gic) == 0, "the resamplefd signalled again, the line low");
	expect_report(g, 8, VTIMER_PPI, "... the timer");
	fd = (struct kvm_irqfd){ .fd = (uint32_t)efd, .gsi = 8, .flags = KVM_IRQFD_FLAG_DEASSIGN };
	check(kioctl(g->vm, KVM_IRQFD, (unsigned long)&fd) == 0, "the resampling irqfd deassigned");
	check(irq_line(g->vm, KVM_ARM_IRQ_TYPE_SPI, 0, SPI, 1) == 0, "KVM_IRQ_LINE: SPI %d up", SPI);
	expect_report(g, 8, SPI, "the guest takes it");
	expect_report(g, 8, SGI, "ends it, takes its SGI");
	check(spi_level(gic) == 1 && read(rfd, &n, sizeof(n)) < 0,
	      "no resampler now: the EOI left the line high, the resamplefd quiet");
	check(irq_line(g->vm, KVM_ARM_IRQ_TYPE_SPI, 0, SPI, 0) == 0, "SPI %d down", SPI);
	expect_report(g, 8, VTIMER_PPI, "... the timer");
	close(rfd);
	close(efd);
}

static long timer_ppi(int vcpu, unsigned long req, uint64_t which, int *irq)
{
	struct kvm_device_attr at = { .group = KVM_ARM_VCPU_TIMER_CTRL, .attr = which, .addr = (uintptr_t)irq };

	return kioctl(vcpu, req, (unsigned long)&at);
}

/*
 * KVM_ARM_VCPU_TIMER_CTRL with an in-kernel GIC (kvm_arm_timer_set_attr(),
 * kvm_timer_enable()): the PPIs can move until the vCPU first runs, and a
 * first run with both timers on one PPI fails.
 */
static void test_timer_ppis(struct code_vm *g)
{
	int v = 0, p = 0;
	long r;

	check(timer_ppi(g->vcpu, KVM_GET_DEVICE_ATTR, KVM_ARM_VCPU_TIMER_IRQ_VTIMER, &v) == 0 && v == 27 &&
		      timer_ppi(g->vcpu, KVM_GET_DEVICE_ATTR, KVM_ARM_VCPU_TIMER_IRQ_PTIMER, &p) == 0 && p == 30,
	      "the timers' PPIs: 27 and 30 (%d, %d)", v, p);
	v = 15;
	check(timer_ppi(g->vcpu, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_TIMER_IRQ_VTIMER, &v) == -EINVAL,
	      "TIMER_IRQ_VTIMER set to 15, not a PPI: -EINVAL");
	v = 20;
	check(timer_ppi(g->vcpu, KVM_SET_DEVICE_ATTR, 7, &v) == -ENXIO, "an unknown timer attribute: -ENXIO");
	check(timer_ppi(g->vcpu, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_TIMER_IRQ_PTIMER, NULL) == -EFAULT,
	      "a set from a bad address: -EFAULT");
	p = 27;
	check(timer_ppi(g->vcpu, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_TIMER_IRQ_PTIMER, &p) == 0 &&
		      timer_ppi(g->vcpu, KVM_GET_DEVICE_ATTR, KVM_ARM_VCPU_TIMER_IRQ_PTIMER, &v) == 0 && v == 27,
	      "TIMER_IRQ_PTIMER set to 27, the virtual timer's too");
	r = kioctl(g->vcpu, KVM_RUN, 0);
	check(r == -EINVAL, "the first KVM_RUN with both timers on PPI 27: -EINVAL (%s)", err_name(r));
	p = 30;
	check(timer_ppi(g->vcpu, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_TIMER_IRQ_PTIMER, &p) == 0,
	      "TIMER_IRQ_PTIMER back to 30 (the vCPU has not run)");
}

void test_vgic(void)
{
	uint64_t pc = GUEST_RAM + CODE_OFF, gicd = GICD, gicr = GICR, mmio = GUEST_MMIO, one = 1;
	struct kvm_irqfd irqfd;
	struct code_vm g;
	int gic, efd;
	long r;

	if (code_vm_open(&g, guest_gic, guest_gic_end)) {
		check(false, "a guest for the GICv3 tests");
		code_vm_close(&g);
		return;
	}
	memcpy(g.mem + CODE_OFF, guest_gic, (size_t)((const char *)guest_gic_end - (const char *)guest_gic));
	gic = test_vgic_setup(&g);
	if (gic < 0) {
		code_vm_close(&g);
		return;
	}
	test_vgic_regs(gic);
	test_vgic_unplaced();
	check(irq_line(g.vm, KVM_ARM_IRQ_TYPE_SPI, 0, 31, 1) == -EINVAL &&
		      irq_line(g.vm, KVM_ARM_IRQ_TYPE_SPI, 0, 96, 1) == -EINVAL,
	      "KVM_IRQ_LINE: an SPI below 32 or beyond NR_IRQS: -EINVAL");
	check(irq_line(g.vm, KVM_ARM_IRQ_TYPE_PPI, 1, 20, 1) == -EINVAL &&
		      irq_line(g.vm, KVM_ARM_IRQ_TYPE_PPI, 0, 12, 1) == -EINVAL,
	      "KVM_IRQ_LINE: a PPI of a vCPU that does not exist, or a number not a PPI: -EINVAL");

	set_reg(g.vcpu, CORE(regs.pc), &pc);
	set_reg(g.vcpu, CORE(regs.regs[20]), &gicd);
	set_reg(g.vcpu, CORE(regs.regs[21]), &gicr);
	set_reg(g.vcpu, CORE(regs.regs[22]), &mmio);
	test_timer_ppis(&g);
	expect_report(&g, 0, 1, "the guest set its GIC up (distributor, redistributor, ICC_PMR/IGRPEN1)");
	{
		int ppi = 26;

		r = timer_ppi(g.vcpu, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_TIMER_IRQ_VTIMER, &ppi);
		check(r == -EBUSY, "the timers' PPIs once the vCPU ran: -EBUSY (%s)", err_name(r));
	}
	check(irq_line(g.vm, KVM_ARM_IRQ_TYPE_SPI, 0, SPI, 1) == 0, "KVM_IRQ_LINE: SPI %d up", SPI);
	expect_report(&g, 8, SPI, "the guest takes the SPI: ICC_IAR1_EL1 reads 40");
	check(irq_line(g.vm, KVM_ARM_IRQ_TYPE_SPI, 0, SPI, 0) == 0, "SPI %d down before the guest ends it", SPI);
	expect_report(&g, 8, SGI, "the SGI the guest sent itself (ICC_SGI1R_EL1) comes next");
	expect_report(&g, 8, VTIMER_PPI, "then its virtual timer's PPI, after a WFI");
	r = run_timeout(g.vcpu, 200000);
	check(r == -EINTR && got_alarm, "nothing more: the guest sleeps in WFI until a signal (%s, exit %u, 0x%llx)",
	      err_name(r), g.run->exit_reason, (unsigned long long)g.run->mmio.phys_addr);

	/* The same chain, started by an irqfd: its SPI raised in the kernel while the guest sleeps in WFI. */
	efd = eventfd(0, EFD_CLOEXEC);
	test_irqfd_errors(g.vm, efd);
	check(write(efd, &one, sizeof(one)) == sizeof(one), "the eventfd signalled");
	expect_report(&g, 8, SPI, "the irqfd's SPI reaches the guest");
	check(irq_line(g.vm, KVM_ARM_IRQ_TYPE_SPI, 0, SPI, 0) == 0, "its line lowered by the VMM (KVM leaves it high)");
	expect_report(&g, 8, SGI, "... and the chain goes on: the SGI");
	expect_report(&g, 8, VTIMER_PPI, "... the timer");
	irqfd = (struct kvm_irqfd){ .fd = (uint32_t)efd, .gsi = 8, .flags = KVM_IRQFD_FLAG_DEASSIGN };
	check(kioctl(g.vm, KVM_IRQFD, (unsigned long)&irqfd) == 0, "KVM_IRQFD deassigned");
	check(write(efd, &one, sizeof(one)) == sizeof(one), "the eventfd signalled again");
	r = run_timeout(g.vcpu, 200000);
	check(r == -EINTR && got_alarm, "a deassigned irqfd raises nothing (%s, exit %u)", err_name(r),
	      g.run->exit_reason);
	close(efd);
	test_irqfd_resample(&g, gic);
	close(gic);
	code_vm_close(&g);
	test_vgic_active();
}

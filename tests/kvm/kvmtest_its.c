// SPDX-License-Identifier: GPL-2.0
/*
 * KVM API tests: the ITS (KVM_DEV_TYPE_ARM_VGIC_ITS, Linux 6.1's
 * vgic-its.c) beside an in-kernel GICv3: its attributes and their errnos,
 * KVM_CAP_MSI_DEVID, KVM_SIGNAL_MSI, an MSI route behind an irqfd, LPIs
 * the guest takes through its CPU interface, an LPI disabled in the
 * property table held pending until an INV, and the tables saved to and
 * restored from guest memory (KVM's ABI revision 0) with the pending table.
 * The VMM programs the ITS and the redistributor through the attributes
 * (as a restore would) and queues the commands in guest memory. Part of
 * kvmtest --reference: the same on Linux's own KVM.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvmtest.h"

#define CODE_OFF 0x6000 /* clear of the other test guests' code */
#define GICD 0x08000000UL
#define GICR 0x080a0000UL
#define ITS 0x08080000UL
#define TRANSLATER (ITS + 0x10040)
#define TABLES 0x50000000UL /* a second slot: the ITS's and the redistributor's tables */
#define TABLES_SIZE 0x60000UL
#define PROP 0x00000UL      /* offsets in it */
#define PEND 0x10000UL
#define DEVT 0x20000UL
#define COLLT 0x30000UL
#define CMDQ 0x40000UL
#define ITT 0x50000UL
#define LPI 8192
#define DEVID 0x10
#define EVENT 2
#define BASER_VALID (1ULL << 63)
#define GITS_CTLR 0x0
#define GITS_IIDR 0x4
#define GITS_TYPER 0x8
#define GITS_CBASER 0x80
#define GITS_CWRITER 0x88
#define GITS_CREADR 0x90
#define GITS_BASER(n) (0x100 + 8 * (n))

/*
 * x20 = GICD, x22 = GUEST_MMIO: group 1 on, PMR open, IRQs unmasked, reports
 * 1 at GUEST_MMIO, then WFI; every interrupt's INTID at GUEST_MMIO + 8.
 */
extern const uint32_t guest_its[], guest_its_end[];
__asm__(".pushsection .rodata\n"
	".balign 2048\n"
	".global guest_its\n"
	"guest_its:\n"
	"	adr x0, 1f\n"
	"	msr vbar_el1, x0\n"
	"	isb\n"
	"	mov w1, #2\n"
	"	str w1, [x20]\n"                /* GICD_CTLR.EnableGrp1 */
	GUEST_ICC_ON_READY_WFI
	".balign 2048\n"
	"1:	.skip 0x280\n"
	"	mrs x3, S3_0_C12_C12_0\n"       /* ICC_IAR1_EL1 */
	"	str x3, [x22, #8]\n"
	"	msr S3_0_C12_C12_1, x3\n"       /* ICC_EOIR1_EL1 */
	"	eret\n"
	".global guest_its_end\n"
	"guest_its_end:\n"
	".popsection\n");

static long its_reg(int its, bool set, uint64_t off, uint64_t *val)
{
	return dev_attr(its, set ? KVM_SET_DEVICE_ATTR : KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ITS_REGS, off, val);
}

static long its_ctrl(int its, uint64_t what)
{
	return dev_attr(its, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_CTRL, what, NULL);
}

/* A 64-bit redistributor register of vCPU 0 through the 32-bit REDIST_REGS attribute, half by half. */
static long rd_set64(int gic, uint64_t off, uint64_t val)
{
	uint32_t lo = (uint32_t)val, hi = (uint32_t)(val >> 32);

	long r = dev_attr(gic, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, off, &lo);

	return r ? r : dev_attr(gic, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, off + 4, &hi);
}

static long signal_msi(int vm, uint64_t addr, uint32_t data, uint32_t flags, uint32_t devid)
{
	struct kvm_msi msi = { .address_lo = (uint32_t)addr, .address_hi = (uint32_t)(addr >> 32), .data = data,
			       .flags = flags, .devid = devid };

	return kioctl(vm, KVM_SIGNAL_MSI, (unsigned long)&msi);
}

static uint64_t report(struct code_vm *g, uint64_t off)
{
	long r = run_timeout(g->vcpu, GUARD_US);

	if (r || g->run->exit_reason != KVM_EXIT_MMIO || g->run->mmio.phys_addr != GUEST_MMIO + off)
		return ~0ULL;
	return *(uint64_t *)g->run->mmio.data;
}

static bool quiet(struct code_vm *g)
{
	long r = run_timeout(g->vcpu, 200000);

	if (r == -EINTR && got_alarm)
		return true;
	printf("# not quiet: %s, exit %u at 0x%llx, 0x%llx\n", err_name(r), g->run->exit_reason,
	       (unsigned long long)g->run->mmio.phys_addr, (unsigned long long)*(uint64_t *)g->run->mmio.data);
	return false;
}

/* Commands queued at CWRITER (written by the VMM through the attribute, which runs them). */
static unsigned cmd_n;
static void cmd(uint8_t *tables, uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3)
{
	uint64_t c[4] = { w0, w1, w2, w3 };

	memcpy(tables + CMDQ + 32 * cmd_n++, c, sizeof(c));
}

static long cmds_run(int its)
{
	uint64_t cw = 32 * cmd_n;

	return its_reg(its, true, GITS_CWRITER, &cw);
}

static int gic_create(struct code_vm *g)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
	uint64_t gicd = GICD, gicr = GICR;

	if (kioctl(g->vm, KVM_CREATE_DEVICE, (unsigned long)&cd))
		return -1;
	if (dev_attr((int)cd.fd, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST, &gicd) ||
	    dev_attr((int)cd.fd, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_REDIST, &gicr) ||
	    dev_attr((int)cd.fd, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL))
		return -1;
	return (int)cd.fd;
}

/* The device, its address and its register attributes: vgic-its.c's errnos. */
static int test_its_create(struct code_vm *g)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_ARM_VGIC_ITS };
	uint64_t a = 0, v;
	long r;
	int its;

	r = kioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MSI_DEVID);
	check(r == -EINVAL, "KVM_CAP_MSI_DEVID on the system fd: %s (want -EINVAL: a VM's)", err_name(r));
	check(kioctl(g->vm, KVM_CHECK_EXTENSION, KVM_CAP_MSI_DEVID) == 0, "KVM_CAP_MSI_DEVID before an ITS: 0");
	r = signal_msi(g->vm, TRANSLATER, EVENT, KVM_MSI_VALID_DEVID, DEVID);
	check(r == -EINVAL, "KVM_SIGNAL_MSI without an in-kernel irqchip: %s (want -EINVAL)", err_name(r));
	r = kioctl(g->vm, KVM_CREATE_DEVICE, (unsigned long)&cd);
	check(r == 0, "KVM_CREATE_DEVICE(KVM_DEV_TYPE_ARM_VGIC_ITS): %s", err_name(r));
	if (r)
		return -1;
	its = (int)cd.fd;
	check(kioctl(g->vm, KVM_CHECK_EXTENSION, KVM_CAP_MSI_DEVID) == 1, "KVM_CAP_MSI_DEVID with one: 1");
	check(dev_attr(its, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_ITS_ADDR_TYPE, &a) == 0 && a == ~0ULL,
	      "its address reads undefined (0x%llx)", (unsigned long long)a);
	r = its_reg(its, false, GITS_CTLR, &v);
	check(r == -ENXIO, "a register before the address is set: %s (want -ENXIO)", err_name(r));
	a = ITS + 0x1000;
	r = dev_attr(its, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_ITS_ADDR_TYPE, &a);
	check(r == -EINVAL, "an address not 64 KiB aligned: %s (want -EINVAL)", err_name(r));
	r = dev_attr(its, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR, 7, &a);
	check(r == -ENODEV, "an unknown address type: %s (want -ENODEV)", err_name(r));
	a = ITS;
	check(dev_attr(its, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_ITS_ADDR_TYPE, &a) == 0,
	      "the ITS at 0x%lx", ITS);
	r = dev_attr(its, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_ITS_ADDR_TYPE, &a);
	check(r == -EEXIST, "... again: %s (want -EEXIST)", err_name(r));
	check(dev_attr(its, KVM_HAS_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_ITS_SAVE_TABLES, NULL) == 0 &&
		      dev_attr(its, KVM_HAS_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_ITS_CTRL_RESET, NULL) == 0 &&
		      dev_attr(its, KVM_HAS_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES,
			   NULL) == -ENXIO &&
		      dev_attr(its, KVM_HAS_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_CTRL, 9, NULL) == -ENXIO &&
		      dev_attr(its, KVM_HAS_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ITS_REGS, GITS_CBASER, NULL) == 0,
	      "HAS_DEVICE_ATTR: SAVE_TABLES, CTRL_RESET and GITS_CBASER yes; the GIC's SAVE_PENDING_TABLES, an "
	      "unknown control -ENXIO");
	r = its_ctrl(its, 9);
	check(r == 0, "SET_DEVICE_ATTR of an unknown control: %s (want 0: vgic_its_ctrl() ignores it)", err_name(r));
	r = its_reg(its, false, GITS_TYPER + 4, &v);
	check(r == -EINVAL, "GITS_TYPER's upper half (64-bit accesses only): %s (want -EINVAL)", err_name(r));
	r = its_reg(its, false, 0x20, &v);
	check(r == -ENXIO, "an offset with no register: %s (want -ENXIO)", err_name(r));
	check(!its_reg(its, false, GITS_TYPER, &v) && (v & 0xf1) == 0x71, "GITS_TYPER: physical LPIs, 8-byte ITEs (0x%llx)",
	      (unsigned long long)v);
	check(!its_reg(its, false, GITS_IIDR, &v) && v == 0x4b00043b, "GITS_IIDR: KVM's, revision 0 (0x%llx)",
	      (unsigned long long)v);
	v = 1 << 12;
	r = its_reg(its, true, GITS_IIDR, &v);
	check(r == -EINVAL, "GITS_IIDR with table ABI revision 1: %s (want -EINVAL)", err_name(r));
	return its;
}

/* The redistributor's LPI tables and the ITS's, enabled; device, collection and LPI mapped by commands. */
static bool its_program(int gic, int its, uint8_t *tables)
{
	uint64_t v, one = 1;
	uint32_t ctlr = 1;

	tables[PROP + (LPI - 8192)] = 0xa0 | 1; /* priority 0xa0, enabled */
	if (rd_set64(gic, 0x70, (TABLES + PROP) | 13) || rd_set64(gic, 0x78, TABLES + PEND) ||
	    dev_attr(gic, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, 0, &ctlr))
		return false;
	v = BASER_VALID | (TABLES + DEVT);
	if (its_reg(its, true, GITS_BASER(0), &v))
		return false;
	v = BASER_VALID | (TABLES + COLLT);
	if (its_reg(its, true, GITS_BASER(1), &v))
		return false;
	v = BASER_VALID | (TABLES + CMDQ);
	if (its_reg(its, true, GITS_CBASER, &v) || its_reg(its, true, GITS_CTLR, &one))
		return false;
	cmd_n = 0;
	cmd(tables, 0x08 | (uint64_t)DEVID << 32, 3, BASER_VALID | (TABLES + ITT), 0);      /* MAPD: 4 event bits */
	cmd(tables, 0x09, 0, BASER_VALID | 0 << 16 | 0, 0);                                /* MAPC: ICID 0 -> vCPU 0 */
	cmd(tables, 0x0a | (uint64_t)DEVID << 32, EVENT | (uint64_t)LPI << 32, 0, 0);      /* MAPTI: event 2 -> 8192 */
	cmd(tables, 0x05, 0, 0, 0);                                                        /* SYNC */
	return cmds_run(its) == 0 && !its_reg(its, false, GITS_CREADR, &v) && v == 32 * cmd_n;
}

static void test_its_msis(struct code_vm *g, int gic, int its, uint8_t *tables)
{
	struct kvm_irq_routing_entry *e;
	struct kvm_irq_routing *rt;
	struct kvm_irqfd irqfd;
	uint64_t one = 1, v;
	int efd;
	long r;

	check(its_program(gic, its, tables), "the VMM programs the ITS and the LPI tables; the commands run");
	v = 0;
	r = its_reg(its, true, GITS_CREADR, &v);
	check(r == -EBUSY, "GITS_CREADR set while the ITS is enabled: %s (want -EBUSY)", err_name(r));
	check(signal_msi(g->vm, TRANSLATER, EVENT, 0, DEVID) == -EINVAL, "KVM_SIGNAL_MSI without a device id: -EINVAL");
	check(signal_msi(g->vm, TRANSLATER, EVENT, 4, DEVID) == -EINVAL, "... with an unknown flag: -EINVAL");
	check(signal_msi(g->vm, GICD, EVENT, KVM_MSI_VALID_DEVID, DEVID) == -EINVAL, "... to another address: -EINVAL");
	check(report(g, 0) == 1, "the guest set its CPU interface up");
	r = signal_msi(g->vm, TRANSLATER, EVENT, KVM_MSI_VALID_DEVID, DEVID);
	check(r == 1, "KVM_SIGNAL_MSI to the mapped event: %ld (want 1: delivered)", r);
	check(report(g, 8) == LPI, "the guest takes LPI %d (ICC_IAR1_EL1)", LPI);
	r = signal_msi(g->vm, TRANSLATER, EVENT + 1, KVM_MSI_VALID_DEVID, DEVID);
	check(r == 0, "an event not mapped: %ld (want 0: dropped)", r);
	check(quiet(g), "... and nothing reaches the guest");

	/* An MSI route behind an irqfd: the LPI raised in the kernel. */
	rt = calloc(1, sizeof(*rt) + sizeof(*e));
	rt->nr = 1;
	e = &rt->entries[0];
	*e = (struct kvm_irq_routing_entry){ .gsi = 5, .type = KVM_IRQ_ROUTING_MSI, .flags = KVM_MSI_VALID_DEVID };
	e->u.msi.address_lo = (uint32_t)TRANSLATER;
	e->u.msi.data = EVENT;
	e->u.msi.devid = DEVID;
	check(kioctl(g->vm, KVM_SET_GSI_ROUTING, (unsigned long)rt) == 0, "KVM_SET_GSI_ROUTING: GSI 5 an MSI to the ITS");
	free(rt);
	efd = eventfd(0, EFD_CLOEXEC);
	irqfd = (struct kvm_irqfd){ .fd = (uint32_t)efd, .gsi = 5 };
	check(kioctl(g->vm, KVM_IRQFD, (unsigned long)&irqfd) == 0, "KVM_IRQFD on GSI 5");
	check(write(efd, &one, sizeof(one)) == sizeof(one) && report(g, 8) == LPI,
	      "the eventfd signalled: the guest takes LPI %d", LPI);
	irqfd.flags = KVM_IRQFD_FLAG_DEASSIGN;
	kioctl(g->vm, KVM_IRQFD, (unsigned long)&irqfd);
	close(efd);
	check(quiet(g), "one signal, one LPI");

	/* Disabled in the property table (seen at INV): the MSI leaves it pending, delivered once enabled. */
	tables[PROP] = 0xa0;
	cmd(tables, 0x0c | (uint64_t)DEVID << 32, EVENT, 0, 0); /* INV */
	check(cmds_run(its) == 0, "the LPI disabled in the property table, INV");
	r = signal_msi(g->vm, TRANSLATER, EVENT, KVM_MSI_VALID_DEVID, DEVID);
	check(r == 1 && quiet(g), "an MSI to it: %ld, held pending, the guest sees nothing", r);
	check(dev_attr(gic, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES, NULL) == 0 &&
		      (tables[PEND + LPI / 8] & 1), "SAVE_PENDING_TABLES: its bit in the pending table");
	tables[PROP] = 0xa0 | 1;
	cmd(tables, 0x0c | (uint64_t)DEVID << 32, EVENT, 0, 0);
	check(cmds_run(its) == 0 && report(g, 8) == LPI, "enabled again (INV): the guest takes the held LPI");
}

/*
 * More LPIs pending at once than keel holds per vCPU (32): 40 events of a
 * second device, each its own LPI, all signalled before the guest runs;
 * the guest must take every one.
 */
#define DEVID2 0x11
#define MANY 40
static void test_its_many(struct code_vm *g, int its, uint8_t *tables)
{
	uint64_t seen[2] = { 0, 0 }, v;
	unsigned i, n = 0, ok = 0;

	cmd(tables, 0x08 | (uint64_t)DEVID2 << 32, 5, BASER_VALID | (TABLES + ITT + 0x400), 0); /* MAPD: 6 bits */
	for (i = 0; i < MANY; i++) {
		tables[PROP + 16 + i] = 0xa0 | 1;
		cmd(tables, 0x0a | (uint64_t)DEVID2 << 32, i | (uint64_t)(LPI + 16 + i) << 32, 0, 0); /* MAPTI */
	}
	check(cmds_run(its) == 0 && !its_reg(its, false, GITS_CREADR, &v) && v == 32 * cmd_n,
	      "a second device with %d events, each its own LPI (%d.. %d)", MANY, LPI + 16, LPI + 16 + MANY - 1);
	for (i = 0; i < MANY; i++)
		ok += signal_msi(g->vm, TRANSLATER, i, KVM_MSI_VALID_DEVID, DEVID2) == 1;
	check(ok == MANY, "%d MSIs signalled while the guest does not run: %u delivered", MANY, ok);
	for (i = 0; i < MANY + 2; i++) {
		v = report(g, 8);
		if (v == ~0ULL)
			break;
		if (v >= LPI + 16 && v < LPI + 16 + MANY && !(seen[(v - LPI - 16) / 64] & (1ULL << ((v - LPI - 16) % 64))))
			n++, seen[(v - LPI - 16) / 64] |= 1ULL << ((v - LPI - 16) % 64);
		if (n == MANY)
			break;
	}
	check(n == MANY, "the guest took all %d LPIs, each once (%u)", MANY, n);
	check(quiet(g), "... and nothing more");
}

/* SAVE_TABLES in KVM's ABI, a reset, RESTORE_TABLES: the mapping is back. */
static void test_its_tables(struct code_vm *g, int its, uint8_t *tables)
{
	uint64_t dte, ite, cte, v, one = 1;
	long r;

	r = its_ctrl(its, KVM_DEV_ARM_ITS_SAVE_TABLES);
	memcpy(&dte, tables + DEVT + 8 * DEVID, 8);
	memcpy(&ite, tables + ITT + 8 * EVENT, 8);
	memcpy(&cte, tables + COLLT, 8);
	check(r == 0, "SAVE_TABLES: %s", err_name(r));
	check(dte == (BASER_VALID | 1ULL << 49 | ((TABLES + ITT) >> 8) << 5 | 3),
	      "the device's entry: valid, the next device 1 on, its ITT, 4 bits (0x%llx)", (unsigned long long)dte);
	check(ite == ((uint64_t)LPI << 16), "the event's entry: LPI %d, collection 0, last (0x%llx)", LPI,
	      (unsigned long long)ite);
	check(cte == BASER_VALID, "the collection's entry: valid, vCPU 0 (0x%llx)", (unsigned long long)cte);
	check(its_ctrl(its, KVM_DEV_ARM_ITS_CTRL_RESET) == 0 && !its_reg(its, false, GITS_CTLR, &v) && !(v & 1) &&
		      !its_reg(its, false, GITS_BASER(0), &v) && !(v & BASER_VALID),
	      "CTRL_RESET: disabled, the tables invalid (GITS_BASER0 0x%llx)", (unsigned long long)v);
	v = BASER_VALID | (TABLES + DEVT);
	its_reg(its, true, GITS_BASER(0), &v);
	v = BASER_VALID | (TABLES + COLLT);
	its_reg(its, true, GITS_BASER(1), &v);
	v = BASER_VALID | (TABLES + CMDQ);
	its_reg(its, true, GITS_CBASER, &v);
	r = its_ctrl(its, KVM_DEV_ARM_ITS_RESTORE_TABLES);
	check(r == 0, "RESTORE_TABLES after the BASERs are set again: %s", err_name(r));
	its_reg(its, true, GITS_CTLR, &one);
	r = signal_msi(g->vm, TRANSLATER, EVENT, KVM_MSI_VALID_DEVID, DEVID);
	check(r == 1 && report(g, 8) == LPI, "the restored mapping delivers LPI %d (%ld)", LPI, r);
}

void test_its(void)
{
	uint64_t pc = GUEST_RAM + CODE_OFF, gicd = GICD, mmio = GUEST_MMIO;
	struct kvm_userspace_memory_region mr;
	struct code_vm g;
	uint8_t *tables;
	int gic, its;

	tables = mmap(NULL, TABLES_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (tables == MAP_FAILED || code_vm_open(&g, guest_its, guest_its_end)) {
		check(false, "a guest for the ITS tests");
		code_vm_close(&g);
		return;
	}
	memcpy(g.mem + CODE_OFF, guest_its, (size_t)((const char *)guest_its_end - (const char *)guest_its));
	mr = (struct kvm_userspace_memory_region){ .slot = 1, .guest_phys_addr = TABLES, .memory_size = TABLES_SIZE,
						   .userspace_addr = (uintptr_t)tables };
	its = test_its_create(&g);
	gic = gic_create(&g);
	check(gic >= 0 && kioctl(g.vm, KVM_SET_USER_MEMORY_REGION, (unsigned long)&mr) == 0,
	      "a GICv3 beside it, and guest memory for the tables");
	if (its >= 0 && gic >= 0) {
		set_reg(g.vcpu, CORE(regs.pc), &pc);
		set_reg(g.vcpu, CORE(regs.regs[20]), &gicd);
		set_reg(g.vcpu, CORE(regs.regs[22]), &mmio);
		test_its_msis(&g, gic, its, tables);
		test_its_many(&g, its, tables);
		test_its_tables(&g, its, tables);
	}
	if (its >= 0)
		close(its);
	if (gic >= 0)
		close(gic);
	code_vm_close(&g);
	munmap(tables, TABLES_SIZE);
}

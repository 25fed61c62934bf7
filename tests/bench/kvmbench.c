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
 * Each phase is timed with CLOCK_MONOTONIC from its first KVM_RUN to the END exit. Under QEMU's
 * -icount shift=0 the host clock advances 1 ns per emulated instruction, so "ns" reads as
 * instructions per round trip.
 *
 *   kvmbench [-n N]    prints "hvc: X ns/round trip", "hypcall: ...", "mmio: ..." and "ioeventfd: ..."
 * Exit status: 0 measured; 1 the guest or KVM misbehaved; 2 KVM not available here (the line
 * "kvmbench: not available: <reason>" says why).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <linux/psci.h>
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

/* ---- VMM ---- */
struct vm {
	int kvm, vm, vcpu;
	struct kvm_run *run;
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
		fail("unexpected MMIO %s of %u bytes at 0x%llx", r->mmio.is_write ? "write" : "read",
		     r->mmio.len, (unsigned long long)r->mmio.phys_addr);
	}
}

static void setup(struct vm *v, uint32_t n)
{
	struct kvm_vcpu_init init;
	struct kvm_userspace_memory_region slot;
	struct kvm_one_reg reg;
	uint64_t pc = GUEST_BASE;
	void *mem;
	long sz;

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
	slot = (struct kvm_userspace_memory_region){
		.slot = 0, .guest_phys_addr = GUEST_BASE, .memory_size = GUEST_SIZE,
		.userspace_addr = (uintptr_t)mem,
	};
	if (ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
		not_available("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));

	v->vcpu = ioctl(v->vm, KVM_CREATE_VCPU, 0);
	if (v->vcpu < 0)
		not_available("KVM_CREATE_VCPU: %s", strerror(errno));
	sz = ioctl(v->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz < (long)sizeof(struct kvm_run))
		not_available("KVM_GET_VCPU_MMAP_SIZE: %ld", sz);
	v->run = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, v->vcpu, 0);
	if (v->run == MAP_FAILED)
		not_available("mmap of the vCPU: %s", strerror(errno));

	memset(&init, 0, sizeof(init));
	if (ioctl(v->vm, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		not_available("KVM_ARM_PREFERRED_TARGET: %s", strerror(errno));
	memset(init.features, 0, sizeof(init.features));
	init.features[0] = 1U << KVM_ARM_VCPU_PSCI_0_2;
	if (ioctl(v->vcpu, KVM_ARM_VCPU_INIT, &init) < 0)
		not_available("KVM_ARM_VCPU_INIT: %s", strerror(errno));
	reg = (struct kvm_one_reg){ .id = CORE_REG(regs.pc), .addr = (uintptr_t)&pc };
	if (ioctl(v->vcpu, KVM_SET_ONE_REG, &reg) < 0)
		not_available("KVM_SET_ONE_REG(PC): %s", strerror(errno));
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
	return 0;
usage:
	fprintf(stderr, "usage: kvmbench [-n ROUND_TRIPS]\n");
	return 2;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtest --fuzz SEED ROUNDS: what an outside tester throws at /dev/kvm.
 * Each round is a child process that runs a random program of operations -
 * VMs and vCPUs made and closed, memory slots, random ioctls on every fd
 * with random arguments, random guest code run for a moment, a fork whose
 * child uses the parent's fds - for at most a second; some rounds are
 * killed with SIGKILL at a random moment, the rest when they overstay. A
 * round is reproducible from its seed (SEED + round). Afterwards keel's
 * counters must be back where they started; host-check.sh checks the
 * kernel log for oopses and warnings.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kvmtest.h"

#define MAX_FDS 16
#define OPS_PER_ROUND 400
#define ROUND_MS 1000

static uint64_t rng;

static uint64_t rnd(void)
{
	/* splitmix64: one seed, one sequence */
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The ioctls a VMM issues, and a few it should not. */
static const unsigned long ioctls[] = {
	KVM_GET_API_VERSION, KVM_CREATE_VM, KVM_CHECK_EXTENSION, KVM_GET_VCPU_MMAP_SIZE, KVM_CREATE_VCPU,
	KVM_SET_USER_MEMORY_REGION, KVM_GET_DIRTY_LOG, KVM_CLEAR_DIRTY_LOG, KVM_IRQ_LINE, KVM_ENABLE_CAP,
	KVM_ARM_PREFERRED_TARGET, KVM_ARM_VCPU_INIT, KVM_GET_ONE_REG, KVM_SET_ONE_REG, KVM_GET_REG_LIST,
	KVM_GET_MP_STATE, KVM_SET_MP_STATE, KVM_SET_SIGNAL_MASK, KVM_GET_VCPU_EVENTS, KVM_SET_VCPU_EVENTS,
	KVM_HAS_DEVICE_ATTR, KVM_GET_DEVICE_ATTR, KVM_SET_DEVICE_ATTR, KVM_GET_STATS_FD, KVM_CREATE_DEVICE,
	KVM_SET_GUEST_DEBUG, KVM_ARM_VCPU_FINALIZE, KVM_GET_REGS, KVM_SET_REGS, KVM_IRQFD, KVM_IOEVENTFD,
	KVM_ARM_SET_DEVICE_ADDR, KVM_CREATE_IRQCHIP, KVM_SET_GSI_ROUTING, KVM_RUN,
};

struct state {
	int kvm, vm[MAX_FDS], vcpu[MAX_FDS], nvm, nvcpu;
	struct kvm_run *run[MAX_FDS];
	long mmap_size;
	void *mem;
	uint64_t mem_gpa;
	uint8_t buf[8192] __attribute__((aligned(64)));
};

static void on_alarm(int sig) { (void)sig; }

static int pick(const int *fds, int n) { return n ? fds[rnd() % (unsigned)n] : -1; }

/* A random ioctl on a random fd, its argument a buffer of random bytes or a random number. */
static void random_ioctl(struct state *s)
{
	int fds[] = { s->kvm, pick(s->vm, s->nvm), pick(s->vcpu, s->nvcpu) }, fd = fds[rnd() % 3];
	unsigned long req = rnd() % 8 ? ioctls[rnd() % (sizeof(ioctls) / sizeof(ioctls[0]))] : (unsigned long)rnd();
	unsigned long a;
	long r;

	if (fd < 0)
		return;
	for (size_t i = 0; i < sizeof(s->buf); i += 8) {
		uint64_t v = rnd() % 4 ? rnd() % 4096 : rnd();

		memcpy(s->buf + i, &v, 8);
	}
	if (req == KVM_SET_USER_MEMORY_REGION && s->mem && rnd() % 2) { /* a plausible one */
		struct kvm_userspace_memory_region m = { .slot = (uint32_t)(rnd() % 4), .flags = (uint32_t)(rnd() % 4),
							 .guest_phys_addr = (rnd() % 4096) << 16,
							 .memory_size = (rnd() % 3) * 0x10000,
							 .userspace_addr = (uintptr_t)s->mem };
		memcpy(s->buf, &m, sizeof(m));
	}
	a = rnd() % 4 ? (unsigned long)s->buf : (unsigned long)rnd() % 128;
	if (req == KVM_RUN)
		ualarm(20000, 0); /* 20 ms of guest at most */
	r = ioctl(fd, req, a);
	ualarm(0, 0);
	if (r >= 0 && (req == KVM_CREATE_VM || req == KVM_CREATE_VCPU || req == KVM_GET_STATS_FD ||
		       req == KVM_CREATE_DEVICE))
		close((int)r); /* new fds from random calls: not kept */
}

static void make_vm(struct state *s)
{
	int fd = ioctl(s->kvm, KVM_CREATE_VM, rnd() % 4 ? 0UL : (unsigned long)(rnd() % 64));
	struct kvm_userspace_memory_region m = { .slot = 0, .memory_size = 0x10000 };

	if (fd < 0 || s->nvm == MAX_FDS) {
		if (fd >= 0)
			close(fd);
		return;
	}
	s->vm[s->nvm++] = fd;
	s->mem_gpa = 0x40000000;
	m.guest_phys_addr = s->mem_gpa;
	m.userspace_addr = (uintptr_t)s->mem;
	ioctl(fd, KVM_SET_USER_MEMORY_REGION, &m);
}

static void make_vcpu(struct state *s)
{
	int vm = pick(s->vm, s->nvm), fd;
	struct kvm_vcpu_init init;

	if (vm < 0 || s->nvcpu == MAX_FDS)
		return;
	fd = ioctl(vm, KVM_CREATE_VCPU, (unsigned long)(rnd() % 70));
	if (fd < 0)
		return;
	s->run[s->nvcpu] = mmap(NULL, (size_t)s->mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	s->vcpu[s->nvcpu++] = fd;
	if (!ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init)) {
		init.features[0] = rnd() % 4 ? 1U << KVM_ARM_VCPU_PSCI_0_2 : (uint32_t)rnd();
		ioctl(fd, KVM_ARM_VCPU_INIT, &init);
	}
}

/* Random words as guest code at its memory, some of them instructions that exit; run it briefly. */
static void guest_program(struct state *s)
{
	static const uint32_t exits[] = {
		0xd4000002, /* hvc #0 */
		0xd4000003, /* smc #0 */
		0xd503207f, /* wfi */
		0xf9000020, /* str x0, [x1] */
		0xb9400022, /* ldr w2, [x1] */
		0xd53be021, /* mrs x1, cntv_ctl_el0 */
		0xd51be220, /* msr cntp_ctl_el0, x0 */
		0xd69f03e0, /* eret */
	};
	int i = s->nvcpu ? (int)(rnd() % (unsigned)s->nvcpu) : -1;
	uint64_t pc = s->mem_gpa + (rnd() % 64) * 4, v;
	uint32_t *code = s->mem;

	if (i < 0 || !s->mem)
		return;
	for (unsigned k = 0; k < 0x10000 / 4; k++)
		code[k] = rnd() % 3 ? exits[rnd() % (sizeof(exits) / sizeof(exits[0]))] : (uint32_t)rnd();
	set_reg(s->vcpu[i], CORE(regs.pc), &pc);
	v = rnd() % 2 ? 0x3c5 : (rnd() % 2 ? 0x10 : rnd());
	set_reg(s->vcpu[i], CORE(regs.pstate), &v);
	for (unsigned k = 0; k < 31; k++) {
		v = rnd() % 2 ? 0x10000000 + (rnd() % 256) * 8 : rnd();
		if (rnd() % 4 == 0)
			set_reg(s->vcpu[i], CORE(regs.regs[k]), &v);
	}
	for (unsigned k = 0; k < 4; k++) {
		ualarm(20000, 0); /* 20 ms of guest at most */
		ioctl(s->vcpu[i], KVM_RUN, 0);
		ualarm(0, 0);
	}
}

static void close_one(struct state *s)
{
	if (s->nvcpu && rnd() % 2) {
		int i = (int)(rnd() % (unsigned)s->nvcpu);

		if (s->run[i] != MAP_FAILED)
			munmap(s->run[i], (size_t)s->mmap_size);
		close(s->vcpu[i]);
		s->vcpu[i] = s->vcpu[--s->nvcpu];
		s->run[i] = s->run[s->nvcpu];
	} else if (s->nvm) {
		int i = (int)(rnd() % (unsigned)s->nvm);

		close(s->vm[i]);
		s->vm[i] = s->vm[--s->nvm];
	}
}

static void round_child(uint64_t seed)
{
	static struct state s;
	struct sigaction sa = { .sa_handler = on_alarm };

	sigaction(SIGALRM, &sa, NULL);
	rng = seed;
	s.kvm = open("/dev/kvm", O_RDWR);
	s.mmap_size = ioctl(s.kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	s.mem = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s.kvm < 0 || s.mem == MAP_FAILED)
		_exit(2);
	for (unsigned op = 0; op < OPS_PER_ROUND; op++) {
		switch (rnd() % 10) {
		case 0: case 1: make_vm(&s); break;
		case 2: case 3: make_vcpu(&s); break;
		case 4: guest_program(&s); break;
		case 5: close_one(&s); break;
		case 6: /* a child of the VMM uses its fds (KVM refuses: -EIO), then exits */
			if (fork() == 0) {
				random_ioctl(&s);
				_exit(0);
			}
			wait(NULL);
			break;
		default: random_ioctl(&s); break;
		}
	}
	_exit(0);
}

int run_fuzz(uint64_t seed, unsigned rounds)
{
	struct counters base = counters_now();
	unsigned killed = 0, overstayed = 0;

	for (unsigned r = 0; r < rounds; r++) {
		uint64_t rs = seed + r;
		long kill_after_ms;
		struct timespec ts = { 0, 1000000 };
		int st = 0, waited = 0;
		pid_t pid;

		rng = rs * 0x2545f4914f6cdd1dULL;
		kill_after_ms = rnd() % 3 == 0 ? (long)(rnd() % 200) : ROUND_MS;
		pid = fork();
		if (pid == 0)
			round_child(rs);
		while (waitpid(pid, &st, WNOHANG) == 0) {
			if (waited++ >= kill_after_ms) {
				kill(pid, SIGKILL);
				waitpid(pid, &st, 0);
				if (kill_after_ms == ROUND_MS)
					overstayed++;
				else
					killed++;
				break;
			}
			nanosleep(&ts, NULL);
		}
	}
	printf("kvmfuzz: seed %llu, %u rounds of up to %u operations: %u killed with SIGKILL at a random moment, "
	       "%u at the %u ms cap\n", (unsigned long long)seed, rounds, OPS_PER_ROUND, killed, overstayed, ROUND_MS);
	check_counters_back(&base, "the fuzz rounds");
	return failed ? 1 : 0;
}

/*
 * kvmtest --churn N: N VM lives, one after another, each as a VMM has it -
 * KVM_CREATE_VM, a 64 KiB slot, a vCPU, KVM_ARM_VCPU_INIT, a guest run
 * that touches its memory and exits by MMIO, close - then keel's counters
 * must be where they started. Prints the time per cycle.
 */
int run_churn(unsigned n)
{
	struct counters base = counters_now();
	struct timespec t0, t1;
	unsigned bad = 0;
	void *mem = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned i = 0; i < n && mem != MAP_FAILED; i++) {
		int vm = create_vm(0);
		struct kvm_userspace_memory_region m = { .slot = 0, .guest_phys_addr = GUEST_RAM,
							 .memory_size = 0x10000, .userspace_addr = (uintptr_t)mem };

		if (vm < 0 || kioctl(vm, KVM_SET_USER_MEMORY_REGION, (unsigned long)&m) ||
		    guest_touch(vm, 0, GUEST_RAM, mem, GUEST_RAM + 0x1000, 4))
			bad++;
		if (vm >= 0)
			close(vm);
		if (i % 1000 == 999)
			printf("kvmchurn: %u VMs\n", i + 1);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	check(!bad && mem != MAP_FAILED, "%u VM create/run/destroy cycles, %u failed", n, bad);
	printf("kvmchurn: %u cycles in %.1f s (%.2f ms each)\n", n,
	       (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	       n ? ((double)(t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6) / n : 0.0);
	check_counters_back(&base, "the cycles");
	return failed ? 1 : 0;
}

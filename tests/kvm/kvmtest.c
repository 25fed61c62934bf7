// SPDX-License-Identifier: GPL-2.0
/*
 * KVM API tests of the shim (/dev/kvm over keel), run as root in the host
 * Linux with the shim loaded. Every check compares with what Linux 6.1 KVM
 * on arm64 does, through <linux/kvm.h>'s own ioctl numbers.
 *
 *   kvmtest            all checks
 * One line per check ("ok - ..." / "FAIL - ..."), then "N passed, M failed";
 * exit status 1 if any check failed, 2 if the tests could not start.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <linux/version.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0) || LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#error "kvmtest checks the Linux 6.1 KVM ABI: build it against 6.1 uapi headers"
#endif

#include "kvmtest.h"

unsigned passed, failed;

void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (ok)
		passed++;
	else
		failed++;
}

/* ioctl returning -errno on failure, as the kernel does. */
long kioctl(int fd, unsigned long req, unsigned long arg)
{
	long r = ioctl(fd, req, arg);

	return r < 0 ? -errno : r;
}

long dev_attr(int fd, unsigned long req, uint32_t group, uint64_t attr, void *val)
{
	struct kvm_device_attr da = { .group = group, .attr = attr, .addr = (uintptr_t)val };

	return kioctl(fd, req, (unsigned long)&da);
}

const char *err_name(long r)
{
	static char buf[32];

	switch (r) {
	case -EINVAL: return "-EINVAL";
	case -EIO: return "-EIO";
	case -ENOSPC: return "-ENOSPC";
	case -ENOMEM: return "-ENOMEM";
	case -EOPNOTSUPP: return "-EOPNOTSUPP";
	case -EBUSY: return "-EBUSY";
	case -ENOTTY: return "-ENOTTY";
	case -EWOULDBLOCK: return "-EWOULDBLOCK";
	case -EACCES: return "-EACCES";
	case -EPERM: return "-EPERM";
	}
	snprintf(buf, sizeof(buf), "%ld", r);
	return buf;
}

/* ---- keel's counters in debugfs ---- */

const char *const counter_names[NR_COUNTERS] = {
	"vm_count",        "vcpu_count",       "hyp_pages_free",     "hyp_pages_total",
	"hyp_pages_vms",   "pages_owner_hyp",  "pages_owner_host",
};

long long read_counter(const char *name)
{
	char path[128], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), DEBUGFS "/%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtoll(buf, NULL, 0);
}

struct counters counters_now(void)
{
	struct counters c;

	for (unsigned i = 0; i < NR_COUNTERS; i++)
		c.v[i] = read_counter(counter_names[i]);
	return c;
}

long long counter(const struct counters *c, const char *name)
{
	for (unsigned i = 0; i < NR_COUNTERS; i++)
		if (!strcmp(counter_names[i], name))
			return c->v[i];
	abort();
}

/* Every counter back to its value in base; says which are not. */
void check_counters_back(const struct counters *base, const char *after)
{
	struct counters now = counters_now();
	char diff[512] = "";
	size_t len = 0;

	for (unsigned i = 0; i < NR_COUNTERS; i++)
		if (now.v[i] != base->v[i])
			len += snprintf(diff + len, sizeof(diff) - len, " %s %lld->%lld", counter_names[i],
					base->v[i], now.v[i]);
	check(!diff[0], "after %s, keel's counters are back (vm_count %lld, hyp_pages_free %lld)%s", after,
	      counter(&now, "vm_count"), counter(&now, "hyp_pages_free"), diff);
}

/* ---- tests ---- */

int kvm_fd;
long max_ipa;

int create_vm(unsigned long type) { return (int)kioctl(kvm_fd, KVM_CREATE_VM, type); }

static void test_device(void)
{
	struct stat st;
	int r = stat("/dev/kvm", &st);

	check(r == 0 && S_ISCHR(st.st_mode), "/dev/kvm exists and is a character device");
	check(r == 0 && major(st.st_rdev) == 10 && minor(st.st_rdev) == KVM_MINOR_EXPECTED,
	      "/dev/kvm is misc %u:%u (want 10:%u)", r ? 0 : major(st.st_rdev), r ? 0 : minor(st.st_rdev),
	      KVM_MINOR_EXPECTED);
}

static void test_system_ioctls(void)
{
	long r, page = sysconf(_SC_PAGESIZE);

	r = kioctl(kvm_fd, KVM_GET_API_VERSION, 0);
	check(r == KVM_API_VERSION && r == 12, "KVM_GET_API_VERSION = %ld (want 12)", r);
	r = kioctl(kvm_fd, KVM_GET_API_VERSION, 1);
	check(r == -EINVAL, "KVM_GET_API_VERSION with an argument: %s (want -EINVAL)", err_name(r));

	r = kioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	check(r == page, "KVM_GET_VCPU_MMAP_SIZE = %ld (want PAGE_SIZE %ld: no coalesced-MMIO page)", r, page);
	check(r >= (long)sizeof(struct kvm_run), "KVM_GET_VCPU_MMAP_SIZE %ld holds struct kvm_run (%zu)", r,
	      sizeof(struct kvm_run));
	r = kioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 1);
	check(r == -EINVAL, "KVM_GET_VCPU_MMAP_SIZE with an argument: %s (want -EINVAL)", err_name(r));

	r = kioctl(kvm_fd, KVM_TRACE_ENABLE, 0);
	check(r == -EOPNOTSUPP, "KVM_TRACE_ENABLE: %s (want -EOPNOTSUPP)", err_name(r));
	r = kioctl(kvm_fd, KVM_TRACE_PAUSE, 0);
	check(r == -EOPNOTSUPP, "KVM_TRACE_PAUSE: %s (want -EOPNOTSUPP)", err_name(r));
	r = kioctl(kvm_fd, KVM_TRACE_DISABLE, 0);
	check(r == -EOPNOTSUPP, "KVM_TRACE_DISABLE: %s (want -EOPNOTSUPP)", err_name(r));

	/* Unknown and misdirected ioctls: kvm_arch_dev_ioctl() on arm64 says -EINVAL. */
	static const struct {
		unsigned long nr;
		const char *name;
	} bad[] = {
		{ _IO(KVMIO, 0xff), "_IO(KVMIO, 0xff)" },
		{ _IO(KVMIO, 0x0b), "_IO(KVMIO, 0x0b)" },
		{ KVM_RUN, "KVM_RUN on /dev/kvm" },
		{ KVM_CREATE_VCPU, "KVM_CREATE_VCPU on /dev/kvm" },
		{ KVM_SET_USER_MEMORY_REGION, "KVM_SET_USER_MEMORY_REGION on /dev/kvm" },
		{ _IOWR(KVMIO, 0x02, __u32), "KVM_GET_MSR_INDEX_LIST (x86)" },
		{ _IOWR(KVMIO, 0x05, __u64), "KVM_GET_SUPPORTED_CPUID (x86)" },
		{ KVM_S390_ENABLE_SIE, "KVM_S390_ENABLE_SIE (s390)" },
		{ 0xdeadbeef, "0xdeadbeef" },
		{ _IO('T', 0x01), "a tty ioctl" },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = kioctl(kvm_fd, bad[i].nr, 0);
		check(r == -EINVAL, "%s on the system fd: %s (want -EINVAL)", bad[i].name, err_name(r));
	}
}

/* What CHECK_EXTENSION must say on fd (the system fd or a VM fd) today. */
static void test_caps(int fd, const char *which)
{
	/* Capabilities whose ioctls are not implemented over keel yet: they must read 0. */
	static const struct {
		long cap;
		const char *name;
	} absent[] = {
		/* USER_MEMORY, ..._REGION_WORKS, NR_MEMSLOTS: memory slots, kvmtest_mem.c */
		{ KVM_CAP_COALESCED_MMIO, "COALESCED_MMIO" },
		/* the in-kernel GIC, its irqfds (resampling too), routing and ITS are there (kvmtest_vgic.c, kvmtest_its.c) */
		{ KVM_CAP_READONLY_MEM, "READONLY_MEM" },
		/* dirty logging is the bitmap (kvmtest_mem.c), not the ring */
		{ KVM_CAP_DIRTY_LOG_RING, "DIRTY_LOG_RING" },
	};
	static const long unknown[] = { -1, 999, 100000, 0x7fffffff, (long)0x8000000000000000UL };
	long r;

	for (unsigned i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		r = kioctl(fd, KVM_CHECK_EXTENSION, (unsigned long)unknown[i]);
		check(r == 0, "%s: KVM_CHECK_EXTENSION(unknown cap %ld) = %ld (want 0)", which, unknown[i], r);
	}
	for (unsigned i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
		r = kioctl(fd, KVM_CHECK_EXTENSION, absent[i].cap);
		check(r == 0, "%s: KVM_CAP_%s = %ld (want 0: not implemented over keel yet)", which,
		      absent[i].name, r);
	}
	r = kioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_CHECK_EXTENSION_VM);
	check(r == 1, "%s: KVM_CAP_CHECK_EXTENSION_VM = %ld (want 1)", which, r);
	r = kioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_VM_IPA_SIZE);
	check(r >= 40 && r <= 48, "%s: KVM_CAP_ARM_VM_IPA_SIZE = %ld (want 40..48 on QEMU virt -cpu max)", which,
	      r);
	if (fd == kvm_fd)
		max_ipa = r;
}

static void test_create_vm(void)
{
	struct counters base = counters_now();
	int fds[6], n = 0, fd, flags;
	char link[64], target[128];
	ssize_t len;
	long r;

	check(counter(&base, "hyp_pages_total") > 0 && counter(&base, "hyp_pages_free") > 0,
	      "debugfs " DEBUGFS ": hyp_pages_total %lld, hyp_pages_free %lld, vm_count %lld",
	      counter(&base, "hyp_pages_total"), counter(&base, "hyp_pages_free"), counter(&base, "vm_count"));
	check(counter(&base, "vm_count") == 0 && counter(&base, "vcpu_count") == 0,
	      "no VMs and no vCPUs at the start (%lld, %lld)", counter(&base, "vm_count"),
	      counter(&base, "vcpu_count"));

	/* Types Linux refuses: bits above the IPA size, an IPA size below 32 or above the limit. */
	static const unsigned long bad[] = { 0x100, 0x128, 1UL << 31, 1UL << 63, 1, 31, 25, 0xff };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = create_vm(bad[i]);
		check(r == -EINVAL, "KVM_CREATE_VM(type 0x%lx): %s (want -EINVAL)", bad[i], err_name(r));
		if (r >= 0)
			close((int)r);
	}
	r = create_vm(max_ipa + 1);
	check(r == -EINVAL, "KVM_CREATE_VM(IPA %ld, one above KVM_CAP_ARM_VM_IPA_SIZE): %s (want -EINVAL)",
	      max_ipa + 1, err_name(r));
	if (r >= 0)
		close((int)r);
	check_counters_back(&base, "refused KVM_CREATE_VMs");

	/* Several at once, of every accepted IPA size. */
	const unsigned long good[] = { 0, 32, 36, 40, (unsigned long)max_ipa, KVM_VM_TYPE_ARM_IPA_SIZE(44) };
	for (unsigned i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if ((long)good[i] > max_ipa)
			continue;
		fd = create_vm(good[i]);
		check(fd >= 0, "KVM_CREATE_VM(type %lu) = fd %d", good[i], fd);
		if (fd >= 0)
			fds[n++] = fd;
	}
	check(read_counter("vm_count") == counter(&base, "vm_count") + n, "vm_count = %lld with %d VMs open",
	      read_counter("vm_count"), n);
	check(read_counter("hyp_pages_vms") >= 3 * n &&
		      read_counter("pages_owner_hyp") >= counter(&base, "pages_owner_hyp") + 3 * n,
	      "the VMs live in host pages donated to keel (hyp_pages_vms %lld, pages_owner_hyp +%lld; want >= %d)",
	      read_counter("hyp_pages_vms"), read_counter("pages_owner_hyp") - counter(&base, "pages_owner_hyp"),
	      3 * n);
	if (n) {
		flags = fcntl(fds[0], F_GETFD);
		check(flags >= 0 && (flags & FD_CLOEXEC), "the VM fd is close-on-exec");
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fds[0]);
		len = readlink(link, target, sizeof(target) - 1);
		target[len > 0 ? len : 0] = '\0';
		check(!strcmp(target, "anon_inode:kvm-vm"), "the VM fd is %s (want anon_inode:kvm-vm)", target);
		test_caps(fds[0], "VM fd");
		r = kioctl(fds[0], _IO(KVMIO, 0xfe), 0);
		check(r == -EINVAL, "unknown ioctl on a VM fd: %s (want -EINVAL)", err_name(r));
		r = kioctl(fds[0], KVM_GET_API_VERSION, 0);
		check(r == -EINVAL, "KVM_GET_API_VERSION on a VM fd: %s (want -EINVAL)", err_name(r));
		r = kioctl(fds[0], KVM_CREATE_VM, 0);
		check(r == -EINVAL, "KVM_CREATE_VM on a VM fd: %s (want -EINVAL)", err_name(r));

		/* The module is in use while a VM fd is open. */
		r = syscall(SYS_delete_module, SHIM_MODULE, O_NONBLOCK) < 0 ? -errno : 0;
		check(r == -EWOULDBLOCK || r == -EBUSY, "rmmod while a VM is open: %s (want -EWOULDBLOCK)",
		      err_name(r));

		/* A VM belongs to its creator process: a forked child gets -EIO (kvm_vm_ioctl). */
		pid_t pid = fork();
		if (pid == 0)
			_exit(kioctl(fds[0], KVM_CHECK_EXTENSION, KVM_CAP_CHECK_EXTENSION_VM) == -EIO ? 0 : 1);
		int st = 0;
		waitpid(pid, &st, 0);
		check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "VM fd ioctl from a forked child: -EIO");
	}
	for (int i = 0; i < n; i++)
		close(fds[i]);
	check_counters_back(&base, "closing every VM fd");

	/* A dup'ed fd keeps the VM: it goes with the last reference. */
	fd = create_vm(0);
	int dup_fd = dup(fd);
	close(fd);
	check(read_counter("vm_count") == counter(&base, "vm_count") + 1, "VM kept by a dup'ed fd");
	close(dup_fd);
	check_counters_back(&base, "closing the dup'ed fd");
}

/* No table of VMs: far more than the 16 keel once had, each in its own pages, all back at the end. */
static void test_many_vms(void)
{
	enum { N = 300 };
	struct counters base = counters_now();
	int fds[N], n = 0, fd = 0;

	/* More than 8-bit VMIDs name: keel uses the CPU's 16-bit ones (QEMU's max CPU, Cortex-A53 have them). */
	while (n < N && (fd = create_vm(n % 2 ? 32 : 0)) >= 0)
		fds[n++] = fd;
	check(n == N, "%d VMs at once (want %d; the last: %s)", n, N, n == N ? "ok" : err_name(fd));
	check(read_counter("vm_count") == counter(&base, "vm_count") + n, "vm_count = %lld",
	      read_counter("vm_count"));
	for (int i = 0; i < n; i++)
		close(fds[i]);
	check_counters_back(&base, "closing all of them");
	fd = create_vm(0);
	check(fd >= 0, "a VM again after they went");
	close(fd);
}

/* A process holding VMs, killed: its VM fds are released by exit, every VM goes. */
static void test_kill9(void)
{
	struct counters base = counters_now();
	int pipefd[2], st = 0;
	char c = 0;
	pid_t pid;

	if (pipe(pipefd)) {
		check(false, "pipe: %s", strerror(errno));
		return;
	}
	pid = fork();
	if (pid == 0) {
		int k = open("/dev/kvm", O_RDWR);

		close(pipefd[0]);
		for (int i = 0; i < 5; i++)
			if (ioctl(k, KVM_CREATE_VM, i % 2 ? 32UL : 0UL) < 0)
				_exit(3);
		c = 1;
		if (write(pipefd[1], &c, 1) != 1)
			_exit(4);
		for (;;)
			pause();
	}
	close(pipefd[1]);
	if (read(pipefd[0], &c, 1) != 1)
		c = 0;
	close(pipefd[0]);
	check(c == 1, "a child process created 5 VMs");
	check(read_counter("vm_count") == counter(&base, "vm_count") + 5, "vm_count = %lld while the child lives",
	      read_counter("vm_count"));
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	check(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the child was killed by SIGKILL");
	check_counters_back(&base, "kill -9 of the child");
}

/* VMs created and destroyed from every CPU at once: keel's locks and broadcast TLB maintenance. */
static void test_concurrent(void)
{
	struct counters base = counters_now();
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int ok = 1;

	for (long c = 0; c < ncpu; c++) {
		if (fork() == 0) {
			cpu_set_t set;
			int k = open("/dev/kvm", O_RDWR), fd[3];

			CPU_ZERO(&set);
			CPU_SET(c, &set);
			if (k < 0 || sched_setaffinity(0, sizeof(set), &set))
				_exit(2);
			for (int i = 0; i < 200; i++) {
				for (int j = 0; j < 3; j++) {
					fd[j] = ioctl(k, KVM_CREATE_VM, j ? 32UL + j : 0UL);
					/* Others may hold the rest of the table for a moment. */
					if (fd[j] < 0 && errno != ENOSPC)
						_exit(3);
				}
				for (int j = 0; j < 3; j++)
					if (fd[j] >= 0)
						close(fd[j]);
			}
			_exit(0);
		}
	}
	for (long c = 0; c < ncpu; c++) {
		int st = 0;

		wait(&st);
		ok &= WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	check(ok, "%ld processes, one per CPU, each creating and closing 3 VMs 200 times", ncpu);
	check_counters_back(&base, "the concurrent VMs");
}

static void test_debugfs(void)
{
	struct stat st;
	int fd;

	for (unsigned i = 0; i < NR_COUNTERS; i++) {
		char path[128];

		snprintf(path, sizeof(path), DEBUGFS "/%s", counter_names[i]);
		check(stat(path, &st) == 0 && (st.st_mode & 0777) == 0444, "%s is there, mode 0444", path);
	}
	/* Even root (who may open it for writing) cannot change a counter. */
	fd = open(DEBUGFS "/vm_count", O_WRONLY);
	long r = fd < 0 ? -errno : (write(fd, "5\n", 2) < 0 ? -errno : 0);
	if (fd >= 0)
		close(fd);
	check(r == -EACCES, "writing " DEBUGFS "/vm_count: %s (want -EACCES)", err_name(r));
	check(read_counter("pages_owner_hyp") > 0 && read_counter("pages_owner_host") > 0,
	      "keel and the host own RAM (pages_owner_hyp %lld, pages_owner_host %lld)",
	      read_counter("pages_owner_hyp"), read_counter("pages_owner_host"));
}

int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n < 0 ? -errno : 0;
}

/* VM creation and destruction as trace events of the shim's own system, keel_kvm. */
static void test_trace(void)
{
	char buf[8192];
	ssize_t n;
	int fd;

	if (access(TRACEFS "/events", F_OK)) {
		check(false, "tracefs at " TRACEFS);
		return;
	}
	check(access(TRACEFS "/events/keel_kvm/keel_vm_create/enable", F_OK) == 0 &&
		      access(TRACEFS "/events/keel_kvm/keel_vm_destroy/enable", F_OK) == 0 &&
		      access(TRACEFS "/events/keel_kvm/keel_cpu_virt/enable", F_OK) == 0,
	      "trace events keel_kvm:keel_vm_create, keel_vm_destroy, keel_cpu_virt exist");
	write_file(TRACEFS "/trace", "");
	write_file(TRACEFS "/events/keel_kvm/enable", "1");
	write_file(TRACEFS "/tracing_on", "1");
	fd = create_vm(36);
	if (fd >= 0)
		close(fd);
	write_file(TRACEFS "/events/keel_kvm/enable", "0");
	fd = open(TRACEFS "/trace", O_RDONLY);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	check(strstr(buf, "keel_vm_create:") && strstr(buf, "ipa_bits 36") && strstr(buf, "ret 0"),
	      "a VM creation is traced (keel_vm_create ... ipa_bits 36 ... ret 0)");
	check(strstr(buf, "keel_vm_destroy:") != NULL, "its destruction is traced (keel_vm_destroy)");
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 3 && !strcmp(argv[1], "--fuzz")) { /* SEED ROUNDS: random programs against /dev/kvm */
		kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
		return kvm_fd < 0 ? 2 : run_fuzz(strtoull(argv[2], NULL, 0), (unsigned)strtoul(argv[3], NULL, 0));
	}
	if (argc > 2 && !strcmp(argv[1], "--churn")) { /* N: VM lives one after another */
		kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
		return kvm_fd < 0 ? 2 : run_churn((unsigned)strtoul(argv[2], NULL, 0));
	}
	if (argc > 1 && !strcmp(argv[1], "--facts")) { /* what a guest sees, one "fact NAME VALUE" a line */
		kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
		return kvm_fd < 0 ? 2 : print_facts();
	}
	if (argc > 1 && !strcmp(argv[1], "--reference")) { /* on any /dev/kvm, Linux's own included */
		kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
		check(kvm_fd >= 0, "open /dev/kvm: %s", kvm_fd >= 0 ? "ok" : strerror(errno));
		if (kvm_fd >= 0)
			test_reference();
		printf("%u passed, %u failed\n", passed, failed);
		return failed ? 1 : 0;
	}
	test_device();
	kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	check(kvm_fd >= 0, "open /dev/kvm: %s", kvm_fd >= 0 ? "ok" : strerror(errno));
	if (kvm_fd < 0) {
		printf("%u passed, %u failed\n", passed, failed + 1);
		return 2;
	}
	test_system_ioctls();
	test_caps(kvm_fd, "system fd");
	test_debugfs();
	test_create_vm();
	test_many_vms();
	test_kill9();
	test_concurrent();
	test_trace();
	test_memory();
	test_vcpus();
	test_halt_poll();
	test_guest_debug();
	test_vgic();
	test_its();
	test_pmu(true);
	close(kvm_fd);
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}

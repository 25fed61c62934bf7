// SPDX-License-Identifier: GPL-2.0
/*
 * kvmsys: /dev/kvm's system and VM ioctls on x86, with their error paths,
 * under keel's shim (--keel) or Linux's own KVM (--kvm, the reference run
 * by hostrun --no-keel): what a VMM sees before it creates vCPUs. keel runs
 * no x86 vCPUs yet; where that makes it differ from KVM, the expectation
 * says so. Prints "ok - ..." / "FAIL - ..." and "N passed, M failed".
 * --churn N: N VMs created and closed, four alive at a time: each takes
 * pages from the host and gives them back (keel's nested-table changes,
 * while the other CPU runs the host: host-check-pc.sh runs it so).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static int passed, failed, keel;

#define CHECK(cond, ...)                                  \
	do {                                              \
		if (cond) {                               \
			passed++;                         \
			printf("ok   - ");                \
		} else {                                  \
			failed++;                         \
			printf("FAIL - ");                \
		}                                         \
		printf(__VA_ARGS__);                      \
		printf("\n");                             \
	} while (0)

/* ioctl's result: the value, or -errno */
static long io(int fd, unsigned long req, unsigned long arg)
{
	long r = ioctl(fd, req, arg);

	return r < 0 ? -errno : r;
}

static void system_ioctls(int kvm)
{
	struct kvm_msr_list ml = { .nmsrs = 0 };
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[256];
	} cpuid;
	long r;

	CHECK(io(kvm, KVM_GET_API_VERSION, 0) == KVM_API_VERSION, "KVM_GET_API_VERSION is %d", KVM_API_VERSION);
	CHECK(io(kvm, KVM_GET_API_VERSION, 1) == -EINVAL, "KVM_GET_API_VERSION with an argument: EINVAL");
	CHECK(io(kvm, KVM_GET_VCPU_MMAP_SIZE, 0) >= 4096, "KVM_GET_VCPU_MMAP_SIZE at least a page");
	CHECK(io(kvm, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) == 1, "KVM_CAP_USER_MEMORY 1");
	CHECK(io(kvm, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS) == 32764, "KVM_CAP_NR_MEMSLOTS 32764 (x86's)");
	CHECK(io(kvm, KVM_CHECK_EXTENSION, 100000) == 0, "an unknown capability reads 0");
	r = io(kvm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	CHECK(keel ? r == 0 : r > 0, "KVM_CAP_MAX_VCPUS %ld (keel: 0, no x86 vCPUs yet)", r);
	r = io(kvm, KVM_CHECK_EXTENSION, KVM_CAP_IMMEDIATE_EXIT);
	CHECK(keel ? r == 0 : r == 1, "KVM_CAP_IMMEDIATE_EXIT %ld (a vCPU feature: keel 0)", r);
	CHECK(io(kvm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_VM_IPA_SIZE) == 0, "KVM_CAP_ARM_VM_IPA_SIZE 0 on x86");
	CHECK(io(kvm, KVM_TRACE_ENABLE, 0) == -EOPNOTSUPP, "KVM_TRACE_ENABLE: EOPNOTSUPP");
	CHECK(io(kvm, KVM_TRACE_PAUSE, 0) == -EOPNOTSUPP, "KVM_TRACE_PAUSE: EOPNOTSUPP");
	CHECK(io(kvm, KVM_TRACE_DISABLE, 0) == -EOPNOTSUPP, "KVM_TRACE_DISABLE: EOPNOTSUPP");
	CHECK(io(kvm, _IO(KVMIO, 0xee), 0) == -EINVAL, "an unknown system ioctl: EINVAL");
	r = io(kvm, KVM_GET_MSR_INDEX_LIST, (unsigned long)&ml);
	CHECK(keel ? r == 0 && ml.nmsrs == 0 : r == -E2BIG && ml.nmsrs > 0,
	      "KVM_GET_MSR_INDEX_LIST with no room: %ld, %u MSRs (keel: none without vCPUs)", r, ml.nmsrs);
	ml.nmsrs = 0;
	r = io(kvm, KVM_GET_MSR_FEATURE_INDEX_LIST, (unsigned long)&ml);
	CHECK(keel ? r == 0 && ml.nmsrs == 0 : r == -E2BIG || r == 0, "KVM_GET_MSR_FEATURE_INDEX_LIST: %ld, %u MSRs", r,
	      ml.nmsrs);
	CHECK(io(kvm, KVM_GET_MSR_INDEX_LIST, 16) == -EFAULT, "KVM_GET_MSR_INDEX_LIST at a bad address: EFAULT");
	memset(&cpuid, 0, sizeof(cpuid));
	CHECK(io(kvm, KVM_GET_SUPPORTED_CPUID, (unsigned long)&cpuid) == -E2BIG,
	      "KVM_GET_SUPPORTED_CPUID with no room: E2BIG");
	cpuid.c.nent = 256;
	r = io(kvm, KVM_GET_SUPPORTED_CPUID, (unsigned long)&cpuid);
	CHECK(r == 0 && (keel ? cpuid.c.nent == 0 : cpuid.c.nent > 0),
	      "KVM_GET_SUPPORTED_CPUID: %ld, %u entries (keel: none without vCPUs)", r, cpuid.c.nent);
	CHECK(io(kvm, KVM_GET_SUPPORTED_CPUID, 16) == -EFAULT, "KVM_GET_SUPPORTED_CPUID at a bad address: EFAULT");
}

static void vm_ioctls(int kvm)
{
	struct kvm_userspace_memory_region mr = { 0 };
	void *mem;
	int vm;
	long r;

	CHECK(io(kvm, KVM_CREATE_VM, 1) == -EINVAL, "KVM_CREATE_VM type 1: EINVAL");
	CHECK(io(kvm, KVM_CREATE_VM, 1UL << 8) == -EINVAL, "KVM_CREATE_VM with an arm64 IPA size: EINVAL");
	vm = (int)io(kvm, KVM_CREATE_VM, 0);
	CHECK(vm >= 0, "KVM_CREATE_VM type 0: a VM fd (%d)", vm);
	if (vm < 0)
		return;
	CHECK(io(vm, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) == 1, "VM fd: KVM_CHECK_EXTENSION");
	mem = mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mr.slot = 0;
	mr.guest_phys_addr = 0x100000;
	mr.memory_size = 2 << 20;
	mr.userspace_addr = (unsigned long)mem;
	CHECK(io(vm, KVM_SET_USER_MEMORY_REGION, (unsigned long)&mr) == 0, "KVM_SET_USER_MEMORY_REGION: 2 MiB at 1 MiB");
	mr.slot = 1;
	CHECK(io(vm, KVM_SET_USER_MEMORY_REGION, (unsigned long)&mr) == -EEXIST, "an overlapping slot: EEXIST");
	mr.guest_phys_addr = 0x100001;
	CHECK(io(vm, KVM_SET_USER_MEMORY_REGION, (unsigned long)&mr) == -EINVAL, "an unaligned slot: EINVAL");
	mr.slot = 0;
	mr.guest_phys_addr = 0x100000;
	mr.memory_size = 0;
	CHECK(io(vm, KVM_SET_USER_MEMORY_REGION, (unsigned long)&mr) == 0, "deleting the slot");
	r = io(vm, KVM_CREATE_VCPU, 0);
	CHECK(keel ? r == -EINVAL : r >= 0, "KVM_CREATE_VCPU 0: %ld (keel: EINVAL, beyond KVM_CAP_MAX_VCPU_ID 0)", r);
	if (r >= 0)
		close((int)r);
	CHECK(io(vm, _IO(KVMIO, 0xee), 0) == -ENOTTY, "an unknown VM ioctl: ENOTTY (x86's kvm_arch_vm_ioctl)");
	CHECK(io(vm, KVM_IRQ_LINE, 0) == -EFAULT, "KVM_IRQ_LINE at a bad address: EFAULT");
	{
		struct kvm_irq_level il = { .irq = 4, .level = 1 };

		CHECK(io(vm, KVM_IRQ_LINE, (unsigned long)&il) == -ENXIO, "KVM_IRQ_LINE without an irqchip: ENXIO");
	}
	close(vm);
	munmap(mem, 2 << 20);
}

static void churn(int kvm, int n)
{
	int vms[4], made = 0, bad = 0;

	while (made < n && !bad) {
		int k = 0;

		while (k < 4 && made < n) {
			vms[k] = (int)io(kvm, KVM_CREATE_VM, 0);
			if (vms[k] < 0) {
				bad = vms[k];
				break;
			}
			k++, made++;
		}
		while (k--)
			close(vms[k]);
	}
	CHECK(!bad, "%d VMs created and closed, 4 at a time (%s)", made, bad ? strerror(-bad) : "no error");
}

int main(int argc, char **argv)
{
	int kvm, n = 0;

	if (argc == 3 && !strcmp(argv[1], "--churn"))
		n = atoi(argv[2]);
	else if (argc != 2 || (strcmp(argv[1], "--keel") && strcmp(argv[1], "--kvm"))) {
		fprintf(stderr, "usage: kvmsys --keel|--kvm|--churn N\n");
		return 2;
	}
	keel = !strcmp(argv[1], "--keel");
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	CHECK(kvm >= 0, "open /dev/kvm");
	if (kvm < 0)
		return 1;
	if (n > 0) {
		churn(kvm, n);
		printf("%d passed, %d failed\n", passed, failed);
		return failed != 0;
	}
	system_ioctls(kvm);
	vm_ioctls(kvm);
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * KVM API tests: vCPUs and KVM_RUN, against what Linux 6.1 KVM on arm64
 * does (virt/kvm/kvm_main.c, arch/arm64/kvm/{arm,guest,sys_regs,
 * hypercalls,arch_timer}.c) for a VM without an in-kernel irqchip.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kvmtest.h"

#define SYSREG(...) ARM64_SYS_REG(__VA_ARGS__)
#define MPIDR_EL1 SYSREG(3, 0, 0, 0, 5)
#define ID_AA64PFR0 SYSREG(3, 0, 0, 4, 0)
#define SCTLR_EL1 SYSREG(3, 0, 1, 0, 0)
#define RESET_PSTATE 0x3c5 /* EL1h, DAIF masked */

long get_reg(int vcpu, uint64_t id, void *val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)val };

	return kioctl(vcpu, KVM_GET_ONE_REG, (unsigned long)&reg);
}

long set_reg(int vcpu, uint64_t id, const void *val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)val };

	return kioctl(vcpu, KVM_SET_ONE_REG, (unsigned long)&reg);
}

uint64_t reg64(int vcpu, uint64_t id)
{
	uint64_t v = 0xdeadbeef;

	get_reg(vcpu, id, &v);
	return v;
}

long vcpu_init(int vcpu, uint32_t target, uint32_t f0, uint32_t f1)
{
	struct kvm_vcpu_init init = { .target = target };

	init.features[0] = f0;
	init.features[1] = f1;
	return kioctl(vcpu, KVM_ARM_VCPU_INIT, (unsigned long)&init);
}

static long mp_state(int vcpu)
{
	struct kvm_mp_state mp = { .mp_state = 0xff };
	long r = kioctl(vcpu, KVM_GET_MP_STATE, (unsigned long)&mp);

	return r ? r : mp.mp_state;
}

static long set_mp_state(int vcpu, uint32_t s)
{
	struct kvm_mp_state mp = { .mp_state = s };

	return kioctl(vcpu, KVM_SET_MP_STATE, (unsigned long)&mp);
}

uint32_t preferred_target(int vm)
{
	struct kvm_vcpu_init init;

	memset(&init, 0xff, sizeof(init));
	if (kioctl(vm, KVM_ARM_PREFERRED_TARGET, (unsigned long)&init))
		return ~0U;
	return init.target;
}

static void test_vcpu_caps(void)
{
	static const struct {
		long cap;
		const char *name;
	} one[] = {
		{ KVM_CAP_IMMEDIATE_EXIT, "IMMEDIATE_EXIT" },
		{ KVM_CAP_ARM_PSCI_0_2, "ARM_PSCI_0_2" },     { KVM_CAP_MP_STATE, "MP_STATE" },
		{ KVM_CAP_ONE_REG, "ONE_REG" },               { KVM_CAP_ARM_USER_IRQ, "ARM_USER_IRQ" },
		{ KVM_CAP_ARM_NISV_TO_USER, "ARM_NISV_TO_USER" }, { KVM_CAP_ENABLE_CAP_VM, "ENABLE_CAP_VM" },
		{ KVM_CAP_ARM_PSCI, "ARM_PSCI (0.1 ids)" }, { KVM_CAP_ARM_SYSTEM_SUSPEND, "ARM_SYSTEM_SUSPEND" },
		{ KVM_CAP_STEAL_TIME, "STEAL_TIME" },         { KVM_CAP_PTP_KVM, "PTP_KVM" },
		{ KVM_CAP_VCPU_ATTRIBUTES, "VCPU_ATTRIBUTES" }, { KVM_CAP_DEVICE_CTRL, "DEVICE_CTRL" },
		{ KVM_CAP_SET_GUEST_DEBUG, "SET_GUEST_DEBUG" },
	};
	static const struct {
		long cap;
		const char *name;
	} zero[] = {
		/* What keel does not give: SVE, pointer auth, AArch32 EL1, MTE (the PMU: kvmtest_pmu.c). */
		{ KVM_CAP_ARM_SVE, "ARM_SVE" },
		{ KVM_CAP_ARM_PTRAUTH_ADDRESS, "ARM_PTRAUTH_ADDRESS" },
		{ KVM_CAP_ARM_EL1_32BIT, "ARM_EL1_32BIT" },
		{ KVM_CAP_ARM_MTE, "ARM_MTE" },         { KVM_CAP_VCPU_EVENTS, "VCPU_EVENTS" },
	};
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN), r;

	for (unsigned i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
		r = kioctl(kvm_fd, KVM_CHECK_EXTENSION, one[i].cap);
		check(r == 1, "KVM_CAP_%s = %ld (want 1)", one[i].name, r);
	}
	for (unsigned i = 0; i < sizeof(zero) / sizeof(zero[0]); i++) {
		r = kioctl(kvm_fd, KVM_CHECK_EXTENSION, zero[i].cap);
		check(r == 0, "KVM_CAP_%s = %ld (want 0: keel does not give it)", zero[i].name, r);
	}
	r = kioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	check(r == ncpu, "KVM_CAP_NR_VCPUS = %ld (want the online CPUs, %ld)", r, ncpu);
	r = kioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	check(r == 512, "KVM_CAP_MAX_VCPUS = %ld (want 512, KVM_MAX_VCPUS as KVM 6.1 on a GICv3 host)", r);
	r = kioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPU_ID);
	check(r == 512, "KVM_CAP_MAX_VCPU_ID = %ld (want 512)", r);
}

static void test_create_vcpu(void)
{
	struct counters base = counters_now();
	int vm = create_vm(0), fd, fd2, flags;
	char link[64], target[128];
	ssize_t len;
	long r;

	fd = (int)kioctl(vm, KVM_CREATE_VCPU, 0);
	check(fd >= 0, "KVM_CREATE_VCPU(0) = fd %d", fd);
	check(read_counter("vcpu_count") == counter(&base, "vcpu_count") + 1, "keel counts the vCPU (vcpu_count %lld)",
	      read_counter("vcpu_count"));
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, target, sizeof(target) - 1);
	target[len > 0 ? len : 0] = '\0';
	check(!strcmp(target, "anon_inode:kvm-vcpu:0"), "the vCPU fd is %s (want anon_inode:kvm-vcpu:0)", target);
	flags = fcntl(fd, F_GETFD);
	check(flags >= 0 && (flags & FD_CLOEXEC), "the vCPU fd is close-on-exec");

	r = kioctl(vm, KVM_CREATE_VCPU, 0);
	check(r == -EEXIST, "KVM_CREATE_VCPU(0) again: %s (want -EEXIST)", err_name(r));
	r = kioctl(vm, KVM_CREATE_VCPU, 1UL << 32);
	check(r == -EEXIST, "KVM_CREATE_VCPU(1 << 32): %s (want -EEXIST: the id is a u32, 0)", err_name(r));
	static const unsigned long bad[] = { 512, 513, 4096, 0xffffffff };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = kioctl(vm, KVM_CREATE_VCPU, bad[i]);
		check(r == -EINVAL, "KVM_CREATE_VCPU(%lu): %s (want -EINVAL: at or above KVM_CAP_MAX_VCPU_ID)", bad[i],
		      err_name(r));
		if (r >= 0)
			close((int)r);
	}
	fd2 = (int)kioctl(vm, KVM_CREATE_VCPU, 511);
	check(fd2 >= 0, "KVM_CREATE_VCPU(511) = fd %d", fd2);

	/* Every vCPU keel takes costs the VM a page. */
	int vm2 = create_vm(0), n = 0, fds[512];
	for (int i = 0; i < 512; i++) {
		r = kioctl(vm2, KVM_CREATE_VCPU, i);
		if (r < 0)
			break;
		fds[n++] = (int)r;
	}
	check(n == 512, "512 vCPUs in one VM, no table of 64 (%d)", n);
	close(vm2); /* the vCPU fds keep it */
	check(read_counter("vm_count") == counter(&base, "vm_count") + 2, "the vCPU fds keep a closed VM (vm_count %lld)",
	      read_counter("vm_count"));
	for (int i = 0; i < n; i++)
		close(fds[i]);

	/* The VM fd closed first: the VM lives until its last vCPU fd goes. */
	close(vm);
	check(read_counter("vm_count") == counter(&base, "vm_count") + 1, "VM kept by its vCPU fds");
	close(fd);
	close(fd2);
	check_counters_back(&base, "closing the vCPU fds and their VMs");
}

static void test_vcpu_init(void)
{
	struct counters base = counters_now();
	int vm = create_vm(0), vcpu, vcpu1;
	uint32_t target = preferred_target(vm);
	struct kvm_vcpu_init init;
	struct kvm_reg_list rl = { .n = 0 };
	uint64_t v;
	long r;

	check(target == KVM_ARM_TARGET_GENERIC_V8, "KVM_ARM_PREFERRED_TARGET: target %u (want GENERIC_V8 %u on QEMU)",
	      target, KVM_ARM_TARGET_GENERIC_V8);
	memset(&init, 0xff, sizeof(init));
	kioctl(vm, KVM_ARM_PREFERRED_TARGET, (unsigned long)&init);
	check(!init.features[0] && !init.features[1], "KVM_ARM_PREFERRED_TARGET: no features");
	r = kioctl(vm, KVM_ARM_PREFERRED_TARGET, 0);
	check(r == -EFAULT, "KVM_ARM_PREFERRED_TARGET(NULL): %s (want -EFAULT)", err_name(r));

	vcpu = (int)kioctl(vm, KVM_CREATE_VCPU, 0);
	/* Before KVM_ARM_VCPU_INIT: kvm_vcpu_initialized() is false. */
	r = kioctl(vcpu, KVM_RUN, 0);
	check(r == -ENOEXEC, "KVM_RUN before KVM_ARM_VCPU_INIT: %s (want -ENOEXEC)", err_name(r));
	r = get_reg(vcpu, CORE(regs.pc), &v);
	check(r == -ENOEXEC, "KVM_GET_ONE_REG before INIT: %s (want -ENOEXEC)", err_name(r));
	r = set_reg(vcpu, CORE(regs.pc), &v);
	check(r == -ENOEXEC, "KVM_SET_ONE_REG before INIT: %s (want -ENOEXEC)", err_name(r));
	r = kioctl(vcpu, KVM_GET_REG_LIST, (unsigned long)&rl);
	check(r == -ENOEXEC, "KVM_GET_REG_LIST before INIT: %s (want -ENOEXEC)", err_name(r));

	r = vcpu_init(vcpu, target + 1, 0, 0);
	check(r == -EINVAL, "KVM_ARM_VCPU_INIT(target %u): %s (want -EINVAL)", target + 1, err_name(r));
	r = vcpu_init(vcpu, target, 1U << 7, 0);
	check(r == -ENOENT, "KVM_ARM_VCPU_INIT(feature 7): %s (want -ENOENT: unknown feature)", err_name(r));
	r = vcpu_init(vcpu, target, 0, 1);
	check(r == -ENOENT, "KVM_ARM_VCPU_INIT(feature 32): %s (want -ENOENT)", err_name(r));
	static const struct {
		unsigned bit;
		const char *name;
	} refused[] = {
		{ KVM_ARM_VCPU_EL1_32BIT, "EL1_32BIT" },
		{ KVM_ARM_VCPU_SVE, "SVE" },               { KVM_ARM_VCPU_PTRAUTH_ADDRESS, "PTRAUTH_ADDRESS" },
		{ KVM_ARM_VCPU_PTRAUTH_GENERIC, "PTRAUTH_GENERIC" },
	};
	for (unsigned i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		r = vcpu_init(vcpu, target, 1U << refused[i].bit | 1U << KVM_ARM_VCPU_PSCI_0_2, 0);
		check(r == -EINVAL, "KVM_ARM_VCPU_INIT(%s): %s (want -EINVAL: keel does not give it)", refused[i].name,
		      err_name(r));
	}
	r = get_reg(vcpu, CORE(regs.pc), &v);
	check(r == -ENOEXEC, "a refused INIT leaves the vCPU uninitialised (%s)", err_name(r));
	r = kioctl(vcpu, KVM_ARM_VCPU_INIT, 0);
	check(r == -EFAULT, "KVM_ARM_VCPU_INIT(NULL): %s (want -EFAULT)", err_name(r));

	r = vcpu_init(vcpu, target, 1U << KVM_ARM_VCPU_PSCI_0_2, 0);
	check(r == 0, "KVM_ARM_VCPU_INIT(PSCI_0_2): %s", err_name(r));
	check(mp_state(vcpu) == KVM_MP_STATE_RUNNABLE, "the vCPU is RUNNABLE (%ld)", mp_state(vcpu));
	check(reg64(vcpu, CORE(regs.pstate)) == RESET_PSTATE, "reset PSTATE 0x%llx (want 0x%x: EL1h, DAIF masked)",
	      (unsigned long long)reg64(vcpu, CORE(regs.pstate)), RESET_PSTATE);
	check(reg64(vcpu, SCTLR_EL1) == 0x00C50078, "reset SCTLR_EL1 0x%llx (want 0xc50078)",
	      (unsigned long long)reg64(vcpu, SCTLR_EL1));
	check(reg64(vcpu, MPIDR_EL1) == 0x80000000, "MPIDR_EL1 of vCPU 0: 0x%llx (want 0x80000000)",
	      (unsigned long long)reg64(vcpu, MPIDR_EL1));

	/* Repeatable, with the same features: it resets the vCPU. */
	v = 0x1234;
	set_reg(vcpu, CORE(regs.regs[5]), &v);
	r = vcpu_init(vcpu, target, 1U << KVM_ARM_VCPU_PSCI_0_2, 0);
	check(r == 0 && reg64(vcpu, CORE(regs.regs[5])) == 0, "a second INIT resets the vCPU (x5 = %llu)",
	      (unsigned long long)reg64(vcpu, CORE(regs.regs[5])));
	r = vcpu_init(vcpu, target, 0, 0);
	check(r == -EINVAL, "INIT with other features than the first: %s (want -EINVAL)", err_name(r));
	r = vcpu_init(vcpu, target, 1U << KVM_ARM_VCPU_PSCI_0_2 | 1U << KVM_ARM_VCPU_POWER_OFF, 0);
	check(r == -EINVAL, "INIT adding POWER_OFF later: %s (want -EINVAL)", err_name(r));

	/* MP_STATE */
	r = set_mp_state(vcpu, KVM_MP_STATE_STOPPED);
	check(r == 0 && mp_state(vcpu) == KVM_MP_STATE_STOPPED, "KVM_SET_MP_STATE(STOPPED) -> %ld", mp_state(vcpu));
	r = set_mp_state(vcpu, KVM_MP_STATE_RUNNABLE);
	check(r == 0 && mp_state(vcpu) == KVM_MP_STATE_RUNNABLE, "KVM_SET_MP_STATE(RUNNABLE) -> %ld",
	      mp_state(vcpu));
	static const uint32_t bad_mp[] = { KVM_MP_STATE_UNINITIALIZED, KVM_MP_STATE_INIT_RECEIVED,
					   KVM_MP_STATE_HALTED, KVM_MP_STATE_SUSPENDED, 1000 };
	for (unsigned i = 0; i < sizeof(bad_mp) / sizeof(bad_mp[0]); i++) {
		r = set_mp_state(vcpu, bad_mp[i]);
		check(r == -EINVAL, "KVM_SET_MP_STATE(%u): %s (want -EINVAL)", bad_mp[i], err_name(r));
	}
	r = kioctl(vcpu, KVM_GET_MP_STATE, 0);
	check(r == -EFAULT, "KVM_GET_MP_STATE(NULL): %s (want -EFAULT)", err_name(r));

	vcpu1 = (int)kioctl(vm, KVM_CREATE_VCPU, 17);
	r = vcpu_init(vcpu1, target, 1U << KVM_ARM_VCPU_PSCI_0_2 | 1U << KVM_ARM_VCPU_POWER_OFF, 0);
	check(r == 0 && mp_state(vcpu1) == KVM_MP_STATE_STOPPED, "INIT(POWER_OFF): the vCPU is STOPPED (%ld)",
	      mp_state(vcpu1));
	check(reg64(vcpu1, MPIDR_EL1) == 0x80000101, "MPIDR_EL1 of vCPU 17: 0x%llx (want 0x80000101)",
	      (unsigned long long)reg64(vcpu1, MPIDR_EL1));

	/* Other ioctls on the vCPU fd */
	r = kioctl(vcpu, _IO(KVMIO, 0xfe), 0);
	check(r == -EINVAL, "unknown ioctl on a vCPU fd: %s (want -EINVAL)", err_name(r));
	r = kioctl(vcpu, KVM_RUN, 1);
	check(r == -EINVAL, "KVM_RUN with an argument: %s (want -EINVAL)", err_name(r));
	r = kioctl(vcpu, KVM_GET_REGS, 0);
	check(r == -EINVAL, "KVM_GET_REGS (not on arm64): %s (want -EINVAL)", err_name(r));
	pid_t pid = fork();
	if (pid == 0)
		_exit(mp_state(vcpu) == -EIO ? 0 : 1);
	int st = 0;
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "vCPU fd ioctl from a forked child: -EIO");

	close(vcpu);
	close(vcpu1);
	close(vm);
	check_counters_back(&base, "the INIT tests");
}

static int find_id(const __u64 *ids, unsigned n, uint64_t id)
{
	for (unsigned i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

static void test_one_reg(void)
{
	int vm = create_vm(0), vcpu = (int)kioctl(vm, KVM_CREATE_VCPU, 0);
	struct kvm_reg_list *rl;
	struct kvm_reg_list probe = { .n = 0 };
	uint64_t v, v2, vv[2];
	unsigned failed_get = 0, n;
	long r;

	vcpu_init(vcpu, preferred_target(vm), 1U << KVM_ARM_VCPU_PSCI_0_2, 0);

	/* REG_LIST: too small -> -E2BIG and the number */
	r = kioctl(vcpu, KVM_GET_REG_LIST, (unsigned long)&probe);
	check(r == -E2BIG && probe.n > 100, "KVM_GET_REG_LIST(n 0): %s, n = %llu (want -E2BIG and the count)",
	      err_name(r), (unsigned long long)probe.n);
	n = (unsigned)probe.n;
	rl = calloc(1, sizeof(*rl) + n * sizeof(uint64_t));
	rl->n = n - 1;
	r = kioctl(vcpu, KVM_GET_REG_LIST, (unsigned long)rl);
	check(r == -E2BIG && rl->n == n, "KVM_GET_REG_LIST(n - 1): %s (want -E2BIG)", err_name(r));
	rl->n = n;
	r = kioctl(vcpu, KVM_GET_REG_LIST, (unsigned long)rl);
	check(r == 0 && rl->n == n, "KVM_GET_REG_LIST(n %u): %s", n, err_name(r));
	r = kioctl(vcpu, KVM_GET_REG_LIST, 0);
	check(r == -EFAULT, "KVM_GET_REG_LIST(NULL): %s (want -EFAULT)", err_name(r));

	/* Every listed register reads, and writing back what was read is accepted (QEMU does both). */
	unsigned failed_set = 0;
	for (unsigned i = 0; i < n; i++) {
		uint64_t buf[2] = { 0, 0 };

		if (get_reg(vcpu, rl->reg[i], buf)) {
			if (failed_get++ < 3)
				printf("  GET_ONE_REG 0x%llx failed\n", (unsigned long long)rl->reg[i]);
			continue;
		}
		if (set_reg(vcpu, rl->reg[i], buf) && failed_set++ < 3)
			printf("  SET_ONE_REG 0x%llx of its own value failed\n", (unsigned long long)rl->reg[i]);
	}
	check(!failed_get, "every one of the %u listed registers reads (%u failed)", n, failed_get);
	check(!failed_set, "every listed register takes back its own value (%u failed)", failed_set);

	/* What QEMU and get-reg-list rely on is listed. */
	static const struct {
		uint64_t id;
		const char *name;
	} must[] = {
		{ CORE(regs.regs[0]), "x0" }, { CORE(regs.pc), "pc" }, { CORE(regs.pstate), "pstate" },
		{ CORE(sp_el1), "sp_el1" }, { CORE(elr_el1), "elr_el1" }, { CORE(spsr[0]), "spsr[0]" },
		{ CORE(spsr[4]), "spsr[4]" },
		{ KVM_REG_ARM64 | KVM_REG_SIZE_U128 | KVM_REG_ARM_CORE | KVM_REG_ARM_CORE_REG(fp_regs.vregs[31]), "v31" },
		{ KVM_REG_ARM64 | KVM_REG_SIZE_U32 | KVM_REG_ARM_CORE | KVM_REG_ARM_CORE_REG(fp_regs.fpcr), "fpcr" },
		{ KVM_REG_ARM_PSCI_VERSION, "PSCI_VERSION" }, { KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_3, "WORKAROUND_3" },
		{ KVM_REG_ARM_VENDOR_HYP_BMAP, "VENDOR_HYP_BMAP" },
		{ KVM_REG_ARM_TIMER_CTL, "TIMER_CTL" }, { KVM_REG_ARM_TIMER_CNT, "TIMER_CNT" },
		{ KVM_REG_ARM_TIMER_CVAL, "TIMER_CVAL" }, { MPIDR_EL1, "MPIDR_EL1" },
		{ SYSREG(3, 0, 0, 0, 0), "MIDR_EL1" }, { SYSREG(3, 3, 0, 0, 1), "CTR_EL0" },
		{ ID_AA64PFR0, "ID_AA64PFR0_EL1" }, { SYSREG(3, 0, 0, 7, 7), "ID reg (7,7)" },
		{ SCTLR_EL1, "SCTLR_EL1" }, { SYSREG(3, 0, 10, 2, 0), "MAIR_EL1" },
		{ SYSREG(3, 3, 13, 0, 3), "TPIDRRO_EL0" }, { SYSREG(2, 0, 0, 2, 2), "MDSCR_EL1" },
		{ SYSREG(3, 4, 5, 3, 0), "FPEXC32_EL2" },
	};
	for (unsigned i = 0; i < sizeof(must) / sizeof(must[0]); i++)
		check(find_id(rl->reg, n, must[i].id), "REG_LIST has %s", must[i].name);
	check(!find_id(rl->reg, n, KVM_REG_ARM_PTIMER_CTL) && !find_id(rl->reg, n, SYSREG(3, 3, 9, 12, 0)),
	      "REG_LIST has neither the physical timer nor PMU registers (no PMU for guests)");
	check(find_id(rl->reg, n, SYSREG(2, 0, 0, 0, 4)) && find_id(rl->reg, n, SYSREG(2, 0, 0, 15, 7)) &&
		      find_id(rl->reg, n, SYSREG(2, 0, 1, 1, 4)) && find_id(rl->reg, n, SYSREG(2, 4, 0, 7, 0)),
	      "REG_LIST has the debug registers (DBGBVR0..DBGWCR15, OSLSR_EL1, DBGVCR32_EL2)");

	/* Core registers */
	v = 0x1122334455667788ULL;
	check(set_reg(vcpu, CORE(regs.regs[30]), &v) == 0 && reg64(vcpu, CORE(regs.regs[30])) == v, "x30 set and read back");
	v = 0x40001000;
	check(set_reg(vcpu, CORE(regs.pc), &v) == 0 && reg64(vcpu, CORE(regs.pc)) == v, "pc set and read back");
	vv[0] = 1;
	vv[1] = 2;
	uint64_t v31 = KVM_REG_ARM64 | KVM_REG_SIZE_U128 | KVM_REG_ARM_CORE | KVM_REG_ARM_CORE_REG(fp_regs.vregs[31]);
	uint64_t out[2] = { 0, 0 };
	check(set_reg(vcpu, v31, vv) == 0 && get_reg(vcpu, v31, out) == 0 && out[0] == 1 && out[1] == 2,
	      "v31 (128 bits) set and read back");
	uint32_t fpcr = 0x03c00000, fpcr_out = 0;
	uint64_t fpcr_id = KVM_REG_ARM64 | KVM_REG_SIZE_U32 | KVM_REG_ARM_CORE | KVM_REG_ARM_CORE_REG(fp_regs.fpcr);
	check(set_reg(vcpu, fpcr_id, &fpcr) == 0 && get_reg(vcpu, fpcr_id, &fpcr_out) == 0 && fpcr_out == fpcr,
	      "fpcr (32 bits) set and read back");
	r = get_reg(vcpu, KVM_REG_ARM64 | KVM_REG_SIZE_U32 | KVM_REG_ARM_CORE | KVM_REG_ARM_CORE_REG(regs.pc), &v);
	check(r == -EINVAL, "pc read as 32 bits: %s (want -EINVAL)", err_name(r));
	r = get_reg(vcpu, KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | (KVM_REG_ARM_CORE_REG(regs.pc) + 1), &v);
	check(r == -EINVAL, "a core offset inside pc: %s (want -EINVAL)", err_name(r));
	r = get_reg(vcpu, KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | 0x1000, &v);
	check(r == -ENOENT, "a core offset beyond struct kvm_regs: %s (want -ENOENT)", err_name(r));
	v = 0x13; /* AArch32 SVC */
	r = set_reg(vcpu, CORE(regs.pstate), &v);
	check(r == -EINVAL, "PSTATE AArch32 SVC: %s (want -EINVAL: no AArch32 EL1)", err_name(r));
	v = 0x6; /* EL1 mode 6 does not exist */
	r = set_reg(vcpu, CORE(regs.pstate), &v);
	check(r == -EINVAL, "PSTATE mode 6: %s (want -EINVAL)", err_name(r));
	v = 0x3c4; /* EL1t */
	check(set_reg(vcpu, CORE(regs.pstate), &v) == 0, "PSTATE EL1t accepted");
	r = get_reg(vcpu, CORE(regs.pc), NULL);
	check(r == -EFAULT, "KVM_GET_ONE_REG into NULL: %s (want -EFAULT)", err_name(r));
	r = kioctl(vcpu, KVM_GET_ONE_REG, 0);
	check(r == -EFAULT, "KVM_GET_ONE_REG(NULL): %s (want -EFAULT)", err_name(r));

	/* System registers */
	r = get_reg(vcpu, SYSREG(3, 0, 15, 15, 7), &v);
	check(r == -ENOENT, "an unknown system register: %s (want -ENOENT)", err_name(r));
	r = get_reg(vcpu, (SCTLR_EL1 & ~KVM_REG_SIZE_MASK) | KVM_REG_SIZE_U32, &v);
	check(r == -ENOENT, "SCTLR_EL1 as 32 bits: %s (want -ENOENT)", err_name(r));
	r = get_reg(vcpu, SYSREG(3, 3, 9, 12, 0), &v);
	check(r == -ENOENT, "PMCR_EL0: %s (want -ENOENT: no PMU)", err_name(r));
	check(reg64(vcpu, SYSREG(2, 0, 1, 1, 4)) == 0x8, "OSLSR_EL1 resets to 0x8 (OS lock implemented, unlocked)");
	v = 0x1;
	r = set_reg(vcpu, SYSREG(2, 0, 1, 1, 4), &v);
	check(r == -EINVAL, "OSLSR_EL1 = 1: %s (want -EINVAL: only OSLK may change)", err_name(r));
	v = 0xa;
	check(set_reg(vcpu, SYSREG(2, 0, 1, 1, 4), &v) == 0 && reg64(vcpu, SYSREG(2, 0, 1, 1, 4)) == 0xa,
	      "OSLSR_EL1.OSLK set and read back");
	v = 0xffff000012345678ULL;
	check(set_reg(vcpu, SYSREG(2, 0, 0, 15, 6), &v) == 0 && reg64(vcpu, SYSREG(2, 0, 0, 15, 6)) == v,
	      "DBGWVR15_EL1 set and read back");
	r = get_reg(vcpu, KVM_REG_X86 | KVM_REG_SIZE_U64 | 0x10, &v);
	check(r == -EINVAL, "an id of another architecture: %s (want -EINVAL)", err_name(r));
	v = 0x30d00980;
	check(set_reg(vcpu, SCTLR_EL1, &v) == 0 && reg64(vcpu, SCTLR_EL1) == v, "SCTLR_EL1 set and read back");
	v = 0x80000001;
	r = set_reg(vcpu, MPIDR_EL1, &v);
	check(r == -EINVAL, "MPIDR_EL1 set to another vCPU's: %s (want -EINVAL)", err_name(r));
	v = reg64(vcpu, ID_AA64PFR0);
	check(set_reg(vcpu, ID_AA64PFR0, &v) == 0, "ID_AA64PFR0_EL1 takes its own value");
	check(!(v & (0xfULL << 32)) && ((v >> 24) & 0xf) <= 1,
	      "ID_AA64PFR0_EL1 0x%llx: no SVE; GIC 1 at most (KVM's: 1 on a GICv3 host, where it has a vGICv3)",
	      (unsigned long long)v);
	v2 = v ^ (1ULL << 16); /* FP field */
	r = set_reg(vcpu, ID_AA64PFR0, &v2);
	check(r == -EINVAL, "ID_AA64PFR0_EL1 with another FP field: %s (want -EINVAL)", err_name(r));
	v = reg64(vcpu, SYSREG(3, 0, 0, 6, 1));
	check(!(v & 0xff000ff0ULL), "ID_AA64ISAR1_EL1 0x%llx: no pointer auth", (unsigned long long)v);
	v = reg64(vcpu, SYSREG(3, 0, 0, 5, 0));
	check((v & 0xf) == 6 && !(v & 0xf00), "ID_AA64DFR0_EL1 0x%llx: DebugVer 8.0, no PMU", (unsigned long long)v);
	v = reg64(vcpu, SYSREG(3, 0, 0, 4, 1));
	check(!(v & 0xf00) && !(v & 0xf000000), "ID_AA64PFR1_EL1 0x%llx: no MTE, no SME", (unsigned long long)v);
	v = reg64(vcpu, SYSREG(3, 0, 0, 0, 0)) + 1;
	r = set_reg(vcpu, SYSREG(3, 0, 0, 0, 0), &v);
	check(r == -EINVAL, "MIDR_EL1 changed: %s (want -EINVAL: invariant)", err_name(r));

	/* Firmware pseudo-registers */
	check(reg64(vcpu, KVM_REG_ARM_PSCI_VERSION) == 0x10001, "PSCI version 0x%llx (want 1.1)",
	      (unsigned long long)reg64(vcpu, KVM_REG_ARM_PSCI_VERSION));
	v = 0x10000;
	check(set_reg(vcpu, KVM_REG_ARM_PSCI_VERSION, &v) == 0 && reg64(vcpu, KVM_REG_ARM_PSCI_VERSION) == v,
	      "PSCI version set to 1.0");
	v = 1;
	r = set_reg(vcpu, KVM_REG_ARM_PSCI_VERSION, &v);
	check(r == -EINVAL, "PSCI version 0.1 on a PSCI_0_2 vCPU: %s (want -EINVAL)", err_name(r));
	v = 0x10002;
	r = set_reg(vcpu, KVM_REG_ARM_PSCI_VERSION, &v);
	check(r == -EINVAL, "PSCI version 1.2: %s (want -EINVAL)", err_name(r));
	r = get_reg(vcpu, (KVM_REG_ARM_PSCI_VERSION & ~KVM_REG_SIZE_MASK) | KVM_REG_SIZE_U32, &v);
	check(r == -ENOENT, "PSCI version as 32 bits: %s (want -ENOENT)", err_name(r));
	r = get_reg(vcpu, KVM_REG_ARM_FW_REG(9), &v);
	check(r == -ENOENT, "firmware register 9: %s (want -ENOENT)", err_name(r));

	/* Timer */
	v = 1000;
	check(set_reg(vcpu, KVM_REG_ARM_TIMER_CNT, &v) == 0, "TIMER_CNT set to 1000");
	v = reg64(vcpu, KVM_REG_ARM_TIMER_CNT);
	check(v >= 1000 && v < 1000 + 62500000ULL, "TIMER_CNT reads %llu (1000 and counting)", (unsigned long long)v);
	v = 3; /* ENABLE | IMASK */
	check(set_reg(vcpu, KVM_REG_ARM_TIMER_CTL, &v) == 0 && (reg64(vcpu, KVM_REG_ARM_TIMER_CTL) & 3) == 3,
	      "TIMER_CTL set and read back");
	v = 0;
	check(set_reg(vcpu, KVM_REG_ARM_TIMER_CVAL, &v) == 0 && (reg64(vcpu, KVM_REG_ARM_TIMER_CTL) & 4),
	      "TIMER_CTL shows ISTATUS once CVAL has passed");

	free(rl);
	close(vcpu);
	close(vm);
}

static void test_irq_line(void)
{
	int vm = create_vm(0), vcpu = (int)kioctl(vm, KVM_CREATE_VCPU, 0);
	struct kvm_irq_level il = { 0 };
	struct kvm_enable_cap cap = { .cap = KVM_CAP_ARM_NISV_TO_USER };
	long r;

	il.irq = (KVM_ARM_IRQ_TYPE_CPU << KVM_ARM_IRQ_TYPE_SHIFT) | KVM_ARM_IRQ_CPU_IRQ;
	il.level = 1;
	r = kioctl(vm, KVM_IRQ_LINE, (unsigned long)&il);
	check(r == 0, "KVM_IRQ_LINE(CPU, vCPU 0, IRQ, 1): %s", err_name(r));
	il.level = 0;
	r = kioctl(vm, KVM_IRQ_LINE, (unsigned long)&il);
	check(r == 0, "KVM_IRQ_LINE(CPU, vCPU 0, IRQ, 0): %s", err_name(r));
	il.irq = (KVM_ARM_IRQ_TYPE_CPU << KVM_ARM_IRQ_TYPE_SHIFT) | KVM_ARM_IRQ_CPU_FIQ;
	r = kioctl(vm, KVM_IRQ_LINE, (unsigned long)&il);
	check(r == 0, "KVM_IRQ_LINE(CPU, vCPU 0, FIQ, 0): %s", err_name(r));
	il.irq = (KVM_ARM_IRQ_TYPE_CPU << KVM_ARM_IRQ_TYPE_SHIFT) | 2;
	r = kioctl(vm, KVM_IRQ_LINE, (unsigned long)&il);
	check(r == -EINVAL, "KVM_IRQ_LINE(CPU, irq 2): %s (want -EINVAL)", err_name(r));
	il.irq = (KVM_ARM_IRQ_TYPE_CPU << KVM_ARM_IRQ_TYPE_SHIFT) | (1 << KVM_ARM_IRQ_VCPU_SHIFT);
	r = kioctl(vm, KVM_IRQ_LINE, (unsigned long)&il);
	check(r == -EINVAL, "KVM_IRQ_LINE(CPU, vCPU 1 that does not exist): %s (want -EINVAL)", err_name(r));
	il.irq = (KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) | 40;
	r = kioctl(vm, KVM_IRQ_LINE, (unsigned long)&il);
	check(r == -ENXIO, "KVM_IRQ_LINE(SPI 40): %s (want -ENXIO: no in-kernel GIC)", err_name(r));
	il.irq = (KVM_ARM_IRQ_TYPE_PPI << KVM_ARM_IRQ_TYPE_SHIFT) | 27;
	r = kioctl(vm, KVM_IRQ_LINE, (unsigned long)&il);
	check(r == -ENXIO, "KVM_IRQ_LINE(PPI 27): %s (want -ENXIO)", err_name(r));
	r = kioctl(vm, KVM_IRQ_LINE, 0);
	check(r == -EFAULT, "KVM_IRQ_LINE(NULL): %s (want -EFAULT)", err_name(r));

	r = kioctl(vm, KVM_ENABLE_CAP, (unsigned long)&cap);
	check(r == 0, "KVM_ENABLE_CAP(ARM_NISV_TO_USER): %s", err_name(r));
	cap.flags = 1;
	r = kioctl(vm, KVM_ENABLE_CAP, (unsigned long)&cap);
	check(r == -EINVAL, "KVM_ENABLE_CAP with flags: %s (want -EINVAL)", err_name(r));
	cap.flags = 0;
	cap.cap = KVM_CAP_ARM_MTE;
	r = kioctl(vm, KVM_ENABLE_CAP, (unsigned long)&cap);
	check(r == -EINVAL, "KVM_ENABLE_CAP(ARM_MTE): %s (want -EINVAL)", err_name(r));
	close(vcpu);
	close(vm);
}

/* ---- a tiny guest -------------------------------------------------------------------------------- */


/* Position-independent guest code, copied to GUEST_RAM. */
extern const uint32_t guest_code[], guest_code_end[], guest_spin[], guest_sysoff[], guest_cpu_on[];
extern const uint32_t guest_undef[], guest_undef_handler[], guest_undef_handler_end[], guest_nisv[];
__asm__(".pushsection .rodata\n"
	".balign 4\n"
	".global guest_code\n"
	"guest_code:\n"
	"	movz x0, #0x1000, lsl #16\n"  /* MMIO base */
	"	movz w1, #0x1234\n"
	"	str w1, [x0]\n"               /* MMIO write, 4 bytes */
	"	ldr w2, [x0, #8]\n"           /* MMIO read, 4 bytes */
	"	ldrsb x3, [x0, #16]\n"        /* MMIO read, 1 byte, sign-extended to 64 bits */
	"	movz w0, #0x8400, lsl #16\n"  /* PSCI_VERSION, answered in keel */
	"	hvc #0\n"
	"	movz x5, #0x1000, lsl #16\n"
	"	str x0, [x5, #24]\n"          /* MMIO write of the answer, 8 bytes */
	"	mrs x1, cntvct_el0\n"         /* virtual timer due in ~1 ms */
	"	movz x2, #0xf424\n"
	"	add x1, x1, x2\n"
	"	msr cntv_cval_el0, x1\n"
	"	mov x1, #1\n"
	"	msr cntv_ctl_el0, x1\n"
	"	isb\n"
	"1:	wfi\n"
	"	mrs x1, cntv_ctl_el0\n"
	"	tbz x1, #2, 1b\n"             /* until ISTATUS */
	"	msr cntv_ctl_el0, xzr\n"
	"	str x1, [x5, #32]\n"          /* MMIO write of the CTL it saw */
	".global guest_sysoff\n"
	"guest_sysoff:\n"
	"	movz w0, #0x8400, lsl #16\n"
	"	movk w0, #8\n"                /* PSCI SYSTEM_OFF */
	"	hvc #0\n"
	"	b .\n"
	".global guest_spin\n"
	"guest_spin:\n"
	"	b .\n"
	".global guest_cpu_on\n"
	"guest_cpu_on:\n"                 /* vCPU 0: PSCI CPU_ON of vCPU 1 */
	"	movz w0, #0xc400, lsl #16\n"
	"	movk w0, #3\n"               /* CPU_ON, SMC64 */
	"	mov x1, #1\n"                /* MPIDR of vCPU 1 */
	"	adr x2, guest_secondary\n"   /* entry (MMU off: its IPA) */
	"	mov x3, #0x55\n"             /* context id */
	"	hvc #0\n"
	"	movz x5, #0x1000, lsl #16\n"
	"	str x0, [x5, #40]\n"         /* MMIO write of CPU_ON's result */
	"	b .\n"
	"guest_secondary:\n"
	"	movz x5, #0x1000, lsl #16\n"
	"	str x0, [x5, #48]\n"         /* MMIO write of the context id it started with */
	"	b .\n"
	".global guest_undef\n"
	"guest_undef:\n"                 /* a trapped register keel does not emulate: undef for the guest */
	"	movz x1, #0x4000, lsl #16\n"
	"	add x1, x1, #0x1000\n"       /* VBAR_EL1 = GUEST_RAM + 0x1000 (the test puts the handler there) */
	"	msr vbar_el1, x1\n"
	"	isb\n"
	"	mov x2, #0x1234\n"
	"	msr dbgbvr1_el1, x2\n"       /* MDCR_EL2.TDA traps it: keel keeps the value */
	"	mov x2, #1\n"
	"	msr oslar_el1, x2\n"         /* OS lock on: OSLSR_EL1.OSLK */
	"	mrs x0, pmcr_el0\n"          /* MDCR_EL2.TPMCR traps it; no PMU: undef */
	"	b .\n"
	".global guest_nisv\n"
	"guest_nisv:\n"                  /* a load pair from MMIO: no instruction syndrome (ISV = 0) */
	"	movz x0, #0x1000, lsl #16\n"
	"	ldp x1, x2, [x0, #64]\n"
	"	b .\n"
	".global guest_undef_handler\n"
	"guest_undef_handler:\n"         /* at VBAR + 0x200: current EL, SPx, synchronous */
	"	mrs x1, esr_el1\n"
	"	movz x5, #0x1000, lsl #16\n"
	"	str x1, [x5, #56]\n"         /* MMIO write of the ESR it got */
	"	b .\n"
	".global guest_undef_handler_end\n"
	"guest_undef_handler_end:\n"
	".global guest_code_end\n"
	"guest_code_end:\n"
	".popsection\n");

volatile sig_atomic_t got_alarm; /* run_timeout()'s guard signal came */
static void on_alarm(int sig) { (void)sig; got_alarm = 1; }

/*
 * KVM_RUN, with SIGALRM sent after timeout_us unless it returned before, by
 * a thread on another CPU: the signal's IPI takes the vCPU out of the guest
 * whatever the guest does, so a guest that goes astray cannot hang the tests.
 */
struct killer {
	pthread_t target;
	unsigned timeout_us;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
};

static void *killer_thread(void *arg)
{
	struct killer *k = arg;
	struct timespec ts;
	cpu_set_t set;
	int r = 0;

	CPU_ZERO(&set);
	CPU_SET(1, &set);
	sched_setaffinity(0, sizeof(set), &set);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (long)(k->timeout_us % 1000000) * 1000;
	ts.tv_sec += k->timeout_us / 1000000 + ts.tv_nsec / 1000000000;
	ts.tv_nsec %= 1000000000;
	pthread_mutex_lock(&k->lock);
	while (!k->done && r != ETIMEDOUT)
		r = pthread_cond_timedwait(&k->cond, &k->lock, &ts);
	if (!k->done)
		pthread_kill(k->target, SIGALRM);
	pthread_mutex_unlock(&k->lock);
	return NULL;
}

long run_timeout(int vcpu, unsigned timeout_us)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct killer k = { .target = pthread_self(), .timeout_us = timeout_us,
			    .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
	cpu_set_t set, old;
	pthread_t t;
	long r;

	sigaction(SIGALRM, &sa, NULL);
	got_alarm = 0;
	sched_getaffinity(0, sizeof(old), &old);
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
	pthread_create(&t, NULL, killer_thread, &k);
	r = kioctl(vcpu, KVM_RUN, 0);
	pthread_mutex_lock(&k.lock);
	k.done = true;
	pthread_cond_signal(&k.cond);
	pthread_mutex_unlock(&k.lock);
	pthread_join(t, NULL);
	sched_setaffinity(0, sizeof(old), &old);
	return r;
}
#define run_until_signal run_timeout

/* The shim found the host's virtual-timer PPI in keel's /hypervisor node (the host uses the physical timer). */
static bool host_has_guest_timer_irq(void)
{
	char buf[8192];
	int fd = open("/proc/interrupts", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return strstr(buf, "keel-guest-vtimer") != NULL;
}

static void test_guest(void)
{
	struct counters base = counters_now();
	int vm = create_vm(0), vcpu;
	struct kvm_userspace_memory_region mr;
	struct kvm_run *run;
	uint64_t v;
	void *mem;
	long r, mmap_size = kioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);

	if (kioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) <= 0) {
		printf("# guest tests skipped: no KVM_CAP_USER_MEMORY yet\n");
		close(vm);
		return;
	}
	mem = mmap(NULL, GUEST_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memcpy(mem, guest_code, (size_t)((const char *)guest_code_end - (const char *)guest_code));
	mr = (struct kvm_userspace_memory_region){ .slot = 0, .guest_phys_addr = GUEST_RAM,
						   .memory_size = GUEST_SIZE, .userspace_addr = (uintptr_t)mem };
	r = kioctl(vm, KVM_SET_USER_MEMORY_REGION, (unsigned long)&mr);
	check(r == 0, "guest memory at 0x%lx: %s", GUEST_RAM, err_name(r));
	vcpu = (int)kioctl(vm, KVM_CREATE_VCPU, 0);
	vcpu_init(vcpu, preferred_target(vm), 1U << KVM_ARM_VCPU_PSCI_0_2, 0);
	run = mmap(NULL, (size_t)mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	check(run != MAP_FAILED, "mmap of the vCPU fd (%ld bytes)", mmap_size);
	if (run == MAP_FAILED)
		goto out;
	v = GUEST_RAM;
	set_reg(vcpu, CORE(regs.pc), &v);

	r = run_timeout(vcpu, GUARD_US);
	check(r == 0 && run->exit_reason == KVM_EXIT_MMIO && run->mmio.is_write && run->mmio.len == 4 &&
		      run->mmio.phys_addr == GUEST_MMIO && *(uint32_t *)run->mmio.data == 0x1234,
	      "KVM_RUN: MMIO write of 0x1234 at 0x%lx (ret %s, exit %u, addr 0x%llx, len %u, data 0x%x)", GUEST_MMIO,
	      err_name(r), run->exit_reason, (unsigned long long)run->mmio.phys_addr, run->mmio.len,
	      *(uint32_t *)run->mmio.data);
	r = run_timeout(vcpu, GUARD_US);
	check(r == 0 && run->exit_reason == KVM_EXIT_MMIO && !run->mmio.is_write && run->mmio.len == 4 &&
		      run->mmio.phys_addr == GUEST_MMIO + 8,
	      "KVM_RUN: MMIO read of 4 bytes at +8 (exit %u, addr 0x%llx)", run->exit_reason,
	      (unsigned long long)run->mmio.phys_addr);
	memcpy(run->mmio.data, "\x78\x56\x34\xf2\xff\xff\xff\xff", 8);
	/* The read completes before immediate_exit is honoured. */
	run->immediate_exit = 1;
	r = run_timeout(vcpu, GUARD_US);
	check(r == -EINTR, "KVM_RUN with immediate_exit: %s (want -EINTR)", err_name(r));
	check(reg64(vcpu, CORE(regs.regs[2])) == 0xf2345678 && reg64(vcpu, CORE(regs.pc)) == GUEST_RAM + 16,
	      "the MMIO read completed first: w2 = 0x%llx (zero-extended), pc = 0x%llx",
	      (unsigned long long)reg64(vcpu, CORE(regs.regs[2])), (unsigned long long)reg64(vcpu, CORE(regs.pc)));
	run->immediate_exit = 0;
	r = run_timeout(vcpu, GUARD_US);
	check(r == 0 && run->exit_reason == KVM_EXIT_MMIO && !run->mmio.is_write && run->mmio.len == 1,
	      "KVM_RUN: MMIO read of 1 byte (exit %u, len %u)", run->exit_reason, run->mmio.len);
	run->mmio.data[0] = 0x80;
	run->immediate_exit = 1; /* x3 before the guest's HVC (SMCCC zeroes x1..x3) */
	run_timeout(vcpu, GUARD_US);
	run->immediate_exit = 0;
	check(reg64(vcpu, CORE(regs.regs[3])) == 0xffffffffffffff80ULL, "ldrsb: x3 = 0x%llx (sign-extended)",
	      (unsigned long long)reg64(vcpu, CORE(regs.regs[3])));
	r = run_timeout(vcpu, GUARD_US);
	check(r == 0 && run->exit_reason == KVM_EXIT_MMIO && run->mmio.is_write && run->mmio.len == 8 &&
		      *(uint64_t *)run->mmio.data == 0x10001,
	      "HVC PSCI_VERSION answered in keel: the guest wrote 0x%llx (want 0x10001)",
	      (unsigned long long)*(uint64_t *)run->mmio.data);
	check(!(run->s.regs.device_irq_level & KVM_ARM_DEV_EL1_VTIMER), "timer level low before the guest arms it");

	if (!host_has_guest_timer_irq()) {
		/* keel has not moved the host off the virtual timer (no PPI in /hypervisor): no guest timer yet. */
		printf("# guest timer tests skipped: no keel-guest-vtimer interrupt in /proc/interrupts\n");
		run->immediate_exit = 1; /* complete the pending MMIO write before moving the pc */
		run_timeout(vcpu, GUARD_US);
		run->immediate_exit = 0;
		v = GUEST_RAM + (uint64_t)((const char *)guest_sysoff - (const char *)guest_code);
		set_reg(vcpu, CORE(regs.pc), &v);
		goto sysoff;
	}
	/* WFI: blocks until the timer is due; the level change exits with KVM_EXIT_INTR. */
	r = run_timeout(vcpu, GUARD_US);
	check(r == -EINTR && run->exit_reason == KVM_EXIT_INTR &&
		      (run->s.regs.device_irq_level & KVM_ARM_DEV_EL1_VTIMER),
	      "WFI until the virtual timer fires: %s, exit %u, device_irq_level 0x%llx (want -EINTR, INTR, VTIMER)",
	      err_name(r), run->exit_reason, (unsigned long long)run->s.regs.device_irq_level);
	r = run_timeout(vcpu, GUARD_US);
	check(r == 0 && run->exit_reason == KVM_EXIT_MMIO && (*(uint64_t *)run->mmio.data & 5) == 5 &&
		      !(run->s.regs.device_irq_level & KVM_ARM_DEV_EL1_VTIMER),
	      "the guest saw ISTATUS (CTL 0x%llx), turned the timer off, level low again",
	      (unsigned long long)*(uint64_t *)run->mmio.data);
sysoff:
	r = run_timeout(vcpu, GUARD_US);
	check(r == 0 && run->exit_reason == KVM_EXIT_SYSTEM_EVENT &&
		      run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN,
	      "PSCI SYSTEM_OFF: KVM_EXIT_SYSTEM_EVENT type %u (exit %u)", run->system_event.type, run->exit_reason);
	check(mp_state(vcpu) == KVM_MP_STATE_STOPPED, "after SYSTEM_OFF the vCPU is STOPPED (%ld)", mp_state(vcpu));

	/* A signal interrupts a spinning guest. */
	vcpu_init(vcpu, preferred_target(vm), 1U << KVM_ARM_VCPU_PSCI_0_2, 0);
	v = GUEST_RAM + (uint64_t)((const char *)guest_spin - (const char *)guest_code);
	set_reg(vcpu, CORE(regs.pc), &v);
	r = run_until_signal(vcpu, 50000);
	check(r == -EINTR && run->exit_reason == KVM_EXIT_INTR && got_alarm,
	      "a signal stops a spinning guest: %s, exit %u (want -EINTR, KVM_EXIT_INTR)", err_name(r),
	      run->exit_reason);
	check(reg64(vcpu, CORE(regs.pc)) == v, "the guest spun at its pc");

	/* KVM_SET_SIGNAL_MASK: the mask the thread has inside KVM_RUN (QEMU without IMMEDIATE_EXIT, selftests). */
	{
		struct kvm_signal_mask *km = calloc(1, sizeof(*km) + 8);
		sigset_t blocked, pending;

		km->len = 4;
		r = kioctl(vcpu, KVM_SET_SIGNAL_MASK, (unsigned long)km);
		check(r == -EINVAL, "KVM_SET_SIGNAL_MASK of 4 bytes: %s (want -EINVAL: the kernel's sigset is 8)",
		      err_name(r));
		check(kioctl(vcpu, KVM_SET_SIGNAL_MASK, 0) == 0, "KVM_SET_SIGNAL_MASK(NULL): none");
		km->len = 8; /* an empty set: every signal deliverable during KVM_RUN */
		check(kioctl(vcpu, KVM_SET_SIGNAL_MASK, (unsigned long)km) == 0, "KVM_SET_SIGNAL_MASK(empty set)");
		sigemptyset(&blocked);
		sigaddset(&blocked, SIGALRM);
		pthread_sigmask(SIG_BLOCK, &blocked, NULL);
		r = run_until_signal(vcpu, 50000);
		sigpending(&pending);
		check(r == -EINTR && run->exit_reason == KVM_EXIT_INTR && sigismember(&pending, SIGALRM) && !got_alarm,
		      "a signal the thread blocks ends KVM_RUN under the vCPU's mask, and stays pending after it: %s",
		      err_name(r));
		pthread_sigmask(SIG_UNBLOCK, &blocked, NULL);
		check(got_alarm, "delivered once the thread unblocks it");
		kioctl(vcpu, KVM_SET_SIGNAL_MASK, 0);
		free(km);
	}
	check(read_counter("exits") > 0 && read_counter("mmio_exit_user") >= 4 && read_counter("signal_exits") >= 1,
	      "debugfs: exits %lld, mmio_exit_user %lld, wfi_exit_stat %lld, hvc_exit_stat %lld, signal_exits %lld",
	      read_counter("exits"), read_counter("mmio_exit_user"), read_counter("wfi_exit_stat"),
	      read_counter("hvc_exit_stat"), read_counter("signal_exits"));
	munmap(run, (size_t)mmap_size);
out:
	close(vcpu);
	close(vm);
	munmap(mem, GUEST_SIZE);
	check_counters_back(&base, "the guest");
}

void *vcpu_thread_run(void *arg)
{
	struct vcpu_thread *t = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(t->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	t->r = kioctl(t->fd, KVM_RUN, 0);
	return NULL;
}

/* PSCI CPU_ON: vCPU 1 sleeps powered off in KVM_RUN; vCPU 0 switches it on (keel's WAKE exit kicks it). */
static void test_cpu_on(void)
{
	struct counters base = counters_now();
	int vm = create_vm(0), vcpu0, vcpu1;
	long mmap_size = kioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0), r;
	struct kvm_userspace_memory_region mr;
	struct vcpu_thread t1;
	struct kvm_run *run0, *run1;
	struct timespec ts;
	pthread_t th;
	uint64_t v;
	void *mem;

	mem = mmap(NULL, GUEST_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memcpy(mem, guest_code, (size_t)((const char *)guest_code_end - (const char *)guest_code));
	mr = (struct kvm_userspace_memory_region){ .slot = 0, .guest_phys_addr = GUEST_RAM,
						   .memory_size = GUEST_SIZE, .userspace_addr = (uintptr_t)mem };
	kioctl(vm, KVM_SET_USER_MEMORY_REGION, (unsigned long)&mr);
	vcpu0 = (int)kioctl(vm, KVM_CREATE_VCPU, 0);
	vcpu1 = (int)kioctl(vm, KVM_CREATE_VCPU, 1);
	vcpu_init(vcpu0, preferred_target(vm), 1U << KVM_ARM_VCPU_PSCI_0_2, 0);
	vcpu_init(vcpu1, preferred_target(vm), 1U << KVM_ARM_VCPU_PSCI_0_2 | 1U << KVM_ARM_VCPU_POWER_OFF, 0);
	run0 = mmap(NULL, (size_t)mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu0, 0);
	run1 = mmap(NULL, (size_t)mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu1, 0);
	v = GUEST_RAM + (uint64_t)((const char *)guest_cpu_on - (const char *)guest_code);
	set_reg(vcpu0, CORE(regs.pc), &v);

	/* On vCPU 0's CPU: it runs once vCPU 0's thread waits for it, whatever the other CPU does. */
	t1 = (struct vcpu_thread){ .fd = vcpu1, .cpu = 0, .r = 1 };
	/* vCPU 1 sleeps powered off in KVM_RUN, or has not got there yet: either way CPU_ON reaches it. */
	pthread_create(&th, NULL, vcpu_thread_run, &t1);
	r = run_timeout(vcpu0, GUARD_US);
	check(r == 0 && run0->exit_reason == KVM_EXIT_MMIO && run0->mmio.phys_addr == GUEST_MMIO + 40 &&
		      *(uint64_t *)run0->mmio.data == 0,
	      "vCPU 0: PSCI CPU_ON of vCPU 1 returned %lld (exit %u, want MMIO write of 0)",
	      (long long)*(uint64_t *)run0->mmio.data, run0->exit_reason);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	if (pthread_timedjoin_np(th, NULL, &ts)) {
		pthread_kill(th, SIGALRM);
		pthread_join(th, NULL);
	}
	check(t1.r == 0 && run1->exit_reason == KVM_EXIT_MMIO && run1->mmio.phys_addr == GUEST_MMIO + 48 &&
		      *(uint64_t *)run1->mmio.data == 0x55,
	      "vCPU 1 woke in its KVM_RUN and started at the entry with x0 = 0x%llx (ret %s, exit %u; want 0x55)",
	      (unsigned long long)*(uint64_t *)run1->mmio.data, err_name(t1.r), run1->exit_reason);
	check(mp_state(vcpu1) == KVM_MP_STATE_RUNNABLE, "vCPU 1 is RUNNABLE (%ld)", mp_state(vcpu1));
	munmap(run0, (size_t)mmap_size);
	munmap(run1, (size_t)mmap_size);
	close(vcpu0);
	close(vcpu1);
	close(vm);
	munmap(mem, GUEST_SIZE);
	check_counters_back(&base, "the CPU_ON test");
}

/* Debug registers keel emulates; a trapped register it does not (PMCR_EL0, no PMU): the guest gets undef. */
static void test_undef_sysreg(void)
{
	int vm = create_vm(0), vcpu;
	long mmap_size = kioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0), r;
	struct kvm_userspace_memory_region mr;
	struct kvm_run *run;
	uint64_t v;
	void *mem;

	mem = mmap(NULL, GUEST_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memcpy(mem, guest_code, (size_t)((const char *)guest_code_end - (const char *)guest_code));
	memcpy((char *)mem + 0x1200, guest_undef_handler,
	       (size_t)((const char *)guest_undef_handler_end - (const char *)guest_undef_handler));
	mr = (struct kvm_userspace_memory_region){ .slot = 0, .guest_phys_addr = GUEST_RAM,
						   .memory_size = GUEST_SIZE, .userspace_addr = (uintptr_t)mem };
	kioctl(vm, KVM_SET_USER_MEMORY_REGION, (unsigned long)&mr);
	vcpu = (int)kioctl(vm, KVM_CREATE_VCPU, 0);
	vcpu_init(vcpu, preferred_target(vm), 1U << KVM_ARM_VCPU_PSCI_0_2, 0);
	run = mmap(NULL, (size_t)mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	v = GUEST_RAM + (uint64_t)((const char *)guest_undef - (const char *)guest_code);
	set_reg(vcpu, CORE(regs.pc), &v);
	r = run_timeout(vcpu, GUARD_US);
	check(r == 0 && run->exit_reason == KVM_EXIT_MMIO && run->mmio.phys_addr == GUEST_MMIO + 56 &&
		      *(uint64_t *)run->mmio.data == 0x2000000,
	      "MRS of an unemulated trapped register: the guest took undef (ESR_EL1 0x%llx, want 0x2000000; exit %u)",
	      (unsigned long long)*(uint64_t *)run->mmio.data, run->exit_reason);
	check(reg64(vcpu, SYSREG(2, 0, 0, 1, 4)) == 0x1234, "the guest's DBGBVR1_EL1 write is what GET_ONE_REG reads");
	check(reg64(vcpu, SYSREG(2, 0, 1, 1, 4)) == 0xa, "the guest's OSLAR_EL1 write set OSLSR_EL1.OSLK (0x%llx)",
	      (unsigned long long)reg64(vcpu, SYSREG(2, 0, 1, 1, 4)));
	munmap(run, (size_t)mmap_size);
	close(vcpu);
	close(vm);
	munmap(mem, GUEST_SIZE);
}

/*
 * An MMIO access without instruction syndrome (LDP): KVM_EXIT_ARM_NISV with KVM_CAP_ARM_NISV_TO_USER,
 * else KVM_RUN fails with -ENOSYS as KVM 6.1's io_mem_abort() does, and again on the next run.
 */
static void test_nisv(void)
{
	long mmap_size = kioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0), r;
	struct kvm_enable_cap cap = { .cap = KVM_CAP_ARM_NISV_TO_USER };
	void *mem = mmap(NULL, GUEST_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	memcpy(mem, guest_code, (size_t)((const char *)guest_code_end - (const char *)guest_code));
	for (int with_cap = 0; with_cap < 2; with_cap++) {
		int vm = create_vm(0), vcpu;
		struct kvm_userspace_memory_region mr = { .slot = 0, .guest_phys_addr = GUEST_RAM,
							  .memory_size = GUEST_SIZE,
							  .userspace_addr = (uintptr_t)mem };
		struct kvm_run *run;
		uint64_t pc = GUEST_RAM + (uint64_t)((const char *)guest_nisv - (const char *)guest_code);

		if (with_cap)
			kioctl(vm, KVM_ENABLE_CAP, (unsigned long)&cap);
		kioctl(vm, KVM_SET_USER_MEMORY_REGION, (unsigned long)&mr);
		vcpu = (int)kioctl(vm, KVM_CREATE_VCPU, 0);
		vcpu_init(vcpu, preferred_target(vm), 1U << KVM_ARM_VCPU_PSCI_0_2, 0);
		run = mmap(NULL, (size_t)mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
		set_reg(vcpu, CORE(regs.pc), &pc);
		r = run_timeout(vcpu, GUARD_US);
		if (with_cap) {
			check(r == 0 && run->exit_reason == KVM_EXIT_ARM_NISV &&
				      run->arm_nisv.fault_ipa == GUEST_MMIO + 64,
			      "LDP from MMIO with NISV_TO_USER: KVM_EXIT_ARM_NISV at the IPA (%s, exit %u, ipa 0x%llx)",
			      err_name(r), run->exit_reason, (unsigned long long)run->arm_nisv.fault_ipa);
		} else {
			check(r == -ENOSYS, "LDP from MMIO without NISV_TO_USER: KVM_RUN %s (want -ENOSYS, as KVM)",
			      err_name(r));
			r = run_timeout(vcpu, GUARD_US);
			check(r == -ENOSYS && reg64(vcpu, CORE(regs.pc)) == pc + 4,
			      "again: %s, the guest still on the LDP", err_name(r));
		}
		munmap(run, (size_t)mmap_size);
		close(vcpu);
		close(vm);
	}
	munmap(mem, GUEST_SIZE);
}

/* KVM_RUN without guest memory: every fetch faults in the guest (keel injects the abort), so the
 * vCPU runs until a host interrupt; exits, signals and the powered-off wait work all the same. */
static void test_run_nomem(void)
{
	struct counters base = counters_now();
	int vm = create_vm(0), vcpu = (int)kioctl(vm, KVM_CREATE_VCPU, 0), vcpu1;
	long mmap_size = kioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0), r;
	struct kvm_run *run;
	char buf[16384];
	ssize_t n;
	int fd;

	vcpu_init(vcpu, preferred_target(vm), 1U << KVM_ARM_VCPU_PSCI_0_2, 0);
	run = mmap(NULL, (size_t)mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	check(run != MAP_FAILED, "mmap of the vCPU fd");
	if (run == MAP_FAILED)
		goto out;
	void *p1 = mmap(NULL, (size_t)mmap_size, PROT_READ, MAP_SHARED, vcpu, (off_t)mmap_size);
	check(p1 != MAP_FAILED, "mmap at page 1 is allowed (a touch would SIGBUS: no coalesced-MMIO page)");
	if (p1 != MAP_FAILED)
		munmap(p1, (size_t)mmap_size);

	run->immediate_exit = 1;
	run->exit_reason = 0x77;
	r = kioctl(vcpu, KVM_RUN, 0);
	check(r == -EINTR && run->exit_reason == 0x77,
	      "KVM_RUN with immediate_exit: %s, exit_reason untouched (%u) as arm64 KVM", err_name(r), run->exit_reason);
	run->immediate_exit = 0;

	write_file(TRACEFS "/trace", "");
	write_file(TRACEFS "/events/keel_kvm/enable", "1");
	r = run_until_signal(vcpu, 100000);
	check(r == -EINTR && run->exit_reason == KVM_EXIT_INTR && got_alarm,
	      "a signal ends KVM_RUN of a guest faulting without memory: %s, exit %u (want -EINTR, KVM_EXIT_INTR)",
	      err_name(r), run->exit_reason);
	write_file(TRACEFS "/events/keel_kvm/enable", "0");
	fd = open(TRACEFS "/trace", O_RDONLY);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	check(strstr(buf, "keel_vcpu_entry:") && strstr(buf, "keel_vcpu_exit:") && strstr(buf, "(mem_fault)"),
	      "entries and exits are traced (keel_vcpu_entry, keel_vcpu_exit ... (mem_fault))");
	check(read_counter("exits") > 0 && read_counter("irq_exits") > 0 && read_counter("signal_exits") > 0,
	      "debugfs: exits %lld, irq_exits %lld, signal_exits %lld", read_counter("exits"),
	      read_counter("irq_exits"), read_counter("signal_exits"));

	/* A powered-off vCPU sleeps in KVM_RUN until a signal. */
	vcpu1 = (int)kioctl(vm, KVM_CREATE_VCPU, 1);
	vcpu_init(vcpu1, preferred_target(vm), 1U << KVM_ARM_VCPU_PSCI_0_2 | 1U << KVM_ARM_VCPU_POWER_OFF, 0);
	long long exits = read_counter("exits");
	r = run_until_signal(vcpu1, 100000);
	check(r == -EINTR && got_alarm, "a powered-off vCPU waits in KVM_RUN until a signal: %s", err_name(r));
	check(read_counter("exits") - exits < 10, "it slept rather than spun (%lld exits)", read_counter("exits") - exits);
	close(vcpu1);
	munmap(run, (size_t)mmap_size);
out:
	close(vcpu);
	close(vm);
	check_counters_back(&base, "the runs without memory");
}

void test_vcpus(void)
{
	test_vcpu_caps();
	test_create_vcpu();
	test_vcpu_init();
	test_one_reg();
	test_irq_line();
	/*
	 * keel disables CNTV when a guest exits; a host still on the virtual
	 * timer (keel put no guest-timer PPI in /hypervisor for the shim) would
	 * lose its tick on that CPU. KVMTEST_RUN_GUESTS=1 runs them anyway.
	 */
	if (!host_has_guest_timer_irq() && !getenv("KVMTEST_RUN_GUESTS")) {
		printf("# KVM_RUN tests skipped: the host still uses the virtual timer (no keel-guest-vtimer interrupt)\n");
		return;
	}
	test_run_nomem();
	test_guest();
	test_cpu_on();
	test_undef_sysreg();
	test_nisv();
	test_guest_states();
	test_ioeventfd();
	test_hypercalls();
}

/*
 * What a guest or VMM sees that must be what Linux KVM 6.1 gives: run under keel by test_vcpus(), and
 * alone (kvmtest --reference) over Linux's own KVM by tests/kvm/nokeel-check.sh, so that the
 * expectations are checked against the reference on every run.
 */
/* KVM_CAP_HALT_POLL: the VM's longest halt poll (kvm_vm_ioctl_enable_cap_generic()). */
void test_halt_poll(void)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_HALT_POLL, .args = { 1ULL << 32 } };
	int vm = create_vm(0);

	check(kioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_HALT_POLL) == 1 &&
		      kioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_HALT_POLL) == 1,
	      "KVM_CAP_HALT_POLL = 1 (system and VM fd)");
	check(kioctl(vm, KVM_ENABLE_CAP, (unsigned long)&cap) == -EINVAL, "KVM_CAP_HALT_POLL of 2^32 ns: -EINVAL");
	cap.args[0] = 1000;
	cap.flags = 1;
	check(kioctl(vm, KVM_ENABLE_CAP, (unsigned long)&cap) == -EINVAL, "KVM_CAP_HALT_POLL with flags: -EINVAL");
	cap.flags = 0;
	check(kioctl(vm, KVM_ENABLE_CAP, (unsigned long)&cap) == 0, "KVM_CAP_HALT_POLL: 1000 ns for this VM");
	cap.args[0] = 0;
	check(kioctl(vm, KVM_ENABLE_CAP, (unsigned long)&cap) == 0, "KVM_CAP_HALT_POLL: 0, no polling");
	close(vm);
}

void test_reference(void)
{
	test_halt_poll();
	test_nisv();
	test_guest_states();
	test_ioeventfd();
	test_sync_mmu(false);
	test_ksm(false);
	test_guest_debug();
	test_vgic();
	test_its();
	test_pmu(false);
}

/* ---- a VM running given code (kvmtest_hcall.c, kvmtest_states.c, kvmtest_facts.c) ------------------- */

int code_vm_open(struct code_vm *g, const void *code, const void *code_end)
{
	return code_vm_open_features(g, code, code_end, 1U << KVM_ARM_VCPU_PSCI_0_2);
}

int code_vm_open_features(struct code_vm *g, const void *code, const void *code_end, uint32_t features)
{
	struct kvm_userspace_memory_region mr = { .slot = 0, .guest_phys_addr = GUEST_RAM, .memory_size = GUEST_SIZE };

	*g = (struct code_vm){ .vm = -1, .vcpu = -1, .run = MAP_FAILED };
	g->mmap_size = kioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	g->mem = mmap(NULL, GUEST_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	g->vm = create_vm(0);
	if (g->mem == MAP_FAILED || g->vm < 0)
		return -1;
	memcpy(g->mem, code, (size_t)((const char *)code_end - (const char *)code));
	mr.userspace_addr = (uintptr_t)g->mem;
	if (kioctl(g->vm, KVM_SET_USER_MEMORY_REGION, (unsigned long)&mr))
		return -1;
	g->vcpu = (int)kioctl(g->vm, KVM_CREATE_VCPU, 0);
	if (g->vcpu < 0 || vcpu_init(g->vcpu, preferred_target(g->vm), features, 0))
		return -1;
	g->run = mmap(NULL, (size_t)g->mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, g->vcpu, 0);
	return g->run == MAP_FAILED ? -1 : 0;
}

void code_vm_close(struct code_vm *g)
{
	if (g->run != MAP_FAILED)
		munmap(g->run, (size_t)g->mmap_size);
	if (g->vcpu >= 0)
		close(g->vcpu);
	if (g->vm >= 0)
		close(g->vm);
	if (g->mem != MAP_FAILED)
		munmap(g->mem, GUEST_SIZE);
}

/* ---- guest memory touched by a guest (kvmtest_mem.c) ---------------------------------------------- */

/*
 * x0 = first IPA, x1 = pages, x2 = a value, x4 = bytes from one page to the
 * next: load a word from each page (faulting it in) and, if x2 is not 0,
 * store x2 there; then an MMIO write.
 */
extern const uint32_t guest_toucher[], guest_toucher_end[];
__asm__(".pushsection .rodata\n"
	".balign 4\n"
	".global guest_toucher\n"
	"guest_toucher:\n"
	"1:	ldr x3, [x0]\n"
	"	cbz x2, 2f\n"
	"	str x2, [x0]\n"
	"2:	add x0, x0, x4\n"
	"	subs x1, x1, #1\n"
	"	b.ne 1b\n"
	"	movz x5, #0x1000, lsl #16\n"
	"	str x1, [x5]\n"
	"	b .\n"
	".global guest_toucher_end\n"
	"guest_toucher_end:\n"
	".popsection\n");

long guest_touch(int vm, unsigned vcpu_id, uint64_t code_gpa, void *code_hva, uint64_t gpa, uint64_t npages)
{
	return guest_walk(vm, vcpu_id, code_gpa, code_hva, gpa, npages, 0, 4096);
}

long guest_write(int vm, unsigned vcpu_id, uint64_t code_gpa, void *code_hva, uint64_t gpa, uint64_t npages,
		 uint64_t value)
{
	return guest_walk(vm, vcpu_id, code_gpa, code_hva, gpa, npages, value, 4096);
}

long guest_walk(int vm, unsigned vcpu_id, uint64_t code_gpa, void *code_hva, uint64_t gpa, uint64_t npages,
		uint64_t value, uint64_t stride)
{
	return guest_walk_read(vm, vcpu_id, code_gpa, code_hva, gpa, npages, value, stride, NULL);
}

long guest_read(int vm, unsigned vcpu_id, uint64_t code_gpa, void *code_hva, uint64_t gpa, uint64_t *val)
{
	return guest_walk_read(vm, vcpu_id, code_gpa, code_hva, gpa, 1, 0, 4096, val);
}

long guest_walk_read(int vm, unsigned vcpu_id, uint64_t code_gpa, void *code_hva, uint64_t gpa, uint64_t npages,
		     uint64_t value, uint64_t stride, uint64_t *last)
{
	long mmap_size = kioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0), r;
	int vcpu = (int)kioctl(vm, KVM_CREATE_VCPU, vcpu_id);
	struct kvm_run *run;

	if (vcpu < 0)
		return vcpu;
	memcpy(code_hva, guest_toucher, (size_t)((const char *)guest_toucher_end - (const char *)guest_toucher));
	r = vcpu_init(vcpu, preferred_target(vm), 1U << KVM_ARM_VCPU_PSCI_0_2, 0);
	if (!r)
		r = set_reg(vcpu, CORE(regs.pc), &code_gpa);
	if (!r)
		r = set_reg(vcpu, CORE(regs.regs[0]), &gpa);
	if (!r)
		r = set_reg(vcpu, CORE(regs.regs[1]), &npages);
	if (!r)
		r = set_reg(vcpu, CORE(regs.regs[2]), &value);
	if (!r)
		r = set_reg(vcpu, CORE(regs.regs[4]), &stride);
	run = mmap(NULL, (size_t)mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (!r && run == MAP_FAILED)
		r = -ENOMEM;
	if (!r)
		r = run_timeout(vcpu, GUARD_US);
	if (!r && (run->exit_reason != KVM_EXIT_MMIO || run->mmio.phys_addr != GUEST_MMIO))
		r = -EIO;
	if (!r && last)
		r = get_reg(vcpu, CORE(regs.regs[3]), last);
	if (run != MAP_FAILED)
		munmap(run, (size_t)mmap_size);
	close(vcpu);
	return r;
}

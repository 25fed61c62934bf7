/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the KVM API test program's parts (kvmtest.c: system and VM
 * fds; kvmtest_mem.c: memory slots; kvmtest_vcpu.c: vCPUs and KVM_RUN).
 */
#ifndef KVMTEST_H
#define KVMTEST_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#define DEBUGFS "/sys/kernel/debug/kvm"
#define TRACEFS "/sys/kernel/tracing"
#define KVM_MINOR_EXPECTED 232 /* KVM_MINOR, <linux/miscdevice.h> */
#define SHIM_MODULE "shim"

extern unsigned passed, failed;
extern int kvm_fd;   /* /dev/kvm */
extern long max_ipa; /* KVM_CAP_ARM_VM_IPA_SIZE */

/* One "ok - ..." or "FAIL - ..." line. */
void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* ioctl returning -errno on failure, as the kernel does. */
long kioctl(int fd, unsigned long req, unsigned long arg);
/* KVM_{SET,GET,HAS}_DEVICE_ATTR (req) of group/attr on a device or vCPU fd, val its value: 0 or -errno */
long dev_attr(int fd, unsigned long req, uint32_t group, uint64_t attr, void *val);
const char *err_name(long r);
int create_vm(unsigned long type);
/* Write s to a file (sysfs, cgroupfs): 0 or -errno. */
int write_file(const char *path, const char *s);

/* keel's counters in debugfs (vm_count, hyp_pages_free, ...) */
#define NR_COUNTERS 7
extern const char *const counter_names[NR_COUNTERS];
struct counters {
	long long v[NR_COUNTERS];
};
long long read_counter(const char *name);
struct counters counters_now(void);
long long counter(const struct counters *c, const char *name);
/* Every counter back to its value in base (one check). */
void check_counters_back(const struct counters *base, const char *after);

/* The parts */
void test_memory(void);     /* kvmtest_mem.c */
void test_vcpus(void);      /* kvmtest_vcpu.c */
void test_reference(void);  /* kvmtest_vcpu.c: guest behaviour that must be Linux KVM's (kvmtest --reference) */
void test_halt_poll(void);  /* kvmtest_vcpu.c: KVM_CAP_HALT_POLL */
void test_hypercalls(void); /* kvmtest_hcall.c, from test_vcpus() */
int print_facts(void);        /* kvmtest_facts.c: kvmtest --facts */
int run_fuzz(uint64_t seed, unsigned rounds); /* kvmtest_fuzz.c: kvmtest --fuzz SEED ROUNDS */
int run_churn(unsigned n);                     /* kvmtest_fuzz.c: kvmtest --churn N */
void test_guest_states(void); /* kvmtest_states.c: AArch32 EL0, PSTATE.IL (also in test_reference()) */
void test_ioeventfd(void);    /* kvmtest_eventfd.c: KVM_IOEVENTFD (also in test_reference()) */
void test_sync_mmu(bool keel);
void test_ksm(bool keel);      /* kvmtest_mem.c: KSM replacing pages under a guest (also in test_reference()) */
void test_guest_debug(void);  /* kvmtest_debug.c: KVM_SET_GUEST_DEBUG (also in test_reference()) */
void test_vgic(void);         /* kvmtest_vgic.c: the in-kernel GICv3 (also in test_reference()) */
void test_vgic_active(void);  /* kvmtest_active.c: active states across running vCPUs (from test_vgic()) */
void test_its(void);          /* kvmtest_its.c: its ITS (also in test_reference()) */
void test_pmu(bool keel);     /* kvmtest_pmu.c: the guest PMU (also in test_reference()) */ /* kvmtest_mem.c: the guest follows the VMM's mm (also in test_reference()) */

/*
 * Guest assembly shared by the GIC tests: the CPU interface on (ICC_PMR_EL1 0xff, ICC_IGRPEN1_EL1 1),
 * IRQs unmasked, 1 reported at [x22] (GUEST_MMIO: "ready"), then WFI for ever (label 0).
 */
#define GUEST_ICC_ON_READY_WFI \
	"	mov x1, #0xff\n" \
	"	msr S3_0_C4_C6_0, x1\n" \
	"	mov x1, #1\n" \
	"	msr S3_0_C12_C12_7, x1\n" \
	"	isb\n" \
	"	msr daifclr, #2\n" \
	"	str x1, [x22]\n" \
	"0:	wfi\n" \
	"	b 0b\n"

/* vCPU helpers (kvmtest_vcpu.c) */
/* A VM with GUEST_SIZE of memory at GUEST_RAM holding [code, code_end), vCPU 0 initialised (PSCI 0.2), its kvm_run. */
struct code_vm {
	int vm, vcpu;
	struct kvm_run *run;
	long mmap_size;
	uint8_t *mem;
};
int code_vm_open(struct code_vm *g, const void *code, const void *code_end); /* 0, or -1 (close it anyway) */
/* The same with these KVM_ARM_VCPU_INIT features (code_vm_open: PSCI 0.2). */
int code_vm_open_features(struct code_vm *g, const void *code, const void *code_end, uint32_t features);
void code_vm_close(struct code_vm *g);
#define CORE(name) (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | KVM_REG_ARM_CORE_REG(name))
#define GUEST_RAM 0x40000000UL  /* the test guests' memory and code */
#define GUEST_MMIO 0x10000000UL /* where they report to the test by MMIO writes */
#define GUEST_SIZE 0x10000UL
#define GUARD_US 5000000 /* no single KVM_RUN of a test guest takes this long */
long get_reg(int vcpu, uint64_t id, void *val);
long set_reg(int vcpu, uint64_t id, const void *val);
uint64_t reg64(int vcpu, uint64_t id);
long vcpu_init(int vcpu, uint32_t target, uint32_t f0, uint32_t f1);
uint32_t preferred_target(int vm);
/* KVM_RUN, ended by a signal after timeout_us if it has not returned by then (got_alarm says it came). */
long run_timeout(int vcpu, unsigned timeout_us);
/* A thread that runs KVM_RUN once on fd, pinned to cpu; r its result. */
struct vcpu_thread {
	int fd, cpu;
	long r;
};
void *vcpu_thread_run(void *arg);
extern volatile sig_atomic_t got_alarm;
/* A vCPU vcpu_id of vm runs code at code_gpa (copied to code_hva) that reads one word of each of npages pages
 * from gpa on, then writes to MMIO: 0 when it got there, else a negative errno (KVM_RUN's, or -EIO). */
long guest_touch(int vm, unsigned vcpu_id, uint64_t code_gpa, void *code_hva, uint64_t gpa, uint64_t npages);
/* The same, storing value (not 0) into the first word of each page after reading it. */
long guest_write(int vm, unsigned vcpu_id, uint64_t code_gpa, void *code_hva, uint64_t gpa, uint64_t npages,
		 uint64_t value);
/* Any of it: each of the npages pages stride bytes after the last. */
long guest_walk(int vm, unsigned vcpu_id, uint64_t code_gpa, void *code_hva, uint64_t gpa, uint64_t npages,
		uint64_t value, uint64_t stride);
/* Any of it, and the last word read in *last (if not NULL). */
long guest_walk_read(int vm, unsigned vcpu_id, uint64_t code_gpa, void *code_hva, uint64_t gpa, uint64_t npages,
		     uint64_t value, uint64_t stride, uint64_t *last);
/* The word the guest reads at gpa. */
long guest_read(int vm, unsigned vcpu_id, uint64_t code_gpa, void *code_hva, uint64_t gpa, uint64_t *val);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shim's internal interfaces: hypercalls to keel, the VM object, the
 * /dev/kvm device, debugfs statistics.
 */
#ifndef KEEL_SHIM_H
#define KEEL_SHIM_H

#include <linux/arm-smccc.h>
#include <linux/kvm.h>
#include <linux/types.h>

#include <keel/abi.h>

#define KEEL_PR_PREFIX "keel-kvm: "

/* Results of a keel hypercall: x1..x3. */
struct keel_res {
	u64 r[3];
};

/*
 * Call keel function fn with arguments a1, a2 (every other argument register
 * is 0, as keel requires). Returns 0 or a negative errno from keel; -ENOSYS
 * if keel does not know the function (an older keel).
 */
static inline long keel_hvc(enum keel_hc fn, u64 a1, u64 a2, struct keel_res *out)
{
	struct arm_smccc_res res;
	long ret;

	arm_smccc_1_1_hvc(KEEL_HC(fn), a1, a2, 0UL, 0UL, 0UL, 0UL, &res);
	ret = (long)res.a0;
	if (ret == SMCCC_RET_NOT_SUPPORTED)
		return -ENOSYS;
	if (out) {
		out->r[0] = res.a1;
		out->r[1] = res.a2;
		out->r[2] = res.a3;
	}
	return ret;
}

/* What module init learned about keel. */
struct keel_info {
	u32 abi;            /* KEEL_ABI_VERSION keel speaks */
	unsigned int nr_cpus;
	u64 cpus_mask;      /* CPUs under keel, keel's numbering */
	unsigned int max_ipa_bits;
	unsigned int max_vms;
};
extern struct keel_info keel_info;
/* Set by the reboot notifier: no new VMs from then on. */
extern bool keel_rebooting;

/*
 * A VM: the keel VM behind one "kvm-vm" file. Destroyed (in keel too) when
 * the last reference to the file goes: close, exit, kill.
 */
struct keel_vm {
	u64 handle;             /* keel's VM handle */
	unsigned int ipa_bits;
	u64 page_limit;
	struct mm_struct *mm;   /* the creator's: the VM's ioctls are refused in another process */
	pid_t pid;
};

/*
 * The vCPU object, allocated from the "kvm_vcpu" kmem cache as kvm_init()
 * creates it. vCPUs come with a later part of the ABI; the cache exists
 * now so module init and exit keep KVM's order. arch is the part that may
 * be copied to and from userspace (usercopy region).
 */
struct keel_vcpu {
	struct keel_vm *vm;
	unsigned int vcpu_id;
	struct {
		u64 regs[31];
		u64 sp, pc, pstate;
	} arch;
};

/* dev.c */
extern struct miscdevice keel_kvm_dev;
long keel_check_extension(long cap);

/* stats.c */
void keel_debugfs_init(void);
void keel_debugfs_exit(void);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shim's internal interfaces: hypercalls to keel, the VM object, the
 * /dev/kvm device, debugfs statistics.
 */
#ifndef KEEL_SHIM_H
#define KEEL_SHIM_H

#include <linux/arm-smccc.h>
#include <linux/kvm.h>
#include <linux/hrtimer.h>
#include <linux/mutex.h>
#include <linux/signal.h>
#include <linux/types.h>
#include <linux/wait.h>

#include <keel/abi.h>

#define KEEL_PR_PREFIX "keel-kvm: "

/* Results of a keel hypercall: x1..x3. */
struct keel_res {
	u64 r[3];
};

/*
 * Call keel function fn with arguments a1..a5 (every other argument register
 * is 0, as keel requires). Returns 0 or a negative errno from keel; -ENOSYS
 * if keel does not know the function (an older keel).
 */
static inline long keel_hvc5(enum keel_hc fn, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5, struct keel_res *out)
{
	struct arm_smccc_res res;
	long ret;

	arm_smccc_1_1_hvc(KEEL_HC(fn), a1, a2, a3, a4, a5, 0UL, &res);
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

static inline long keel_hvc4(enum keel_hc fn, u64 a1, u64 a2, u64 a3, u64 a4, struct keel_res *out)
{
	return keel_hvc5(fn, a1, a2, a3, a4, 0, out);
}

static inline long keel_hvc(enum keel_hc fn, u64 a1, u64 a2, struct keel_res *out)
{
	return keel_hvc5(fn, a1, a2, 0, 0, 0, out);
}

/*
 * memcache.c: the pages keel holds for a VM. keel_vm_donate_first creates the
 * keel VM (KEEL_HC_VM_CREATE) in pages donated for it; keel_vm_hvc_pages
 * makes a call on the VM (x1 = its handle) that may ask for more pages
 * (VM_MAP, VCPU_CREATE) and donates them until it succeeds or the host is
 * out of memory (-ENOMEM, the VMM's memory cgroup included); after
 * VM_DESTROY keel_vm_donated_free frees them (or, if keel did not give them
 * back, leaves them alone).
 */
struct keel_vm;
long keel_vm_donate_first(struct keel_vm *vm, unsigned int ipa_bits, struct keel_res *res);
long keel_vm_hvc_pages(struct keel_vm *vm, enum keel_hc fn, u64 a2, u64 a3, u64 a4, u64 a5, struct keel_res *out);
void keel_vm_donated_free(struct keel_vm *vm, bool given_back);

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

/* Per-vCPU counters, summed in debugfs under KVM's names (vcpu.c) */
enum keel_vstat {
	KEEL_VSTAT_EXITS, KEEL_VSTAT_MMIO_USER, KEEL_VSTAT_MMIO_KERNEL, KEEL_VSTAT_WFI,
	KEEL_VSTAT_WFE, KEEL_VSTAT_HVC, KEEL_VSTAT_SIGNAL, KEEL_VSTAT_HALT_WAKEUP, KEEL_VSTAT_IRQ,
	KEEL_VSTAT_SYSEVENT, KEEL_VSTAT_NR,
};

/*
 * A VM: the keel VM behind one "kvm-vm" file. Destroyed (in keel too) when
 * the last reference to the file goes: close, exit, kill.
 */
struct keel_vm {
	u64 handle;             /* keel's VM handle */
	unsigned int ipa_bits;
	/* Pages donated to keel for this VM (memcache.c), freed once keel gave them back */
	void *first;            /* KEEL_HC_VM_CREATE's pages */
	size_t first_size;
	struct mutex donate_lock; /* the list below and donate_list */
	struct list_head donated; /* KEEL_HC_VM_TOPUP's pages, by page->lru */
	unsigned long nr_donated;
	u64 *donate_list;       /* one page: the PAs of a KEEL_HC_VM_TOPUP call */
	struct mm_struct *mm;   /* the creator's: the VM's ioctls are refused in another process */
	pid_t pid;
	struct file *filp;      /* the VM file: each vCPU file holds a reference (kvm_get_kvm) */
	/* vCPUs (vcpu.c): created under lock, never removed before the VM goes */
	struct mutex lock;
	struct keel_vcpu *vcpus[KEEL_MAX_VCPUS]; /* by vcpu_idx, creation order */
	unsigned int nr_vcpus;
	u64 cntvoff;            /* one virtual-counter offset for every vCPU (update_vtimer_cntvoff) */
	u64 psci_version;       /* KVM_REG_ARM_PSCI_VERSION for vCPUs with PSCI 0.2 */
	u8 csv2, csv3;          /* ID_AA64PFR0_EL1.CSV2/CSV3 the guest sees */
	bool has_run;           /* a vCPU entered KVM_RUN: the firmware bitmaps are fixed (under lock) */
	/* KVM_REG_ARM_{STD,STD_HYP,VENDOR_HYP}_BMAP: guest call families offered (hypercalls.c) */
	unsigned long std_bmap, std_hyp_bmap, vendor_hyp_bmap;
	bool nisv_to_user;      /* KVM_CAP_ARM_NISV_TO_USER enabled */
	bool system_suspend;    /* KVM_CAP_ARM_SYSTEM_SUSPEND enabled: PSCI SYSTEM_SUSPEND exits to the VMM */
	u64 manual_dirty_log_protect; /* KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2's KVM_DIRTY_LOG_* (memslot.c) */
	struct keel_memslots *memslots; /* memslot.c */
	/* debugfs kvm/<pid>-<fd>/: this VM's counters, where kvm_stat reads them (stats.c) */
	struct dentry *debugfs;
	struct keel_vm_stat_file {
		struct keel_vm *vm;
		unsigned int stat;
	} stat_files[KEEL_VSTAT_NR];
};

/*
 * A vCPU, allocated from the "kvm_vcpu" kmem cache as kvm_init() creates
 * it; freed with its VM. The guest state is in the context page (ctx), which
 * keel reads at KEEL_HC_VCPU_RUN and writes back at exit; arch is the part
 * kept by the shim alone (AArch32-only state keel never runs).
 */
struct keel_vcpu {
	struct keel_vm *vm;
	unsigned int vcpu_id;    /* KVM_CREATE_VCPU's id = keel's vCPU index (MPIDR) */
	unsigned int vcpu_idx;   /* creation order: KVM_IRQ_LINE's vCPU number */
	struct mutex mutex;      /* KVM's vcpu->mutex: every vCPU ioctl; KVM_RUN holds it throughout */
	struct page *ctx_page;
	struct keel_vcpu_ctx *ctx;
	struct kvm_run *run;     /* mmap'ed by userspace */
	int target;              /* -1 until KVM_ARM_VCPU_INIT */
	unsigned long features;  /* KVM_ARM_VCPU_* of the first INIT */
	bool mmio_pending;       /* a KVM_EXIT_MMIO waits for completion at the next KVM_RUN */
	bool config_dirty;       /* ctx id_regs/dbg may differ from keel's copy: no KEEL_IN_CONFIG_KEPT */
	bool sigset_active;      /* KVM_SET_SIGNAL_MASK: sigset is the thread's mask during KVM_RUN */
	sigset_t sigset;
	bool orphan;             /* its fd could not be installed */
	unsigned long irq_lines; /* bit 0 IRQ, bit 1 FIQ (KEEL_IN_VIRQ/VFIQ): KVM_IRQ_LINE, no mutex */
	/* kicks: KVM_IRQ_LINE, PSCI CPU_ON of another vCPU, system events, the WFI timer */
	struct task_struct *task; /* in KVM_RUN */
	bool in_guest;
	bool kick;
	wait_queue_head_t wq;
	struct hrtimer bg_timer;  /* the guest's timer while it waits in WFI */
	struct {
		u64 base;         /* IPA of the PV stolen-time record, ~0 if none (hypercalls.c) */
		u64 last_steal;   /* run_delay at the last update */
	} steal;
	u64 stat[KEEL_VSTAT_NR];
	struct {
		u64 spsr_aa32[4]; /* KVM_REG_ARM_CORE spsr[1..4] (abt, und, irq, fiq) */
		u64 dacr32, ifsr32, fpexc32, dbgvcr32;
	} arch;
};

/* dev.c */
extern struct miscdevice keel_kvm_dev;
long keel_check_extension(long cap);

/* vcpu.c */
int keel_vcpu_cache_init(void);
void keel_vcpu_cache_exit(void);
/* timer.c: the guest virtual-timer PPI in the host */
int keel_vtimer_init(void);
void keel_vtimer_exit(void);
void keel_vtimer_cpu_up(void);
void keel_vtimer_cpu_down(void);
long keel_vcpu_power(struct keel_vcpu *vcpu, enum keel_power op);
long keel_vm_create_vcpu(struct keel_vm *vm, u32 id);
long keel_vm_irq_line(struct keel_vm *vm, const struct kvm_irq_level *il);
void keel_vm_free_vcpus(struct keel_vm *vm, bool ctx_back);
struct dentry;
void keel_vcpu_debugfs_init(struct dentry *dir);
const char *keel_vstat_name(unsigned int i);
u64 keel_vm_vstat_sum(struct keel_vm *vm, unsigned int i);

/* timer.c: a vCPU's timers (levels as device_irq_level bits) */
void keel_vtimer_mask(bool masked);
u64 keel_timer_levels(struct keel_vcpu *vcpu);
u64 keel_timer_reported(struct keel_vcpu *vcpu);
void keel_timer_update_run(struct keel_vcpu *vcpu);
u64 keel_timer_ns(u64 ctl, u64 cnt, u64 cval); /* until it fires: 0 now, U64_MAX never */
void keel_bg_timer_start(struct keel_vcpu *vcpu, u64 ns);
enum hrtimer_restart keel_bg_timer_expire(struct hrtimer *t);
void keel_vcpu_kick(struct keel_vcpu *vcpu); /* vcpu.c: wake it, or force it out of the guest */

/* regs.c: a vCPU's registers (the caller holds vcpu->mutex) */
void keel_vm_vcpu_init(struct keel_vm *vm);
void keel_vcpu_reset(struct keel_vcpu *vcpu);
u32 keel_preferred_target(void);
long keel_vcpu_init(struct keel_vcpu *vcpu, const struct kvm_vcpu_init *init);
u64 keel_psci_version(struct keel_vcpu *vcpu);
int keel_one_reg(struct keel_vcpu *vcpu, const struct kvm_one_reg *reg, bool set);
long keel_get_reg_list(struct keel_vcpu *vcpu, struct kvm_reg_list __user *ul);

/* The physical counter now (the guests' timers count from it). */
static inline u64 keel_cntpct(void)
{
	isb();
	return read_sysreg(cntpct_el0);
}

/* hypercalls.c */
#define KEEL_FW_IDS_NR 7
extern const u64 keel_fw_ids[KEEL_FW_IDS_NR];
void keel_vm_hypercalls_init(struct keel_vm *vm);
void keel_vcpu_hypercalls_init(struct keel_vcpu *vcpu);
int keel_fw_reg(struct keel_vcpu *vcpu, const struct kvm_one_reg *reg, bool set);
void keel_vcpu_hypercall(struct keel_vcpu *vcpu);
void keel_vcpu_update_stolen_time(struct keel_vcpu *vcpu);
long keel_vcpu_pvtime_attr(struct keel_vcpu *vcpu, unsigned int ioctl, const struct kvm_device_attr *attr);

/* memslot.c */
int keel_vm_memslots_init(struct keel_vm *vm);
void keel_vm_memslots_free(struct keel_vm *vm, bool keel_released);
long keel_vm_set_memory_region(struct keel_vm *vm, const struct kvm_userspace_memory_region *mem);
long keel_vm_fault_in(struct keel_vm *vm, u64 ipa, bool write);
long keel_vm_gpa_to_hva(struct keel_vm *vm, u64 gpa, bool write, unsigned long *hva);
void keel_vm_mark_dirty(struct keel_vm *vm, u64 gpa);
void keel_vm_mem_stats(struct keel_vm *vm, u64 *pinned, u64 *unmaps);

/* binstats.c */
long keel_get_stats_fd(struct keel_vm *vm, struct keel_vcpu *vcpu);
long keel_vm_get_dirty_log(struct keel_vm *vm, const struct kvm_dirty_log *log);
long keel_vm_clear_dirty_log(struct keel_vm *vm, const struct kvm_clear_dirty_log *log);

/* stats.c */
void keel_debugfs_init(void);
void keel_debugfs_exit(void);
void keel_vm_debugfs_create(struct keel_vm *vm, int fd);
void keel_vm_debugfs_remove(struct keel_vm *vm);

#endif

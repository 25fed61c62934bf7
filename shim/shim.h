/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shim's internal interfaces, as Linux splits virt/kvm from arch/<arch>/kvm:
 * the KVM-generic part here (the /dev/kvm device, the VM and vCPU files,
 * memslots, keel's memory, statistics) and, in shim/<arch>/shim_arch.h,
 * what each arch adds: how a hypercall is made, the arch's VM and vCPU
 * state (struct keel_vm_arch, struct keel_vcpu_arch, embedded as arch), and
 * the hooks the generic code calls (keel_arch_*).
 */
#ifndef KEEL_SHIM_H
#define KEEL_SHIM_H

#include <linux/kvm.h>
#include <linux/hrtimer.h>
#include <linux/mutex.h>
#include <linux/signal.h>
#include <linux/types.h>
#include <linux/wait.h>

#include <keel/abi.h>

#define KEEL_PR_PREFIX "keel-kvm: "

/* Results of a keel hypercall after the status (arm64: x1..x3). */
struct keel_res {
	u64 r[3];
};

#include "shim_arch.h" /* shim/<arch>/: the arch's calls to keel, VM and vCPU parts, hooks */

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
long keel_vm_topup(struct keel_vm *vm, u64 n); /* donate n more pages to the VM's memcache */

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
	KEEL_VSTAT_SYSEVENT, KEEL_VSTAT_HALT_ATTEMPTED_POLL, KEEL_VSTAT_HALT_SUCCESSFUL_POLL, KEEL_VSTAT_NR,
};

/*
 * A VM: the keel VM behind one "kvm-vm" file. Destroyed (in keel too) when
 * the last reference to the file goes: close, exit, kill.
 */
#define KEEL_RESAMPLE_PINS 1024 /* irqchip 0's pins an irqfd resampler can watch (arm64: SPIs 32..1055) */

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
	unsigned int last_boosted;       /* the vCPU a spinning one yielded to last (keel_exit_wfe) */
	bool has_run;           /* a vCPU entered KVM_RUN (under lock): arm64's firmware bitmaps are fixed */
	u64 manual_dirty_log_protect; /* KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2's KVM_DIRTY_LOG_* (memslot.c) */
	unsigned int max_halt_poll_ns; /* KVM_CAP_HALT_POLL's, once override_halt_poll_ns is set */
	bool override_halt_poll_ns;
	struct keel_memslots *memslots; /* memslot.c */
	u64 memslots_gen;                /* bumped at every change of the slots (their lock), read lock-free; from 1 */
	spinlock_t ioeventfd_lock;       /* changes to the list below (eventfd.c; read under RCU) */
	struct list_head ioeventfds;     /* KVM_IOEVENTFD's */
	spinlock_t irqfd_lock;           /* the list below (irqfd.c) */
	struct list_head irqfds;         /* KVM_IRQFD's */
	struct mutex irq_lock;           /* replacing irq_routing */
	struct keel_irq_routing __rcu *irq_routing; /* KVM_SET_GSI_ROUTING's (or the arch's default) */
	struct list_head resamplers;     /* irqfd resamplers, one per GSI (RCU; changed under irq_lock) */
	unsigned long resample_pins[BITS_TO_LONGS(KEEL_RESAMPLE_PINS)]; /* irqchip 0's pins keel reports EOIs of */
	/* debugfs kvm/<pid>-<fd>/: this VM's counters, where kvm_stat reads them (stats.c) */
	struct dentry *debugfs;
	struct keel_vm_stat_file {
		struct keel_vm *vm;
		unsigned int stat;
	} stat_files[KEEL_VSTAT_NR];
	struct keel_vm_arch arch;
};

/*
 * A vCPU, allocated from the "kvm_vcpu" kmem cache as kvm_init() creates
 * it; freed with its VM. The guest state is in the context page (ctx), which
 * keel reads at KEEL_HC_VCPU_RUN and writes back at exit; arch is the arch's
 * (shim_arch.h), with the state kept by the shim alone.
 */
struct keel_vcpu {
	struct keel_vm *vm;
	unsigned int vcpu_id;    /* KVM_CREATE_VCPU's id = keel's vCPU index (MPIDR) */
	unsigned int vcpu_idx;   /* creation order: KVM_IRQ_LINE's vCPU number */
	struct mutex mutex;      /* KVM's vcpu->mutex: every vCPU ioctl; KVM_RUN holds it throughout */
	struct page *ctx_page;
	struct keel_vcpu_ctx *ctx;
	struct kvm_run *run;     /* mmap'ed by userspace */
	bool sigset_active;      /* KVM_SET_SIGNAL_MASK: sigset is the thread's mask during KVM_RUN */
	sigset_t sigset;
	bool orphan;             /* its fd could not be installed */
	/* kicks: KVM_IRQ_LINE, a guest's power-on call for another vCPU, system events, the halt timer */
	struct task_struct *task; /* in KVM_RUN */
	bool in_guest;
	bool kick;
	wait_queue_head_t wq;
	unsigned int halt_poll_ns; /* how long a halt polls before it sleeps (kvm_vcpu_halt(), grown and shrunk) */
	u64 mmio_key, mmio_gen;  /* keel_vm_mmio_fault_in(): the last access found outside the slots, and when */
	u64 stat[KEEL_VSTAT_NR];
	struct keel_vcpu_arch arch;
};

/* dev.c */
extern struct miscdevice keel_kvm_dev;
long keel_check_extension(struct keel_vm *vm, long cap); /* vm NULL: /dev/kvm's */

/* vcpu.c */
int keel_vcpu_cache_init(void);
void keel_vcpu_cache_exit(void);
long keel_vcpu_power(struct keel_vcpu *vcpu, enum keel_power op);
long keel_vm_create_vcpu(struct keel_vm *vm, u32 id);
void keel_vm_free_vcpus(struct keel_vm *vm, bool ctx_back);
struct dentry;
void keel_vcpu_debugfs_init(struct dentry *dir);
const char *keel_vstat_name(unsigned int i);
u64 keel_vm_vstat_sum(struct keel_vm *vm, unsigned int i);

void keel_vcpu_kick(struct keel_vcpu *vcpu); /* vcpu.c: wake it, or force it out of the guest */
/* vcpu.c, for the arch's exit handlers */
extern atomic64_t keel_stat[KEEL_VSTAT_NR]; /* debugfs: every vCPU's, summed as they count */
/* Inline: several at every exit. */
static inline void keel_vstat_add(struct keel_vcpu *vcpu, enum keel_vstat s, u64 n)
{
	vcpu->stat[s] += n;
	atomic64_add(n, &keel_stat[s]);
}
struct keel_vcpu *keel_vcpu_by_id(struct keel_vm *vm, unsigned int id);
void keel_vm_kick_others(struct keel_vcpu *vcpu); /* every other vCPU of the VM (system events) */
/* Blocking (kvm_vcpu_block): prepare, check for a wake-up already due, then block until a kick or a signal. */
void keel_vcpu_block_prepare(struct keel_vcpu *vcpu);
bool keel_vcpu_block(struct keel_vcpu *vcpu);
void keel_vcpu_halt(struct keel_vcpu *vcpu, u64 polled_ns);
unsigned int keel_vcpu_halt_poll_ns(struct keel_vcpu *vcpu);

/*
 * The arch's part (shim/<arch>/), as KVM's kvm_arch_* hooks. An ioctl hook
 * returns -ENOIOCTLCMD for an ioctl that is not the arch's.
 *
 * Module: keel_arch_discover finds keel before the first hypercall (arm64:
 * the device tree's /hypervisor node; x86: CPUID) and says which ABI it
 * advertises;
 * keel_arch_init/exit set up what guests need from the host (arm64: the
 * virtual-timer PPI), keel_arch_cpu_up/down per CPU.
 * System: keel_arch_dev_ioctl the arch's /dev/kvm ioctls (kvm_arch_dev_ioctl).
 * VM: keel_arch_vm_type turns KVM_CREATE_VM's type into the IPA bits keel
 * takes (or an errno); keel_arch_vm_init for a new VM;
 * keel_arch_check_extension answers the arch's capabilities, the vCPU ones
 * included (0 for unknown); keel_arch_vm_ioctl the VM fd's arch ioctls,
 * keel_arch_enable_cap KVM_ENABLE_CAP's arch caps (-EINVAL unknown),
 * keel_arch_create_device KVM_CREATE_DEVICE (cd->fd set; -ENODEV unknown type).
 * vCPU: keel_arch_vcpu_create before keel's VCPU_CREATE (an errno refuses
 * the vCPU), _created after it; keel_arch_vcpu_ioctl the vCPU fd's arch
 * ioctls (vcpu->mutex held, after keel_arch_vcpu_ioctl_begin, which every
 * ioctl, KVM_RUN too, calls first with its number).
 * KVM_RUN: _run_begin (0, or an errno) before the loop, _run_end after it;
 * each entry: _before_enter (preemptible; > 0 leaves KVM_RUN with
 * KVM_EXIT_INTR and -EINTR), _load (preemption off), _enter (interrupts
 * off, in_guest published), then keel's VCPU_RUN, _put (interrupts on),
 * _exited after a run keel took; then keel_arch_exits[reason] unless the
 * generic table has the reason. An exit handler returns 0 to enter the
 * guest again, > 0 to return 0 from KVM_RUN, or a negative errno. The ioctl
 * hooks return the arch's errno for an ioctl that is not theirs (KVM's
 * kvm_arch_*_ioctl default).
 */
typedef long (*keel_exit_fn)(struct keel_vcpu *vcpu);
extern const keel_exit_fn keel_arch_exits[KEEL_EXIT_NR];
int keel_arch_discover(u32 *abi);
int keel_arch_init(void);
void keel_arch_exit(void);
void keel_arch_cpu_up(void);
void keel_arch_cpu_down(void);
void keel_arch_vm_init(struct keel_vm *vm);
void keel_arch_vm_free(struct keel_vm *vm); /* no irqfd left, vCPUs not yet gone */
long keel_arch_dev_ioctl(unsigned int ioctl, unsigned long arg);
int keel_arch_vm_type(unsigned long type);
long keel_arch_check_extension(struct keel_vm *vm, long cap);
long keel_arch_vm_ioctl(struct keel_vm *vm, unsigned int ioctl, unsigned long arg);
long keel_arch_enable_cap(struct keel_vm *vm, const struct kvm_enable_cap *cap);
long keel_arch_create_device(struct keel_vm *vm, struct kvm_create_device *cd);
long keel_arch_vcpu_create(struct keel_vcpu *vcpu);
void keel_arch_vcpu_created(struct keel_vcpu *vcpu);
void keel_arch_vcpu_ioctl_begin(struct keel_vcpu *vcpu, unsigned int ioctl);
long keel_arch_vcpu_ioctl(struct keel_vcpu *vcpu, unsigned int ioctl, void __user *argp);
long keel_arch_vcpu_run_begin(struct keel_vcpu *vcpu);
void keel_arch_vcpu_run_end(struct keel_vcpu *vcpu);
long keel_arch_vcpu_before_enter(struct keel_vcpu *vcpu);
void keel_arch_vcpu_load(struct keel_vcpu *vcpu);
void keel_arch_vcpu_enter(struct keel_vcpu *vcpu);
void keel_arch_vcpu_put(struct keel_vcpu *vcpu);
void keel_arch_vcpu_exited(struct keel_vcpu *vcpu);
u64 keel_arch_vcpu_pc(struct keel_vcpu *vcpu);


/* memslot.c */
int keel_vm_memslots_init(struct keel_vm *vm);
void keel_vm_memslots_free(struct keel_vm *vm);
void keel_vm_mmu_release(struct keel_vm *vm); /* mmu.c: before VM_DESTROY */
long keel_vm_set_memory_region(struct keel_vm *vm, const struct kvm_userspace_memory_region *mem);
long keel_vm_fault_in(struct keel_vm *vm, u64 ipa, bool write);
long keel_vm_mmio_fault_in_slow(struct keel_vcpu *vcpu, u64 ipa, bool write, u64 key, u64 gen);
/*
 * An access keel reports as MMIO (its syndrome valid): keel_vm_fault_in(),
 * but the page the vCPU last found outside the slots, for the same kind of
 * access, is taken as still outside while the slots have not changed since
 * (as KVM's MMIO page-table entries tagged with the memslot generation): an
 * ioeventfd's doorbell costs no slot look-up under the mutex.
 */
static inline long keel_vm_mmio_fault_in(struct keel_vcpu *vcpu, u64 ipa, bool write)
{
	u64 gen = READ_ONCE(vcpu->vm->memslots_gen), key = (ipa >> PAGE_SHIFT) << 1 | write;

	if (vcpu->mmio_key == key && vcpu->mmio_gen == gen)
		return 0;
	return keel_vm_mmio_fault_in_slow(vcpu, ipa, write, key, gen);
}
long keel_vm_gpa_to_hva(struct keel_vm *vm, u64 gpa, bool write, unsigned long *hva);
void keel_vm_mark_dirty(struct keel_vm *vm, u64 gpa);
void keel_vm_mem_stats(struct keel_vm *vm, u64 *mapped, u64 *unmaps);

/* irqfd.c: KVM_IRQFD and KVM_SET_GSI_ROUTING, over the arch's irqchip (keel_arch_irq_*) */
#define KEEL_MAX_IRQ_ROUTES 4096 /* KVM_MAX_IRQ_ROUTES */
struct keel_irq_route {
	u32 gsi, type;            /* KVM_IRQ_ROUTING_IRQCHIP or _MSI */
	u32 irqchip, pin;         /* IRQCHIP */
	u32 msi_addr_lo, msi_addr_hi, msi_data, msi_flags, msi_devid; /* MSI */
};
int keel_irqfd_module_init(void);
void keel_irqfd_module_exit(void);
void keel_vm_irqfd_init(struct keel_vm *vm);
void keel_vm_irqfd_free(struct keel_vm *vm);
long keel_vm_irqfd(struct keel_vm *vm, const struct kvm_irqfd *args);
long keel_vm_set_irq_routing(struct keel_vm *vm, const struct kvm_irq_routing_entry *ue, u32 nr);
long keel_vm_gsi_routing_ioctl(struct keel_vm *vm, void __user *argp);
void keel_irqfd_notify_acked(struct keel_vm *vm, u32 irqchip, u32 pin);
/*
 * The arch's side: keel_arch_irqfd_supported (KVM_CAP_IRQFD, _IRQ_ROUTING,
 * _IRQFD_RESAMPLE), keel_arch_irqfd_ready (kvm_arch_intc_initialized),
 * keel_arch_can_set_irq_routing, keel_arch_irq_route (kvm_set_routing_entry:
 * check ue, fill e), keel_arch_irq_set (a line of what e names to level;
 * atomic context, from an eventfd's wake-up), keel_arch_irq_resample
 * (irqchip 0's pin: at the guest's EOI keel lowers its line and the arch
 * calls keel_irqfd_notify_acked(), as KVM's kvm_notify_acked_irq()).
 */
bool keel_arch_irqfd_supported(void);
bool keel_arch_irqfd_ready(struct keel_vm *vm);
bool keel_arch_can_set_irq_routing(struct keel_vm *vm);
long keel_arch_irq_route(struct keel_vm *vm, const struct kvm_irq_routing_entry *ue, struct keel_irq_route *e);
int keel_arch_irq_set(struct keel_vm *vm, const struct keel_irq_route *e, bool level);
int keel_arch_irq_resample(struct keel_vm *vm, u32 pin, bool on);

/* eventfd.c: KVM_IOEVENTFD; keel_ioeventfd_write() true: an ioeventfd took the guest's MMIO write */
void keel_vm_ioeventfd_init(struct keel_vm *vm);
void keel_vm_ioeventfd_free(struct keel_vm *vm);
long keel_vm_ioeventfd(struct keel_vm *vm, const struct kvm_ioeventfd *args);
bool keel_ioeventfd_write(struct keel_vm *vm, u64 addr, unsigned int len, u64 data);

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

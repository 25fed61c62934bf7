/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shim's arm64 part (included by shim.h): hypercalls to keel as SMCCC
 * calls, arm64's VM and vCPU state, and the interfaces between the arm64
 * files (arch.c, exits.c, regs.c, timer.c, hypercalls.c).
 */
#ifndef KEEL_SHIM_ARCH_H
#define KEEL_SHIM_ARCH_H

#include <linux/arm-smccc.h>
#include <linux/hrtimer.h>
#include <linux/kvm.h>
#include <linux/types.h>

#include <asm/sysreg.h>

#include <keel/abi.h>

struct keel_vm;
struct keel_vcpu;

/*
 * Call keel function fn with arguments a1..a6 (every other argument register
 * is 0, as keel requires). Returns 0 or a negative errno from keel; -ENOSYS
 * if keel does not know the function (an older keel).
 */
static inline long keel_hvc6(enum keel_hc fn, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5, u64 a6,
			     struct keel_res *out)
{
	struct arm_smccc_res res;
	long ret;

	arm_smccc_1_1_hvc(KEEL_HC(fn), a1, a2, a3, a4, a5, a6, &res);
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

static inline long keel_hvc5(enum keel_hc fn, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5, struct keel_res *out)
{
	return keel_hvc6(fn, a1, a2, a3, a4, a5, 0, out);
}

static inline long keel_hvc4(enum keel_hc fn, u64 a1, u64 a2, u64 a3, u64 a4, struct keel_res *out)
{
	return keel_hvc5(fn, a1, a2, a3, a4, 0, out);
}

static inline long keel_hvc(enum keel_hc fn, u64 a1, u64 a2, struct keel_res *out)
{
	return keel_hvc5(fn, a1, a2, 0, 0, 0, out);
}

/* KVM_CAP_NR_MEMSLOTS: KVM_USER_MEM_SLOTS on arm64 (SHRT_MAX, no internal slots) */
#define KEEL_ARCH_USER_MEM_SLOTS SHRT_MAX
#define KEEL_ARCH_HALT_POLL_NS 500000 /* KVM_HALT_POLL_NS_DEFAULT of arm64 */

/* The in-kernel GICv3 (vgic.c, vgic_rdist.c), under the VM's lock; keel holds its state. */
#define KEEL_VGIC_ADDR_UNDEF (~0ULL) /* VGIC_ADDR_UNDEF: what GRP_ADDR reads until set */
#define KEEL_VGIC_MAX_RDREGS 32      /* redistributor regions a VM may have (KVM: no limit) */
struct keel_vgic_rdreg {
	u64 base;
	u32 count;              /* redistributors it holds; 0: the legacy region, as many as vCPUs */
	u32 index;
	u32 free_index;         /* the next free frame */
};

struct keel_vgic {
	bool created;           /* KVM_CREATE_DEVICE(VGIC_V3): irqchip_in_kernel() */
	bool initialized;       /* keel's distributor exists (CTRL_INIT): vCPUs fixed */
	bool runnable;          /* ... and placed: the first KVM_RUN's checks passed */
	u32 nr_irqs;            /* KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0 until set (the default at init) */
	u64 dist_base;          /* KEEL_VGIC_ADDR_UNDEF until set */
	unsigned int nr_rdregs;
	struct keel_vgic_rdreg rdregs[KEEL_VGIC_MAX_RDREGS]; /* by index order */
};

struct keel_vm_arch {
	struct keel_vgic vgic;
	u64 cntvoff;            /* one virtual-counter offset for every vCPU (update_vtimer_cntvoff) */
	u64 psci_version;       /* KVM_REG_ARM_PSCI_VERSION for vCPUs with PSCI 0.2 */
	u8 csv2, csv3;          /* ID_AA64PFR0_EL1.CSV2/CSV3 the guest sees */
	/* KVM_REG_ARM_{STD,STD_HYP,VENDOR_HYP}_BMAP: guest call families offered (hypercalls.c) */
	unsigned long std_bmap, std_hyp_bmap, vendor_hyp_bmap;
	bool nisv_to_user;      /* KVM_CAP_ARM_NISV_TO_USER enabled */
	bool system_suspend;    /* KVM_CAP_ARM_SYSTEM_SUSPEND enabled: PSCI SYSTEM_SUSPEND exits to the VMM */
	u8 timer_ppi[2];        /* the timers' PPIs keel has (KEEL_IRQCHIP_TIMERS), under lock */
	struct keel_its *its;   /* KVM_DEV_TYPE_ARM_VGIC_ITS (vgic_its.c), NULL without */
	unsigned long *pmu_filter; /* KVM_ARM_VCPU_PMU_V3_FILTER's events, a bit each (pmu.c); NULL: none */
	u64 pmceid[2];          /* PMCEID0/1_EL0 as the guest reads them (the filter applied) */
};

struct keel_vcpu_arch {
	int target;              /* -1 until KVM_ARM_VCPU_INIT */
	int rdreg;               /* its redistributor's region (vgic_rdist.c), -1 none yet */
	u32 rdreg_index;         /* ... and frame in it */
	bool rd_published, rd_last; /* keel was told the frame, with this GICR_TYPER.Last */
	unsigned long features;  /* KVM_ARM_VCPU_* of the first INIT */
	bool mmio_pending;       /* a KVM_EXIT_MMIO waits for completion at the next KVM_RUN */
	bool config_dirty;       /* ctx id_regs/dbg may differ from keel's copy: no KEEL_IN_CONFIG_KEPT */
	bool state_kept;         /* the last exit's handling moved at most PC and PSTATE: KEEL_IN_STATE_KEPT */
	bool ctx_brief;          /* the last exit was brief: regs, sp, sys are keel's until keel_vcpu_sync() */
	bool ptimer_armed;       /* the soft timer stands for the EL1 physical timer during this entry */
	u8 timer_ppi[2];         /* KVM_ARM_VCPU_TIMER_CTRL: the virtual and physical timers' PPIs */
	bool timer_enabled;      /* kvm_timer_enable() done (its first KVM_RUN): the PPIs are fixed */
	u64 hvc_before;          /* ctx.stat.hvc at entry */
	u64 halt_polls_before;   /* ctx.stat.halt_polls at entry */
	unsigned long irq_lines; /* bit 0 IRQ, bit 1 FIQ (KEEL_IN_VIRQ/VFIQ): KVM_IRQ_LINE, no mutex */
	struct {
		int irq;         /* KVM_ARM_VCPU_PMU_V3_IRQ, 0 until set */
		bool created;    /* KVM_ARM_VCPU_PMU_V3_INIT done: the attributes are fixed */
	} pmu;
	struct hrtimer bg_timer; /* the guest's timer while it waits in WFI */
	struct {
		u64 base;        /* IPA of the PV stolen-time record, ~0 if none (hypercalls.c) */
		u64 last_steal;  /* run_delay at the last update */
	} steal;
	struct {
		u64 control;     /* KVM_SET_GUEST_DEBUG's KVM_GUESTDBG_* (0: not debugged; debug.c) */
		bool ss_pending; /* a step's exception not taken yet (KVM's DBG_SS_ACTIVE_PENDING) */
		bool pstate_ss;  /* the guest's own PSTATE.SS while the host steps it */
	} debug;
	struct {
		u64 spsr_aa32[4]; /* KVM_REG_ARM_CORE spsr[1..4] (abt, und, irq, fiq) */
		u64 dacr32, ifsr32, fpexc32, dbgvcr32;
	} aa32;                  /* AArch32-only state keel never runs: the shim's alone */
};
/* The part of struct keel_vcpu that ioctls copy to and from user space directly (the cache's usercopy region). */
#define KEEL_VCPU_USERCOPY arch.aa32

/* The physical counter now (the guests' timers count from it). */
static inline u64 keel_cntpct(void)
{
	isb();
	return read_sysreg(cntpct_el0);
}

/* timer.c: a PPI the host requests for guests' sake (handler does nothing), enabled per CPU */
struct keel_host_ppi {
	int irq;                /* 0: none */
	void __percpu *dev;
};
int keel_host_ppi_request(struct keel_host_ppi *p, int irq, const char *name);
void keel_host_ppi_free(struct keel_host_ppi *p);
void keel_host_ppi_enable(struct keel_host_ppi *p, bool on);

/* timer.c: the guest virtual-timer PPI in the host, a vCPU's timers (levels as device_irq_level bits) */
int keel_vtimer_init(void);
void keel_vtimer_exit(void);
void keel_vtimer_cpu_up(void);
void keel_vtimer_cpu_down(void);
void keel_vtimer_mask(bool masked);
u64 keel_timer_levels(struct keel_vcpu *vcpu);
u64 keel_timer_reported(struct keel_vcpu *vcpu);
void keel_timer_update_run(struct keel_vcpu *vcpu);
u64 keel_timer_ns(u64 ctl, u64 cnt, u64 cval); /* until it fires: 0 now, U64_MAX never */
void keel_bg_timer_start(struct keel_vcpu *vcpu, u64 ns);
enum hrtimer_restart keel_bg_timer_expire(struct hrtimer *t);

/* regs.c: a vCPU's registers (the caller holds vcpu->mutex) */
void keel_vcpu_sync(struct keel_vcpu *vcpu); /* exits.c: the page complete after a brief exit */
void keel_vm_vcpu_init(struct keel_vm *vm);
void keel_vcpu_reset(struct keel_vcpu *vcpu);
u32 keel_preferred_target(void);
long keel_vcpu_init(struct keel_vcpu *vcpu, const struct kvm_vcpu_init *init);
u64 keel_psci_version(struct keel_vcpu *vcpu);
int keel_one_reg(struct keel_vcpu *vcpu, const struct kvm_one_reg *reg, bool set);
long keel_get_reg_list(struct keel_vcpu *vcpu, struct kvm_reg_list __user *ul);

/* hypercalls.c: the guest calls the host answers */
#define KEEL_FW_IDS_NR 7
extern const u64 keel_fw_ids[KEEL_FW_IDS_NR];
void keel_vm_hypercalls_init(struct keel_vm *vm);
void keel_vcpu_hypercalls_init(struct keel_vcpu *vcpu);
int keel_fw_reg(struct keel_vcpu *vcpu, const struct kvm_one_reg *reg, bool set);
void keel_vcpu_hypercall(struct keel_vcpu *vcpu);
void keel_vcpu_update_stolen_time(struct keel_vcpu *vcpu);
long keel_vcpu_pvtime_attr(struct keel_vcpu *vcpu, unsigned int ioctl, const struct kvm_device_attr *attr);

/* vgic.c: the in-kernel GICv3 over keel's (KEEL_HC_IRQCHIP) */
int keel_vgic_init(void);
void keel_vgic_exit(void);
void keel_vgic_cpu_up(void);
void keel_vgic_cpu_down(void);
bool keel_vgic_supported(void);
long keel_vgic_run_check(struct keel_vm *vm);
long keel_vgic_set_timers(struct keel_vm *vm, unsigned int vtimer, unsigned int ptimer);
void keel_timer_vcpu_init(struct keel_vcpu *vcpu);
long keel_timer_attr(struct keel_vcpu *vcpu, unsigned int ioctl, const struct kvm_device_attr *attr);
long keel_timer_enable(struct keel_vcpu *vcpu);
long keel_vgic_irq_line(struct keel_vm *vm, unsigned int type, unsigned int idx, unsigned int num, bool level);
bool keel_vgic_pending(struct keel_vcpu *vcpu);
void keel_vgic_eois(struct keel_vcpu *vcpu);
/* irqchip_in_kernel(): KVM_CREATE_DEVICE done. A macro: asked around every exit. */
#define keel_vgic_created(vm) READ_ONCE((vm)->arch.vgic.created)
long keel_vgic_set_addr(struct keel_vm *vm, u64 which, u64 ipa, u64 arg);
/* vgic_rdist.c: where the distributor and redistributors are */
long keel_vgic_addr(struct keel_vm *vm, bool set, u64 type, u64 __user *uaddr);
bool keel_vgic_check_base(struct keel_vm *vm);
long keel_vgic_check_placed(struct keel_vm *vm);
long keel_vgic_vcpu_precreate(struct keel_vm *vm);
long keel_vgic_check_iorange(struct keel_vm *vm, u64 ioaddr, u64 addr, u64 align, u64 size);
/* vgic_its.c: the ITS */
struct keel_its;
long keel_its_create(struct keel_vm *vm, struct kvm_create_device *cd);
void keel_its_free(struct keel_vm *vm);

/* pmu.c: the guest PMU (KVM_ARM_VCPU_PMU_V3) */
#define KEEL_SYSREG_ID(enc) (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM64_SYSREG | (u64)(enc))
bool keel_host_aarch32_el0(void); /* regs.c: the CPU runs AArch32 at EL0 (kvm_supports_32bit_el0) */
void keel_pmu_probe(void);
bool keel_pmu_supported(void);
u64 keel_pmu_id_field(struct keel_vcpu *vcpu, bool aarch32);
void keel_pmu_vcpu_reset(struct keel_vcpu *vcpu);
long __keel_pmu_run_check(struct keel_vcpu *vcpu);
void __keel_pmu_enter(struct keel_vcpu *vcpu);
u64 __keel_pmu_level(struct keel_vcpu *vcpu);
/* Inline for every vCPU, calls only for one with a PMU: */
#define keel_has_pmu(vcpu) ((vcpu)->arch.features & BIT(KVM_ARM_VCPU_PMU_V3))
#define keel_pmu_run_check(vcpu) (keel_has_pmu(vcpu) ? __keel_pmu_run_check(vcpu) : 0)
#define keel_pmu_enter(vcpu) do { if (keel_has_pmu(vcpu)) __keel_pmu_enter(vcpu); } while (0)
#define keel_pmu_level(vcpu) (keel_has_pmu(vcpu) ? __keel_pmu_level(vcpu) : 0)
void keel_pmu_vm_init(struct keel_vm *vm);
void keel_pmu_vm_free(struct keel_vm *vm);
long keel_pmu_attr(struct keel_vcpu *vcpu, unsigned int ioctl, const struct kvm_device_attr *attr);
int keel_pmu_reg(struct keel_vcpu *vcpu, u16 enc, bool set, u64 __user *uaddr);
unsigned int keel_pmu_reg_ids(struct keel_vcpu *vcpu, u64 *ids);
int keel_its_inject_msi(struct keel_vm *vm, u64 addr, u32 data, u32 flags, u32 devid);
bool keel_its_mmio(struct keel_vm *vm, u64 addr, unsigned int len, bool write, u64 *val);
int keel_its_save_pending(struct keel_vm *vm);
void keel_its_retry(struct keel_vm *vm);
void keel_vgic_vcpu_created(struct keel_vcpu *vcpu);

/* debug.c: KVM_SET_GUEST_DEBUG and its exits */
long keel_vcpu_set_guest_debug(struct keel_vcpu *vcpu, void __user *argp);
void keel_debug_enter(struct keel_vcpu *vcpu);
void keel_debug_exited(struct keel_vcpu *vcpu);
long keel_exit_debug(struct keel_vcpu *vcpu);

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs over keel: KVM_CREATE_VCPU, the vCPU fd (mmap of struct kvm_run,
 * KVM_ARM_VCPU_INIT, ONE_REG, REG_LIST, MP_STATE, KVM_RUN) and KVM_IRQ_LINE
 * for a userspace irqchip, with Linux 6.1's errnos (virt/kvm/kvm_main.c,
 * arch/arm64/kvm/{arm,guest,reset,sys_regs,arch_timer,hypercalls,mmio}.c).
 *
 * The guest state lives in one zeroed kernel page per vCPU (struct
 * keel_vcpu_ctx); keel loads it at KEEL_HC_VCPU_RUN and stores it back at
 * exit, so register ioctls work on that page without calling keel. The
 * page is only touched by the thread holding vcpu->mutex (KVM_RUN holds it
 * while the guest runs, as KVM's vcpu->mutex).
 */
#define pr_fmt(fmt) "keel-kvm: " fmt

#include <linux/anon_inodes.h>
#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/of.h>
#include <linux/of_irq.h>
#include <linux/percpu.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <asm/arch_timer.h>
#include <asm/cputype.h>
#include <asm/sysreg.h>

#include "shim.h"
#include "trace.h"

/* KVM's UNKNOWN reset value (sys_regs.h reset_unknown), so a guest relying on it is caught the same way. */
#define KEEL_RESET_UNKNOWN 0x1de7ec7edbadc0deULL
/* reset.c VCPU_RESET_PSTATE_EL1 */
#define KEEL_RESET_PSTATE (PSR_MODE_EL1h | PSR_A_BIT | PSR_I_BIT | PSR_F_BIT | PSR_D_BIT)
/* Features keel gives a vCPU: KVM_ARM_VCPU_POWER_OFF, KVM_ARM_VCPU_PSCI_0_2. */
#define KEEL_VCPU_FEATURES (BIT(KVM_ARM_VCPU_POWER_OFF) | BIT(KVM_ARM_VCPU_PSCI_0_2))
#define KEEL_VCPU_MAX_FEATURES 7 /* KVM_VCPU_MAX_FEATURES in 6.1 */
/* kvm_vcpu_dabt_iss_nisv_sanitized(): ESR CM | WnR | FSC */
#define KEEL_NISV_ISS_MASK ((1UL << 8) | (1UL << 6) | 0x3fUL)

static struct kmem_cache *keel_vcpu_cache;

static long keel_vcpu_power(struct keel_vcpu *vcpu, enum keel_power op)
{
	struct keel_res res;
	u64 ctx = op == KEEL_POWER_TAKE_RESET ? page_to_phys(vcpu->ctx_page) : 0;
	long ret = keel_hvc4(KEEL_HC_VCPU_POWER, vcpu->vm->handle, vcpu->vcpu_id, op, ctx, &res);

	return ret ? ret : (long)res.r[0];
}

/* ---- statistics (debugfs, KVM's names), summed over every vCPU -------------------------------- */

static atomic64_t keel_stat[KEEL_VSTAT_NR];
static const char *const keel_stat_names[KEEL_VSTAT_NR] = {
	[KEEL_VSTAT_EXITS] = "exits",
	[KEEL_VSTAT_MMIO_USER] = "mmio_exit_user",
	[KEEL_VSTAT_MMIO_KERNEL] = "mmio_exit_kernel",
	[KEEL_VSTAT_WFI] = "wfi_exit_stat",
	[KEEL_VSTAT_WFE] = "wfe_exit_stat",
	[KEEL_VSTAT_HVC] = "hvc_exit_stat",
	[KEEL_VSTAT_SIGNAL] = "signal_exits",
	[KEEL_VSTAT_HALT_WAKEUP] = "halt_wakeup",
	[KEEL_VSTAT_IRQ] = "irq_exits",
	[KEEL_VSTAT_SYSEVENT] = "system_event_exits",
};

const char *keel_vstat_name(unsigned int i)
{
	return keel_stat_names[i];
}

/* One counter over the VM's vCPUs (read without their mutexes, as KVM's debugfs does). */
u64 keel_vm_vstat_sum(struct keel_vm *vm, unsigned int i)
{
	unsigned int n = READ_ONCE(vm->nr_vcpus), j;
	u64 sum = 0;

	smp_rmb(); /* vcpus[] entries below nr_vcpus are published */
	for (j = 0; j < n; j++)
		sum += READ_ONCE(vm->vcpus[j]->stat[i]);
	return sum;
}

static void keel_vstat_add(struct keel_vcpu *vcpu, enum keel_vstat s, u64 n)
{
	vcpu->stat[s] += n;
	atomic64_add(n, &keel_stat[s]);
}

static int keel_vstat_get(void *data, u64 *val)
{
	*val = atomic64_read(data);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(keel_vstat_fops, keel_vstat_get, NULL, "%llu\n");

void keel_vcpu_debugfs_init(struct dentry *dir)
{
	unsigned int i;

	for (i = 0; i < KEEL_VSTAT_NR; i++)
		debugfs_create_file_unsafe(keel_stat_names[i], 0444, dir, &keel_stat[i], &keel_vstat_fops);
}

/* ---- the host's virtual-timer PPI (keel puts its specifier in /hypervisor) ------------------- */

static int keel_vtimer_irq;
static void __percpu *keel_vtimer_dev;
static DEFINE_PER_CPU(bool, keel_vtimer_masked);

/*
 * The guest's timer fired while it ran: keel exited with KEEL_EXIT_IRQ and
 * disabled CNTV, so the line is low again. The level is computed from the
 * context page after every exit; nothing to do here.
 */
static irqreturn_t keel_vtimer_handler(int irq, void *dev)
{
	return IRQ_HANDLED;
}

int keel_vtimer_init(void)
{
	struct device_node *np = of_find_compatible_node(NULL, NULL, KEEL_DT_COMPATIBLE);
	int r;

	if (!np)
		return -ENODEV;
	keel_vtimer_irq = irq_of_parse_and_map(np, 0);
	of_node_put(np);
	if (!keel_vtimer_irq) {
		/* An older keel: a guest's timer firing while it runs reaches the host unrequested. */
		pr_warn("keel's /hypervisor node has no virtual-timer interrupt: guest timers may exit in a loop\n");
		return 0;
	}
	keel_vtimer_dev = alloc_percpu(u8);
	if (!keel_vtimer_dev)
		return -ENOMEM;
	r = request_percpu_irq(keel_vtimer_irq, keel_vtimer_handler, "keel-guest-vtimer", keel_vtimer_dev);
	if (r) {
		pr_err("requesting the guest virtual-timer interrupt %d failed: %d\n", keel_vtimer_irq, r);
		free_percpu(keel_vtimer_dev);
		keel_vtimer_dev = NULL;
		keel_vtimer_irq = 0;
		return r;
	}
	return 0;
}

void keel_vtimer_exit(void)
{
	if (!keel_vtimer_irq)
		return;
	free_percpu_irq(keel_vtimer_irq, keel_vtimer_dev);
	free_percpu(keel_vtimer_dev);
	keel_vtimer_irq = 0;
}

/* CPU online / offline callbacks (main.c), on the CPU concerned. */
void keel_vtimer_cpu_up(void)
{
	if (!keel_vtimer_irq)
		return;
	enable_percpu_irq(keel_vtimer_irq, IRQ_TYPE_NONE);
	this_cpu_write(keel_vtimer_masked, false);
}

void keel_vtimer_cpu_down(void)
{
	if (keel_vtimer_irq)
		disable_percpu_irq(keel_vtimer_irq);
}

/*
 * kvm_timer_vcpu_load_nogic(): while userspace was told the guest's timer
 * is asserted, keep the PPI masked on this CPU, else an asserted timer would
 * exit the guest over and over. Preemption off.
 */
static void keel_vtimer_mask(bool masked)
{
	if (!keel_vtimer_irq || __this_cpu_read(keel_vtimer_masked) == masked)
		return;
	if (masked)
		disable_percpu_irq(keel_vtimer_irq);
	else
		enable_percpu_irq(keel_vtimer_irq, IRQ_TYPE_NONE);
	__this_cpu_write(keel_vtimer_masked, masked);
}

/* ---- the guest's virtual timer ------------------------------------------------------------ */

static u64 keel_cntpct(void)
{
	isb();
	return read_sysreg(cntpct_el0);
}

/* kvm_timer_should_fire(): enabled, not masked, the counter at or past CVAL. */
static bool keel_timer_fires(u64 ctl, u64 cnt, u64 cval)
{
	return (ctl & ARCH_TIMER_CTRL_ENABLE) && !(ctl & ARCH_TIMER_CTRL_IT_MASK) && cnt >= cval;
}

static bool keel_vtimer_level(struct keel_vcpu *vcpu)
{
	struct keel_vcpu_ctx *c = vcpu->ctx;

	return keel_timer_fires(c->cntv_ctl, keel_cntpct() - c->cntvoff, c->cntv_cval);
}

/* The EL1 physical timer keel emulates (KVM's ptimer, no offset): its level is the shim's to raise. */
static bool keel_ptimer_level(struct keel_vcpu *vcpu)
{
	struct keel_vcpu_ctx *c = vcpu->ctx;

	return keel_timer_fires(c->cntp_ctl, keel_cntpct(), c->cntp_cval);
}

/* The timer lines now, as device_irq_level bits. */
static u64 keel_timer_levels(struct keel_vcpu *vcpu)
{
	return (keel_vtimer_level(vcpu) ? KVM_ARM_DEV_EL1_VTIMER : 0) |
	       (keel_ptimer_level(vcpu) ? KVM_ARM_DEV_EL1_PTIMER : 0);
}

/* The timer lines userspace was last told of. */
static u64 keel_timer_reported(struct keel_vcpu *vcpu)
{
	return vcpu->run->s.regs.device_irq_level & (KVM_ARM_DEV_EL1_VTIMER | KVM_ARM_DEV_EL1_PTIMER);
}

/* kvm_timer_update_run() */
static void keel_timer_update_run(struct keel_vcpu *vcpu)
{
	struct kvm_sync_regs *regs = &vcpu->run->s.regs;

	regs->device_irq_level &= ~(KVM_ARM_DEV_EL1_VTIMER | KVM_ARM_DEV_EL1_PTIMER);
	regs->device_irq_level |= keel_timer_levels(vcpu);
}

/* Nanoseconds until a timer that is enabled and not masked fires (0: now), U64_MAX if it never will. */
static u64 keel_timer_ns(u64 ctl, u64 cnt, u64 cval)
{
	u64 freq = read_sysreg(cntfrq_el0);

	if (!(ctl & ARCH_TIMER_CTRL_ENABLE) || (ctl & ARCH_TIMER_CTRL_IT_MASK))
		return U64_MAX;
	return freq && cval > cnt ? mul_u64_u32_div(cval - cnt, NSEC_PER_SEC, (u32)freq) : 0;
}

static void keel_vcpu_kick(struct keel_vcpu *vcpu);

/* The soft timer (KVM's bg_timer / the emulated ptimer's hrtimer): the vCPU is kicked when it fires. */
static enum hrtimer_restart keel_bg_timer_expire(struct hrtimer *t)
{
	keel_vcpu_kick(container_of(t, struct keel_vcpu, bg_timer));
	return HRTIMER_NORESTART;
}

static void keel_bg_timer_start(struct keel_vcpu *vcpu, u64 ns)
{
	if (ns != U64_MAX)
		hrtimer_start(&vcpu->bg_timer, ns_to_ktime(min_t(u64, ns, KTIME_MAX)), HRTIMER_MODE_REL);
}

/* ---- kicks (kvm_vcpu_kick) ---------------------------------------------------------------- */

/* Wake the vCPU's thread if it blocks; force it out of the guest if it runs. */
static void keel_vcpu_kick(struct keel_vcpu *vcpu)
{
	struct task_struct *task;

	WRITE_ONCE(vcpu->kick, true);
	smp_mb(); /* pairs with the barrier after setting in_guest */
	wake_up(&vcpu->wq);
	rcu_read_lock();
	task = READ_ONCE(vcpu->task);
	if (task && READ_ONCE(vcpu->in_guest))
		kick_process(task);
	rcu_read_unlock();
}

/* ---- reset (kvm_reset_vcpu) and the ID registers ------------------------------------------ */

/* Field [shift+3:shift] of an ID register. */
#define IDF(shift) (0xfULL << (shift))

static bool keel_host_aarch32_el0(void)
{
	return (read_sysreg_s(SYS_ID_AA64PFR0_EL1) & 0xf) == 2;
}

#define ID_CASE(crm, op2) \
	case KEEL_ID_REG_INDEX(crm, op2): \
		return read_sanitised_ftr_reg(sys_reg(3, 0, 0, crm, op2))

/* The host's sanitised value of an ID register KVM 6.1 reads that way (ID_SANITISED in sys_regs.c). */
static u64 keel_read_hw_id(unsigned int i)
{
	switch (i) {
	ID_CASE(1, 0); ID_CASE(1, 1); ID_CASE(1, 2); ID_CASE(1, 4); ID_CASE(1, 5); ID_CASE(1, 6);
	ID_CASE(1, 7); ID_CASE(2, 0); ID_CASE(2, 1); ID_CASE(2, 2); ID_CASE(2, 3); ID_CASE(2, 4);
	ID_CASE(2, 5); ID_CASE(2, 6); ID_CASE(2, 7); ID_CASE(3, 0); ID_CASE(3, 1); ID_CASE(3, 2);
	ID_CASE(3, 4); ID_CASE(3, 6);
	ID_CASE(4, 0); ID_CASE(4, 1); ID_CASE(5, 0); ID_CASE(5, 1); ID_CASE(6, 0); ID_CASE(6, 1);
	ID_CASE(6, 2); ID_CASE(7, 0); ID_CASE(7, 1); ID_CASE(7, 2);
	default:
		/* Unallocated, hidden (AFR*, DFR1, SMFR0) or RAZ without SVE (ZFR0): 0 as KVM reads them. */
		return 0;
	}
}

/*
 * The ID registers a guest sees: the host's sanitised values (fields Linux
 * 6.1 does not describe read 0, as in KVM) masked as KVM 6.1's read_id_reg()
 * does for a vCPU without SVE, SME, MTE, pointer auth or a PMU:
 *   ID_AA64PFR0  SVE = 0, AMU = 0, CSV2/CSV3 clamped to 1 (per-VM, settable
 *                down), GIC = 1 on a GICv3 host (KVM's vGICv3 is there for
 *                any VM; keel answers the guest's ICC_SRE_EL1 as KVM without
 *                one: RAZ/WI)
 *   ID_AA64PFR1  MTE = 0, SME = 0
 *   ID_AA64ISAR1 APA, API, GPA, GPI = 0; ID_AA64ISAR2 APA3, GPA3 = 0, WFxT = 0
 *   ID_AA64DFR0  DebugVer = 6 (v8.0), PMUVer = 0, PMSVer = 0
 *   ID_DFR0      PerfMon = 0
 *   AArch32 ID registers read 0 when the CPU has no AArch32 EL0.
 */
static u64 keel_guest_id_reg(struct keel_vcpu *vcpu, unsigned int i)
{
	u64 v;

	if (i < KEEL_ID_REG_INDEX(4, 0) && !keel_host_aarch32_el0())
		return 0;
	v = keel_read_hw_id(i);
	switch (i) {
	case KEEL_ID_REG_INDEX(4, 0): /* ID_AA64PFR0_EL1 */
		v &= ~(IDF(32) | IDF(44) | IDF(56) | IDF(60) | IDF(24));
		v |= (u64)vcpu->vm->csv2 << 56 | (u64)vcpu->vm->csv3 << 60;
		if (read_sanitised_ftr_reg(SYS_ID_AA64PFR0_EL1) & IDF(24))
			v |= 1ULL << 24;
		break;
	case KEEL_ID_REG_INDEX(4, 1): /* ID_AA64PFR1_EL1 */
		v &= ~(IDF(8) | IDF(24));
		break;
	case KEEL_ID_REG_INDEX(6, 1): /* ID_AA64ISAR1_EL1 */
		v &= ~(IDF(4) | IDF(8) | IDF(24) | IDF(28));
		break;
	case KEEL_ID_REG_INDEX(6, 2): /* ID_AA64ISAR2_EL1 */
		v &= ~(IDF(0) | IDF(8) | IDF(12));
		break;
	case KEEL_ID_REG_INDEX(5, 0): /* ID_AA64DFR0_EL1 */
		v &= ~(IDF(0) | IDF(8) | IDF(32));
		v |= 6;
		break;
	case KEEL_ID_REG_INDEX(1, 2): /* ID_DFR0_EL1 */
		v &= ~IDF(24);
		break;
	}
	return v;
}

/* The VM's CSV2/CSV3 defaults: what the CPU says, at most 1 (set_default_spectre). */
void keel_vm_vcpu_init(struct keel_vm *vm)
{
	u64 pfr0 = read_sysreg_s(SYS_ID_AA64PFR0_EL1);

	vm->csv2 = min_t(u8, (pfr0 >> 56) & 0xf, 1);
	vm->csv3 = min_t(u8, (pfr0 >> 60) & 0xf, 1);
	vm->psci_version = 0x10001; /* KVM_ARM_PSCI_LATEST (1.1) */
	vm->cntvoff = keel_cntpct();
}

#define OSLSR_OSLM_IMPLEMENTED (1UL << 3) /* KVM's reset value */
#define OSLSR_OSLK (1UL << 1)

/* kvm_reset_vcpu() + kvm_reset_sys_regs() + kvm_timer_vcpu_reset(); vcpu->mutex held. */
static void keel_vcpu_reset(struct keel_vcpu *vcpu)
{
	struct keel_vcpu_ctx *c = vcpu->ctx;
	unsigned int i;

	memset(c->regs, 0, sizeof(c->regs));
	c->sp = 0;
	c->pc = 0;
	c->pstate = KEEL_RESET_PSTATE;
	memset(c->vregs, 0, sizeof(c->vregs));
	c->fpsr = 0;
	c->fpcr = 0;
	memset(vcpu->arch.spsr_aa32, 0, sizeof(vcpu->arch.spsr_aa32));

	for (i = 0; i < KEEL_NR_SYSREG_SLOTS; i++)
		c->sys[i] = 0;
	c->sys[KEEL_SCTLR_EL1] = 0x00C50078;
	c->sys[KEEL_ACTLR_EL1] = read_sysreg(actlr_el1);
	c->sys[KEEL_AMAIR_EL1] = read_sysreg(amair_el1);
	c->sys[KEEL_TTBR0_EL1] = KEEL_RESET_UNKNOWN;
	c->sys[KEEL_TTBR1_EL1] = KEEL_RESET_UNKNOWN;
	c->sys[KEEL_AFSR0_EL1] = KEEL_RESET_UNKNOWN;
	c->sys[KEEL_AFSR1_EL1] = KEEL_RESET_UNKNOWN;
	c->sys[KEEL_ESR_EL1] = KEEL_RESET_UNKNOWN;
	c->sys[KEEL_FAR_EL1] = KEEL_RESET_UNKNOWN;
	c->sys[KEEL_MAIR_EL1] = KEEL_RESET_UNKNOWN;
	c->sys[KEEL_PAR_EL1] = KEEL_RESET_UNKNOWN;
	c->sys[KEEL_TPIDR_EL1] = KEEL_RESET_UNKNOWN;
	c->sys[KEEL_TPIDR_EL0] = KEEL_RESET_UNKNOWN;
	c->sys[KEEL_TPIDRRO_EL0] = KEEL_RESET_UNKNOWN;
	c->sys[KEEL_CSSELR_EL1] = KEEL_RESET_UNKNOWN;
	c->sys[KEEL_OSLSR_EL1] = OSLSR_OSLM_IMPLEMENTED;
	memset(c->dbg, 0, sizeof(c->dbg));
	vcpu->arch.dbgvcr32 = 0;
	vcpu->arch.dacr32 = KEEL_RESET_UNKNOWN;
	vcpu->arch.ifsr32 = KEEL_RESET_UNKNOWN;
	vcpu->arch.fpexc32 = 0x700;

	for (i = 0; i < KEEL_NR_ID_REGS; i++)
		c->id_regs[i] = keel_guest_id_reg(vcpu, i);

	c->cntv_ctl = 0; /* CVALs keep their values, as kvm_timer_vcpu_reset */
	c->cntp_ctl = 0;
	c->in_flags = 0;
	vcpu->config_dirty = true;
	c->in_far = 0;
	vcpu->mmio_pending = false;
}

/* ---- KVM_ARM_VCPU_INIT ---------------------------------------------------------------------- */

/* kvm_target_cpu(): what KVM_ARM_PREFERRED_TARGET says and KVM_ARM_VCPU_INIT accepts */
u32 keel_preferred_target(void)
{
	u32 midr = read_cpuid_id();

	switch (MIDR_IMPLEMENTOR(midr)) {
	case ARM_CPU_IMP_ARM:
		switch (MIDR_PARTNUM(midr)) {
		case ARM_CPU_PART_AEM_V8:
			return KVM_ARM_TARGET_AEM_V8;
		case ARM_CPU_PART_FOUNDATION:
			return KVM_ARM_TARGET_FOUNDATION_V8;
		case ARM_CPU_PART_CORTEX_A53:
			return KVM_ARM_TARGET_CORTEX_A53;
		case ARM_CPU_PART_CORTEX_A57:
			return KVM_ARM_TARGET_CORTEX_A57;
		}
		break;
	case ARM_CPU_IMP_APM:
		if (MIDR_PARTNUM(midr) == APM_CPU_PART_XGENE)
			return KVM_ARM_TARGET_XGENE_POTENZA;
		break;
	}
	return KVM_ARM_TARGET_GENERIC_V8;
}

/* kvm_arch_vcpu_ioctl_vcpu_init() / kvm_vcpu_set_target(); vcpu->mutex held. */
static long keel_vcpu_init(struct keel_vcpu *vcpu, const struct kvm_vcpu_init *init)
{
	unsigned long features = 0;
	unsigned int i;
	long ret;

	if (init->target != keel_preferred_target())
		return -EINVAL;
	/* -ENOENT for unknown features; a second INIT must repeat the first one's set. */
	for (i = 0; i < sizeof(init->features) * 8; i++) {
		bool set = init->features[i / 32] & (1U << (i % 32));

		if (set && i >= KEEL_VCPU_MAX_FEATURES)
			return -ENOENT;
		if (vcpu->target != -1 && i < KEEL_VCPU_MAX_FEATURES &&
		    !!(vcpu->features & BIT(i)) != set)
			return -EINVAL;
		if (set)
			features |= BIT(i);
	}
	/*
	 * kvm_reset_vcpu() refuses what the system cannot give: keel gives no
	 * AArch32 EL1, SVE, pointer auth or PMU. The first INIT's failure leaves
	 * the vCPU uninitialised, as KVM.
	 */
	if (features & ~KEEL_VCPU_FEATURES) {
		if (vcpu->target == -1)
			vcpu->features = 0;
		return -EINVAL;
	}
	vcpu->features = features;
	vcpu->target = init->target;
	keel_vcpu_reset(vcpu);

	/* Start powered off, or runnable (KVM's mp_state at INIT). */
	ret = keel_vcpu_power(vcpu, (features & BIT(KVM_ARM_VCPU_POWER_OFF)) ? KEEL_POWER_OFF :
										 KEEL_POWER_ON);
	if (ret < 0) {
		vcpu->target = -1;
		vcpu->features = 0;
		return ret;
	}
	return 0;
}

/* kvm_psci_version(): the VM's version once PSCI 0.2 is asked for, else 0.1. */
u64 keel_psci_version(struct keel_vcpu *vcpu)
{
	return (vcpu->features & BIT(KVM_ARM_VCPU_PSCI_0_2)) ? vcpu->vm->psci_version : 1;
}

/* ---- ONE_REG and REG_LIST ------------------------------------------------------------------- */

#define CORE_REG(name) (KVM_REG_ARM_CORE_REG(name))
#define CORE_NR_U32 (sizeof(struct kvm_regs) / sizeof(u32))

/* core_reg_size_from_offset(): the size of the core register at u32 offset off, or -EINVAL. */
static int keel_core_size(u64 off)
{
	int size;

	if (off <= CORE_REG(regs.pstate) || (off >= CORE_REG(sp_el1) && off <= CORE_REG(spsr[KVM_NR_SPSR - 1])))
		size = 8;
	else if (off >= CORE_REG(fp_regs.vregs[0]) && off < CORE_REG(fp_regs.fpsr))
		size = 16;
	else if (off == CORE_REG(fp_regs.fpsr) || off == CORE_REG(fp_regs.fpcr))
		size = 4;
	else
		return -EINVAL;
	if (off % (size / 4))
		return -EINVAL;
	return size;
}

/* Where the core register lives (context page, or the shim for AArch32-only state). */
static void *keel_core_addr(struct keel_vcpu *vcpu, u64 off)
{
	struct keel_vcpu_ctx *c = vcpu->ctx;

	if (off < CORE_REG(sp_el1))
		return (u64 *)c + off / 2; /* regs[], sp, pc, pstate: user_pt_regs at the page's start */
	if (off == CORE_REG(sp_el1))
		return &c->sys[KEEL_SP_EL1];
	if (off == CORE_REG(elr_el1))
		return &c->sys[KEEL_ELR_EL1];
	if (off == CORE_REG(spsr[KVM_SPSR_EL1]))
		return &c->sys[KEEL_SPSR_EL1];
	if (off <= CORE_REG(spsr[KVM_NR_SPSR - 1]))
		return &vcpu->arch.spsr_aa32[(off - CORE_REG(spsr[1])) / 2];
	if (off < CORE_REG(fp_regs.fpsr))
		return &c->vregs[(off - CORE_REG(fp_regs.vregs[0])) / 2];
	return off == CORE_REG(fp_regs.fpsr) ? (void *)&c->fpsr : (void *)&c->fpcr;
}

static int keel_core_reg(struct keel_vcpu *vcpu, const struct kvm_one_reg *reg, bool set)
{
	void __user *uaddr = u64_to_user_ptr(reg->addr);
	u64 off = reg->id & ~(KVM_REG_ARCH_MASK | KVM_REG_SIZE_MASK | KVM_REG_ARM_CORE);
	u64 size = KVM_REG_SIZE(reg->id);
	u64 tmp[2] = { 0, 0 };
	void *addr;

	if (off >= CORE_NR_U32 || off + size / 4 >= CORE_NR_U32)
		return -ENOENT;
	if (keel_core_size(off) != size)
		return -EINVAL;
	addr = keel_core_addr(vcpu, off);
	if (!set) {
		memcpy(tmp, addr, size); /* fpsr/fpcr are u64 slots holding a u32 */
		return copy_to_user(uaddr, tmp, size) ? -EFAULT : 0;
	}
	if (copy_from_user(tmp, uaddr, size))
		return -EFAULT;
	if (off == CORE_REG(regs.pstate)) {
		/* As set_core_reg(): only the mode is checked. keel gives no AArch32 EL1 (KVM_ARM_VCPU_EL1_32BIT). */
		switch (tmp[0] & PSR_AA32_MODE_MASK) {
		case PSR_AA32_MODE_USR:
			if (!keel_host_aarch32_el0())
				return -EINVAL;
			break;
		case PSR_MODE_EL0t:
		case PSR_MODE_EL1t:
		case PSR_MODE_EL1h:
			break;
		default:
			return -EINVAL;
		}
	}
	if (size == 4)
		*(u64 *)addr = (u32)tmp[0];
	else
		memcpy(addr, tmp, size);
	return 0;
}

/* System registers keel switches, by KVM's encoding (op0, op1, CRn, CRm, op2). */
static const struct {
	u16 enc;
	u8 slot;
} keel_sysregs[] = {
#define SR(op0, op1, crn, crm, op2, slot) { sys_reg(op0, op1, crn, crm, op2) >> 5, slot }
	SR(3, 0, 1, 0, 0, KEEL_SCTLR_EL1),	SR(3, 0, 1, 0, 1, KEEL_ACTLR_EL1),
	SR(3, 0, 1, 0, 2, KEEL_CPACR_EL1),	SR(3, 0, 2, 0, 0, KEEL_TTBR0_EL1),
	SR(3, 0, 2, 0, 1, KEEL_TTBR1_EL1),	SR(3, 0, 2, 0, 2, KEEL_TCR_EL1),
	SR(3, 0, 5, 1, 0, KEEL_AFSR0_EL1),	SR(3, 0, 5, 1, 1, KEEL_AFSR1_EL1),
	SR(3, 0, 5, 2, 0, KEEL_ESR_EL1),	SR(3, 0, 6, 0, 0, KEEL_FAR_EL1),
	SR(3, 0, 7, 4, 0, KEEL_PAR_EL1),	SR(3, 0, 10, 2, 0, KEEL_MAIR_EL1),
	SR(3, 0, 10, 3, 0, KEEL_AMAIR_EL1),	SR(3, 0, 12, 0, 0, KEEL_VBAR_EL1),
	SR(3, 0, 13, 0, 1, KEEL_CONTEXTIDR_EL1), SR(3, 0, 13, 0, 4, KEEL_TPIDR_EL1),
	SR(3, 0, 14, 1, 0, KEEL_CNTKCTL_EL1),	SR(3, 2, 0, 0, 0, KEEL_CSSELR_EL1),
	SR(3, 3, 13, 0, 2, KEEL_TPIDR_EL0),	SR(3, 3, 13, 0, 3, KEEL_TPIDRRO_EL0),
	SR(2, 0, 0, 2, 0, KEEL_MDCCINT_EL1),	SR(2, 0, 0, 2, 2, KEEL_MDSCR_EL1),
	SR(2, 0, 1, 1, 4, KEEL_OSLSR_EL1),	SR(3, 0, 12, 1, 1, KEEL_DISR_EL1),
#undef SR
};

/* Shim-held AArch32 state (never used by an AArch64-only guest, kept as KVM keeps it). */
#define ENC(op0, op1, crn, crm, op2) (sys_reg(op0, op1, crn, crm, op2) >> 5)
#define ENC_DACR32 ENC(3, 4, 3, 0, 0)
#define ENC_IFSR32 ENC(3, 4, 5, 0, 1)
#define ENC_FPEXC32 ENC(3, 4, 5, 3, 0)
#define ENC_DBGVCR32 ENC(2, 4, 0, 7, 0)
#define ENC_OSLSR ENC(2, 0, 1, 1, 4)
/* DBG{B,W}{V,C}Rn_EL1: op0=2 op1=0 CRn=0 CRm=n op2=4..7 (enum keel_dbg_kind) */
static bool keel_is_dbg_enc(u16 enc, unsigned int *kind, unsigned int *n)
{
	if (enc >> 7 != 2 << 7 || (enc & 7) < 4)
		return false;
	*kind = (enc & 7) - 4;
	*n = (enc >> 3) & 0xf;
	return true;
}
/* Invariant registers (get_invariant_sys_reg): the host's, read-only. */
static const u16 keel_invariant[] = {
	ENC(3, 0, 0, 0, 0), /* MIDR_EL1 */
	ENC(3, 0, 0, 0, 6), /* REVIDR_EL1 */
	ENC(3, 1, 0, 0, 1), /* CLIDR_EL1 */
	ENC(3, 1, 0, 0, 7), /* AIDR_EL1 */
	ENC(3, 3, 0, 0, 1), /* CTR_EL0 */
};
#define ENC_MPIDR ENC(3, 0, 0, 0, 5)

static u64 keel_invariant_val(unsigned int i)
{
	switch (i) {
	case 0: return read_cpuid_id();
	case 1: return read_sysreg(revidr_el1);
	case 2: return read_sysreg(clidr_el1);
	case 3: return read_sysreg(aidr_el1);
	default: return read_sysreg(ctr_el0);
	}
}

static bool keel_is_id_enc(u16 enc, unsigned int *idx)
{
	/* op0=3 op1=0 CRn=0 (bits 15:7 of the index) CRm=1..7 */
	unsigned int crm = (enc >> 3) & 0xf;

	if (enc >> 7 != 3 << 7 || crm < 1 || crm > 7)
		return false;
	*idx = KEEL_ID_REG_INDEX(crm, enc & 7);
	return true;
}

#define SYSREG_ID(enc) (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM64_SYSREG | (u64)(enc))
static const u64 keel_timer_ids[] = { KVM_REG_ARM_TIMER_CTL, KVM_REG_ARM_TIMER_CNT, KVM_REG_ARM_TIMER_CVAL };

static int keel_timer_reg(struct keel_vcpu *vcpu, const struct kvm_one_reg *reg, bool set)
{
	void __user *uaddr = u64_to_user_ptr(reg->addr);
	struct keel_vcpu_ctx *c = vcpu->ctx;
	u64 val;

	if (!set) {
		switch (reg->id) {
		case KVM_REG_ARM_TIMER_CTL:
			/* read_timer_ctl(): ISTATUS when expired, whatever ENABLE says */
			val = c->cntv_ctl & ~ARCH_TIMER_CTRL_IT_STAT;
			if (keel_cntpct() - c->cntvoff >= c->cntv_cval)
				val |= ARCH_TIMER_CTRL_IT_STAT;
			break;
		case KVM_REG_ARM_TIMER_CNT:
			val = keel_cntpct() - c->cntvoff;
			break;
		default:
			val = c->cntv_cval;
			break;
		}
		return put_user(val, (u64 __user *)uaddr);
	}
	if (get_user(val, (u64 __user *)uaddr))
		return -EFAULT;
	switch (reg->id) {
	case KVM_REG_ARM_TIMER_CTL:
		c->cntv_ctl = val & ~ARCH_TIMER_CTRL_IT_STAT;
		break;
	case KVM_REG_ARM_TIMER_CNT: {
		/* update_vtimer_cntvoff(): one offset for the whole VM; each vCPU takes it at its next entry */
		WRITE_ONCE(vcpu->vm->cntvoff, keel_cntpct() - val);
		c->cntvoff = vcpu->vm->cntvoff;
		break;
	}
	default:
		c->cntv_cval = val;
		break;
	}
	return 0;
}

static int keel_sys_reg(struct keel_vcpu *vcpu, const struct kvm_one_reg *reg, bool set)
{
	u64 __user *uaddr = u64_to_user_ptr(reg->addr);
	u16 enc;
	unsigned int i, idx;
	u64 *slot = NULL, val, cur;

	/* index_to_params(): u64 only, nothing beyond the encoding. */
	if ((reg->id & KVM_REG_SIZE_MASK) != KVM_REG_SIZE_U64 ||
	    (reg->id & ~(KVM_REG_ARCH_MASK | KVM_REG_SIZE_MASK | KVM_REG_ARM_COPROC_MASK | 0xffffULL)) ||
	    (reg->id & KVM_REG_ARM_COPROC_MASK) != KVM_REG_ARM64_SYSREG)
		return -ENOENT;
	enc = reg->id & 0xffff;

	for (i = 0; i < ARRAY_SIZE(keel_invariant); i++) {
		if (enc != keel_invariant[i])
			continue;
		cur = keel_invariant_val(i);
		if (!set)
			return put_user(cur, uaddr);
		if (get_user(val, uaddr))
			return -EFAULT;
		return val == cur ? 0 : -EINVAL;
	}
	if (keel_is_id_enc(enc, &idx)) {
		cur = vcpu->ctx->id_regs[idx];
		if (!set)
			return put_user(cur, uaddr);
		if (get_user(val, uaddr))
			return -EFAULT;
		/* AArch32 ID registers without AArch32: RAZ/WI for userspace (aa32_id_visibility). */
		if (idx < KEEL_ID_REG_INDEX(4, 0) && !keel_host_aarch32_el0())
			return 0;
		if (idx == KEEL_ID_REG_INDEX(4, 0)) {
			/* set_id_aa64pfr0_el1(): CSV2/CSV3 may go down to 0, nothing else may change. */
			u8 csv2 = (val >> 56) & 0xf, csv3 = (val >> 60) & 0xf;
			u64 hw = read_sysreg_s(SYS_ID_AA64PFR0_EL1);

			if (csv2 > 1 || (csv2 && !((hw >> 56) & 0xf)) || csv3 > 1 ||
			    (csv3 && !((hw >> 60) & 0xf)))
				return -EINVAL;
			if ((val ^ cur) & ~(IDF(56) | IDF(60)))
				return -EINVAL;
			vcpu->vm->csv2 = csv2;
			vcpu->vm->csv3 = csv3;
			vcpu->ctx->id_regs[idx] = val;
			return 0;
		}
		/* set_id_reg(): "invariant: you can't change it" */
		return val == cur ? 0 : -EINVAL;
	}
	if (enc == ENC_MPIDR) {
		/* KVM lets userspace write MPIDR; keel fixes it per vCPU index, so only that value. */
		cur = KEEL_VCPU_MPIDR(vcpu->vcpu_id);
		if (!set)
			return put_user(cur, uaddr);
		if (get_user(val, uaddr))
			return -EFAULT;
		return val == cur ? 0 : -EINVAL;
	}
	for (i = 0; i < ARRAY_SIZE(keel_sysregs); i++)
		if (enc == keel_sysregs[i].enc)
			slot = &vcpu->ctx->sys[keel_sysregs[i].slot];
	if (keel_is_dbg_enc(enc, &idx, &i))
		slot = &vcpu->ctx->dbg[idx][i];
	if (enc == ENC_OSLSR && set) {
		/* set_oslsr_el1(): only OSLK may change. */
		if (get_user(val, uaddr))
			return -EFAULT;
		if ((val ^ OSLSR_OSLM_IMPLEMENTED) & ~OSLSR_OSLK)
			return -EINVAL;
		*slot = val;
		return 0;
	}
	if (enc == ENC_DBGVCR32)
		slot = &vcpu->arch.dbgvcr32;
	else if (enc == ENC_DACR32)
		slot = &vcpu->arch.dacr32;
	else if (enc == ENC_IFSR32)
		slot = &vcpu->arch.ifsr32;
	else if (enc == ENC_FPEXC32)
		slot = &vcpu->arch.fpexc32;
	if (!slot)
		return -ENOENT;
	if (!set)
		return put_user(*slot, uaddr);
	if (get_user(val, uaddr))
		return -EFAULT;
	*slot = val;
	return 0;
}

/* kvm_arm_get_reg() / kvm_arm_set_reg(); vcpu->mutex held, vCPU initialised. */
static int keel_one_reg(struct keel_vcpu *vcpu, const struct kvm_one_reg *reg, bool set)
{
	unsigned int i;

	/* Nothing arch-specific in the upper 32 bits. */
	if ((reg->id & ~KVM_REG_SIZE_MASK) >> 32 != KVM_REG_ARM64 >> 32)
		return -EINVAL;
	switch (reg->id & KVM_REG_ARM_COPROC_MASK) {
	case KVM_REG_ARM_CORE:
		return keel_core_reg(vcpu, reg, set);
	case KVM_REG_ARM_FW:
	case KVM_REG_ARM_FW_FEAT_BMAP:
		return keel_fw_reg(vcpu, reg, set);
	case KVM_REG_ARM64_SVE:
		return -ENOENT; /* get/set_sve_reg on a vCPU without SVE */
	}
	for (i = 0; i < ARRAY_SIZE(keel_timer_ids); i++)
		if (reg->id == keel_timer_ids[i])
			return keel_timer_reg(vcpu, reg, set);
	return keel_sys_reg(vcpu, reg, set);
}

/* Every id ONE_REG accepts, in KVM's order (core, firmware, timer, system registers). */
static unsigned int keel_reg_ids(u64 *ids)
{
	unsigned int n = 0, i, j;
	u64 off;

#define PUT(id) do { if (ids) ids[n] = (id); n++; } while (0)
	for (off = 0; off < CORE_NR_U32; off++) {
		int size = keel_core_size(off);

		if (size < 0)
			continue;
		PUT(KVM_REG_ARM64 | KVM_REG_ARM_CORE | off |
		    (size == 4 ? KVM_REG_SIZE_U32 : size == 8 ? KVM_REG_SIZE_U64 : KVM_REG_SIZE_U128));
	}
	for (i = 0; i < KEEL_FW_IDS_NR; i++)
		PUT(keel_fw_ids[i]);
	for (i = 0; i < ARRAY_SIZE(keel_timer_ids); i++)
		PUT(keel_timer_ids[i]);
	for (i = 0; i < ARRAY_SIZE(keel_invariant); i++)
		PUT(SYSREG_ID(keel_invariant[i]));
	PUT(SYSREG_ID(ENC_MPIDR));
	for (i = 1; i <= 7; i++)
		for (j = 0; j < 8; j++)
			PUT(SYSREG_ID(ENC(3, 0, 0, i, j)));
	for (i = 0; i < ARRAY_SIZE(keel_sysregs); i++)
		PUT(SYSREG_ID(keel_sysregs[i].enc));
	for (i = 0; i < 16; i++)
		for (j = 0; j < KEEL_DBG_KINDS; j++)
			PUT(SYSREG_ID(ENC(2, 0, 0, i, 4 + j)));
	PUT(SYSREG_ID(ENC_DBGVCR32));
	PUT(SYSREG_ID(ENC_DACR32));
	PUT(SYSREG_ID(ENC_IFSR32));
	PUT(SYSREG_ID(ENC_FPEXC32));
#undef PUT
	return n;
}

static long keel_get_reg_list(struct keel_vcpu *vcpu, struct kvm_reg_list __user *ul)
{
	struct kvm_reg_list rl;
	unsigned int n = keel_reg_ids(NULL), want;
	u64 *ids;
	long ret = 0;

	if (copy_from_user(&rl, ul, sizeof(rl)))
		return -EFAULT;
	want = rl.n;
	rl.n = n;
	if (copy_to_user(ul, &rl, sizeof(rl)))
		return -EFAULT;
	if (want < n)
		return -E2BIG;
	ids = kmalloc_array(n, sizeof(*ids), GFP_KERNEL);
	if (!ids)
		return -ENOMEM;
	keel_reg_ids(ids);
	if (copy_to_user(ul->reg, ids, n * sizeof(*ids)))
		ret = -EFAULT;
	kfree(ids);
	return ret;
}

/* ---- KVM_RUN -------------------------------------------------------------------------------- */

/* kvm_handle_mmio_return(): the access QEMU just emulated; vcpu->mutex held. */
static void keel_complete_mmio(struct keel_vcpu *vcpu)
{
	struct keel_vcpu_ctx *c = vcpu->ctx;
	struct kvm_run *run = vcpu->run;
	unsigned int len = c->exit.mmio.len;
	u64 data = 0;

	vcpu->mmio_pending = false;
	if (!c->exit.mmio.is_write) {
		memcpy(&data, run->mmio.data, min_t(unsigned int, len, 8)); /* little-endian guest */
		if (c->exit.mmio.sign_extend && len < 8) {
			u64 mask = 1ULL << (len * 8 - 1);

			data = (data ^ mask) - mask;
		}
		if (!c->exit.mmio.sixty_four)
			data &= 0xffffffff;
		if (c->exit.mmio.reg < 31)
			c->regs[c->exit.mmio.reg] = data;
	}
	/* kvm_incr_pc(): 2 or 4 bytes in AArch32 (Thumb's IT state moves on), 4 in AArch64. */
	keel_ctx_skip_insn(c, c->exit.esr);
}

/* Block (kvm_vcpu_block) until the guest has an interrupt due, a kick or a signal. */
static void keel_vcpu_halt(struct keel_vcpu *vcpu)
{
	struct keel_vcpu_ctx *c = vcpu->ctx;
	u64 now;

	WRITE_ONCE(vcpu->kick, false);
	smp_mb();
	if (READ_ONCE(vcpu->irq_lines) || keel_timer_levels(vcpu))
		return;
	now = keel_cntpct();
	keel_bg_timer_start(vcpu, min(keel_timer_ns(c->cntv_ctl, now - c->cntvoff, c->cntv_cval),
				      keel_timer_ns(c->cntp_ctl, now, c->cntp_cval)));
	if (!wait_event_interruptible(vcpu->wq, READ_ONCE(vcpu->kick)))
		keel_vstat_add(vcpu, KEEL_VSTAT_HALT_WAKEUP, 1);
	hrtimer_cancel(&vcpu->bg_timer);
}

/* A powered-off vCPU sleeps until a PSCI CPU_ON from another vCPU (a WAKE exit) kicks it, or a signal. */
static void keel_vcpu_sleep_off(struct keel_vcpu *vcpu)
{
	WRITE_ONCE(vcpu->kick, false);
	smp_mb();
	if (keel_vcpu_power(vcpu, KEEL_POWER_QUERY) == KEEL_POWER_ON)
		return;
	wait_event_interruptible(vcpu->wq, READ_ONCE(vcpu->kick));
}

static struct keel_vcpu *keel_vcpu_by_id(struct keel_vm *vm, unsigned int id)
{
	unsigned int i, n = READ_ONCE(vm->nr_vcpus);

	smp_rmb();
	for (i = 0; i < n; i++)
		if (vm->vcpus[i]->vcpu_id == id)
			return vm->vcpus[i];
	return NULL;
}

/* kvm_sigset_activate() / kvm_sigset_deactivate(): the VMM's mask for KVM_RUN (KVM_SET_SIGNAL_MASK). */
static void keel_sigset_activate(struct keel_vcpu *vcpu)
{
	if (vcpu->sigset_active)
		sigprocmask(SIG_SETMASK, &vcpu->sigset, &current->real_blocked);
}

static void keel_sigset_deactivate(struct keel_vcpu *vcpu)
{
	if (!vcpu->sigset_active)
		return;
	sigprocmask(SIG_SETMASK, &current->real_blocked, NULL);
	sigemptyset(&current->real_blocked);
}

/* kvm_arch_vcpu_ioctl_run(); vcpu->mutex held. */
static long keel_vcpu_run(struct keel_vcpu *vcpu)
{
	struct keel_vcpu_ctx *c = vcpu->ctx;
	struct kvm_run *run = vcpu->run;
	struct keel_res res;
	u64 hvc_before;
	bool ptimer_armed;
	long ret, r;

	if (vcpu->target == -1)
		return -ENOEXEC;
	/* kvm_arch_vcpu_run_pid_change(): from now on the firmware bitmaps are fixed. */
	if (!READ_ONCE(vcpu->vm->has_run)) {
		mutex_lock(&vcpu->vm->lock);
		WRITE_ONCE(vcpu->vm->has_run, true);
		mutex_unlock(&vcpu->vm->lock);
	}
	/* The access QEMU emulated is completed first, even with immediate_exit. */
	if (run->exit_reason == KVM_EXIT_MMIO && vcpu->mmio_pending)
		keel_complete_mmio(vcpu);
	if (READ_ONCE(run->immediate_exit))
		return -EINTR;

	keel_sigset_activate(vcpu);
	run->exit_reason = KVM_EXIT_UNKNOWN;
	run->flags = 0;
	WRITE_ONCE(vcpu->task, current);
	for (;;) {
		if (signal_pending(current)) {
			run->exit_reason = KVM_EXIT_INTR;
			keel_vstat_add(vcpu, KEEL_VSTAT_SIGNAL, 1);
			ret = -EINTR;
			break;
		}
		cond_resched();
		/* kvm_vcpu_exit_request(): the timer levels userspace knows are stale. */
		if (keel_timer_levels(vcpu) != keel_timer_reported(vcpu)) {
			run->exit_reason = KVM_EXIT_INTR;
			ret = -EINTR;
			break;
		}

		keel_vcpu_update_stolen_time(vcpu);

		preempt_disable();
		keel_vtimer_mask(keel_timer_reported(vcpu) & KVM_ARM_DEV_EL1_VTIMER);
		/* The emulated physical timer interrupts no guest by itself: a soft timer kicks it out. */
		ptimer_armed = (c->cntp_ctl & (ARCH_TIMER_CTRL_ENABLE | ARCH_TIMER_CTRL_IT_MASK)) ==
			       ARCH_TIMER_CTRL_ENABLE;
		if (ptimer_armed)
			keel_bg_timer_start(vcpu, keel_timer_ns(c->cntp_ctl, keel_cntpct(), c->cntp_cval));
		local_irq_disable();
		WRITE_ONCE(vcpu->in_guest, true);
		smp_mb(); /* in_guest before reading the lines: pairs with keel_vcpu_kick() */
		c->in_flags = (c->in_flags & ~(KEEL_IN_VIRQ | KEEL_IN_VFIQ | KEEL_IN_SYSTEM_SUSPEND |
					       KEEL_IN_CONFIG_KEPT)) |
			      KEEL_IN_HOST_CALLS | (vcpu->config_dirty ? 0 : KEEL_IN_CONFIG_KEPT) |
			      READ_ONCE(vcpu->irq_lines) |
			      (READ_ONCE(vcpu->vm->system_suspend) ? KEEL_IN_SYSTEM_SUSPEND : 0);
		c->cntvoff = READ_ONCE(vcpu->vm->cntvoff);
		c->psci_version = keel_psci_version(vcpu);
		hvc_before = c->stat.hvc;
		trace_keel_vcpu_entry(vcpu->vcpu_id, c->pc);
		ret = keel_hvc4(KEEL_HC_VCPU_RUN, vcpu->vm->handle, vcpu->vcpu_id, page_to_phys(vcpu->ctx_page), 0,
				&res);
		WRITE_ONCE(vcpu->in_guest, false);
		local_irq_enable();
		if (ptimer_armed)
			hrtimer_try_to_cancel(&vcpu->bg_timer);
		preempt_enable();
		if (ret == -ENODEV) {
			/* This CPU stopped running guests (going offline): try again elsewhere. */
			schedule();
			continue;
		}
		if (ret) {
			pr_warn_ratelimited("keel refused to run vCPU %u of VM 0x%llx: %ld\n", vcpu->vcpu_id,
					    vcpu->vm->handle, ret);
			break;
		}
		vcpu->config_dirty = false; /* keel holds the ID and debug registers as the page has them */
		keel_vstat_add(vcpu, KEEL_VSTAT_EXITS, 1);
		keel_vstat_add(vcpu, KEEL_VSTAT_HVC, c->stat.hvc - hvc_before);
		trace_keel_vcpu_exit(vcpu->vcpu_id, res.r[0], c->pc);

		switch (res.r[0]) {
		case KEEL_EXIT_NONE:
			continue;
		case KEEL_EXIT_HYPERCALL:
			keel_vcpu_hypercall(vcpu);
			continue;
		case KEEL_EXIT_IRQ:
			keel_vstat_add(vcpu, KEEL_VSTAT_IRQ, 1);
			continue;
		case KEEL_EXIT_MEM_FAULT:
			/* kvm_is_write_fault(): a permission fault of a table walk is a write (HW AF/DBM). */
			r = keel_vm_fault_in(vcpu->vm, c->exit.ipa,
					     ESR_ELx_EC(c->exit.esr) == ESR_ELx_EC_DABT_LOW &&
						     (c->exit.esr & ESR_ELx_FSC_TYPE) == ESR_ELx_FSC_PERM);
			if (r < 0) {
				ret = r;
				break;
			}
			if (!r) {
				/* Fetching or walking tables outside guest memory: an external abort (KVM's too). */
				c->in_flags |= ESR_ELx_EC(c->exit.esr) == ESR_ELx_EC_IABT_LOW ? KEEL_IN_INJECT_IABT :
												 KEEL_IN_INJECT_DABT;
				c->in_far = c->exit.far;
			}
			continue;
		case KEEL_EXIT_MMIO:
			r = keel_vm_fault_in(vcpu->vm, c->exit.ipa, c->exit.mmio.is_write);
			if (r) {
				if (r > 0)
					continue;
				ret = r;
				break;
			}
			keel_vstat_add(vcpu, KEEL_VSTAT_MMIO_USER, 1);
			run->exit_reason = KVM_EXIT_MMIO;
			run->mmio.phys_addr = c->exit.mmio.addr;
			run->mmio.len = c->exit.mmio.len;
			run->mmio.is_write = c->exit.mmio.is_write;
			memset(run->mmio.data, 0, sizeof(run->mmio.data));
			if (c->exit.mmio.is_write)
				memcpy(run->mmio.data, &c->exit.mmio.data, min_t(u32, c->exit.mmio.len, 8));
			vcpu->mmio_pending = true;
			ret = 0;
			break;
		case KEEL_EXIT_MMIO_NISV:
			r = keel_vm_fault_in(vcpu->vm, c->exit.ipa, c->exit.esr & ESR_ELx_WNR);
			if (r) {
				if (r > 0)
					continue;
				ret = r;
				break;
			}
			if (vcpu->vm->nisv_to_user) {
				run->exit_reason = KVM_EXIT_ARM_NISV;
				run->arm_nisv.esr_iss = c->exit.esr & KEEL_NISV_ISS_MASK;
				run->arm_nisv.fault_ipa = c->exit.ipa;
				ret = 0;
				break;
			}
			/*
			 * No instruction syndrome to emulate from, and the VMM did not ask for these
			 * exits: io_mem_abort() in KVM 6.1 fails KVM_RUN with -ENOSYS (the guest stays
			 * on the instruction, so running it again gives the same).
			 */
			pr_warn_ratelimited("vCPU %u: data abort outside memslots with no valid syndrome info at IPA 0x%llx\n",
					    vcpu->vcpu_id, (unsigned long long)c->exit.ipa);
			ret = -ENOSYS;
			break;
		case KEEL_EXIT_WFI:
			keel_vstat_add(vcpu, KEEL_VSTAT_WFI, 1);
			keel_vcpu_halt(vcpu);
			continue;
		case KEEL_EXIT_POWER_OFF:
			keel_vcpu_sleep_off(vcpu);
			continue;
		case KEEL_EXIT_WAKE: {
			struct keel_vcpu *t = keel_vcpu_by_id(vcpu->vm, (unsigned int)c->exit.target);

			if (t)
				keel_vcpu_kick(t);
			continue;
		}
		case KEEL_EXIT_SYSTEM_EVENT: {
			unsigned int i, n = READ_ONCE(vcpu->vm->nr_vcpus);

			keel_vstat_add(vcpu, KEEL_VSTAT_SYSEVENT, 1);
			memset(&run->system_event, 0, sizeof(run->system_event));
			run->system_event.type = (u32)c->exit.system_event;
			run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
			ret = 0;
			/* kvm_psci_system_suspend(): this vCPU only, ndata 0, the VMM reads the registers. */
			if (c->exit.system_event == KVM_SYSTEM_EVENT_SUSPEND)
				break;
			smp_rmb();
			for (i = 0; i < n; i++)
				if (vcpu->vm->vcpus[i] != vcpu)
					keel_vcpu_kick(vcpu->vm->vcpus[i]);
			/* kvm_prepare_system_event(): type, ndata 1, data[0] = flags (none from keel). */
			run->system_event.ndata = 1;
			run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
			ret = 0;
			break;
		}
		case KEEL_EXIT_FAIL_ENTRY:
		default:
			run->exit_reason = KVM_EXIT_FAIL_ENTRY;
			run->fail_entry.hardware_entry_failure_reason = c->exit.esr;
			run->fail_entry.cpu = raw_smp_processor_id();
			ret = 0;
			break;
		}
		break;
	}
	WRITE_ONCE(vcpu->task, NULL);
	keel_sigset_deactivate(vcpu);
	return ret;
}

/* ---- vCPU file ------------------------------------------------------------------------------ */

static vm_fault_t keel_vcpu_fault(struct vm_fault *vmf)
{
	struct keel_vcpu *vcpu = vmf->vma->vm_file->private_data;

	/* Page 0 is struct kvm_run; there is no coalesced-MMIO page (the cap reads 0). */
	if (vmf->pgoff)
		return VM_FAULT_SIGBUS;
	get_page(virt_to_page(vcpu->run));
	vmf->page = virt_to_page(vcpu->run);
	return 0;
}

static const struct vm_operations_struct keel_vcpu_vm_ops = {
	.fault = keel_vcpu_fault,
};

static int keel_vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	vma->vm_ops = &keel_vcpu_vm_ops;
	return 0;
}

static int keel_vcpu_release(struct inode *inode, struct file *filp)
{
	struct keel_vcpu *vcpu = filp->private_data;

	/* The vCPU itself goes with its VM (kvm_destroy_vm); the file only held the VM. */
	fput(vcpu->vm->filp);
	return 0;
}

static long keel_vcpu_set_mp_state(struct keel_vcpu *vcpu, const struct kvm_mp_state *mp)
{
	long ret;

	switch (mp->mp_state) {
	case KVM_MP_STATE_RUNNABLE:
		ret = keel_vcpu_power(vcpu, KEEL_POWER_ON);
		break;
	case KVM_MP_STATE_STOPPED:
		ret = keel_vcpu_power(vcpu, KEEL_POWER_OFF);
		break;
	default:
		/* KVM_MP_STATE_SUSPENDED needs KVM_CAP_ARM_SYSTEM_SUSPEND, which keel does not give. */
		return -EINVAL;
	}
	return ret < 0 ? ret : 0;
}

/* The timer PPIs KVM 6.1 gives a vCPU by default (default_{v,p}timer_irq). */
#define KEEL_VTIMER_PPI 27
#define KEEL_PTIMER_PPI 30

/* kvm_arm_vcpu_arch_{set,get,has}_attr(): a vCPU without PMU or in-kernel irqchip, with PV time. */
static long keel_vcpu_attr(struct keel_vcpu *vcpu, unsigned int ioctl, const struct kvm_device_attr *attr)
{
	int __user *uaddr = u64_to_user_ptr(attr->addr);

	switch (attr->group) {
	case KVM_ARM_VCPU_PMU_V3_CTRL:
		/* kvm_arm_pmu_v3_*_attr() without KVM_ARM_VCPU_PMU_V3 */
		if (ioctl == KVM_SET_DEVICE_ATTR)
			return -ENODEV;
		if (ioctl == KVM_GET_DEVICE_ATTR && attr->attr == KVM_ARM_VCPU_PMU_V3_IRQ)
			return -EINVAL;
		return -ENXIO;
	case KVM_ARM_VCPU_TIMER_CTRL:
		/* kvm_arm_timer_*_attr(): the PPIs only matter to an in-kernel irqchip, so they stay put. */
		if (ioctl == KVM_SET_DEVICE_ATTR)
			return -EINVAL;
		if (attr->attr != KVM_ARM_VCPU_TIMER_IRQ_VTIMER && attr->attr != KVM_ARM_VCPU_TIMER_IRQ_PTIMER)
			return -ENXIO;
		if (ioctl == KVM_HAS_DEVICE_ATTR)
			return 0;
		return put_user(attr->attr == KVM_ARM_VCPU_TIMER_IRQ_VTIMER ? KEEL_VTIMER_PPI : KEEL_PTIMER_PPI,
				uaddr);
	case KVM_ARM_VCPU_PVTIME_CTRL:
		return keel_vcpu_pvtime_attr(vcpu, ioctl, attr);
	}
	return -ENXIO;
}

static long keel_vcpu_ioctl(struct file *filp, unsigned int ioctl, unsigned long arg)
{
	struct keel_vcpu *vcpu = filp->private_data;
	void __user *argp = (void __user *)arg;
	long r;

	if (vcpu->vm->mm != current->mm)
		return -EIO;
	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;
	/* The VM-wide counter offset may have moved (TIMER_CNT of another vCPU, a new vCPU). */
	vcpu->ctx->cntvoff = READ_ONCE(vcpu->vm->cntvoff);
	switch (ioctl) {
	case KVM_RUN:
		r = arg ? -EINVAL : keel_vcpu_run(vcpu);
		if (vcpu->target != -1)
			keel_timer_update_run(vcpu);
		break;
	case KVM_ARM_VCPU_INIT: {
		struct kvm_vcpu_init init;

		r = -EFAULT;
		if (copy_from_user(&init, argp, sizeof(init)))
			break;
		r = keel_vcpu_init(vcpu, &init);
		break;
	}
	case KVM_GET_ONE_REG:
	case KVM_SET_ONE_REG: {
		struct kvm_one_reg reg;

		r = -ENOEXEC;
		if (vcpu->target == -1)
			break;
		r = -EFAULT;
		if (copy_from_user(&reg, argp, sizeof(reg)))
			break;
		/* A guest's CPU_ON owes this vCPU a reset: take it first, as KVM does (KVM_REQ_VCPU_RESET). */
		r = keel_vcpu_power(vcpu, KEEL_POWER_TAKE_RESET);
		if (r < 0)
			break;
		r = keel_one_reg(vcpu, &reg, ioctl == KVM_SET_ONE_REG);
		if (ioctl == KVM_SET_ONE_REG)
			vcpu->config_dirty = true; /* whichever register: keel reads them all again */
		break;
	}
	case KVM_GET_REG_LIST:
		r = vcpu->target == -1 ? -ENOEXEC : keel_get_reg_list(vcpu, argp);
		break;
	case KVM_GET_STATS_FD:
		r = keel_get_stats_fd(vcpu->vm, vcpu);
		break;
	case KVM_SET_SIGNAL_MASK: {
		struct kvm_signal_mask __user *um = argp;
		struct kvm_signal_mask km;
		sigset_t set;

		/* kvm_vcpu_ioctl_set_sigmask(): NULL switches it off; SIGKILL and SIGSTOP stay deliverable. */
		r = 0;
		if (!argp) {
			vcpu->sigset_active = false;
			break;
		}
		r = -EFAULT;
		if (copy_from_user(&km, um, sizeof(km)))
			break;
		r = -EINVAL;
		if (km.len != sizeof(set))
			break;
		r = -EFAULT;
		if (copy_from_user(&set, um->sigset, sizeof(set)))
			break;
		sigdelsetmask(&set, sigmask(SIGKILL) | sigmask(SIGSTOP));
		vcpu->sigset = set;
		vcpu->sigset_active = true;
		r = 0;
		break;
	}
	case KVM_SET_DEVICE_ATTR:
	case KVM_GET_DEVICE_ATTR:
	case KVM_HAS_DEVICE_ATTR: {
		struct kvm_device_attr attr;

		r = -EFAULT;
		if (copy_from_user(&attr, argp, sizeof(attr)))
			break;
		r = keel_vcpu_attr(vcpu, ioctl, &attr);
		break;
	}
	case KVM_GET_MP_STATE: {
		struct kvm_mp_state mp;

		r = keel_vcpu_power(vcpu, KEEL_POWER_QUERY);
		if (r < 0)
			break;
		mp.mp_state = r == KEEL_POWER_ON ? KVM_MP_STATE_RUNNABLE : KVM_MP_STATE_STOPPED;
		r = copy_to_user(argp, &mp, sizeof(mp)) ? -EFAULT : 0;
		break;
	}
	case KVM_SET_MP_STATE: {
		struct kvm_mp_state mp;

		r = -EFAULT;
		if (copy_from_user(&mp, argp, sizeof(mp)))
			break;
		r = keel_vcpu_set_mp_state(vcpu, &mp);
		break;
	}
	default:
		/* kvm_arch_vcpu_ioctl(): unknown -> -EINVAL */
		r = -EINVAL;
		break;
	}
	mutex_unlock(&vcpu->mutex);
	return r;
}

static long keel_vcpu_no_compat_ioctl(struct file *file, unsigned int ioctl, unsigned long arg)
{
	return -EINVAL;
}

static const struct file_operations keel_vcpu_fops = {
	.owner = THIS_MODULE,
	.release = keel_vcpu_release,
	.unlocked_ioctl = keel_vcpu_ioctl,
	.compat_ioctl = keel_vcpu_no_compat_ioctl,
	.mmap = keel_vcpu_mmap,
	.llseek = noop_llseek,
};

/* ---- VM ioctls ------------------------------------------------------------------------------ */

static void keel_vcpu_free(struct keel_vcpu *vcpu)
{
	if (vcpu->run)
		free_page((unsigned long)vcpu->run);
	if (vcpu->ctx_page)
		__free_page(vcpu->ctx_page);
	kmem_cache_free(keel_vcpu_cache, vcpu);
}

/* kvm_vm_ioctl_create_vcpu() */
long keel_vm_create_vcpu(struct keel_vm *vm, u32 id)
{
	struct keel_vcpu *vcpu;
	char name[24];
	long ret;
	int fd;

	/* KVM_MAX_VCPU_IDS is the VM's vCPU limit here: keel's MPIDR comes from the id. */
	if (id >= KEEL_MAX_VCPUS)
		return -EINVAL;
	mutex_lock(&vm->lock);
	if (vm->nr_vcpus >= KEEL_MAX_VCPUS) {
		ret = -EINVAL;
		goto out_unlock;
	}
	if (keel_vcpu_by_id(vm, id)) {
		ret = -EEXIST;
		goto out_unlock;
	}
	ret = -ENOMEM;
	vcpu = kmem_cache_zalloc(keel_vcpu_cache, GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		goto out_unlock;
	vcpu->vm = vm;
	vcpu->vcpu_id = id;
	vcpu->vcpu_idx = vm->nr_vcpus;
	vcpu->target = -1;
	keel_vcpu_hypercalls_init(vcpu);
	mutex_init(&vcpu->mutex);
	init_waitqueue_head(&vcpu->wq);
	hrtimer_init(&vcpu->bg_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	vcpu->bg_timer.function = keel_bg_timer_expire;
	vcpu->ctx_page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	vcpu->run = (struct kvm_run *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vcpu->ctx_page || !vcpu->run) {
		keel_vcpu_free(vcpu);
		goto out_unlock;
	}
	vcpu->ctx = page_address(vcpu->ctx_page);

	/* The context page is lent to keel from here until the VM goes. */
	ret = keel_vm_hvc_pages(vm, KEEL_HC_VCPU_CREATE, id, page_to_phys(vcpu->ctx_page), 0, 0, NULL);
	trace_keel_vcpu_create(vm->handle, id, ret);
	if (ret) {
		keel_vcpu_free(vcpu);
		goto out_unlock;
	}
	/* kvm_timer_vcpu_init(): every vCPU of the VM counts from the same offset, reset now. */
	vm->cntvoff = keel_cntpct();

	snprintf(name, sizeof(name), "kvm-vcpu:%u", id);
	get_file(vm->filp);
	fd = anon_inode_getfd(name, &keel_vcpu_fops, vcpu, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fput(vm->filp);
		/* keel's vCPU stays until the VM goes (no single-vCPU destroy): keep ours for it too. */
		vcpu->orphan = true;
	}
	vm->vcpus[vm->nr_vcpus] = vcpu;
	smp_wmb(); /* the slot before the count: readers go without the lock */
	WRITE_ONCE(vm->nr_vcpus, vm->nr_vcpus + 1);
	ret = fd;
out_unlock:
	mutex_unlock(&vm->lock);
	return ret;
}

/* The VM's vCPUs, once nothing can run them (the VM file's last reference went). */
void keel_vm_free_vcpus(struct keel_vm *vm, bool ctx_back)
{
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		/* A context page keel did not give back stays lent to it: never reused. */
		if (!ctx_back)
			vm->vcpus[i]->ctx_page = NULL;
		keel_vcpu_free(vm->vcpus[i]);
	}
	vm->nr_vcpus = 0;
}

/* kvm_vm_ioctl_irq_line() for a VM without an in-kernel irqchip. */
long keel_vm_irq_line(struct keel_vm *vm, const struct kvm_irq_level *il)
{
	u32 irq = il->irq;
	unsigned int type = (irq >> KVM_ARM_IRQ_TYPE_SHIFT) & KVM_ARM_IRQ_TYPE_MASK;
	unsigned int idx = ((irq >> KVM_ARM_IRQ_VCPU_SHIFT) & KVM_ARM_IRQ_VCPU_MASK) +
			   ((irq >> KVM_ARM_IRQ_VCPU2_SHIFT) & KVM_ARM_IRQ_VCPU2_MASK) *
				   (KVM_ARM_IRQ_VCPU_MASK + 1);
	unsigned int num = (irq >> KVM_ARM_IRQ_NUM_SHIFT) & KVM_ARM_IRQ_NUM_MASK;
	struct keel_vcpu *vcpu;
	unsigned long bit;
	bool was;

	if (type != KVM_ARM_IRQ_TYPE_CPU)
		return -ENXIO; /* PPI, SPI: only with an in-kernel GIC */
	if (idx >= READ_ONCE(vm->nr_vcpus))
		return -EINVAL;
	smp_rmb();
	vcpu = vm->vcpus[idx];
	if (num > KVM_ARM_IRQ_CPU_FIQ)
		return -EINVAL;
	bit = num == KVM_ARM_IRQ_CPU_IRQ ? 0 : 1; /* KEEL_IN_VIRQ, KEEL_IN_VFIQ */
	if (il->level)
		was = test_and_set_bit(bit, &vcpu->irq_lines);
	else
		was = test_and_clear_bit(bit, &vcpu->irq_lines);
	/* vcpu_interrupt_line(): no change, no kick */
	if (was != !!il->level)
		keel_vcpu_kick(vcpu);
	return 0;
}

/* ---- module init / exit ---------------------------------------------------------------------- */

int keel_vcpu_cache_init(void)
{
	keel_vcpu_cache = kmem_cache_create_usercopy("kvm_vcpu", sizeof(struct keel_vcpu),
						     __alignof__(struct keel_vcpu), SLAB_ACCOUNT,
						     offsetof(struct keel_vcpu, arch),
						     sizeof_field(struct keel_vcpu, arch), NULL);
	return keel_vcpu_cache ? 0 : -ENOMEM;
}

void keel_vcpu_cache_exit(void)
{
	kmem_cache_destroy(keel_vcpu_cache);
}

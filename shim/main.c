// SPDX-License-Identifier: GPL-2.0
/*
 * The shim: Linux's half of KVM over keel. keel (at EL2) owns the
 * virtualization hardware; this module faces userspace with /dev/kvm and
 * the real KVM ioctl ABI, and asks keel by hypercall for everything that
 * needs the hardware.
 *
 * Module init follows KVM's kvm_init() step by step (virt/kvm/kvm_main.c),
 * with the hardware half moved into keel:
 *   kvm_arch_init           find keel: DT node, ABI version by hypercall
 *   hardware setup          keel's limits (IPA size, VMs)
 *   check_processor_compat  every online CPU runs under keel
 *   cpuhp_setup_state       CPU online/offline -> keel may / may not run guests there
 *   reboot notifier         no guests while the machine goes down
 *   kmem cache "kvm_vcpu"
 *   misc_register           /dev/kvm (minor 232)
 *   register_syscore_ops    suspend / resume
 *   kvm_init_debug          /sys/kernel/debug/kvm statistics
 * Module exit undoes them in reverse order.
 */
#define pr_fmt(fmt) "keel-kvm: " fmt

#include <linux/bitops.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/reboot.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/syscore_ops.h>

#include "shim.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

struct keel_info keel_info;
bool keel_rebooting;

static enum cpuhp_state keel_cpuhp_state;
/* CPUs on which keel was told guests may run (KVM's cpus_hardware_enabled). */
static cpumask_t keel_cpus_enabled;

/* ---- finding keel (kvm_arch_init) ---------------------------------------------------------- */

static int keel_probe(void)
{
	struct keel_res res;
	u32 adv_abi;
	long ret;
	int err;

	/* Where keel says it is, before any call (arm64: the device tree's /hypervisor node). */
	err = keel_arch_discover(&adv_abi);
	if (err)
		return err;
	if (adv_abi >> 16 != KEEL_ABI_MAJOR) {
		pr_err("keel speaks hypercall ABI %u.%u (as it advertises), this shim %u.%u: major versions differ, not loading\n",
		       adv_abi >> 16, adv_abi & 0xffff, KEEL_ABI_MAJOR, KEEL_ABI_MINOR);
		return -EPROTO;
	}

	ret = keel_hvc(KEEL_HC_ABI_VERSION, 0, 0, &res);
	if (ret) {
		pr_err("keel's ABI-version hypercall failed (%ld): not loading\n", ret);
		return -ENODEV;
	}
	keel_info.abi = (u32)res.r[0];
	keel_info.nr_cpus = (unsigned int)res.r[1];
	keel_info.cpus_mask = res.r[2];
	if (keel_info.abi >> 16 != KEEL_ABI_MAJOR || keel_info.abi != adv_abi) {
		pr_err("keel answers hypercall ABI %u.%u (it advertised %u.%u), this shim %u.%u: not loading\n",
		       keel_info.abi >> 16, keel_info.abi & 0xffff, adv_abi >> 16, adv_abi & 0xffff,
		       KEEL_ABI_MAJOR, KEEL_ABI_MINOR);
		return -EPROTO;
	}
	if ((keel_info.abi & 0xffff) < KEEL_ABI_MINOR) {
		pr_err("keel's hypercall ABI %u.%u lacks calls this shim (%u.%u) needs: not loading\n",
		       keel_info.abi >> 16, keel_info.abi & 0xffff, KEEL_ABI_MAJOR, KEEL_ABI_MINOR);
		return -EPROTO;
	}

	/* Hardware setup: what keel's stage 2 offers guests. */
	ret = keel_hvc(KEEL_HC_STATS, KEEL_STATS_LIMITS, 0, &res);
	if (ret) {
		pr_err("keel's limits query failed (%ld): not loading\n", ret);
		return -ENODEV;
	}
	keel_info.max_ipa_bits = (unsigned int)res.r[0];
	keel_info.max_vms = (unsigned int)res.r[1];
	if (keel_info.max_ipa_bits < KEEL_VM_IPA_BITS_MIN || !keel_info.max_vms) {
		pr_err("keel offers no guests on this machine (IPA limit %u bits): not loading\n",
		       keel_info.max_ipa_bits);
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * check_processor_compat: every CPU Linux runs must be one keel runs. The
 * count is checked here; each CPU is checked by keel itself when the
 * hotplug callback asks it to enable guests there (-ENODEV from a CPU keel
 * does not run fails the module load).
 */
static int keel_check_cpus(void)
{
	unsigned int under = hweight64(keel_info.cpus_mask);

	if (num_online_cpus() > under) {
		pr_err("keel runs %u of its %u CPUs, Linux has %u online: every CPU must run under keel, not loading\n",
		       under, keel_info.nr_cpus, num_online_cpus());
		return -EOPNOTSUPP;
	}
	return 0;
}

/* ---- per-CPU enable / disable (KVM's hardware_enable_nolock / hardware_disable_nolock) ---- */

/* On the CPU concerned, interrupts off (syscore, or the hotplug callbacks below). */
static long keel_cpu_enable_nolock(void)
{
	unsigned int cpu = raw_smp_processor_id();
	struct keel_res res;
	long ret;

	if (cpumask_test_cpu(cpu, &keel_cpus_enabled))
		return 0;
	ret = keel_hvc(KEEL_HC_CPU_ENABLE, 0, 0, &res);
	trace_keel_cpu_virt(cpu, true, ret);
	if (ret) {
		pr_info("enabling guests on CPU%u failed (%ld)%s\n", cpu, ret,
			ret == -ENODEV ? ": keel does not run this CPU" : "");
		return ret;
	}
	cpumask_set_cpu(cpu, &keel_cpus_enabled);
	return 0;
}

static void keel_cpu_disable_nolock(void *unused)
{
	unsigned int cpu = raw_smp_processor_id();
	long ret;

	if (!cpumask_test_cpu(cpu, &keel_cpus_enabled))
		return;
	cpumask_clear_cpu(cpu, &keel_cpus_enabled);
	ret = keel_hvc(KEEL_HC_CPU_DISABLE, 0, 0, NULL);
	trace_keel_cpu_virt(cpu, false, ret);
	WARN_ONCE(ret, KEEL_PR_PREFIX "disabling guests on CPU%u failed (%ld)\n", cpu, ret);
}

/* CPU hotplug (dynamic AP state): runs on the CPU coming up / going down. */
static int keel_cpu_online(unsigned int cpu)
{
	unsigned long flags;
	long ret;

	if (WARN_ON_ONCE(cpu != raw_smp_processor_id()))
		return -EINVAL;
	if (keel_rebooting)
		return 0;
	local_irq_save(flags);
	ret = keel_cpu_enable_nolock();
	local_irq_restore(flags);
	if (!ret)
		keel_arch_cpu_up();
	return ret ? -EIO : 0;
}

static int keel_cpu_offline(unsigned int cpu)
{
	unsigned long flags;

	keel_arch_cpu_down();
	local_irq_save(flags);
	keel_cpu_disable_nolock(NULL);
	local_irq_restore(flags);
	return 0;
}

/* ---- reboot, suspend/resume ----------------------------------------------------------------- */

static int keel_reboot(struct notifier_block *nb, unsigned long val, void *v)
{
	pr_info("exiting hardware virtualization\n");
	keel_rebooting = true;
	on_each_cpu(keel_cpu_disable_nolock, NULL, 1);
	return NOTIFY_OK;
}

static struct notifier_block keel_reboot_notifier = {
	.notifier_call = keel_reboot,
	.priority = 0,
};

/* Only the boot CPU is up, interrupts off. */
static int keel_suspend(void)
{
	keel_cpu_disable_nolock(NULL);
	return 0;
}

static void keel_resume(void)
{
	if (!keel_rebooting)
		keel_cpu_enable_nolock();
}

static struct syscore_ops keel_syscore_ops = {
	.suspend = keel_suspend,
	.resume = keel_resume,
};

/* ---- module init / exit (kvm_init / kvm_exit) ---------------------------------------------- */

static int __init keel_kvm_init(void)
{
	int r;

	r = keel_probe();
	if (r)
		return r;
	r = keel_check_cpus();
	if (r)
		return r;
	/* What guests need from the host (arm64: the virtual-timer PPI), before the CPUs enable it. */
	r = keel_arch_init();
	if (r)
		return r;

	/* Calls keel_cpu_online() on every online CPU now, and on every CPU that comes later. */
	r = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "keel/kvm:online", keel_cpu_online,
			      keel_cpu_offline);
	if (r < 0) {
		pr_err("CPU hotplug callbacks (enabling guests on every CPU) failed: %d\n", r);
		keel_arch_exit();
		return r;
	}
	keel_cpuhp_state = r;

	r = register_reboot_notifier(&keel_reboot_notifier);
	if (r)
		goto out_cpuhp;

	r = keel_vcpu_cache_init();
	if (r)
		goto out_reboot;
	r = keel_irqfd_module_init();
	if (r)
		goto out_cache;

	r = misc_register(&keel_kvm_dev);
	if (r) {
		pr_err("misc device register failed (%d): is /dev/kvm (minor %d) someone else's?\n", r,
		       KVM_MINOR);
		goto out_irqfd;
	}
	register_syscore_ops(&keel_syscore_ops);
	keel_debugfs_init();

	pr_info("/dev/kvm over keel (hypercall ABI %u.%u, %u CPUs, guest IPA up to %u bits, %u VMs)\n",
		keel_info.abi >> 16, keel_info.abi & 0xffff, num_online_cpus(), keel_info.max_ipa_bits,
		keel_info.max_vms);
	return 0;

out_irqfd:
	keel_irqfd_module_exit();
out_cache:
	keel_vcpu_cache_exit();
out_reboot:
	unregister_reboot_notifier(&keel_reboot_notifier);
out_cpuhp:
	cpuhp_remove_state(keel_cpuhp_state);
	keel_arch_exit();
	return r;
}

static void __exit keel_kvm_exit(void)
{
	keel_debugfs_exit();
	unregister_syscore_ops(&keel_syscore_ops);
	misc_deregister(&keel_kvm_dev);
	keel_irqfd_module_exit();
	keel_vcpu_cache_exit();
	unregister_reboot_notifier(&keel_reboot_notifier);
	/* Calls keel_cpu_offline() on every online CPU. */
	cpuhp_remove_state(keel_cpuhp_state);
	keel_arch_exit();
	WARN_ON(!cpumask_empty(&keel_cpus_enabled));
	pr_info("unloaded\n");
}

module_init(keel_kvm_init);
module_exit(keel_kvm_exit);

MODULE_DESCRIPTION("KVM's /dev/kvm over the keel hypervisor");
MODULE_LICENSE("GPL");

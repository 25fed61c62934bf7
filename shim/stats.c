// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics in debugfs where kvm_stat looks for them: /sys/kernel/debug/kvm/,
 * one read-only file per counter, each read asking keel afresh
 * (KEEL_HC_STATS), and as KVM a directory per VM, kvm/<pid>-<fd>/, with the
 * VM's own vCPU counters (what kvm_stat -d adds up, and -p PID selects).
 * keel's own accounting is what "nothing is lost" is checked against: after
 * every VM is gone, the page pool and the per-owner page counts are back to
 * where they were.
 */
#define pr_fmt(fmt) "keel-kvm: " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>

#include "shim.h"

struct keel_stat_file {
	const char *name;
	enum keel_stats group;
	u64 arg;
	unsigned int result; /* which of x1..x3 */
};

static const struct keel_stat_file keel_stat_files[] = {
	{ "vm_count", KEEL_STATS_OBJECTS, 0, 0 },
	{ "vcpu_count", KEEL_STATS_OBJECTS, 0, 1 },
	{ "cpus_enabled", KEEL_STATS_OBJECTS, 0, 2 },      /* bitmap, keel's CPU numbering */
	{ "hyp_pages_free", KEEL_STATS_POOL, 0, 0 },
	{ "hyp_pages_total", KEEL_STATS_POOL, 0, 1 },
	{ "hyp_pages_vms", KEEL_STATS_POOL, 0, 2 },        /* host pages donated to VMs */
	{ "pages_owner_hyp", KEEL_STATS_OWNER_PAGES, KEEL_OWNER_HYP, 0 },
	{ "pages_owner_host", KEEL_STATS_OWNER_PAGES, KEEL_OWNER_HOST, 0 },
	{ "pages_shared_guests", KEEL_STATS_SHARED, 0, 0 }, /* host pages mapped in guests */
	{ "guest_pages_mapped", KEEL_STATS_SHARED, 0, 2 },  /* guest pages mapped (aliases counted) */
};

static struct dentry *keel_debugfs_dir;

static int keel_stat_get(void *data, u64 *val)
{
	const struct keel_stat_file *f = data;
	struct keel_res res;
	long ret = keel_hvc(KEEL_HC_STATS, f->group, f->arg, &res);

	if (ret)
		return ret;
	*val = res.r[f->result];
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(keel_stat_fops, keel_stat_get, NULL, "%llu\n");

void keel_debugfs_init(void)
{
	unsigned int i;

	keel_debugfs_dir = debugfs_create_dir("kvm", NULL);
	if (IS_ERR(keel_debugfs_dir)) {
		/* No debugfs, or a "kvm" directory already there: /dev/kvm works without it. */
		pr_warn("no statistics in debugfs (kvm directory: %ld)\n", PTR_ERR(keel_debugfs_dir));
		keel_debugfs_dir = NULL;
		return;
	}
	for (i = 0; i < ARRAY_SIZE(keel_stat_files); i++)
		debugfs_create_file_unsafe(keel_stat_files[i].name, 0444, keel_debugfs_dir,
					   (void *)&keel_stat_files[i], &keel_stat_fops);
	keel_vcpu_debugfs_init(keel_debugfs_dir);
}

static int keel_vm_stat_get(void *data, u64 *val)
{
	const struct keel_vm_stat_file *f = data;

	*val = keel_vm_vstat_sum(f->vm, f->stat);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(keel_vm_stat_fops, keel_vm_stat_get, NULL, "%llu\n");

/* kvm_create_vm_debugfs(): before the fd is installed, named as KVM names it. */
void keel_vm_debugfs_create(struct keel_vm *vm, int fd)
{
	char name[32];
	unsigned int i;

	if (!keel_debugfs_dir)
		return;
	snprintf(name, sizeof(name), "%d-%d", task_pid_nr(current), fd);
	vm->debugfs = debugfs_create_dir(name, keel_debugfs_dir);
	if (IS_ERR(vm->debugfs)) {
		vm->debugfs = NULL;
		return;
	}
	for (i = 0; i < KEEL_VSTAT_NR; i++) {
		vm->stat_files[i] = (struct keel_vm_stat_file){ vm, i };
		debugfs_create_file_unsafe(keel_vstat_name(i), 0444, vm->debugfs, &vm->stat_files[i],
					   &keel_vm_stat_fops);
	}
}

/* Waits for readers in progress (debugfs_file_get), so the VM may go right after. */
void keel_vm_debugfs_remove(struct keel_vm *vm)
{
	debugfs_remove_recursive(vm->debugfs);
	vm->debugfs = NULL;
}

void keel_debugfs_exit(void)
{
	debugfs_remove_recursive(keel_debugfs_dir);
	keel_debugfs_dir = NULL;
}

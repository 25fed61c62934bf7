// SPDX-License-Identifier: GPL-2.0
/*
 * KVM's binary statistics (KVM_GET_STATS_FD on a VM or vCPU fd,
 * KVM_CAP_BINARY_STATS_FD; Documentation/virt/kvm/api.rst 4.133): a
 * read-only fd whose contents are a header, the id string, the
 * descriptors and the values, laid out as virt/kvm/binary_stats.c lays
 * them. The values are the shim's own counters, read afresh at every read:
 * per vCPU the exit counters debugfs sums (KVM's names), per VM what its
 * memory costs.
 */
#define pr_fmt(fmt) "keel-kvm: " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "shim.h"

/* KVM_STATS_NAME_SIZE of <linux/kvm_host.h> (not uapi): room for the id and each name, NUL included. */
#define KEEL_STATS_NAME_SIZE 48

struct keel_stats_file {
	struct keel_vm *vm;       /* held through its file */
	struct keel_vcpu *vcpu;   /* NULL for the VM's statistics */
	char id[KEEL_STATS_NAME_SIZE];
};

#define KEEL_VM_STATS 3
static const struct {
	const char *name;
	u32 type;
} keel_vm_stats[KEEL_VM_STATS] = {
	/* VM_UNMAP calls: each invalidates the VM's TLB entries on every CPU (KVM's generic names) */
	{ "remote_tlb_flush", KVM_STATS_TYPE_CUMULATIVE },
	{ "remote_tlb_flush_requests", KVM_STATS_TYPE_CUMULATIVE },
	/* pages of the VMM's memory keel maps for the VM's memory slots */
	{ "pages_mapped", KVM_STATS_TYPE_INSTANT },
};

static unsigned int keel_stats_count(const struct keel_stats_file *sf)
{
	return sf->vcpu ? KEEL_VSTAT_NR : KEEL_VM_STATS;
}

static u64 keel_stats_value(const struct keel_stats_file *sf, unsigned int i)
{
	u64 mapped, unmaps;

	if (sf->vcpu)
		return READ_ONCE(sf->vcpu->stat[i]);
	keel_vm_mem_stats(sf->vm, &mapped, &unmaps);
	return i == 2 ? mapped : unmaps;
}

/* Header, id, descriptors, values: the whole file, as kvm_stats_read() presents it. */
static void *keel_stats_build(const struct keel_stats_file *sf, size_t *size)
{
	unsigned int n = keel_stats_count(sf), i;
	size_t dsize = sizeof(struct kvm_stats_desc) + KEEL_STATS_NAME_SIZE;
	struct kvm_stats_header h = {
		.flags = 0,
		.name_size = KEEL_STATS_NAME_SIZE,
		.num_desc = n,
		.id_offset = sizeof(h),
		.desc_offset = sizeof(h) + KEEL_STATS_NAME_SIZE,
		.data_offset = sizeof(h) + KEEL_STATS_NAME_SIZE + n * dsize,
	};
	u8 *buf;

	*size = h.data_offset + n * sizeof(u64);
	buf = kzalloc(*size, GFP_KERNEL);
	if (!buf)
		return NULL;
	memcpy(buf, &h, sizeof(h));
	strscpy(buf + h.id_offset, sf->id, KEEL_STATS_NAME_SIZE);
	for (i = 0; i < n; i++) {
		struct kvm_stats_desc *d = (void *)(buf + h.desc_offset + i * dsize);
		u64 v = keel_stats_value(sf, i);

		d->flags = (sf->vcpu ? KVM_STATS_TYPE_CUMULATIVE : keel_vm_stats[i].type) | KVM_STATS_UNIT_NONE |
			   KVM_STATS_BASE_POW10;
		d->exponent = 0;
		d->size = 1;
		d->offset = i * sizeof(u64);
		strscpy(d->name, sf->vcpu ? keel_vstat_name(i) : keel_vm_stats[i].name, KEEL_STATS_NAME_SIZE);
		memcpy(buf + h.data_offset + i * sizeof(u64), &v, sizeof(v));
	}
	return buf;
}

static ssize_t keel_stats_read(struct file *file, char __user *ubuf, size_t len, loff_t *pos)
{
	struct keel_stats_file *sf = file->private_data;
	size_t size;
	ssize_t ret;
	u8 *buf;

	if (*pos < 0)
		return -EINVAL;
	buf = keel_stats_build(sf, &size);
	if (!buf)
		return -ENOMEM;
	if (*pos >= size) {
		ret = 0;
	} else {
		len = min_t(size_t, len, size - *pos);
		ret = copy_to_user(ubuf, buf + *pos, len) ? -EFAULT : (ssize_t)len;
		if (ret > 0)
			*pos += ret;
	}
	kfree(buf);
	return ret;
}

static int keel_stats_release(struct inode *inode, struct file *file)
{
	struct keel_stats_file *sf = file->private_data;

	fput(sf->vm->filp); /* the VM (and its vCPUs) may go now */
	kfree(sf);
	return 0;
}

static const struct file_operations keel_stats_fops = {
	.owner = THIS_MODULE,
	.read = keel_stats_read,
	.release = keel_stats_release,
	.llseek = noop_llseek,
};

/* KVM_GET_STATS_FD: kvm_vm_ioctl_get_stats_fd() / kvm_vcpu_ioctl_get_stats_fd(). vcpu NULL: the VM's. */
long keel_get_stats_fd(struct keel_vm *vm, struct keel_vcpu *vcpu)
{
	struct keel_stats_file *sf = kzalloc(sizeof(*sf), GFP_KERNEL_ACCOUNT);
	struct file *file;
	int fd;

	if (!sf)
		return -ENOMEM;
	sf->vm = vm;
	sf->vcpu = vcpu;
	if (vcpu)
		snprintf(sf->id, sizeof(sf->id), "kvm-%d/vcpu-%u", vm->pid, vcpu->vcpu_id);
	else
		snprintf(sf->id, sizeof(sf->id), "kvm-%d", vm->pid);
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		kfree(sf);
		return fd;
	}
	file = anon_inode_getfile(vcpu ? "kvm-vcpu-stats" : "kvm-vm-stats", &keel_stats_fops, sf, O_RDONLY);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		kfree(sf);
		return PTR_ERR(file);
	}
	get_file(vm->filp);
	file->f_mode |= FMODE_PREAD;
	fd_install(fd, file);
	return fd;
}

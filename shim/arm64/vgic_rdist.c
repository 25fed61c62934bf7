// SPDX-License-Identifier: GPL-2.0
/*
 * Where the in-kernel GICv3's distributor and redistributors are
 * (KVM_DEV_ARM_VGIC_GRP_ADDR), as Linux 6.1's vgic-kvm-device.c and
 * vgic-mmio-v3.c place them: the distributor; redistributor regions, the
 * legacy single one (KVM_VGIC_V3_ADDR_TYPE_REDIST, sized by the vCPUs) or
 * indexed ones of a given count (REDIST_REGION), filled in vCPU creation
 * order, each vCPU given the next free frame when a region or the vCPU
 * appears. keel is told each vCPU's frame and its GICR_TYPER.Last bit.
 * Everything under the VM's lock.
 */
#define pr_fmt(fmt) "keel-kvm: " fmt

#include <linux/bitfield.h>
#include <linux/uaccess.h>

#include "shim.h"

/* KVM_VGIC_V3_ADDR_TYPE_REDIST_REGION's value (include/kvm/arm_vgic.h, not uapi) */
#define KEEL_RDIST_INDEX_MASK GENMASK_ULL(11, 0)
#define KEEL_RDIST_FLAGS_MASK GENMASK_ULL(15, 12)
#define KEEL_RDIST_BASE_MASK GENMASK_ULL(51, 16)
#define KEEL_RDIST_COUNT_SHIFT 52
#define KEEL_RDIST_COUNT_MASK GENMASK_ULL(63, 52)

static u64 keel_rd_size(struct keel_vm *vm, const struct keel_vgic_rdreg *r)
{
	return (u64)(r->count ? r->count : vm->nr_vcpus) * KEEL_VGIC_REDIST_SIZE;
}

/* vgic_check_iorange() */
long keel_vgic_check_iorange(struct keel_vm *vm, u64 ioaddr, u64 addr, u64 align, u64 size)
{
	if (ioaddr != KEEL_VGIC_ADDR_UNDEF)
		return -EEXIST;
	if (!IS_ALIGNED(addr, align) || !IS_ALIGNED(size, align))
		return -EINVAL;
	if (addr + size < addr)
		return -EINVAL;
	if ((addr >> vm->ipa_bits) || addr + size > 1ULL << vm->ipa_bits)
		return -E2BIG;
	return 0;
}

/* vgic_v3_rdist_overlap() */
static bool keel_rd_overlap(struct keel_vm *vm, u64 base, u64 size)
{
	struct keel_vgic *g = &vm->arch.vgic;
	unsigned int i;

	for (i = 0; i < g->nr_rdregs; i++)
		if (base + size > g->rdregs[i].base && base < g->rdregs[i].base + keel_rd_size(vm, &g->rdregs[i]))
			return true;
	return false;
}

/* vgic_v3_check_base(): every region within the IPA space, none over the distributor. */
bool keel_vgic_check_base(struct keel_vm *vm)
{
	struct keel_vgic *g = &vm->arch.vgic;
	unsigned int i;

	for (i = 0; i < g->nr_rdregs; i++)
		if (keel_vgic_check_iorange(vm, KEEL_VGIC_ADDR_UNDEF, g->rdregs[i].base, SZ_64K,
					    keel_rd_size(vm, &g->rdregs[i])))
			return false;
	return g->dist_base == KEEL_VGIC_ADDR_UNDEF || !keel_rd_overlap(vm, g->dist_base, KEEL_VGIC_DIST_SIZE);
}

/* vgic_mmio_vcpu_rdist_is_last(): GICR_TYPER.Last of a vCPU's redistributor. */
static bool keel_rd_is_last(struct keel_vm *vm, struct keel_vcpu *vcpu)
{
	struct keel_vgic *g = &vm->arch.vgic;
	const struct keel_vgic_rdreg *r;
	u64 end;
	unsigned int i;

	if (vcpu->arch.rdreg < 0)
		return false;
	r = &g->rdregs[vcpu->arch.rdreg];
	if (vcpu->arch.rdreg_index + 1 < r->free_index)
		return false;
	if (r->count && vcpu->arch.rdreg_index == r->count - 1) {
		/* the region's last: unless a region that has redistributors follows on directly */
		end = r->base + (u64)r->count * KEEL_VGIC_REDIST_SIZE;
		for (i = 0; i < g->nr_rdregs; i++)
			if (g->rdregs[i].base == end && g->rdregs[i].free_index > 0)
				return false;
	}
	return true;
}

/* Tell keel where a vCPU's redistributor is, and its Last bit, if either changed. */
static long keel_rd_publish(struct keel_vm *vm, struct keel_vcpu *vcpu)
{
	bool last = keel_rd_is_last(vm, vcpu);
	u64 base;
	long r;

	if (vcpu->arch.rdreg < 0 || (vcpu->arch.rd_published && vcpu->arch.rd_last == last))
		return 0;
	base = vm->arch.vgic.rdregs[vcpu->arch.rdreg].base + (u64)vcpu->arch.rdreg_index * KEEL_VGIC_REDIST_SIZE;
	r = keel_vgic_set_addr(vm, KEEL_VGIC_ADDR_REDIST, base, vcpu->vcpu_id | (last ? KEEL_VGIC_RDIST_LAST : 0));
	if (!r) {
		vcpu->arch.rd_published = true;
		vcpu->arch.rd_last = last;
	}
	return r;
}

static long keel_rd_publish_all(struct keel_vm *vm, struct keel_vcpu *extra)
{
	unsigned int i;
	long r = extra ? keel_rd_publish(vm, extra) : 0;

	for (i = 0; !r && i < vm->nr_vcpus; i++)
		r = keel_rd_publish(vm, vm->vcpus[i]);
	return r;
}

/* vgic_v3_rdist_free_slot() */
static int keel_rd_free_slot(struct keel_vm *vm)
{
	struct keel_vgic *g = &vm->arch.vgic;
	unsigned int i;

	for (i = 0; i < g->nr_rdregs; i++)
		if (!g->rdregs[i].count || g->rdregs[i].free_index < g->rdregs[i].count)
			return i;
	return -1;
}

/* vgic_register_redist_iodev(): the vCPU takes the next free frame, if a region has one. */
static long keel_rd_register(struct keel_vm *vm, struct keel_vcpu *vcpu)
{
	struct keel_vgic *g = &vm->arch.vgic;
	int slot;

	if (vcpu->arch.rdreg >= 0)
		return 0;
	slot = keel_rd_free_slot(vm);
	if (slot < 0)
		return 0; /* placed when a region comes */
	if (!keel_vgic_check_base(vm))
		return -EINVAL;
	vcpu->arch.rdreg = slot;
	vcpu->arch.rdreg_index = g->rdregs[slot].free_index++;
	return 0;
}

/* kvm_vgic_vcpu_init() for a vCPU being created: -EINVAL if its frame would break the layout. */
long keel_vgic_vcpu_precreate(struct keel_vm *vm)
{
	if (!vm->arch.vgic.created || keel_rd_free_slot(vm) < 0)
		return 0;
	return keel_vgic_check_base(vm) ? 0 : -EINVAL;
}

/* ... and once keel has it. */
void keel_vgic_vcpu_created(struct keel_vcpu *vcpu)
{
	struct keel_vm *vm = vcpu->vm;

	if (!vm->arch.vgic.created)
		return;
	if (keel_rd_register(vm, vcpu) || keel_rd_publish_all(vm, vcpu))
		pr_warn_ratelimited("vCPU %u: its redistributor could not be placed\n", vcpu->vcpu_id);
}

/* vgic_v3_set_redist_base(): a region (count 0: the legacy one), then every vCPU without a frame placed. */
static long keel_rd_add_region(struct keel_vm *vm, u32 index, u64 base, u32 count)
{
	struct keel_vgic *g = &vm->arch.vgic;
	u64 size = (u64)(count ? count : vm->nr_vcpus) * KEEL_VGIC_REDIST_SIZE;
	struct keel_vgic_rdreg *last;
	unsigned int i;
	long r;

	if (base + size < base)
		return -EINVAL;
	if (!g->nr_rdregs) {
		if (index)
			return -EINVAL;
	} else {
		last = &g->rdregs[g->nr_rdregs - 1];
		if (!count && last->count)
			return -EINVAL; /* no mixing the legacy region with indexed ones */
		if (!count)
			return -EEXIST;
		if (index != last->index + 1)
			return -EINVAL;
	}
	if (!count && g->dist_base != KEEL_VGIC_ADDR_UNDEF && base + size > g->dist_base &&
	    base < g->dist_base + KEEL_VGIC_DIST_SIZE)
		return -EINVAL;
	if (keel_rd_overlap(vm, base, size))
		return -EINVAL;
	if (g->nr_rdregs == KEEL_VGIC_MAX_RDREGS)
		return -ENOMEM;
	r = keel_vgic_check_iorange(vm, KEEL_VGIC_ADDR_UNDEF, base, SZ_64K, size);
	if (r)
		return r;
	g->rdregs[g->nr_rdregs++] = (struct keel_vgic_rdreg){ .base = base, .count = count, .index = index };
	for (i = 0; !r && i < vm->nr_vcpus; i++)
		r = keel_rd_register(vm, vm->vcpus[i]);
	if (r) {
		/* vgic_v3_free_redist_region(): its vCPUs lose their frame */
		for (i = 0; i < vm->nr_vcpus; i++)
			if (vm->vcpus[i]->arch.rdreg == (int)g->nr_rdregs - 1)
				vm->vcpus[i]->arch.rdreg = -1;
		g->nr_rdregs--;
		return r;
	}
	return keel_rd_publish_all(vm, NULL);
}

/* KVM_DEV_ARM_VGIC_GRP_ADDR, set or get: kvm_vgic_addr(), its -ENODEV turned into -ENXIO. */
long keel_vgic_addr(struct keel_vm *vm, bool set, u64 type, u64 __user *uaddr)
{
	struct keel_vgic *g = &vm->arch.vgic;
	u64 addr = 0;
	unsigned int i;
	long r;

	if ((set || type == KVM_VGIC_V3_ADDR_TYPE_REDIST_REGION) && get_user(addr, uaddr))
		return -EFAULT;
	switch (type) {
	case KVM_VGIC_V3_ADDR_TYPE_DIST:
		if (!set)
			return put_user(g->dist_base, uaddr);
		r = keel_vgic_check_iorange(vm, g->dist_base, addr, SZ_64K, KEEL_VGIC_DIST_SIZE);
		if (!r)
			r = keel_vgic_set_addr(vm, KEEL_VGIC_ADDR_DIST, addr, 0);
		if (!r)
			g->dist_base = addr;
		return r;
	case KVM_VGIC_V3_ADDR_TYPE_REDIST:
		if (set)
			return keel_rd_add_region(vm, 0, addr, 0);
		return put_user(g->nr_rdregs ? g->rdregs[0].base : KEEL_VGIC_ADDR_UNDEF, uaddr);
	case KVM_VGIC_V3_ADDR_TYPE_REDIST_REGION:
		if (set) {
			u32 count = FIELD_GET(KEEL_RDIST_COUNT_MASK, addr);

			if (!count || FIELD_GET(KEEL_RDIST_FLAGS_MASK, addr))
				return -EINVAL;
			return keel_rd_add_region(vm, addr & KEEL_RDIST_INDEX_MASK,
						  addr & KEEL_RDIST_BASE_MASK, count);
		}
		for (i = 0; i < g->nr_rdregs; i++)
			if (g->rdregs[i].index == (addr & KEEL_RDIST_INDEX_MASK))
				return put_user((u64)g->rdregs[i].index | g->rdregs[i].base |
						(u64)g->rdregs[i].count << KEEL_RDIST_COUNT_SHIFT, uaddr);
		return -ENOENT;
	}
	return -ENXIO;
}

/* vgic_v3_map_resources(): every vCPU's redistributor and the distributor placed, nothing overlapping. */
long keel_vgic_check_placed(struct keel_vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i]->arch.rdreg < 0)
			return -ENXIO;
	if (vm->arch.vgic.dist_base == KEEL_VGIC_ADDR_UNDEF)
		return -ENXIO;
	return keel_vgic_check_base(vm) ? 0 : -EINVAL;
}

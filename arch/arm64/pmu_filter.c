// SPDX-License-Identifier: GPL-2.0
/*
 * A VM's PMU event filter (KEEL_HC_VM_PMU FILTER, KVM 6.1's
 * KVM_ARM_VCPU_PMU_V3_FILTER): a bitmap of allowed events in one page of
 * the VM's memcache (two for a 65536-event space), made at the first call,
 * fixed once a vCPU of the VM has run. Plain C (tests/unit builds it for
 * the host); pmu.c asks pmu_filter_allows() for each counter it loads.
 */
#include <arch/pmu.h>
#include <hv/arch/vm.h>
#include <hv/errno.h>
#include <hv/memcache.h>
#include <hv/string.h>
#include <hv/vm.h>
#include <keel/abi.h>

/* A filter bit: 32768 events a page. */
static uint64_t *filter_word(const struct pmu_filter *f, uint64_t e, uint64_t *bit)
{
	*bit = 1UL << (e % 64);
	return &f->page[e >> 15][(e & 0x7fff) / 64];
}

bool pmu_filter_allows(const struct pmu_filter *f, uint64_t event)
{
	uint64_t bit;

	return !f->page[0] || (event < f->nr_events && (*filter_word(f, event, &bit) & bit));
}

/*
 * KEEL_PMU_FILTER: a range allowed or denied, the first call setting every
 * other event the other way. Everything is checked before anything changes.
 */
static int filter_set(struct vm *vm, const uint64_t *arg, uint64_t *ret)
{
	struct pmu_filter *f = &vm->arch.pmu;
	uint64_t base = arg[0], n = arg[1], action = arg[2] & 0xff, nr = arg[2] >> 8, bit, *w;
	unsigned pages = nr == 65536 ? 2 : 1;

	if ((nr != 1024 && nr != 65536) || action > KEEL_PMU_DENY || base > nr || n > nr - base ||
	    (f->page[0] && nr != f->nr_events) || arg[3])
		return -EINVAL;
	if (f->ran)
		return -EBUSY;
	if (!f->page[0]) {
		if (vm->mc.nr < pages) {
			ret[0] = pages - vm->mc.nr;
			return -ENOMEM;
		}
		for (unsigned i = 0; i < pages; i++) {
			f->page[i] = memcache_pop(&vm->mc);
			memset(f->page[i], action == KEEL_PMU_ALLOW ? 0 : 0xff, PAGE_SIZE);
		}
		f->nr_events = (uint32_t)nr;
	}
	for (uint64_t e = base; e < base + n; e++) {
		w = filter_word(f, e, &bit);
		*w = action == KEEL_PMU_ALLOW ? *w | bit : *w & ~bit;
	}
	return 0;
}

int arch_vm_pmu(struct vm *vm, uint64_t op, const uint64_t *arg, uint64_t *ret)
{
	if (op == KEEL_PMU_FILTER)
		return filter_set(vm, arg, ret);
	return -EINVAL;
}

void pmu_vm_fini(struct vm *vm, struct memcache *mc)
{
	struct pmu_filter *f = &vm->arch.pmu;

	for (unsigned i = 0; i < 2; i++)
		if (f->page[i])
			memcache_push(mc, f->page[i]);
	memset(f, 0, sizeof(*f));
}

// SPDX-License-Identifier: GPL-2.0
/*
 * arm64's PMU event filter (arch/arm64/pmu_filter.c, KEEL_HC_VM_PMU
 * FILTER), built for the host with arm64's headers: every refusal keel
 * makes of the call (its own, whatever the shim checked before), that a
 * refused call changes nothing, the first call's default for the other
 * events, the pages it takes from the VM's memcache and gives back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arch/pmu.h>
#include <hv/arch/vm.h>
#include <hv/errno.h>
#include <hv/memcache.h>
#include <hv/vm.h>
#include <keel/abi.h>

/* The VM's memcache: a list of malloc'ed pages, as memcache.c keeps donated ones. */
void memcache_push(struct memcache *mc, void *page)
{
	*(void **)page = mc->head;
	mc->head = page;
	mc->nr++;
}
void *memcache_pop(struct memcache *mc)
{
	void *p = mc->head;

	if (p) {
		mc->head = *(void **)p;
		mc->nr--;
	}
	return p;
}

static struct vm *vm;

static int setup(void **state)
{
	(void)state;
	vm = calloc(1, sizeof(*vm));
	return vm ? 0 : -1;
}

static int teardown(void **state)
{
	void *p;

	(void)state;
	pmu_vm_fini(vm, &vm->mc);
	while ((p = memcache_pop(&vm->mc)))
		free(p);
	free(vm);
	return 0;
}

static void donate(unsigned n)
{
	while (n--)
		memcache_push(&vm->mc, aligned_alloc(PAGE_SIZE, PAGE_SIZE));
}

/* One FILTER call: events [base, base + n), action, an event space of nr. */
static int filter(uint64_t base, uint64_t n, uint64_t action, uint64_t nr, uint64_t *want)
{
	uint64_t arg[4] = { base, n, action | nr << 8, 0 }, ret[3] = { 0, 0, 0 };
	int r = arch_vm_pmu(vm, KEEL_PMU_FILTER, arg, ret);

	*want = ret[0];
	return r;
}

static void test_refusals(void **state)
{
	uint64_t want, arg[4] = { 0, 1, KEEL_PMU_ALLOW | 1024 << 8, 1 }, ret[3];

	(void)state;
	assert_int_equal(arch_vm_pmu(vm, 1, arg, ret), -EINVAL);              /* unknown op */
	assert_int_equal(arch_vm_pmu(vm, KEEL_PMU_FILTER, arg, ret), -EINVAL); /* x6 not 0 */
	assert_int_equal(filter(0, 1, KEEL_PMU_ALLOW, 2048, &want), -EINVAL);  /* event space */
	assert_int_equal(filter(0, 1, 2, 1024, &want), -EINVAL);               /* action */
	assert_int_equal(filter(1025, 0, KEEL_PMU_ALLOW, 1024, &want), -EINVAL); /* first event past the space */
	assert_int_equal(filter(1000, 25, KEEL_PMU_ALLOW, 1024, &want), -EINVAL); /* range past its end */
	assert_int_equal(filter(1, ~0ULL, KEEL_PMU_ALLOW, 1024, &want), -EINVAL); /* wrapping range */
	/* No pages to take: -ENOMEM with how many (two for 65536 events); nothing made. */
	assert_int_equal(filter(0, 1, KEEL_PMU_DENY, 65536, &want), -ENOMEM);
	assert_int_equal(want, 2);
	donate(1);
	assert_int_equal(filter(0, 1, KEEL_PMU_DENY, 65536, &want), -ENOMEM);
	assert_int_equal(want, 1);
	assert_null(vm->arch.pmu.page[0]);
	assert_true(pmu_filter_allows(&vm->arch.pmu, 3)); /* still no filter: every event counts */
	assert_int_equal(vm->mc.nr, 1);
}

static void test_filter(void **state)
{
	uint64_t want;

	(void)state;
	donate(3);
	/* The first call allows 0x11..0x12: everything else is denied. */
	assert_int_equal(filter(0x11, 2, KEEL_PMU_ALLOW, 1024, &want), 0);
	assert_int_equal(vm->mc.nr, 2);
	assert_true(pmu_filter_allows(&vm->arch.pmu, 0x11));
	assert_true(pmu_filter_allows(&vm->arch.pmu, 0x12));
	assert_false(pmu_filter_allows(&vm->arch.pmu, 0x10));
	assert_false(pmu_filter_allows(&vm->arch.pmu, 0x13));
	assert_false(pmu_filter_allows(&vm->arch.pmu, 1024)); /* beyond the space: never */
	/* Later calls change their range only, in the same space (another: -EINVAL, nothing changed). */
	assert_int_equal(filter(0x12, 1, KEEL_PMU_DENY, 1024, &want), 0);
	assert_false(pmu_filter_allows(&vm->arch.pmu, 0x12));
	assert_int_equal(filter(0, 1024, KEEL_PMU_ALLOW, 65536, &want), -EINVAL);
	assert_false(pmu_filter_allows(&vm->arch.pmu, 0));
	assert_int_equal(filter(0x3ff, 1, KEEL_PMU_ALLOW, 1024, &want), 0); /* the last event */
	assert_true(pmu_filter_allows(&vm->arch.pmu, 0x3ff));
	assert_int_equal(vm->mc.nr, 2);
	/* Once a vCPU ran, fixed: -EBUSY, nothing changed. */
	vm->arch.pmu.ran = true;
	assert_int_equal(filter(0x10, 1, KEEL_PMU_ALLOW, 1024, &want), -EBUSY);
	assert_false(pmu_filter_allows(&vm->arch.pmu, 0x10));
	/* The VM goes: its page back in the memcache. */
	pmu_vm_fini(vm, &vm->mc);
	assert_int_equal(vm->mc.nr, 3);
	assert_null(vm->arch.pmu.page[0]);
}

static void test_deny_large(void **state)
{
	uint64_t want;

	(void)state;
	donate(2);
	/* A 65536-event space, first call DENY: the rest allowed, over both pages. */
	assert_int_equal(filter(0x8000, 2, KEEL_PMU_DENY, 65536, &want), 0);
	assert_int_equal(vm->mc.nr, 0);
	assert_false(pmu_filter_allows(&vm->arch.pmu, 0x8000));
	assert_false(pmu_filter_allows(&vm->arch.pmu, 0x8001));
	assert_true(pmu_filter_allows(&vm->arch.pmu, 0x7fff));
	assert_true(pmu_filter_allows(&vm->arch.pmu, 0xffff));
	assert_true(pmu_filter_allows(&vm->arch.pmu, 0x11));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deny_large, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

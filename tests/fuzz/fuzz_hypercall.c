// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer over keel's host-facing calls (hypercall_dispatch, the hv/ core
 * on the fake arch, with ASan and UBSan). An input is a program of up to
 * MAX_OPS calls. Each argument is drawn from the input but may be steered
 * to what a host can name - a live or stale VM handle, a page of its RAM,
 * a list page it filled, a small count - so calls get past their first
 * checks and into the state they change. Between calls: no lock held, no
 * break-before-make broken, no TLB flush owed. At the end every VM is
 * destroyed, and then every page must be the host's again (keel's own
 * memory keel's), nothing shared, keel's pool where it was: a hostile or
 * buggy host can never crash keel, leak its memory or keep guest pages.
 * A panic (hv_panic, a broken invariant) aborts: libFuzzer reports it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arch/fake.h>
#include <hv/boot.h>
#include <hv/cpu.h>
#include <hv/errno.h>
#include <hv/host.h>
#include <hv/hypercall.h>
#include <hv/owner.h>
#include <hv/page_alloc.h>
#include <hv/vcpu.h>
#include <hv/vm.h>
#include <keel/abi.h>

#define POOL_PAGES 1024 /* one max-order block */
#define RAM_PAGES 256
#define LIST_PAGES 4 /* RAM pages 0..3: the lists a call reads (VM_MAP, VM_TOPUP) */
#define MAX_OPS 48
#define MAX_HANDLES MAX_OPS

static void *pool_mem, *ram;
static struct boot_info bi;
static struct pgtable host_s2;

struct input {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct input *in, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes && in->n; i++, in->n--)
		v |= (uint64_t)*in->p++ << (8 * i);
	return v;
}

static uint64_t ram_pa(uint64_t page) { return (uintptr_t)ram + (page % RAM_PAGES) * PAGE_SIZE; }

/* The guest of the fake arch: a WFI, PC moved on. */
static int guest_wfi(struct vcpu *v, bool flush)
{
	(void)flush;
	v->arch.ctx.pc += 4;
	return KEEL_EXIT_WFI;
}
extern int (*fake_vcpu_run_hook)(struct vcpu *v, bool flush_local);

static void boot(void);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	pool_mem = aligned_alloc(PAGE_SIZE << PAGE_ALLOC_MAX_ORDER, PAGE_SIZE << PAGE_ALLOC_MAX_ORDER); /* >= POOL_PAGES */
	ram = aligned_alloc(2UL << 20, 2UL << 20); /* >= RAM_PAGES */
	if (!pool_mem || !ram)
		abort();
	bi.mem[0] = (struct mem_range){ (uintptr_t)ram, RAM_PAGES * PAGE_SIZE };
	bi.mem[1] = (struct mem_range){ (uintptr_t)pool_mem, POOL_PAGES * PAGE_SIZE };
	bi.nr_mem = 2;
	bi.keel = bi.mem[1];
	fake_vcpu_run_hook = guest_wfi;
	boot();
	return 0;
}

/*
 * As at boot, once: keel's pool, page ownership, the VM table, the host's
 * stage 2, two CPUs. Each input must leave it all as it found it
 * (check_all_back), so the next one starts from a booted keel too.
 */
static void boot(void)
{
	page_pool_reset();
	if (page_pool_add(ptr_to_pa(pool_mem), POOL_PAGES) || owner_init(&bi) ||
	    host_donate_hyp(ptr_to_pa(pool_mem), POOL_PAGES) || vm_table_init() ||
	    host_stage2_init(&host_s2, &bi, 48))
		abort();
	cpus_init(2);
	cpu_mark_online(0);
	cpu_mark_online(1);
}

/* One argument: raw, or steered by a selector byte to something a host could name. */
static uint64_t arg(struct input *in, const uint64_t *handles, unsigned nh)
{
	uint64_t v;

	switch (take(in, 1) & 7) {
	case 0:
		return take(in, 8);
	case 1: /* a handle: live, or one off */
		v = nh ? handles[take(in, 1) % nh] : take(in, 4);
		return v + (take(in, 1) & 1 ? (take(in, 1) & 1 ? 1ULL << 16 : 1) : 0);
	case 2: /* a RAM page */
		return ram_pa(take(in, 1));
	case 3: /* a list page */
		return ram_pa(take(in, 1) % LIST_PAGES);
	case 4: /* a small number (IPA bits, counts, indexes, ops) */
		return take(in, 1) % 72;
	case 5: /* a page-aligned IPA */
		return take(in, 3) << PAGE_SHIFT;
	case 6: /* a RAM page's PA plus an offset */
		return ram_pa(take(in, 1)) + (take(in, 2) & 0xfff);
	default:
		return 0;
	}
}

/*
 * Fill list page k with RAM pages the input picks (the host writes its
 * lists) - if the page is still the host's: one it donated is out of its
 * stage 2, and the write would fault (the fake arch has no stage 2 to say so).
 */
static void fill_list(struct input *in)
{
	uint64_t *list = (uint64_t *)((char *)ram + (take(in, 1) % LIST_PAGES) * PAGE_SIZE);
	unsigned n = (unsigned)take(in, 2) % (KEEL_MAP_LIST_MAX + 1), first = (unsigned)take(in, 1);
	bool stride = take(in, 1) & 1;
	struct page_info pi;

	if (owner_get(ptr_to_pa(list), &pi) || pi.owner != OWNER_HOST)
		return;
	for (unsigned i = 0; i < n; i++)
		list[i] = ram_pa(stride ? take(in, 1) : first + i);
}

static void check_between_calls(void)
{
	if (fake_locks_held() || fake_bbm_violations || fake_tlb_pending())
		abort();
}

/* Every VM gone: every page where it started, nothing shared, keel's pool whole. */
static void check_all_back(size_t pool_free0)
{
	size_t counts[OWNER_HYP + 1], pages;
	uint64_t maps;
	struct vm_stats st;

	vm_stats_get(&st);
	owner_count(counts, OWNER_HYP + 1);
	owner_count_shared(&pages, &maps);
	if (st.vms || st.vcpus || st.pages || st.mapped || counts[OWNER_HOST] != RAM_PAGES ||
	    counts[OWNER_HYP] != POOL_PAGES || pages || maps || page_pool_free_pages() != pool_free0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	uint64_t handles[MAX_HANDLES];
	unsigned nh = 0, ops = 0;
	size_t pool_free0 = page_pool_free_pages();

	memset(ram, 0, RAM_PAGES * PAGE_SIZE); /* the host's RAM as a fresh host has it */
	fake_reset_counters();
	fake_console_reset();
	while (in.n && ops++ < MAX_OPS) {
		uint8_t op = (uint8_t)take(&in, 1);
		struct hc_args a = { 0 };
		unsigned fn = op % (KEEL_HC_NR_CALLS + 2);
		int64_t ret;

		if (fn == KEEL_HC_NR_CALLS) {
			fill_list(&in);
			continue;
		}
		if (fn == KEEL_HC_NR_CALLS + 1) /* a function keel does not know */
			fn = KEEL_HC_NR_CALLS + (unsigned)take(&in, 2);
		for (unsigned i = 0; i < 6; i++)
			a.arg[i] = take(&in, 1) & 1 ? arg(&in, handles, nh) : 0;
		fake_cpu = (unsigned)take(&in, 1) % 3; /* CPU 2 is not keel's */
		ret = hypercall_dispatch(fn, &a);
		check_between_calls();
		if (fn == KEEL_HC_VM_CREATE && !ret && nh < MAX_HANDLES)
			handles[nh++] = a.ret[0];
	}
	for (unsigned i = 0; i < nh; i++)
		(void)vm_destroy(handles[i]);
	check_all_back(pool_free0);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * hcfuzz: a test module that sends keel random hypercalls with random
 * arguments from the host, the way a buggy or hostile host kernel would,
 * and checks that keel stays alive and its accounting intact.
 *
 *   insmod hcfuzz.ko [iterations=N] [seed=S]
 *
 * Arguments are random, or steered (a live or stale VM handle, one of the
 * module's own pages, a list page it filled, a small number, a non-RAM or
 * unaligned address) so that calls get past their first checks. The only
 * pages it ever hands keel to donate are its own spare ones, and it never
 * writes to those: that is the host's one duty (a donated page leaves its
 * stage 2). Afterwards it destroys every VM it made, re-enables guests on
 * every CPU, and compares keel's statistics with those from before. One
 * line says the outcome: "hcfuzz: ... keel alive, accounting back" or
 * "hcfuzz: FAILED ...". Loading fails (-EIO) if keel did not come through.
 */
#include <linux/arm-smccc.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/smp.h>

#include <keel/abi.h>

static unsigned int iterations = 20000;
module_param(iterations, uint, 0444);
static unsigned long long seed = 1;
module_param(seed, ullong, 0444);

#define SPARE_ORDER 5	/* pages keel may be given (donations): blocks of 32 in a row */
#define NR_BLOCKS 4
#define BLOCK_PAGES (1U << SPARE_ORDER)
#define NR_CTX 8	/* vCPU context pages */
#define MAX_VMS 64

static struct page *block[NR_BLOCKS], *ctx[NR_CTX], *list;
static u64 handles[MAX_VMS];
static unsigned int nr_handles;
static struct rnd_state rnd;

struct res {
	long ret;
	u64 r[3];
};

static struct res hc(u32 fn, const u64 *a)
{
	struct arm_smccc_res res;

	arm_smccc_1_1_hvc(KEEL_HC(fn), a[0], a[1], a[2], a[3], a[4], a[5], &res);
	return (struct res){ (long)res.a0, { res.a1, res.a2, res.a3 } };
}

static u32 r32(void) { return prandom_u32_state(&rnd); }
static u64 r64(void) { return (u64)r32() << 32 | r32(); }

/*
 * One of the spare pages, early enough in its block that any run of pages a
 * VM_CREATE takes from it (at most 19) stays the module's own.
 */
static u64 spare_pa(void)
{
	return page_to_phys(block[r32() % NR_BLOCKS]) + ((u64)(r32() % (BLOCK_PAGES - 24)) << PAGE_SHIFT);
}

/* An address keel must refuse as a page: not RAM, or not page aligned. */
static u64 junk_pa(void)
{
	switch (r32() % 4) {
	case 0: return 0x1000;				/* flash, not RAM */
	case 1: return 1ULL << 47;			/* beyond any RAM */
	case 2: return spare_pa() + 8;
	default: return r64() | 1;
	}
}

/* One argument. donate: it may name pages keel takes for good (only spare pages, or junk). */
static u64 arg(bool donate)
{
	switch (r32() % 9) {
	case 0: return r64();
	case 1: /* a handle, live or just off */
		if (!nr_handles)
			return r32();
		return handles[r32() % nr_handles] + (r32() % 4 == 0 ? 1 : r32() % 4 == 1 ? 1ULL << 16 : 0);
	case 2: return spare_pa();
	case 3: return donate ? junk_pa() : page_to_phys(list);
	case 4: return r32() % 72;
	case 5: return (u64)(r32() % 0x100000) << PAGE_SHIFT;
	case 6: return donate ? junk_pa() : page_to_phys(ctx[r32() % NR_CTX]);
	case 7: return junk_pa();
	default: return 0;
	}
}

/* The host writes a list: PAs of its pages (spare ones only if the call may donate them) or junk. */
static void fill_list(bool donate)
{
	u64 *l = page_address(list);
	unsigned int n = r32() % (KEEL_MAP_LIST_MAX + 1), i;

	for (i = 0; i < n; i++) {
		switch (r32() % 4) {
		case 0: l[i] = junk_pa(); break;
		case 1: l[i] = donate ? spare_pa() : page_to_phys(ctx[r32() % NR_CTX]); break;
		default: l[i] = spare_pa(); break;
		}
	}
}

/* keel's accounting: what must be the same before and after. */
static const struct {
	const char *name;
	u64 group, arg;
	unsigned int idx;
} stat_q[] = {
	{ "pool free pages", KEEL_STATS_POOL, 0, 0 },
	{ "pages donated to VMs", KEEL_STATS_POOL, 0, 2 },
	{ "VMs", KEEL_STATS_OBJECTS, 0, 0 },
	{ "vCPUs", KEEL_STATS_OBJECTS, 0, 1 },
	{ "host pages", KEEL_STATS_OWNER_PAGES, KEEL_OWNER_HOST, 0 },
	{ "keel pages", KEEL_STATS_OWNER_PAGES, KEEL_OWNER_HYP, 0 },
	{ "shared pages", KEEL_STATS_SHARED, 0, 0 },
	{ "mapped guest pages", KEEL_STATS_SHARED, 0, 2 },
};

struct stats {
	u64 v[ARRAY_SIZE(stat_q)];
};

static struct stats stats_now(void)
{
	struct stats s;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(stat_q); i++) {
		struct res r = hc(KEEL_HC_STATS, (u64[6]){ stat_q[i].group, stat_q[i].arg });

		s.v[i] = r.ret ? ~0ULL : r.r[stat_q[i].idx];
	}
	return s;
}

static void enable_guests(void *unused)
{
	u64 a[6] = { 0 };

	hc(KEEL_HC_CPU_ENABLE, a);
}

static int run(void)
{
	struct stats before = stats_now(), after;
	unsigned long ok = 0, i, k;
	u64 a[6];
	bool back = true;

	for (i = 0; i < iterations; i++) {
		u32 fn = r32() % (KEEL_HC_NR_CALLS + 3);
		bool donate;
		struct res r;

		if (fn >= KEEL_HC_NR_CALLS + 1)
			fn = KEEL_HC_NR_CALLS + r32() % 64; /* unknown */
		else if (fn == KEEL_HC_NR_CALLS)
			fn = KEEL_HC_VM_CREATE; /* more often: the calls after it need VMs */
		donate = fn == KEEL_HC_VM_CREATE || fn == KEEL_HC_VM_TOPUP;
		for (k = 0; k < 6; k++)
			a[k] = r32() % 2 ? arg(donate) : 0;
		if (fn == KEEL_HC_VM_CREATE && r32() % 2) { /* a well-formed one now and then */
			a[0] = 0;
			a[1] = spare_pa();
			a[2] = 3;
		}
		if (fn == KEEL_HC_VM_MAP || fn == KEEL_HC_VM_TOPUP)
			fill_list(donate);
		r = hc(fn, a);
		if (!r.ret) {
			ok++;
			if (fn == KEEL_HC_VM_CREATE && nr_handles < MAX_VMS)
				handles[nr_handles++] = r.r[0];
			else if (fn == KEEL_HC_VM_CREATE) /* no room to remember it: let it go */
				hc(KEEL_HC_VM_DESTROY, (u64[6]){ r.r[0] });
		}
		if (!(i % 1024))
			cond_resched();
	}
	for (i = 0; i < nr_handles; i++)
		hc(KEEL_HC_VM_DESTROY, (u64[6]){ handles[i] });
	on_each_cpu(enable_guests, NULL, 1);
	after = stats_now();
	for (k = 0; k < ARRAY_SIZE(after.v); k++) {
		if (after.v[k] != before.v[k]) {
			pr_err("hcfuzz: %s %llu before, %llu after\n", stat_q[k].name, before.v[k], after.v[k]);
			back = false;
		}
	}
	a[0] = 0;
	if (hc(KEEL_HC_ABI_VERSION, a).r[0] != KEEL_ABI_VERSION) {
		pr_err("hcfuzz: FAILED: keel does not answer any more\n");
		return -EIO;
	}
	pr_info("hcfuzz: seed %llu, %u calls (%lu succeeded), %u VMs made; keel alive, accounting %s\n", seed,
		iterations, ok, nr_handles, back ? "back" : "NOT back");
	return back ? 0 : -EIO;
}

static void free_pages_back(bool given_back)
{
	unsigned int i;

	/* Pages keel may still hold (accounting not back) are never handed to the allocator again. */
	for (i = 0; given_back && i < NR_BLOCKS; i++)
		if (block[i])
			__free_pages(block[i], SPARE_ORDER);
	for (i = 0; given_back && i < NR_CTX; i++)
		if (ctx[i])
			__free_page(ctx[i]);
	if (list)
		__free_page(list);
}

static int __init hcfuzz_init(void)
{
	unsigned int i;
	int ret;

	prandom_seed_state(&rnd, seed);
	list = alloc_page(GFP_KERNEL | __GFP_ZERO);
	for (i = 0; i < NR_BLOCKS; i++)
		block[i] = alloc_pages(GFP_KERNEL | __GFP_ZERO, SPARE_ORDER);
	for (i = 0; i < NR_CTX; i++)
		ctx[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
	for (i = 0; i < NR_BLOCKS; i++)
		if (!block[i])
			goto nomem;
	for (i = 0; i < NR_CTX; i++)
		if (!ctx[i])
			goto nomem;
	if (!list)
		goto nomem;
	ret = run();
	free_pages_back(!ret);
	return ret;
nomem:
	free_pages_back(true);
	return -ENOMEM;
}

static void __exit hcfuzz_exit(void) {}

module_init(hcfuzz_init);
module_exit(hcfuzz_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("random keel hypercalls from the host: keel stays alive, its accounting intact");

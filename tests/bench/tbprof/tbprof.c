// SPDX-License-Identifier: GPL-2.0
/*
 * tbprof: a QEMU TCG plugin (QEMU 7.2, plugin API 1) for the outer QEMU of the rig. It counts the
 * instructions each translation block executes and sorts the blocks into worlds, so that a whole nested
 * run (the host, QEMU in it, the guest) can be compared under keel and under Linux KVM, function by
 * function. tests/bench/tbprof/tbprof.sh builds and runs it; docs/testing.md says how to read it.
 *
 * A block's world comes from its virtual address and the physical address of its first instruction:
 *   keel   physical address in keel's image (identity-mapped at EL2)
 *   hkern  a kernel address whose physical-minus-virtual offset is that of the first kernel address run
 *          (the host kernel's image; the guest's kernel image lies in the host QEMU's scattered pages)
 *   hmod   the module area below the kernel image (the shim; the rig's guest kernel loads no modules)
 *   gkern  any other kernel address: the guest kernel
 *   user   a 64-bit user address above 4 GiB (QEMU and its libraries in the host)
 *   low    below 4 GiB: static programs (the host's and the guest's busybox), code run with the MMU off
 *   early  before the RAM's host address is known (firmware)
 * The window runs from the first guest-kernel block to the guest kernel's end address (run_init_process).
 *
 * Arguments (-plugin tbprof.so,arg=K=V,...): out=FILE, ram=PA (RAM base, default 0x40000000),
 * keel=LO-HI (keel's image, physical; absent without keel), kimage=VA (the kernel's _text), end=VA.
 * Not thread-safe: run it with -icount, where TCG runs the CPUs round-robin in one thread.
 */
#include <qemu-plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

enum world { W_KEEL, W_HKERN, W_HMOD, W_GKERN, W_USER, W_LOW, W_EARLY, NW };
static const char *const wname[NW] = { "keel", "hkern", "hmod", "gkern", "user", "low", "early" };

struct tb {
	uint64_t va, pa, execs, execs0;
	uint32_t n, world;
	struct tb *next;
};

#define HASH_SIZE (1u << 20)
static struct tb *hash[HASH_SIZE];
static uint64_t count[NW], total;
static uint64_t ram_pa = 0x40000000, keel_lo, keel_hi, kimage, end_va;
static uint64_t ram_host;
static int64_t hkern_delta;
static int have_ram, have_delta, phase; /* phase 0: before the guest kernel, 1: window, 2: after */
static FILE *out;

static void snapshot(const char *label)
{
	fprintf(out, "@ %s total=%lu", label, (unsigned long)total);
	for (int w = 0; w < NW; w++)
		fprintf(out, " %s=%lu", wname[w], (unsigned long)count[w]);
	fputc('\n', out);
	fflush(out);
}

static int by_insns(const void *a, const void *b)
{
	const struct tb *x = *(struct tb *const *)a, *y = *(struct tb *const *)b;
	uint64_t dx = (x->execs - x->execs0) * x->n, dy = (y->execs - y->execs0) * y->n;

	return dx < dy ? 1 : dx > dy ? -1 : 0;
}

/* Every block that ran since the last mark, most instructions first; then a new mark. */
static void dump_and_mark(const char *label)
{
	size_t nr = 0, i = 0;
	struct tb **all, *t;

	for (unsigned h = 0; h < HASH_SIZE; h++)
		for (t = hash[h]; t; t = t->next)
			nr++;
	all = malloc(nr * sizeof(*all));
	if (!all)
		return;
	for (unsigned h = 0; h < HASH_SIZE; h++)
		for (t = hash[h]; t; t = t->next)
			all[i++] = t;
	qsort(all, nr, sizeof(*all), by_insns);
	for (i = 0; i < nr; i++) {
		uint64_t insns = (all[i]->execs - all[i]->execs0) * all[i]->n;

		if (!insns)
			break;
		fprintf(out, "T %s %s %lx %lx %u %lu\n", label, wname[all[i]->world], (unsigned long)all[i]->va,
			(unsigned long)all[i]->pa, all[i]->n, (unsigned long)insns);
		all[i]->execs0 = all[i]->execs;
	}
	for (; i < nr; i++)
		all[i]->execs0 = all[i]->execs;
	free(all);
	fflush(out);
}

static void tb_exec(unsigned int cpu, void *data)
{
	struct tb *t = data;

	(void)cpu;
	t->execs++;
	count[t->world] += t->n;
	total += t->n;
	if (phase == 0 && t->world == W_GKERN) {
		phase = 1;
		snapshot("start");
		dump_and_mark("before");
	} else if (phase == 1 && t->world == W_GKERN && t->va == end_va) {
		phase = 2;
		snapshot("end");
		dump_and_mark("window");
	}
}

static enum world classify(uint64_t va, uint64_t pa)
{
	if (!have_ram)
		return W_EARLY;
	if (keel_hi && pa >= keel_lo && pa < keel_hi && !(va >> 63))
		return W_KEEL;
	if (va >> 63) {
		if (!have_delta) {
			hkern_delta = (int64_t)(pa - va);
			have_delta = 1;
		}
		if ((int64_t)(pa - va) == hkern_delta)
			return W_HKERN;
		if (va >= kimage - (128ull << 20) && va < kimage)
			return W_HMOD;
		return W_GKERN;
	}
	return va < (1ull << 32) ? W_LOW : W_USER;
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *qtb)
{
	struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(qtb, 0);
	uint64_t va = qemu_plugin_insn_vaddr(insn), pa = 0;
	uintptr_t host = (uintptr_t)qemu_plugin_insn_haddr(insn);
	uint32_t n = (uint32_t)qemu_plugin_tb_n_insns(qtb), world;
	unsigned h;
	struct tb *t;

	(void)id;
	/* The first block run in the RAM's first 128 MiB runs with the MMU off: its VA is its PA. */
	if (host && !have_ram && va >= ram_pa && va < ram_pa + (128u << 20)) {
		ram_host = host - (va - ram_pa);
		have_ram = 1;
	}
	if (host && have_ram)
		pa = host - ram_host + ram_pa;
	world = classify(va, pa);
	h = (unsigned)((va >> 2) ^ (pa >> 12) ^ n) & (HASH_SIZE - 1);
	for (t = hash[h]; t; t = t->next)
		if (t->va == va && t->pa == pa && t->n == n && t->world == world)
			break;
	if (!t) {
		t = calloc(1, sizeof(*t));
		if (!t)
			return;
		*t = (struct tb){ .va = va, .pa = pa, .n = n, .world = world, .next = hash[h] };
		hash[h] = t;
	}
	qemu_plugin_register_vcpu_tb_exec_cb(qtb, tb_exec, QEMU_PLUGIN_CB_NO_REGS, t);
}

static void at_exit(qemu_plugin_id_t id, void *data)
{
	(void)id;
	(void)data;
	snapshot("exit");
	dump_and_mark(phase == 2 ? "after" : phase == 1 ? "window-unended" : "before");
	fclose(out);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
	const char *file = NULL;

	(void)info;
	for (int i = 0; i < argc; i++) {
		char *v = strchr(argv[i], '=');

		if (!v)
			return 1;
		v++;
		if (!strncmp(argv[i], "out=", 4))
			file = v;
		else if (!strncmp(argv[i], "ram=", 4))
			ram_pa = strtoull(v, NULL, 0);
		else if (!strncmp(argv[i], "keel=", 5))
			keel_hi = (keel_lo = strtoull(v, &v, 0), *v == '-' ? strtoull(v + 1, NULL, 0) : 0);
		else if (!strncmp(argv[i], "kimage=", 7))
			kimage = strtoull(v, NULL, 0);
		else if (!strncmp(argv[i], "end=", 4))
			end_va = strtoull(v, NULL, 0);
		else
			return 1;
	}
	if (!file || !kimage || !end_va)
		return 1;
	out = fopen(file, "w");
	if (!out)
		return 1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}

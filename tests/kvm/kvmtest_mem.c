// SPDX-License-Identifier: GPL-2.0
/*
 * KVM API tests: memory slots (KVM_SET_USER_MEMORY_REGION), against Linux
 * 6.1 (virt/kvm/kvm_main.c __kvm_set_memory_region, arch/arm64/kvm/mmu.c
 * kvm_arch_prepare_memory_region), and keel's accounting of the host pages
 * it maps into guests (debugfs pages_shared_guests, guest_pages_mapped).
 * Where the shim differs from KVM on purpose (shim/memslot.c) the check
 * says so.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kvmtest.h"

#define PG 4096UL
#define MiB (1UL << 20)
#define GPA 0x40000000UL
#define KVM_USER_MEM_SLOTS 32767 /* SHRT_MAX: Linux 6.1, arm64 */

static long set_region(int vm, uint32_t slot, uint32_t flags, uint64_t gpa, uint64_t size, void *uaddr)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)uaddr,
	};

	return kioctl(vm, KVM_SET_USER_MEMORY_REGION, (unsigned long)&r);
}

static void *map_anon(size_t size, int prot)
{
	void *p = mmap(NULL, size, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* keel's guest-memory counters: host pages shared with guests, guest pages mapped. */
struct memc {
	long long shared, mapped;
};

static struct memc memc_now(void)
{
	return (struct memc){ read_counter("pages_shared_guests"), read_counter("guest_pages_mapped") };
}

static void check_memc(const struct memc *base, long long shared, long long mapped, const char *what)
{
	struct memc now = memc_now();

	check(now.shared - base->shared == shared && now.mapped - base->mapped == mapped,
	      "%s: keel shares %lld host pages in %lld guest pages (want +%lld, +%lld)", what,
	      now.shared - base->shared, now.mapped - base->mapped, shared, mapped);
}

#define EXPECT(call, want, ...)                                                                       \
	do {                                                                                          \
		long r_ = (call);                                                                     \
		check(r_ == (want), __VA_ARGS__);                                                     \
		if (r_ != (want))                                                                     \
			printf("  got %s;", err_name(r_)), printf(" want %s\n", err_name(want));      \
	} while (0)

static void test_mem_caps(void)
{
	static const struct {
		long cap, want;
		const char *name;
	} caps[] = {
		{ KVM_CAP_USER_MEMORY, 1, "USER_MEMORY" },
		{ KVM_CAP_DESTROY_MEMORY_REGION_WORKS, 1, "DESTROY_MEMORY_REGION_WORKS" },
		{ KVM_CAP_JOIN_MEMORY_REGIONS_WORKS, 1, "JOIN_MEMORY_REGIONS_WORKS" },
		{ KVM_CAP_NR_MEMSLOTS, KVM_USER_MEM_SLOTS, "NR_MEMSLOTS" },
		{ KVM_CAP_SYNC_MMU, 1, "SYNC_MMU" }, /* test_sync_mmu() */
		/* Not over keel: no read-only MMIO exits verified. */
		{ KVM_CAP_READONLY_MEM, 0, "READONLY_MEM" },
	};
	int vm = create_vm(0);

	for (unsigned i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		long r = kioctl(kvm_fd, KVM_CHECK_EXTENSION, caps[i].cap);
		long rv = vm >= 0 ? kioctl(vm, KVM_CHECK_EXTENSION, caps[i].cap) : -1;

		check(r == caps[i].want && rv == caps[i].want, "KVM_CAP_%s = %ld / %ld on the VM fd (want %ld)",
		      caps[i].name, r, rv, caps[i].want);
	}
	if (vm >= 0)
		close(vm);
}

/* Every refusal of __kvm_set_memory_region / kvm_arch_prepare_memory_region, with KVM's errno. */
static void test_mem_errors(void)
{
	struct memc base = memc_now();
	int vm = create_vm(0); /* 40-bit IPA */
	char *buf = map_anon(4 * MiB, PROT_READ | PROT_WRITE), *ro = map_anon(MiB, PROT_READ | PROT_WRITE);
	char *hole = map_anon(2 * MiB, PROT_READ | PROT_WRITE);
	const uint64_t ipa_top = 1ULL << 40;

	if (vm < 0 || !buf || !ro || !hole) {
		check(false, "memory tests: a VM and some memory (%s)", strerror(errno));
		return;
	}
	munmap(hole + MiB, MiB); /* the second half of hole is not mapped */
	/* Read-only memory with pages of its own (untouched, it would all be the zero page). */
	memset(ro, 0x5a, MiB);
	mprotect(ro, MiB, PROT_READ);

	EXPECT(kioctl(vm, KVM_SET_USER_MEMORY_REGION, 0), -EFAULT, "SET_USER_MEMORY_REGION(NULL): -EFAULT");
	EXPECT(set_region(vm, 0, 1u << 2, GPA, MiB, buf), -EINVAL, "an unknown flag: -EINVAL");
	EXPECT(set_region(vm, KVM_USER_MEM_SLOTS, 0, GPA, MiB, buf), -EINVAL, "slot id 32767: -EINVAL");
	EXPECT(set_region(vm, 0xffff, 0, GPA, MiB, buf), -EINVAL, "slot id 65535: -EINVAL");
	EXPECT(set_region(vm, 1u << 16, 0, GPA, MiB, buf), -EINVAL, "address space 1 (arm64 has one): -EINVAL");
	EXPECT(set_region(vm, 0, 0, GPA, MiB + 8, buf), -EINVAL, "size not page aligned: -EINVAL");
	EXPECT(set_region(vm, 0, 0, GPA + 8, MiB, buf), -EINVAL, "guest address not page aligned: -EINVAL");
	EXPECT(set_region(vm, 0, 0, GPA, MiB, buf + 8), -EINVAL, "userspace address not page aligned: -EINVAL");
	EXPECT(set_region(vm, 0, 0, GPA, MiB, (void *)(1UL << 56 | (uintptr_t)buf)), -EINVAL,
	       "a tagged userspace address: -EINVAL");
	EXPECT(set_region(vm, 0, 0, GPA, MiB, (void *)(1UL << 60)), -EINVAL,
	       "a userspace address outside user space (access_ok): -EINVAL");
	EXPECT(set_region(vm, 0, 0, -2 * PG, 4 * PG, buf), -EINVAL, "guest range wrapping around: -EINVAL");
	EXPECT(set_region(vm, 0, 0, 0, (1UL << 31) * PG, (void *)0x100000000UL), -EINVAL,
	       "2^31 pages (KVM_MEM_MAX_NR_PAGES + 1): -EINVAL");
	EXPECT(set_region(vm, 5, 0, GPA, 0, buf), -EINVAL, "deleting a slot that does not exist: -EINVAL");
	EXPECT(set_region(vm, 0, 0, ipa_top, MiB, buf), -EFAULT, "a slot at 2^40 in a 40-bit VM: -EFAULT");
	EXPECT(set_region(vm, 0, 0, ipa_top - PG, 2 * PG, buf), -EFAULT,
	       "a slot across the top of the IPA space: -EFAULT");
	/* As KVM: pages are looked up when the guest touches them, not when the slot is made. */
	EXPECT(set_region(vm, 0, 0, GPA, 2 * MiB, hole), 0, "a slot over partly unmapped memory: accepted");
	EXPECT(set_region(vm, 0, 0, GPA, 0, hole), 0, "and deleted");
	EXPECT(set_region(vm, 0, 0, GPA, MiB, ro), 0, "a writable slot over read-only memory: accepted");
	EXPECT(set_region(vm, 0, 0, GPA, 0, ro), 0, "and deleted");
	check_memc(&base, 0, 0, "after the refusals");

	/* A slot; then what may not change, overlaps, and the no-op. */
	EXPECT(set_region(vm, 0, 0, GPA, 2 * MiB, buf), 0, "slot 0: 2 MiB at 0x40000000");
	check_memc(&base, 0, 0, "slot 0, untouched by a guest");
	EXPECT(set_region(vm, 0, 0, GPA, 2 * MiB, buf), 0, "slot 0 again, unchanged: 0");
	EXPECT(set_region(vm, 0, 0, GPA, 4 * MiB, buf), -EINVAL, "slot 0 resized: -EINVAL");
	EXPECT(set_region(vm, 0, 0, GPA, 2 * MiB, buf + 2 * MiB), -EINVAL, "slot 0 at another userspace address: -EINVAL");
	EXPECT(set_region(vm, 0, KVM_MEM_READONLY, GPA, 2 * MiB, buf), -EINVAL, "slot 0 made read-only: -EINVAL");
	EXPECT(set_region(vm, 1, 0, GPA + MiB, 2 * MiB, buf + 2 * MiB), -EEXIST, "slot 1 overlapping slot 0: -EEXIST");
	EXPECT(set_region(vm, 1, 0, GPA - MiB, 2 * MiB, buf + 2 * MiB), -EEXIST,
	       "slot 1 overlapping slot 0's start: -EEXIST");
	EXPECT(set_region(vm, 1, 0, GPA + 2 * MiB, 2 * MiB, buf + 2 * MiB), 0, "slot 1 right after slot 0");
	EXPECT(set_region(vm, 0, 0, GPA + 3 * MiB, 2 * MiB, buf), -EEXIST, "slot 0 moved onto slot 1: -EEXIST");
	EXPECT(set_region(vm, 0, 0, ipa_top - MiB, 2 * MiB, buf), -EFAULT, "slot 0 moved past the IPA top: -EFAULT");
	EXPECT(guest_touch(vm, 0, GPA, buf, GPA, 1024), 0, "a guest reads every page of the two slots");
	check_memc(&base, 1024, 1024, "two slots, after the refused changes");
	EXPECT(set_region(vm, KVM_USER_MEM_SLOTS - 1, KVM_MEM_READONLY, 0x20000000, MiB, ro), 0,
	       "slot 32766, read-only over read-only memory");
	EXPECT(guest_touch(vm, 1, GPA, buf, 0x20000000, 256), 0, "a guest reads every page of it");
	check_memc(&base, 1024 + 256, 1024 + 256, "the read-only slot");
	/* A writable slot whose memory went away: KVM_RUN fails with -EFAULT when the guest touches it. */
	EXPECT(set_region(vm, 2, 0, 0x30000000, 2 * MiB, hole), 0, "slot 2 over partly unmapped memory");
	EXPECT(guest_touch(vm, 2, GPA, buf, 0x30000000, 512), -EFAULT,
	       "a guest touching the unmapped half: KVM_RUN -EFAULT");
	EXPECT(set_region(vm, 3, 0, 0x38000000, MiB, ro), 0, "slot 3: writable over read-only memory");
	EXPECT(guest_touch(vm, 3, GPA, buf, 0x38000000, 1), -EFAULT,
	       "a guest touching it: KVM_RUN -EFAULT (not writable for the VMM)");
	check_memc(&base, 1024 + 256 + 256, 1024 + 256 + 256, "the mapped half of slot 2 is shared");
	close(vm);
	check_memc(&base, 0, 0, "closing the VM");
	munmap(buf, 4 * MiB);
	munmap(ro, MiB);
	munmap(hole, MiB);
}

/* Create, delete, re-add, move; one host page behind two slots and two VMs. */
static void test_mem_slots(void)
{
	struct counters cbase = counters_now();
	struct memc base = memc_now();
	int vm = create_vm(0), vm2 = create_vm(36);
	char *buf = map_anon(4 * MiB, PROT_READ | PROT_WRITE);

	if (vm < 0 || vm2 < 0 || !buf) {
		check(false, "memory slot tests: two VMs and memory (%s)", strerror(errno));
		return;
	}
	EXPECT(set_region(vm, 3, 0, GPA, MiB, buf), 0, "create slot 3 (1 MiB)");
	EXPECT(guest_touch(vm, 0, GPA, buf, GPA, 256), 0, "a guest reads every page of slot 3");
	check_memc(&base, 256, 256, "slot 3");
	EXPECT(set_region(vm, 3, 0, GPA, 0, buf), 0, "delete slot 3 (size 0)");
	check_memc(&base, 0, 0, "slot 3 deleted");
	EXPECT(set_region(vm, 3, 0, GPA, 0, buf), -EINVAL, "delete slot 3 again: -EINVAL");
	EXPECT(set_region(vm, 3, 0, GPA + MiB, MiB, buf), 0, "re-add slot 3 elsewhere");
	check_memc(&base, 0, 0, "slot 3 re-added, untouched");

	/* Move (KVM_MR_MOVE): apart, then overlapping its own old range; the guest then finds the pages there. */
	EXPECT(set_region(vm, 3, 0, 0x80000000UL, MiB, buf), 0, "move slot 3 to 0x80000000");
	EXPECT(set_region(vm, 3, 0, 0x80000000UL + 64 * PG, MiB, buf), 0, "move slot 3 by 256 KiB (overlapping itself)");
	EXPECT(set_region(vm, 4, 0, 0x80000000UL, 64 * PG, buf + MiB), 0, "slot 4 in the range slot 3 left");
	EXPECT(guest_touch(vm, 1, 0x80000000UL, buf + MiB, 0x80000000UL, 64 + 256), 0,
	       "a guest reads every page of slots 4 and 3");
	check_memc(&base, 256 + 64, 256 + 64, "slot 3 moved, slot 4 beside it");

	/* Aliases: the same userspace pages behind two slots of one VM and a slot of another VM. */
	EXPECT(set_region(vm, 5, 0, 0x100000000UL, MiB, buf), 0, "slot 5: the same pages as slot 3");
	EXPECT(set_region(vm2, 0, 0, GPA, MiB, buf), 0, "a second VM: the same pages again");
	EXPECT(guest_touch(vm, 2, 0x80000000UL, buf + MiB, 0x100000000UL, 256), 0, "a guest reads slot 5");
	EXPECT(guest_touch(vm2, 0, GPA, buf, GPA, 256), 0, "the second VM's guest reads its slot");
	check_memc(&base, 256 + 64, 3 * 256 + 64, "one host page behind three guest pages");
	EXPECT(set_region(vm, 5, 0, 0x100000000UL, 0, NULL), 0, "delete slot 5");
	check_memc(&base, 256 + 64, 2 * 256 + 64, "slot 5 deleted, the pages still shared");
	close(vm2);
	check_memc(&base, 256 + 64, 256 + 64, "the second VM closed");
	/* Many slots. */
	for (unsigned i = 0; i < 64; i++)
		if (set_region(vm, 100 + i, 0, 0x200000000UL + i * PG, PG, buf + 2 * MiB + i * PG)) {
			check(false, "64 one-page slots: slot %u refused", 100 + i);
			break;
		}
	EXPECT(guest_touch(vm, 3, 0x80000000UL, buf + MiB, 0x200000000UL, 64), 0, "a guest reads the 64 slots");
	check_memc(&base, 256 + 64 + 64, 256 + 64 + 64, "64 one-page slots more");
	for (unsigned i = 0; i < 64; i += 2)
		set_region(vm, 100 + i, 0, 0, 0, NULL);
	check_memc(&base, 256 + 64 + 32, 256 + 64 + 32, "every other one-page slot deleted");
	close(vm);
	check_memc(&base, 0, 0, "the VM closed with its slots");
	munmap(buf, 4 * MiB);
	check_counters_back(&cbase, "the memory slot tests");
}

/*
 * Fault-around: a guest's first touch of an untouched, aligned 64 KiB group
 * of a slot maps the whole group (clamped to the slot); a group that
 * already has mapped pages is mapped page by page.
 */
static void test_mem_fault_around(void)
{
	struct counters cbase = counters_now();
	const uint64_t code = 0x60000000UL, a = 0x80000000UL, b = 0x90000000UL + 14 * PG;
	int vm = create_vm(0);
	char *buf = map_anon(2 * MiB, PROT_READ | PROT_WRITE);
	struct memc base;

	if (vm < 0 || !buf) {
		check(false, "fault-around tests: a VM and memory (%s)", strerror(errno));
		return;
	}
	EXPECT(set_region(vm, 0, 0, code, PG, buf), 0, "a one-page slot for the guest's code");
	EXPECT(set_region(vm, 1, 0, a, MiB, buf + MiB), 0, "slot 1: 1 MiB, 64 KiB aligned");
	EXPECT(set_region(vm, 2, 0, b, 3 * PG, buf + 3 * PG), 0, "slot 2: 3 pages across a 64 KiB boundary");
	base = memc_now();
	EXPECT(guest_touch(vm, 0, code, buf, a + 5 * PG, 1), 0, "a guest reads one page of slot 1");
	check_memc(&base, 1 + 16, 1 + 16, "its 64 KiB group and the code page mapped");
	EXPECT(guest_touch(vm, 1, code, buf, a + 6 * PG, 10), 0, "a guest reads 10 more pages of the group");
	check_memc(&base, 17, 17, "nothing more mapped");
	EXPECT(guest_touch(vm, 2, code, buf, b, 1), 0, "a guest reads the first page of slot 2");
	check_memc(&base, 17 + 2, 17 + 2, "the group clamped to the slot: 2 pages");
	EXPECT(guest_touch(vm, 3, code, buf, b + 2 * PG, 1), 0, "a guest reads the last page of slot 2");
	check_memc(&base, 20, 20, "alone in its group: 1 page");
	EXPECT(set_region(vm, 1, 0, a + MiB, MiB, buf + MiB), 0, "move slot 1 (its pages unmapped)");
	check_memc(&base, 4, 4, "slot 1 moved");
	EXPECT(guest_touch(vm, 4, code, buf, a + MiB + 7 * PG, 1), 0, "a guest reads a page of the moved slot 1");
	check_memc(&base, 20, 20, "its group, mapped again at the new address");
	EXPECT(guest_write(vm, 5, code, buf, a + MiB + 16 * PG, 1, 7), 0, "a guest writes one page of the next group");
	check_memc(&base, 36, 36, "its 16 pages");
	EXPECT(madvise(buf + MiB + 18 * PG, PG, MADV_DONTNEED), 0, "the VMM drops a page of that group");
	check_memc(&base, 35, 35, "that page unmapped");
	EXPECT(guest_touch(vm, 6, code, buf, a + MiB + 20 * PG, 1), 0, "a guest reads a mapped page of the group");
	EXPECT(guest_touch(vm, 7, code, buf, a + MiB + 18 * PG, 1), 0, "a guest reads the dropped page");
	check_memc(&base, 36, 36, "a group with mapped pages: that page alone");
	close(vm);
	munmap(buf, 2 * MiB);
	check_counters_back(&cbase, "the fault-around tests");
}

static long get_log(int vm, uint32_t slot, void *bitmap)
{
	struct kvm_dirty_log log = { .slot = slot, .dirty_bitmap = bitmap };

	return kioctl(vm, KVM_GET_DIRTY_LOG, (unsigned long)&log);
}

/* The log of a 64-page slot: its bits as one word, or ~0 when KVM_GET_DIRTY_LOG failed. */
static uint64_t log_word(int vm, uint32_t slot)
{
	uint64_t w = 0;

	return get_log(vm, slot, &w) ? ~0ULL : w;
}

#define BITS(first, n) ((((n) == 64 ? 0ULL : 1ULL << (n)) - 1) << (first))

/*
 * Dirty logging: the pages a guest writes, and only those, in
 * KVM_GET_DIRTY_LOG; each call starts a new round; switched on and off with
 * KVM_MR_FLAGS_ONLY; KVM's errnos.
 */
static void test_mem_dirty_log(void)
{
	struct counters cbase = counters_now();
	const uint64_t code = 0x60000000UL, a = 0x80000000UL;
	int vm = create_vm(0);
	char *buf = map_anon(MiB, PROT_READ | PROT_WRITE), *ram = buf + 64 * PG;
	uint64_t w = 0;

	if (vm < 0 || !buf) {
		check(false, "dirty-log tests: a VM and memory (%s)", strerror(errno));
		return;
	}
	EXPECT(set_region(vm, 0, 0, code, PG, buf), 0, "a one-page slot for the guest's code");
	EXPECT(set_region(vm, 1, KVM_MEM_LOG_DIRTY_PAGES, a, 64 * PG, ram), 0,
	       "slot 1: 64 pages with KVM_MEM_LOG_DIRTY_PAGES");
	EXPECT(get_log(vm, 0, &w), -ENOENT, "KVM_GET_DIRTY_LOG of a slot that does not log: -ENOENT");
	EXPECT(get_log(vm, 7, &w), -ENOENT, "KVM_GET_DIRTY_LOG of no slot: -ENOENT");
	EXPECT(get_log(vm, 1 << 16 | 1, &w), -EINVAL, "KVM_GET_DIRTY_LOG of address space 1: -EINVAL");
	EXPECT(get_log(vm, 32767, &w), -EINVAL, "KVM_GET_DIRTY_LOG of slot 32767: -EINVAL");
	EXPECT(get_log(vm, 1, NULL), -EFAULT, "KVM_GET_DIRTY_LOG into NULL: -EFAULT");
	EXPECT(kioctl(vm, KVM_GET_DIRTY_LOG, 0), -EFAULT, "KVM_GET_DIRTY_LOG(NULL): -EFAULT");
	check(log_word(vm, 1) == 0, "a new log is empty");

	EXPECT(guest_write(vm, 0, code, buf, a + 3 * PG, 10, 0x1111), 0, "a guest writes pages 3..12");
	check(log_word(vm, 1) == BITS(3, 10), "the log holds pages 3..12");
	check(*(uint64_t *)(ram + 12 * PG) == 0x1111, "the guest's write reached the VMM's memory");
	check(log_word(vm, 1) == 0, "the next round starts empty");
	EXPECT(guest_touch(vm, 1, code, buf, a, 64), 0, "a guest reads every page");
	check(log_word(vm, 1) == 0, "reads are not logged");
	EXPECT(guest_write(vm, 2, code, buf, a + 5 * PG, 1, 0x2222), 0, "a guest writes page 5 again");
	EXPECT(guest_write(vm, 3, code, buf, a + 40 * PG, 2, 0x3333), 0, "a guest writes pages 40, 41 (mapped read-only)");
	w = log_word(vm, 1);
	check(w == (BITS(5, 1) | BITS(40, 2)), "the log holds pages 5, 40, 41 (0x%llx)", (unsigned long long)w);

	EXPECT(set_region(vm, 1, 0, a, 64 * PG, ram), 0, "logging switched off (KVM_MR_FLAGS_ONLY)");
	EXPECT(get_log(vm, 1, &w), -ENOENT, "KVM_GET_DIRTY_LOG with logging off: -ENOENT");
	EXPECT(guest_write(vm, 4, code, buf, a, 64, 0x4444), 0, "a guest writes every page (read-only ones upgraded)");
	check(*(uint64_t *)(ram + 41 * PG) == 0x4444 && *(uint64_t *)(ram + 63 * PG) == 0x4444,
	      "every write reached the VMM's memory");
	EXPECT(set_region(vm, 1, KVM_MEM_LOG_DIRTY_PAGES, a, 64 * PG, ram), 0, "logging switched on again");
	check(log_word(vm, 1) == 0, "the new log is empty");
	EXPECT(guest_write(vm, 5, code, buf, a + 63 * PG, 1, 0x5555), 0, "a guest writes page 63 (mapped writable before)");
	check(log_word(vm, 1) == BITS(63, 1), "the log holds page 63: switching logging on write-protected it");

	EXPECT(set_region(vm, 2, KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY, 0x90000000UL, 64 * PG, buf), 0,
	       "a read-only slot that logs");
	EXPECT(guest_write(vm, 6, code, buf, 0x90000000UL, 1, 0x6666), -EIO,
	       "a guest write to it exits to the VMM as MMIO");
	check(log_word(vm, 2) == 0, "and is not logged");
	close(vm);
	munmap(buf, MiB);
	check_counters_back(&cbase, "the dirty-log tests");
}

/* A binary statistic by name from a KVM_GET_STATS_FD fd; ~0 if there is none. */
static uint64_t stat_value(int fd, const char *name, struct kvm_stats_header *h, char *id)
{
	char buf[8192];
	uint64_t v = ~0ULL;
	size_t dsize;

	if (pread(fd, h, sizeof(*h), 0) != (ssize_t)sizeof(*h) || h->name_size > 64 ||
	    pread(fd, id, h->name_size, h->id_offset) != (ssize_t)h->name_size)
		return v;
	dsize = sizeof(struct kvm_stats_desc) + h->name_size;
	if (h->num_desc * dsize > sizeof(buf) ||
	    pread(fd, buf, h->num_desc * dsize, h->desc_offset) != (ssize_t)(h->num_desc * dsize))
		return v;
	for (unsigned i = 0; i < h->num_desc; i++) {
		const struct kvm_stats_desc *d = (const void *)(buf + i * dsize);

		if (!strcmp(d->name, name) && pread(fd, &v, 8, h->data_offset + d->offset) != 8)
			v = ~0ULL;
	}
	return v;
}

static long clear_log(int vm, uint32_t slot, uint64_t first, uint32_t num, void *bitmap)
{
	struct kvm_clear_dirty_log c = { .slot = slot, .num_pages = num, .first_page = first, .dirty_bitmap = bitmap };

	return kioctl(vm, KVM_CLEAR_DIRTY_LOG, (unsigned long)&c);
}

static long enable_cap(int vm, uint32_t cap, uint32_t flags, uint64_t arg0)
{
	struct kvm_enable_cap c = { .cap = cap, .flags = flags, .args = { arg0 } };

	return kioctl(vm, KVM_ENABLE_CAP, (unsigned long)&c);
}

/*
 * Manual protection (KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2): KVM_GET_DIRTY_LOG
 * leaves the bits, KVM_CLEAR_DIRTY_LOG clears them and write-protects those
 * pages; with INITIALLY_SET a new log starts full.
 */
static void test_mem_dirty_log_manual(void)
{
	struct counters cbase = counters_now();
	const uint64_t code = 0x60000000UL, a = 0x80000000UL;
	int vm = create_vm(0);
	char *buf = map_anon(MiB, PROT_READ | PROT_WRITE);
	uint64_t w = ~0ULL, one = 1ULL << 7;

	if (vm < 0 || !buf) {
		check(false, "manual dirty-log tests: a VM and memory (%s)", strerror(errno));
		return;
	}
	check(kioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2) == 3,
	      "KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 = 3 (MANUAL_PROTECT_ENABLE | INITIALLY_SET)");
	EXPECT(enable_cap(vm, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, 0, 2), -EINVAL, "INITIALLY_SET without ENABLE: -EINVAL");
	EXPECT(enable_cap(vm, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, 0, 5), -EINVAL, "an unknown option: -EINVAL");
	EXPECT(enable_cap(vm, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, 1, 3), -EINVAL, "flags: -EINVAL");
	EXPECT(enable_cap(vm, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, 0, 3), 0, "enabled with INITIALLY_SET");
	EXPECT(set_region(vm, 0, 0, code, PG, buf), 0, "a one-page slot for the guest's code");
	EXPECT(set_region(vm, 1, KVM_MEM_LOG_DIRTY_PAGES, a, 64 * PG, buf + 64 * PG), 0, "slot 1: 64 pages that log");
	check(log_word(vm, 1) == ~0ULL && log_word(vm, 1) == ~0ULL, "a new log is full, and KVM_GET_DIRTY_LOG keeps it");
	EXPECT(clear_log(vm, 1, 1, 64, &w), -EINVAL, "KVM_CLEAR_DIRTY_LOG from page 1: -EINVAL");
	EXPECT(clear_log(vm, 1, 0, 65, &w), -EINVAL, "KVM_CLEAR_DIRTY_LOG past the slot: -EINVAL");
	EXPECT(clear_log(vm, 1, 0, 10, &w), -EINVAL, "KVM_CLEAR_DIRTY_LOG of 10 pages not ending the slot: -EINVAL");
	EXPECT(clear_log(vm, 9, 0, 64, &w), -ENOENT, "KVM_CLEAR_DIRTY_LOG of no slot: -ENOENT");
	EXPECT(clear_log(vm, 1 << 16 | 1, 0, 64, &w), -EINVAL, "KVM_CLEAR_DIRTY_LOG of address space 1: -EINVAL");
	EXPECT(clear_log(vm, 1, 0, 64, NULL), -EFAULT, "KVM_CLEAR_DIRTY_LOG from NULL: -EFAULT");
	EXPECT(clear_log(vm, 1, 0, 64, &w), 0, "KVM_CLEAR_DIRTY_LOG of every page");
	check(log_word(vm, 1) == 0, "the log is empty");
	EXPECT(guest_write(vm, 0, code, buf, a + 7 * PG, 1, 0x7777), 0, "a guest writes page 7");
	check(log_word(vm, 1) == one && log_word(vm, 1) == one, "the log holds page 7, and keeps it");
	EXPECT(clear_log(vm, 1, 0, 64, &one), 0, "KVM_CLEAR_DIRTY_LOG of page 7");
	EXPECT(guest_write(vm, 1, code, buf, a + 7 * PG, 1, 0x7778), 0, "the guest writes page 7 again");
	check(log_word(vm, 1) == one, "logged again: clearing write-protected it");
	close(vm);
	munmap(buf, MiB);
	check_counters_back(&cbase, "the manual dirty-log tests");
}

/*
 * KVM_GET_STATS_FD: KVM's binary layout; the VM's mapped pages and remote
 * TLB flushes, the vCPU's exit counters; an open statistics fd keeps its VM.
 */
static void test_mem_stats(void)
{
	struct counters cbase = counters_now();
	int vm = create_vm(0), vcpu, vfd, cfd;
	char *buf = map_anon(MiB, PROT_READ | PROT_WRITE), id[64] = "", want[64];
	struct kvm_stats_header h;

	if (vm < 0 || !buf) {
		check(false, "statistics tests: a VM and memory (%s)", strerror(errno));
		return;
	}
	check(kioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_BINARY_STATS_FD) == 1, "KVM_CAP_BINARY_STATS_FD = 1");
	vfd = (int)kioctl(vm, KVM_GET_STATS_FD, 0);
	check(vfd >= 0 && (fcntl(vfd, F_GETFD) & FD_CLOEXEC), "KVM_GET_STATS_FD on the VM: a close-on-exec fd");
	check(stat_value(vfd, "pages_mapped", &h, id) == 0, "pages_mapped of a VM without memory: 0");
	snprintf(want, sizeof(want), "kvm-%d", getpid());
	check(!h.flags && h.name_size == 48 && h.num_desc == 3 && h.id_offset == sizeof(h) && !strcmp(id, want),
	      "VM statistics header: flags %u, name size %u, %u statistics, id \"%s\" (want %s)", h.flags,
	      h.name_size, h.num_desc, id, want);
	EXPECT(set_region(vm, 0, 0, GPA, MiB, buf), 0, "a 1 MiB slot");
	EXPECT(guest_touch(vm, 0, GPA, buf, GPA + 64 * PG, 32), 0, "a guest reads 32 pages of it");
	check(stat_value(vfd, "pages_mapped", &h, id) == 48,
	      "pages_mapped: %llu (want 48: the code's 64 KiB group and two groups read)",
	      (unsigned long long)stat_value(vfd, "pages_mapped", &h, id));
	EXPECT(set_region(vm, 0, 0, GPA, 0, buf), 0, "the slot deleted");
	check(stat_value(vfd, "pages_mapped", &h, id) == 0 && stat_value(vfd, "remote_tlb_flush", &h, id) >= 1,
	      "pages_mapped back to 0, remote_tlb_flush counted the unmap");

	vcpu = (int)kioctl(vm, KVM_CREATE_VCPU, 5);
	cfd = (int)kioctl(vcpu, KVM_GET_STATS_FD, 0);
	check(stat_value(cfd, "mmio_exit_user", &h, id) == 0 && stat_value(cfd, "exits", &h, id) == 0,
	      "a new vCPU's statistics: no exits");
	snprintf(want, sizeof(want), "kvm-%d/vcpu-5", getpid());
	check(h.num_desc >= 7 && !strcmp(id, want), "vCPU statistics: %u of them, id \"%s\"", h.num_desc, id);
	close(vcpu);
	close(vm);
	check(read_counter("vm_count") == counter(&cbase, "vm_count") + 1, "an open statistics fd keeps its VM");
	close(cfd);
	close(vfd);
	munmap(buf, MiB);
	check_counters_back(&cbase, "the statistics fds closed");
}

/* A child holding a VM with 64 MiB of slots is killed: every page and pin goes back. */
static void test_mem_kill9(void)
{
	struct counters cbase = counters_now();
	struct memc base = memc_now();
	int pipefd[2], st = 0;
	char c = 0;
	pid_t pid;

	if (pipe(pipefd)) {
		check(false, "pipe: %s", strerror(errno));
		return;
	}
	pid = fork();
	if (pid == 0) {
		int k = open("/dev/kvm", O_RDWR), vm = k < 0 ? -1 : ioctl(k, KVM_CREATE_VM, 0UL);
		char *mem = map_anon(64 * MiB, PROT_READ | PROT_WRITE);

		close(pipefd[0]);
		if (vm < 0 || !mem)
			_exit(3);
		for (unsigned i = 0; i < 4; i++)
			if (set_region(vm, i, 0, GPA + i * 16 * MiB, 16 * MiB, mem + i * 16 * MiB))
				_exit(4);
		if (guest_touch(vm, 0, GPA, mem, GPA, 16384))
			_exit(6);
		c = 1;
		if (write(pipefd[1], &c, 1) != 1)
			_exit(5);
		for (;;)
			pause();
	}
	close(pipefd[1]);
	if (read(pipefd[0], &c, 1) != 1)
		c = 0;
	close(pipefd[0]);
	check(c == 1, "a child process mapped 64 MiB in 4 slots of a VM, its guest touched all of it");
	check_memc(&base, 16384, 16384, "while the child lives");
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	check(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the child was killed by SIGKILL");
	check_memc(&base, 0, 0, "after the kill");
	check_counters_back(&cbase, "kill -9 of the child with 64 MiB of slots");
}

/* ---- keel's pages for a VM are the VMM's memory (memory cgroup accounting) ---- */

#define CG "/sys/fs/cgroup"
#define CG_TEST CG "/kvmtest"

/* A field of a cgroup's memory.stat, -1 if missing. */
static long long memstat(const char *field)
{
	char name[64];
	long long v;
	FILE *f = fopen(CG_TEST "/memory.stat", "r");
	long long ret = -1;

	while (f && fscanf(f, "%63s %lld", name, &v) == 2)
		if (!strcmp(name, field))
			ret = v;
	if (f)
		fclose(f);
	return ret;
}

/* The calling process joins CG_TEST. */
static int cg_join(void)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", getpid());
	return write_file(CG_TEST "/cgroup.procs", pid);
}

/*
 * In a child in CG_TEST: a VM with 1 GiB of slot whose guest touches npages
 * pages 2 MiB apart (a stage-2 table each). Writes to fd: the guest's
 * result, then keel's pages for VMs and the cgroup's kernel memory, before
 * and after. Returns from the child only through _exit.
 */
static void sparse_vmm(int fd, uint64_t npages)
{
	long long out[5];
	int k, vm;
	char *mem;

	if (cg_join())
		_exit(2);
	out[1] = read_counter("hyp_pages_vms");
	out[2] = memstat("kernel");
	k = open("/dev/kvm", O_RDWR);
	vm = k < 0 ? -1 : ioctl(k, KVM_CREATE_VM, 0UL);
	mem = mmap(NULL, 1024 * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm < 0 || mem == MAP_FAILED || set_region(vm, 0, 0, GPA, 1024 * MiB, mem))
		_exit(3);
	out[0] = guest_walk(vm, 0, GPA, mem, GPA + 2 * MiB, npages, 0, 2 * MiB);
	out[3] = read_counter("hyp_pages_vms");
	out[4] = memstat("kernel");
	if (write(fd, out, sizeof(out)) != sizeof(out))
		_exit(4);
	_exit(0);
}

static pid_t sparse_child(uint64_t npages, long long out[5], int *st)
{
	int pipefd[2];
	pid_t pid;

	out[0] = 1;
	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		sparse_vmm(pipefd[1], npages);
	}
	close(pipefd[1]);
	if (read(pipefd[0], out, 5 * sizeof(long long)) != (ssize_t)(5 * sizeof(long long)))
		out[0] = 1;
	close(pipefd[0]);
	waitpid(pid, st, 0);
	return pid;
}

static void test_mem_memcg(void)
{
	struct counters cbase = counters_now();
	struct memc base = memc_now();
	long long out[5];
	char *mem;
	int st = 0, vm;

	mkdir(CG, 0755);
	if (access(CG "/cgroup.controllers", F_OK))
		mount("none", CG, "cgroup2", 0, NULL);
	write_file(CG "/cgroup.subtree_control", "+memory");
	rmdir(CG_TEST);
	if (mkdir(CG_TEST, 0755) || access(CG_TEST "/memory.max", F_OK)) {
		check(false, "a memory cgroup " CG_TEST " (cgroup2, memory controller): %s", strerror(errno));
		return;
	}
	/* Charged: the pages keel asked for show in the VMM's cgroup as kernel memory, as KVM's tables do. */
	sparse_child(256, out, &st);
	check(WIFEXITED(st) && !WEXITSTATUS(st) && !out[0],
	      "a VMM in a memory cgroup ran a guest touching 256 pages 2 MiB apart (%s)", err_name(out[0]));
	check(out[3] - out[1] >= 256 && out[4] - out[2] >= (out[3] - out[1]) * 4096,
	      "the %lld pages it donated to keel are charged to its cgroup (kernel memory +%lld KiB)",
	      out[3] - out[1], (out[4] - out[2]) / 1024);
	check_counters_back(&cbase, "the VMM's exit");

	/* Limited: 4 MiB. The VMM runs out of its own memory; keel and every other VM carry on. */
	write_file(CG_TEST "/memory.max", "4194304");
	sparse_child(512, out, &st);
	check((WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) ||
		      (WIFEXITED(st) && !WEXITSTATUS(st) && (out[0] == -ENOMEM || out[0] == -EFAULT)),
	      "a VMM limited to 4 MiB touching 512 pages 2 MiB apart: %s (want ENOMEM/EFAULT, or the OOM killer)",
	      WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : err_name(out[0]));
	check_counters_back(&cbase, "the limited VMM's end");
	check_memc(&base, 0, 0, "after the limited VMM");
	vm = create_vm(0);
	mem = map_anon(16 * MiB, PROT_READ | PROT_WRITE);
	check(vm >= 0 && mem && !set_region(vm, 0, 0, GPA, 16 * MiB, mem) &&
		      !guest_touch(vm, 0, GPA, mem, GPA, 4096),
	      "another VMM's VM is created and its guest touches 16 MiB");
	if (vm >= 0)
		close(vm);
	if (mem)
		munmap(mem, 16 * MiB);
	rmdir(CG_TEST);
	check_counters_back(&cbase, "all of it");
}

/*
 * KVM_CAP_SYNC_MMU: the guest's memory is the VMM's as it is now, not as
 * it was when the guest first touched it. What the VMM drops
 * (MADV_DONTNEED) the guest reads as zero; what the VMM writes or maps
 * there later (MAP_FIXED), the guest reads; a page the VMM cannot access
 * makes KVM_RUN fail with -EFAULT. The same on Linux's own KVM (keel:
 * false, kvmtest --reference), where keel's counters are not checked.
 */
void test_sync_mmu(bool keel)
{
	const uint64_t code = GUEST_RAM, data = GUEST_RAM + MiB, pat = 0x1122334455667788ULL;
	struct counters cbase = counters_now();
	int vm = create_vm(0);
	char *buf = map_anon(2 * MiB, PROT_READ | PROT_WRITE), *d = buf + MiB;
	struct memc base = { 0 };
	uint64_t v[5] = { 0 };
	unsigned id = 0;

	if (vm < 0 || !buf) {
		check(false, "SYNC_MMU tests: a VM and memory (%s)", strerror(errno));
		return;
	}
	check(kioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_MMU) == 1, "KVM_CAP_SYNC_MMU = 1");
	EXPECT(set_region(vm, 0, 0, code, PG, buf), 0, "a one-page slot for the guest's code");
	EXPECT(set_region(vm, 1, 0, data, MiB, d), 0, "a 1 MiB data slot");
	if (keel)
		base = memc_now();
	EXPECT(guest_write(vm, id++, code, buf, data, 8, pat), 0, "a guest writes 8 pages");
	check(!memcmp(d, &pat, 8) && !memcmp(d + 7 * PG, &pat, 8), "the VMM reads what the guest wrote");
	if (keel)
		check_memc(&base, 1 + 16, 1 + 16, "the code page and the data's 64 KiB group mapped");
	EXPECT(madvise(d, 4 * PG, MADV_DONTNEED), 0, "the VMM drops the first 4 pages (MADV_DONTNEED)");
	if (keel)
		check_memc(&base, 1 + 12, 1 + 12, "keel maps them no more");
	EXPECT(guest_read(vm, id++, code, buf, data, &v[0]), 0, "the guest reads a dropped page");
	EXPECT(guest_read(vm, id++, code, buf, data + 5 * PG, &v[1]), 0, "the guest reads a page left alone");
	check(v[0] == 0 && v[1] == pat, "it reads 0x%llx where the VMM dropped the page (want 0), 0x%llx where not",
	      (unsigned long long)v[0], (unsigned long long)v[1]);
	memset(d + PG, 0x5a, 8);
	EXPECT(guest_read(vm, id++, code, buf, data + PG, &v[2]), 0, "the guest reads a dropped page the VMM wrote since");
	check(v[2] == 0x5a5a5a5a5a5a5a5aULL, "it reads the VMM's new data: 0x%llx", (unsigned long long)v[2]);
	check(mmap(d + 5 * PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == d + 5 * PG,
	      "the VMM maps fresh memory over a page the guest wrote (MAP_FIXED)");
	EXPECT(guest_read(vm, id++, code, buf, data + 5 * PG, &v[3]), 0, "the guest reads that page");
	check(v[3] == 0, "it reads the new mapping's 0x%llx (want 0)", (unsigned long long)v[3]);
	EXPECT(guest_write(vm, id++, code, buf, data + 5 * PG, 1, 0x77), 0, "the guest writes that page");
	memcpy(&v[4], d + 5 * PG, 8);
	check(v[4] == 0x77, "the VMM reads the guest's write in its new mapping: 0x%llx", (unsigned long long)v[4]);
	/* Not munmap(): the next mmap() (the vCPU's kvm_run) could take the hole. */
	check(mmap(d + 6 * PG, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == d + 6 * PG,
	      "the VMM takes a page the guest wrote away (PROT_NONE over it)");
	if (keel)
		check_memc(&base, 1 + 13, 1 + 13,
			   "16 data pages, 4 dropped, 2 mapped again, 1 replaced and mapped again, 1 taken away");
	EXPECT(guest_touch(vm, id++, code, buf, data + 6 * PG, 1), -EFAULT,
	       "a guest touching it: KVM_RUN fails with -EFAULT");
	if (keel)
		check_memc(&base, 1 + 13, 1 + 13, "nothing mapped there");
	close(vm);
	munmap(buf, 2 * MiB);
	if (keel)
		check_counters_back(&cbase, "the SYNC_MMU tests");
}

/* The PFN behind va (/proc/self/pagemap, root), 0 if not present. */
static uint64_t pfn_of(int pagemap, const void *va)
{
	uint64_t e = 0;

	if (pread(pagemap, &e, 8, (off_t)((uintptr_t)va / PG * 8)) != 8 || !(e >> 63))
		return 0;
	return e & ((1ULL << 55) - 1);
}

/* Count the pages of [p, p + n pages) whose PFN differs from pfn[] (and refresh pfn[]). */
static unsigned pfns_changed(int pagemap, const char *p, uint64_t *pfn, unsigned n)
{
	unsigned i, changed = 0;
	uint64_t now;

	for (i = 0; i < n; i++) {
		now = pfn_of(pagemap, p + i * PG);
		changed += now != pfn[i];
		pfn[i] = now;
	}
	return changed;
}

#define KSM "/sys/kernel/mm/ksm/"

/*
 * The kernel replacing pages under a guest (where it has KSM): the guest
 * writes the same data to 256 pages, ksmd merges them into one shared page
 * (each of the VMM's pages replaced: another PFN); keel must drop its
 * mappings first, and the guest's next writes must break the sharing
 * (copy-on-write) and land in the VMM's own pages again. Also in kvmtest
 * --reference (keel false: keel's counters not checked).
 */
void test_ksm(bool keel)
{
	const uint64_t code = GUEST_RAM, data = GUEST_RAM + MiB;
	enum { N = 256 };
	struct counters cbase = counters_now();
	int vm, pm = open("/proc/self/pagemap", O_RDONLY);
	uint64_t pfn[N], v;
	unsigned i, merged = 0, ok = 0;
	struct memc base = { 0 };
	char *buf;

	if (access(KSM "run", W_OK) || pm < 0) {
		printf("  (this kernel has no KSM: pages replaced under a guest not tested)\n");
		if (pm >= 0)
			close(pm);
		return;
	}
	vm = create_vm(0);
	buf = map_anon(2 * MiB, PROT_READ | PROT_WRITE);
	if (vm < 0 || !buf || madvise(buf, 2 * MiB, MADV_NOHUGEPAGE) || set_region(vm, 0, 0, code, PG, buf) ||
	    set_region(vm, 1, 0, data, MiB, buf + MiB)) {
		check(false, "KSM tests: a VM and memory (%s)", strerror(errno));
		return;
	}
	EXPECT(guest_write(vm, 0, code, buf, data, N, 0x1111), 0, "a guest writes the same data to 256 pages");
	pfns_changed(pm, buf + MiB, pfn, N);
	if (keel)
		base = memc_now();
	write_file(KSM "pages_to_scan", "4096");
	write_file(KSM "sleep_millisecs", "10");
	check(!madvise(buf + MiB, MiB, MADV_MERGEABLE) && !write_file(KSM "run", "1"),
	      "the VMM offers them to KSM (MADV_MERGEABLE), ksmd runs");
	/* One of them becomes the shared page (it keeps its PFN), the others are replaced by it. */
	for (i = 0; i < 100 && merged < N - 1; i++) {
		usleep(100000);
		merged += pfns_changed(pm, buf + MiB, pfn, N);
	}
	write_file(KSM "run", "0");
	check(merged >= N - 1, "ksmd replaced %u of the %d pages with one shared page (want %d)", merged, N, N - 1);
	if (keel)
		check(memc_now().mapped <= base.mapped - merged,
		      "keel unmapped each replaced page first (%lld guest pages mapped, %lld before)",
		      memc_now().mapped, base.mapped);
	EXPECT(guest_write(vm, 1, code, buf, data, N, 0x2222), 0, "the guest writes all 256 pages again");
	for (i = 0; i < N; i++) {
		memcpy(&v, buf + MiB + i * PG, 8);
		ok += v == 0x2222;
	}
	check(ok == N && pfns_changed(pm, buf + MiB, pfn, N) == N,
	      "its writes broke the sharing: %u of 256 in the VMM's own pages again", ok);
	write_file(KSM "run", "2"); /* unmerge whatever is left, stop */
	close(vm);
	close(pm);
	munmap(buf, 2 * MiB);
	if (keel)
		check_counters_back(&cbase, "the KSM tests");
}

struct dropper {
	char *mem;
	size_t size;
	volatile int stop;
	unsigned rounds;
};

static void *dropper_main(void *arg)
{
	struct dropper *dr = arg;

	while (!dr->stop) {
		madvise(dr->mem, dr->size, MADV_DONTNEED);
		dr->rounds++;
		usleep(100); /* room for faults to complete: back to back, a fault may lose every race */
	}
	return NULL;
}

/*
 * Invalidations racing with faults: one thread drops 256 KiB of guest
 * memory again and again while guests write all of it. Every guest run
 * completes; once the dropping ends and the memory is dropped a last time,
 * keel maps none of it (a page mapped from a stale lookup would stay).
 */
static void test_sync_mmu_race(void)
{
	const uint64_t code = GUEST_RAM, data = GUEST_RAM + MiB;
	struct counters cbase = counters_now();
	int vm = create_vm(0);
	char *buf = map_anon(2 * MiB, PROT_READ | PROT_WRITE);
	struct dropper dr = { .size = 64 * PG };
	struct memc base;
	pthread_t t;
	unsigned i, ok = 0;

	if (vm < 0 || !buf || set_region(vm, 0, 0, code, PG, buf) || set_region(vm, 1, 0, data, MiB, buf + MiB)) {
		check(false, "SYNC_MMU race: a VM and memory (%s)", strerror(errno));
		return;
	}
	dr.mem = buf + MiB;
	base = memc_now();
	pthread_create(&t, NULL, dropper_main, &dr);
	for (i = 0; i < 200; i++)
		ok += !guest_write(vm, i, code, buf, data, 64, i + 1);
	dr.stop = 1;
	pthread_join(t, NULL);
	check(ok == 200, "200 guests wrote 64 pages each while another thread dropped them %u times: %u completed",
	      dr.rounds, ok);
	madvise(dr.mem, dr.size, MADV_DONTNEED);
	check_memc(&base, 1, 1, "dropped once more: only the code page stays mapped");
	close(vm);
	munmap(buf, 2 * MiB);
	check_counters_back(&cbase, "the SYNC_MMU race");
}

void test_memory(void)
{
	test_mem_caps();
	test_mem_errors();
	test_mem_slots();
	test_mem_fault_around();
	test_mem_dirty_log();
	test_mem_dirty_log_manual();
	test_mem_stats();
	test_sync_mmu(true);
	test_sync_mmu_race();
	test_ksm(true);
	test_mem_kill9();
	test_mem_memcg();
}

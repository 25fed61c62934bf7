// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_IOEVENTFD as KVM 6.1 gives it (virt/kvm/eventfd.c): every refusal
 * with its errno, and a guest whose MMIO writes signal eventfds without an
 * exit where one matches (any value, a datamatch, any length) and exit to
 * the VMM where none does (another value, another length). Part of
 * test_reference(): the same checks run over Linux's own KVM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvmtest.h"

#define IO_ANY (GUEST_MMIO + 0x100)   /* 4 bytes, any value */
#define IO_MATCH (GUEST_MMIO + 0x200) /* 4 bytes, datamatch 7 */
#define IO_NOLEN (GUEST_MMIO + 0x300) /* length 0: any access at the address */
/*
 * Where the guest's code runs: at program counters no other test guest uses.
 * QEMU 7.2's TCG finds translated code by virtual PC in a per-CPU cache that
 * a stage-2 switch does not clear, so a later VM starting at a PC this guest
 * ran at, on the same emulated CPU, could run this guest's code (seen under
 * keel: the hypercall guest's SMC at offset 0x10 ran this guest's store;
 * KVM switches stage 2 the same way, so the rig, not the hypervisor).
 */
#define CODE_OFF 0x2000

/*
 * Two writes of 1 to IO_ANY, 7 then 8 to IO_MATCH (the 8 exits), a byte to
 * IO_ANY (exits: another length), a word to IO_NOLEN, then the report
 * write to GUEST_MMIO.
 */
extern const uint32_t guest_iofd[], guest_iofd_end[];
__asm__(".pushsection .rodata\n"
	".balign 4\n"
	".global guest_iofd\n"
	"guest_iofd:\n"
	"	movz x5, #0x1000, lsl #16\n"
	"	mov w1, #1\n"
	"	str w1, [x5, #0x100]\n"
	"	str w1, [x5, #0x100]\n"
	"	mov w1, #7\n"
	"	str w1, [x5, #0x200]\n"
	"	mov w1, #8\n"
	"	str w1, [x5, #0x200]\n"
	"	strb w1, [x5, #0x100]\n"
	"	str w1, [x5, #0x300]\n"
	"	str x1, [x5]\n"
	"	b .\n"
	".global guest_iofd_end\n"
	"guest_iofd_end:\n"
	".popsection\n");

static long iofd(int vm, uint64_t addr, uint32_t len, int fd, uint32_t flags, uint64_t datamatch)
{
	struct kvm_ioeventfd a = { .datamatch = datamatch, .addr = addr, .len = len, .fd = fd, .flags = flags };

	return kioctl(vm, KVM_IOEVENTFD, (unsigned long)&a);
}

/* The eventfd's count, read (and so reset); 0 if it was not signalled. */
static uint64_t efd_count(int efd)
{
	uint64_t n = 0;

	return read(efd, &n, sizeof(n)) == sizeof(n) ? n : 0;
}

static void test_ioeventfd_errors(int vm, int efd)
{
	int null_fd = open("/dev/null", O_RDONLY);
	long r;

	check(kioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD) == 1 &&
		      kioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD_ANY_LENGTH) == 1,
	      "KVM_CAP_IOEVENTFD and KVM_CAP_IOEVENTFD_ANY_LENGTH read 1");
	r = iofd(vm, IO_ANY, 3, efd, 0, 0);
	check(r == -EINVAL, "KVM_IOEVENTFD of 3 bytes: %s (want -EINVAL)", err_name(r));
	r = iofd(vm, ~0ULL - 3, 8, efd, 0, 0);
	check(r == -EINVAL, "KVM_IOEVENTFD past the end of the address space: %s (want -EINVAL)", err_name(r));
	r = iofd(vm, IO_ANY, 4, efd, 1U << 7, 0);
	check(r == -EINVAL, "KVM_IOEVENTFD with an unknown flag: %s (want -EINVAL)", err_name(r));
	r = iofd(vm, IO_ANY, 0, efd, KVM_IOEVENTFD_FLAG_DATAMATCH, 1);
	check(r == -EINVAL, "KVM_IOEVENTFD of length 0 with a datamatch: %s (want -EINVAL)", err_name(r));
	r = iofd(vm, IO_ANY, 4, -1, 0, 0);
	check(r == -EBADF, "KVM_IOEVENTFD with fd -1: %s (want -EBADF)", err_name(r));
	r = iofd(vm, IO_ANY, 4, null_fd, 0, 0);
	check(r == -EINVAL, "KVM_IOEVENTFD with a file that is no eventfd: %s (want -EINVAL)", err_name(r));
	r = kioctl(vm, KVM_IOEVENTFD, 8);
	check(r == -EFAULT, "KVM_IOEVENTFD from a bad pointer: %s (want -EFAULT)", err_name(r));
	r = iofd(vm, 0x1000, 2, efd, KVM_IOEVENTFD_FLAG_PIO, 0);
	check(r == 0, "KVM_IOEVENTFD on the PIO bus: %s (KVM's arm64 takes it too)", err_name(r));
	r = iofd(vm, 0x1000, 2, efd, KVM_IOEVENTFD_FLAG_PIO | KVM_IOEVENTFD_FLAG_DEASSIGN, 0);
	check(r == 0, "... and deassigned: %s", err_name(r));
	r = iofd(vm, IO_MATCH + 8, 4, efd, KVM_IOEVENTFD_FLAG_DEASSIGN, 0);
	check(r == -ENOENT, "deassigning one never assigned: %s (want -ENOENT)", err_name(r));
	r = iofd(vm, IO_MATCH + 8, 4, -1, KVM_IOEVENTFD_FLAG_DEASSIGN, 0);
	check(r == -EBADF, "deassigning with fd -1: %s (want -EBADF)", err_name(r));
	close(null_fd);
}

/* The guest's writes: three eventfds signalled without an exit, two writes that match none exit. */
static void test_ioeventfd_guest(struct code_vm *g, const int efd[3])
{
	uint64_t pc = GUEST_RAM + CODE_OFF;
	long r;

	set_reg(g->vcpu, CORE(regs.pc), &pc);
	r = run_timeout(g->vcpu, GUARD_US);
	check(r == 0 && g->run->exit_reason == KVM_EXIT_MMIO && g->run->mmio.phys_addr == IO_MATCH &&
		      g->run->mmio.len == 4 && g->run->mmio.data[0] == 8,
	      "a write the datamatch does not take exits to the VMM (%s, exit %u at 0x%llx)", err_name(r),
	      g->run->exit_reason, (unsigned long long)g->run->mmio.phys_addr);
	check(efd_count(efd[0]) == 2 && efd_count(efd[1]) == 1,
	      "two writes to the any-value ioeventfd and one matching write signalled without an exit");
	r = run_timeout(g->vcpu, GUARD_US);
	check(r == 0 && g->run->exit_reason == KVM_EXIT_MMIO && g->run->mmio.phys_addr == IO_ANY &&
		      g->run->mmio.len == 1,
	      "a byte write to a 4-byte ioeventfd exits to the VMM (%s, exit %u at 0x%llx, len %u)", err_name(r),
	      g->run->exit_reason, (unsigned long long)g->run->mmio.phys_addr, g->run->mmio.len);
	r = run_timeout(g->vcpu, GUARD_US);
	check(r == 0 && g->run->exit_reason == KVM_EXIT_MMIO && g->run->mmio.phys_addr == GUEST_MMIO,
	      "the guest reaches its report write (%s, exit %u at 0x%llx)", err_name(r), g->run->exit_reason,
	      (unsigned long long)g->run->mmio.phys_addr);
	check(efd_count(efd[2]) == 1 && efd_count(efd[0]) == 0,
	      "the length-0 ioeventfd took a word write; nothing else was signalled");
}

void test_ioeventfd(void)
{
	struct code_vm g;
	int efd[3];
	long r;

	for (int i = 0; i < 3; i++)
		efd[i] = eventfd(0, EFD_NONBLOCK);
	if (code_vm_open(&g, guest_iofd, guest_iofd_end)) {
		check(false, "a guest for the ioeventfd tests");
		code_vm_close(&g);
		return;
	}
	memcpy(g.mem + CODE_OFF, guest_iofd, (size_t)((const char *)guest_iofd_end - (const char *)guest_iofd));
	test_ioeventfd_errors(g.vm, efd[0]);
	r = iofd(g.vm, IO_ANY, 4, efd[0], 0, 0);
	check(r == 0, "KVM_IOEVENTFD: 4 bytes, any value: %s", err_name(r));
	r = iofd(g.vm, IO_ANY, 4, efd[1], 0, 0);
	check(r == -EEXIST, "the same address and length again: %s (want -EEXIST)", err_name(r));
	r = iofd(g.vm, IO_MATCH, 4, efd[1], KVM_IOEVENTFD_FLAG_DATAMATCH, 7);
	check(r == 0, "KVM_IOEVENTFD: 4 bytes, datamatch 7: %s", err_name(r));
	r = iofd(g.vm, IO_MATCH, 4, efd[1], KVM_IOEVENTFD_FLAG_DATAMATCH, 9);
	check(r == 0, "another datamatch at the same address: %s", err_name(r));
	r = iofd(g.vm, IO_NOLEN, 0, efd[2], 0, 0);
	check(r == 0, "KVM_IOEVENTFD: length 0 (any length): %s", err_name(r));
	test_ioeventfd_guest(&g, efd);
	r = iofd(g.vm, IO_ANY, 4, efd[0], KVM_IOEVENTFD_FLAG_DEASSIGN, 0);
	check(r == 0, "deassigned: %s", err_name(r));
	r = iofd(g.vm, IO_ANY, 4, efd[0], KVM_IOEVENTFD_FLAG_DEASSIGN, 0);
	check(r == -ENOENT, "deassigned twice: %s (want -ENOENT)", err_name(r));
	r = iofd(g.vm, IO_MATCH, 4, efd[1], KVM_IOEVENTFD_FLAG_DEASSIGN | KVM_IOEVENTFD_FLAG_DATAMATCH, 8);
	check(r == -ENOENT, "deassigning another datamatch: %s (want -ENOENT)", err_name(r));
	code_vm_close(&g); /* the VM's ioeventfds go with it */
	for (int i = 0; i < 3; i++)
		close(efd[i]);
}

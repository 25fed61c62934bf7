# x86_64 (VMX root, ring 0): booted by multiboot2 (GRUB) or multiboot1 (QEMU -kernel), identity-mapped low 4 GiB.
# The native gcc; X86_CROSS_COMPILE picks another. "override": a CROSS_COMPILE given on the command line
# for another arch (make check CROSS_COMPILE=...) reaches this sub-make too and must not win.
X86_CROSS_COMPILE ?=
override CROSS_COMPILE := $(X86_CROSS_COMPILE)
# No SSE/x87/MMX: keel never saves or touches FP state, so host and guest FP state is never clobbered.
# -mcmodel=small: keel is linked at 2 MiB, all symbols below 2 GiB.
ARCH_CFLAGS := -m64 -mno-red-zone -mno-sse -mno-sse2 -mno-mmx -mno-80387 -mcmodel=small -fno-pic \
	-fno-omit-frame-pointer -fno-asynchronous-unwind-tables
ARCH_SRCS := $(wildcard arch/x86/*.S) $(wildcard arch/x86/*.c) arch/shared/no_vcpus.c arch/shared/no_irqchip.c
ARCH_LDFLAGS := -m elf_x86_64 -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments

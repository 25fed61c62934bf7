# mips64el (kernel mode; root kernel mode once VZ exists): QEMU Malta, linked in KSEG0.
# MIPS_CROSS_COMPILE picks another toolchain. "override": a CROSS_COMPILE given on the command line for
# another arch (make check CROSS_COMPILE=...) reaches this sub-make too and must not win.
MIPS_CROSS_COMPILE ?= mips64el-linux-gnuabi64-
override CROSS_COMPILE := $(MIPS_CROSS_COMPILE)
# -msym32: every symbol is a sign-extended 32-bit KSEG0 address, so addresses load in two instructions.
# Soft-float: keel never touches FP state, so host and guest FP state is never clobbered.
ARCH_CFLAGS := -mabi=64 -march=mips64r2 -mno-abicalls -fno-pic -G0 -msym32 -msoft-float \
	-mno-branch-likely -fno-asynchronous-unwind-tables
ARCH_SRCS := $(wildcard arch/mips/*.S) $(wildcard arch/mips/*.c) arch/shared/no_vms.c arch/shared/no_vcpus.c arch/shared/no_irqchip.c
ARCH_LDFLAGS := -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments

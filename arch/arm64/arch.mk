# arm64 (EL2, nVHE-style: keel has its own EL2 translation regime; the host runs at EL1 under stage 2)
CROSS_COMPILE ?= aarch64-linux-gnu-
# general-regs-only: keel never touches FP/SIMD itself, so host/guest FP state is never clobbered.
ARCH_CFLAGS = -nostdinc -isystem $(shell $(CC) -print-file-name=include) -mgeneral-regs-only -mstrict-align -mno-outline-atomics -march=armv8-a -mcmodel=small -fno-omit-frame-pointer
ARCH_SRCS := $(wildcard arch/arm64/*.S) $(wildcard arch/arm64/*.c)
ARCH_LDFLAGS := -z max-page-size=4096 --no-warn-rwx-segments

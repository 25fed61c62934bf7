# arm64 (EL2, nVHE-style: keel has its own EL2 translation regime; the host runs at EL1 under stage 2)
CROSS_COMPILE ?= aarch64-linux-gnu-
# general-regs-only: keel never touches FP/SIMD itself, so host/guest FP state is never clobbered.
# The board's link address and early UART (arch/arm64/boards/$(PLAT).mk) reach the C and assembly
# sources as macros, and the linker script as a symbol. Recursive variables: the compiler is only asked
# for its include directory when something is compiled (a fresh machine has none before install-deps).
EARLY_UART_KIND := $(firstword $(subst :, ,$(KEEL_EARLY_UART)))
EARLY_UART_BASE := $(word 2,$(subst :, ,$(KEEL_EARLY_UART)))
ARCH_CFLAGS = -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
	-DKEEL_BASE=$(KEEL_BASE) $(if $(EARLY_UART_BASE),-DKEEL_EARLY_UART_$(EARLY_UART_KIND)=$(EARLY_UART_BASE)) \
	-mgeneral-regs-only -mstrict-align -mno-outline-atomics -march=armv8-a -mcmodel=small -fno-omit-frame-pointer
ARCH_SRCS := $(wildcard arch/arm64/*.S) $(wildcard arch/arm64/*.c)
ARCH_LDFLAGS := -z max-page-size=4096 --no-warn-rwx-segments --defsym=KEEL_BASE=$(KEEL_BASE)

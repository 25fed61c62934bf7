# keel top-level build.
#   make                 install missing packages, build keel + host kernel + initramfs + firmware image
#   make run             boot the firmware image in QEMU (serial console on stdio)
#   make check           every test: host unit tests, ports, integration tests on the booted image,
#                        the KVM API tests, unmodified QEMU running a guest, Linux's KVM selftests
#   make bench           benchmarks (figures printed)
#   make keel PLAT=pc    keel alone for another platform (pc: x86_64, malta: mips64el)
# Big derived artifacts (kernels, root filesystems) are cached in $(KEEL_CACHE), keyed by their inputs.

PLAT ?= qemu-arm64
KEEL_CACHE ?= $(HOME)/.cache/keel
export KEEL_CACHE

# A board (PLAT) is one file of data: arch/<arch>/boards/<plat>.mk (BOARD_ARCH, keel's link address,
# early UART, load addresses, how QEMU emulates it). The only place that maps a platform to an arch.
BOARD_FILE := $(wildcard arch/*/boards/$(PLAT).mk)
ifeq ($(words $(BOARD_FILE)),1)
include $(BOARD_FILE)
else
$(error unknown PLAT=$(PLAT); known: $(sort $(basename $(notdir $(wildcard arch/*/boards/*.mk)))))
endif
ARCH := $(BOARD_ARCH)

TOP := $(CURDIR)
BUILD := $(TOP)/build/$(PLAT)
Q ?= @

.DEFAULT_GOAL := all

# ---- keel itself -------------------------------------------------------------
include arch/$(ARCH)/arch.mk    # CROSS_COMPILE, ARCH_CFLAGS, ARCH_SRCS, ARCH_LDFLAGS
include libfdt/libfdt.mk        # LIBFDT_SRC_DIR, LIBFDT_SRCS, LIBFDT_CFLAGS, $(LIBFDT_STAMP)

CC := $(CROSS_COMPILE)gcc
LD := $(CROSS_COMPILE)ld
OBJCOPY := $(CROSS_COMPILE)objcopy

KEEL_CFLAGS = -std=c11 -Wall -Wextra -Werror -ffreestanding -fno-builtin -nostdlib -fno-pie \
	-fno-stack-protector -fno-common -O2 -g -MMD -MP \
	-Ihv/include -Iarch/$(ARCH)/include $(ARCH_CFLAGS)
HV_SRCS := $(wildcard hv/src/*.c)
KEEL_SRCS := $(HV_SRCS) $(ARCH_SRCS)
KEEL_OBJS := $(patsubst %,$(BUILD)/obj/%.o,$(KEEL_SRCS))
LIBFDT_OBJS := $(patsubst $(LIBFDT_SRC_DIR)/%.c,$(BUILD)/obj/libfdt/%.o,$(LIBFDT_SRCS))

.PHONY: keel
keel: $(BUILD)/keel.bin

$(BUILD)/obj/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(Q)echo "  CC      $<"; $(CC) $(KEEL_CFLAGS) $(LIBFDT_CFLAGS) -c $< -o $@
$(BUILD)/obj/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(Q)echo "  AS      $<"; $(CC) $(KEEL_CFLAGS) -D__ASSEMBLY__ -c $< -o $@
$(BUILD)/obj/libfdt/%.o: $(LIBFDT_SRC_DIR)/%.c $(LIBFDT_STAMP)
	@mkdir -p $(dir $@)
	$(Q)echo "  CC      libfdt/$*.c"; $(CC) $(KEEL_CFLAGS) $(LIBFDT_CFLAGS) $(LIBFDT_EXTRA_CFLAGS) -c $< -o $@
$(KEEL_OBJS) $(LIBFDT_OBJS): $(LIBFDT_STAMP) Makefile arch/$(ARCH)/arch.mk $(BOARD_FILE)

$(BUILD)/keel.elf: $(KEEL_OBJS) $(LIBFDT_OBJS) linker/$(ARCH).ld
	$(Q)echo "  LD      $@"; $(LD) -nostdlib -static -T linker/$(ARCH).ld $(ARCH_LDFLAGS) \
		-o $@ $(KEEL_OBJS) $(LIBFDT_OBJS) $(shell $(CC) -print-libgcc-file-name)
$(BUILD)/keel.bin: $(BUILD)/keel.elf
	$(Q)$(OBJCOPY) -O binary $< $@

-include $(KEEL_OBJS:.o=.d)

# ---- the rest ----------------------------------------------------------------
include tests/unit/unit.mk              # unit: host unit tests (ASan/UBSan)
include tests/fuzz/fuzz.mk              # fuzz, check-fuzz: libFuzzer over the hypercalls
include tests/rig/rig.mk                # firmware, run, host kernels, initramfs
include tests/integration/integration.mk # check-integration, bench
include tests/ports/ports.mk            # check-ports: x86_64 and mips64el keel boot to banner
include tests/kvm/kvm.mk                # check-kvm, shim, kvmtest: the shim and its KVM API tests
include tests/integration/qemu-guest.mk # check-qemu-guest(-kvm): unmodified QEMU runs a guest in the host

.PHONY: all deps check clean help
help:
	@echo "keel: make [TARGET] [KNOB=VALUE...]   (the README has the two set-up commands)"
	@echo
	@echo "Targets"
	@echo "  all (default)     install packages, build keel, host kernel, initramfs, shim, tool disk, firmware image"
	@echo "  run               boot the firmware image in QEMU to the host's root shell: /dev/kvm, run-guest, kvm_stat"
	@echo "                    (Ctrl-] x quits QEMU; 'poweroff' in the host ends it). PLAT=pc/malta: keel's banner"
	@echo "  run-nokeel        the same host kernel and tools straight at EL2 (Linux's own KVM)"
	@echo "  firmware          build/PLAT/firmware/: keel.itb, boot.scr, bootdisk.img, hostdisk.img (+ u-boot.bin, flash1.img)"
	@echo "  keel              keel alone (build/PLAT/keel.bin)"
	@echo "  shim              shim.ko for the trimmed and Debian kernels; shim-external KDIR=DIR: against a board's kernel"
	@echo "  check             every test (unit, fuzz, ports, integration, boards, KVM API, QEMU guest, selftests)"
	@echo "  unit | check-fuzz | check-ports | check-integration | check-boards | check-kvm | check-qemu-guest | check-selftests"
	@echo "  fuzz              libFuzzer over keel's hypercalls, FUZZ_RUNS (1000000) executions"
	@echo "  soak              hours of load in the host: SOAK_CYCLES (10000) VM lives, SOAK_KILLS (1000) kill -9 of QEMU"
	@echo "  bench             keel vs Linux KVM side by side (-icount): boot cost, HVC, MMIO, nested guest boot"
	@echo "  prof-qemu-guest   the nested guest run's instructions by world and function, keel and Linux KVM"
	@echo "  board-env         the board's data as shell assignments"
	@echo "  clean             remove build/ (the cache in KEEL_CACHE stays; rig-cache-prune trims it)"
	@echo
	@echo "Knobs"
	@echo "  PLAT=$(PLAT)     board: $(sort $(basename $(notdir $(wildcard arch/*/boards/*.mk)))) (arch/*/boards/PLAT.mk)"
	@echo "  KERNEL=trimmed    host kernel: trimmed (built from linux-source-6.1) or debian (Debian's stock arm64)"
	@echo "  SMP=N MEM=MIB     CPUs and RAM of the emulated board for run (limits in the board file)"
	@echo "  ADD='HOST[:GUEST] ...'  files or directories to put in the host for run (default GUEST /root/NAME)"
	@echo "  RIG_QEMU_EXTRA='...'    extra options for the outer QEMU (run); RIG_BOOTARGS: the host's command line"
	@echo "  KEEL_CACHE=$(KEEL_CACHE)  where kernels, root trees and disks are cached (keyed by their inputs)"
	@echo "  SELFTESTS='...'   which KVM selftests check-selftests runs"
all:
	$(Q)tests/rig/install-deps
	$(Q)$(MAKE) --no-print-directory firmware

deps:
	$(Q)tests/rig/install-deps

# Every suite's own "N passed, M failed" (and cmocka's) lines are added up into the closing line.
check: SHELL := /bin/bash
check:
	$(Q)tests/rig/install-deps
	$(Q)mkdir -p $(BUILD); set -o pipefail; \
	{ $(MAKE) --no-print-directory unit && \
	  $(MAKE) --no-print-directory check-fuzz && \
	  $(MAKE) --no-print-directory check-ports && \
	  $(MAKE) --no-print-directory check-pc && \
	  $(MAKE) --no-print-directory check-integration && \
	  $(MAKE) --no-print-directory check-boards && \
	  $(MAKE) --no-print-directory check-kvm && \
	  $(MAKE) --no-print-directory check-qemu-guest && \
	  $(MAKE) --no-print-directory check-selftests; } 2>&1 | tee $(BUILD)/check.log; rc=$$?; \
	awk '/^ *\[  PASSED  \] [0-9]+ test/ { p += $$4 } /^ *\[  FAILED  \] [0-9]+ test/ { f += $$4 } \
	     match($$0, /[0-9]+ passed, [0-9]+ failed/) { split(substr($$0, RSTART, RLENGTH), a, /[ ,]+/); p += a[1]; f += a[3] } \
	     END { printf "check: %d passed, %d failed\n", p, f + ('"$$rc"' != 0 && f == 0) }' $(BUILD)/check.log; \
	exit $$rc

clean:
	rm -rf build

# The board's data as shell assignments, for the rig's scripts (tests/rig/hostrun --plat).
.PHONY: board-env
SOAK_CYCLES ?= 10000
SOAK_KILLS ?= 1000
SOAK_ROUNDS ?= 100
.PHONY: soak
soak: all kvmtest
	$(Q)tests/soak/soak.sh --cycles $(SOAK_CYCLES) --kills $(SOAK_KILLS) --rounds $(SOAK_ROUNDS)

board-env:
	@$(foreach v,BOARD_ARCH BOARD_DESC BOARD_RAM_BASE KEEL_BASE KEEL_EARLY_UART BOARD_INITRD_ADDR \
		BOARD_FIT_ADDR BOARD_CONSOLE BOARD_UBOOT BOARD_DTB BOARD_QEMU_DTB_FIXUP BOARD_QEMU_MACHINE \
		BOARD_SMP BOARD_MAX_SMP BOARD_MEM BOARD_MAX_MEM BOARD_QEMU_DISK BOARD_KERNEL,printf "%s='%s'\n" $(v) "$($(v))";)

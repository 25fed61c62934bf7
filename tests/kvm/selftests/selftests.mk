# Linux 6.1's own KVM selftests (tools/testing/selftests/kvm, arm64) run in the host. Included by
# tests/kvm/kvm.mk (TOP, Q, KVM_BUILD, KVM_HOSTRUN).
#   make kvm-selftests         build them (cached in $(KEEL_CACHE)/selftests/kvm-<key>, ~30 s cold)
#   make check-selftests-kvm   run them on Linux's own KVM (host kernel at EL2, no keel): the reference
#   make check-selftests       run them under keel, through the shim (insmod /shim.ko first)
#   make kvmbench              the HVC/MMIO round-trip benchmark client (see the end of this file)
# SELFTESTS_KERNEL (trimmed | debian), SELFTESTS ("aarch64/psci_test ..." to run only those),
# SELFTEST_TIMEOUT (seconds per test, default 120), SELFTEST_VERBOSE=1 (whole output of failures). Logs: build/qemu-arm64/kvm/check-selftests-*.log.

SELFTESTS_DIR := $(TOP)/tests/kvm/selftests
SELFTESTS_KERNEL ?= trimmed
SELFTESTS ?=
SELFTEST_TIMEOUT ?= 120
SELFTEST_VERBOSE ?=

.PHONY: kvm-selftests check-selftests-kvm check-selftests

kvm-selftests:
	$(Q)$(SELFTESTS_DIR)/build-selftests >/dev/null

# $(1): log name, $(2): hostrun options, $(3): runner options. hostrun exits with the runner's status.
define SELFTESTS_RUN
	$(Q)set -o pipefail; entry=$$($(SELFTESTS_DIR)/build-selftests) && mkdir -p $(KVM_BUILD) && \
	log=$(KVM_BUILD)/check-selftests-$(1).log && \
	echo "  HOSTRUN selftests ($(1), $(SELFTESTS_KERNEL) kernel): log $$log" && \
	$(KVM_HOSTRUN) --no-disk --kernel $(SELFTESTS_KERNEL) --timeout 3600 $(2) \
		--add $$entry/bin:/selftests --add $(SELFTESTS_DIR)/run-selftests.sh:/run-selftests.sh \
		-- sh /run-selftests.sh --timeout $(SELFTEST_TIMEOUT) $(if $(SELFTEST_VERBOSE),--verbose) $(3) /selftests $(SELFTESTS) \
		2>&1 | tee $$log || { echo "check-selftests: $(1) FAILED (log: $$log)"; exit 1; }
endef

check-selftests-kvm check-selftests: SHELL := /bin/bash
# Each twice: the tests as they are, then (run-selftests.sh --timed) those whose guests allow an
# interrupt only microseconds of lateness, with the host under -icount (guest time follows the
# instructions run: an emulated host cannot fall behind it).
SELFTESTS_ICOUNT := --qemu '-icount shift=0,sleep=off'
check-selftests-kvm:
	$(call SELFTESTS_RUN,nokeel,--no-keel,)
	$(call SELFTESTS_RUN,nokeel-timed,--no-keel $(SELFTESTS_ICOUNT),--timed)

SELFTESTS_SHIM = --no-shim --add $(KVM_BUILD)/shim-$(SELFTESTS_KERNEL)/shim.ko:/shim.ko
check-selftests: shim-$(SELFTESTS_KERNEL)
	$(call SELFTESTS_RUN,keel,$(SELFTESTS_SHIM),--insmod /shim.ko)
	$(call SELFTESTS_RUN,keel-timed,$(SELFTESTS_SHIM) $(SELFTESTS_ICOUNT),--insmod /shim.ko --timed)

# kvmbench (tests/bench/kvmbench.c): HVC and MMIO round-trip cost on any arm64 /dev/kvm; run by
# tests/bench/kvm-bench.sh from `make bench`. Static arm64, against the 6.1 uapi headers of
# libc6-dev-arm64-cross, like kvmtest.
.PHONY: kvmbench
kvmbench: $(KVM_BUILD)/kvmbench
$(KVM_BUILD)/kvmbench: $(TOP)/tests/bench/kvmbench.c
	@mkdir -p $(dir $@)
	$(Q)echo "  CC      $@ (static arm64)"; \
		$(KVM_CROSS)gcc -static -O2 -g -Wall -Wextra -Werror -o $@ $<

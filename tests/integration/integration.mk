# Integration tests: boots of the firmware image (and of keel with broken boot input), with assertions.
# Included by the top Makefile (TOP, BUILD, Q).
#   make check-integration   keel + both host kernels; bad boot input; host boot (trimmed, debian)
#   make check-boards        the host a user gets (make run typed into a terminal, run-guest, kvm_stat),
#                            U-Boot standard boot from disk and TFTP, the ZCU102 board, the ports' make run,
#                            the shim built against Debian's headers (host-tools.sh, run-interactive.sh,
#                            boards.sh)
#   make bench               host boot cost with and without keel, side by side (figures printed);
#                            HVC and MMIO round trips, Linux KVM vs keel (tests/bench/kvm-bench.sh)

INTEG := $(TOP)/tests/integration
INTEG_KERNELS ?= trimmed debian

.PHONY: check-integration check-boards check-pc bench
# The x86 firmware image and host (tests/integration/pc-boot.sh): QEMU's SVM, the reference without keel,
# bad boot input, make run PLAT=pc, bochs' VMX report.
check-pc:
	$(Q)$(MAKE) --no-print-directory firmware PLAT=pc
	$(Q)$(MAKE) --no-print-directory kvmsys-pc
	$(Q)echo "  TEST    x86 (PLAT=pc): the host under keel (SVM), without keel, bad boot input, make run, bochs"
	$(Q)$(INTEG)/pc-boot.sh
check-integration: keel
	$(Q)for k in $(INTEG_KERNELS); do $(MAKE) --no-print-directory host-kernel KERNEL=$$k && \
		$(MAKE) --no-print-directory shim-$$k || exit; done
	$(Q)echo "  TEST    bad boot input"
	$(Q)HOST_IMAGE=$(BUILD)/kernel-trimmed/Image KEEL_BIN=$(BUILD)/keel.bin $(INTEG)/bad-boot.sh
	$(Q)for k in $(INTEG_KERNELS); do echo "  TEST    host boot under keel ($$k kernel)"; \
		$(INTEG)/host-boot.sh $$k || exit; done

check-boards:
	$(Q)$(MAKE) --no-print-directory rig-shellcheck
	$(Q)$(MAKE) --no-print-directory rig-selftest
	$(Q)$(MAKE) --no-print-directory firmware
	$(Q)$(MAKE) --no-print-directory keel PLAT=zcu102
	$(Q)for k in $(INTEG_KERNELS); do echo "  TEST    the host a user gets (virt, $$k kernel): shim, tools, run-guest, kvm_stat"; \
		$(MAKE) --no-print-directory -s shim-$$k && $(INTEG)/host-tools.sh --plat qemu-arm64 --kernel $$k || exit; done
	$(Q)echo "  TEST    make run typed into a terminal (tmux)"
	$(Q)$(INTEG)/run-interactive.sh --plat qemu-arm64
	$(Q)echo "  TEST    boot paths and boards: disk, TFTP, ZCU102, ports, shim against Debian's headers"
	$(Q)$(INTEG)/boards.sh
	$(Q)echo "  TEST    the host a user gets (ZCU102): shim, tools, run-guest, kvm_stat; make run PLAT=zcu102"
	$(Q)$(INTEG)/host-tools.sh --plat zcu102
	$(Q)$(INTEG)/run-interactive.sh --plat zcu102

ifeq ($(PLAT),pc)
bench: keel shim-pc hcbench-pc
	$(Q)tests/rig/install-deps
	$(Q)$(TOP)/tests/bench/pc-bench.sh
else
bench: keel
	$(Q)tests/rig/install-deps
	$(Q)for k in $(INTEG_KERNELS); do $(MAKE) --no-print-directory host-kernel KERNEL=$$k || exit; done
	$(Q)BENCH_KERNELS="$(INTEG_KERNELS)" $(TOP)/tests/bench/boot-bench.sh
	$(Q)$(MAKE) --no-print-directory kvmbench
	$(Q)shim=$(KVM_BUILD)/shim-trimmed/shim.ko; $(MAKE) --no-print-directory shim-trimmed >/dev/null 2>&1 || shim=; \
		KVMBENCH=$(KVM_BUILD)/kvmbench SHIM_KO=$$shim $(TOP)/tests/bench/kvm-bench.sh
	$(Q)$(MAKE) --no-print-directory bench-qemu-guest
endif

# Unmodified QEMU in the host Linux runs a guest Linux with KVM (tests/integration/qemu-guest.sh).
# Included by the top Makefile (TOP, BUILD, Q, KERNEL).
#   make qemu-guest-inputs        the host-side QEMU bundle, the guest initramfs, the trimmed kernel (cached)
#   make check-qemu-guest-kvm     the reference: host kernel at EL2, Linux's own KVM provides /dev/kvm
#   make check-qemu-guest         under keel: the shim (build/qemu-arm64/kvm/shim-$(KERNEL)/shim.ko)
#                                 provides /dev/kvm (part of 'make check'); each runs the GICv2 guest
#                                 (kernel-irqchip=off) and the in-kernel GICv3 one (qemu-guest.sh --gic3)
#   make bench-qemu-guest         guest boot to /init in instructions (-icount), Linux KVM vs keel
#                                 (BENCH_QEMU_GUEST_MODES, default both; part of 'make bench')
#   make prof-qemu-guest          where the point-5 guest's instructions go, by world and function, Linux KVM
#                                 and keel side by side (tests/bench/tbprof: a QEMU TCG plugin; not in 'make bench')
# Logs: build/qemu-arm64/qemu-guest/{console,output}-<kernel>-<mode>.*

QG_TEST := $(TOP)/tests/integration/qemu-guest.sh

.PHONY: qemu-guest-inputs check-qemu-guest-kvm check-qemu-guest bench-qemu-guest prof-qemu-guest

qemu-guest-inputs: $(BUILD)/qemu-guest/gdbpoke
	$(Q)$(TOP)/tests/rig/guest/build-qemu >/dev/null
	$(Q)$(TOP)/tests/rig/guest/build-guest >/dev/null
	$(Q)$(TOP)/tests/rig/kernel/build-kernel trimmed >/dev/null
	$(Q)$(TOP)/tests/rig/kernel/build-kernel $(KERNEL) >/dev/null

# gdbpoke: the GDB remote-protocol client of the gdbstub check (static arm64, runs in the host)
$(BUILD)/qemu-guest/gdbpoke: $(TOP)/tests/integration/gdbpoke.c
	@mkdir -p $(dir $@)
	$(Q)echo "  CC      $@ (static arm64)"; aarch64-linux-gnu-gcc -static -O2 -Wall -Wextra -Werror -o $@ $<

check-qemu-guest-kvm: qemu-guest-inputs
	$(Q)echo "  TEST    QEMU guest in the host, Linux's own KVM ($(KERNEL) host kernel, no keel)"
	$(Q)$(QG_TEST) --no-keel --kernel $(KERNEL)
	$(Q)echo "  TEST    ... with the in-kernel GICv3, 4 vCPUs"
	$(Q)$(QG_TEST) --no-keel --kernel $(KERNEL) --gic3

check-qemu-guest: keel shim-$(KERNEL) qemu-guest-inputs
	$(Q)echo "  TEST    QEMU guest in the host under keel ($(KERNEL) host kernel + shim)"
	$(Q)$(QG_TEST) --kernel $(KERNEL) --shim $(BUILD)/kvm/shim-$(KERNEL)/shim.ko
	$(Q)echo "  TEST    ... with the in-kernel GICv3 (keel's vGIC), 4 vCPUs"
	$(Q)$(QG_TEST) --kernel $(KERNEL) --shim $(BUILD)/kvm/shim-$(KERNEL)/shim.ko --gic3

BENCH_QEMU_GUEST_MODES ?= nokeel keel
bench-qemu-guest: keel shim-trimmed qemu-guest-inputs
	$(Q)BENCH_QEMU_GUEST_MODES="$(BENCH_QEMU_GUEST_MODES)" $(TOP)/tests/bench/qemu-guest-bench.sh

prof-qemu-guest: keel shim-trimmed qemu-guest-inputs
	$(Q)$(TOP)/tests/bench/tbprof/tbprof.sh $(BENCH_QEMU_GUEST_MODES)

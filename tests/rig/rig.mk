# keel's arm64 test rig: host kernels, host initramfs, firmware image (U-Boot + FIT), make run.
# Included by the top Makefile (TOP, BUILD, PLAT, KEEL_CACHE, Q). See tests/rig/README.md.
#
#   make host-kernel [KERNEL=trimmed|debian]   build/fetch the host kernel (cached in $(KEEL_CACHE))
#                                               -> $(BUILD)/kernel-$(KERNEL) (link to the cache entry:
#                                                  Image, config, version, build/ for out-of-tree modules)
#   make initramfs                              -> $(BUILD)/rig/initramfs.cpio.gz (busybox + /init)
#   make fit [KERNEL=..] [KEEL_BIN=file]        -> $(RIG_FW)/keel.itb (KEEL_BIN: something else in
#                                                  keel's place, e.g. a Linux Image, to test the rig)
#   make firmware [KERNEL=..]                   -> $(RIG_FW)/{u-boot.bin,keel.itb,flash1.img}
#   make run [KERNEL=..]                        boot the firmware image, console on stdio (Ctrl-A x quits)
#   make run-nokeel [KERNEL=..]                 the same kernel + initramfs directly at EL2, no keel
#   make rig-selftest                           hostrun end to end (--no-keel, both kernels)
#   make rig-shellcheck                         shellcheck the rig's scripts
#   make rig-cache-prune [DAYS=14]              drop cache entries unused for DAYS days
# RIG_FW is $(BUILD)/firmware for KERNEL=trimmed and $(BUILD)/firmware-$(KERNEL) otherwise.

KERNEL ?= trimmed
KEEL_BIN ?= $(BUILD)/keel.bin
RIG := $(TOP)/tests/rig
RIG_FW := $(BUILD)/firmware$(if $(filter trimmed,$(KERNEL)),,-$(KERNEL))
RIG_KDIR := $(BUILD)/kernel-$(KERNEL)
RIG_INITRAMFS := $(BUILD)/rig/initramfs.cpio.gz
RIG_UBOOT := /usr/lib/u-boot/qemu_arm64/u-boot.bin
RIG_FIT_ADDR := 0x70000000
RIG_BOOTARGS ?= console=ttyAMA0 earlycon rdinit=/init
RIG_QEMU := qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 -cpu max,pauth-impdef=on \
	-smp 2 -m 2048 -nographic -nic none
RIG_QEMU_EXTRA ?=

ifeq ($(filter trimmed debian,$(KERNEL)),)
$(error KERNEL=$(KERNEL): trimmed or debian)
endif

.PHONY: host-kernel initramfs fit firmware run run-nokeel rig-selftest rig-shellcheck

# The scripts keep their own input-keyed caches: always ask them (a no-op takes milliseconds).
host-kernel:
	$(Q)entry=$$($(RIG)/kernel/build-kernel $(KERNEL) $(if $(filter debian,$(KERNEL)),--headers)) && \
		mkdir -p $(BUILD) && ln -sfn "$$entry" $(RIG_KDIR) && \
		echo "  KERNEL  $(RIG_KDIR) -> $$entry ($$(cat $$entry/version))"

initramfs:
	$(Q)f=$$($(RIG)/initramfs/build-initramfs) && mkdir -p $(dir $(RIG_INITRAMFS)) && \
		ln -sfn "$$f" $(RIG_INITRAMFS) && echo "  INITRD  $(RIG_INITRAMFS) -> $$f"

# Proper prerequisites (not order-only) so that a new keel.bin is picked up.
fit: $(if $(filter $(BUILD)/keel.bin,$(KEEL_BIN)),$(KEEL_BIN)) host-kernel initramfs
	$(Q)echo "  MKFIT   $(RIG_FW)/keel.itb (keel: $(KEEL_BIN), Linux: $(KERNEL))"
	$(Q)$(RIG)/mkfit $(KEEL_BIN) $(RIG_KDIR)/Image $(RIG_INITRAMFS) $(RIG_FW)/keel.itb

firmware: fit
	$(Q)cp $(RIG_UBOOT) $(RIG_FW)/u-boot.bin
	$(Q)$(RIG)/mkenv $(RIG_FW)/flash1.img "$(RIG_BOOTARGS)" \
		'bootm $(RIG_FIT_ADDR)#conf-1 $(RIG_FIT_ADDR)#conf-1 $${fdtcontroladdr}'
	$(Q)echo "  FW      $(RIG_FW): u-boot.bin keel.itb flash1.img (make run to boot it)"

run: firmware
	$(Q)echo "  RUN     $(RIG_FW) (Ctrl-A x quits QEMU)"
	$(Q)$(RIG_QEMU) -bios $(RIG_FW)/u-boot.bin \
		-drive if=pflash,unit=1,format=raw,file=$(RIG_FW)/flash1.img \
		-device loader,file=$(RIG_FW)/keel.itb,addr=$(RIG_FIT_ADDR),force-raw=on $(RIG_QEMU_EXTRA)

run-nokeel: host-kernel initramfs
	$(Q)echo "  RUN     $(KERNEL) kernel at EL2 without keel (Ctrl-A x quits QEMU)"
	$(Q)$(RIG_QEMU) -kernel $(RIG_KDIR)/Image -initrd $(RIG_INITRAMFS) -append "$(RIG_BOOTARGS)" \
		$(RIG_QEMU_EXTRA)

rig-selftest: host-kernel initramfs
	$(Q)$(RIG)/selftest

rig-shellcheck:
	$(Q)cd $(RIG) && shellcheck -x hostrun selftest mkfit mkenv lib.sh \
		cache-prune kernel/build-kernel kernel/build-trimmed kernel/fetch-debian \
		initramfs/build-initramfs initramfs/init && echo "  SHCHECK tests/rig: clean"

.PHONY: rig-cache-prune
rig-cache-prune:
	$(Q)$(RIG)/cache-prune $(if $(DAYS),$(DAYS))

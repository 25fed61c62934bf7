# keel's arm64 test rig: host kernels, host initramfs, firmware image (U-Boot + FIT), make run. The board's
# data (addresses, emulation) comes from arch/<arch>/boards/$(PLAT).mk through the top Makefile.
# Included by the top Makefile (TOP, BUILD, PLAT, KEEL_CACHE, Q). See tests/rig/README.md.
#
#   make host-kernel [KERNEL=trimmed|debian]   build/fetch the host kernel (cached in $(KEEL_CACHE))
#                                               -> $(BUILD)/kernel-$(KERNEL) (link to the cache entry:
#                                                  Image, config, version, build/ for out-of-tree modules)
#   make initramfs                              -> $(BUILD)/rig/initramfs.cpio.gz (busybox + /init)
#   make fit [KERNEL=..] [KEEL_BIN=file]        -> $(RIG_FW)/keel.itb (KEEL_BIN: something else in
#                                                  keel's place, e.g. a Linux Image, to test the rig)
#   make firmware [KERNEL=..] [PLAT=..]         -> $(RIG_FW)/{keel.itb,boot.scr,bootdisk.img,hostdisk.img}
#                                                  (+ u-boot.bin, flash1.img on boards with U-Boot)
#   make run [KERNEL=..] [PLAT=..] [SMP= MEM= ADD=]  boot it, the host's shell on this terminal
#                                                  (hostrun --interactive; Ctrl-] x quits QEMU)
#   make run-nokeel [KERNEL=..]                 the same kernel + initramfs + tools directly at EL2, no keel
#   make shim-external KDIR=DIR                 shim.ko against a board's own kernel (out-of-tree Kbuild)
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
RIG_SHIM := $(TOP)/build/qemu-arm64/kvm/shim-$(KERNEL)/shim.ko
RIG_BOOTARGS ?= console=$(BOARD_CONSOLE) earlycon rdinit=/init
RIG_QEMU_EXTRA ?=
# make run knobs: SMP, MEM (MiB), ADD (HOST[:GUEST] files for the host, blank-separated), NO_KEEL=1
SMP ?=
MEM ?=
ADD ?=
# The board's own kernel source for 'make shim-external' (a Kbuild tree: headers + Makefile)
KDIR ?=
export KEEL_BASE BOARD_INITRD_ADDR BOARD_FIT_ADDR

ifeq ($(filter trimmed debian,$(KERNEL)),)
$(error KERNEL=$(KERNEL): trimmed or debian)
endif

.PHONY: host-kernel initramfs fit firmware run run-nokeel rig-selftest rig-shellcheck shim-external $(RIG_FW)/shim.cpio

# The scripts keep their own input-keyed caches: always ask them (a no-op takes milliseconds).
host-kernel:
	$(Q)entry=$$($(RIG)/kernel/build-kernel $(KERNEL) $(if $(filter debian,$(KERNEL)),--headers)) && \
		mkdir -p $(BUILD) && ln -sfn "$$entry" $(RIG_KDIR) && \
		echo "  KERNEL  $(RIG_KDIR) -> $$entry ($$(cat $$entry/version))"

initramfs:
	$(Q)f=$$($(RIG)/initramfs/build-initramfs) && mkdir -p $(dir $(RIG_INITRAMFS)) && \
		ln -sfn "$$f" $(RIG_INITRAMFS) && echo "  INITRD  $(RIG_INITRAMFS) -> $$f"

ifeq ($(BOARD_ARCH),arm64)
# The host's initramfs in the firmware image: busybox + /init, and keel's shim for this kernel
# (loaded at boot) with the modules that kernel needs to mount the tool disk (host-parts). The tool disk (QEMU, a guest, run-guest, kvm_stat) is beside it, not in it.
$(RIG_FW)/shim.cpio: shim-$(KERNEL)
	@mkdir -p $(dir $@)
	$(Q)$(RIG)/initramfs/host-parts $(KERNEL) $(RIG_SHIM) | python3 $(RIG)/initramfs/mkcpio.py -o $@ -

# Proper prerequisites (not order-only) so that a new keel.bin is picked up.
fit: $(if $(filter $(BUILD)/keel.bin,$(KEEL_BIN)),$(KEEL_BIN)) host-kernel initramfs $(RIG_FW)/shim.cpio
	$(Q)echo "  MKFIT   $(RIG_FW)/keel.itb (keel: $(KEEL_BIN), Linux: $(KERNEL), $(BOARD_DESC))"
	$(Q)$(RIG)/mkfit $(KEEL_BIN) $(RIG_KDIR)/Image $(RIG_INITRAMFS):$(RIG_FW)/shim.cpio $(RIG_FW)/keel.itb

# The firmware image: keel.itb for U-Boot (bootm), the tool disk, and for QEMU the U-Boot binary
# and its environment (pflash), or the pieces QEMU enters directly on boards without U-Boot; a
# boot.scr for U-Boot's distro boot, and an SD/virtio disk image holding both (docs/boot.md).
firmware: fit
	$(Q)img=$$($(RIG)/hostdisk/build-hostdisk) && ln -sfn "$$img" $(RIG_FW)/hostdisk.img && \
		echo "  DISK    $(RIG_FW)/hostdisk.img -> $$img"
	$(Q)$(RIG)/mkbootdisk $(RIG_FW) "$(RIG_BOOTARGS)"
ifneq ($(BOARD_UBOOT),)
	$(Q)cp $(BOARD_UBOOT) $(RIG_FW)/u-boot.bin
	$(Q)FIT_ADDR=$(BOARD_FIT_ADDR) $(RIG)/mkenv $(RIG_FW)/flash1.img "$(RIG_BOOTARGS)" \
		'bootm $(BOARD_FIT_ADDR)#conf-1 $(BOARD_FIT_ADDR)#conf-1 $${fdtcontroladdr}'
	$(Q)echo "  FW      $(RIG_FW): u-boot.bin flash1.img keel.itb boot.scr bootdisk.img hostdisk.img (make run to boot it)"
else
	$(Q)echo "  FW      $(RIG_FW): keel.itb boot.scr bootdisk.img hostdisk.img (make run PLAT=$(PLAT) to boot it)"
endif

# Boot the firmware image's parts on this terminal (tests/rig/hostrun --interactive): the host's
# root shell, /dev/kvm, run-guest. Exits non-zero when keel refused to boot.
run: firmware
	$(Q)$(RIG)/hostrun --interactive --no-build --plat $(PLAT) --kernel $(KERNEL) --keel-bin $(KEEL_BIN) \
		$(if $(SMP),--smp $(SMP)) $(if $(MEM),--mem $(MEM)) $(if $(NO_KEEL),--no-keel) \
		$(foreach a,$(ADD),--add $(a)) $(if $(RIG_QEMU_EXTRA),--qemu '$(RIG_QEMU_EXTRA)')

run-nokeel:
	$(Q)$(MAKE) --no-print-directory run NO_KEEL=1

# shim.ko against a board's own kernel (out of tree, Kbuild): KDIR = its build tree or headers.
shim-external:
	$(Q)[ -n "$(KDIR)" ] || { echo "shim-external: KDIR=<the board kernel's build tree or headers> is required"; exit 2; }
	$(Q)out=$(BUILD)/shim-external && mkdir -p $$out/arm64 && \
	for f in $(KVM_SHIM_FILES); do ln -sfn $(TOP)/shim/$$f $$out/$$f; done && \
	$(MAKE) -C $(KDIR) ARCH=arm64 CROSS_COMPILE=$(KVM_CROSS) M=$$out KEEL_TOP=$(TOP) modules && \
	echo "  KBUILD  $$out/shim.ko (against $(KDIR))"
else ifeq ($(BOARD_ARCH),x86)
# The PC's firmware image: a GRUB multiboot2 ISO with keel.elf, Debian's amd64 kernel and the host's
# initramfs (busybox, /init, keel's shim and Linux's KVM modules for a run without keel). It boots
# unchanged in QEMU (-cdrom) and bochs (ata0-master cdrom).
PC_KERNEL := debian-amd64
PC_SHIM := $(TOP)/build/pc/kvm/shim-$(PC_KERNEL)/shim.ko
firmware: keel shim-pc
	$(Q)mkdir -p $(RIG_FW)
	$(Q)entry=$$($(RIG)/kernel/build-kernel $(PC_KERNEL)) && base=$$($(RIG)/initramfs/build-initramfs --arch amd64) && \
	$(RIG)/initramfs/host-parts $(PC_KERNEL) $(PC_SHIM) | python3 $(RIG)/initramfs/mkcpio.py -o $(RIG_FW)/parts.cpio - && \
	ln -sfn $$base $(RIG_FW)/base.cpio.gz && \
	echo "  MKISO   $(RIG_FW)/keel.iso (keel.elf, Linux $$(cat $$entry/version), busybox + shim)" && \
	$(RIG)/mkiso $(RIG_FW)/keel.iso $(BUILD)/keel.elf $$entry/bzImage $$base:$(RIG_FW)/parts.cpio "console=ttyS0 rdinit=/init"
	$(Q)echo "  FW      $(RIG_FW)/keel.iso (make run PLAT=pc to boot it; EMU=bochs: in bochs, under VMX)"

# The host's shell on this terminal under QEMU's SVM (hostrun --interactive); EMU=bochs boots the same
# ISO in bochs with a VMX CPU (Skylake-X) for RUN_TIMEOUT seconds (default 600) and then prints its console
# (bochs is not interactive here: tests/rig/hostrun --plat pc --emu bochs -- CMD runs commands in it).
run: firmware
ifeq ($(EMU),bochs)
	$(Q)$(RIG)/bochsrun $(RIG_FW)/keel.iso --cpu corei7_skylake_x --timeout $(or $(RUN_TIMEOUT),600)
else
	$(Q)$(RIG)/hostrun --interactive --no-build --plat pc $(if $(SMP),--smp $(SMP)) $(if $(MEM),--mem $(MEM)) \
		$(if $(NO_KEEL),--no-keel) $(foreach a,$(ADD),--add $(a)) $(if $(RIG_QEMU_EXTRA),--qemu '$(RIG_QEMU_EXTRA)')
endif
run-nokeel:
	$(Q)$(MAKE) --no-print-directory run NO_KEEL=1
else
# MIPS boots to keel's banner and virtualization report in its emulator, then powers off.
firmware:
	$(Q)echo "firmware: PLAT=$(PLAT) has no firmware image yet (keel boots to its banner: make run PLAT=$(PLAT))"; exit 2
run: keel
	$(Q)echo "  RUN     keel for $(BOARD_DESC) (no host yet: keel reports and powers off)"
	$(Q)qemu-system-mips64el -M malta -cpu MIPS64R2-generic -m $(or $(MEM),256) -nographic -nic none \
		-kernel $(BUILD)/keel.elf
run-nokeel:
	$(Q)echo "run-nokeel: PLAT=$(PLAT) runs no host"; exit 2
endif

rig-selftest: host-kernel initramfs
	$(Q)$(RIG)/selftest

rig-shellcheck:
	$(Q)cd $(RIG) && shellcheck -x hostrun selftest mkfit mkenv mkbootdisk mkiso bochsrun lib.sh \
		cache-prune kernel/build-kernel kernel/build-trimmed kernel/fetch-debian kernel/board-dtb \
		initramfs/build-initramfs initramfs/init initramfs/host-parts hostdisk/build-hostdisk \
		hostdisk/run-guest kvmstat/build-kvmstat guest/init && echo "  SHCHECK tests/rig: clean"

.PHONY: rig-cache-prune
rig-cache-prune:
	$(Q)$(RIG)/cache-prune $(if $(DAYS),$(DAYS))

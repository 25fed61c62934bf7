# Board data: QEMU `virt` (arm64), the reference board. Everything the build and the rig need to know
# about a board is here (docs/porting.md): keel itself learns the rest (memory, CPUs, console, PSCI,
# GIC) from the device tree at boot.
BOARD_ARCH := arm64
BOARD_DESC := QEMU virt (arm64), U-Boot from Debian
# RAM base; keel is linked and loaded at RAM base + 2 MiB (its Image header's text_offset) and keeps
# 32 MiB; the host's Image follows at KEEL_BASE + 32 MiB (the FIT's loadable).
BOARD_RAM_BASE := 0x40000000
KEEL_BASE := 0x40200000
# UART for messages before the DT is parsed (kind:address; kinds: pl011, cdns, none).
KEEL_EARLY_UART := pl011:0x09000000
# FIT: where the initramfs is copied to, where the FIT itself sits in RAM (QEMU's loader, or U-Boot's
# load from disk/TFTP: keep it clear of what it unpacks), U-Boot's kernel_addr_r-style scratch.
BOARD_INITRD_ADDR := 0x50000000
BOARD_FIT_ADDR := 0x70000000
# The host's console device and U-Boot (empty: no U-Boot, QEMU enters keel directly with BOARD_DTB).
BOARD_CONSOLE := ttyAMA0
BOARD_UBOOT := /usr/lib/u-boot/qemu_arm64/u-boot.bin
BOARD_DTB :=
BOARD_QEMU_DTB_FIXUP :=
# Emulation under QEMU: machine and CPU, default CPUs and memory (MiB), the most memory the board
# takes, the memory needed below U-Boot's relocation (keel mode: FIT end + 64 MiB).
BOARD_QEMU_MACHINE := -M virt,virtualization=on,gic-version=3 -cpu max,pauth-impdef=on
BOARD_SMP := 2
BOARD_MAX_SMP := 8
BOARD_MEM := 2048
BOARD_MAX_MEM := 8192
# How QEMU attaches the host's disk (tools, guest images) and the network for TFTP boots.
BOARD_QEMU_DISK := virtio-blk-device

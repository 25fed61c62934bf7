# Board data: Xilinx ZynqMP ZCU102 (4x Cortex-A53, GIC-400, Cadence UART, PSCI by SMC), emulated by
# QEMU's xlnx-zcu102 with its own device tree from Debian's linux-image-arm64. Debian packages no
# U-Boot for it: under QEMU keel is entered directly (-kernel keel.bin, -dtb, the host Image and
# initramfs placed by QEMU's loaders); on a real board its own U-Boot loads the same FIT (docs/boot.md).
BOARD_ARCH := arm64
BOARD_DESC := Xilinx ZCU102 (QEMU xlnx-zcu102), entered directly
BOARD_RAM_BASE := 0x0
KEEL_BASE := 0x200000
KEEL_EARLY_UART := cdns:0xff000000
BOARD_INITRD_ADDR := 0x10000000
BOARD_FIT_ADDR := 0x20000000
BOARD_CONSOLE := ttyPS0
BOARD_UBOOT :=
# The board's DT in Debian's kernel package (path inside linux-image-<ver>'s /usr/lib/linux-image-<ver>/).
BOARD_DTB := xilinx/zynqmp-zcu102-rev1.0.dtb
# What QEMU's model lacks that the DT assumes: the platform management firmware, which provides the
# UART's clocks (QEMU disables the firmware node). The rig gives the console UART a fixed clock
# instead (tests/rig/kernel/board-dtb: "fixed-clock NODE HZ"). Not needed on a real board.
BOARD_QEMU_DTB_FIXUP := fixed-clock /axi/serial@ff000000 100000000
BOARD_QEMU_MACHINE := -M xlnx-zcu102,virtualization=on
BOARD_SMP := 4
BOARD_MAX_SMP := 4
BOARD_MEM := 2048
BOARD_MAX_MEM := 2048
BOARD_QEMU_DISK :=

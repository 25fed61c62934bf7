# Board data: a PC (x86_64), booted by GRUB (multiboot2) or QEMU -kernel (multiboot1). keel learns
# memory from the loader and CPUs from ACPI; see docs/porting.md.
BOARD_ARCH := x86
BOARD_DESC := PC (x86_64): QEMU q35 (TCG) or bochs (VMX + EPT), GRUB ISO
# The firmware image is a GRUB multiboot2 ISO (keel.elf, the host's bzImage and initramfs as modules).
# Under QEMU: q35 with TCG's SVM and nested paging (TCG has no VMX; 1 GiB pages keep the host's nested
# map small). keel maps the low 4 GiB for itself: the host's RAM stays below (BOARD_MAX_MEM).
BOARD_CONSOLE := ttyS0
BOARD_QEMU_MACHINE := -M q35 -cpu qemu64,+svm,+npt,+pdpe1gb
BOARD_SMP := 2
BOARD_MAX_SMP := 8
BOARD_MEM := 2048
BOARD_MAX_MEM := 2816
BOARD_KERNEL := debian-amd64

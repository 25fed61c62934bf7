# Board data: a PC (x86_64), booted by GRUB (multiboot2) or QEMU -kernel (multiboot1). keel learns
# memory from the loader and CPUs from ACPI; see docs/porting.md.
BOARD_ARCH := x86
BOARD_DESC := PC (x86_64): QEMU q35 (TCG) or bochs (VMX + EPT), GRUB ISO

# Board data: MIPS Malta (mips64el) under QEMU; the board specifics are in arch/mips (docs/porting.md).
BOARD_ARCH := mips
BOARD_DESC := MIPS Malta (mips64el), QEMU

# check-ports: build keel for the x86_64 (PLAT=pc) and mips64el (PLAT=malta) ports and boot
# each in an emulator to its banner and virtualization report (tests/ports/boot-ports.sh).
# Scratch files (GRUB ISO, bochs config, console logs) go to build/ports.

.PHONY: check-ports ports
ports:
	$(Q)$(MAKE) --no-print-directory keel PLAT=pc
	$(Q)$(MAKE) --no-print-directory keel PLAT=malta

check-ports: ports
	$(Q)KEEL_PC_ELF=$(TOP)/build/pc/keel.elf KEEL_MALTA_ELF=$(TOP)/build/malta/keel.elf \
		PORTS_OUT=$(TOP)/build/ports $(TOP)/tests/ports/boot-ports.sh

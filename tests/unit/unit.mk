# Host unit tests: the keel core (hv/src) on the fake arch (arch/fake) with the
# real libfdt, under AddressSanitizer and UBSan, with cmocka.
#   make unit      build into build/unit/ and run every suite; fails on any failure
# Test DTBs are made at build time: QEMU's own virt DTBs (dumpdtb) and the
# small hand-written ones in tests/unit/dts/ (compiled with dtc).
# KEEL_TEST_VERBOSE=1 also copies keel's console output to stdout.

UNIT_BUILD := $(TOP)/build/unit
UNIT_CC := gcc
UNIT_QEMU := qemu-system-aarch64
UNIT_CFLAGS := -std=c11 -Wall -Wextra -Werror -g -O1 -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer -MMD -MP \
	-I$(TOP)/hv/include -I$(TOP)/arch/fake/include $(LIBFDT_CFLAGS)
UNIT_LDFLAGS := -fsanitize=address,undefined
UNIT_LDLIBS := -lcmocka

# The core modules under test (hv/src/string.c is tested on its own, renamed, so
# that it does not replace libc's functions in the test programs).
UNIT_CORE_SRCS := $(addprefix hv/src/,printf.c page_alloc.c pgtable.c dt.c dt_host.c owner.c boot_util.c \
	vm.c vcpu.c hypercall.c cpu.c host.c memcache.c)
UNIT_FAKE_SRCS := $(wildcard arch/fake/*.c) arch/shared/no_irqchip.c
UNIT_CORE_SUITES := string printf page_alloc pgtable owner dt vm vm_map vcpu
# Pure-C arch files tested with their own arch's headers instead of the fake arch's.
UNIT_ARCH_SUITES := arm64_vcpu arm64_pmu_filter x86_boot vmx
UNIT_SUITES := $(UNIT_CORE_SUITES) $(UNIT_ARCH_SUITES)
UNIT_TESTS := $(patsubst %,$(UNIT_BUILD)/test_%,$(UNIT_SUITES))

UNIT_OBJS := $(patsubst %,$(UNIT_BUILD)/obj/%.o,$(UNIT_CORE_SRCS) $(UNIT_FAKE_SRCS))
UNIT_LIBFDT_OBJS := $(patsubst $(LIBFDT_SRC_DIR)/%.c,$(UNIT_BUILD)/obj/libfdt/%.o,$(LIBFDT_SRCS))
UNIT_STRING_OBJ := $(UNIT_BUILD)/obj/hv/src/string-renamed.o
UNIT_STRING_RENAME := $(foreach f,memcpy memmove memset memcmp memchr strlen strnlen strcmp \
	strncmp strchr strrchr,-D$(f)=hv_$(f))

UNIT_TEST_OBJS := $(patsubst %,$(UNIT_BUILD)/obj/tests/unit/test_%.c.o,$(UNIT_CORE_SUITES))
# Reached through pattern rules only: keep them, they are not throw-away intermediates.
.SECONDARY: $(UNIT_TEST_OBJS) $(UNIT_OBJS) $(UNIT_LIBFDT_OBJS) $(UNIT_STRING_OBJ)

UNIT_DTB := $(UNIT_BUILD)/dtb
UNIT_DTS_DTBS := $(patsubst tests/unit/dts/%.dts,$(UNIT_DTB)/%.dtb,$(wildcard tests/unit/dts/*.dts))
UNIT_QEMU_DTBS := $(addprefix $(UNIT_DTB)/,qemu-virt-gicv3.dtb qemu-virt-gicv2.dtb qemu-virt-secure.dtb)

.PHONY: unit
unit: $(UNIT_TESTS) $(UNIT_DTS_DTBS) $(UNIT_QEMU_DTBS)
	$(Q)failed=; for t in $(UNIT_SUITES); do \
		echo "== unit: $$t"; \
		KEEL_UNIT_DTB=$(UNIT_DTB) ASAN_OPTIONS=detect_leaks=1 \
			$(UNIT_BUILD)/test_$$t || failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then echo "unit: FAILED:$$failed"; exit 1; fi; \
	echo "unit: all $(words $(UNIT_SUITES)) suites passed"

$(patsubst %,$(UNIT_BUILD)/test_%,$(UNIT_CORE_SUITES)): $(UNIT_BUILD)/test_%: \
		$(UNIT_BUILD)/obj/tests/unit/test_%.c.o $(UNIT_OBJS) $(UNIT_LIBFDT_OBJS)
	$(Q)echo "  LD      $@"; $(UNIT_CC) $(UNIT_LDFLAGS) -o $@ $^ $(UNIT_LDLIBS)

# x86's boot protocol, CPUID view and store decoder, with x86's arch headers.
UNIT_X86_CFLAGS := $(subst -I$(TOP)/arch/fake/include,-I$(TOP)/arch/x86/include,$(UNIT_CFLAGS))
$(UNIT_BUILD)/test_x86_boot: tests/unit/test_x86_boot.c arch/x86/bootproto.c arch/x86/cpuid.c arch/x86/emulate.c
	@mkdir -p $(dir $@)
	$(Q)echo "  HOSTCC  $@ (x86 headers)"; \
		$(UNIT_CC) $(UNIT_X86_CFLAGS) -MF $@.d -o $@ $(filter %.c,$^) $(UNIT_LDLIBS)

$(UNIT_BUILD)/test_vmx: tests/unit/test_vmx.c arch/x86/vmx_caps.c
	@mkdir -p $(dir $@)
	$(Q)echo "  HOSTCC  $@ (x86 headers)"; \
		$(UNIT_CC) $(UNIT_X86_CFLAGS) -MF $@.d -o $@ $(filter %.c,$^) $(UNIT_LDLIBS)

# arm64's context rules: the test and arch/arm64/vcpu.c with arm64's arch headers.
UNIT_ARM64_CFLAGS := $(subst -I$(TOP)/arch/fake/include,-I$(TOP)/arch/arm64/include,$(UNIT_CFLAGS))
$(UNIT_BUILD)/test_arm64_vcpu: tests/unit/test_arm64_vcpu.c arch/arm64/vcpu.c
	@mkdir -p $(dir $@)
	$(Q)echo "  HOSTCC  $@ (arm64 headers)"; \
		$(UNIT_CC) $(UNIT_ARM64_CFLAGS) -MF $@.d -o $@ $(filter %.c,$^) $(UNIT_LDLIBS)
$(UNIT_BUILD)/test_arm64_pmu_filter: tests/unit/test_arm64_pmu_filter.c arch/arm64/pmu_filter.c
	@mkdir -p $(dir $@)
	$(Q)echo "  HOSTCC  $@ (arm64 headers)"; \
		$(UNIT_CC) $(UNIT_ARM64_CFLAGS) -MF $@.d -o $@ $(filter %.c,$^) $(UNIT_LDLIBS)
$(UNIT_BUILD)/test_string: $(UNIT_STRING_OBJ)

$(UNIT_BUILD)/obj/%.c.o: %.c $(LIBFDT_STAMP)
	@mkdir -p $(dir $@)
	$(Q)echo "  HOSTCC  $<"; $(UNIT_CC) $(UNIT_CFLAGS) -c $< -o $@
$(UNIT_STRING_OBJ): hv/src/string.c
	@mkdir -p $(dir $@)
	$(Q)echo "  HOSTCC  $< (renamed hv_*)"; \
		$(UNIT_CC) $(UNIT_CFLAGS) -fno-builtin $(UNIT_STRING_RENAME) -c $< -o $@
$(UNIT_BUILD)/obj/libfdt/%.o: $(LIBFDT_SRC_DIR)/%.c $(LIBFDT_STAMP)
	@mkdir -p $(dir $@)
	$(Q)echo "  HOSTCC  libfdt/$*.c"; $(UNIT_CC) $(UNIT_CFLAGS) $(LIBFDT_EXTRA_CFLAGS) -c $< -o $@

$(UNIT_DTB)/%.dtb: tests/unit/dts/%.dts
	@mkdir -p $(dir $@)
	$(Q)echo "  DTC     $<"; dtc -q -I dts -O dtb -o $@ $<

# QEMU's virt machine as the firmware describes it to keel.
UNIT_QEMU_M_qemu-virt-gicv3 := virt,virtualization=on,gic-version=3
UNIT_QEMU_ARGS_qemu-virt-gicv3 := -smp 2 -m 2048
UNIT_QEMU_M_qemu-virt-gicv2 := virt,virtualization=on,gic-version=2
UNIT_QEMU_ARGS_qemu-virt-gicv2 := -smp 4 -m 1024
UNIT_QEMU_M_qemu-virt-secure := virt,secure=on
UNIT_QEMU_ARGS_qemu-virt-secure := -smp 2 -m 1024
$(UNIT_QEMU_DTBS): $(UNIT_DTB)/%.dtb:
	@mkdir -p $(dir $@)
	$(Q)echo "  QEMU    $@"; $(UNIT_QEMU) -M $(UNIT_QEMU_M_$*),dumpdtb=$@.tmp -cpu max \
		$(UNIT_QEMU_ARGS_$*) -display none -serial none -monitor none \
		</dev/null >/dev/null 2>$@.log && mv $@.tmp $@ || { cat $@.log; exit 1; }

-include $(shell find $(UNIT_BUILD)/obj -name '*.d' 2>/dev/null) $(wildcard $(UNIT_BUILD)/*.d)

# The shim (shim/) and its KVM API tests (tests/kvm/). Included by the top Makefile (TOP, Q).
#   make shim           shim.ko for the trimmed host kernel and for Debian's stock arm64 kernel
#                       -> build/qemu-arm64/kvm/shim-{trimmed,debian}/shim.ko
#   make kvmtest        the KVM API test program (static arm64) -> build/qemu-arm64/kvm/kvmtest
#   make check-kvm      both shims, the tests, then four boots through tests/rig/hostrun:
#                         keel + trimmed kernel:  insmod, kvmtest, CPU hotplug, rmmod, reload (host-check.sh)
#                         keel + Debian kernel:   the same with Debian's kernel and its shim build
#                         no keel (Linux's own KVM at EL2), both kernels: the shim refuses to load
#                         (nokeel-check.sh)
# Logs of the runs: build/qemu-arm64/kvm/check-*.log.

KVM_BUILD := $(TOP)/build/qemu-arm64/kvm
KVM_CROSS := aarch64-linux-gnu-
# The shim's files, generic and arm64's (shim/arm64/), relative to shim/.
KVM_SHIM_FILES = $(patsubst $(TOP)/shim/%,%,$(wildcard $(TOP)/shim/*.c $(TOP)/shim/*.h $(TOP)/shim/arm64/*)) Kbuild
KVM_HOSTRUN := $(TOP)/tests/rig/hostrun
KVM_KERNELS := trimmed debian

.PHONY: shim kvmtest hcfuzz check-kvm $(addprefix shim-,$(KVM_KERNELS)) shim-pc

# The x86 shim (PLAT=pc), from the same shim/ tree (its shim/x86/ part), for Debian's amd64 kernel:
# -> build/pc/kvm/shim-debian-amd64/shim.ko
KVM_PC_BUILD := $(TOP)/build/pc/kvm
KVM_SHIM_FILES_X86 = $(patsubst $(TOP)/shim/%,%,$(wildcard $(TOP)/shim/*.c $(TOP)/shim/*.h $(TOP)/shim/x86/*)) Kbuild
shim-pc:
	$(Q)entry=$$($(TOP)/tests/rig/kernel/build-kernel debian-amd64 --headers) && \
	out=$(KVM_PC_BUILD)/shim-debian-amd64 && mkdir -p $$out/x86 && \
	for f in $(KVM_SHIM_FILES_X86); do ln -sfn $(TOP)/shim/$$f $$out/$$f; done && \
	echo "  KBUILD  $$out/shim.ko (x86, Debian amd64 kernel $$(cat $$entry/version))" && \
	$(MAKE) -C $$entry/build ARCH=x86 M=$$out KEEL_TOP=$(TOP) modules >$$out/build.log 2>&1 || \
		{ cat $$out/build.log; exit 1; }

shim: $(addprefix shim-,$(KVM_KERNELS))

# Kbuild keeps its objects next to the sources: build each kernel's shim in its own directory of
# symlinks to shim/ (Kbuild's own dependency tracking makes a rebuild a ~1 s no-op).
# $(1): trimmed | debian
define KVM_SHIM_RULE
shim-$(1):
	$$(Q)entry=$$$$($(TOP)/tests/rig/kernel/build-kernel $(1) $(if $(filter debian,$(1)),--headers)) && \
	out=$(KVM_BUILD)/shim-$(1) && mkdir -p $$$$out/arm64 && \
	for f in $$(KVM_SHIM_FILES); do ln -sfn $(TOP)/shim/$$$$f $$$$out/$$$$f; done && \
	echo "  KBUILD  $$$$out/shim.ko ($(1) kernel $$$$(cat $$$$entry/version))" && \
	$$(MAKE) -C $$$$entry/build ARCH=arm64 CROSS_COMPILE=$(KVM_CROSS) M=$$$$out KEEL_TOP=$(TOP) \
		modules >$$$$out/build.log 2>&1 || { cat $$$$out/build.log; exit 1; }
endef
$(foreach k,$(KVM_KERNELS),$(eval $(call KVM_SHIM_RULE,$(k))))

# hcbench.ko: the x86 host hypercall round trip (tests/bench/x86), for make bench PLAT=pc.
.PHONY: hcbench-pc
hcbench-pc:
	$(Q)entry=$$($(TOP)/tests/rig/kernel/build-kernel debian-amd64 --headers) && out=$(KVM_PC_BUILD)/hcbench && \
	mkdir -p $$out && for f in hcbench.c Kbuild; do ln -sfn $(TOP)/tests/bench/x86/$$f $$out/$$f; done && \
	echo "  KBUILD  $$out/hcbench.ko" && \
	$(MAKE) -C $$entry/build ARCH=x86 M=$$out KEEL_TOP=$(TOP) modules >$$out/build.log 2>&1 || \
		{ cat $$out/build.log; exit 1; }

# kvmsys: the x86 system and VM ioctl checks (tests/kvm/x86), a static amd64 program for the pc host.
.PHONY: kvmsys-pc
kvmsys-pc: $(KVM_PC_BUILD)/kvmsys
$(KVM_PC_BUILD)/kvmsys: $(TOP)/tests/kvm/x86/kvmsys.c
	@mkdir -p $(dir $@)
	$(Q)echo "  CC      $@ (static amd64)"; gcc -static -O2 -g -Wall -Wextra -Werror -o $@ $<

# hcfuzz.ko (tests/kvm/hcfuzz): random keel hypercalls from the host, for the trimmed kernel.
hcfuzz: shim-trimmed
	$(Q)entry=$$($(TOP)/tests/rig/kernel/build-kernel trimmed) && out=$(KVM_BUILD)/hcfuzz && mkdir -p $$out && \
	for f in hcfuzz.c Kbuild; do ln -sfn $(TOP)/tests/kvm/hcfuzz/$$f $$out/$$f; done && \
	echo "  KBUILD  $$out/hcfuzz.ko" && \
	$(MAKE) -C $$entry/build ARCH=arm64 CROSS_COMPILE=$(KVM_CROSS) M=$$out KEEL_TOP=$(TOP) modules \
		>$$out/build.log 2>&1 || { cat $$out/build.log; exit 1; }

# Against the arm64 uapi headers of libc6-dev-arm64-cross (Linux 6.1's; kvmtest.c refuses others).
kvmtest: $(KVM_BUILD)/kvmtest
KVMTEST_SRCS = $(wildcard $(TOP)/tests/kvm/kvmtest*.c)
$(KVM_BUILD)/kvmtest: $(KVMTEST_SRCS) $(TOP)/tests/kvm/kvmtest.h $(TOP)/hv/include/keel/abi.h \
		$(TOP)/arch/arm64/include/keel/abi_arch.h
	@mkdir -p $(dir $@)
	$(Q)echo "  CC      $@ (static arm64)"; \
		$(KVM_CROSS)gcc -static -O2 -g -Wall -Wextra -Werror -I$(TOP)/hv/include -I$(TOP)/arch/arm64/include -o $@ $(KVMTEST_SRCS)

# $(1): kernel, $(2): log name, $(3): hostrun options, $(4): --add options, $(5): the command
define KVM_RUN
	$(Q)echo "  HOSTRUN $(2): $(5)"; \
	if $(KVM_HOSTRUN) --no-shim --no-disk --kernel $(1) $(3) $(4) -- $(5) >$(KVM_BUILD)/check-$(2).log 2>&1; then \
		grep -E '^FAIL|passed, [0-9]+ failed$$' $(KVM_BUILD)/check-$(2).log | tail -n 1 | sed 's/^/          /'; \
	else \
		cat $(KVM_BUILD)/check-$(2).log; echo "check-kvm: $(2) FAILED (log: $(KVM_BUILD)/check-$(2).log)"; \
		exit 1; \
	fi
endef

KVM_ADD_TESTS = --add $(KVM_BUILD)/kvmtest:/kvmtest --add $(TOP)/tests/kvm/host-check.sh:/host-check.sh \
	--add $(TOP)/tests/kvm/nokeel-check.sh:/nokeel-check.sh

# Linux's own KVM first, on the same emulated CPU: what its guests see (kvmtest --facts) is what
# keel's must see (host-check.sh compares).
KVM_FACTS = tr -d '\r' <$(KVM_BUILD)/check-nokeel-$(1).log | sed -n 's/^  facts: //p' >$(KVM_BUILD)/facts-kvm-$(1).txt
check-kvm: shim kvmtest hcfuzz
	$(call KVM_RUN,trimmed,nokeel-trimmed,--no-keel,--add $(KVM_BUILD)/shim-trimmed/shim.ko:/shim.ko $(KVM_ADD_TESTS),sh /nokeel-check.sh /shim.ko /kvmtest)
	$(Q)$(call KVM_FACTS,trimmed)
	$(call KVM_RUN,debian,nokeel-debian,--no-keel,--add $(KVM_BUILD)/shim-debian/shim.ko:/shim.ko $(KVM_ADD_TESTS),sh /nokeel-check.sh /shim.ko /kvmtest)
	$(Q)$(call KVM_FACTS,debian)
	$(call KVM_RUN,trimmed,keel-trimmed,,--add $(KVM_BUILD)/shim-trimmed/shim.ko:/shim.ko $(KVM_ADD_TESTS) --add $(KVM_BUILD)/facts-kvm-trimmed.txt:/facts-kvm.txt --add $(KVM_BUILD)/hcfuzz/hcfuzz.ko:/hcfuzz.ko,sh /host-check.sh /shim.ko /kvmtest)
	$(call KVM_RUN,debian,keel-debian,,--add $(KVM_BUILD)/shim-debian/shim.ko:/shim.ko $(KVM_ADD_TESTS) --add $(KVM_BUILD)/facts-kvm-debian.txt:/facts-kvm.txt,sh /host-check.sh /shim.ko /kvmtest)
	$(Q)echo "check-kvm: all 4 runs passed"

include $(TOP)/tests/kvm/selftests/selftests.mk # kvm-selftests, check-selftests-kvm, check-selftests

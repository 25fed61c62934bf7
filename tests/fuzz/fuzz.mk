# Coverage-guided fuzzing of keel's host-facing calls: the hv/ core on the fake arch under clang's
# libFuzzer with ASan and UBSan (tests/fuzz/fuzz_hypercall.c says what an input is and what is checked).
#   make fuzz [FUZZ_RUNS=n]   build into build/fuzz/ and run n executions (default 1,000,000) from the
#                             corpus in the repo; new inputs go to build/fuzz/corpus, a crash to
#                             build/fuzz/crash-* (and the run fails)
#   make check-fuzz           the same, FUZZ_RUNS=40000 (part of make check)
#   make fuzz-merge           fold build/fuzz/corpus into tests/fuzz/corpus/hypercall, minimised
FUZZ_BUILD := $(TOP)/build/fuzz
FUZZ_CC := clang
FUZZ_CFLAGS := -std=c11 -Wall -Wextra -Werror -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer -I$(TOP)/hv/include -I$(TOP)/arch/fake/include
FUZZ_SRCS := $(addprefix hv/src/,printf.c page_alloc.c pgtable.c owner.c vm.c vcpu.c hypercall.c cpu.c host.c \
	memcache.c) $(wildcard arch/fake/*.c) arch/shared/no_irqchip.c tests/fuzz/fuzz_hypercall.c
FUZZ_CORPUS := $(TOP)/tests/fuzz/corpus/hypercall
FUZZ_RUNS ?= 1000000
FUZZ_OPTS = -runs=$(FUZZ_RUNS) -max_len=1024 -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/

.PHONY: fuzz check-fuzz fuzz-merge
$(FUZZ_BUILD)/fuzz_hypercall: $(FUZZ_SRCS) $(wildcard hv/include/hv/*.h hv/include/keel/*.h arch/fake/include/*/*.h)
	@mkdir -p $(dir $@)
	$(Q)echo "  CLANG   $@ (libFuzzer, ASan, UBSan)"; $(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(FUZZ_SRCS)

fuzz: $(FUZZ_BUILD)/fuzz_hypercall
	$(Q)mkdir -p $(FUZZ_BUILD)/corpus; echo "  FUZZ    $(FUZZ_RUNS) executions of keel's hypercalls (libFuzzer)"; \
	$< $(FUZZ_OPTS) $(FUZZ_BUILD)/corpus $(FUZZ_CORPUS) 2>$(FUZZ_BUILD)/fuzz.log; rc=$$?; \
	grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)' $(FUZZ_BUILD)/fuzz.log | sed 's/^/          /'; \
	if [ $$rc != 0 ]; then tail -n 40 $(FUZZ_BUILD)/fuzz.log; echo "fuzz: FAILED (log: $(FUZZ_BUILD)/fuzz.log)"; exit 1; fi; \
	echo "fuzz: $$(sed -n 's/^stat::number_of_executed_units: //p' $(FUZZ_BUILD)/fuzz.log) executions, no crash, 1 passed, 0 failed"

check-fuzz:
	$(Q)$(MAKE) --no-print-directory fuzz FUZZ_RUNS=40000

fuzz-merge: $(FUZZ_BUILD)/fuzz_hypercall
	$(Q)mkdir -p $(FUZZ_CORPUS); $< -merge=1 $(FUZZ_CORPUS) $(FUZZ_BUILD)/corpus

# make fuzz: every target under libFuzzer (clang, Debian's) for FUZZ_SECONDS each;
# "fuzz: TARGET runs=N crashes=C" per target.  New inputs that widen coverage are
# kept in $(BUILD)/fuzz/<target>/ (not in the tree); a crash leaves its input
# in $(BUILD)/fuzz/crash-<target>-*: add it to tests/fuzz/corpus/<target>/ once
# fixed, so make check replays it for ever.
FUZZ_SECONDS ?= 60
# libFuzzer is clang's, and its runtime (-fsanitize=fuzzer) is a package of its
# own on Debian 12.  Only make fuzz needs them, so only make fuzz installs them,
# the way make deps installs the rest (a plain make installs nothing).
FUZZ_DEB_PACKAGES := clang libclang-rt-14-dev
FUZZ_TARGETS := $(patsubst tests/fuzz/libfuzzer_%.c,%,$(wildcard tests/fuzz/libfuzzer_*.c))
FUZZ_CFLAGS := -std=c11 -g -O1 -D_GNU_SOURCE -Iinclude -I. $(SHORT_NAMES) -fsanitize=fuzzer,address,undefined \
               -fno-sanitize-recover=undefined
# The model's invariant checker is the oracle, not what a target explores: it is
# built without coverage (sanitizers still on), so its loops over every frame,
# run after every operation, neither count as new features nor cost most of
# each run in coverage callbacks (pv_backend ran 1.65x faster for this alone).
# So are the model's page walk (hardware.c) and the pv_ops driver, whose
# reference checks every page of every address space after every operation.
FUZZ_ORACLE_SRCS := tests/model/invariants.c tests/model/hardware.c tests/fuzz/pv_ops.c
FUZZ_ORACLE_OBJS := $(patsubst %.c,$(BUILD)/fuzz/oracle/%.o,$(FUZZ_ORACLE_SRCS))
# Kernel files run hosted (tests/fuzz/arch_hosted.h): unchanged, but built with
# the hosted machine's VIRT_BASE and m2p.  console.c comes in through
# tests/fuzz/arch_hosted.c, which includes it so as to reset its state.
FUZZ_ARCH_SRCS := arch/x86/xen/boot_tables.c
FUZZ_ARCH_FLAGS := -include tests/fuzz/arch_hosted.h
FUZZ_ARCH_OBJS := $(patsubst %.c,$(BUILD)/fuzz/arch/%.o,$(FUZZ_ARCH_SRCS))
FUZZ_COMMON := tests/fuzz/fail.c tests/fuzz/arch_hosted.c $(CORE_SRCS) $(PV_SRCS) \
               $(filter-out $(FUZZ_ORACLE_SRCS),$(MODEL_SRCS)) $(CARRIER_DIR)/options.c

.PHONY: fuzz-deps
fuzz-deps: deps
	@$(MAKE) --no-print-directory deps DEB_PACKAGES="$(FUZZ_DEB_PACKAGES)"

.SECONDARY: $(FUZZ_ORACLE_OBJS) $(FUZZ_ARCH_OBJS)
$(BUILD)/fuzz/arch/%.o: %.c tests/fuzz/arch_hosted.h | fuzz-deps
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) $(FUZZ_ARCH_FLAGS) -c -o $@ $<

# make check replays the corpora: the same kernel files, built the same way.
$(BUILD)/hosted/test_fuzz_corpora: $(patsubst %.c,$(BUILD)/hosted/obj/%.o,$(FUZZ_ARCH_SRCS) tests/fuzz/arch_hosted.c)
$(patsubst %.c,$(BUILD)/hosted/obj/%.o,$(FUZZ_ARCH_SRCS)): HOSTED_CFLAGS += $(FUZZ_ARCH_FLAGS)

$(BUILD)/fuzz/oracle/%.o: %.c | fuzz-deps
	@mkdir -p $(dir $@)
	clang $(filter-out -fsanitize=fuzzer%,$(FUZZ_CFLAGS)) -fsanitize=address,undefined -c -o $@ $<

# What the sources include is a prerequisite too (a target links in one clang run, so no
# .d files): the headers, and console.c, which arch_hosted.c includes whole.  A change to
# any of them rebuilds the targets; they are not passed to clang themselves.
FUZZ_INCLUDED := $(wildcard include/xen/pvmmu/*.h tests/fuzz/*.h tests/model/*.h tests/harness/*.h \
                   arch/x86/xen/*.h $(CARRIER_DIR)/*.h) arch/x86/xen/console.c

$(BUILD)/fuzz/%: tests/fuzz/libfuzzer_%.c tests/fuzz/fuzz_%.c $(FUZZ_COMMON) $(FUZZ_ORACLE_OBJS) $(FUZZ_ARCH_OBJS) \
                 $(FUZZ_INCLUDED) | fuzz-deps
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $(filter-out $(FUZZ_INCLUDED),$^)

.PHONY: fuzz
fuzz: $(addprefix $(BUILD)/fuzz/,$(FUZZ_TARGETS))
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(BUILD)/fuzz/$$t.corpus; rm -f $(BUILD)/fuzz/crash-$$t-*; \
	  $(BUILD)/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=$(BUILD)/fuzz/crash-$$t- \
	    $(BUILD)/fuzz/$$t.corpus tests/fuzz/corpus/$$t > $(BUILD)/fuzz/$$t.log 2>&1; rc=$$?; \
	  runs=$$(grep -oE 'Done [0-9]+ runs' $(BUILD)/fuzz/$$t.log | grep -oE '[0-9]+' || echo 0); \
	  crashes=$$(ls $(BUILD)/fuzz/crash-$$t-* 2>/dev/null | wc -l); \
	  [ $$rc -ne 0 ] && [ $$crashes -eq 0 ] && crashes=1; \
	  echo "fuzz: $$t runs=$${runs:-0} crashes=$$crashes"; \
	  [ $$crashes -eq 0 ] || { tail -30 $(BUILD)/fuzz/$$t.log; failed=1; }; \
	done; [ -z "$$failed" ]

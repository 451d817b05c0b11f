# pvmmu: see README.md for the commands, docs/ for the design.
#
#   make          build the hosted tests, the PV kernel, the bare-metal kernel and libpvmmu.a; installs nothing
#   make install  libpvmmu.a, its headers and pvmmu.pc under PREFIX (default /usr/local; pkg/lib.mk)
#   make check    hosted unit, model and property tests (ASan + UBSan; the threaded SMP test under TSan too), seconds
#   make test     check + the real-Xen and bare-metal suites; last line "N passed, N failed"
#   make run      the main job: real Xen under QEMU, xl create pvmmu, its workloads
#   make bench    "bench: NAME VALUE UNIT" lines
#   make deps     install the Debian packages all of these need; run, test, bench and fuzz
#                 run it first, while make and make check only say what is missing

.DEFAULT_GOAL := all
SHELL := /bin/bash
BUILD ?= build
CACHE ?= $(HOME)/.cache/pvmmu

# The portable core: the same files go into both kernels and into the hosted tests.
CORE_DIRS := lib p2m multicalls tables pinning mmu shadow
CORE_SRCS := $(sort $(wildcard $(addsuffix /*.c,$(CORE_DIRS))))
# Portable too, but a PV guest's only: the xenstore client and the suspend sequence,
# linked by the PV kernel and by the hosted tests that exercise them, not by bare metal.
PV_DIRS := xenstore suspend balloon
PV_SRCS := $(sort $(wildcard $(addsuffix /*.c,$(PV_DIRS))))
# What both x86 kernels (arch/x86/xen, arch/x86/metal) share: memcpy & co., kprintf,
# the command line, the answer to an expected fault, the workloads' common environment.
CARRIER_DIR := arch/x86/common
CARRIER_SRCS := $(sort $(wildcard $(CARRIER_DIR)/*.c))

# Hosted test code: the executable model of Xen, the harness that plays the kernel
# around the core, and one cmocka binary per tests/unit/test_*.c.
MODEL_SRCS := $(sort $(wildcard tests/model/*.c tests/harness/*.c))
# The MMU workloads: portable like the core, run by the kernel and by test_workloads.
WORKLOAD_SRCS := $(sort $(wildcard workloads/*.c))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/hosted/%,$(sort $(wildcard tests/unit/test_*.c)))

# The project's own code calls the public API (pvmmu_set_pte, pvmmu_pte_t, ...) by its
# short names (set_pte, pte_t): one #define each, forced into every C file it compiles.
# The core's .c files include it themselves (through lib/lib_int.h), so that libpvmmu.a
# (lib.mk) needs no such flag and an embedder never sees a short name.
SHORT_NAMES := -include lib/short_names.h
HOSTED_BASE_CFLAGS := -std=c11 -Wall -Wextra -Werror -g -O1 -D_GNU_SOURCE -Iinclude -I. $(SHORT_NAMES) \
                      -fno-omit-frame-pointer
HOSTED_CFLAGS := $(HOSTED_BASE_CFLAGS) -fsanitize=address,undefined -fno-sanitize-recover=all
HOSTED_LDLIBS := -lcmocka -fsanitize=address,undefined

# What `make` and `make check` need to build: they check for these and install nothing.
BUILD_PACKAGES := gcc libc6-dev libxen-dev libcmocka-dev pkgconf
# What `make deps` installs: the above, plus what the rig (QEMU, the dom0 initramfs), the
# benchmarks (valgrind, gnuplot) and the fuzzers (clang) need.  Fragments may add to it.
DEB_PACKAGES := $(BUILD_PACKAGES) valgrind qemu-system-x86 busybox-static cpio gnuplot-nox clang

all: hosted

.PHONY: all hosted check test run bench deps have-deps fuzz clean book

# --- Debian packages ----------------------------------------------------------
# `make deps` installs what is missing (as root; otherwise it says the one command to run).
# The goals that run things go through it: run, test, bench, fuzz, and so CI (.ci/run).
# Building never installs: every object waits for have-deps, which only checks BUILD_PACKAGES
# and, if some are missing, fails naming them and `make deps` (tools/deps.sh).
deps:
	@tools/deps.sh install $(DEB_PACKAGES)

have-deps:
	@tools/deps.sh check $(BUILD_PACKAGES)

# Under make -j, a goal that installs must do so before anything checks.
INSTALLING_GOALS := deps run test bench fuzz soak rig-quick rig-prepare
have-deps: $(if $(filter $(INSTALLING_GOALS),$(MAKECMDGOALS)),deps)

test: deps
fuzz: deps
bench: deps

# --- hosted build ---------------------------------------------------------------
$(BUILD)/hosted/obj/%.o: %.c | have-deps
	@mkdir -p $(dir $@)
	$(CC) $(HOSTED_CFLAGS) -MMD -MP -c $< -o $@

# Assembly the hosted tests run as it is (test_entry: the kernel's trap entry and exit).
$(BUILD)/hosted/obj/%.o: %.S | have-deps
	@mkdir -p $(dir $@)
	$(CC) -Iinclude -I. -MMD -MP -c $< -o $@

HOSTED_CORE_OBJS := $(patsubst %.c,$(BUILD)/hosted/obj/%.o,$(CORE_SRCS) $(MODEL_SRCS))

$(BUILD)/hosted/test_%: $(BUILD)/hosted/obj/tests/unit/test_%.o $(HOSTED_CORE_OBJS)
	$(CC) -o $@ $^ $(HOSTED_LDLIBS)

$(BUILD)/hosted/test_workloads: $(patsubst %.c,$(BUILD)/hosted/obj/%.o,$(WORKLOAD_SRCS))
$(BUILD)/hosted/test_fault_injection: $(BUILD)/hosted/obj/workloads/inject_scenario.o
$(BUILD)/hosted/test_bad_input: $(BUILD)/hosted/obj/$(CARRIER_DIR)/options.o
$(BUILD)/hosted/test_entry: $(BUILD)/hosted/obj/arch/x86/xen/entry.o
$(BUILD)/hosted/test_fuzz_corpora: $(patsubst %.c,$(BUILD)/hosted/obj/%.o,$(wildcard tests/fuzz/fuzz_*.c) tests/fuzz/fail.c tests/fuzz/pv_ops.c $(CARRIER_DIR)/options.c $(PV_SRCS))
$(BUILD)/hosted/test_xenstore $(BUILD)/hosted/test_save_restore: $(patsubst %.c,$(BUILD)/hosted/obj/%.o,$(PV_SRCS))
$(BUILD)/hosted/test_balloon: $(patsubst %.c,$(BUILD)/hosted/obj/%.o,$(PV_SRCS))

# (defined before the rule that names it: a prerequisite list is expanded as it is read)
TSAN_TESTS := $(BUILD)/tsan/test_smp_threads_tsan
hosted: $(UNIT_TESTS) $(TSAN_TESTS)

# ThreadSanitizer: the threaded SMP test (vcpus as pthreads) once more, with the core, the
# model and the harness built apart in $(BUILD)/tsan with -fsanitize=thread instead of
# ASan (the two cannot share a binary).  A race report makes it exit 66: a failure.
# -Wno-tsan: TSan does not model the fences around the virtual p2m list's generation count
# (p2m/virt_list.c: they order stores for the toolstack, not for another vcpu of ours).
TSAN_CFLAGS := $(HOSTED_BASE_CFLAGS) -fsanitize=thread -Wno-tsan

$(BUILD)/tsan/obj/%.o: %.c | have-deps
	@mkdir -p $(dir $@)
	$(CC) $(TSAN_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/tsan/test_smp_threads_tsan: $(BUILD)/tsan/obj/tests/unit/test_smp_threads.o \
		$(patsubst %.c,$(BUILD)/tsan/obj/%.o,$(CORE_SRCS) $(MODEL_SRCS))
	$(CC) -o $@ $^ -lcmocka -fsanitize=thread

# Before the suites, the specs of the scripts and rules they rest on; each fails check like
# any test.  The book must hold every page (tools/test-book.sh: no number twice, no page of
# no part, no empty part); building installs nothing (tools/test-deps.sh); every ABI fact of
# lib/abi_check.c is guarded (tools/test-abi-check.sh); the script that sums the suites
# does not count silence as a pass (tests/test-run-check.sh); the rig's verdicts need what each
# scenario requires (tests/test-rig-requires.sh), and the judge the debug and 4.20 suites
# share counts what it is shown (tests/test-rig-verdicts.sh); and the core's folders form a line, no cycles
# (tools/check-layers.sh, with its spec tests/test-check-layers.sh); and what `make install`
# ships is the API alone, under its prefix, usable beside a kernel with its own pte_t
# (tools/check-public-api.sh on an install into $(BUILD)/api-prefix, with its spec); and the embed
# example, copied out of the tree, builds against an install alone (tests/rig/embed.mk; test-embed boots it).
run_spec = $(1) > $(BUILD)/results/$(2).txt || { cat $(BUILD)/results/$(2).txt; echo "FAIL $(2): its spec ($(1)) fails"; exit 1; }
check: hosted
	@mkdir -p $(BUILD)/results
	@tools/book.sh > $(BUILD)/book.txt || { echo "FAIL book: see above"; exit 1; }
	@$(call run_spec,tools/test-book.sh,book)
	@$(call run_spec,tools/test-deps.sh,deps)
	@$(call run_spec,tools/test-abi-check.sh,abi-check)
	@$(call run_spec,tests/test-run-check.sh,run-check)
	@$(call run_spec,tests/test-rig-requires.sh,rig-requires)
	@$(call run_spec,tests/test-rig-size.sh,rig-size)
	@$(call run_spec,tests/test-rig-verdicts.sh,rig-verdicts)
	@$(call run_spec,tests/test-check-layers.sh,check-layers-spec)
	@tools/check-layers.sh $(BUILD) || { echo "FAIL check-layers: a folder uses one above it, or an include crosses a layer"; exit 1; }
	@rm -rf $(BUILD)/api-prefix
	@$(MAKE) --no-print-directory install PREFIX=$(abspath $(BUILD))/api-prefix > $(BUILD)/results/api-install.txt 2>&1 || { cat $(BUILD)/results/api-install.txt; echo "FAIL public-api: make install into $(BUILD)/api-prefix"; exit 1; }
	@$(call run_spec,tools/test-check-public-api.sh $(BUILD)/api-prefix,public-api-spec)
	@tools/check-public-api.sh $(BUILD)/api-prefix lib/short_names.h || { echo "FAIL public-api: what make install ships is more than the API"; exit 1; }
	@$(MAKE) --no-print-directory embed-example EMBED_PREFIX=$(abspath $(BUILD))/check-embed/prefix EMBED_SRC=$(abspath $(BUILD))/check-embed/src EMBED_OUT=$(abspath $(BUILD))/check-embed/out > $(BUILD)/results/embed-build.txt 2>&1 || { cat $(BUILD)/results/embed-build.txt; echo "FAIL embed-build: examples/embed does not build against make install's output alone"; exit 1; }
	@tests/run-check.sh $(BUILD)/results/check.counts $(UNIT_TESTS) $(TSAN_TESTS)

# The code's story in reading order (lguest-style /*X:NNN ... :*/ comments).
book:
	@tools/book.sh

# make test: every suite runs even when an earlier one failed; the last line sums them,
# after the failures' own lines, gathered from each suite's output (results/<suite>.out).
test:
	@rm -rf $(BUILD)/results; mkdir -p $(BUILD)/results
	@$(MAKE) --no-print-directory check 2>&1 | tee $(BUILD)/results/check.out || true
	@for s in $(TEST_SUITES); do $(MAKE) --no-print-directory $$s 2>&1 | tee $(BUILD)/results/$$s.out || true; done
	@tests/sum-results.sh $(BUILD)/results


-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
# Fragments: the kernel, the rig, the benchmarks.  Each may append to BENCH_TARGETS
# (targets that print "bench:" lines) and TEST_SUITES (targets that write
# $(BUILD)/results/<suite>.counts as "PASSED FAILED").
BENCH_TARGETS :=
TEST_SUITES :=
-include $(sort $(wildcard arch/x86/xen/*.mk arch/x86/metal/*.mk tests/rig/*.mk tests/fuzz/*.mk bench/*.mk bench/*/*.mk))
# The library and its install (make lib, make install).
include pkg/lib.mk

# After the fragments, so that BENCH_TARGETS is complete when this rule is read.
bench: $(BENCH_TARGETS)

clean:
	rm -rf $(BUILD)

# bench-p2m: instructions per p2m lookup hit, counted by callgrind.
#
# The program is built WITHOUT sanitizers, at -O2, as the kernel would build the
# inline lookup.  It runs twice, with N and 2N lookups; in each run callgrind counts
# the instructions of a loop of lookups and of the same loop without them.  Taking
# run 2N minus run N cancels each loop's fixed entry and exit; taking lookups minus
# plain cancels the loop's own work.  What is left, divided by N, is the exact cost
# of one lookup.
BENCH_TARGETS += bench-p2m

P2M_BENCH_DIR := $(BUILD)/bench/p2m
P2M_BENCH_BIN := $(P2M_BENCH_DIR)/p2m_bench
P2M_BENCH_LOOKUPS ?= 100000
P2M_BENCH_CFLAGS := -std=c11 -Wall -Wextra -Werror -O2 -g -D_GNU_SOURCE -Iinclude -I. $(SHORT_NAMES)

# Only what a lookup needs (lib/, p2m/) and the harness it runs on: the rest of the
# core is not measured here, and need not compile warning-free at -O2 for this.
P2M_BENCH_SRCS := bench/p2m/main.c $(sort $(wildcard lib/*.c p2m/*.c)) $(MODEL_SRCS)

$(P2M_BENCH_BIN): $(P2M_BENCH_SRCS) | have-deps
	@mkdir -p $(dir $@)
	$(CC) $(P2M_BENCH_CFLAGS) -o $@ $^

# inclusive instructions of function $(2) in callgrind output $(1)
p2m_bench_ir = callgrind_annotate --auto=no --inclusive=yes $(1) | awk '/main\.c:$(2) \[/ { gsub(",", "", $$1); print $$1; exit }'

.PHONY: bench-p2m
bench-p2m: $(P2M_BENCH_BIN)
	@set -e; n=$(P2M_BENCH_LOOKUPS); \
	for k in 1 2; do \
	  valgrind --tool=callgrind --callgrind-out-file=$(P2M_BENCH_DIR)/callgrind.$$k.out \
	    $(P2M_BENCH_BIN) $$((k * n)) > $(P2M_BENCH_DIR)/run.$$k.log 2>&1 \
	    || { echo "bench-p2m: run with $$((k * n)) lookups failed:"; tail -5 $(P2M_BENCH_DIR)/run.$$k.log; exit 1; }; \
	done; \
	l1=$$($(call p2m_bench_ir,$(P2M_BENCH_DIR)/callgrind.1.out,loop_lookups)); \
	l2=$$($(call p2m_bench_ir,$(P2M_BENCH_DIR)/callgrind.2.out,loop_lookups)); \
	e1=$$($(call p2m_bench_ir,$(P2M_BENCH_DIR)/callgrind.1.out,loop_empty)); \
	e2=$$($(call p2m_bench_ir,$(P2M_BENCH_DIR)/callgrind.2.out,loop_empty)); \
	[ -n "$$l1" ] && [ -n "$$l2" ] && [ -n "$$e1" ] && [ -n "$$e2" ] \
	  || { echo "bench-p2m: callgrind_annotate did not show both loops"; exit 1; }; \
	echo "bench: p2m_lookup_instructions $$(awk -v d=$$(( (l2 - l1) - (e2 - e1) )) -v n=$$n 'BEGIN { printf "%g", d / n }') instructions"

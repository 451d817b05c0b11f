# The core's hosted figures: bench/core_bench.c, counted by the model of Xen.
BENCH_TARGETS += bench-core

$(BUILD)/bench/core_bench: $(BUILD)/hosted/obj/bench/core_bench.o $(BUILD)/hosted/obj/bench/linux_policy.o $(HOSTED_CORE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ -fsanitize=address,undefined

.PHONY: bench-core
bench-core: $(BUILD)/bench/core_bench
	@$(BUILD)/bench/core_bench

# bench-xen's counting and reporting (bench/xentrace/test_xentrace.py) need no rig:
# they run in `make check`, summed with the C tests (the script prints cmocka's summary).
XT_TEST := $(BUILD)/hosted/test_xentrace
UNIT_TESTS += $(XT_TEST)
hosted: $(XT_TEST)

$(XT_TEST): bench/xentrace/test_xentrace.py
	@mkdir -p $(dir $@)
	@printf '#!/bin/sh\nexec python3 "%s/bench/xentrace/test_xentrace.py"\n' "$(CURDIR)" > $@ && chmod +x $@

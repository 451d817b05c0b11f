# The core's hosted figures: bench/core_bench.c, counted by the model of Xen.
BENCH_TARGETS += bench-core

$(BUILD)/bench/core_bench: $(BUILD)/hosted/obj/bench/core_bench.o $(BUILD)/hosted/obj/bench/linux_policy.o $(HOSTED_CORE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ -fsanitize=address,undefined

.PHONY: bench-core
bench-core: $(BUILD)/bench/core_bench
	@$(BUILD)/bench/core_bench

# bench-shadow: demand faults of the shadow backend, pvmmu's cache policy beside
# lguest's, counted (bench/shadow/main.c).
BENCH_TARGETS += bench-shadow

$(BUILD)/bench/shadow_bench: $(BUILD)/hosted/obj/bench/shadow/main.o $(HOSTED_CORE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(HOSTED_LDLIBS)

.PHONY: bench-shadow
bench-shadow: $(BUILD)/bench/shadow_bench
	@$(BUILD)/bench/shadow_bench

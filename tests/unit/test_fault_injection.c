/*
 * Fault injection: every hypercall the MMU layer makes in a scripted scenario is
 * made to fail, one per run, and then every multicall entry; after each run:
 *
 *   - the failure was reported, naming the operation;
 *   - pvmmu's view agrees with Xen's (the model's): an address space pvmmu
 *     believes pinned has both roots pinned and every table frame typed and
 *     read-only; one it believes unpinned has every table frame writable;
 *   - nothing is left queued, lazy mode is off, and the model's invariants hold;
 *   - the layer still works: every address space can still be pinned, switched
 *     to and destroyed.
 *
 * The test prints how many sites were tried and how many stayed consistent, and
 * fails unless all did.
 */
#include <stdlib.h>
#include "pvmmu_test.h"
#include "workloads/workloads.h"

#define SPACES WL_INJECT_SPACES

static struct aspace *spaces[SPACES];
static unsigned long free_at_start;
static pfn_t data[WL_INJECT_FRAMES];

/* The scenario is the inject suite's (workloads/inject.c), which the kernel runs on real Xen. */
static void scenario(void)
{
    free_at_start = harness_frames_free();
    alloc_frames(data, WL_INJECT_FRAMES);
    wl_inject_scenario(spaces, data);
}

struct seen { const struct aspace *as; const char *problem; };

static int check_frame(pfn_t table, int level, void *ctx)
{
    struct seen *s = ctx;
    mfn_t mfn = mfn_of(table);
    bool typed = (int)model_frame_type(mfn) == (int)MODEL_TYPE_L1 + level - 1;

    if (s->as->pinned && (!typed || direct_map_writable(table)))
        s->problem = "believed pinned, but a table frame is untyped or writable";
    if (!s->as->pinned && !direct_map_writable(table))
        s->problem = "believed unpinned, but a table frame is read-only";
    return 0;
}

static const char *inconsistency(void)
{
    static char why[256];
    struct aspace *as;

    if (mc_pending() || lazy_mmu_active())
        return "requests left queued, or lazy mode left on";
    if (!model_check_invariants(why, sizeof(why)))
        return why;
    for (as = registry_first(); as; as = registry_next(as)) {
        struct seen s = { as, NULL };

        if (as->is_kernel)
            continue;
        if (as->pinned != model_frame_pinned(mfn_of(as->root)) ||
            as->pinned != model_frame_pinned(mfn_of(as->user_root)))
            return "pvmmu and Xen disagree on whether a root is pinned";
        pt_walk(as, check_frame, &s);
        if (s.problem)
            return s.problem;
    }
    return NULL;
}

/*
 * Afterwards the layer must still work: pin, switch to and destroy every address
 * space; then every table frame is back with the allocator (none orphaned by the
 * failure), and none was freed while Xen still held it as a table or read-only.
 */
static bool still_usable(void)
{
    unsigned i;

    pvmmu_clear_errors();
    for (i = 0; i < SPACES; i++) {
        if (!spaces[i]->pinned && aspace_pin(spaces[i]))
            return false;
        if (aspace_switch(spaces[i]) || aspace_switch(aspace_kernel()) || aspace_destroy(spaces[i]))
            return false;
    }
    return !pvmmu_error_count() && model_check_invariants(NULL, 0) &&
           harness_frames_free() == free_at_start - WL_INJECT_FRAMES && !harness_frees_while_typed();
}

static unsigned long clean_run(bool entries)
{
    unsigned long sites;

    boot_guest(2048);
    scenario();
    assert_no_errors();
    sites = entries ? model_counters()->multicall_entries : model_counters()->traps;
    assert_true(still_usable());
    teardown_guest(NULL);
    return sites;
}

static void sweep(bool entries, const char *what)
{
    unsigned long sites = clean_run(entries), k, consistent = 0;

    assert_true(sites > 5);   /* a scenario that makes no hypercalls would prove nothing */
    for (k = 1; k <= sites; k++) {
        const char *why;

        boot_guest(2048);
        if (entries)
            model_fail_multicall_entry(k, -XEN_ENOMEM);
        else
            model_fail_hypercall(k, -XEN_ENOMEM);
        scenario();
        why = !pvmmu_error_count() ? "the failure was not reported" : inconsistency();
        if (!why && !still_usable())
            why = "the layer could not be used afterwards";
        if (why)
            print_error("fault injection: %s %lu of %lu: %s (last report: %s)\n", what, k, sites, why,
                        pvmmu_last_error());
        else
            consistent++;
        teardown_guest(NULL);
    }
    print_message("fault injection: %lu %s sites tried, %lu stayed consistent\n", sites, what, consistent);
    assert_int_equal(consistent, sites);
}

static void test_every_hypercall_failing_in_turn_leaves_the_layer_consistent(void **state)
{
    (void)state;
    sweep(false, "hypercall");
}

static void test_every_multicall_entry_failing_in_turn_leaves_the_layer_consistent(void **state)
{
    (void)state;
    sweep(true, "multicall entry");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_hypercall_failing_in_turn_leaves_the_layer_consistent),
        cmocka_unit_test(test_every_multicall_entry_failing_in_turn_leaves_the_layer_consistent),
    };
    return cmocka_run_group_tests_name("fault injection", tests, NULL, NULL);
}

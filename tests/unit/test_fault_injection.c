/*
 * Fault injection: every hypercall the MMU layer makes in a scripted scenario is
 * made to fail, one per run, then every multicall entry, then every frame
 * allocation (the platform running out of memory); after each run:
 *
 *   - the failure was reported, naming the operation;
 *   - pvmmu's view agrees with Xen's (the model's): an address space pvmmu
 *     believes pinned has both roots pinned and every table frame typed and
 *     read-only; one it believes unpinned has every table frame writable;
 *   - nothing is left queued, lazy mode is off, and the model's invariants hold;
 *   - the layer still works: every address space can still be pinned, switched
 *     to and destroyed, and then every frame is back with the allocator (a
 *     failed operation leaked nothing: issue 13.6 found aspace_fork leaking its
 *     partial copy).
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

enum site { HYPERCALL, MULTICALL_ENTRY, FRAME_ALLOCATION };
static const char *const site_name[] = { "hypercall", "multicall entry", "frame allocation" };

/* The nth site from now fails; 0 arms nothing. */
static void arm(enum site kind, unsigned long nth)
{
    if (kind == HYPERCALL)
        model_fail_hypercall(nth, -XEN_ENOMEM);
    else if (kind == MULTICALL_ENTRY)
        model_fail_multicall_entry(nth, -XEN_ENOMEM);
    else
        harness_fail_frame_alloc(nth, false);
}

static unsigned long sites_so_far(enum site kind)
{
    return kind == HYPERCALL ? model_counters()->traps
         : kind == MULTICALL_ENTRY ? model_counters()->multicall_entries
                                   : harness_frame_allocs();
}

/*
 * The scenario is the inject suite's (workloads/inject.c), which the kernel runs
 * on real Xen.  The failure is armed once the test's own data frames are had.
 */
static unsigned long scenario(enum site kind, unsigned long nth)
{
    unsigned long before;

    free_at_start = harness_frames_free();
    alloc_frames(data, WL_INJECT_FRAMES);
    arm(kind, nth);
    before = sites_so_far(kind);
    wl_inject_scenario(spaces, data);
    arm(kind, 0);
    return sites_so_far(kind) - before;
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
        if (!spaces[i])                 /* never made: its creation (or fork) failed */
            continue;
        if (!spaces[i]->pinned && aspace_pin(spaces[i]))
            return false;
        if (aspace_switch(spaces[i]) || aspace_switch(aspace_kernel()) || aspace_destroy(spaces[i]))
            return false;
    }
    return !pvmmu_error_count() && model_check_invariants(NULL, 0) &&
           harness_frames_free() == free_at_start - WL_INJECT_FRAMES && !harness_frees_while_typed();
}

static unsigned long clean_run(enum site kind)
{
    unsigned long sites;

    boot_guest(2048);
    sites = scenario(kind, 0);
    assert_no_errors();
    assert_true(still_usable());
    teardown_guest(NULL);
    return sites;
}

static void sweep(enum site kind)
{
    const char *what = site_name[kind];
    unsigned long sites = clean_run(kind), k, consistent = 0;

    assert_true(sites > 5);   /* a scenario that makes no hypercalls would prove nothing */
    for (k = 1; k <= sites; k++) {
        const char *why;

        boot_guest(2048);
        scenario(kind, k);
        why = !pvmmu_error_count() ? "the failure was not reported" : inconsistency();
        if (!why && !still_usable())
            why = "the layer could not be used afterwards, or a frame was leaked";
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
    sweep(HYPERCALL);
}

static void test_every_multicall_entry_failing_in_turn_leaves_the_layer_consistent(void **state)
{
    (void)state;
    sweep(MULTICALL_ENTRY);
}

static void test_every_frame_allocation_failing_in_turn_leaks_nothing(void **state)
{
    (void)state;
    sweep(FRAME_ALLOCATION);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_hypercall_failing_in_turn_leaves_the_layer_consistent),
        cmocka_unit_test(test_every_multicall_entry_failing_in_turn_leaves_the_layer_consistent),
        cmocka_unit_test(test_every_frame_allocation_failing_in_turn_leaks_nothing),
    };
    return cmocka_run_group_tests_name("fault injection", tests, NULL, NULL);
}

/*
 * The batch and lazy MMU mode, as include/xen/pvmmu/multicall.h promises them.
 *
 * The requests used here are mmu_updates aimed at an ordinary data frame: Xen
 * treats a write to a frame that is not a page table as a plain checked write, so
 * they succeed and their effect is easy to see in the frame's bytes.
 */
#include "pvmmu_test.h"

static pfn_t scratch;

static uint64_t scratch_maddr(unsigned slot)
{
    return mfn_to_maddr(mfn_of(scratch)) + slot * 8;
}

static uint64_t scratch_word(unsigned slot)
{
    return ((uint64_t *)pfn_to_virt(scratch))[slot];
}

static int setup(void **state)
{
    setup_guest(state);
    scratch = frame_alloc();
    return 0;
}

static void test_consecutive_mmu_updates_merge_into_one_direct_call(void **state)
{
    unsigned i;

    (void)state;
    for (i = 0; i < 10; i++)
        assert_int_equal(mc_mmu_update(scratch_maddr(i), 100 + i), 0);
    assert_int_equal(traps(), 0);            /* queued, not issued */
    assert_int_equal(mc_flush(), 0);
    assert_int_equal(traps(), 1);
    assert_int_equal(model_counters()->multicall_calls, 0);   /* a batch of one skips the wrapper */
    assert_int_equal(model_counters()->mmu_update_reqs, 10);
    assert_int_equal(mc_stats()->merged, 9);
    for (i = 0; i < 10; i++)
        assert_int_equal(scratch_word(i), 100 + i);
}

static void test_a_change_of_kind_starts_a_new_entry_and_all_go_in_one_multicall(void **state)
{
    struct mmuext_op flush = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };

    (void)state;
    mc_mmu_update(scratch_maddr(0), 1);
    mc_mmu_update(scratch_maddr(1), 2);
    mc_mmuext(&flush);
    mc_mmuext(&flush);
    mc_mmu_update(scratch_maddr(2), 3);
    assert_int_equal(mc_flush(), 0);
    assert_int_equal(traps(), 1);
    assert_int_equal(model_counters()->multicall_calls, 1);
    assert_int_equal(model_counters()->multicall_entries, 3);
    assert_int_equal(model_counters()->tlb_flushes, 2);
    assert_int_equal(scratch_word(2), 3);
}

static void test_a_failing_request_is_named_with_its_arguments(void **state)
{
    uint64_t bad_ptr = mfn_to_maddr(model_xen_frame(0)) + 8;   /* Xen's frame, not ours */

    (void)state;
    mc_mmu_update(scratch_maddr(0), 7);
    mc_mmu_update(bad_ptr, 0x1234);
    mc_mmu_update(scratch_maddr(1), 8);
    assert_int_not_equal(mc_flush(), 0);
    assert_error_contains("request 2 of 3");
    assert_error_contains("val=0x1234");
    assert_int_equal(scratch_word(0), 7);    /* mmu_update stops at the first failure */
    assert_int_equal(scratch_word(1), 0);
}

static void test_multicall_runs_every_entry_and_each_result_is_checked(void **state)
{
    struct mmuext_op bogus = { .cmd = MMUEXT_UNPIN_TABLE };

    (void)state;
    bogus.arg1.mfn = mfn_x(mfn_of(scratch));     /* not pinned: Xen refuses */
    mc_mmuext(&bogus);
    mc_mmu_update(scratch_maddr(5), 55);         /* a later entry still runs */
    assert_int_equal(mc_flush(), -XEN_EINVAL);
    assert_error_contains("UNPIN_TABLE");
    assert_int_equal(scratch_word(5), 55);
    assert_int_equal(mc_stats()->failures, 1);
}

static void test_an_injected_entry_failure_is_reported(void **state)
{
    struct mmuext_op flush = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };

    (void)state;
    mc_mmu_update(scratch_maddr(0), 1);
    mc_mmuext(&flush);
    model_fail_multicall_entry(2, -XEN_ENOMEM);
    assert_int_equal(mc_flush(), -XEN_ENOMEM);
    assert_error_contains("mmuext_op failed (-12)");
}

static void test_a_refused_multicall_reports_that_nothing_ran(void **state)
{
    struct mmuext_op flush = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };

    (void)state;
    mc_mmu_update(scratch_maddr(0), 1);
    mc_mmuext(&flush);
    model_fail_hypercall(1, -XEN_EFAULT);
    assert_int_equal(mc_flush(), -XEN_EFAULT);
    assert_error_contains("nothing in it was done");
    assert_int_equal(scratch_word(0), 0);
}

static void test_outside_lazy_mode_each_operation_is_issued_at_once(void **state)
{
    (void)state;
    mc_mmu_update(scratch_maddr(0), 1);
    assert_int_equal(mc_issue(), 0);
    mc_mmu_update(scratch_maddr(1), 2);
    assert_int_equal(mc_issue(), 0);
    assert_int_equal(traps(), 2);
}

static void test_inside_lazy_mode_nothing_is_issued_until_leave(void **state)
{
    unsigned i;

    (void)state;
    lazy_mmu_enter();
    for (i = 0; i < 100; i++) {
        mc_mmu_update(scratch_maddr(i), i + 1);
        assert_int_equal(mc_issue(), 0);
    }
    assert_int_equal(traps(), 0);
    assert_int_equal(scratch_word(0), 0);       /* queued updates are not in memory yet */
    assert_int_equal(lazy_mmu_leave(), 0);
    assert_int_equal(traps(), 1);
    assert_int_equal(scratch_word(99), 100);
}

static void test_nested_sections_issue_only_at_the_outermost_leave(void **state)
{
    (void)state;
    lazy_mmu_enter();
    lazy_mmu_enter();
    mc_mmu_update(scratch_maddr(0), 1);
    assert_int_equal(lazy_mmu_leave(), 0);      /* inner leave: still lazy */
    assert_true(lazy_mmu_active());
    mc_mmu_update(scratch_maddr(1), 2);
    assert_int_equal(mc_issue(), 0);
    assert_int_equal(traps(), 0);
    assert_int_equal(lazy_mmu_leave(), 0);
    assert_false(lazy_mmu_active());
    assert_int_equal(traps(), 1);
    assert_int_equal(scratch_word(1), 2);
}

static void test_a_leave_without_enter_is_an_error_that_changes_nothing(void **state)
{
    (void)state;
    mc_mmu_update(scratch_maddr(0), 1);
    assert_int_equal(lazy_mmu_leave(), -XEN_EINVAL);
    assert_error_contains("without its enter");
    assert_int_equal(lazy_mmu_depth(), 0);
    assert_int_equal(traps(), 0);
    assert_true(mc_pending());
    assert_int_equal(mc_flush(), 0);
}

static void test_a_full_batch_is_flushed_on_the_spot_and_lazy_mode_stays(void **state)
{
    unsigned per_trap = MC_ARG_BYTES / sizeof(mmu_update_t), i;
    pfn_t more[4];

    (void)state;
    alloc_frames(more, 4);
    lazy_mmu_enter();
    lazy_mmu_enter();
    for (i = 0; i < per_trap + 1; i++)
        assert_int_equal(mc_mmu_update(mfn_to_maddr(mfn_of(more[i / 512])) + (i % 512) * 8, i), 0);
    assert_int_equal(traps(), 1);                /* the forced flush */
    assert_int_equal(mc_stats()->forced_flushes, 1);
    assert_int_equal(lazy_mmu_depth(), 2);       /* nesting untouched */
    lazy_mmu_leave();
    lazy_mmu_leave();
    assert_int_equal(traps(), 2);
    assert_int_equal(mc_stats()->largest_batch, per_trap);
}

/* Rule 5: a failed flush inside a section is the section's failure too. */
static void test_a_failure_inside_a_section_is_returned_by_its_outermost_leave(void **state)
{
    (void)state;
    lazy_mmu_enter();
    lazy_mmu_enter();
    mc_mmu_update(scratch_maddr(0), 1);
    model_fail_hypercall(1, -XEN_ENOMEM);
    assert_int_equal(lazy_mmu_flush(), -XEN_ENOMEM);
    mc_mmu_update(scratch_maddr(1), 2);
    assert_int_equal(lazy_mmu_leave(), 0);                /* an inner leave issues nothing */
    assert_int_equal(lazy_mmu_leave(), -XEN_ENOMEM);      /* its own batch went through... */
    assert_int_equal(scratch_word(1), 2);
    assert_int_equal(mc_flush(), 0);                      /* ...and the failure is told once */
}

/*
 * Guards issue 13.4: tables/pending.c queues the hooks it deferred at the last moment,
 * from inside the issue.  When the batch is full, that forces a flush, and when
 * the forced flush failed, the outer issue found an empty batch and the leave
 * answered 0 with the mapping missing.
 */
static void test_a_failed_flush_forced_by_a_deferred_hook_reaches_the_leave(void **state)
{
    const uint64_t va = 0x0000200000000000ULL;
    unsigned per_trap = MC_ARG_BYTES / sizeof(mmu_update_t), flips = 3, i;
    struct aspace *as = aspace_create();
    pfn_t page = frame_alloc(), fill[2];
    pte_t pte;

    (void)state;
    alloc_frames(fill, 2);
    assert_int_equal(aspace_pin(as), 0);
    model_reset_counters();
    mc_stats_reset();
    lazy_mmu_enter();
    for (i = 0; i < per_trap - flips; i++)     /* leave room for the L3, L2 and L1 flips only */
        assert_int_equal(mc_mmu_update(mfn_to_maddr(mfn_of(fill[i / 512])) + (i % 512) * 8, i), 0);
    assert_int_equal(mmu_map(as, va, page, _PAGE_RW | _PAGE_USER), 0);
    assert_int_equal(traps(), 0);
    model_fail_hypercall(1, -XEN_ENOMEM);
    assert_int_equal(lazy_mmu_leave(), -XEN_ENOMEM);
    assert_int_equal(mc_stats()->forced_flushes, 1);      /* the hooks did not fit: the case guarded */
    assert_int_equal(mmu_lookup(as, va, &pte), 0);
    assert_false(pte_present(pte));                       /* the mapping is indeed missing */
    assert_model_invariants();
    assert_int_equal(mmu_map(as, va, page, _PAGE_RW | _PAGE_USER), 0);   /* and the layer still works */
    assert_int_equal(mmu_lookup(as, va, &pte), 0);
    assert_true(pte_present(pte));
}

static int callback_calls, callback_result;
static void note_callback(void *data, int result)
{
    callback_calls += *(int *)data;
    callback_result = result;
}

static void test_callbacks_run_after_the_batch_and_learn_its_result(void **state)
{
    static int one = 1;
    struct mmuext_op bogus = { .cmd = MMUEXT_UNPIN_TABLE };

    (void)state;
    callback_calls = 0;
    lazy_mmu_enter();
    mc_mmu_update(scratch_maddr(0), 1);
    mc_callback(note_callback, &one);
    assert_int_equal(callback_calls, 0);
    lazy_mmu_leave();
    assert_int_equal(callback_calls, 1);
    assert_int_equal(callback_result, 0);

    bogus.arg1.mfn = mfn_x(mfn_of(scratch));
    mc_mmuext(&bogus);
    mc_callback(note_callback, &one);
    mc_flush();
    assert_int_equal(callback_calls, 2);
    assert_int_equal(callback_result, -XEN_EINVAL);
}

static void test_lazy_flush_issues_now_and_stays_lazy(void **state)
{
    (void)state;
    lazy_mmu_enter();
    mc_mmu_update(scratch_maddr(0), 9);
    assert_int_equal(lazy_mmu_flush(), 0);
    assert_int_equal(scratch_word(0), 9);
    assert_true(lazy_mmu_active());
    lazy_mmu_leave();
    assert_int_equal(traps(), 1);                /* nothing left to issue at the leave */
}

static void test_update_va_mapping_entries_are_never_merged(void **state)
{
    (void)state;
    mc_update_va_mapping(0x1000, 0, 0);
    mc_update_va_mapping(0x2000, 0, 0);
    mc_flush();
    assert_int_equal(model_counters()->multicall_entries, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown_guest)
        T(test_consecutive_mmu_updates_merge_into_one_direct_call),
        T(test_a_change_of_kind_starts_a_new_entry_and_all_go_in_one_multicall),
        T(test_a_failing_request_is_named_with_its_arguments),
        T(test_multicall_runs_every_entry_and_each_result_is_checked),
        T(test_an_injected_entry_failure_is_reported),
        T(test_a_refused_multicall_reports_that_nothing_ran),
        T(test_outside_lazy_mode_each_operation_is_issued_at_once),
        T(test_inside_lazy_mode_nothing_is_issued_until_leave),
        T(test_nested_sections_issue_only_at_the_outermost_leave),
        T(test_a_leave_without_enter_is_an_error_that_changes_nothing),
        T(test_a_full_batch_is_flushed_on_the_spot_and_lazy_mode_stays),
        T(test_a_failure_inside_a_section_is_returned_by_its_outermost_leave),
        T(test_a_failed_flush_forced_by_a_deferred_hook_reaches_the_leave),
        T(test_callbacks_run_after_the_batch_and_learn_its_result),
        T(test_lazy_flush_issues_now_and_stays_lazy),
        T(test_update_va_mapping_entries_are_never_merged),
    };
    return cmocka_run_group_tests_name("multicalls", tests, NULL, NULL);
}

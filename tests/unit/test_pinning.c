/*
 * Pinning, as pinning/pin.c and pinning/registry.c promise it, checked against
 * the model's view of Xen: frame types, pins, and the direct map's permissions.
 */
#include "pvmmu_test.h"

#define USER_VA 0x0000100000000000ULL   /* L4 slot 32: well inside the user half */

/* An address space whose tables are root + user root + 1 L3 + 1 L2 + nr_l1 L1s. */
static struct aspace *space_with_l1s(unsigned nr_l1)
{
    struct aspace *as = aspace_create();
    unsigned i;

    assert_non_null(as);
    for (i = 0; i < nr_l1; i++) {
        pfn_t data = frame_alloc();

        assert_int_equal(mmu_map(as, USER_VA + i * pt_entry_span(2), data, _PAGE_RW | _PAGE_USER), 0);
    }
    return as;
}

struct frames_seen { unsigned n; pfn_t pfn[128]; int level[128]; };

static int remember(pfn_t table, int level, void *ctx)
{
    struct frames_seen *seen = ctx;

    seen->pfn[seen->n] = table;
    seen->level[seen->n] = level;
    seen->n++;
    return 0;
}

static void assert_tree_pinned(struct aspace *as, bool pinned)
{
    struct frames_seen seen = { 0 };
    unsigned i;

    pt_walk(as, remember, &seen);
    for (i = 0; i < seen.n; i++) {
        mfn_t mfn = mfn_of(seen.pfn[i]);

        assert_int_equal(direct_map_writable(seen.pfn[i]), !pinned);
        if (pinned)
            assert_int_equal(model_frame_type(mfn), MODEL_TYPE_L1 + seen.level[i] - 1);
        else /* plain memory again: untyped, or typed writable by its direct-map entry */
            assert_true(model_frame_type(mfn) == MODEL_TYPE_NONE ||
                        model_frame_type(mfn) == MODEL_TYPE_WRITABLE);
    }
    assert_int_equal(model_frame_pinned(mfn_of(as->root)), pinned);
    assert_int_equal(model_frame_pinned(mfn_of(as->user_root)), pinned);
    assert_model_invariants();
}

static void test_the_walker_visits_leaves_first_and_the_roots_last(void **state)
{
    struct aspace *as = space_with_l1s(3);
    struct frames_seen seen = { 0 };

    (void)state;
    assert_int_equal(pt_walk(as, remember, &seen), 0);
    assert_int_equal(seen.n, 3 + 1 + 1 + 2);
    assert_int_equal(seen.level[0], 1);
    assert_true(pfn_eq(seen.pfn[seen.n - 2], as->user_root));
    assert_true(pfn_eq(seen.pfn[seen.n - 1], as->root));
}

static void test_the_walker_skips_xen_slots_and_the_kernel_half(void **state)
{
    struct aspace *as = aspace_create();
    unsigned slot, kernel_entries = 0;

    (void)state;
    for (slot = L4_KERNEL_FIRST; slot <= L4_KERNEL_LAST; slot++)
        kernel_entries += mpte_present(*table_entry(as->root, slot));
    assert_true(kernel_entries > 0);             /* the kernel half is there... */
    assert_int_equal(pt_count_frames(as), 2);    /* ...but only the two roots are ours */
}

static void test_pinning_64_frames_costs_one_trap(void **state)
{
    struct aspace *as = space_with_l1s(60);

    (void)state;
    assert_int_equal(pt_count_frames(as), 64);
    model_reset_counters();
    assert_int_equal(aspace_pin(as), 0);
    assert_int_equal(traps(), 1);
    assert_true(as->pinned);
    assert_tree_pinned(as, true);
    assert_no_errors();
}

static void test_unpinning_is_the_mirror_image_in_one_trap(void **state)
{
    struct aspace *as = space_with_l1s(60);

    (void)state;
    aspace_pin(as);
    model_reset_counters();
    assert_int_equal(aspace_unpin(as), 0);
    assert_int_equal(traps(), 1);
    assert_false(as->pinned);
    assert_tree_pinned(as, false);
}

static void test_pinning_twice_is_refused_and_changes_nothing(void **state)
{
    struct aspace *as = space_with_l1s(2);

    (void)state;
    aspace_pin(as);
    model_reset_counters();
    assert_int_equal(aspace_pin(as), -XEN_EINVAL);
    assert_error_contains("already pinned");
    assert_int_equal(traps(), 0);
    assert_tree_pinned(as, true);
}

static void test_unpinning_an_unpinned_or_current_space_is_refused(void **state)
{
    struct aspace *as = space_with_l1s(2);

    (void)state;
    assert_int_equal(aspace_unpin(as), -XEN_EINVAL);
    assert_error_contains("it is not pinned");
    assert_int_equal(aspace_switch(as), 0);
    assert_int_equal(aspace_unpin(as), -XEN_EINVAL);
    assert_error_contains("current address space");
    assert_tree_pinned(as, true);
}

static void test_a_table_hooked_into_a_pinned_tree_is_made_read_only_and_validated(void **state)
{
    struct aspace *as = space_with_l1s(1);
    uint64_t far = USER_VA + 7 * pt_entry_span(3);   /* needs a new L2 and a new L1 */
    mpte_t *l1e;

    (void)state;
    aspace_pin(as);
    model_reset_counters();
    assert_int_equal(mmu_map(as, far, frame_alloc(), _PAGE_RW), 0);
    assert_int_equal(traps(), 1);                    /* new L2 + L1, flips and hook: one batch */
    l1e = entry_slot(as, far, 1);
    assert_non_null(l1e);
    assert_false(direct_map_writable(virt_to_pfn(l1e)));
    assert_int_equal(model_frame_type(mfn_of(virt_to_pfn(l1e))), MODEL_TYPE_L1);
    assert_tree_pinned(as, true);
}

static void test_a_table_unhooked_from_a_pinned_tree_becomes_plain_memory_again(void **state)
{
    struct aspace *as = space_with_l1s(2);
    mpte_t *l2e;
    pte_t link;
    pfn_t l1;

    (void)state;
    aspace_pin(as);
    l2e = entry_slot(as, USER_VA, 2);
    assert_int_equal(mpte_to_pte(*l2e, &link), 0);
    l1 = pte_pfn(link);
    assert_int_equal(set_pmd(as, l2e, PTE_NONE), 0);
    assert_true(direct_map_writable(l1));
    assert_int_equal(model_frame_type(mfn_of(l1)), MODEL_TYPE_WRITABLE);
    assert_tree_pinned(as, true);
}

static void test_pin_all_pins_every_unpinned_space_and_unpin_all_only_those(void **state)
{
    struct aspace *mine = space_with_l1s(2);         /* pinned by the workload */
    struct aspace *building = space_with_l1s(3);     /* under construction */
    struct aspace *dying = space_with_l1s(4);        /* half torn down */

    (void)state;
    aspace_pin(mine);
    dying->state = AS_TEARING_DOWN;
    assert_int_equal(mmu_unmap_range(dying, USER_VA, 512), 0);
    model_reset_counters();
    assert_int_equal(pin_all(), 0);
    assert_int_equal(traps(), 1);
    assert_true(building->save_pinned && dying->save_pinned);
    assert_false(mine->save_pinned);
    assert_tree_pinned(building, true);
    assert_tree_pinned(dying, true);

    model_reset_counters();
    assert_int_equal(unpin_all(), 0);
    assert_int_equal(traps(), 1);
    assert_tree_pinned(building, false);
    assert_tree_pinned(dying, false);
    assert_tree_pinned(mine, true);
}

static void test_destroy_unpins_first_then_frees_with_plain_writes(void **state)
{
    unsigned long free_before = harness_frames_free();
    struct aspace *as = space_with_l1s(5);

    (void)state;
    aspace_pin(as);
    model_reset_counters();
    assert_int_equal(aspace_destroy(as), 0);
    assert_int_equal(traps(), 1);                    /* the unpin; freeing costs nothing */
    /* every table frame is back (the 5 data frames stay with their owner) */
    assert_int_equal(harness_frames_free(), free_before - 5);
    assert_model_invariants();
}

static void test_destroying_twice_is_an_error(void **state)
{
    struct aspace *as = space_with_l1s(1);

    (void)state;
    assert_int_equal(aspace_destroy(as), 0);
    assert_int_equal(aspace_destroy(as), -XEN_EINVAL);
    assert_error_contains("destroyed twice");
}

static void test_a_failed_pin_is_reported_with_the_operation(void **state)
{
    struct aspace *as = space_with_l1s(1);

    (void)state;
    model_fail_multicall_entry(2, -XEN_ENOMEM);       /* the entry holding the pins */
    assert_int_not_equal(aspace_pin(as), 0);
    assert_error_seen("mmuext_op failed (-12): request 1 of 2, PIN_L4_TABLE");
    assert_error_seen("left unpinned");
    assert_false(as->pinned);
    assert_tree_pinned(as, false);     /* the flips that went through were undone */
    assert_int_equal(aspace_pin(as), 0);
    assert_tree_pinned(as, true);
}

static void test_a_failed_pin_whose_undo_is_refused_too_ends_pinned_and_says_so(void **state)
{
    struct aspace *as = space_with_l1s(1);

    (void)state;
    model_fail_multicall_entry(2, -XEN_ENOMEM);       /* the entry holding the pins */
    model_fail_hypercall(2, -XEN_EFAULT);             /* then the undo's unpin of the root */
    assert_int_not_equal(aspace_pin(as), 0);
    assert_error_seen("UNPIN_TABLE of its kernel root");
    assert_true(as->pinned);           /* the one state that could be reached for certain */
    assert_tree_pinned(as, true);
    assert_int_equal(aspace_unpin(as), 0);
    assert_tree_pinned(as, false);
}

static void test_a_failed_unpin_leaves_the_space_pinned_and_whole(void **state)
{
    struct aspace *as = space_with_l1s(3);

    (void)state;
    aspace_pin(as);
    model_fail_multicall_entry(2, -XEN_ENOMEM);       /* the flips back to writable */
    assert_int_not_equal(aspace_unpin(as), 0);
    assert_error_seen("left pinned");
    assert_true(as->pinned);
    assert_tree_pinned(as, true);
    assert_int_equal(aspace_unpin(as), 0);
    assert_tree_pinned(as, false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_guest, teardown_guest)
        T(test_the_walker_visits_leaves_first_and_the_roots_last),
        T(test_the_walker_skips_xen_slots_and_the_kernel_half),
        T(test_pinning_64_frames_costs_one_trap),
        T(test_unpinning_is_the_mirror_image_in_one_trap),
        T(test_pinning_twice_is_refused_and_changes_nothing),
        T(test_unpinning_an_unpinned_or_current_space_is_refused),
        T(test_a_table_hooked_into_a_pinned_tree_is_made_read_only_and_validated),
        T(test_a_table_unhooked_from_a_pinned_tree_becomes_plain_memory_again),
        T(test_pin_all_pins_every_unpinned_space_and_unpin_all_only_those),
        T(test_destroy_unpins_first_then_frees_with_plain_writes),
        T(test_destroying_twice_is_an_error),
        T(test_a_failed_pin_is_reported_with_the_operation),
        T(test_a_failed_pin_whose_undo_is_refused_too_ends_pinned_and_says_so),
        T(test_a_failed_unpin_leaves_the_space_pinned_and_whole),
    };
    return cmocka_run_group_tests_name("pinning", tests, NULL, NULL);
}

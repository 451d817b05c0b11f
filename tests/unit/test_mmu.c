/*
 * The MMU operations (include/xen/pvmmu/mmu.h), checked the way the hardware
 * would see them: every translation is read back through the model's walker.
 */
#include "pvmmu_test.h"

#define VA 0x0000200000000000ULL

static void assert_maps(struct aspace *as, uint64_t va, pfn_t pfn, bool rw)
{
    struct model_xlat x;

    if (!model_translate(mfn_of(as->root), va, &x))
        fail_msg("va 0x%llx is not mapped", (unsigned long long)va);
    assert_int_equal(mfn_x(x.mfn), mfn_x(mfn_of(pfn)));
    assert_int_equal(x.rw, rw);
    /* the user-mode root sees the same user half */
    assert_true(model_translate(mfn_of(as->user_root), va, &x));
    assert_int_equal(mfn_x(x.mfn), mfn_x(mfn_of(pfn)));
}

static void assert_unmapped(struct aspace *as, uint64_t va)
{
    struct model_xlat x;

    assert_false(model_translate(mfn_of(as->root), va, &x));
}

static void test_pte_conversion_round_trips_pfn_and_mfn(void **state)
{
    pfn_t pfn = frame_alloc();
    pte_t pte = pte_make(pfn, _PAGE_PRESENT | _PAGE_RW | _PAGE_NX), back;
    mpte_t m;

    (void)state;
    assert_int_equal(pte_to_mpte(pte, &m), 0);
    assert_int_equal(mfn_x(mpte_mfn(m)), mfn_x(mfn_of(pfn)));
    assert_int_not_equal(mfn_x(mpte_mfn(m)), pfn_x(pfn));     /* the harness shuffles frames */
    assert_int_equal(mpte_to_pte(m, &back), 0);
    assert_int_equal(back.v, pte.v);
}

static void test_a_non_present_entry_keeps_its_frame_inverted_l1tf_safe(void **state)
{
    pfn_t pfn = frame_alloc();
    pte_t pte = pte_make(pfn, _PAGE_AVAIL0), back;
    mpte_t m;

    (void)state;
    assert_int_equal(pte_to_mpte(pte, &m), 0);
    assert_false(mpte_present(m));
    assert_true((m.v & PTE_ADDR_MASK) >= (1ULL << 50));  /* far above any RAM */
    assert_int_equal(mpte_to_pte(m, &back), 0);
    assert_int_equal(back.v, pte.v);
}

static void test_a_pfn_without_a_machine_frame_is_refused_by_name(void **state)
{
    mpte_t m;

    (void)state;
    assert_int_equal(pte_to_mpte(pte_make(_pfn(TEST_PAGES * 3), _PAGE_PRESENT), &m), -XEN_EINVAL);
    assert_error_contains("has no machine frame");
}

static void test_mapping_into_an_unpinned_space_is_plain_stores(void **state)
{
    struct aspace *as = aspace_create();
    pfn_t data[16];
    unsigned i;

    (void)state;
    alloc_frames(data, 16);
    model_reset_counters();
    assert_int_equal(mmu_map_range(as, VA, data, 16, _PAGE_RW | _PAGE_USER), 0);
    assert_int_equal(traps(), 0);
    aspace_pin(as);
    for (i = 0; i < 16; i++)
        assert_maps(as, VA + i * PAGE_SIZE, data[i], true);
    assert_model_invariants();
}

static void test_mapping_a_range_into_a_pinned_space_costs_one_trap(void **state)
{
    struct aspace *as = aspace_create();
    static pfn_t data[2048];
    unsigned i;

    (void)state;
    alloc_frames(data, 2048);
    aspace_pin(as);
    model_reset_counters();
    assert_int_equal(mmu_map_range(as, VA, data, 2048, _PAGE_RW | _PAGE_USER), 0);
    assert_int_equal(traps(), 1);   /* 4 fresh L1s filled with plain stores, then hooked */
    for (i = 0; i < 2048; i += 97)
        assert_maps(as, VA + i * PAGE_SIZE, data[i], true);
    assert_model_invariants();
    assert_no_errors();
}

static void test_updates_to_existing_tables_of_a_pinned_space_are_batched(void **state)
{
    struct aspace *as = aspace_create();
    pfn_t data[1000], other[1000];
    unsigned i;

    (void)state;
    alloc_frames(data, 1000);
    alloc_frames(other, 1000);
    mmu_map_range(as, VA, data, 1000, _PAGE_RW);
    aspace_pin(as);
    model_reset_counters();
    lazy_mmu_enter();
    for (i = 0; i < 1000; i++)
        assert_int_equal(set_pte(as, entry_slot(as, VA + i * PAGE_SIZE, 1),
                                 pte_make(other[i], _PAGE_PRESENT | _PAGE_RW)), 0);
    assert_int_equal(traps(), 0);
    lazy_mmu_leave();
    assert_int_equal(traps(), 1);
    assert_int_equal(model_counters()->mmu_update_reqs, 1000);
    assert_maps(as, VA + 999 * PAGE_SIZE, other[999], true);
}

static void test_protection_changes_keep_accessed_and_dirty(void **state)
{
    struct aspace *as = aspace_create();
    pfn_t data[4];
    pte_t pte;

    (void)state;
    alloc_frames(data, 4);
    mmu_map_range(as, VA, data, 4, _PAGE_RW | _PAGE_USER);
    aspace_pin(as);
    assert_int_equal(model_touch(mfn_of(as->root), VA, true), MODEL_TOUCH_OK);
    assert_int_equal(mmu_protect_range(as, VA, 4, PROT_READ_ONLY), 0);
    assert_maps(as, VA, data[0], false);
    mmu_lookup(as, VA, &pte);
    assert_true(pte_flags(pte) & _PAGE_ACCESSED);
    assert_true(pte_flags(pte) & _PAGE_DIRTY);
    assert_int_equal(model_touch(mfn_of(as->root), VA, true), MODEL_TOUCH_READ_ONLY);

    assert_int_equal(mmu_protect_range(as, VA, 4, PROT_READ_WRITE), 0);
    assert_maps(as, VA, data[0], true);
    mmu_lookup(as, VA, &pte);
    assert_true(pte_flags(pte) & _PAGE_DIRTY);
    assert_model_invariants();
}

static void test_no_access_keeps_the_frame_for_later(void **state)
{
    struct aspace *as = aspace_create();
    pfn_t data[2];

    (void)state;
    alloc_frames(data, 2);
    mmu_map_range(as, VA, data, 2, _PAGE_RW);
    aspace_pin(as);
    assert_int_equal(mmu_protect_range(as, VA, 2, PROT_NOACCESS), 0);
    assert_unmapped(as, VA);
    assert_false(model_domain_crashed());                 /* Xen found it L1TF-safe */
    assert_int_equal(mmu_protect_range(as, VA, 2, PROT_READ_WRITE), 0);
    assert_maps(as, VA + PAGE_SIZE, data[1], true);
    assert_model_invariants();
}

static void test_unmapping_whole_tables_unhooks_them_and_frees_them(void **state)
{
    struct aspace *as = aspace_create();
    static pfn_t data[1024];
    pfn_t neighbour = frame_alloc();
    unsigned long free_after_map;

    (void)state;
    alloc_frames(data, 1024);
    aspace_pin(as);
    mmu_map_range(as, VA, data, 1024, _PAGE_RW);
    mmu_map(as, VA + (512ULL << 20), neighbour, _PAGE_RW);   /* same L2, outside the range */
    free_after_map = harness_frames_free();
    model_reset_counters();
    assert_int_equal(mmu_unmap_range(as, VA, 1024), 0);
    assert_int_equal(traps(), 1);
    assert_int_equal(model_counters()->mmu_update_reqs, 2 + 2);   /* 2 unhooks, 2 flips back */
    assert_int_equal(harness_frames_free(), free_after_map + 2);
    assert_unmapped(as, VA);
    assert_unmapped(as, VA + 1023 * PAGE_SIZE);
    assert_maps(as, VA + (512ULL << 20), neighbour, true);
    assert_model_invariants();
}

/* Xen defers dropping an unhooked table to a restart, one per table: one L2 beats 2 L1s. */
static void test_a_range_holding_all_of_an_l2_unhooks_the_l2(void **state)
{
    struct aspace *as = aspace_create();
    static pfn_t data[1024];
    unsigned long free_after_map;

    (void)state;
    alloc_frames(data, 1024);
    aspace_pin(as);
    mmu_map_range(as, VA, data, 1024, _PAGE_RW);
    free_after_map = harness_frames_free();
    model_reset_counters();
    assert_int_equal(mmu_unmap_range(as, VA, 1024), 0);
    assert_int_equal(traps(), 1);
    assert_int_equal(model_counters()->mmu_update_reqs, 1 + 3);   /* 1 unhook, 3 flips back */
    assert_int_equal(harness_frames_free(), free_after_map + 3);  /* the L2 and its 2 L1s */
    assert_unmapped(as, VA);
    assert_int_equal(mmu_map(as, VA, data[0], _PAGE_RW), 0);      /* and the space grows again */
    assert_maps(as, VA, data[0], true);
    assert_model_invariants();
}

static void test_unmapping_part_of_a_table_clears_just_those_entries(void **state)
{
    struct aspace *as = aspace_create();
    pfn_t data[8];

    (void)state;
    alloc_frames(data, 8);
    mmu_map_range(as, VA, data, 8, _PAGE_RW);
    aspace_pin(as);
    assert_int_equal(mmu_unmap_range(as, VA + 2 * PAGE_SIZE, 3), 0);
    assert_maps(as, VA + PAGE_SIZE, data[1], true);
    assert_unmapped(as, VA + 2 * PAGE_SIZE);
    assert_unmapped(as, VA + 4 * PAGE_SIZE);
    assert_maps(as, VA + 5 * PAGE_SIZE, data[5], true);
}

static void test_a_fork_translates_like_its_parent_then_diverges(void **state)
{
    struct aspace *parent = aspace_create(), *child;
    pfn_t data[8], mine;
    unsigned i;

    (void)state;
    alloc_frames(data, 8);
    mine = frame_alloc();
    mmu_map_range(parent, VA, data, 8, _PAGE_RW);
    aspace_pin(parent);
    child = aspace_fork(parent);
    assert_non_null(child);
    assert_int_equal(aspace_pin(child), 0);
    for (i = 0; i < 8; i++)
        assert_maps(child, VA + i * PAGE_SIZE, data[i], true);
    assert_int_equal(mmu_map(child, VA, mine, _PAGE_RW), 0);
    assert_maps(child, VA, mine, true);
    assert_maps(parent, VA, data[0], true);
    assert_model_invariants();
}

static void test_switching_loads_both_roots_in_one_trap(void **state)
{
    struct aspace *as = aspace_create();

    (void)state;
    aspace_pin(as);
    model_reset_counters();
    assert_int_equal(aspace_switch(as), 0);
    assert_int_equal(traps(), 1);
    assert_int_equal(mfn_x(model_kernel_base()), mfn_x(mfn_of(as->root)));
    assert_int_equal(mfn_x(model_user_base()), mfn_x(mfn_of(as->user_root)));
    assert_ptr_equal(aspace_current(), as);
}

static void test_switching_to_an_unpinned_space_pins_it_in_the_same_trap(void **state)
{
    struct aspace *as = aspace_create();

    (void)state;
    model_reset_counters();
    assert_int_equal(aspace_switch(as), 0);
    assert_int_equal(traps(), 1);
    assert_true(as->pinned);
}

/*
 * A switch whose batch fails leaves the CPU where it was, and pvmmu must think
 * so too: it used to name the new space current anyway, and then let the space
 * really loaded be unpinned (found by the hypercalls fuzzer).
 */
static void test_a_switch_whose_batch_fails_leaves_the_old_space_current(void **state)
{
    struct aspace *from = aspace_create(), *to = aspace_create();

    (void)state;
    assert_int_equal(aspace_switch(from), 0);
    model_fail_multicall_entry(1, -XEN_ENOMEM);          /* the pin of `to`, first in the batch */
    assert_int_not_equal(aspace_switch(to), 0);
    assert_error_seen("address space 1 is loaded again");
    assert_ptr_equal(aspace_current(), from);
    assert_int_equal(mfn_x(model_kernel_base()), mfn_x(mfn_of(from->root)));
    assert_int_equal(mfn_x(model_user_base()), mfn_x(mfn_of(from->user_root)));
    assert_int_equal(aspace_unpin(from), -XEN_EINVAL);   /* it is loaded: refused, as it should be */
    assert_model_invariants();
    pvmmu_clear_errors();
    assert_int_equal(aspace_switch(to), 0);              /* and the switch goes through next time */
    assert_ptr_equal(aspace_current(), to);
}

/*
 * x86 caches nothing for a non-present entry, so filling empty entries of the
 * loaded space needs no TLB flush (each demand fault carried one, Xen work for
 * nothing: found in bench-xen's trace); replacing a present one still does, or
 * the old translation would stay usable.
 */
static void test_only_a_remap_of_the_loaded_space_flushes_the_tlb(void **state)
{
    struct aspace *as = aspace_create();
    pfn_t a = frame_alloc(), b = frame_alloc();

    (void)state;
    assert_int_equal(aspace_switch(as), 0);
    model_reset_counters();
    assert_int_equal(mmu_map(as, VA, a, _PAGE_RW | _PAGE_USER), 0);
    assert_int_equal(model_counters()->tlb_flushes, 0);     /* filled an empty entry: nothing to flush */
    assert_int_equal(model_touch(mfn_of(as->root), VA, true), MODEL_TOUCH_OK);   /* now it is cached */
    assert_int_equal(mmu_map(as, VA, b, _PAGE_RW | _PAGE_USER), 0);
    assert_int_equal(model_counters()->invlpgs, 1);         /* a remap: the old frame must go (one page: INVLPG) */
    assert_int_equal(model_counters()->tlb_flushes, 0);
    assert_int_equal(model_tlb_stale(NULL, 0), 0);
}

static void test_xen_slots_and_the_kernel_half_cannot_be_set(void **state)
{
    struct aspace *as = aspace_create();

    (void)state;
    assert_int_equal(set_pgd(as, table_entry(as->root, 260), PTE_NONE), -XEN_EPERM);
    assert_error_contains("Xen's");
    assert_int_equal(set_pgd(as, table_entry(as->root, 300), PTE_NONE), -XEN_EPERM);
    assert_error_contains("the kernel's, shared by every space");
}

static void test_a_root_slot_written_with_a_lower_level_function_is_refused(void **state)
{
    struct aspace *as = aspace_create();

    (void)state;
    mmu_map(as, VA, frame_alloc(), _PAGE_RW);
    assert_int_equal(set_pte(as, table_entry(as->root, pt_index(VA, 4)), PTE_NONE), -XEN_EINVAL);
    assert_error_contains("use set_pgd");
    assert_true(mpte_present(*table_entry(as->user_root, pt_index(VA, 4))));
}

static void test_superpages_are_refused(void **state)
{
    struct aspace *as = aspace_create();
    pfn_t data = frame_alloc();

    (void)state;
    mmu_map(as, VA, data, _PAGE_RW);
    assert_int_equal(set_pmd(as, entry_slot(as, VA, 2), pte_make(data, _PAGE_PRESENT | _PAGE_PSE)),
                     -XEN_EINVAL);
    assert_error_contains("superpage");
}

static void test_update_va_mapping_changes_the_current_space_in_one_trap(void **state)
{
    struct aspace *as = aspace_create();
    pfn_t data[2];

    (void)state;
    alloc_frames(data, 2);
    mmu_map(as, VA, data[0], _PAGE_RW);
    aspace_switch(as);
    model_reset_counters();
    assert_int_equal(mmu_update_va_mapping(VA, pte_make(data[1], _PAGE_PRESENT), UVMF_INVLPG), 0);
    assert_int_equal(traps(), 1);
    assert_maps(as, VA, data[1], false);
}

static void test_ranges_outside_the_user_half_are_refused(void **state)
{
    struct aspace *as = aspace_create();
    pfn_t data = frame_alloc();

    (void)state;
    assert_int_equal(mmu_map(as, 0xffff900000000000ULL, data, _PAGE_RW), -XEN_EINVAL);
    assert_error_contains("own L4 slots");
    assert_int_equal(mmu_map(as, VA + 1, data, _PAGE_RW), -XEN_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_guest, teardown_guest)
        T(test_pte_conversion_round_trips_pfn_and_mfn),
        T(test_a_non_present_entry_keeps_its_frame_inverted_l1tf_safe),
        T(test_a_pfn_without_a_machine_frame_is_refused_by_name),
        T(test_mapping_into_an_unpinned_space_is_plain_stores),
        T(test_mapping_a_range_into_a_pinned_space_costs_one_trap),
        T(test_updates_to_existing_tables_of_a_pinned_space_are_batched),
        T(test_protection_changes_keep_accessed_and_dirty),
        T(test_no_access_keeps_the_frame_for_later),
        T(test_unmapping_whole_tables_unhooks_them_and_frees_them),
        T(test_a_range_holding_all_of_an_l2_unhooks_the_l2),
        T(test_unmapping_part_of_a_table_clears_just_those_entries),
        T(test_a_fork_translates_like_its_parent_then_diverges),
        T(test_switching_loads_both_roots_in_one_trap),
        T(test_switching_to_an_unpinned_space_pins_it_in_the_same_trap),
        T(test_a_switch_whose_batch_fails_leaves_the_old_space_current),
        T(test_only_a_remap_of_the_loaded_space_flushes_the_tlb),
        T(test_xen_slots_and_the_kernel_half_cannot_be_set),
        T(test_a_root_slot_written_with_a_lower_level_function_is_refused),
        T(test_superpages_are_refused),
        T(test_update_va_mapping_changes_the_current_space_in_one_trap),
        T(test_ranges_outside_the_user_half_are_refused),
    };
    return cmocka_run_group_tests_name("mmu", tests, NULL, NULL);
}

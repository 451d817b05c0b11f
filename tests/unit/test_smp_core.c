/*
 * The core's shootdowns on several vcpus: a change to an address space is
 * flushed from exactly the vcpus that have it loaded (aspace.loaded_on), with
 * a local flush when that is this vcpu alone and none when it is nobody.
 *
 * Each vcpu has its own current space, batch and lazy depth in the core
 * (indexed by platform_vcpu_id(), which the harness answers with the vcpu a
 * test runs on); `loaded` is the test's own record of what each vcpu loaded,
 * checked against the core's.  Three vcpus, all on the kernel's space at first.
 */
#include "pvmmu_test.h"
#include "lib/spinlock.h"
#include <xen/pvmmu/shadow.h>

#define VCPUS 3
#define VA 0x0000100000000000ULL

static struct aspace *loaded[VCPUS];

static int smp_setup(void **state)
{
    (void)state;
    boot_guest(2048);
    harness_set_vcpus(VCPUS);
    for (unsigned v = 0; v < VCPUS; v++)
        loaded[v] = aspace_kernel();
    mmu_flush_stats_reset();
    return 0;
}

#define SMP_TEST(fn) cmocka_unit_test_setup_teardown(fn, smp_setup, teardown_guest)

static void run_on(unsigned vcpu)
{
    harness_on_vcpu(vcpu);
    assert_ptr_equal(aspace_current(), loaded[vcpu]);
}

static void switch_on(unsigned vcpu, struct aspace *as)
{
    run_on(vcpu);
    assert_int_equal(aspace_switch(as), 0);
    loaded[vcpu] = as;
}

/* A space with one page mapped RW at VA, loaded on the vcpus in `on` (a bitmap). */
static struct aspace *space_loaded_on(unsigned on)
{
    struct aspace *as = aspace_create();
    pfn_t page;

    assert_non_null(as);
    alloc_frames(&page, 1);
    assert_int_equal(mmu_map(as, VA, page, _PAGE_RW | _PAGE_USER), 0);
    for (unsigned v = 0; v < VCPUS; v++)
        if (on & (1u << v))
            switch_on(v, as);
    return as;
}

/* Every vcpu that has `as` loaded writes the page, so its TLB holds it writable. */
static void cache_on_every_vcpu_that_has_it(const struct aspace *as)
{
    for (unsigned v = 0; v < VCPUS; v++)
        if (loaded[v] == as)
            assert_int_equal(model_vcpu_touch(v, VA, true), MODEL_TOUCH_OK);
}

static void assert_no_stale_reads(void)
{
    char why[320];
    if (model_stale_reads(why, sizeof(why)))
        fail_msg("%s", why);
}

static void test_switching_records_which_vcpus_have_a_space_loaded(void **state)
{
    (void)state;
    struct aspace *a = space_loaded_on(1u << 0 | 1u << 2), *b = aspace_create();
    assert_int_equal(a->loaded_on, 1ul << 0 | 1ul << 2);
    switch_on(2, b);
    assert_int_equal(a->loaded_on, 1ul << 0);
    assert_int_equal(b->loaded_on, 1ul << 2);
    assert_int_equal(mfn_x(model_vcpu_kernel_base(2)), mfn_x(mfn_of(b->root)));
    switch_on(0, aspace_kernel());
    assert_int_equal(a->loaded_on, 0);
    assert_no_errors();
}

/*
 * The missed shootdown the SMP property test found: vcpu 0, on the kernel's
 * space, protects a page of a space vcpu 1 has loaded.  The core used to flush
 * only when the space was current on the calling vcpu, and then only locally.
 */
static void test_a_change_to_a_space_loaded_on_another_vcpu_is_shot_down_there(void **state)
{
    (void)state;
    struct aspace *as = space_loaded_on(1u << 1);
    cache_on_every_vcpu_that_has_it(as);
    model_reset_counters();

    run_on(0);
    assert_int_equal(mmu_protect_range(as, VA, 1, PROT_READ_ONLY), 0);
    assert_int_equal(model_vcpu_touch(1, VA, true), MODEL_TOUCH_READ_ONLY);
    assert_no_stale_reads();
    assert_int_equal(model_counters()->invlpg_vcpus, 1);      /* vcpu 1's TLB, nobody else's: one page */
    assert_int_equal(model_counters()->tlb_flush_vcpus, 0);
    assert_int_equal(mmu_flush_stats()->multi, 1);
    assert_no_errors();
}

static void test_a_space_loaded_on_two_vcpus_is_flushed_on_both_and_no_other(void **state)
{
    (void)state;
    struct aspace *as = space_loaded_on(1u << 0 | 1u << 1);
    cache_on_every_vcpu_that_has_it(as);
    model_reset_counters();

    run_on(0);
    assert_int_equal(mmu_unmap_range(as, VA, 1), 0);
    for (unsigned v = 0; v < 2; v++)
        assert_int_equal(model_vcpu_touch(v, VA, false), MODEL_TOUCH_NOT_MAPPED);
    assert_no_stale_reads();
    assert_int_equal(model_counters()->invlpg_vcpus, 2);
    assert_no_errors();
}

static void test_a_space_loaded_only_here_gets_a_local_flush(void **state)
{
    (void)state;
    struct aspace *as = space_loaded_on(1u << 2);
    cache_on_every_vcpu_that_has_it(as);
    model_reset_counters();

    run_on(2);
    assert_int_equal(mmu_protect_range(as, VA, 1, PROT_READ_ONLY), 0);
    assert_int_equal(model_vcpu_touch(2, VA, true), MODEL_TOUCH_READ_ONLY);
    assert_no_stale_reads();
    assert_int_equal(mmu_flush_stats()->local, 1);
    assert_int_equal(model_counters()->invlpg_vcpus, 1);
}

/* No vcpu has it loaded, so no TLB can hold its entries: no flush at all, counted. */
static void test_a_space_loaded_nowhere_costs_no_flush(void **state)
{
    (void)state;
    struct aspace *as = space_loaded_on(0);
    model_reset_counters();

    run_on(1);
    assert_int_equal(mmu_protect_range(as, VA, 1, PROT_READ_ONLY), 0);
    assert_int_equal(mmu_unmap_range(as, VA, 1), 0);
    assert_int_equal(model_counters()->tlb_flushes, 0);
    assert_int_equal(mmu_flush_stats()->avoided, 2);
    assert_no_errors();
}

/*
 * A switch whose batch fails leaves this vcpu where it was (switch_settled
 * loads the old roots again): the masks must say so too.
 */
static void test_a_failed_switch_leaves_the_vcpu_in_its_old_space(void **state)
{
    (void)state;
    struct aspace *old = space_loaded_on(1u << 1), *target = aspace_create();
    assert_int_equal(aspace_pin(target), 0);

    run_on(1);
    model_fail_hypercall(1, -XEN_ENOMEM);
    assert_int_equal(aspace_switch(target), -XEN_ENOMEM);
    assert_int_equal(target->loaded_on, 0);
    assert_int_equal(old->loaded_on, 1ul << 1);
    assert_true(aspace_current() == old);
    assert_int_equal(mfn_x(model_vcpu_kernel_base(1)), mfn_x(mfn_of(old->root)));
}

/* --- per-vcpu batches and lazy sections ------------------------------------------- */

/* The frame `as` maps at va, as the tables say. */
static uint64_t looked_up(const struct aspace *as, uint64_t va)
{
    pte_t e;
    assert_int_equal(mmu_lookup(as, va, &e), 0);
    return pfn_x(pte_pfn(e));
}

/* Two vcpus in lazy sections at once: each leave issues its own vcpu's updates, no other's. */
static void test_two_vcpus_batching_at_once_never_mix_entries(void **state)
{
    (void)state;
    struct aspace *a = space_loaded_on(0), *b = space_loaded_on(0);
    pfn_t pa, pb;
    alloc_frames(&pa, 1);
    alloc_frames(&pb, 1);
    assert_int_equal(aspace_pin(a), 0);
    assert_int_equal(aspace_pin(b), 0);

    run_on(0);
    lazy_mmu_enter();
    assert_int_equal(mmu_map(a, VA + PAGE_SIZE, pa, _PAGE_RW | _PAGE_USER), 0);
    run_on(1);
    assert_false(lazy_mmu_active());          /* vcpu 0's section is not vcpu 1's */
    assert_false(mc_pending());
    lazy_mmu_enter();
    lazy_mmu_enter();
    assert_int_equal(mmu_map(b, VA + PAGE_SIZE, pb, _PAGE_RW | _PAGE_USER), 0);
    run_on(0);
    assert_int_equal(lazy_mmu_depth(), 1);
    mc_stats_reset();
    assert_int_equal(lazy_mmu_leave(), 0);    /* issues a's update, and only a's */
    assert_int_equal(mc_stats()->traps, 1);
    assert_int_equal(mc_stats()->mmu_requests, 1);
    assert_int_equal(looked_up(a, VA + PAGE_SIZE), pfn_x(pa));

    run_on(1);
    assert_true(mc_pending());                /* b's update is still queued on vcpu 1 */
    assert_int_equal(lazy_mmu_depth(), 2);
    assert_int_equal(lazy_mmu_leave(), 0);
    assert_true(mc_pending());
    assert_int_equal(lazy_mmu_leave(), 0);
    assert_false(mc_pending());
    assert_int_equal(looked_up(b, VA + PAGE_SIZE), pfn_x(pb));
    assert_no_errors();
}

/* Each vcpu's current space is its own, from the switch it queued. */
static void test_each_vcpu_has_its_own_current_space(void **state)
{
    (void)state;
    struct aspace *a = space_loaded_on(1u << 1), *b = space_loaded_on(1u << 2);
    harness_on_vcpu(0);
    assert_ptr_equal(aspace_current(), aspace_kernel());
    harness_on_vcpu(1);
    assert_ptr_equal(aspace_current(), a);
    harness_on_vcpu(2);
    assert_ptr_equal(aspace_current(), b);
    assert_int_equal(mfn_x(model_vcpu_kernel_base(1)), mfn_x(mfn_of(a->root)));
    assert_int_equal(mfn_x(model_vcpu_kernel_base(2)), mfn_x(mfn_of(b->root)));
    assert_no_errors();
}

/*
 * A vcpu that has queued a switch away still has the old root loaded until the
 * batch is issued: its bit stays in the old space's mask until then (and is in
 * the new one's from the queueing on).
 */
static void test_a_switch_away_clears_the_old_mask_only_once_issued(void **state)
{
    (void)state;
    struct aspace *a = space_loaded_on(1u << 1), *b = aspace_create();
    assert_int_equal(aspace_pin(b), 0);

    run_on(1);
    lazy_mmu_enter();
    assert_int_equal(aspace_switch(b), 0);
    loaded[1] = b;
    assert_int_equal(a->loaded_on, 1ul << 1);   /* still loaded there: the batch is queued */
    assert_int_equal(b->loaded_on, 1ul << 1);
    assert_int_equal(mfn_x(model_vcpu_kernel_base(1)), mfn_x(mfn_of(a->root)));
    assert_int_equal(lazy_mmu_leave(), 0);
    assert_int_equal(a->loaded_on, 0);
    assert_int_equal(b->loaded_on, 1ul << 1);
    assert_no_errors();
}

/* Secondary vcpus come up on the kernel's space (aspace_vcpu_up): its mask names them all. */
static void test_secondary_vcpus_are_in_the_kernel_spaces_mask(void **state)
{
    (void)state;
    assert_int_equal(aspace_kernel()->loaded_on, 0x7ul);
    harness_set_vcpus(2);
    assert_int_equal(aspace_kernel()->loaded_on, 0x3ul);
    harness_on_vcpu(1);
    assert_int_equal(aspace_vcpu_up(), -XEN_EINVAL);   /* up already: reported */
    assert_int_equal(pvmmu_error_count(), 1);
}

/* --- the flush mask, read when the batch is issued ------------------------------------------ */

/*
 * vcpu 0 unmaps a page of a space loaded nowhere, in a lazy section; before
 * the batch goes out vcpu 1 loads the space and caches the page (from the old
 * tables: the update is still queued).  Deciding at queueing time would send no
 * flush; at issue, the mask names vcpu 1 and the shootdown reaches it.
 */
static void test_a_vcpu_that_loads_the_space_between_queueing_and_issue_is_flushed(void **state)
{
    (void)state;
    struct aspace *as = space_loaded_on(0);
    assert_int_equal(aspace_pin(as), 0);

    run_on(0);
    lazy_mmu_enter();
    assert_int_equal(mmu_unmap_range(as, VA, 1), 0);
    switch_on(1, as);
    assert_int_equal(model_vcpu_touch(1, VA, true), MODEL_TOUCH_OK);   /* cached, old tables */
    run_on(0);
    mmu_flush_stats_reset();
    model_reset_counters();
    assert_int_equal(lazy_mmu_leave(), 0);
    assert_int_equal(model_vcpu_touch(1, VA, false), MODEL_TOUCH_NOT_MAPPED);
    assert_no_stale_reads();
    assert_int_equal(mmu_flush_stats()->multi, 1);
    assert_int_equal(mmu_flush_stats()->avoided, 0);
    assert_int_equal(model_counters()->invlpg_vcpus, 1);
    assert_no_errors();
}

/* The other way: the only vcpu that had it switches away before the issue; no flush is sent. */
static void test_a_mask_that_empties_before_issue_costs_no_flush(void **state)
{
    (void)state;
    struct aspace *as = space_loaded_on(1u << 1);

    run_on(0);
    lazy_mmu_enter();
    assert_int_equal(mmu_protect_range(as, VA, 1, PROT_READ_ONLY), 0);
    switch_on(1, aspace_kernel());     /* issued on vcpu 1 (not lazy there) */
    assert_int_equal(as->loaded_on, 0);
    run_on(0);
    model_reset_counters();
    assert_int_equal(lazy_mmu_leave(), 0);
    assert_int_equal(model_counters()->tlb_flushes + model_counters()->invlpgs, 0);
    assert_int_equal(mmu_flush_stats()->avoided, 1);
    assert_no_errors();
}

/*
 * The window after the read: vcpu 1 loads the space and caches the page while
 * vcpu 0's trap is on its way (the mask was read empty, the update not yet
 * applied).  Its bit is set before it could cache anything, so the batch, reading
 * the mask again once the trap returns, flushes it: one late shootdown.
 */
static struct aspace *late_space;

static void vcpu1_loads_the_space_and_caches_the_page(void)
{
    switch_on(1, late_space);
    assert_int_equal(model_vcpu_touch(1, VA, true), MODEL_TOUCH_OK);
}

static void test_a_vcpu_that_loads_the_space_while_the_trap_is_on_its_way_is_flushed_late(void **state)
{
    (void)state;
    late_space = space_loaded_on(0);
    assert_int_equal(aspace_pin(late_space), 0);

    run_on(0);
    mmu_flush_stats_reset();
    model_on_next_trap(vcpu1_loads_the_space_and_caches_the_page);
    assert_int_equal(mmu_unmap_range(late_space, VA, 1), 0);
    assert_int_equal(model_vcpu_touch(1, VA, false), MODEL_TOUCH_NOT_MAPPED);
    assert_no_stale_reads();
    assert_int_equal(mmu_flush_stats()->avoided, 1);
    assert_int_equal(mmu_flush_stats()->late, 1);
    assert_no_errors();
}

/* update_va_mapping's own flush reaches every vcpu with the current space loaded (UVMF_MULTI), in one trap. */
static void test_update_va_mapping_flushes_the_vcpus_that_have_the_space_in_the_same_entry(void **state)
{
    (void)state;
    struct aspace *as = space_loaded_on(1u << 0 | 1u << 2);
    cache_on_every_vcpu_that_has_it(as);

    run_on(0);
    model_reset_counters();
    assert_int_equal(mmu_update_va_mapping(VA, PTE_NONE, UVMF_INVLPG | UVMF_LOCAL), 0);
    assert_int_equal(model_counters()->traps, 1);
    assert_int_equal(model_vcpu_touch(2, VA, false), MODEL_TOUCH_NOT_MAPPED);
    assert_no_stale_reads();
    assert_int_equal(model_counters()->invlpg_vcpus, 2);
    assert_no_errors();
}

/* --- letting go before an unpin or destroy (xen_drop_mm_ref) ------------------------------ */

/* After the space went: every vcpu that had it is on the kernel's space, in the core and in Xen. */
static void assert_on_kernel_space(unsigned vcpu)
{
    harness_on_vcpu(vcpu);
    assert_ptr_equal(aspace_current(), aspace_kernel());
    assert_int_equal(mfn_x(model_vcpu_kernel_base(vcpu)), mfn_x(mfn_of(aspace_kernel()->root)));
    loaded[vcpu] = aspace_kernel();
}

static void test_unpinning_a_space_loaded_on_other_vcpus_makes_them_let_go_first(void **state)
{
    (void)state;
    struct aspace *as = space_loaded_on(1u << 1 | 1u << 2);
    unsigned long targets = harness_call_function_targets();

    run_on(0);
    assert_int_equal(aspace_unpin(as), 0);
    assert_false(as->pinned);
    assert_int_equal(as->loaded_on, 0);
    assert_int_equal(harness_call_function_targets() - targets, 2);
    assert_int_equal(mmu_flush_stats()->drop_calls, 1);
    assert_int_equal(mmu_flush_stats()->drop_vcpus, 2);
    assert_on_kernel_space(1);
    assert_on_kernel_space(2);
    assert_model_invariants();
    assert_no_errors();
}

static void test_destroying_a_space_loaded_elsewhere_makes_it_let_go_first(void **state)
{
    (void)state;
    struct aspace *as = space_loaded_on(1u << 2);

    run_on(1);
    assert_int_equal(aspace_destroy(as), 0);
    assert_false(aspace_exists(as));
    assert_on_kernel_space(2);
    assert_model_invariants();
    assert_no_errors();
}

/* Loaded nowhere else: no one to ask. */
static void test_an_unpin_nobody_else_has_loaded_calls_no_one(void **state)
{
    (void)state;
    struct aspace *as = space_loaded_on(0);
    assert_int_equal(aspace_pin(as), 0);
    unsigned long targets = harness_call_function_targets();

    run_on(2);
    assert_int_equal(aspace_unpin(as), 0);
    assert_int_equal(harness_call_function_targets(), targets);
    assert_int_equal(mmu_flush_stats()->drop_calls, 0);
    assert_no_errors();
}

/*
 * The race, switch second: vcpu 2 switches to the space while vcpu 0's unpin
 * is asking vcpu 1 to let go.  The space is marked dropping under its lock
 * before anyone is asked, so the switch is refused; the unpin completes.
 */
static struct aspace *racing_space;
static int racing_switch_rc;

static void vcpu2_switches_to_the_racing_space(void)
{
    harness_on_vcpu(2);
    racing_switch_rc = aspace_switch(racing_space);
}

static void test_a_switch_racing_an_unpin_after_it_began_is_refused(void **state)
{
    (void)state;
    racing_space = space_loaded_on(1u << 1);

    run_on(0);
    harness_during_next_call_function(vcpu2_switches_to_the_racing_space);
    assert_int_equal(aspace_unpin(racing_space), 0);
    assert_int_equal(racing_switch_rc, -XEN_EBUSY);
    assert_error_contains("aspace_switch to address space");
    assert_false(racing_space->pinned);
    assert_on_kernel_space(1);
    assert_on_kernel_space(2);
    assert_model_invariants();
}

/*
 * The race, switch first: vcpu 2 queued a switch to the space in a lazy section
 * (its bit is set, its batch not issued) when vcpu 0 destroys it.  vcpu 2 is
 * asked like the others: its batch goes out with the switch to the kernel's
 * space after it, and it stays in its lazy section.
 */
static void test_a_switch_queued_before_a_destroy_is_let_go_of_too(void **state)
{
    (void)state;
    struct aspace *as = space_loaded_on(0);
    assert_int_equal(aspace_pin(as), 0);

    run_on(2);
    lazy_mmu_enter();
    assert_int_equal(aspace_switch(as), 0);
    assert_true(mc_pending());
    run_on(0);
    assert_int_equal(aspace_destroy(as), 0);
    assert_false(aspace_exists(as));
    assert_on_kernel_space(2);
    assert_false(mc_pending());
    assert_int_equal(lazy_mmu_depth(), 1);
    assert_int_equal(lazy_mmu_leave(), 0);
    assert_model_invariants();
    assert_no_errors();
}

/* --- locks ------------------------------------------------------------------------------ */

/* The order of docs/smp-locks.md is checked on every acquisition: a lower rank after a higher one is reported. */
static void test_taking_locks_out_of_order_is_reported(void **state)
{
    (void)state;
    struct aspace *a = space_loaded_on(0), *b = space_loaded_on(0);

    aspace_lock(a);
    registry_lock();                 /* in order: a space's, then the registry's */
    registry_unlock();
    aspace_unlock(a);
    assert_no_errors();

    registry_lock();
    aspace_lock(a);                  /* the other way round */
    aspace_unlock(a);
    registry_unlock();
    assert_error_contains("lock order: vCPU 0 takes an address space's lock while it holds the registry's lock");

    pvmmu_clear_errors();
    aspace_lock(a);
    aspace_lock(b);                  /* two spaces' locks never nest */
    aspace_unlock(b);
    aspace_unlock(a);
    assert_error_contains("takes an address space's lock while it holds an address space's lock");
    assert_false(spin_holding_any());
}

/* pin_all walks every space without their locks: it runs only with the other vcpus parked. */
static void test_pin_all_needs_the_other_vcpus_parked(void **state)
{
    (void)state;
    struct aspace *as = space_loaded_on(0);

    assert_int_equal(pin_all(), -XEN_EBUSY);
    assert_error_contains("other vCPUs run pvmmu (mask 0x6)");
    assert_false(as->pinned);
    pvmmu_clear_errors();
    harness_set_vcpus(1);            /* vcpus 1 and 2 go down (aspace_vcpu_down) */
    assert_int_equal(pin_all(), 0);
    assert_true(as->pinned);
    assert_int_equal(unpin_all(), 0);
    assert_no_errors();
}

/* Shadow paging keeps one set of caches, unlocked: vcpu 0 only. */
static void test_shadow_paging_refuses_other_vcpus(void **state)
{
    (void)state;
    run_on(1);
    assert_int_equal(shadow_init(&shadow_default_config), -XEN_EINVAL);
    assert_error_contains("shadow_init on vCPU 1: shadow paging is single-vCPU");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        SMP_TEST(test_switching_records_which_vcpus_have_a_space_loaded),
        SMP_TEST(test_a_change_to_a_space_loaded_on_another_vcpu_is_shot_down_there),
        SMP_TEST(test_a_space_loaded_on_two_vcpus_is_flushed_on_both_and_no_other),
        SMP_TEST(test_a_space_loaded_only_here_gets_a_local_flush),
        SMP_TEST(test_a_space_loaded_nowhere_costs_no_flush),
        SMP_TEST(test_a_failed_switch_leaves_the_vcpu_in_its_old_space),
        SMP_TEST(test_two_vcpus_batching_at_once_never_mix_entries),
        SMP_TEST(test_each_vcpu_has_its_own_current_space),
        SMP_TEST(test_a_switch_away_clears_the_old_mask_only_once_issued),
        SMP_TEST(test_secondary_vcpus_are_in_the_kernel_spaces_mask),
        SMP_TEST(test_a_vcpu_that_loads_the_space_between_queueing_and_issue_is_flushed),
        SMP_TEST(test_a_mask_that_empties_before_issue_costs_no_flush),
        SMP_TEST(test_a_vcpu_that_loads_the_space_while_the_trap_is_on_its_way_is_flushed_late),
        SMP_TEST(test_update_va_mapping_flushes_the_vcpus_that_have_the_space_in_the_same_entry),
        SMP_TEST(test_unpinning_a_space_loaded_on_other_vcpus_makes_them_let_go_first),
        SMP_TEST(test_destroying_a_space_loaded_elsewhere_makes_it_let_go_first),
        SMP_TEST(test_an_unpin_nobody_else_has_loaded_calls_no_one),
        SMP_TEST(test_a_switch_racing_an_unpin_after_it_began_is_refused),
        SMP_TEST(test_a_switch_queued_before_a_destroy_is_let_go_of_too),
        SMP_TEST(test_taking_locks_out_of_order_is_reported),
        SMP_TEST(test_pin_all_needs_the_other_vcpus_parked),
        SMP_TEST(test_shadow_paging_refuses_other_vcpus),
    };
    return cmocka_run_group_tests_name("smp_core", tests, NULL, NULL);
}

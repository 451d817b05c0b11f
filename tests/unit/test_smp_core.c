/*
 * The core's shootdowns on several vcpus: a change to an address space is
 * flushed from exactly the vcpus that have it loaded (aspace.loaded_on), with
 * a local flush when that is this vcpu alone and none when it is nobody.
 *
 * The core keeps one "current" space; these tests keep one per vcpu and hand
 * the running vcpu's to the core before each call (registry_set_current), as
 * a per-vcpu current will.  Three vcpus, all on the kernel's space at first.
 */
#include "pvmmu_test.h"

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
    registry_set_current(loaded[vcpu]);
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
    assert_int_equal(model_counters()->tlb_flush_vcpus, 1);   /* vcpu 1's TLB, nobody else's */
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
    assert_int_equal(model_counters()->tlb_flush_vcpus, 2);
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
    assert_int_equal(model_counters()->tlb_flush_vcpus, 1);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        SMP_TEST(test_switching_records_which_vcpus_have_a_space_loaded),
        SMP_TEST(test_a_change_to_a_space_loaded_on_another_vcpu_is_shot_down_there),
        SMP_TEST(test_a_space_loaded_on_two_vcpus_is_flushed_on_both_and_no_other),
        SMP_TEST(test_a_space_loaded_only_here_gets_a_local_flush),
        SMP_TEST(test_a_space_loaded_nowhere_costs_no_flush),
        SMP_TEST(test_a_failed_switch_leaves_the_vcpu_in_its_old_space),
    };
    return cmocka_run_group_tests_name("smp_core", tests, NULL, NULL);
}

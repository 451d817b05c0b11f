/*
 * The address-space layout (include/xen/pvmmu/layout.h): the embedder says which
 * L4 slots its kernel owns and whether a space has a user-mode root, and every
 * operation on a space follows that.  The default is pvmmu's own kernel (Linux's
 * layout); the other case tested is Mini-OS's: the kernel at virtual 0 in slot 0,
 * one root, so a space owns slots 1..255 and 272..511.
 */
#include "pvmmu_test.h"
#include <xen/pvmmu/shadow.h>

static const struct pvmmu_layout mini_os = { .kernel_first_slot = 0, .kernel_last_slot = 0, .user_root = false };

/* The first byte L4 slot `slot` translates (canonical). */
static uint64_t slot_va(unsigned slot)
{
    return va_canonical((uint64_t)slot << 39);
}

static const unsigned harness_kernel_slot = 272;   /* where the harness's kernel has its direct map */

static int setup_mini_os(void **state)
{
    (void)state;
    boot_guest_laid_out(TEST_PAGES, &mini_os);
    return 0;
}

static void assert_translates(mfn_t l4, uint64_t va, pfn_t pfn)
{
    struct model_xlat x;

    if (!model_translate(l4, va, &x))
        fail_msg("va 0x%llx is not mapped", (unsigned long long)va);
    assert_int_equal(mfn_x(x.mfn), mfn_x(mfn_of(pfn)));
}

/* A one-root space with a page mapped in a low slot (1) and one in a high slot (300). */
static struct aspace *space_in_two_halves(pfn_t data[2])
{
    struct aspace *as = aspace_create();

    assert_non_null(as);
    data[0] = frame_alloc();
    data[1] = frame_alloc();
    assert_int_equal(mmu_map(as, slot_va(1), data[0], _PAGE_RW), 0);
    assert_int_equal(mmu_map(as, slot_va(300) + 5 * PAGE_SIZE, data[1], _PAGE_RW), 0);
    return as;
}

/* --- the default ----------------------------------------------------------------- */

static void test_by_default_the_kernel_owns_slots_272_to_511_and_a_space_has_a_user_root(void **state)
{
    struct pvmmu_layout l = layout_get();
    struct aspace *as = aspace_create();

    (void)state;
    assert_int_equal(l.kernel_first_slot, 272);
    assert_int_equal(l.kernel_last_slot, 511);
    assert_true(l.user_root);
    assert_true(layout_slot_is_space(0) && layout_slot_is_space(255));
    assert_false(layout_slot_is_space(256) || layout_slot_is_space(271));
    assert_false(layout_slot_is_space(272) || layout_slot_is_space(511) || layout_slot_is_space(512));
    assert_false(pfn_eq(as->user_root, as->root));
    assert_int_equal(table_entry(as->root, harness_kernel_slot)->v,
                     table_entry(harness_kernel_l4(), harness_kernel_slot)->v);
    assert_true(layout_va_range_in_space(slot_va(255), 512));
    assert_false(layout_va_range_in_space(slot_va(300), 1));
}

/* --- describing it --------------------------------------------------------------- */

static void test_a_layout_that_is_not_one_is_refused_by_name_and_changes_nothing(void **state)
{
    static const struct {
        struct pvmmu_layout l;
        const char *why;
    } bad[] = {
        { { 5, 4, true }, "first slot is after its last" },
        { { 300, 512, true }, "past slot 511" },
        { { 250, 260, false }, "overlap Xen's" },
        { { 256, 256, false }, "overlap Xen's" },
        { { 271, 300, true }, "overlap Xen's" },
    };
    unsigned i;

    (void)state;
    mmu_forget_state();     /* before the kernel's tables are adopted, as at boot */
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        pvmmu_clear_errors();
        assert_int_equal(layout_init(&bad[i].l), -XEN_EINVAL);
        assert_error_contains(bad[i].why);
        assert_int_equal(layout_get().kernel_first_slot, 272);
        assert_true(layout_get().user_root);
    }
}

static void test_the_layout_is_fixed_once_the_kernels_tables_are_adopted(void **state)
{
    (void)state;
    assert_int_equal(layout_init(&mini_os), -XEN_EBUSY);
    assert_error_contains("fixed");
    assert_int_equal(layout_get().kernel_first_slot, 272);
}

/* --- one root, the kernel at virtual 0 ---------------------------------------------- */

static void test_a_one_root_space_is_one_frame_and_gets_only_the_kernels_slots(void **state)
{
    unsigned long allocs;
    struct aspace *as;

    (void)state;
    assert_non_null(aspace_create());   /* the first also allocates the table-owner map's frames */
    allocs = harness_frame_allocs();
    as = aspace_create();
    assert_non_null(as);
    assert_int_equal(harness_frame_allocs() - allocs, 1);
    assert_true(pfn_eq(as->user_root, as->root));
    assert_true(pfn_eq(aspace_root(as), as->root));
    /* the harness's direct-map slot is a space slot now: not copied */
    assert_true(mpte_present(*table_entry(harness_kernel_l4(), harness_kernel_slot)));
    assert_false(mpte_present(*table_entry(as->root, harness_kernel_slot)));
    assert_true(layout_slot_is_space(1) && layout_slot_is_space(255) && layout_slot_is_space(272));
    assert_false(layout_slot_is_space(0) || layout_slot_is_space(256));
}

static void test_a_one_root_space_maps_in_both_halves_and_refuses_the_kernels_slot(void **state)
{
    pfn_t data[2];
    struct aspace *as = space_in_two_halves(data);

    (void)state;
    assert_translates(mfn_of(as->root), slot_va(1), data[0]);
    assert_translates(mfn_of(as->root), slot_va(300) + 5 * PAGE_SIZE, data[1]);
    assert_int_equal(mmu_map(as, slot_va(0) + PAGE_SIZE, data[0], _PAGE_RW), -XEN_EINVAL);
    assert_error_contains("own L4 slots");
    assert_int_equal(mmu_map(as, slot_va(256), data[0], _PAGE_RW), -XEN_EINVAL);
    /* the last page of the lower half and the next one, which is no address at all */
    assert_int_equal(mmu_map_range(as, slot_va(256) - PAGE_SIZE, data, 2, _PAGE_RW), -XEN_EINVAL);
    assert_int_equal(mmu_map_range(as, slot_va(300) - PAGE_SIZE, data, 2, _PAGE_RW), 0);
    assert_int_equal(set_pgd(as, table_entry(as->root, 0), PTE_NONE), -XEN_EPERM);
    assert_error_contains("the kernel's");
}

static void test_a_one_root_space_pins_switches_and_dies_with_one_root(void **state)
{
    unsigned long free_before = harness_frames_free();
    pfn_t data[2];
    struct aspace *as = space_in_two_halves(data);
    unsigned long pins;

    (void)state;
    pins = model_counters()->pins;
    assert_int_equal(aspace_pin(as), 0);
    assert_int_equal(model_counters()->pins - pins, 1);
    assert_true(aspace_is_pinned(as));
    assert_true(model_frame_pinned(mfn_of(as->root)));
    assert_int_equal(aspace_switch(as), 0);
    assert_int_equal(mfn_x(model_kernel_base()), mfn_x(mfn_of(as->root)));
    assert_int_equal(mfn_x(model_user_base()), mfn_x(INVALID_MFN));
    assert_int_equal(model_touch(model_kernel_base(), slot_va(1), true), MODEL_TOUCH_OK);
    assert_int_equal(model_touch(model_kernel_base(), slot_va(300) + 5 * PAGE_SIZE, true), MODEL_TOUCH_OK);
    /* pinned: the tables in the high slot are read-only to the guest too */
    assert_int_equal(mmu_protect_range(as, slot_va(300) + 5 * PAGE_SIZE, 1, PROT_READ_ONLY), 0);
    assert_int_equal(model_touch(model_kernel_base(), slot_va(300) + 5 * PAGE_SIZE, true), MODEL_TOUCH_READ_ONLY);
    assert_int_equal(aspace_switch(aspace_kernel()), 0);
    assert_int_equal(aspace_destroy(as), 0);
    assert_false(model_frame_pinned(mfn_of(data[0])));
    frame_free(data[0]);
    frame_free(data[1]);
    assert_int_equal(harness_frames_free(), free_before);
    assert_int_equal(pvmmu_error_count(), 0);
}

static void test_a_fork_under_one_root_copies_the_spaces_slots_and_the_kernels_link(void **state)
{
    pfn_t data[2];
    struct aspace *parent = space_in_two_halves(data);
    struct aspace *child = aspace_fork(parent);

    (void)state;
    assert_non_null(child);
    assert_true(pfn_eq(child->user_root, child->root));
    assert_translates(mfn_of(child->root), slot_va(1), data[0]);
    assert_translates(mfn_of(child->root), slot_va(300) + 5 * PAGE_SIZE, data[1]);
    assert_int_equal(table_entry(child->root, 0)->v, table_entry(harness_kernel_l4(), 0)->v);
    /* its own tables, not the parent's */
    assert_int_not_equal(table_entry(child->root, 300)->v, table_entry(parent->root, 300)->v);
    assert_int_equal(pin_all(), 0);
    assert_true(child->pinned && parent->pinned);
    assert_int_equal(unpin_all(), 0);
    assert_false(child->pinned || parent->pinned);
}

static void test_the_shadow_backend_refuses_a_layout_it_does_not_know(void **state)
{
    struct shadow_config cfg = shadow_default_config;

    (void)state;
    cfg.guest_pfns = TEST_PAGES;
    assert_int_equal(shadow_init(&cfg), -XEN_EINVAL);
    assert_error_contains("only the default layout");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_guest, teardown_guest)
#define M(fn) cmocka_unit_test_setup_teardown(fn, setup_mini_os, teardown_guest)
        T(test_by_default_the_kernel_owns_slots_272_to_511_and_a_space_has_a_user_root),
        T(test_a_layout_that_is_not_one_is_refused_by_name_and_changes_nothing),
        T(test_the_layout_is_fixed_once_the_kernels_tables_are_adopted),
        M(test_a_one_root_space_is_one_frame_and_gets_only_the_kernels_slots),
        M(test_a_one_root_space_maps_in_both_halves_and_refuses_the_kernels_slot),
        M(test_a_one_root_space_pins_switches_and_dies_with_one_root),
        M(test_a_fork_under_one_root_copies_the_spaces_slots_and_the_kernels_link),
        M(test_the_shadow_backend_refuses_a_layout_it_does_not_know),
#undef T
#undef M
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

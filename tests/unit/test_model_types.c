/*
 * The model's type rules, as Xen's _get_page_type / _put_page_type and
 * promote/demote_lN_table (xen/arch/x86/mm.c) state them:
 *   - a frame holds one type at a time, counted by the references needing it;
 *   - taking a table type from zero validates the frame, recursively;
 *   - dropping the count to zero devalidates and releases what validation took;
 *   - a refused validation leaves every frame as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/pte.h>

#include "tests/harness/harness_cmocka.h"

#define P _PAGE_PRESENT
#define RW _PAGE_RW

static uint64_t ent(mfn_t target, uint64_t flags)
{
    return mfn_to_maddr(target) | flags;
}

/* L4 -> L3 -> L2 -> L1 -> data, each in slot 0, none typed yet. */
struct tree {
    mfn_t l4, l3, l2, l1, data;
};

static struct tree scratch_tree(void)
{
    struct tree t = { harness_table_frame(), harness_table_frame(), harness_table_frame(),
                      harness_table_frame(), harness_data_frame() };
    harness_entries(t.l4)[0] = ent(t.l3, P | RW);
    harness_entries(t.l3)[0] = ent(t.l2, P | RW);
    harness_entries(t.l2)[0] = ent(t.l1, P | RW);
    harness_entries(t.l1)[0] = ent(t.data, P | RW);
    return t;
}

static void test_pin_l1_validates_it_and_takes_a_writable_type_per_rw_entry(void **state)
{
    (void)state;
    mfn_t l1 = harness_table_frame(), rw = harness_data_frame(), ro = harness_data_frame();
    harness_entries(l1)[0] = ent(rw, P | RW);
    harness_entries(l1)[1] = ent(ro, P);
    /* The direct map already holds one writable reference on every data frame. */
    assert_int_equal(model_frame_type_count(rw), 1);
    model_reset_counters();

    assert_int_equal(harness_pin(1, l1), 0);
    assert_int_equal(model_frame_type(l1), MODEL_TYPE_L1);
    assert_true(model_frame_validated(l1));
    assert_true(model_frame_pinned(l1));
    assert_int_equal(model_frame_type_count(rw), 2);
    assert_int_equal(model_frame_type_count(ro), 1);   /* read-only mappings take no type */
    assert_int_equal(model_counters()->validations, 1);
    assert_int_equal(model_counters()->pins, 1);
    assert_model_invariants();
}

/* get_page_from_l1e: get_page_type(PGT_writable_page) fails -> could_not_pin, -EBUSY. */
static void test_l1_validation_refuses_writable_alias_of_table_frame(void **state)
{
    (void)state;
    mfn_t table = harness_table_frame(), l1 = harness_table_frame();
    assert_int_equal(harness_pin(1, table), 0);
    harness_entries(l1)[7] = ent(table, P | RW);

    assert_int_equal(harness_pin(1, l1), -XEN_EBUSY);
    assert_refused_by("writable alias");
    assert_int_equal(model_frame_type(l1), MODEL_TYPE_NONE);
    assert_false(model_frame_pinned(l1));

    /* A read-only mapping of the same table is what Xen wants. */
    harness_entries(l1)[7] = ent(table, P);
    assert_int_equal(harness_pin(1, l1), 0);
    assert_model_invariants();
}

/* _get_page_type: count > 0 and a different type asked for -> -EINVAL. */
static void test_table_type_is_refused_while_the_frame_has_a_writable_mapping(void **state)
{
    (void)state;
    mfn_t still_rw = harness_data_frame();   /* the direct map maps it RW */
    assert_int_equal(harness_pin(1, still_rw), -XEN_EINVAL);
    assert_refused_by("get_page_type");
    assert_int_equal(model_frame_type(still_rw), MODEL_TYPE_WRITABLE);
    assert_model_invariants();
}

/* mod_l1_entry -> get_page_from_l1e: making a pinned table's alias RW again fails. */
static void test_mmu_update_refuses_to_make_a_pinned_table_writable_again(void **state)
{
    (void)state;
    mfn_t table = harness_table_frame();
    assert_int_equal(harness_pin(1, table), 0);
    mmu_update_t rw = { direct_map_l1e_maddr(harness_mfn_to_pfn(table)),
                        ent(table, P | RW | _PAGE_ACCESSED) };
    assert_int_equal(hv_mmu_update(&rw, 1, NULL, DOMID_SELF), -XEN_EBUSY);
    assert_refused_by("writable alias");

    /* Once unpinned (count 0), the frame may become writable again. */
    assert_int_equal(harness_unpin(table), 0);
    assert_int_equal(hv_mmu_update(&rw, 1, NULL, DOMID_SELF), 0);
    assert_int_equal(model_frame_type(table), MODEL_TYPE_WRITABLE);
    assert_model_invariants();
}

static void test_unpin_devalidates_and_releases_what_validation_took(void **state)
{
    (void)state;
    mfn_t l1 = harness_table_frame(), rw = harness_data_frame();
    harness_entries(l1)[3] = ent(rw, P | RW);
    assert_int_equal(harness_pin(1, l1), 0);
    model_reset_counters();

    assert_int_equal(harness_unpin(l1), 0);
    assert_int_equal(model_frame_type(l1), MODEL_TYPE_NONE);
    assert_false(model_frame_validated(l1));
    assert_int_equal(model_frame_type_count(rw), 1);
    assert_int_equal(model_counters()->devalidations, 1);
    assert_int_equal(model_counters()->unpins, 1);
    assert_model_invariants();
}

static void test_pin_l4_validates_the_whole_tree_and_unpin_releases_it(void **state)
{
    (void)state;
    struct tree t = scratch_tree();
    model_reset_counters();

    assert_int_equal(harness_pin(4, t.l4), 0);
    assert_int_equal(model_frame_type(t.l4), MODEL_TYPE_L4);
    assert_int_equal(model_frame_type(t.l3), MODEL_TYPE_L3);
    assert_int_equal(model_frame_type(t.l2), MODEL_TYPE_L2);
    assert_int_equal(model_frame_type(t.l1), MODEL_TYPE_L1);
    assert_int_equal(model_frame_type_count(t.data), 2);
    assert_int_equal(model_counters()->validations, 4);
    assert_model_invariants();

    assert_int_equal(harness_unpin(t.l4), 0);
    assert_int_equal(model_counters()->devalidations, 4);
    assert_int_equal(model_frame_type(t.l1), MODEL_TYPE_NONE);
    assert_int_equal(model_frame_type_count(t.data), 1);
    assert_model_invariants();
}

static void test_a_refusal_deep_in_the_tree_leaves_every_frame_as_it_was(void **state)
{
    (void)state;
    struct tree t = scratch_tree();
    mfn_t bad_l1 = harness_table_frame();
    harness_entries(bad_l1)[9] = ent(harness_data_frame(), P | _PAGE_PCD);
    harness_entries(t.l2)[1] = ent(bad_l1, P | RW);

    assert_int_equal(harness_pin(4, t.l4), -XEN_EINVAL);
    assert_refused_by("disallowed flags");
    assert_int_equal(model_frame_type(t.l4), MODEL_TYPE_NONE);
    assert_int_equal(model_frame_type(t.l3), MODEL_TYPE_NONE);
    assert_int_equal(model_frame_type(t.l2), MODEL_TYPE_NONE);
    assert_int_equal(model_frame_type(t.l1), MODEL_TYPE_NONE);
    assert_int_equal(model_frame_type_count(t.data), 1);
    assert_model_invariants();
}

/* MMUEXT_PIN_*: test_and_set_bit(_PGT_pinned) already set -> -EINVAL. */
static void test_pinning_a_pinned_frame_again_is_refused(void **state)
{
    (void)state;
    mfn_t l1 = harness_table_frame();
    assert_int_equal(harness_pin(1, l1), 0);
    assert_int_equal(harness_pin(1, l1), -XEN_EINVAL);
    assert_refused_by("already pinned");
    assert_int_equal(model_frame_type_count(l1), 1);   /* the failed pin took nothing */
    assert_model_invariants();
}

/* MMUEXT_UNPIN_TABLE: test_and_clear_bit(_PGT_pinned) was clear -> -EINVAL. */
static void test_unpinning_an_unpinned_frame_is_refused(void **state)
{
    (void)state;
    assert_int_equal(harness_unpin(harness_table_frame()), -XEN_EINVAL);
    assert_refused_by("not pinned");
}

/* get_page_and_type_from_mfn -> get_page_from_mfn: not the caller's frame -> -EINVAL. */
static void test_pinning_a_frame_the_guest_does_not_own_is_refused(void **state)
{
    (void)state;
    assert_int_equal(harness_pin(1, harness_foreign_mfn(0)), -XEN_EINVAL);
    assert_int_equal(harness_pin(1, model_xen_frame(0)), -XEN_EINVAL);
    assert_int_equal(harness_unpin(harness_foreign_mfn(0)), -XEN_EINVAL);
}

static void test_a_frame_holds_one_table_type_at_a_time(void **state)
{
    (void)state;
    mfn_t f = harness_table_frame();
    assert_int_equal(harness_pin(1, f), 0);
    assert_int_equal(harness_pin(2, f), -XEN_EINVAL);
    assert_refused_by("get_page_type");
    assert_int_equal(model_frame_type(f), MODEL_TYPE_L1);
    assert_int_equal(harness_unpin(f), 0);
    assert_int_equal(harness_pin(2, f), 0);   /* count 0: the type may change */
    assert_int_equal(model_frame_type(f), MODEL_TYPE_L2);
    assert_model_invariants();
}

static void test_an_l1_shared_by_two_l2s_is_validated_once_and_counted_twice(void **state)
{
    (void)state;
    mfn_t l1 = harness_table_frame(), a = harness_table_frame(), b = harness_table_frame();
    harness_entries(a)[0] = ent(l1, P | RW);
    harness_entries(b)[5] = ent(l1, P | RW);
    model_reset_counters();
    assert_int_equal(harness_pin(2, a), 0);
    assert_int_equal(harness_pin(2, b), 0);
    assert_int_equal(model_frame_type_count(l1), 2);
    assert_int_equal(model_counters()->validations, 3);
    assert_int_equal(harness_unpin(a), 0);
    assert_true(model_frame_validated(l1));
    assert_model_invariants();
}

/* --- linear page tables (get_lN_linear_pagetable, pv-linear-pt on by default) ---------- */

static mfn_t pinned_empty_table(int level)
{
    mfn_t t = harness_table_frame();
    assert_int_equal(harness_pin(level, t), 0);
    return t;
}

/*
 * Rule 2: a read-only entry naming its own table is a self-map, accepted even
 * while the table is being validated, and it takes no reference.
 */
static void test_a_table_may_map_itself_read_only(void **state)
{
    (void)state;
    for (int level = 2; level <= 4; level++) {
        mfn_t t = harness_table_frame();
        harness_entries(t)[0] = ent(t, P);
        assert_int_equal(harness_pin(level, t), 0);
        assert_int_equal(model_frame_type_count(t), 1);   /* the pin's alone */
        assert_model_invariants();
        assert_int_equal(harness_unpin(t), 0);
        assert_int_equal(model_frame_type(t), MODEL_TYPE_NONE);
    }
}

/* Rule 1: "Attempt to create linear p.t. with write perms". */
static void test_a_writable_linear_entry_is_refused(void **state)
{
    (void)state;
    mfn_t l2 = harness_table_frame();
    harness_entries(l2)[0] = ent(l2, P | RW);
    assert_int_equal(harness_pin(2, l2), -XEN_EINVAL);
    assert_refused_by("write perms");
    assert_int_equal(model_frame_type(l2), MODEL_TYPE_NONE);
    assert_model_invariants();
}

/* pv-linear-pt=false: "Attempt to create linear p.t. (feature disabled)". */
static void test_without_pv_linear_pt_a_self_map_is_refused(void **state)
{
    (void)state;
    model_set_pv_linear_pt(false);
    mfn_t l2 = harness_table_frame();
    harness_entries(l2)[0] = ent(l2, P);
    assert_int_equal(harness_pin(2, l2), -XEN_EINVAL);
    assert_refused_by("feature disabled");
    assert_model_invariants();
}

/*
 * Rule 3: another validated table of the same level may be named; it gains a
 * type reference, which the entry's removal gives back (put_page_from_lNe).
 */
static void test_a_linear_entry_to_another_validated_table_takes_a_reference(void **state)
{
    (void)state;
    mfn_t a = pinned_empty_table(2), b = pinned_empty_table(2);
    assert_int_equal(harness_update(a, 7, ent(b, P)), 0);
    assert_int_equal(model_frame_type_count(b), 2);
    assert_model_invariants();
    assert_int_equal(harness_update(a, 7, 0), 0);
    assert_int_equal(model_frame_type_count(b), 1);
    assert_model_invariants();
}

/* Rule 3: the target must already be validated as the same level. */
static void test_a_linear_entry_needs_a_validated_table_of_its_own_level(void **state)
{
    (void)state;
    mfn_t l3 = pinned_empty_table(3), l1 = pinned_empty_table(1);
    assert_int_equal(harness_update(l3, 0, ent(l3 /* self: fine */, P)), 0);
    /* An L3 entry naming an L1: neither the level below nor its own. */
    assert_int_equal(harness_update(l3, 1, ent(l1, P)), -XEN_EINVAL);
    assert_int_equal(harness_entries(l3)[1], 0);
    assert_model_invariants();
}

/*
 * Rule 4: no chains.  A table holding a linear entry may not become a linear
 * target, and a linear target may not gain linear entries (linear_pt_count).
 */
static void test_linear_page_tables_do_not_chain(void **state)
{
    (void)state;
    mfn_t a = pinned_empty_table(2), b = pinned_empty_table(2), c = pinned_empty_table(2);
    assert_int_equal(harness_update(a, 0, ent(b, P)), 0);    /* a holds, b is named */
    assert_int_equal(harness_update(c, 0, ent(a, P)), -XEN_EINVAL);
    assert_refused_by("holds linear entries");
    assert_int_equal(harness_update(b, 0, ent(c, P)), -XEN_EINVAL);
    assert_refused_by("is itself a linear target");
    assert_int_equal(harness_update(c, 0, ent(b, P)), 0);    /* b named twice: fine */
    assert_int_equal(model_frame_type_count(b), 3);
    assert_model_invariants();
}

static void test_a_pinned_child_stays_validated_when_its_parent_goes(void **state)
{
    (void)state;
    mfn_t l1 = harness_table_frame(), l2 = harness_table_frame();
    harness_entries(l2)[0] = ent(l1, P | RW);
    assert_int_equal(harness_pin(1, l1), 0);
    assert_int_equal(harness_pin(2, l2), 0);
    assert_int_equal(model_frame_type_count(l1), 2);
    model_reset_counters();
    assert_int_equal(harness_unpin(l2), 0);
    assert_int_equal(model_counters()->devalidations, 1);   /* the L2 only */
    assert_true(model_frame_validated(l1));
    assert_int_equal(model_frame_type_count(l1), 1);
    assert_model_invariants();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        HARNESS_TEST(test_pin_l1_validates_it_and_takes_a_writable_type_per_rw_entry),
        HARNESS_TEST(test_l1_validation_refuses_writable_alias_of_table_frame),
        HARNESS_TEST(test_table_type_is_refused_while_the_frame_has_a_writable_mapping),
        HARNESS_TEST(test_mmu_update_refuses_to_make_a_pinned_table_writable_again),
        HARNESS_TEST(test_unpin_devalidates_and_releases_what_validation_took),
        HARNESS_TEST(test_pin_l4_validates_the_whole_tree_and_unpin_releases_it),
        HARNESS_TEST(test_a_refusal_deep_in_the_tree_leaves_every_frame_as_it_was),
        HARNESS_TEST(test_pinning_a_pinned_frame_again_is_refused),
        HARNESS_TEST(test_unpinning_an_unpinned_frame_is_refused),
        HARNESS_TEST(test_pinning_a_frame_the_guest_does_not_own_is_refused),
        HARNESS_TEST(test_a_frame_holds_one_table_type_at_a_time),
        HARNESS_TEST(test_an_l1_shared_by_two_l2s_is_validated_once_and_counted_twice),
        HARNESS_TEST(test_a_table_may_map_itself_read_only),
        HARNESS_TEST(test_a_writable_linear_entry_is_refused),
        HARNESS_TEST(test_without_pv_linear_pt_a_self_map_is_refused),
        HARNESS_TEST(test_a_linear_entry_to_another_validated_table_takes_a_reference),
        HARNESS_TEST(test_a_linear_entry_needs_a_validated_table_of_its_own_level),
        HARNESS_TEST(test_linear_page_tables_do_not_chain),
        HARNESS_TEST(test_a_pinned_child_stays_validated_when_its_parent_goes),
    };
    return cmocka_run_group_tests_name("model_types", tests, NULL, NULL);
}

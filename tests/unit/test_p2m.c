/*
 * The p2m table, as a spec: what a lookup answers, and what a set costs.
 *
 * Each test boots a fresh guest in the model (a shuffled pfn -> mfn assignment)
 * and builds the p2m from its start_info-style mfn_list, with room to grow to
 * MAX_PFNS: two GiB of pfns, so the second GiB is an untouched hole.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/report.h>
#include "tests/harness/harness.h"

#define NR_PAGES 3000ULL                          /* not a multiple of 512: a ragged last leaf */
#define MAX_PFNS (2 * P2M_PER_LEAF * P2M_LEAVES_PER_MID)
#define HOLE_PFN (8 * P2M_PER_LEAF + 7)           /* inside the first GiB, past nr_pages */
#define FAR_HOLE_PFN (P2M_PER_LEAF * P2M_LEAVES_PER_MID + 3 * P2M_PER_LEAF + 1)  /* second GiB */

static int boot(void **state)
{
    (void)state;
    harness_boot(NR_PAGES);
    pvmmu_clear_errors();
    return p2m_init(harness_mfn_list(), harness_nr_pages(), MAX_PFNS);
}

static int shutdown(void **state)
{
    (void)state;
    harness_shutdown();
    return 0;
}

/* --- lookup --------------------------------------------------------------------------- */

static void every_booted_pfn_finds_its_mfn(void **state)
{
    const uint64_t *mfn_list = harness_mfn_list();
    uint64_t pfn;

    (void)state;
    for (pfn = 0; pfn < NR_PAGES; pfn++)
        assert_int_equal(mfn_x(p2m_lookup(_pfn(pfn))), mfn_list[pfn]);
}

static void a_hole_reads_invalid(void **state)
{
    (void)state;
    assert_true(mfn_eq(p2m_lookup(_pfn(NR_PAGES)), INVALID_MFN));        /* the ragged leaf's tail */
    assert_true(mfn_eq(p2m_lookup(_pfn(HOLE_PFN)), INVALID_MFN));
    assert_true(mfn_eq(p2m_lookup(_pfn(FAR_HOLE_PFN)), INVALID_MFN));
    assert_true(mfn_eq(p2m_lookup(_pfn(MAX_PFNS - 1)), INVALID_MFN));
    assert_int_equal(p2m_backing_of(_pfn(HOLE_PFN)), P2M_BACKING_MISSING);
    assert_int_equal(p2m_backing_of(_pfn(NR_PAGES)), P2M_BACKING_OWN);
}

static void beyond_the_table_reads_invalid_without_touching_it(void **state)
{
    (void)state;
    assert_true(mfn_eq(p2m_lookup(_pfn(MAX_PFNS)), INVALID_MFN));
    assert_true(mfn_eq(p2m_lookup(_pfn(MAX_PFNS + P2M_PER_LEAF)), INVALID_MFN));
    assert_true(mfn_eq(p2m_lookup(INVALID_PFN), INVALID_MFN));
    assert_int_equal(p2m_backing_of(_pfn(MAX_PFNS)), P2M_BACKING_OUT_OF_RANGE);
    assert_int_equal(p2m_max_pfns(), MAX_PFNS);
    assert_int_equal(pvmmu_error_count(), 0);
}

static void booted_leaves_are_the_only_memory_the_table_holds(void **state)
{
    (void)state;
    assert_int_equal(p2m_own_leaves(), (NR_PAGES + P2M_PER_LEAF - 1) / P2M_PER_LEAF);
}

/* --- identity ranges ------------------------------------------------------------------- */

static void a_whole_leaf_identity_range_costs_no_memory(void **state)
{
    uint64_t first = 16 * P2M_PER_LEAF, pfn;
    unsigned long free_before = harness_frames_free();

    (void)state;
    assert_int_equal(p2m_set_identity(_pfn(first), 2 * P2M_PER_LEAF), 0);
    assert_int_equal(harness_frames_free(), free_before);
    for (pfn = first; pfn < first + 2 * P2M_PER_LEAF; pfn++)
        assert_int_equal(mfn_x(p2m_lookup(_pfn(pfn))), pfn);
    assert_int_equal(p2m_backing_of(_pfn(first)), P2M_BACKING_IDENTITY);
    /* The leaf is shared and still reads INVALID: only the slow path says "identity". */
    assert_int_equal(p2m_linear.entries[first], INVALID_MFN_RAW);
    assert_true(mfn_eq(p2m_lookup(_pfn(first + 2 * P2M_PER_LEAF)), INVALID_MFN));
}

static void a_ragged_identity_range_is_written_out(void **state)
{
    uint64_t first = 20 * P2M_PER_LEAF + 100, count = P2M_PER_LEAF + 50, pfn;

    (void)state;
    assert_int_equal(p2m_set_identity(_pfn(first), count), 0);
    for (pfn = first; pfn < first + count; pfn++)
        assert_int_equal(mfn_x(p2m_lookup(_pfn(pfn))), pfn);
    assert_true(mfn_eq(p2m_lookup(_pfn(first - 1)), INVALID_MFN));
    assert_true(mfn_eq(p2m_lookup(_pfn(first + count)), INVALID_MFN));
    assert_int_equal(p2m_extent(), NR_PAGES);    /* I/O is not RAM: nothing more to save */
}

/* --- set ------------------------------------------------------------------------------- */

static void set_into_a_hole_allocates_exactly_one_leaf(void **state)
{
    unsigned long free_before = harness_frames_free();
    uint64_t leaves_before = p2m_own_leaves();

    (void)state;
    assert_int_equal(p2m_set(_pfn(HOLE_PFN), _mfn(0x1234)), 0);
    assert_int_equal(harness_frames_free(), free_before - 1);
    assert_int_equal(p2m_own_leaves(), leaves_before + 1);
    assert_int_equal(mfn_x(p2m_lookup(_pfn(HOLE_PFN))), 0x1234);
    /* The new leaf was a copy of the hole: its neighbours are still holes. */
    assert_true(mfn_eq(p2m_lookup(_pfn(HOLE_PFN - 1)), INVALID_MFN));
    assert_true(mfn_eq(p2m_lookup(_pfn(HOLE_PFN + 1)), INVALID_MFN));
    /* A second entry in the same leaf costs nothing. */
    assert_int_equal(p2m_set(_pfn(HOLE_PFN + 1), _mfn(0x1235)), 0);
    assert_int_equal(harness_frames_free(), free_before - 1);
}

static void set_into_an_untouched_gib_also_pays_its_directory_page(void **state)
{
    unsigned long free_before = harness_frames_free();

    (void)state;
    assert_int_equal(p2m_set(_pfn(FAR_HOLE_PFN), _mfn(0x4321)), 0);
    assert_int_equal(harness_frames_free(), free_before - 2);
    assert_int_equal(mfn_x(p2m_lookup(_pfn(FAR_HOLE_PFN))), 0x4321);
}

static void invalid_into_a_hole_allocates_nothing(void **state)
{
    unsigned long free_before = harness_frames_free();

    (void)state;
    assert_int_equal(p2m_set(_pfn(HOLE_PFN), INVALID_MFN), 0);
    assert_int_equal(p2m_set(_pfn(FAR_HOLE_PFN), INVALID_MFN), 0);
    assert_int_equal(harness_frames_free(), free_before);
    assert_int_equal(p2m_backing_of(_pfn(HOLE_PFN)), P2M_BACKING_MISSING);
}

static void set_into_an_identity_leaf_keeps_its_neighbours_identity(void **state)
{
    uint64_t first = 16 * P2M_PER_LEAF, pfn;

    (void)state;
    assert_int_equal(p2m_set_identity(_pfn(first), P2M_PER_LEAF), 0);
    assert_int_equal(p2m_set(_pfn(first + 5), _mfn(0x777)), 0);
    assert_int_equal(p2m_backing_of(_pfn(first)), P2M_BACKING_OWN);
    for (pfn = first; pfn < first + P2M_PER_LEAF; pfn++)
        assert_int_equal(mfn_x(p2m_lookup(_pfn(pfn))), pfn == first + 5 ? 0x777 : pfn);
}

static void storing_what_is_there_allocates_nothing(void **state)
{
    uint64_t first = 16 * P2M_PER_LEAF;
    unsigned long free_before;

    (void)state;
    assert_int_equal(p2m_set_identity(_pfn(first), P2M_PER_LEAF), 0);
    free_before = harness_frames_free();
    assert_int_equal(p2m_set(_pfn(first + 9), _mfn(first + 9)), 0);
    assert_int_equal(p2m_set(_pfn(3), p2m_lookup(_pfn(3))), 0);
    assert_int_equal(harness_frames_free(), free_before);
    assert_int_equal(p2m_backing_of(_pfn(first)), P2M_BACKING_IDENTITY);
}

/* Out of memory: the set fails, says so, and leaves the table and the allocator as they were. */
static void a_set_that_cannot_get_its_leaf_changes_nothing(void **state)
{
    unsigned long free_before = harness_frames_free();

    (void)state;
    harness_fail_frame_alloc(1, false);
    assert_int_equal(p2m_set(_pfn(HOLE_PFN), _mfn(0x1234)), -XEN_ENOMEM);
    assert_non_null(strstr(pvmmu_last_error(), "no frame for a leaf of its own at pfns 0x1000..0x11ff"));
    /* In an untouched GiB the leaf is got, but not the directory page: the leaf goes back. */
    harness_fail_frame_alloc(2, false);
    assert_int_equal(p2m_set(_pfn(FAR_HOLE_PFN), _mfn(0x4321)), -XEN_ENOMEM);
    harness_fail_frame_alloc(0, false);
    assert_int_equal(harness_frames_free(), free_before);
    assert_true(mfn_eq(p2m_lookup(_pfn(HOLE_PFN)), INVALID_MFN));
    assert_true(mfn_eq(p2m_lookup(_pfn(FAR_HOLE_PFN)), INVALID_MFN));
    assert_int_equal(p2m_backing_of(_pfn(FAR_HOLE_PFN)), P2M_BACKING_MISSING);
    assert_int_equal(p2m_extent(), NR_PAGES);
}

static void set_overwrites_and_forgets_in_an_own_leaf(void **state)
{
    (void)state;
    assert_int_equal(p2m_set(_pfn(10), _mfn(0xabc)), 0);
    assert_int_equal(mfn_x(p2m_lookup(_pfn(10))), 0xabc);
    assert_int_equal(p2m_set(_pfn(10), INVALID_MFN), 0);
    assert_true(mfn_eq(p2m_lookup(_pfn(10)), INVALID_MFN));
    assert_int_equal(p2m_backing_of(_pfn(10)), P2M_BACKING_OWN);
}

static void set_beyond_the_table_is_refused_by_name(void **state)
{
    unsigned long free_before = harness_frames_free();

    (void)state;
    assert_int_equal(p2m_set(_pfn(MAX_PFNS), _mfn(1)), -XEN_ERANGE);
    assert_int_equal(pvmmu_error_count(), 1);
    assert_non_null(strstr(pvmmu_last_error(), "p2m_set(pfn 0x80000,"));
    assert_int_equal(p2m_set_identity(_pfn(MAX_PFNS - 1), 2), -XEN_ERANGE);
    assert_int_equal(harness_frames_free(), free_before);
}

static void extent_grows_with_the_highest_valid_entry(void **state)
{
    (void)state;
    assert_int_equal(p2m_extent(), NR_PAGES);
    assert_int_equal(p2m_set(_pfn(HOLE_PFN), INVALID_MFN), 0);
    assert_int_equal(p2m_extent(), NR_PAGES);
    assert_int_equal(p2m_set(_pfn(HOLE_PFN), _mfn(5)), 0);
    assert_int_equal(p2m_extent(), HOLE_PFN + 1);
}

/* --- init ------------------------------------------------------------------------------ */

static void init_refuses_a_maximum_below_nr_pages(void **state)
{
    (void)state;
    assert_int_equal(p2m_init(harness_mfn_list(), NR_PAGES, NR_PAGES - 1), -XEN_EINVAL);
    assert_non_null(strstr(pvmmu_last_error(), "max_pfns 2999"));
    assert_int_equal(p2m_init(harness_mfn_list(), NR_PAGES, P2M_LIST_MAX_PFNS + 1), -XEN_EINVAL);
    assert_int_equal(p2m_init(harness_mfn_list(), 0, MAX_PFNS), -XEN_EINVAL);
    /* A failed init leaves a table that answers nothing, rather than a half-built one. */
    assert_true(mfn_eq(p2m_lookup(_pfn(0)), INVALID_MFN));
}

/* Ballooned-out memory at boot: a leaf whose every entry Xen left INVALID stays a hole. */
static void init_leaves_an_all_invalid_leaf_a_hole(void **state)
{
    static uint64_t list[NR_PAGES];
    uint64_t pfn;

    (void)state;
    memcpy(list, harness_mfn_list(), sizeof(list));
    for (pfn = 2 * P2M_PER_LEAF; pfn < 3 * P2M_PER_LEAF; pfn++)
        list[pfn] = INVALID_MFN_RAW;
    assert_int_equal(p2m_init(list, NR_PAGES, MAX_PFNS), 0);
    assert_int_equal(p2m_own_leaves(), (NR_PAGES + P2M_PER_LEAF - 1) / P2M_PER_LEAF - 1);
    assert_int_equal(p2m_backing_of(_pfn(2 * P2M_PER_LEAF)), P2M_BACKING_MISSING);
    for (pfn = 0; pfn < NR_PAGES; pfn++)
        assert_int_equal(mfn_x(p2m_lookup(_pfn(pfn))), list[pfn]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(every_booted_pfn_finds_its_mfn, boot, shutdown),
        cmocka_unit_test_setup_teardown(a_hole_reads_invalid, boot, shutdown),
        cmocka_unit_test_setup_teardown(beyond_the_table_reads_invalid_without_touching_it, boot, shutdown),
        cmocka_unit_test_setup_teardown(booted_leaves_are_the_only_memory_the_table_holds, boot, shutdown),
        cmocka_unit_test_setup_teardown(a_whole_leaf_identity_range_costs_no_memory, boot, shutdown),
        cmocka_unit_test_setup_teardown(a_ragged_identity_range_is_written_out, boot, shutdown),
        cmocka_unit_test_setup_teardown(set_into_a_hole_allocates_exactly_one_leaf, boot, shutdown),
        cmocka_unit_test_setup_teardown(set_into_an_untouched_gib_also_pays_its_directory_page, boot, shutdown),
        cmocka_unit_test_setup_teardown(invalid_into_a_hole_allocates_nothing, boot, shutdown),
        cmocka_unit_test_setup_teardown(set_into_an_identity_leaf_keeps_its_neighbours_identity, boot, shutdown),
        cmocka_unit_test_setup_teardown(storing_what_is_there_allocates_nothing, boot, shutdown),
        cmocka_unit_test_setup_teardown(a_set_that_cannot_get_its_leaf_changes_nothing, boot, shutdown),
        cmocka_unit_test_setup_teardown(set_overwrites_and_forgets_in_an_own_leaf, boot, shutdown),
        cmocka_unit_test_setup_teardown(set_beyond_the_table_is_refused_by_name, boot, shutdown),
        cmocka_unit_test_setup_teardown(extent_grows_with_the_highest_valid_entry, boot, shutdown),
        cmocka_unit_test_setup_teardown(init_refuses_a_maximum_below_nr_pages, boot, shutdown),
        cmocka_unit_test_setup_teardown(init_leaves_an_all_invalid_leaf_a_hole, boot, shutdown),
    };

    return cmocka_run_group_tests_name("p2m table", tests, NULL, NULL);
}

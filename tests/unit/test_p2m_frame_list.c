/*
 * The frame lists, as a spec: what `xl save` will find in shared_info.
 *
 * Every check reads the published tree back the toolstack's way
 * (p2m_frame_list_read: from the anchor MFN, through machine frames only, with
 * libxenguest's checks) and compares it with the table behind the lookup window.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <xen/pvmmu/p2m.h>
#include "p2m/p2m_int.h"
#include <xen/pvmmu/report.h>
#include "tests/harness/harness.h"
#include "tests/model/model.h"

#define NR_PAGES 3000ULL
#define MAX_PFNS (2 * P2M_PER_LEAF * P2M_LEAVES_PER_MID)
#define HOLE_PFN (8 * P2M_PER_LEAF + 7)
#define FAR_HOLE_PFN (P2M_PER_LEAF * P2M_LEAVES_PER_MID + 3 * P2M_PER_LEAF + 1)

static uint64_t table_as_read[MAX_PFNS];

static int boot_and_publish(void **state)
{
    (void)state;
    harness_boot(NR_PAGES);
    pvmmu_clear_errors();
    if (p2m_init(harness_mfn_list(), harness_nr_pages(), MAX_PFNS))
        return -1;
    return p2m_publish(harness_shared_info());
}

static int shutdown(void **state)
{
    (void)state;
    harness_shutdown();
    return 0;
}

static const void *machine_frame(mfn_t mfn, void *ctx)
{
    (void)ctx;
    return model_frame_bytes(mfn);
}

static int read_back(uint64_t *nr)
{
    return p2m_frame_list_read(harness_shared_info(), machine_frame, NULL, table_as_read, MAX_PFNS, nr);
}

static void assert_read_back_equals_table(void)
{
    uint64_t nr = 0, pfn;

    assert_int_equal(read_back(&nr), 0);
    assert_int_equal(nr, p2m_extent());
    for (pfn = 0; pfn < nr; pfn++)
        assert_int_equal(table_as_read[pfn], p2m_linear.entries[pfn]);
}

static uint64_t *machine_page(uint64_t mfn)
{
    return model_frame_bytes(_mfn(mfn));
}

static uint64_t anchor(void)
{
    return harness_shared_info()->arch.pfn_to_mfn_frame_list_list;
}

/* --- what is published ----------------------------------------------------------------- */

static void the_published_tree_reads_back_as_the_booted_p2m(void **state)
{
    const uint64_t *mfn_list = harness_mfn_list();
    uint64_t pfn;

    (void)state;
    assert_read_back_equals_table();
    for (pfn = 0; pfn < NR_PAGES; pfn++)
        assert_int_equal(table_as_read[pfn], mfn_list[pfn]);
}

static void max_pfn_is_a_count_of_pfns(void **state)
{
    (void)state;
    assert_int_equal(harness_shared_info()->arch.max_pfn, NR_PAGES);
    assert_int_equal(p2m_set(_pfn(HOLE_PFN), _mfn(0x99)), 0);
    assert_int_equal(harness_shared_info()->arch.max_pfn, HOLE_PFN + 1);
    assert_read_back_equals_table();
    assert_int_equal(table_as_read[HOLE_PFN], 0x99);
}

static void the_tree_is_made_of_guest_frames(void **state)
{
    const uint64_t *top;

    (void)state;
    assert_int_equal(model_frame_owner(_mfn(anchor())), MODEL_OWNER_GUEST);
    top = machine_page(anchor());
    assert_int_equal(model_frame_owner(_mfn(top[0])), MODEL_OWNER_GUEST);
    assert_int_equal(model_frame_owner(_mfn(machine_page(top[0])[0])), MODEL_OWNER_GUEST);
}

static void a_gib_of_holes_shares_one_mid_page(void **state)
{
    const uint64_t *top;
    uint64_t mid;

    (void)state;
    top = machine_page(anchor());
    assert_int_not_equal(top[0], top[1]);
    for (mid = 2; mid < P2M_MIDS_PER_TOP; mid++)
        assert_int_equal(top[mid], top[1]);
}

static void identity_leaves_read_back_invalid(void **state)
{
    uint64_t first = 16 * P2M_PER_LEAF, pfn;

    (void)state;
    assert_int_equal(p2m_set_identity(_pfn(first), P2M_PER_LEAF), 0);
    assert_int_equal(p2m_set(_pfn(first + P2M_PER_LEAF), _mfn(0x99)), 0);   /* so the extent covers it */
    assert_read_back_equals_table();
    for (pfn = first; pfn < first + P2M_PER_LEAF; pfn++) {
        assert_int_equal(table_as_read[pfn], INVALID_MFN_RAW);
        assert_int_equal(mfn_x(p2m_lookup(_pfn(pfn))), pfn);
    }
}

/* --- kept true after publication ------------------------------------------------------- */

static void a_set_into_a_hole_is_published(void **state)
{
    (void)state;
    assert_int_equal(p2m_set(_pfn(HOLE_PFN), _mfn(0x1234)), 0);
    assert_read_back_equals_table();
    assert_int_equal(table_as_read[HOLE_PFN], 0x1234);
    assert_int_equal(table_as_read[HOLE_PFN - 1], INVALID_MFN_RAW);
}

static void a_set_into_a_gib_of_holes_gets_its_own_mid_page(void **state)
{
    unsigned long free_before = harness_frames_free();
    const uint64_t *top;

    (void)state;
    assert_int_equal(p2m_set(_pfn(FAR_HOLE_PFN), _mfn(0x4321)), 0);
    /* The leaf, the leaf directory page and the toolstack's mid page for that GiB. */
    assert_int_equal(harness_frames_free(), free_before - 3);
    top = machine_page(anchor());
    assert_int_not_equal(top[1], top[2]);
    assert_read_back_equals_table();
    assert_int_equal(table_as_read[FAR_HOLE_PFN], 0x4321);
}

static void a_gib_that_cannot_get_its_mid_page_stays_a_hole(void **state)
{
    (void)state;
    harness_fail_frame_alloc(3, false);     /* the leaf, the directory page, then the mid page */
    assert_int_equal(p2m_set(_pfn(FAR_HOLE_PFN), _mfn(0x4321)), -XEN_ENOMEM);
    harness_fail_frame_alloc(0, false);
    assert_non_null(strstr(pvmmu_last_error(), "no frame for the mid page 1"));
    assert_true(mfn_eq(p2m_lookup(_pfn(FAR_HOLE_PFN)), INVALID_MFN));
    assert_read_back_equals_table();
}

/* --- rebuilt on resume ----------------------------------------------------------------- */

static void a_zeroed_anchor_is_rebuilt_from_scratch(void **state)
{
    uint64_t nr, old_top = anchor(), old_mid = machine_page(anchor())[0];

    (void)state;
    /* The restorer zeroes the anchor and leaves our upper pages' MFNs stale: scribble on them. */
    harness_shared_info()->arch.pfn_to_mfn_frame_list_list = 0;
    assert_int_equal(read_back(&nr), -XEN_ENOENT);
    memset(machine_page(old_mid), 0, PAGE_SIZE);
    memset(machine_page(old_top), 0, PAGE_SIZE);
    assert_int_equal(p2m_set(_pfn(HOLE_PFN), _mfn(0x55)), 0);
    assert_int_equal(p2m_publish(harness_shared_info()), 0);
    assert_int_equal(anchor(), old_top);
    assert_read_back_equals_table();
    assert_int_equal(table_as_read[HOLE_PFN], 0x55);
}

static void republishing_allocates_nothing_new(void **state)
{
    unsigned long free_before = harness_frames_free();

    (void)state;
    assert_int_equal(p2m_publish(harness_shared_info()), 0);
    assert_int_equal(harness_frames_free(), free_before);
    assert_read_back_equals_table();
}

/* --- the reader refuses what the toolstack refuses --------------------------------------- */

/* A leaf emptied entry by entry goes back to the missing leaf, and the tree names that leaf again. */
static void a_leaf_that_becomes_all_holes_is_the_missing_leaf_in_the_tree(void **state)
{
    uint64_t own = p2m_own_leaves(), first = 2 * P2M_PER_LEAF, pfn, top_mid;
    const uint64_t *mid;

    (void)state;
    for (pfn = first; pfn < first + P2M_PER_LEAF; pfn++)
        assert_int_equal(p2m_set(_pfn(pfn), INVALID_MFN), 0);
    assert_int_equal(p2m_own_leaves(), own - 1);
    top_mid = machine_page(anchor())[0];
    mid = machine_page(top_mid);
    assert_int_equal(mid[first / P2M_PER_LEAF], mfn_x(p2m_lookup(p2m_missing_leaf_frame())));
    assert_int_equal(mid[HOLE_PFN / P2M_PER_LEAF], mid[first / P2M_PER_LEAF]);
    assert_read_back_equals_table();
}

static void the_reader_refuses_mfn_0_in_a_mid_page(void **state)
{
    uint64_t nr;

    (void)state;
    machine_page(machine_page(anchor())[0])[1] = 0;
    assert_int_equal(read_back(&nr), -XEN_ERANGE);
    assert_non_null(strstr(pvmmu_last_error(), "bad mfn 0x0 at index 1 in the frame list"));
}

/* A stranger's frame holding exactly our leaf's entries: only the m2p can tell. */
static void the_reader_refuses_a_leaf_that_is_not_ours(void **state)
{
    uint64_t nr, *mid, stranger = mfn_x(harness_spare_mfn(0));

    (void)state;
    mid = machine_page(machine_page(anchor())[0]);
    memcpy(machine_page(stranger), machine_page(mid[2]), PAGE_SIZE);
    mid[2] = stranger;
    assert_int_equal(read_back(&nr), -XEN_ERANGE);
    assert_non_null(strstr(pvmmu_last_error(), "leaf 2 at mfn"));
}

static void the_reader_refuses_a_max_pfn_too_big_for_three_levels(void **state)
{
    uint64_t nr;

    (void)state;
    harness_shared_info()->arch.max_pfn = P2M_MAX_PFNS + 1;
    assert_int_equal(p2m_frame_list_read(harness_shared_info(), machine_frame, NULL, table_as_read,
                                         ~0ULL, &nr), -XEN_E2BIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(the_published_tree_reads_back_as_the_booted_p2m, boot_and_publish, shutdown),
        cmocka_unit_test_setup_teardown(max_pfn_is_a_count_of_pfns, boot_and_publish, shutdown),
        cmocka_unit_test_setup_teardown(the_tree_is_made_of_guest_frames, boot_and_publish, shutdown),
        cmocka_unit_test_setup_teardown(a_gib_of_holes_shares_one_mid_page, boot_and_publish, shutdown),
        cmocka_unit_test_setup_teardown(identity_leaves_read_back_invalid, boot_and_publish, shutdown),
        cmocka_unit_test_setup_teardown(a_set_into_a_hole_is_published, boot_and_publish, shutdown),
        cmocka_unit_test_setup_teardown(a_set_into_a_gib_of_holes_gets_its_own_mid_page, boot_and_publish, shutdown),
        cmocka_unit_test_setup_teardown(a_gib_that_cannot_get_its_mid_page_stays_a_hole, boot_and_publish, shutdown),
        cmocka_unit_test_setup_teardown(a_zeroed_anchor_is_rebuilt_from_scratch, boot_and_publish, shutdown),
        cmocka_unit_test_setup_teardown(republishing_allocates_nothing_new, boot_and_publish, shutdown),
        cmocka_unit_test_setup_teardown(a_leaf_that_becomes_all_holes_is_the_missing_leaf_in_the_tree, boot_and_publish, shutdown),
        cmocka_unit_test_setup_teardown(the_reader_refuses_mfn_0_in_a_mid_page, boot_and_publish, shutdown),
        cmocka_unit_test_setup_teardown(the_reader_refuses_a_leaf_that_is_not_ours, boot_and_publish, shutdown),
        cmocka_unit_test_setup_teardown(the_reader_refuses_a_max_pfn_too_big_for_three_levels, boot_and_publish, shutdown),
    };

    return cmocka_run_group_tests_name("p2m frame lists", tests, NULL, NULL);
}

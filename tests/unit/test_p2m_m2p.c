/*
 * The m2p, as a spec: Xen's answer is believed only when our p2m agrees.
 * The guest is the common one (pvmmu_test.h): TEST_PAGES pfns, room for twice
 * as many, so pfns from TEST_PAGES up are holes inside the table.
 */
#include "tests/unit/pvmmu_test.h"

static void assert_m2p(mfn_t mfn, enum m2p_status expected, pfn_t expected_pfn)
{
    enum m2p_status status = M2P_OK;
    pfn_t pfn = m2p_lookup(mfn, &status);

    if (status != expected)
        fail_msg("m2p_lookup(mfn %#llx): %s, expected %s", (unsigned long long)mfn_x(mfn),
                 m2p_status_name(status), m2p_status_name(expected));
    assert_int_equal(pfn_x(pfn), pfn_x(expected_pfn));
}

static void every_guest_frame_translates_back(void **state)
{
    const uint64_t *mfn_list = harness_mfn_list();
    uint64_t pfn;

    (void)state;
    for (pfn = 0; pfn < TEST_PAGES; pfn++)
        assert_m2p(_mfn(mfn_list[pfn]), M2P_OK, _pfn(pfn));
}

static void the_size_comes_from_xen_and_bounds_every_lookup(void **state)
{
    const uint64_t *mfn_list = harness_mfn_list();
    uint64_t pfn;

    (void)state;
    for (pfn = 0; pfn < TEST_PAGES; pfn++)
        assert_true(mfn_list[pfn] <= m2p_max_mfn());
    assert_m2p(_mfn(m2p_max_mfn() + 1), M2P_OUT_OF_RANGE, INVALID_PFN);
    assert_m2p(INVALID_MFN, M2P_OUT_OF_RANGE, INVALID_PFN);
}

static void a_hole_in_xens_table_is_a_hole_not_a_crash(void **state)
{
    mfn_t mfn = _mfn(harness_mfn_list()[7]);

    (void)state;
    model_m2p_set_hole(mfn, 1, true);
    assert_m2p(mfn, M2P_HOLE, INVALID_PFN);
}

static void a_stranger_claiming_one_of_our_pfns_is_foreign(void **state)
{
    mfn_t stranger = harness_foreign_mfn(0);

    (void)state;
    model_m2p_set(stranger, 5);          /* their pfn 5; ours is another frame */
    assert_m2p(stranger, M2P_FOREIGN, INVALID_PFN);
}

static void a_pfn_beyond_our_table_is_foreign(void **state)
{
    mfn_t stranger = harness_foreign_mfn(0);

    (void)state;
    model_m2p_set(stranger, p2m_max_pfns());
    assert_m2p(stranger, M2P_FOREIGN, INVALID_PFN);
    model_m2p_set(stranger, INVALID_PFN_RAW);
    assert_m2p(stranger, M2P_FOREIGN, INVALID_PFN);
}

static void a_frame_we_gave_back_is_stale(void **state)
{
    mfn_t given_back = _mfn(harness_mfn_list()[42]);

    (void)state;
    assert_int_equal(p2m_set(_pfn(42), INVALID_MFN), 0);  /* ballooned out; Xen's m2p still says 42 */
    assert_m2p(given_back, M2P_STALE, INVALID_PFN);
}

/*
 * An I/O frame: identity-mapped in our p2m (a whole shared identity leaf, so the
 * answer comes from the slow path), and nothing usable in Xen's m2p: a hole there,
 * or beyond its end.
 */
static void an_identity_mapped_io_frame_translates_to_itself(void **state)
{
    uint64_t first = TEST_PAGES + 4 * P2M_PER_LEAF;
    mfn_t io = _mfn(first + 3);

    (void)state;
    assert_int_equal(p2m_set_identity(_pfn(first), P2M_PER_LEAF), 0);
    if (mfn_x(io) <= m2p_max_mfn())
        model_m2p_set_hole(io, 1, true);
    assert_m2p(io, M2P_IDENTITY, _pfn(first + 3));
}

static void the_status_is_optional(void **state)
{
    (void)state;
    assert_int_equal(pfn_x(m2p_lookup(_mfn(harness_mfn_list()[1]), NULL)), 1);
    assert_true(pfn_eq(m2p_lookup(_mfn(m2p_max_mfn() + 1), NULL), INVALID_PFN));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(every_guest_frame_translates_back, setup_guest, teardown_guest),
        cmocka_unit_test_setup_teardown(the_size_comes_from_xen_and_bounds_every_lookup, setup_guest, teardown_guest),
        cmocka_unit_test_setup_teardown(a_hole_in_xens_table_is_a_hole_not_a_crash, setup_guest, teardown_guest),
        cmocka_unit_test_setup_teardown(a_stranger_claiming_one_of_our_pfns_is_foreign, setup_guest, teardown_guest),
        cmocka_unit_test_setup_teardown(a_pfn_beyond_our_table_is_foreign, setup_guest, teardown_guest),
        cmocka_unit_test_setup_teardown(a_frame_we_gave_back_is_stale, setup_guest, teardown_guest),
        cmocka_unit_test_setup_teardown(an_identity_mapped_io_frame_translates_to_itself, setup_guest, teardown_guest),
        cmocka_unit_test_setup_teardown(the_status_is_optional, setup_guest, teardown_guest),
    };

    return cmocka_run_group_tests_name("m2p", tests, NULL, NULL);
}

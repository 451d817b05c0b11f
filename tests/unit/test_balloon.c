/*
 * Ballooning, as a spec: memory/target read strictly; frames given back with
 * XENMEM_decrease_reservation are free ones only, unmapped, and holes in the p2m;
 * brought back with XENMEM_populate_physmap they are mapped, in the m2p and the
 * p2m, usable, and the allocator's again; Xen doing less than asked leaves
 * everything it did not do as it was; the frame lists stay the table.
 */
#include "balloon/balloon.h"
#include <xen/pvmmu/platform.h>
#include "pvmmu_test.h"
#include "tests/harness/saverestore.h"

#define PAGES 1024UL

static uint64_t boot_mfns[PAGES];
static uint64_t table_as_read[PAGES * 2];
static uint64_t gone_bits[PAGES / 64];   /* the balloon's record of what it gave back */

static pfn_t first_free_pfn(void)
{
    uint64_t pfn = 0;

    while (harness_pfn_is_boot_table(_pfn(pfn)))
        pfn++;
    return _pfn(pfn);
}

static int setup(void **state)
{
    (void)state;
    boot_guest(PAGES);
    memcpy(boot_mfns, harness_mfn_list(), sizeof(boot_mfns));
    if (p2m_publish(harness_shared_info()) ||
        balloon_init(first_free_pfn(), _pfn(PAGES), PAGES, gone_bits, ARRAY_SIZE(gone_bits)))
        return -1;
    pvmmu_clear_errors();
    return 0;
}

static bool is_hole(uint64_t pfn) { return !mfn_valid_value(p2m_lookup(_pfn(pfn))); }

static uint64_t holes(void)
{
    uint64_t pfn, n = 0;

    for (pfn = 0; pfn < PAGES; pfn++)
        n += is_hole(pfn);
    return n;
}

static const void *machine_frame(mfn_t mfn, void *ctx)
{
    (void)ctx;
    return model_frame_bytes(mfn);
}

/* What `xl save` would read equals the table, pfn for pfn. */
static void assert_frame_lists_are_the_table(void)
{
    uint64_t nr = 0, pfn;

    assert_int_equal(p2m_frame_list_read(harness_shared_info(), machine_frame, NULL, table_as_read,
                                         PAGES * 2, &nr), 0);
    for (pfn = 0; pfn < nr; pfn++)
        assert_int_equal(table_as_read[pfn], mfn_x(p2m_lookup(_pfn(pfn))));
}

static void assert_model_sound(void)
{
    char why[256];

    assert_true(model_check_invariants(why, sizeof(why)));
}

static void set_target(uint64_t pages, struct balloon_report *r)
{
    assert_int_equal(balloon_set_target(pages, r), 0);
}

/* --- memory/target ------------------------------------------------------------------ */

static void the_target_is_a_plain_decimal_count_of_kib(void **state)
{
    static const char *const bad[] = { "", "-4", "+4", " 4", "4 ", "4k", "0x10", "4.5",
                                       "18446744073709551616", "99999999999999999999999" };
    uint64_t kib = 0;
    unsigned i;

    (void)state;
    assert_int_equal(balloon_parse_target_kib("262144", &kib), 0);
    assert_int_equal(kib, 262144);
    assert_int_equal(balloon_kib_to_pages(kib), 65536);
    assert_int_equal(balloon_kib_to_pages(7), 1);   /* rounded down: a target is a ceiling */
    assert_int_equal(balloon_parse_target_kib("18446744073709551615", &kib), 0);
    assert_true(kib == UINT64_MAX);
    for (i = 0; i < ARRAY_SIZE(bad); i++) {
        kib = 12345;
        pvmmu_clear_errors();
        assert_int_equal(balloon_parse_target_kib(bad[i], &kib), -XEN_EINVAL);
        assert_int_equal(kib, 12345);                     /* nothing changed */
        assert_true(pvmmu_error_seen("memory/target"));   /* the error names the key... */
        if (*bad[i])
            assert_true(pvmmu_error_seen(bad[i]));        /* ...and the value */
    }
}

/* --- giving back --------------------------------------------------------------------- */

static void frames_given_back_are_free_ones_unmapped_and_holes(void **state)
{
    struct balloon_report r;
    unsigned long guest_before = model_guest_pages();
    uint64_t pfn, seen = 0;

    (void)state;
    set_target(PAGES - 100, &r);
    assert_int_equal(r.asked, 100);
    assert_int_equal(r.given_back, 100);
    assert_false(r.short_of_target);
    assert_int_equal(r.now_pages, PAGES - 100);
    assert_int_equal(balloon_pages_out(), 100);
    assert_int_equal(holes(), 100);
    assert_int_equal(model_guest_pages(), guest_before - 100);   /* Xen has them */
    for (pfn = 0; pfn < PAGES; pfn++) {
        enum m2p_status status;

        if (!is_hole(pfn))
            continue;
        seen++;
        assert_false(harness_pfn_is_boot_table(_pfn(pfn)));   /* never a kernel table */
        assert_true(harness_frame_in_use(_pfn(pfn)));          /* the balloon holds it: no one else gets it */
        assert_int_equal(model_frame_owner(_mfn(boot_mfns[pfn])), MODEL_OWNER_NONE);
        assert_false(harness_direct_map_writable(_pfn(pfn)));
        assert_false(pfn_valid_value(m2p_lookup(_mfn(boot_mfns[pfn]), &status)));
    }
    assert_int_equal(seen, 100);
    assert_int_equal(balloon_check_holes(), 0);
    assert_frame_lists_are_the_table();
    assert_model_sound();
}

static void a_page_table_or_p2m_leaf_is_never_given_back(void **state)
{
    struct balloon_report r;
    uint64_t pfn;

    (void)state;
    /* Everything the allocator has, and more: it stops at the allocator's last free frame. */
    assert_int_equal(balloon_set_target(0, &r), 0);
    assert_true(r.short_of_target);
    assert_true(pvmmu_error_seen("no free frame"));
    assert_int_equal(harness_frames_free(), 0);   /* everything the allocator had, and nothing else */
    for (pfn = 0; pfn < PAGES; pfn++) {
        mfn_t boot = _mfn(boot_mfns[pfn]);

        if (harness_pfn_is_boot_table(_pfn(pfn)) || model_frame_type(boot) >= MODEL_TYPE_L1)
            assert_false(is_hole(pfn));
    }
    /* The p2m's own leaves and frame-list pages are in use: still ours, still read back. */
    assert_frame_lists_are_the_table();
    assert_int_equal(balloon_check_holes(), 0);
    assert_model_sound();
    set_target(PAGES, &r);
    assert_int_equal(holes(), 0);
}

/* --- and back ------------------------------------------------------------------------ */

static void frames_brought_back_are_mapped_known_and_usable(void **state)
{
    struct balloon_report r;
    unsigned long guest_before = model_guest_pages(), free_before = harness_frames_free();
    uint64_t pfn;

    (void)state;
    set_target(PAGES - 200, &r);
    set_target(PAGES, &r);
    assert_int_equal(r.asked, 200);
    assert_int_equal(r.brought_back, 200);
    assert_int_equal(r.verified, 200);
    assert_false(r.short_of_target);
    assert_int_equal(balloon_pages_now(), PAGES);
    assert_int_equal(holes(), 0);
    assert_int_equal(model_guest_pages(), guest_before);
    assert_int_equal(harness_frames_free(), free_before);   /* the allocator's again */
    for (pfn = 0; pfn < PAGES; pfn++) {
        mfn_t mfn = p2m_lookup(_pfn(pfn));
        enum m2p_status status;

        assert_int_equal(pfn_x(m2p_lookup(mfn, &status)), pfn);
        assert_int_equal(status, M2P_OK);
        assert_int_equal(model_frame_owner(mfn), MODEL_OWNER_GUEST);
        if (!harness_pfn_is_boot_table(_pfn(pfn)) && !harness_frame_in_use(_pfn(pfn)))
            assert_true(harness_writable(pfn_to_virt(_pfn(pfn))));
    }
    assert_frame_lists_are_the_table();
    assert_model_sound();
}

static void a_round_trip_survives_fresh_allocations(void **state)
{
    struct balloon_report r;
    pfn_t got[300];
    unsigned i;

    (void)state;
    set_target(PAGES - 300, &r);
    set_target(PAGES, &r);
    /* The brought-back frames serve as page-table frames again (read-only alias, pin). */
    for (i = 0; i < 300; i++) {
        got[i] = frame_alloc();
        assert_true(pfn_valid_value(got[i]));
        assert_int_equal(*(uint64_t *)pfn_to_virt(got[i]), 0);   /* zeroed through the new mapping */
    }
    for (i = 0; i < 300; i++)
        frame_free(got[i]);
    assert_model_sound();
}

static void a_target_above_the_boot_size_is_capped(void **state)
{
    struct balloon_report r;

    (void)state;
    set_target(PAGES - 10, &r);
    set_target(PAGES * 4, &r);
    assert_true(r.capped);
    assert_int_equal(r.target_pages, PAGES);
    assert_int_equal(r.brought_back, 10);
    assert_int_equal(balloon_pages_now(), PAGES);
}

/* --- Xen doing less than asked -------------------------------------------------------- */

static void a_partial_decrease_puts_the_rest_back(void **state)
{
    struct balloon_report r;
    unsigned long free_before = harness_frames_free();
    uint64_t pfn;

    (void)state;
    model_limit_next_reservation(10);
    set_target(PAGES - 50, &r);
    assert_int_equal(r.given_back, 10);
    assert_true(r.short_of_target);
    assert_true(pvmmu_error_seen("decrease_reservation took 10 of 50"));
    assert_int_equal(balloon_pages_now(), PAGES - 10);
    assert_int_equal(holes(), 10);
    assert_int_equal(harness_frames_free(), free_before - 10);   /* the 40 others are the allocator's again */
    for (pfn = 0; pfn < PAGES; pfn++)
        if (!is_hole(pfn) && !harness_frame_in_use(_pfn(pfn)))
            assert_true(harness_direct_map_writable(_pfn(pfn)));   /* and mapped as before */
    for (pfn = 0; pfn < PAGES; pfn++)
        if (!is_hole(pfn))
            assert_int_equal(mfn_x(p2m_lookup(_pfn(pfn))), boot_mfns[pfn]);
    assert_int_equal(balloon_check_holes(), 0);
    assert_frame_lists_are_the_table();
    assert_model_sound();
    /* The next target change tries again, and gets there. */
    set_target(PAGES - 50, &r);
    assert_int_equal(balloon_pages_now(), PAGES - 50);
}

static void a_partial_populate_leaves_the_rest_holes(void **state)
{
    struct balloon_report r;

    (void)state;
    set_target(PAGES - 100, &r);
    model_set_max_pages(model_guest_pages() + 30);
    set_target(PAGES, &r);
    assert_int_equal(r.brought_back, 30);
    assert_int_equal(r.verified, 30);
    assert_true(r.short_of_target);
    assert_true(pvmmu_error_seen("populate_physmap gave"));
    assert_int_equal(balloon_pages_now(), PAGES - 70);
    assert_int_equal(holes(), 70);
    assert_int_equal(balloon_check_holes(), 0);
    assert_frame_lists_are_the_table();
    model_set_max_pages(0);
    set_target(PAGES, &r);
    assert_int_equal(holes(), 0);
    assert_model_sound();
}

static void a_failing_hypercall_changes_nothing(void **state)
{
    struct balloon_report r;
    unsigned long free_before = harness_frames_free();

    (void)state;
    /* The batch's hypercalls: mmu_update (unmap), mmuext (flush), memory_op: fail the third. */
    model_fail_hypercall(3, -XEN_ENOMEM);
    assert_int_equal(balloon_set_target(PAGES - 20, &r), -XEN_ENOMEM);
    assert_true(r.short_of_target);
    assert_int_equal(r.given_back, 0);
    assert_int_equal(holes(), 0);
    assert_int_equal(harness_frames_free(), free_before);
    assert_frame_lists_are_the_table();
    assert_model_sound();
}

/* --- holes that are not the balloon's ------------------------------------------------------ */

/*
 * high_pfn= (arch/x86/xen/saves.c) renames one of our frames to a pfn past the boot
 * size and leaves its old pfn a hole, inside the balloon's range.  The balloon gave
 * nothing back there: it must neither count it out nor fill it (once it did, reading
 * its record off the p2m, and the first watch event "brought back" a page).
 */
static pfn_t rename_a_frame_to(pfn_t high)
{
    pfn_t low = frame_alloc();
    mfn_t mfn = p2m_lookup(low);
    mmu_update_t req = { mfn_to_maddr(mfn) | MMU_MACHPHYS_UPDATE, pfn_x(high) };
    unsigned done = 0;

    assert_int_equal(hv_mmu_update(&req, 1, &done, DOMID_SELF), 0);
    assert_int_equal(p2m_set(high, mfn), 0);
    assert_int_equal(p2m_set(low, INVALID_MFN), 0);
    return low;
}

static void a_hole_it_did_not_make_is_not_its_to_fill(void **state)
{
    struct balloon_report r;
    pfn_t high = _pfn(PAGES + 5), low = rename_a_frame_to(high);
    mfn_t moved = p2m_lookup(high);

    (void)state;
    assert_true(pfn_x(low) >= pfn_x(first_free_pfn()) && pfn_x(low) < PAGES);   /* in its range */
    assert_int_equal(balloon_init(first_free_pfn(), _pfn(PAGES), PAGES, gone_bits, ARRAY_SIZE(gone_bits)), 0);
    assert_int_equal(balloon_pages_out(), 0);
    assert_int_equal(balloon_pages_now(), PAGES);
    assert_false(balloon_gave_back(low));
    assert_int_equal(balloon_check_holes(), 0);
    /* The first watch event finds the size it has: nothing to do, and nothing done. */
    set_target(PAGES, &r);
    assert_int_equal(r.asked, 0);
    assert_int_equal(r.brought_back, 0);
    assert_true(is_hole(pfn_x(low)));
    /* A round trip brings back exactly what it gave, and the stranger's hole stays one. */
    set_target(PAGES - 50, &r);
    assert_int_equal(r.given_back, 50);
    assert_int_equal(holes(), 51);
    assert_int_equal(balloon_check_holes(), 0);
    set_target(PAGES, &r);
    assert_int_equal(r.brought_back, 50);
    assert_int_equal(balloon_pages_out(), 0);
    assert_true(is_hole(pfn_x(low)));
    assert_false(balloon_gave_back(low));
    assert_int_equal(mfn_x(p2m_lookup(high)), mfn_x(moved));
    assert_int_equal(balloon_check_holes(), 0);
    assert_frame_lists_are_the_table();
    assert_model_sound();
}

/* Its record, not the p2m, is what it checks: a pfn it gave back that has a frame again behind its back is named. */
static void a_recorded_pfn_with_a_frame_is_reported(void **state)
{
    struct balloon_report r;
    pfn_t pfn;
    uint64_t p;

    (void)state;
    set_target(PAGES - 10, &r);
    for (p = 0; p < PAGES && !balloon_gave_back(_pfn(p)); p++)
        ;
    assert_true(p < PAGES);
    pfn = _pfn(p);
    assert_int_equal(p2m_set(pfn, _mfn(boot_mfns[0])), 0);   /* anything but a hole */
    pvmmu_clear_errors();
    assert_int_equal(balloon_check_holes(), 1);
    assert_true(pvmmu_error_seen("is given back, but the p2m has mfn"));
    assert_int_equal(p2m_set(pfn, INVALID_MFN), 0);
    assert_int_equal(balloon_check_holes(), 0);
}

/* --- a frame in use -------------------------------------------------------------------- */

/*
 * A frame the kernel still maps elsewhere, freed too early (a bug): the balloon
 * gets it from the allocator like any other.  Xen (as the model is, stricter)
 * refuses it, and the balloon puts the whole batch back and says so.
 */
static mfn_t leak_a_frame_still_mapped(bool mapped)
{
    pfn_t data = frame_alloc();
    mfn_t l1 = harness_table_frame();

    harness_entries(l1)[0] = mfn_to_maddr(harness_pfn_to_mfn(data)) | _PAGE_PRESENT | _PAGE_RW;
    if (mapped)
        assert_int_equal(harness_pin(1, l1), 0);
    frame_free(data);   /* the next frame_alloc hands it out again */
    return harness_pfn_to_mfn(data);
}

static void a_frame_still_in_use_is_refused_and_nothing_is_lost(void **state)
{
    struct balloon_report r;
    mfn_t leaked = leak_a_frame_still_mapped(true);
    pfn_t pfn = harness_mfn_to_pfn(leaked);
    unsigned long free_before = harness_frames_free();

    (void)state;
    set_target(PAGES - 8, &r);
    assert_int_equal(r.given_back, 0);
    assert_true(r.short_of_target);
    assert_true(pvmmu_error_seen("decrease_reservation took 0 of 8"));
    assert_non_null(strstr(model_last_refusal(), "still in use"));
    assert_int_equal(model_frame_owner(leaked), MODEL_OWNER_GUEST);
    assert_int_equal(mfn_x(p2m_lookup(pfn)), mfn_x(leaked));
    assert_int_equal(holes(), 0);
    assert_int_equal(harness_frames_free(), free_before);
    assert_model_sound();
}

static void negative_control_the_same_frame_unmapped_goes(void **state)
{
    struct balloon_report r;

    (void)state;
    leak_a_frame_still_mapped(false);
    set_target(PAGES - 8, &r);
    assert_int_equal(r.given_back, 8);
    assert_false(r.short_of_target);
}

/* The model's rule the balloon relies on: a frame still in the direct map is in use. */
static void xen_as_modelled_refuses_a_frame_still_mapped(void **state)
{
    pfn_t pfn = frame_alloc();
    xen_pfn_t mfn = mfn_x(p2m_lookup(pfn));
    struct xen_memory_reservation res = { .nr_extents = 1, .domid = DOMID_SELF };

    (void)state;
    set_xen_guest_handle(res.extent_start, &mfn);
    assert_int_equal(hv_memory_op(XENMEM_decrease_reservation, &res), 0);
    assert_non_null(strstr(model_last_refusal(), "still in use"));
    assert_int_equal(model_frame_owner(_mfn(mfn)), MODEL_OWNER_GUEST);
    frame_free(pfn);
}

/* --- across xl save and restore -------------------------------------------------------- */

/* The saver needs a start_info page; the rest of the kernel's suspend is not the point here. */
static mfn_t a_start_info(void)
{
    pfn_t page = frame_alloc(), store = frame_alloc(), console = frame_alloc();
    start_info_t *si = pfn_to_virt(page);

    memcpy(si->magic, "xen-3.0-x86_64", 15);
    si->nr_pages = PAGES;
    si->store_mfn = mfn_x(p2m_lookup(store));
    si->console.domU.mfn = mfn_x(p2m_lookup(console));
    return p2m_lookup(page);
}

static void the_holes_come_back_holes_and_fill_on_the_new_machine(void **state)
{
    struct balloon_report r;
    struct sr_image *img = NULL;
    mfn_t si = a_start_info();

    (void)state;
    set_target(PAGES - 100, &r);
    assert_int_equal(harness_save(si, &img), 0);
    assert_int_equal(harness_restore(img, &si), 0);
    sr_image_free(img);
    assert_int_equal(p2m_publish(harness_shared_info()), 0);   /* as every resume does */
    assert_int_equal(holes(), 100);                             /* saved as no page, restored as none */
    assert_int_equal(model_guest_pages(), PAGES - 100);
    assert_int_equal(balloon_check_holes(), 0);
    assert_frame_lists_are_the_table();
    set_target(PAGES, &r);
    assert_int_equal(r.brought_back, 100);
    assert_int_equal(r.verified, 100);
    assert_int_equal(holes(), 0);
    assert_frame_lists_are_the_table();
    assert_model_sound();
}

/* Each on a freshly booted guest with the frame lists published and the balloon started. */
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown_guest)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_target_is_a_plain_decimal_count_of_kib),
        T(frames_given_back_are_free_ones_unmapped_and_holes),
        T(a_page_table_or_p2m_leaf_is_never_given_back),
        T(frames_brought_back_are_mapped_known_and_usable),
        T(a_round_trip_survives_fresh_allocations),
        T(a_target_above_the_boot_size_is_capped),
        T(a_partial_decrease_puts_the_rest_back),
        T(a_partial_populate_leaves_the_rest_holes),
        T(a_failing_hypercall_changes_nothing),
        T(a_hole_it_did_not_make_is_not_its_to_fill),
        T(a_recorded_pfn_with_a_frame_is_reported),
        T(a_frame_still_in_use_is_refused_and_nothing_is_lost),
        T(negative_control_the_same_frame_unmapped_goes),
        T(xen_as_modelled_refuses_a_frame_still_mapped),
        T(the_holes_come_back_holes_and_fill_on_the_new_machine),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

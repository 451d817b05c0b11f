/*
 * The harness boots a guest the way Xen's domain builder does, and the model
 * accepts what it built: these tests are what the other suites stand on.
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

#define NR_PAGES 1200   /* three L1s of direct map, the last one partly used */

static int boot(void **state)
{
    (void)state;
    harness_boot(NR_PAGES);
    return 0;
}

static int shutdown(void **state)
{
    (void)state;
    harness_shutdown();
    return 0;
}


static void test_boot_shuffles_pfn_to_mfn_so_no_pfn_equals_its_mfn(void **state)
{
    (void)state;
    const uint64_t *list = harness_mfn_list();
    unsigned long moved_neighbours = 0;
    for (unsigned long pfn = 0; pfn < harness_nr_pages(); pfn++) {
        assert_int_not_equal(list[pfn], pfn);
        assert_int_equal(model_frame_owner(_mfn(list[pfn])), MODEL_OWNER_GUEST);
        if (pfn && list[pfn] != list[pfn - 1] + 1)
            moved_neighbours++;
    }
    assert_true(moved_neighbours > harness_nr_pages() / 2);
}

static void test_boot_sets_the_m2p_for_every_guest_frame(void **state)
{
    (void)state;
    for (unsigned long pfn = 0; pfn < harness_nr_pages(); pfn++) {
        uint64_t back = 0;
        assert_true(m2p_read_raw(_mfn(harness_mfn_list()[pfn]), &back));
        assert_int_equal(back, pfn);
    }
}

static void test_boot_pins_and_loads_a_validated_kernel_l4(void **state)
{
    (void)state;
    mfn_t l4 = harness_kernel_l4_mfn();
    assert_int_equal(model_frame_type(l4), MODEL_TYPE_L4);
    assert_true(model_frame_pinned(l4));
    assert_true(model_frame_validated(l4));
    assert_int_equal(model_frame_type_count(l4), 2);   /* the pin and the base pointer */
    assert_true(mfn_eq(model_kernel_base(), l4));
    assert_model_invariants();
}

static void test_direct_map_maps_every_pfn_table_frames_read_only(void **state)
{
    (void)state;
    for (unsigned long pfn = 0; pfn < harness_nr_pages(); pfn++) {
        struct model_xlat x;
        uint64_t va = HARNESS_DIRECT_MAP_VA + (pfn << PAGE_SHIFT);
        assert_true(model_translate(harness_kernel_l4_mfn(), va, &x));
        assert_int_equal(mfn_x(x.mfn), harness_mfn_list()[pfn]);
        assert_int_equal(x.rw, !harness_pfn_is_boot_table(_pfn(pfn)));
    }
}

static void test_direct_map_l1e_maddr_names_the_entry_that_maps_the_pfn(void **state)
{
    (void)state;
    for (unsigned long pfn = 0; pfn < harness_nr_pages(); pfn += 97) {
        uint64_t ma = direct_map_l1e_maddr(_pfn(pfn));
        uint64_t e = ((uint64_t *)model_frame_bytes(maddr_to_mfn(ma)))[(ma & 0xfff) / 8];
        assert_int_equal(mpte_mfn((mpte_t){ e }).mfn, harness_mfn_list()[pfn]);
        assert_int_equal(model_frame_type(maddr_to_mfn(ma)), MODEL_TYPE_L1);
    }
}

static void test_pfn_to_virt_reaches_the_machine_frame_and_back(void **state)
{
    (void)state;
    pfn_t pfn = _pfn(700);
    uint8_t *va = pfn_to_virt(pfn);
    va[5] = 0xab;
    assert_int_equal(((uint8_t *)model_frame_bytes(_mfn(harness_mfn_list()[700])))[5], 0xab);
    assert_int_equal(pfn_x(virt_to_pfn(va + 100)), 700);
    assert_int_equal(harness_guest_va(va + 8), HARNESS_DIRECT_MAP_VA + 700 * 4096 + 8);
    assert_ptr_equal(pfn_to_virt(_pfn(701)), va + PAGE_SIZE);   /* in pfn order, as a kernel's */
}

/* The host direct map keeps the guest's rights: a table's alias is read-only. */
static void test_direct_map_writes_to_page_tables_fault_as_on_xen(void **state)
{
    (void)state;
    assert_false(harness_writable(pfn_to_virt(harness_kernel_l4())));
    pfn_t data = frame_alloc();
    assert_true(harness_writable(pfn_to_virt(data)));
    assert_true(harness_direct_map_writable(data));
}

static void test_direct_map_follows_every_l1e_change_a_hypercall_makes(void **state)
{
    (void)state;
    pfn_t p = frame_alloc(), other = frame_alloc();
    mfn_t m = harness_pfn_to_mfn(p), om = harness_pfn_to_mfn(other);
    uint8_t *va = pfn_to_virt(p);
    mmu_update_t req = { direct_map_l1e_maddr(p), mfn_to_maddr(m) | _PAGE_PRESENT };

    assert_int_equal(hv_mmu_update(&req, 1, NULL, DOMID_SELF), 0);
    assert_false(harness_writable(va));
    assert_false(harness_direct_map_writable(p));

    req.val = 0;
    assert_int_equal(hv_mmu_update(&req, 1, NULL, DOMID_SELF), 0);
    assert_false(harness_writable(va));

    ((uint8_t *)model_frame_bytes(om))[42] = 0x77;
    uint64_t gva = HARNESS_DIRECT_MAP_VA + (pfn_x(p) << PAGE_SHIFT);
    assert_int_equal(hv_update_va_mapping(gva, mfn_to_maddr(om) | _PAGE_PRESENT | _PAGE_RW,
                                          UVMF_INVLPG),
                     0);
    assert_true(harness_writable(va));
    assert_int_equal(va[42], 0x77);   /* p's page now shows the other frame */
    assert_model_invariants();
}

static void test_frame_free_of_a_read_only_frame_is_reported(void **state)
{
    (void)state;
    pfn_t p = frame_alloc();
    mmu_update_t ro = { direct_map_l1e_maddr(p),
                        mfn_to_maddr(harness_pfn_to_mfn(p)) | _PAGE_PRESENT };
    assert_int_equal(hv_mmu_update(&ro, 1, NULL, DOMID_SELF), 0);
    frame_free(p);
    assert_int_equal(harness_frees_while_read_only(), 1);
    assert_int_equal(harness_frees_while_typed(), 0);
    assert_true(harness_log_contains("read-only"));
}

static void test_frame_alloc_hands_out_zeroed_non_table_frames_and_can_fail(void **state)
{
    (void)state;
    unsigned long before = harness_frames_free();
    pfn_t p = frame_alloc();
    assert_true(pfn_valid_value(p));
    assert_false(harness_pfn_is_boot_table(p));
    const uint8_t *bytes = pfn_to_virt(p);
    for (unsigned int i = 0; i < PAGE_SIZE; i++)
        assert_int_equal(bytes[i], 0);
    assert_int_equal(harness_frames_free(), before - 1);

    harness_fail_frame_alloc(2, false);
    pfn_t q = frame_alloc();
    assert_true(pfn_valid_value(q));
    assert_false(pfn_valid_value(frame_alloc()));
    pfn_t r = frame_alloc();
    assert_true(pfn_valid_value(r));
    frame_free(p);
    frame_free(q);
    frame_free(r);
    assert_int_equal(harness_frames_free(), before);

    harness_fail_frame_alloc(1, true);
    assert_false(pfn_valid_value(frame_alloc()));
    assert_false(pfn_valid_value(frame_alloc()));
}

static void test_frame_free_of_a_pinned_table_is_reported(void **state)
{
    (void)state;
    pfn_t p = frame_alloc();
    mmu_update_t ro = { direct_map_l1e_maddr(p),
                        mfn_to_maddr(harness_pfn_to_mfn(p)) | _PAGE_PRESENT };
    assert_int_equal(hv_mmu_update(&ro, 1, NULL, DOMID_SELF), 0);
    struct mmuext_op pin = { .cmd = MMUEXT_PIN_L1_TABLE,
                             .arg1.mfn = mfn_x(harness_pfn_to_mfn(p)) };
    assert_int_equal(hv_mmuext_op(&pin, 1, NULL, DOMID_SELF), 0);
    frame_free(p);
    assert_int_equal(harness_frees_while_typed(), 1);
    assert_true(harness_log_contains("still a page table"));
}

static void test_p2m_window_maps_the_same_frame_read_only_or_writable(void **state)
{
    (void)state;
    uint8_t *w = p2m_window_reserve(4 * PAGE_SIZE);
    assert_non_null(w);
    pfn_t p = frame_alloc();
    assert_int_equal(p2m_window_map(w, p, true), 0);
    assert_int_equal(p2m_window_map(w + PAGE_SIZE, p, false), 0);
    w[10] = 0x5a;
    assert_int_equal(((uint8_t *)pfn_to_virt(p))[10], 0x5a);
    assert_int_equal(w[PAGE_SIZE + 10], 0x5a);
    assert_true(harness_writable(w));
    assert_false(harness_writable(w + PAGE_SIZE));       /* read-only, as mapped */
    assert_false(harness_writable(w + 2 * PAGE_SIZE));   /* reserved, never mapped */
    assert_int_equal(p2m_window_map(w + 1, p, true), -XEN_EINVAL);
    assert_int_equal(p2m_window_map(w + 4 * PAGE_SIZE, p, true), -XEN_EINVAL);
}

static void test_m2p_holes_make_reads_fail(void **state)
{
    (void)state;
    mfn_t m = _mfn(harness_mfn_list()[3]);
    uint64_t pfn;
    model_m2p_set_hole(m, 1, true);
    assert_false(m2p_read_raw(m, &pfn));
    model_m2p_set_hole(m, 1, false);
    assert_true(m2p_read_raw(m, &pfn));
    assert_false(m2p_read_raw(_mfn(model_nr_frames()), &pfn));
}

static void test_boot_leaves_counters_at_zero(void **state)
{
    (void)state;
    assert_int_equal(model_counters()->traps, 0);
    assert_int_equal(model_counters()->validations, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_boot_shuffles_pfn_to_mfn_so_no_pfn_equals_its_mfn, boot, shutdown),
        cmocka_unit_test_setup_teardown(test_boot_sets_the_m2p_for_every_guest_frame, boot, shutdown),
        cmocka_unit_test_setup_teardown(test_boot_pins_and_loads_a_validated_kernel_l4, boot, shutdown),
        cmocka_unit_test_setup_teardown(test_direct_map_maps_every_pfn_table_frames_read_only, boot, shutdown),
        cmocka_unit_test_setup_teardown(test_direct_map_l1e_maddr_names_the_entry_that_maps_the_pfn, boot, shutdown),
        cmocka_unit_test_setup_teardown(test_pfn_to_virt_reaches_the_machine_frame_and_back, boot, shutdown),
        cmocka_unit_test_setup_teardown(test_direct_map_writes_to_page_tables_fault_as_on_xen, boot, shutdown),
        cmocka_unit_test_setup_teardown(test_direct_map_follows_every_l1e_change_a_hypercall_makes, boot, shutdown),
        cmocka_unit_test_setup_teardown(test_frame_free_of_a_read_only_frame_is_reported, boot, shutdown),
        cmocka_unit_test_setup_teardown(test_frame_alloc_hands_out_zeroed_non_table_frames_and_can_fail, boot, shutdown),
        cmocka_unit_test_setup_teardown(test_frame_free_of_a_pinned_table_is_reported, boot, shutdown),
        cmocka_unit_test_setup_teardown(test_p2m_window_maps_the_same_frame_read_only_or_writable, boot, shutdown),
        cmocka_unit_test_setup_teardown(test_m2p_holes_make_reads_fail, boot, shutdown),
        cmocka_unit_test_setup_teardown(test_boot_leaves_counters_at_zero, boot, shutdown),
    };
    return cmocka_run_group_tests_name("model_boot", tests, NULL, NULL);
}

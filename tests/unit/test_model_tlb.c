/*
 * The model's TLB: a translation the CPU used stays usable until a flush
 * covers it.  These tests pin down which flush covers what, so that the core's
 * tests can ask model_tlb_stale() whether a downgrade was flushed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <xen/pvmmu/hypercall.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/pte.h>

#include "tests/harness/harness_cmocka.h"

#define P _PAGE_PRESENT
#define RW _PAGE_RW
#define AD (_PAGE_ACCESSED | _PAGE_DIRTY)

struct page {
    pfn_t pfn;
    mfn_t mfn;
    uint64_t va;   /* in the guest's direct map */
};

static struct page touched_page(void)
{
    struct page p;
    p.pfn = frame_alloc();
    p.mfn = harness_pfn_to_mfn(p.pfn);
    p.va = HARNESS_DIRECT_MAP_VA + (pfn_x(p.pfn) << PAGE_SHIFT);
    assert_int_equal(model_touch(harness_kernel_l4_mfn(), p.va, true), MODEL_TOUCH_OK);
    return p;
}

static void assert_no_stale_entries(void)
{
    char why[256];
    if (model_tlb_stale(why, sizeof(why)))
        fail_msg("%s", why);
}

static void test_a_downgrade_without_a_flush_leaves_a_stale_writable_entry(void **state)
{
    (void)state;
    struct page p = touched_page();
    char why[256];
    assert_int_equal(hv_update_va_mapping(p.va, mfn_to_maddr(p.mfn) | P, UVMF_NONE), 0);
    assert_int_equal(model_tlb_stale(why, sizeof(why)), 1);
    assert_non_null(strstr(why, "read-only"));

    struct model_xlat x;
    assert_true(model_tlb_lookup(harness_kernel_l4_mfn(), p.va, &x));
    assert_true(x.rw);   /* what the CPU would still use */
    assert_true(model_translate(harness_kernel_l4_mfn(), p.va, &x));
    assert_false(x.rw);  /* what the tables say */
}

static void test_uvmf_invlpg_flushes_the_page_it_changed(void **state)
{
    (void)state;
    struct page p = touched_page();
    assert_int_equal(hv_update_va_mapping(p.va, mfn_to_maddr(p.mfn) | P, UVMF_INVLPG), 0);
    assert_no_stale_entries();
}

static void test_invlpg_of_the_host_pointer_flushes_the_guest_page(void **state)
{
    (void)state;
    struct page p = touched_page();
    mmu_update_t unmap = { direct_map_l1e_maddr(p.pfn), 0 };
    assert_int_equal(hv_mmu_update(&unmap, 1, NULL, DOMID_SELF), 0);
    char why[256];
    assert_int_equal(model_tlb_stale(why, sizeof(why)), 1);
    assert_non_null(strstr(why, "no longer mapped"));

    struct mmuext_op inv = { .cmd = MMUEXT_INVLPG_LOCAL,
                             .arg1.linear_addr = (uintptr_t)pfn_to_virt(p.pfn) };
    assert_int_equal(hv_mmuext_op(&inv, 1, NULL, DOMID_SELF), 0);
    assert_no_stale_entries();
}

static void test_a_full_flush_empties_the_tlb(void **state)
{
    (void)state;
    struct page a = touched_page(), b = touched_page();
    assert_int_equal(hv_update_va_mapping(a.va, mfn_to_maddr(a.mfn) | P, UVMF_NONE), 0);
    assert_int_equal(hv_update_va_mapping(b.va, mfn_to_maddr(b.mfn) | P, UVMF_NONE), 0);
    assert_int_equal(model_tlb_stale(NULL, 0), 2);
    struct mmuext_op flush = { .cmd = MMUEXT_TLB_FLUSH_ALL };
    assert_int_equal(hv_mmuext_op(&flush, 1, NULL, DOMID_SELF), 0);
    assert_no_stale_entries();
}

/* A CR3 load drops non-global translations only: user l1es are GLOBAL once adjusted. */
static void test_loading_a_root_flushes_non_global_entries_only(void **state)
{
    (void)state;
    struct page user = touched_page(), kernel = touched_page();
    uint64_t user_rw = mfn_to_maddr(user.mfn) | P | RW | _PAGE_USER | AD;
    assert_int_equal(hv_update_va_mapping(user.va, user_rw, UVMF_INVLPG), 0);
    assert_int_equal(model_touch(harness_kernel_l4_mfn(), user.va, true), MODEL_TOUCH_OK);

    assert_int_equal(hv_update_va_mapping(user.va, mfn_to_maddr(user.mfn) | P | _PAGE_USER,
                                          UVMF_NONE),
                     0);
    assert_int_equal(hv_update_va_mapping(kernel.va, mfn_to_maddr(kernel.mfn) | P, UVMF_NONE),
                     0);
    assert_int_equal(model_tlb_stale(NULL, 0), 2);

    struct mmuext_op reload = { .cmd = MMUEXT_NEW_BASEPTR,
                                .arg1.mfn = mfn_x(harness_kernel_l4_mfn()) };
    assert_int_equal(hv_mmuext_op(&reload, 1, NULL, DOMID_SELF), 0);
    char why[256];
    assert_int_equal(model_tlb_stale(why, sizeof(why)), 1);   /* the global one survives */
    assert_non_null(strstr(why, "read-only"));
}

static void test_an_upgrade_needs_no_flush(void **state)
{
    (void)state;
    struct page p = touched_page();
    assert_int_equal(hv_update_va_mapping(p.va, mfn_to_maddr(p.mfn) | P, UVMF_INVLPG), 0);
    assert_int_equal(model_touch(harness_kernel_l4_mfn(), p.va, false), MODEL_TOUCH_OK);
    assert_int_equal(hv_update_va_mapping(p.va, mfn_to_maddr(p.mfn) | P | RW, UVMF_NONE), 0);
    assert_no_stale_entries();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        HARNESS_TEST(test_a_downgrade_without_a_flush_leaves_a_stale_writable_entry),
        HARNESS_TEST(test_uvmf_invlpg_flushes_the_page_it_changed),
        HARNESS_TEST(test_invlpg_of_the_host_pointer_flushes_the_guest_page),
        HARNESS_TEST(test_a_full_flush_empties_the_tlb),
        HARNESS_TEST(test_loading_a_root_flushes_non_global_entries_only),
        HARNESS_TEST(test_an_upgrade_needs_no_flush),
    };
    return cmocka_run_group_tests_name("model_tlb", tests, NULL, NULL);
}

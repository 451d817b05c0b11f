/*
 * The model's test machinery: injected faults, the counters' exactness, the
 * hardware walker, and the invariant checker catching a broken state.  A
 * checker that never fires proves nothing, so here it is made to fire.
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

/* --- fault injection ---------------------------------------------------------------------- */

static void test_an_injected_hypercall_failure_strikes_the_nth_call_and_does_nothing(void **state)
{
    (void)state;
    mfn_t l1 = harness_table_frame();
    struct mmuext_op flush = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };
    unsigned int done = 5;
    model_reset_counters();
    model_fail_hypercall(2, -XEN_ENOMEM);

    assert_int_equal(hv_mmuext_op(&flush, 1, NULL, DOMID_SELF), 0);
    assert_int_equal(harness_pin(1, l1), -XEN_ENOMEM);   /* the second call */
    assert_false(model_frame_pinned(l1));
    assert_int_equal(model_frame_type(l1), MODEL_TYPE_NONE);
    assert_int_equal(hv_mmuext_op(&flush, 1, &done, DOMID_SELF), 0);   /* disarmed */
    assert_int_equal(done, 1);

    const struct model_counters *c = model_counters();
    assert_int_equal(c->traps, 3);
    assert_int_equal(c->injected_faults, 1);
    assert_int_equal(c->pins, 0);
    assert_int_equal(c->tlb_flushes, 2);
    assert_model_invariants();
}

static void test_an_injected_failure_of_mmu_update_reports_nothing_done(void **state)
{
    (void)state;
    mfn_t f = harness_table_frame();
    mmu_update_t req = { harness_entry_maddr(f, 0), 77 };
    unsigned int done = 9;
    model_fail_hypercall(1, -XEN_EFAULT);
    assert_int_equal(hv_mmu_update(&req, 1, &done, DOMID_SELF), -XEN_EFAULT);
    assert_int_equal(done, 0);
    assert_int_equal(harness_entries(f)[0], 0);
}

static void test_a_whole_multicall_can_fail_without_running_any_entry(void **state)
{
    (void)state;
    struct mmuext_op flush = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };
    multicall_entry_t mc = { .op = __HYPERVISOR_mmuext_op, .result = 1234,
                             .args = { (uintptr_t)&flush, 1, 0, DOMID_SELF } };
    model_reset_counters();
    model_fail_hypercall(1, -XEN_EINVAL);
    assert_int_equal(hv_multicall(&mc, 1), -XEN_EINVAL);
    assert_int_equal(mc.result, 1234);
    assert_int_equal(model_counters()->tlb_flushes, 0);
    assert_int_equal(model_counters()->multicall_entries, 0);
}

static void test_an_injected_entry_failure_strikes_the_nth_multicall_entry_only(void **state)
{
    (void)state;
    mfn_t a = harness_table_frame(), b = harness_table_frame(), c = harness_table_frame();
    struct mmuext_op pins[3] = {
        { .cmd = MMUEXT_PIN_L1_TABLE, .arg1.mfn = mfn_x(a) },
        { .cmd = MMUEXT_PIN_L1_TABLE, .arg1.mfn = mfn_x(b) },
        { .cmd = MMUEXT_PIN_L1_TABLE, .arg1.mfn = mfn_x(c) },
    };
    multicall_entry_t mc[3];
    for (unsigned int i = 0; i < 3; i++)
        mc[i] = (multicall_entry_t){ .op = __HYPERVISOR_mmuext_op,
                                     .args = { (uintptr_t)&pins[i], 1, 0, DOMID_SELF } };
    model_fail_multicall_entry(2, -XEN_ENOMEM);
    assert_int_equal(hv_multicall(mc, 3), 0);
    assert_int_equal((long)mc[0].result, 0);
    assert_int_equal((long)mc[1].result, -XEN_ENOMEM);
    assert_int_equal((long)mc[2].result, 0);
    assert_true(model_frame_pinned(a));
    assert_false(model_frame_pinned(b));
    assert_true(model_frame_pinned(c));
    assert_int_equal(model_counters()->injected_faults, 1);
    assert_model_invariants();
}

/* --- counters --------------------------------------------------------------------------------- */

static void test_counters_count_traps_not_work_and_reset_to_zero(void **state)
{
    (void)state;
    mfn_t d = harness_data_frame();
    mfn_t l1 = harness_table_frame();
    mmu_update_t reqs[3] = {
        { harness_entry_maddr(l1, 0), ent(d, P) },
        { harness_entry_maddr(l1, 1), ent(d, P) },
        { harness_entry_maddr(l1, 2), ent(d, P) },
    };
    model_reset_counters();
    assert_int_equal(hv_mmu_update(reqs, 3, NULL, DOMID_SELF), 0);
    assert_int_equal(harness_pin(1, l1), 0);
    const struct model_counters *c = model_counters();
    assert_int_equal(c->traps, 2);
    assert_int_equal(c->mmu_update_calls, 1);
    assert_int_equal(c->mmu_update_reqs, 3);
    assert_int_equal(c->mmuext_op_calls, 1);
    assert_int_equal(c->mmuext_ops, 1);
    assert_int_equal(c->validations, 1);
    model_reset_counters();
    assert_int_equal(c->traps, 0);
    assert_int_equal(c->validations, 0);
    assert_string_equal(model_last_refusal(), "");
}

/* --- the hardware -------------------------------------------------------------------------------- */

static void test_translate_combines_the_rights_of_every_level(void **state)
{
    (void)state;
    mfn_t l4 = harness_table_frame(), l3 = harness_table_frame(), l2 = harness_table_frame(),
          l1 = harness_table_frame(), d = harness_data_frame();
    uint64_t va = 0x0000123456789000ULL;
    harness_entries(l4)[pt_index(va, 4)] = ent(l3, P | RW | _PAGE_USER);
    harness_entries(l3)[pt_index(va, 3)] = ent(l2, P | _PAGE_USER);           /* no RW */
    harness_entries(l2)[pt_index(va, 2)] = ent(l1, P | RW | _PAGE_USER | _PAGE_NX);
    harness_entries(l1)[pt_index(va, 1)] = ent(d, P | RW | _PAGE_USER);
    struct model_xlat x;
    assert_true(model_translate(l4, va + 0x123, &x));
    assert_int_equal(mfn_x(x.mfn), mfn_x(d));
    assert_false(x.rw);
    assert_true(x.user);
    assert_true(x.nx);
    assert_false(model_translate(l4, va + PAGE_SIZE, &x));
    assert_false(model_translate(l4, 0x0000800000000000ULL, &x));   /* not canonical */
}

static void test_touch_sets_accessed_everywhere_and_dirty_on_write_only(void **state)
{
    (void)state;
    pfn_t pfn = frame_alloc();
    uint64_t va = HARNESS_DIRECT_MAP_VA + (pfn_x(pfn) << PAGE_SHIFT);
    uint64_t ma = direct_map_l1e_maddr(pfn);
    uint64_t *l1e = &harness_entries(maddr_to_mfn(ma))[(ma & (PAGE_SIZE - 1)) / 8];
    mfn_t l4 = harness_kernel_l4_mfn();

    *l1e &= ~(_PAGE_ACCESSED | _PAGE_DIRTY);   /* as if freshly written */
    harness_entries(l4)[272] &= ~_PAGE_ACCESSED;
    assert_int_equal(model_touch(l4, va, false), MODEL_TOUCH_OK);
    assert_true(*l1e & _PAGE_ACCESSED);
    assert_false(*l1e & _PAGE_DIRTY);
    assert_true(harness_entries(l4)[272] & _PAGE_ACCESSED);
    assert_int_equal(model_touch(l4, va, true), MODEL_TOUCH_OK);
    assert_true(*l1e & _PAGE_DIRTY);

    /* The kernel's own tables are mapped read-only: a write faults. */
    uint64_t table_va = HARNESS_DIRECT_MAP_VA + (pfn_x(harness_kernel_l4()) << PAGE_SHIFT);
    assert_int_equal(model_touch(l4, table_va, true), MODEL_TOUCH_READ_ONLY);
    assert_int_equal(model_touch(l4, 0x1000, false), MODEL_TOUCH_NOT_MAPPED);
    assert_model_invariants();
}

/* --- the invariant checker ------------------------------------------------------------------------ */

static void test_invariant_checker_catches_a_writable_mapping_of_a_table(void **state)
{
    (void)state;
    mfn_t table = harness_table_frame(), l1 = harness_table_frame();
    assert_int_equal(harness_pin(1, table), 0);
    assert_int_equal(harness_pin(1, l1), 0);
    harness_entries(l1)[0] = ent(table, P | RW);   /* behind Xen's back */
    char why[256];
    assert_false(model_check_invariants(why, sizeof(why)));
    assert_non_null(strstr(why, "referenced as two different types"));
}

static void test_invariant_checker_catches_a_type_count_that_lies(void **state)
{
    (void)state;
    mfn_t d = harness_data_frame(), l1 = harness_table_frame();
    harness_entries(l1)[0] = ent(d, P | RW);
    assert_int_equal(harness_pin(1, l1), 0);
    harness_entries(l1)[0] = 0;   /* the reference is gone, the count is not */
    char why[256];
    assert_false(model_check_invariants(why, sizeof(why)));
    assert_non_null(strstr(why, "type count 2 but 1 references"));
}

static void test_invariant_checker_catches_a_scribbled_xen_slot(void **state)
{
    (void)state;
    harness_entries(harness_kernel_l4_mfn())[257] = 0;
    char why[256];
    assert_false(model_check_invariants(why, sizeof(why)));
    assert_non_null(strstr(why, "not Xen's entry"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        HARNESS_TEST(test_an_injected_hypercall_failure_strikes_the_nth_call_and_does_nothing),
        HARNESS_TEST(test_an_injected_failure_of_mmu_update_reports_nothing_done),
        HARNESS_TEST(test_a_whole_multicall_can_fail_without_running_any_entry),
        HARNESS_TEST(test_an_injected_entry_failure_strikes_the_nth_multicall_entry_only),
        HARNESS_TEST(test_counters_count_traps_not_work_and_reset_to_zero),
        HARNESS_TEST(test_translate_combines_the_rights_of_every_level),
        HARNESS_TEST(test_touch_sets_accessed_everywhere_and_dirty_on_write_only),
        HARNESS_TEST(test_invariant_checker_catches_a_writable_mapping_of_a_table),
        HARNESS_TEST(test_invariant_checker_catches_a_type_count_that_lies),
        HARNESS_TEST(test_invariant_checker_catches_a_scribbled_xen_slot),
    };
    return cmocka_run_group_tests_name("model_faults", tests, NULL, NULL);
}

/*
 * The hypercalls' own conventions, as do_mmu_update, do_mmuext_op,
 * do_update_va_mapping (xen/arch/x86/mm.c), do_multicall
 * (xen/common/multicall.c) and XENMEM_machphys_mapping have them: what stops
 * a list, what *done says, what a multicall reports, and what each one counts.
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
#define AD (_PAGE_ACCESSED | _PAGE_DIRTY)
/* What adjust_guest_l1e adds to a kernel mapping. */
#define KERN (_PAGE_USER | MODEL_PAGE_GUEST_KERNEL)

static uint64_t ent(mfn_t target, uint64_t flags)
{
    return mfn_to_maddr(target) | flags;
}

static mfn_t pinned_l1_with(mfn_t data, unsigned int slot, uint64_t flags)
{
    mfn_t l1 = harness_table_frame();
    harness_entries(l1)[slot] = ent(data, flags);
    assert_int_equal(harness_pin(1, l1), 0);
    return l1;
}

/* --- mmu_update ------------------------------------------------------------------------ */

/* do_mmu_update: page_lock fails on an untyped frame -> get_page_type(writable), a store. */
static void test_mmu_update_on_an_untyped_frame_is_a_plain_write(void **state)
{
    (void)state;
    mfn_t f = harness_table_frame();   /* read-only alias, but no type yet */
    uint64_t junk = 0x1234567800000abcULL;   /* no check applies to plain memory */
    assert_int_equal(harness_update(f, 17, junk), 0);
    assert_int_equal(harness_entries(f)[17], junk);
    assert_int_equal(model_frame_type(f), MODEL_TYPE_NONE);
    assert_model_invariants();
}

static void test_mmu_update_stops_at_the_first_failure_and_says_how_many_succeeded(void **state)
{
    (void)state;
    mfn_t d = harness_data_frame();
    mfn_t l1 = pinned_l1_with(d, 0, P | RW);
    mmu_update_t reqs[4] = {
        { harness_entry_maddr(l1, 1), ent(d, P) },
        { harness_entry_maddr(l1, 2), ent(d, P | RW) },
        { harness_entry_maddr(l1, 3), ent(d, P | _PAGE_PCD) },   /* refused */
        { harness_entry_maddr(l1, 4), ent(d, P) },               /* never reached */
    };
    unsigned int done = 99;
    model_reset_counters();
    assert_int_equal(hv_mmu_update(reqs, 4, &done, DOMID_SELF), -XEN_EINVAL);
    assert_int_equal(done, 2);
    assert_int_equal(harness_entries(l1)[2], ent(d, P | RW | KERN));
    assert_int_equal(harness_entries(l1)[4], 0);
    assert_int_equal(model_counters()->mmu_update_reqs, 3);
    assert_int_equal(model_counters()->traps, 1);
    assert_model_invariants();
}

/* update_intpte(..., preserve_ad): new |= old & (A|D). */
static void test_preserve_ad_keeps_the_hardware_accessed_and_dirty_bits(void **state)
{
    (void)state;
    mfn_t d = harness_data_frame();
    mfn_t l1 = pinned_l1_with(d, 0, P | RW | AD);
    mmu_update_t req = { harness_entry_maddr(l1, 0) | MMU_PT_UPDATE_PRESERVE_AD, ent(d, P) };
    assert_int_equal(hv_mmu_update(&req, 1, NULL, DOMID_SELF), 0);
    assert_int_equal(harness_entries(l1)[0], ent(d, P | AD | KERN));
    assert_int_equal(model_frame_type_count(d), 1);   /* the RW reference went away */

    req.ptr = harness_entry_maddr(l1, 0) | MMU_NORMAL_PT_UPDATE;
    assert_int_equal(hv_mmu_update(&req, 1, NULL, DOMID_SELF), 0);
    assert_int_equal(harness_entries(l1)[0], ent(d, P | KERN));
    assert_model_invariants();
}

/* MMU_MACHPHYS_UPDATE: get_page_from_mfn(mfn, pg_owner), then set_gpfn_from_mfn. */
static void test_machphys_update_sets_the_m2p_of_an_owned_frame_only(void **state)
{
    (void)state;
    mfn_t d = harness_data_frame();
    mmu_update_t req = { mfn_to_maddr(d) | MMU_MACHPHYS_UPDATE, 4242 };
    uint64_t pfn = 0;
    assert_int_equal(hv_mmu_update(&req, 1, NULL, DOMID_SELF), 0);
    assert_true(m2p_read_raw(d, &pfn));
    assert_int_equal(pfn, 4242);

    req.ptr = mfn_to_maddr(harness_foreign_mfn(0)) | MMU_MACHPHYS_UPDATE;
    assert_int_equal(hv_mmu_update(&req, 1, NULL, DOMID_SELF), -XEN_EINVAL);
    assert_refused_by("mach->phys");
}

static void test_mmu_update_refuses_frames_the_guest_does_not_own_and_unknown_commands(void **state)
{
    (void)state;
    mmu_update_t req = { mfn_to_maddr(harness_foreign_mfn(0)), 0 };
    assert_int_equal(hv_mmu_update(&req, 1, NULL, DOMID_SELF), -XEN_EINVAL);
    req.ptr = mfn_to_maddr(harness_data_frame()) | 5;
    assert_int_equal(hv_mmu_update(&req, 1, NULL, DOMID_SELF), -XEN_ENOSYS);
}

/* --- mmuext_op ---------------------------------------------------------------------------- */

/* new_guest_cr3: take an L4 reference on the new root, drop the old one's. */
static void test_new_baseptr_moves_the_root_reference(void **state)
{
    (void)state;
    mfn_t old = harness_kernel_l4_mfn(), l4 = harness_table_frame();
    harness_entries(l4)[272] = harness_entries(old)[272];   /* share the kernel half */
    struct mmuext_op op = { .cmd = MMUEXT_NEW_BASEPTR, .arg1.mfn = mfn_x(l4) };
    assert_int_equal(hv_mmuext_op(&op, 1, NULL, DOMID_SELF), 0);
    assert_true(mfn_eq(model_kernel_base(), l4));
    assert_int_equal(model_frame_type_count(l4), 1);
    assert_int_equal(model_frame_type_count(old), 1);   /* only its pin is left */
    assert_model_invariants();

    op.arg1.mfn = mfn_x(harness_data_frame());   /* writable: cannot be an L4 */
    assert_int_equal(hv_mmuext_op(&op, 1, NULL, DOMID_SELF), -XEN_EINVAL);
    assert_true(mfn_eq(model_kernel_base(), l4));
}

/* MMUEXT_NEW_USER_BASEPTR: mfn 0 means none; the old root's reference is dropped. */
static void test_new_user_baseptr_takes_and_releases_and_zero_means_none(void **state)
{
    (void)state;
    mfn_t user = harness_table_frame();
    struct mmuext_op op = { .cmd = MMUEXT_NEW_USER_BASEPTR, .arg1.mfn = mfn_x(user) };
    assert_int_equal(hv_mmuext_op(&op, 1, NULL, DOMID_SELF), 0);
    assert_true(mfn_eq(model_user_base(), user));
    assert_int_equal(model_frame_type(user), MODEL_TYPE_L4);
    assert_model_invariants();

    op.arg1.mfn = 0;
    assert_int_equal(hv_mmuext_op(&op, 1, NULL, DOMID_SELF), 0);
    assert_false(mfn_valid_value(model_user_base()));
    assert_int_equal(model_frame_type(user), MODEL_TYPE_NONE);
    assert_model_invariants();
}

static void test_mmuext_flushes_are_counted_and_a_list_stops_at_its_first_failure(void **state)
{
    (void)state;
    unsigned long mask = 1;
    struct mmuext_op ops[6] = {
        { .cmd = MMUEXT_TLB_FLUSH_LOCAL },
        { .cmd = MMUEXT_INVLPG_LOCAL, .arg1.linear_addr = HARNESS_DIRECT_MAP_VA },
        { .cmd = MMUEXT_TLB_FLUSH_MULTI, .arg2.vcpumask.p = &mask },
        { .cmd = MMUEXT_INVLPG_ALL, .arg1.linear_addr = HARNESS_DIRECT_MAP_VA },
        { .cmd = MMUEXT_UNPIN_TABLE, .arg1.mfn = mfn_x(harness_table_frame()) },
        { .cmd = MMUEXT_TLB_FLUSH_ALL },
    };
    unsigned int done = 0;
    model_reset_counters();
    assert_int_equal(hv_mmuext_op(ops, 6, &done, DOMID_SELF), -XEN_EINVAL);
    assert_int_equal(done, 4);
    assert_int_equal(model_counters()->tlb_flushes, 2);
    assert_int_equal(model_counters()->invlpgs, 2);
    assert_int_equal(model_counters()->mmuext_ops, 5);
    assert_int_equal(model_counters()->traps, 1);

    struct mmuext_op no_mask = { .cmd = MMUEXT_INVLPG_MULTI };
    assert_int_equal(hv_mmuext_op(&no_mask, 1, NULL, DOMID_SELF), -XEN_EINVAL);
}

/* --- update_va_mapping ---------------------------------------------------------------------- */

static void test_update_va_mapping_changes_the_l1e_that_maps_the_address(void **state)
{
    (void)state;
    pfn_t pfn = frame_alloc();
    uint64_t va = HARNESS_DIRECT_MAP_VA + (pfn_x(pfn) << PAGE_SHIFT);
    mfn_t mfn = harness_pfn_to_mfn(pfn);
    model_reset_counters();

    assert_int_equal(hv_update_va_mapping(va, ent(mfn, P | _PAGE_ACCESSED), UVMF_INVLPG), 0);
    struct model_xlat x;
    assert_true(model_translate(harness_kernel_l4_mfn(), va, &x));
    assert_false(x.rw);
    assert_int_equal(model_frame_type(mfn), MODEL_TYPE_NONE);
    assert_int_equal(model_counters()->invlpgs, 1);
    assert_int_equal(model_counters()->update_va_mapping_calls, 1);
    assert_model_invariants();

    /* The host pointer pfn_to_virt gave stands for the same guest address. */
    void *host = pfn_to_virt(pfn);
    assert_int_equal(hv_update_va_mapping((uint64_t)(uintptr_t)host, ent(mfn, P | RW | AD),
                                          UVMF_TLB_FLUSH),
                     0);
    assert_true(model_translate(harness_kernel_l4_mfn(), va, &x));
    assert_true(x.rw);
    assert_int_equal(model_counters()->tlb_flushes, 1);
    assert_model_invariants();
}

/* map_guest_l1e finds no L1 -> -EINVAL; a refused update skips the flush. */
static void test_update_va_mapping_refuses_an_address_no_l1_maps(void **state)
{
    (void)state;
    model_reset_counters();
    assert_int_equal(hv_update_va_mapping(0x400000, 0, UVMF_INVLPG), -XEN_EINVAL);
    assert_refused_by("no L1");
    assert_int_equal(hv_update_va_mapping(0xffff800000000000ULL, 0, 0), -XEN_EINVAL);
    pfn_t table = harness_kernel_l4();
    uint64_t va = HARNESS_DIRECT_MAP_VA + (pfn_x(table) << PAGE_SHIFT);
    assert_int_equal(hv_update_va_mapping(va, ent(harness_kernel_l4_mfn(), P | RW), UVMF_INVLPG),
                     -XEN_EBUSY);
    assert_int_equal(model_counters()->invlpgs, 0);
}

/* --- multicall ----------------------------------------------------------------------------- */

static void test_multicall_runs_every_entry_and_reports_each_result(void **state)
{
    (void)state;
    mfn_t d = harness_data_frame();
    mfn_t l1 = pinned_l1_with(d, 0, P);
    mmu_update_t good = { harness_entry_maddr(l1, 1), ent(d, P) };
    mmu_update_t bad = { harness_entry_maddr(l1, 2), ent(d, P | _PAGE_PWT) };
    unsigned int done_good = 9, done_bad = 9;
    struct mmuext_op flush = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };
    multicall_entry_t mc[4] = {
        { .op = __HYPERVISOR_mmu_update,
          .args = { (uintptr_t)&bad, 1, (uintptr_t)&done_bad, DOMID_SELF } },
        { .op = __HYPERVISOR_mmu_update,
          .args = { (uintptr_t)&good, 1, (uintptr_t)&done_good, DOMID_SELF } },
        { .op = __HYPERVISOR_mmuext_op, .args = { (uintptr_t)&flush, 1, 0, DOMID_SELF } },
        { .op = __HYPERVISOR_console_io },
    };
    model_reset_counters();
    assert_int_equal(hv_multicall(mc, 4), 0);
    assert_int_equal((long)mc[0].result, -XEN_EINVAL);
    assert_int_equal(done_bad, 0);
    assert_int_equal((long)mc[1].result, 0);
    assert_int_equal(done_good, 1);
    assert_int_equal((long)mc[2].result, 0);
    assert_int_equal((long)mc[3].result, -XEN_ENOSYS);
    assert_int_equal(harness_entries(l1)[1], ent(d, P | KERN));
    /* Like a debug Xen, the model leaves nothing but `result` readable. */
    assert_int_equal(mc[1].op, 0xaaaaaaaaaaaaaaaaULL);
    assert_int_equal(mc[1].args[0], 0xaaaaaaaaaaaaaaaaULL);

    const struct model_counters *c = model_counters();
    assert_int_equal(c->traps, 1);
    assert_int_equal(c->multicall_calls, 1);
    assert_int_equal(c->multicall_entries, 4);
    assert_int_equal(c->mmu_update_calls, 2);
    assert_int_equal(c->mmuext_op_calls, 1);
    assert_int_equal(c->tlb_flushes, 1);
    assert_model_invariants();
}

static void test_multicall_carries_update_va_mapping(void **state)
{
    (void)state;
    pfn_t pfn = frame_alloc();
    uint64_t va = HARNESS_DIRECT_MAP_VA + (pfn_x(pfn) << PAGE_SHIFT);
    multicall_entry_t mc = {
        .op = __HYPERVISOR_update_va_mapping,
        .args = { va, ent(harness_pfn_to_mfn(pfn), P), UVMF_INVLPG },
    };
    assert_int_equal(hv_multicall(&mc, 1), 0);
    assert_int_equal((long)mc.result, 0);
    assert_int_equal(model_frame_type(harness_pfn_to_mfn(pfn)), MODEL_TYPE_NONE);
}

/* --- memory_op -------------------------------------------------------------------------------- */

/*
 * arch_memory_op(XENMEM_machphys_mapping): a domU is told the whole m2p range
 * and MACH2PHYS_NR_ENTRIES - 1; only the hardware domain gets max_page - 1.
 * Entries past the machine's frames are holes (the read faults).
 */
static void test_machphys_mapping_tells_a_domu_the_whole_m2p_range(void **state)
{
    (void)state;
    struct xen_machphys_mapping m;
    uint64_t pfn;
    assert_int_equal(hv_memory_op(XENMEM_machphys_mapping, &m), 0);
    assert_int_equal(m.v_start, MACH2PHYS_VIRT_START);
    assert_int_equal(m.v_end, MACH2PHYS_VIRT_END);
    assert_int_equal(m.max_mfn, MACH2PHYS_NR_ENTRIES - 1);
    assert_true(m.max_mfn > model_nr_frames() - 1);
    assert_false(model_m2p_read(_mfn(model_nr_frames()), &pfn));
    assert_int_equal(hv_memory_op(XENMEM_memory_map, &m), -XEN_ENOSYS);
    assert_int_equal(model_counters()->memory_op_calls, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        HARNESS_TEST(test_mmu_update_on_an_untyped_frame_is_a_plain_write),
        HARNESS_TEST(test_mmu_update_stops_at_the_first_failure_and_says_how_many_succeeded),
        HARNESS_TEST(test_preserve_ad_keeps_the_hardware_accessed_and_dirty_bits),
        HARNESS_TEST(test_machphys_update_sets_the_m2p_of_an_owned_frame_only),
        HARNESS_TEST(test_mmu_update_refuses_frames_the_guest_does_not_own_and_unknown_commands),
        HARNESS_TEST(test_new_baseptr_moves_the_root_reference),
        HARNESS_TEST(test_new_user_baseptr_takes_and_releases_and_zero_means_none),
        HARNESS_TEST(test_mmuext_flushes_are_counted_and_a_list_stops_at_its_first_failure),
        HARNESS_TEST(test_update_va_mapping_changes_the_l1e_that_maps_the_address),
        HARNESS_TEST(test_update_va_mapping_refuses_an_address_no_l1_maps),
        HARNESS_TEST(test_multicall_runs_every_entry_and_reports_each_result),
        HARNESS_TEST(test_multicall_carries_update_va_mapping),
        HARNESS_TEST(test_machphys_mapping_tells_a_domu_the_whole_m2p_range),
    };
    return cmocka_run_group_tests_name("model_hypercalls", tests, NULL, NULL);
}

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
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

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

/*
 * MMUEXT_NEW_BASEPTR -> new_guest_cr3 -> write_ptbase -> switch_cr3_cr4: with
 * CR4.PGE on, Xen turns it off around the CR3 write, so even the user l1es
 * adjust_guest_l1e made GLOBAL are flushed; with PCIDE there are no globals.
 * Reloading the same root is the same write_ptbase.
 */
static void test_loading_a_root_flushes_global_entries_too(void **state)
{
    (void)state;
    struct page user = touched_page(), kernel = touched_page();
    uint64_t user_rw = mfn_to_maddr(user.mfn) | P | RW | _PAGE_USER | AD;
    assert_int_equal(hv_update_va_mapping(user.va, user_rw, UVMF_INVLPG), 0);
    assert_int_equal(model_touch(harness_kernel_l4_mfn(), user.va, true), MODEL_TOUCH_OK);
    uint64_t l1e_maddr = direct_map_l1e_maddr(user.pfn);
    uint64_t l1e = harness_entries(maddr_to_mfn(l1e_maddr))[(l1e_maddr & (PAGE_SIZE - 1)) / 8];
    assert_true(l1e & _PAGE_GLOBAL);   /* adjust_guest_l1e made the user mapping global */

    assert_int_equal(hv_update_va_mapping(user.va, mfn_to_maddr(user.mfn) | P | _PAGE_USER,
                                          UVMF_NONE),
                     0);
    assert_int_equal(hv_update_va_mapping(kernel.va, mfn_to_maddr(kernel.mfn) | P, UVMF_NONE),
                     0);
    assert_int_equal(model_tlb_stale(NULL, 0), 2);

    struct mmuext_op reload = { .cmd = MMUEXT_NEW_BASEPTR,
                                .arg1.mfn = mfn_x(harness_kernel_l4_mfn()) };
    model_reset_counters();
    assert_int_equal(hv_mmuext_op(&reload, 1, NULL, DOMID_SELF), 0);
    assert_no_stale_entries();
    assert_int_equal(model_counters()->tlb_flushes, 0);   /* a root load, not a flush op */
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

/* A page the CPU has cached writable, since made read-only without a flush. */
static struct page stale_page(void)
{
    struct page p = touched_page();
    assert_int_equal(hv_update_va_mapping(p.va, mfn_to_maddr(p.mfn) | P, UVMF_NONE), 0);
    assert_int_equal(model_tlb_stale(NULL, 0), 1);
    return p;
}

static long one_mmuext(unsigned int cmd, uint64_t linear, const void *vcpumask)
{
    struct mmuext_op op = { .cmd = cmd, .arg1.linear_addr = linear };
    op.arg2.vcpumask.p = vcpumask;
    return hv_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

/* paging_invlpg(): `if ( !is_canonical_address(linear) ) return;` -- success, no flush. */
static void test_invlpg_local_of_a_non_canonical_address_does_nothing(void **state)
{
    (void)state;
    stale_page();
    model_reset_counters();
    assert_int_equal(one_mmuext(MMUEXT_INVLPG_LOCAL, 0x0000800000000000ULL, NULL), 0);
    assert_int_equal(model_counters()->invlpgs, 0);
    /* Xen's own range is canonical: paging_invlpg does flush it. */
    assert_int_equal(one_mmuext(MMUEXT_INVLPG_LOCAL, 0xffff800000001000ULL, NULL), 0);
    assert_int_equal(model_counters()->invlpgs, 1);
}

/* MMUEXT_INVLPG_ALL / _MULTI: flush_tlb_one_mask only `if ( __addr_ok(linear_addr) )`. */
static void test_invlpg_to_a_mask_ignores_addresses_that_fail_addr_ok(void **state)
{
    (void)state;
    unsigned long me = 1;
    stale_page();
    model_reset_counters();
    assert_int_equal(one_mmuext(MMUEXT_INVLPG_ALL, 0xffff800000001000ULL, NULL), 0);
    assert_int_equal(one_mmuext(MMUEXT_INVLPG_MULTI, 0xffff800000001000ULL, &me), 0);
    assert_int_equal(one_mmuext(MMUEXT_INVLPG_ALL, 0x0000900000000000ULL, NULL), 0);
    assert_int_equal(model_counters()->invlpgs, 0);
    assert_int_equal(one_mmuext(MMUEXT_INVLPG_ALL, 0xffff880000000000ULL, NULL), 0);
    assert_int_equal(model_counters()->invlpgs, 1);   /* past HYPERVISOR_VIRT_END: ok */
}

/* vcpumask_to_pcpumask(): an empty mask names no CPU, so the flush reaches none. */
static void test_a_flush_to_an_empty_vcpumask_flushes_nothing(void **state)
{
    (void)state;
    unsigned long none = 0, me = 1;
    struct page p = stale_page();
    assert_int_equal(one_mmuext(MMUEXT_TLB_FLUSH_MULTI, 0, &none), 0);
    assert_int_equal(one_mmuext(MMUEXT_INVLPG_MULTI, p.va, &none), 0);
    assert_int_equal(model_tlb_stale(NULL, 0), 1);
    assert_int_equal(one_mmuext(MMUEXT_INVLPG_MULTI, p.va, &me), 0);
    assert_no_stale_entries();
}

/*
 * vcpumask_to_pcpumask(): bits past d->max_vcpus end the scan; a vcpu that is
 * not running (here every vcpu but 0) is dirty on no CPU.
 */
static void test_a_vcpumask_reaches_only_running_vcpus_below_max_vcpus(void **state)
{
    (void)state;
    unsigned long vcpu1 = 2;
    stale_page();
    assert_int_equal(one_mmuext(MMUEXT_TLB_FLUSH_MULTI, 0, &vcpu1), 0);
    model_set_max_vcpus(2);
    assert_int_equal(one_mmuext(MMUEXT_TLB_FLUSH_MULTI, 0, &vcpu1), 0);
    assert_int_equal(model_tlb_stale(NULL, 0), 1);
}

/*
 * vcpumask_to_pcpumask() copies one unsigned long per 64 vcpus, no more: a
 * mask at the very end of readable memory is fine for 64 vcpus and faults
 * for 65.  do_mmuext_op turns the fault into -EINVAL.
 */
static void test_the_vcpumask_is_read_for_max_vcpus_bits_and_a_fault_is_einval(void **state)
{
    (void)state;
    long page = sysconf(_SC_PAGESIZE);
    uint8_t *two = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(two != MAP_FAILED);
    assert_int_equal(mprotect(two + page, (size_t)page, PROT_NONE), 0);
    unsigned long *last = (unsigned long *)(two + page) - 1;
    *last = 1;

    stale_page();
    model_set_max_vcpus(65);
    assert_int_equal(one_mmuext(MMUEXT_TLB_FLUSH_MULTI, 0, last), -XEN_EINVAL);
    assert_int_equal(model_tlb_stale(NULL, 0), 1);
    assert_int_equal(one_mmuext(MMUEXT_TLB_FLUSH_MULTI, 0, NULL), -XEN_EINVAL);
    model_set_max_vcpus(64);
    assert_int_equal(one_mmuext(MMUEXT_TLB_FLUSH_MULTI, 0, last), 0);
    assert_no_stale_entries();
    munmap(two, 2 * (size_t)page);
}

/*
 * __do_update_va_mapping: flags & ~UVMF_FLUSHTYPE_MASK is UVMF_LOCAL (0),
 * UVMF_ALL, or else a pointer to a vcpumask (UVMF_MULTI).
 */
static void test_update_va_mapping_flushes_the_vcpus_its_flags_name(void **state)
{
    (void)state;
    unsigned long none = 0, me = 1;
    struct page p = touched_page();
    uint64_t ro = mfn_to_maddr(p.mfn) | P, rw = ro | RW;

    assert_int_equal(hv_update_va_mapping(p.va, ro, UVMF_INVLPG | UVMF_MULTI |
                                          (uintptr_t)&none), 0);
    assert_int_equal(model_tlb_stale(NULL, 0), 1);   /* an empty mask: no flush */
    assert_int_equal(hv_update_va_mapping(p.va, ro, UVMF_TLB_FLUSH | UVMF_MULTI |
                                          (uintptr_t)&none), 0);
    assert_int_equal(model_tlb_stale(NULL, 0), 1);
    assert_int_equal(hv_update_va_mapping(p.va, ro, UVMF_INVLPG | UVMF_MULTI |
                                          (uintptr_t)&me), 0);
    assert_no_stale_entries();

    for (uint64_t who = UVMF_LOCAL; who <= UVMF_ALL; who += UVMF_ALL) {
        assert_int_equal(hv_update_va_mapping(p.va, rw, UVMF_INVLPG), 0);
        assert_int_equal(model_touch(harness_kernel_l4_mfn(), p.va, true), MODEL_TOUCH_OK);
        assert_int_equal(hv_update_va_mapping(p.va, ro, UVMF_TLB_FLUSH | who), 0);
        assert_no_stale_entries();
    }
}

/*
 * An unreadable vcpumask: the entry is already changed, the mask is cleared
 * (no flush) and __do_update_va_mapping returns vcpumask_to_pcpumask's -EFAULT.
 */
static void test_an_unreadable_uvmf_vcpumask_is_efault_after_the_update(
    void **state)
{
    (void)state;
    struct page p = touched_page();
    uint64_t ro = mfn_to_maddr(p.mfn) | P;
    uint64_t xen_range = 0xffff800000000000ULL;   /* access_ok() refuses it */
    assert_int_equal(hv_update_va_mapping(p.va, ro, UVMF_INVLPG | xen_range), -XEN_EFAULT);
    struct model_xlat x;
    assert_true(model_translate(harness_kernel_l4_mfn(), p.va, &x));
    assert_false(x.rw);
    assert_int_equal(model_tlb_stale(NULL, 0), 1);
    assert_int_equal(hv_update_va_mapping(p.va, ro, UVMF_INVLPG | 8), -XEN_EFAULT);
}

/*
 * do_mmu_update's flush_linear_pt: once an L2..L4 entry changed, Xen flushes
 * the dirty CPUs' TLBs after the list (linear mappings may reach the tables),
 * even when a later request failed.  An L1 change flushes nothing.
 */
static void test_an_upper_level_mmu_update_makes_xen_flush_the_tlb(void **state)
{
    (void)state;
    stale_page();
    mfn_t l1 = harness_table_frame(), l2 = harness_table_frame();
    assert_int_equal(harness_pin(1, l1), 0);
    assert_int_equal(harness_pin(2, l2), 0);
    mmu_update_t reqs[2] = {
        { harness_entry_maddr(l1, 0), mfn_to_maddr(harness_data_frame()) | P },
        { harness_entry_maddr(l2, 0), mfn_to_maddr(l1) | P | _PAGE_PCD },   /* refused */
    };
    assert_int_equal(hv_mmu_update(reqs, 1, NULL, DOMID_SELF), 0);
    assert_int_equal(model_tlb_stale(NULL, 0), 1);   /* an L1 change: no flush */

    reqs[0] = (mmu_update_t){ harness_entry_maddr(l2, 1), mfn_to_maddr(l1) | P };
    model_reset_counters();
    assert_int_equal(hv_mmu_update(reqs, 2, NULL, DOMID_SELF), -XEN_EINVAL);
    assert_no_stale_entries();
    assert_int_equal(model_counters()->tlb_flushes, 0);   /* Xen's own, not the guest's */
}

/* MMUEXT_NEW_USER_BASEPTR only sets guest_table_user: no write_ptbase, no flush. */
static void test_a_new_user_root_flushes_nothing(void **state)
{
    (void)state;
    stale_page();
    mfn_t user = harness_table_frame();
    struct mmuext_op op = { .cmd = MMUEXT_NEW_USER_BASEPTR, .arg1.mfn = mfn_x(user) };
    assert_int_equal(hv_mmuext_op(&op, 1, NULL, DOMID_SELF), 0);
    assert_int_equal(model_tlb_stale(NULL, 0), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        HARNESS_TEST(test_a_downgrade_without_a_flush_leaves_a_stale_writable_entry),
        HARNESS_TEST(test_uvmf_invlpg_flushes_the_page_it_changed),
        HARNESS_TEST(test_invlpg_of_the_host_pointer_flushes_the_guest_page),
        HARNESS_TEST(test_a_full_flush_empties_the_tlb),
        HARNESS_TEST(test_loading_a_root_flushes_global_entries_too),
        HARNESS_TEST(test_an_upgrade_needs_no_flush),
        HARNESS_TEST(test_an_upper_level_mmu_update_makes_xen_flush_the_tlb),
        HARNESS_TEST(test_a_new_user_root_flushes_nothing),
        HARNESS_TEST(test_invlpg_local_of_a_non_canonical_address_does_nothing),
        HARNESS_TEST(test_invlpg_to_a_mask_ignores_addresses_that_fail_addr_ok),
        HARNESS_TEST(test_a_flush_to_an_empty_vcpumask_flushes_nothing),
        HARNESS_TEST(test_a_vcpumask_reaches_only_running_vcpus_below_max_vcpus),
        HARNESS_TEST(test_the_vcpumask_is_read_for_max_vcpus_bits_and_a_fault_is_einval),
        HARNESS_TEST(test_update_va_mapping_flushes_the_vcpus_its_flags_name),
        HARNESS_TEST(test_an_unreadable_uvmf_vcpumask_is_efault_after_the_update),
    };
    return cmocka_run_group_tests_name("model_tlb", tests, NULL, NULL);
}

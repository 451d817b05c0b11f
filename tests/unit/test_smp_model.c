/*
 * The model on several vcpus: whose TLB each flush reaches (docs/model-smp.md).
 *
 * Every vcpu caches its own translations and sees a change to the tables only
 * once a flush reaches it.  Each test below is one rule, named after the Xen
 * function it mirrors; the last ones show the stale-TLB detector firing on a
 * missed shootdown (the negative control) and staying quiet on a complete one.
 * Three vcpus run, all on the kernel's root, vcpu 0 current, unless a test says.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/pte.h>

#include "tests/harness/harness_cmocka.h"

#define P _PAGE_PRESENT
#define RW _PAGE_RW
#define VCPUS 3
#define XEN_RANGE_VA 0xffff800000001000ULL        /* canonical, fails __addr_ok */
#define NON_CANONICAL_VA 0x0000800000000000ULL

static int smp_setup(void **state)
{
    harness_setup(state);
    harness_set_vcpus(VCPUS);
    return 0;
}

#define SMP_TEST(fn) cmocka_unit_test_setup_teardown(fn, smp_setup, harness_teardown)

struct page {
    pfn_t pfn;
    mfn_t mfn;
    uint64_t va;   /* in the guest's direct map */
};

static struct page fresh_page(void)
{
    struct page p;
    p.pfn = frame_alloc();
    p.mfn = harness_pfn_to_mfn(p.pfn);
    p.va = HARNESS_DIRECT_MAP_VA + (pfn_x(p.pfn) << PAGE_SHIFT);
    return p;
}

/* A page every vcpu has written through (so each TLB holds it writable). */
static struct page page_cached_everywhere(void)
{
    struct page p = fresh_page();
    for (unsigned int v = 0; v < harness_vcpus(); v++)
        assert_int_equal(model_vcpu_touch(v, p.va, true), MODEL_TOUCH_OK);
    return p;
}

/* ... then made read-only by vcpu 0 without any flush: every vcpu's entry is stale. */
static struct page page_stale_everywhere(void)
{
    struct page p = page_cached_everywhere();
    harness_on_vcpu(0);
    assert_int_equal(hv_update_va_mapping(p.va, mfn_to_maddr(p.mfn) | P, UVMF_NONE), 0);
    for (unsigned int v = 0; v < harness_vcpus(); v++)
        assert_int_equal(model_vcpu_tlb_stale(v, NULL, 0), 1);
    model_reset_counters();
    return p;
}

/* Which vcpus still hold a stale entry, as a bitmap (bit v: vcpu v). */
static unsigned stale_vcpus(void)
{
    unsigned bits = 0;
    for (unsigned int v = 0; v < harness_vcpus(); v++)
        if (model_vcpu_tlb_stale(v, NULL, 0))
            bits |= 1u << v;
    return bits;
}

static long mmuext(unsigned int cmd, uint64_t linear, const void *vcpumask)
{
    struct mmuext_op op = { .cmd = cmd, .arg1.linear_addr = linear };
    op.arg2.vcpumask.p = vcpumask;
    return hv_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

#define assert_stale_on(bits) assert_int_equal(stale_vcpus(), (bits))
#define ALL_VCPUS ((1u << VCPUS) - 1)

/* --- vcpus, their roots and their TLBs ------------------------------------------ */

/* VCPUOP_initialise with the kernel's cr3: a root reference each, and an empty TLB. */
static void test_new_vcpus_start_on_the_kernel_root_with_empty_tlbs(void **state)
{
    (void)state;
    mfn_t kernel = harness_kernel_l4_mfn();
    for (unsigned int v = 0; v < VCPUS; v++) {
        assert_int_equal(mfn_x(model_vcpu_kernel_base(v)), mfn_x(kernel));
        assert_false(mfn_valid_value(model_vcpu_user_base(v)));
    }
    /* the pin, and one base-pointer reference per vcpu */
    assert_int_equal(model_frame_type_count(kernel), 1 + VCPUS);
    assert_model_invariants();
    struct page p = fresh_page();
    struct model_xlat x;
    assert_true(model_vcpu_tlb_lookup(2, p.va, &x));   /* a walk: nothing cached yet */
    assert_int_equal(model_vcpu_tlb_stale(2, NULL, 0), 0);
    harness_set_vcpus(1);
    assert_int_equal(model_frame_type_count(kernel), 2);
    assert_model_invariants();
}

/* The TLB is the vcpu's: a change is invisible to a vcpu that cached the old entry. */
static void test_a_vcpu_keeps_its_cached_translation_after_another_changes_the_pte(void **state)
{
    (void)state;
    struct page p = fresh_page();
    assert_int_equal(model_vcpu_touch(1, p.va, true), MODEL_TOUCH_OK);
    harness_on_vcpu(0);
    assert_int_equal(hv_update_va_mapping(p.va, 0, UVMF_INVLPG | UVMF_LOCAL), 0);

    struct model_xlat x;
    assert_true(model_vcpu_tlb_lookup(1, p.va, &x));   /* what vcpu 1's CPU still uses */
    assert_int_equal(mfn_x(x.mfn), mfn_x(p.mfn));
    assert_true(x.rw);
    assert_false(model_vcpu_tlb_lookup(0, p.va, &x));  /* vcpu 0 flushed: the tables */
    assert_false(model_vcpu_tlb_lookup(2, p.va, &x));  /* vcpu 2 never cached it */
    assert_int_equal(model_vcpu_touch(2, p.va, false), MODEL_TOUCH_NOT_MAPPED);
    assert_stale_on(1u << 1);
}

/* new_guest_cr3(): the calling vcpu's guest_table; the others keep theirs. */
static void test_each_vcpu_loads_its_own_root(void **state)
{
    (void)state;
    mfn_t other = harness_table_frame();
    assert_int_equal(harness_pin(4, other), 0);
    harness_on_vcpu(1);
    struct mmuext_op op = { .cmd = MMUEXT_NEW_BASEPTR, .arg1.mfn = mfn_x(other) };
    assert_int_equal(hv_mmuext_op(&op, 1, NULL, DOMID_SELF), 0);
    assert_int_equal(mfn_x(model_vcpu_kernel_base(1)), mfn_x(other));
    assert_int_equal(mfn_x(model_vcpu_kernel_base(0)), mfn_x(harness_kernel_l4_mfn()));
    assert_int_equal(mfn_x(model_kernel_base()), mfn_x(other));   /* the current vcpu's */
    assert_int_equal(model_frame_type_count(other), 2);            /* pin + vcpu 1 */
    assert_model_invariants();

    op = (struct mmuext_op){ .cmd = MMUEXT_NEW_USER_BASEPTR, .arg1.mfn = mfn_x(other) };
    assert_int_equal(hv_mmuext_op(&op, 1, NULL, DOMID_SELF), 0);
    assert_int_equal(mfn_x(model_vcpu_user_base(1)), mfn_x(other));
    assert_false(mfn_valid_value(model_vcpu_user_base(0)));
    assert_model_invariants();
}

/*
 * write_ptbase() on the calling vcpu's CPU: a root load (here: the same root
 * again) flushes that vcpu's TLB, global entries too, and no other.
 */
static void test_a_root_load_flushes_only_the_vcpu_that_loads_it(void **state)
{
    (void)state;
    page_stale_everywhere();
    harness_on_vcpu(2);
    struct mmuext_op op = { .cmd = MMUEXT_NEW_BASEPTR,
                            .arg1.mfn = mfn_x(harness_kernel_l4_mfn()) };
    assert_int_equal(hv_mmuext_op(&op, 1, NULL, DOMID_SELF), 0);
    assert_stale_on(ALL_VCPUS & ~(1u << 2));
}

/* --- the LOCAL and ALL flushes ------------------------------------------------------ */

/* MMUEXT_TLB_FLUSH_LOCAL: flush_tlb_local(), the caller's CPU. */
static void test_tlb_flush_local_flushes_only_the_caller(void **state)
{
    (void)state;
    page_stale_everywhere();
    harness_on_vcpu(1);
    assert_int_equal(mmuext(MMUEXT_TLB_FLUSH_LOCAL, 0, NULL), 0);
    assert_stale_on(ALL_VCPUS & ~(1u << 1));
    assert_int_equal(model_counters()->tlb_flush_vcpus, 1);
}

/* MMUEXT_INVLPG_LOCAL: paging_invlpg(curr, ...), the caller's CPU. */
static void test_invlpg_local_flushes_only_the_caller(void **state)
{
    (void)state;
    struct page p = page_stale_everywhere();
    harness_on_vcpu(2);
    assert_int_equal(mmuext(MMUEXT_INVLPG_LOCAL, p.va, NULL), 0);
    assert_stale_on(ALL_VCPUS & ~(1u << 2));
}

/* MMUEXT_TLB_FLUSH_ALL: flush_tlb_mask(currd->dirty_cpumask), every vcpu that ran. */
static void test_tlb_flush_all_flushes_every_vcpu(void **state)
{
    (void)state;
    page_stale_everywhere();
    harness_on_vcpu(1);
    assert_int_equal(mmuext(MMUEXT_TLB_FLUSH_ALL, 0, NULL), 0);
    assert_stale_on(0);
    assert_int_equal(model_counters()->tlb_flushes, 1);
    assert_int_equal(model_counters()->tlb_flush_vcpus, VCPUS);
}

/* MMUEXT_INVLPG_ALL: flush_tlb_one_mask(currd->dirty_cpumask, va). */
static void test_invlpg_all_flushes_the_page_on_every_vcpu(void **state)
{
    (void)state;
    struct page other = page_cached_everywhere();
    struct page p = page_stale_everywhere();
    assert_int_equal(hv_update_va_mapping(other.va, 0, UVMF_NONE), 0);
    assert_int_equal(mmuext(MMUEXT_INVLPG_ALL, p.va, NULL), 0);
    for (unsigned int v = 0; v < VCPUS; v++)
        assert_int_equal(model_vcpu_tlb_stale(v, NULL, 0), 1);   /* `other` only */
    assert_int_equal(mmuext(MMUEXT_INVLPG_ALL, other.va, NULL), 0);
    assert_stale_on(0);
    assert_int_equal(model_counters()->invlpg_vcpus, 2 * VCPUS);
}

/* --- vcpumasks ------------------------------------------------------------------------ */

/* MMUEXT_TLB_FLUSH_MULTI: vcpumask_to_pcpumask, then flush_tlb_mask of those CPUs. */
static void test_tlb_flush_multi_flushes_exactly_the_vcpus_in_the_mask(void **state)
{
    (void)state;
    unsigned long vcpus_0_and_2 = 1ul << 0 | 1ul << 2;
    page_stale_everywhere();
    harness_on_vcpu(1);
    assert_int_equal(mmuext(MMUEXT_TLB_FLUSH_MULTI, 0, &vcpus_0_and_2), 0);
    assert_stale_on(1u << 1);   /* the caller is not in its own mask: not flushed */
    assert_int_equal(model_counters()->tlb_flush_vcpus, 2);
}

/* MMUEXT_INVLPG_MULTI: flush_tlb_one_mask(mask, va) of the vcpus named. */
static void test_invlpg_multi_flushes_the_page_on_exactly_the_vcpus_in_the_mask(void **state)
{
    (void)state;
    unsigned long vcpu_1 = 1ul << 1;
    struct page p = page_stale_everywhere();
    assert_int_equal(mmuext(MMUEXT_INVLPG_MULTI, p.va, &vcpu_1), 0);
    assert_stale_on(ALL_VCPUS & ~(1u << 1));
    assert_int_equal(model_counters()->invlpg_vcpus, 1);
}

/* An empty vcpumask names no CPU: the flush reaches nobody, and succeeds. */
static void test_an_empty_vcpumask_flushes_no_vcpu(void **state)
{
    (void)state;
    unsigned long none = 0;
    struct page p = page_stale_everywhere();
    assert_int_equal(mmuext(MMUEXT_TLB_FLUSH_MULTI, 0, &none), 0);
    assert_int_equal(mmuext(MMUEXT_INVLPG_MULTI, p.va, &none), 0);
    assert_int_equal(hv_update_va_mapping(p.va, mfn_to_maddr(p.mfn) | P,
                                          UVMF_TLB_FLUSH | UVMF_MULTI | (uintptr_t)&none), 0);
    assert_stale_on(ALL_VCPUS);
    assert_int_equal(model_counters()->tlb_flushes + model_counters()->invlpgs, 0);
}

/*
 * vcpumask_to_pcpumask: a vcpu that exists (below d->max_vcpus) but is not
 * running is dirty on no CPU; a bit at or past max_vcpus ends the scan.
 */
static void test_mask_bits_of_vcpus_not_running_reach_no_tlb(void **state)
{
    (void)state;
    model_set_max_vcpus(VCPUS + 1);
    unsigned long not_running = 1ul << VCPUS, past_max = 1ul << (VCPUS + 1) | 1ul << 0;
    page_stale_everywhere();
    assert_int_equal(mmuext(MMUEXT_TLB_FLUSH_MULTI, 0, &not_running), 0);
    assert_stale_on(ALL_VCPUS);
    assert_int_equal(mmuext(MMUEXT_TLB_FLUSH_MULTI, 0, &past_max), 0);
    assert_stale_on(ALL_VCPUS & ~1u);   /* vcpu 0 came before the bit that ended the scan */
}

/*
 * do_mmuext_op reads the vcpumask before it flushes anything: an unreadable
 * one is -EINVAL ("vcpumask_to_pcpumask(...) rc = -EINVAL") and no vcpu is
 * flushed; the list stops there.
 */
static void test_a_bad_vcpumask_pointer_in_mmuext_op_is_einval_and_flushes_none(void **state)
{
    (void)state;
    struct page p = page_stale_everywhere();
    struct mmuext_op ops[2] = {
        { .cmd = MMUEXT_INVLPG_MULTI, .arg1.linear_addr = p.va },
        { .cmd = MMUEXT_TLB_FLUSH_ALL },
    };
    ops[0].arg2.vcpumask.p = (const void *)(uintptr_t)XEN_RANGE_VA;
    unsigned int done = 99;
    assert_int_equal(hv_mmuext_op(ops, 2, &done, DOMID_SELF), -XEN_EINVAL);
    assert_int_equal(done, 0);
    assert_refused_by("vcpumask_to_pcpumask");
    assert_stale_on(ALL_VCPUS);
}

/* --- update_va_mapping's flush ----------------------------------------------------------- */

/* UVMF_LOCAL: flush_tlb_local() / paging_invlpg(curr, va), the caller only. */
static void test_uvmf_local_flushes_only_the_caller(void **state)
{
    (void)state;
    struct page p = page_cached_everywhere();
    harness_on_vcpu(2);
    assert_int_equal(hv_update_va_mapping(p.va, mfn_to_maddr(p.mfn) | P,
                                          UVMF_INVLPG | UVMF_LOCAL), 0);
    assert_stale_on(ALL_VCPUS & ~(1u << 2));
    assert_int_equal(hv_update_va_mapping(p.va, 0, UVMF_TLB_FLUSH | UVMF_LOCAL), 0);
    assert_stale_on(ALL_VCPUS & ~(1u << 2));
}

/* UVMF_ALL: mask = currd->dirty_cpumask, every vcpu. */
static void test_uvmf_all_flushes_every_vcpu(void **state)
{
    (void)state;
    struct page p = page_cached_everywhere(), q = page_cached_everywhere();
    assert_int_equal(hv_update_va_mapping(p.va, mfn_to_maddr(p.mfn) | P,
                                          UVMF_INVLPG | UVMF_ALL), 0);
    assert_stale_on(0);
    assert_int_equal(hv_update_va_mapping(q.va, 0, UVMF_TLB_FLUSH | UVMF_ALL), 0);
    assert_stale_on(0);
    assert_int_equal(model_counters()->invlpg_vcpus, VCPUS);
    assert_int_equal(model_counters()->tlb_flush_vcpus, VCPUS);
}

/* UVMF_MULTI: the rest of the flags word is the vcpumask's address. */
static void test_uvmf_multi_flushes_the_vcpus_of_the_mask_the_flags_point_at(void **state)
{
    (void)state;
    unsigned long vcpu_2 = 1ul << 2, vcpus_0_and_1 = 1ul << 0 | 1ul << 1;
    struct page p = page_cached_everywhere();
    assert_int_equal(hv_update_va_mapping(p.va, mfn_to_maddr(p.mfn) | P,
                                          UVMF_INVLPG | UVMF_MULTI | (uintptr_t)&vcpu_2), 0);
    assert_stale_on(1u << 0 | 1u << 1);
    assert_int_equal(hv_update_va_mapping(p.va, 0, UVMF_TLB_FLUSH | UVMF_MULTI |
                                          (uintptr_t)&vcpus_0_and_1), 0);
    assert_stale_on(0);
}

/*
 * __do_update_va_mapping reads the mask only after mod_l1_entry: an
 * unreadable one leaves the entry changed, flushes nobody (the mask is
 * cleared) and returns vcpumask_to_pcpumask's -EFAULT.
 */
static void test_a_bad_uvmf_mask_is_efault_after_the_update_and_flushes_none(void **state)
{
    (void)state;
    struct page p = page_cached_everywhere();
    assert_int_equal(hv_update_va_mapping(p.va, 0, UVMF_INVLPG | XEN_RANGE_VA), -XEN_EFAULT);
    assert_false(model_translate(harness_kernel_l4_mfn(), p.va, NULL));   /* the update stays */
    assert_stale_on(ALL_VCPUS);
    assert_int_equal(model_counters()->invlpgs, 0);
}

/* XSA-279: a refused update skips the flush, whatever the flags name. */
static void test_a_refused_update_flushes_no_vcpu(void **state)
{
    (void)state;
    struct page p = page_stale_everywhere();
    uint64_t writable_table = mfn_to_maddr(harness_kernel_l4_mfn()) | P | RW;
    assert_int_equal(hv_update_va_mapping(p.va, writable_table, UVMF_TLB_FLUSH | UVMF_ALL),
                     -XEN_EBUSY);
    assert_stale_on(ALL_VCPUS);
}

/* --- addresses outside the guest's range ------------------------------------------------- */

/*
 * INVLPG_ALL / _MULTI: flush_tlb_one_mask only `if ( __addr_ok(linear) )`;
 * INVLPG_LOCAL: paging_invlpg ignores a non-canonical address.  Either way
 * success, and no vcpu is touched.
 */
static void test_invlpg_outside_the_guest_range_does_nothing_on_any_vcpu(void **state)
{
    (void)state;
    unsigned long everyone = ALL_VCPUS;
    page_stale_everywhere();
    assert_int_equal(mmuext(MMUEXT_INVLPG_ALL, XEN_RANGE_VA, NULL), 0);
    assert_int_equal(mmuext(MMUEXT_INVLPG_MULTI, XEN_RANGE_VA, &everyone), 0);
    assert_int_equal(mmuext(MMUEXT_INVLPG_ALL, NON_CANONICAL_VA, NULL), 0);
    assert_int_equal(mmuext(MMUEXT_INVLPG_LOCAL, NON_CANONICAL_VA, NULL), 0);
    assert_int_equal(model_counters()->invlpgs, 0);
    assert_stale_on(ALL_VCPUS);
}

/* --- flushes Xen makes itself --------------------------------------------------------------- */

/* do_mmu_update's flush_linear_pt: a FLUSH_TLB to every dirty CPU, after the list. */
static void test_an_upper_level_mmu_update_makes_xen_flush_every_vcpu(void **state)
{
    (void)state;
    page_stale_everywhere();
    mfn_t l1 = harness_table_frame(), l2 = harness_table_frame();
    assert_int_equal(harness_pin(1, l1), 0);
    assert_int_equal(harness_pin(2, l2), 0);
    harness_on_vcpu(1);
    assert_int_equal(harness_update(l2, 0, mfn_to_maddr(l1) | P), 0);
    assert_stale_on(0);
}

/*
 * _get_page_type: a frame that changes type is flushed from every dirty CPU
 * that may still map it.  Here vcpu 0 makes a page read-only with a local
 * flush (vcpu 1 keeps its writable entry), then pins it as an L1: from then on
 * no vcpu can write the new table through an old translation.
 */
static void test_xen_flushes_a_frame_that_changes_type_from_every_vcpu(void **state)
{
    (void)state;
    struct page p = fresh_page();
    assert_int_equal(model_vcpu_touch(1, p.va, true), MODEL_TOUCH_OK);
    assert_int_equal(hv_update_va_mapping(p.va, mfn_to_maddr(p.mfn) | P,
                                          UVMF_INVLPG | UVMF_LOCAL), 0);
    assert_stale_on(1u << 1);
    assert_int_equal(harness_pin(1, p.mfn), 0);
    assert_stale_on(0);
    assert_int_equal(model_vcpu_touch(1, p.va, true), MODEL_TOUCH_READ_ONLY);
    assert_int_equal(model_stale_reads(NULL, 0), 0);
}

/* --- the stale-TLB detector ------------------------------------------------------------------- */

/*
 * The negative control: vcpu 0 unmaps a page with a local-only flush while
 * vcpu 1 has the space loaded and the translation cached.  vcpu 1's next read
 * goes through the stale entry, and the detector says who, where, and what.
 */
static void test_the_detector_fires_on_a_read_through_a_missed_shootdown(void **state)
{
    (void)state;
    struct page p = page_cached_everywhere();
    harness_on_vcpu(0);
    assert_int_equal(hv_update_va_mapping(p.va, 0, UVMF_INVLPG | UVMF_LOCAL), 0);
    assert_int_equal(model_stale_reads(NULL, 0), 0);   /* no read yet */

    assert_int_equal(model_vcpu_touch(0, p.va, false), MODEL_TOUCH_NOT_MAPPED);
    assert_int_equal(model_stale_reads(NULL, 0), 0);   /* vcpu 0 was flushed */
    assert_int_equal(model_vcpu_touch(1, p.va, false), MODEL_TOUCH_OK);   /* the CPU used it */

    char why[320], va[32], mfn[32];
    assert_int_equal(model_stale_reads(why, sizeof(why)), 1);
    snprintf(va, sizeof(va), "va %#llx", (unsigned long long)p.va);
    snprintf(mfn, sizeof(mfn), "[mfn %#llx rw", (unsigned long long)mfn_x(p.mfn));
    if (!strstr(why, "vcpu 1,") || !strstr(why, va) || !strstr(why, mfn) ||
        !strstr(why, "[not mapped]"))
        fail_msg("the report does not name vcpu, address, stale and current translation: %s",
                 why);
}

/* A write through an entry cached writable, after a read-only downgrade flushed elsewhere. */
static void test_the_detector_fires_on_a_write_through_a_stale_writable_entry(void **state)
{
    (void)state;
    unsigned long vcpu_0 = 1;
    struct page p = page_cached_everywhere();
    assert_int_equal(hv_update_va_mapping(p.va, mfn_to_maddr(p.mfn) | P,
                                          UVMF_INVLPG | UVMF_MULTI | (uintptr_t)&vcpu_0), 0);
    assert_int_equal(model_vcpu_touch(0, p.va, true), MODEL_TOUCH_READ_ONLY);
    assert_int_equal(model_vcpu_touch(2, p.va, true), MODEL_TOUCH_OK);
    char why[320];
    assert_int_equal(model_stale_reads(why, sizeof(why)), 1);
    assert_non_null(strstr(why, "stale TLB write: vcpu 2"));
    assert_non_null(strstr(why, "is now read-only"));
}

/* The positive version of the control: the same unmap, shot down to every vcpu. */
static void test_the_detector_stays_quiet_after_a_complete_shootdown(void **state)
{
    (void)state;
    struct page p = page_cached_everywhere();
    assert_int_equal(hv_update_va_mapping(p.va, 0, UVMF_INVLPG | UVMF_ALL), 0);
    for (unsigned int v = 0; v < VCPUS; v++)
        assert_int_equal(model_vcpu_touch(v, p.va, false), MODEL_TOUCH_NOT_MAPPED);
    assert_int_equal(model_stale_reads(NULL, 0), 0);
}

/* An upgrade the TLB has not seen is a spurious fault, not a stale read: the retry walks. */
static void test_an_unflushed_upgrade_is_no_stale_read(void **state)
{
    (void)state;
    struct page p = fresh_page();
    assert_int_equal(hv_update_va_mapping(p.va, mfn_to_maddr(p.mfn) | P, UVMF_INVLPG | UVMF_ALL),
                     0);
    assert_int_equal(model_vcpu_touch(1, p.va, false), MODEL_TOUCH_OK);
    assert_int_equal(hv_update_va_mapping(p.va, mfn_to_maddr(p.mfn) | P | RW, UVMF_NONE), 0);
    assert_int_equal(model_vcpu_touch(1, p.va, true), MODEL_TOUCH_OK);
    assert_int_equal(model_stale_reads(NULL, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        SMP_TEST(test_new_vcpus_start_on_the_kernel_root_with_empty_tlbs),
        SMP_TEST(test_a_vcpu_keeps_its_cached_translation_after_another_changes_the_pte),
        SMP_TEST(test_each_vcpu_loads_its_own_root),
        SMP_TEST(test_a_root_load_flushes_only_the_vcpu_that_loads_it),
        SMP_TEST(test_tlb_flush_local_flushes_only_the_caller),
        SMP_TEST(test_invlpg_local_flushes_only_the_caller),
        SMP_TEST(test_tlb_flush_all_flushes_every_vcpu),
        SMP_TEST(test_invlpg_all_flushes_the_page_on_every_vcpu),
        SMP_TEST(test_tlb_flush_multi_flushes_exactly_the_vcpus_in_the_mask),
        SMP_TEST(test_invlpg_multi_flushes_the_page_on_exactly_the_vcpus_in_the_mask),
        SMP_TEST(test_an_empty_vcpumask_flushes_no_vcpu),
        SMP_TEST(test_mask_bits_of_vcpus_not_running_reach_no_tlb),
        SMP_TEST(test_a_bad_vcpumask_pointer_in_mmuext_op_is_einval_and_flushes_none),
        SMP_TEST(test_uvmf_local_flushes_only_the_caller),
        SMP_TEST(test_uvmf_all_flushes_every_vcpu),
        SMP_TEST(test_uvmf_multi_flushes_the_vcpus_of_the_mask_the_flags_point_at),
        SMP_TEST(test_a_bad_uvmf_mask_is_efault_after_the_update_and_flushes_none),
        SMP_TEST(test_a_refused_update_flushes_no_vcpu),
        SMP_TEST(test_invlpg_outside_the_guest_range_does_nothing_on_any_vcpu),
        SMP_TEST(test_an_upper_level_mmu_update_makes_xen_flush_every_vcpu),
        SMP_TEST(test_xen_flushes_a_frame_that_changes_type_from_every_vcpu),
        SMP_TEST(test_the_detector_fires_on_a_read_through_a_missed_shootdown),
        SMP_TEST(test_the_detector_fires_on_a_write_through_a_stale_writable_entry),
        SMP_TEST(test_the_detector_stays_quiet_after_a_complete_shootdown),
        SMP_TEST(test_an_unflushed_upgrade_is_no_stale_read),
    };
    return cmocka_run_group_tests_name("smp_model", tests, NULL, NULL);
}

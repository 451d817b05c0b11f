/*
 * The domain argument of mmu_update and mmuext_op, as Xen 4.17 reads it:
 * get_pg_owner() (xen/common/page_alloc.c) for the low 16 bits, the
 * page-table owner in the high 16 bits of do_mmu_update's 32-bit foreigndom,
 * XSM's default policy (xsm_mmu_update, xsm_mmuext_op), and which refusals
 * still write *done.  The guest is a plain domU (d MODEL_GUEST_DOMID); dom0
 * exists; DOMID_IO and DOMID_XEN are Xen's system domains.
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
#define DONE_UNTOUCHED 77u

/* do_mmu_update's foreigndom: page-table owner + 1 in the high half, page owner low. */
static unsigned int foreigndom(unsigned int pt_owner_plus_one, domid_t pg_owner)
{
    return pt_owner_plus_one << 16 | pg_owner;
}

static mfn_t pinned_l1(void)
{
    mfn_t l1 = harness_table_frame();
    assert_int_equal(harness_pin(1, l1), 0);
    return l1;
}

/* One mmu_update in a multicall entry: the only way to pass all 32 bits of foreigndom. */
static long multicall_mmu_update(mmu_update_t *req, unsigned int *done, unsigned int dom)
{
    multicall_entry_t call = { .op = __HYPERVISOR_mmu_update,
                               .args = { (uintptr_t)req, 1, (uintptr_t)done, dom } };
    assert_int_equal(hv_multicall(&call, 1), 0);
    return (long)call.result;
}

static long multicall_mmuext_op(struct mmuext_op *op, unsigned int *done, unsigned int dom)
{
    multicall_entry_t call = { .op = __HYPERVISOR_mmuext_op,
                               .args = { (uintptr_t)op, 1, (uintptr_t)done, dom } };
    assert_int_equal(hv_multicall(&call, 1), 0);
    return (long)call.result;
}

/* --- the low 16 bits: get_pg_owner() ---------------------------------------------------- */

/*
 * get_pg_owner(): "Cannot specify itself as foreign domain".  Only DOMID_SELF
 * means the caller; its own number answers NULL -> -ESRCH.  do_mmu_update
 * still writes *done (its "out" path); do_mmuext_op returns before it does.
 */
static void test_the_guests_own_domid_is_not_self(void **state)
{
    (void)state;
    mfn_t l1 = pinned_l1(), d = harness_data_frame();
    mmu_update_t req = { harness_entry_maddr(l1, 3), mfn_to_maddr(d) | P };
    unsigned int done = DONE_UNTOUCHED;
    assert_int_equal(hv_mmu_update(&req, 1, &done, MODEL_GUEST_DOMID), -XEN_ESRCH);
    assert_int_equal(done, 0);
    assert_int_equal(harness_entries(l1)[3], 0);
    assert_refused_by("get_pg_owner");

    mfn_t t = harness_table_frame();
    struct mmuext_op pin = { .cmd = MMUEXT_PIN_L1_TABLE, .arg1.mfn = mfn_x(t) };
    done = DONE_UNTOUCHED;
    assert_int_equal(hv_mmuext_op(&pin, 1, &done, MODEL_GUEST_DOMID), -XEN_ESRCH);
    assert_int_equal(done, DONE_UNTOUCHED);
    assert_false(model_frame_pinned(t));

    assert_int_equal(hv_mmu_update(&req, 1, &done, DOMID_SELF), 0);
    assert_int_equal(hv_mmuext_op(&pin, 1, &done, DOMID_SELF), 0);
    assert_true(model_frame_pinned(t));
    assert_model_invariants();
}

/* rcu_lock_domain_by_any_id() finds no d5: get_pg_owner() -> NULL -> -ESRCH. */
static void test_a_domain_that_does_not_exist_is_esrch(void **state)
{
    (void)state;
    mmu_update_t req = { mfn_to_maddr(harness_data_frame()) | MMU_MACHPHYS_UPDATE, 1 };
    struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };
    unsigned int done = DONE_UNTOUCHED;
    assert_int_equal(hv_mmu_update(&req, 1, &done, 5), -XEN_ESRCH);
    assert_int_equal(done, 0);
    done = DONE_UNTOUCHED;
    assert_int_equal(hv_mmuext_op(&op, 1, &done, 5), -XEN_ESRCH);
    assert_int_equal(done, DONE_UNTOUCHED);
}

/*
 * An existing domain (dom0) is found, and then XSM refuses a domU:
 * xsm_mmuext_op before mmuext_op's loop (*done not written), xsm_mmu_update
 * per request inside mmu_update's (so an empty list succeeds).
 */
static void test_another_existing_domain_is_eperm(void **state)
{
    (void)state;
    mfn_t l1 = pinned_l1(), d = harness_data_frame();
    mmu_update_t req = { harness_entry_maddr(l1, 3), mfn_to_maddr(d) | P };
    struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };
    unsigned int done = DONE_UNTOUCHED;

    assert_int_equal(hv_mmu_update(&req, 1, &done, MODEL_DOM0_DOMID), -XEN_EPERM);
    assert_int_equal(done, 0);
    assert_int_equal(harness_entries(l1)[3], 0);
    assert_refused_by("xsm_mmu_update");
    assert_int_equal(hv_mmu_update(&req, 0, &done, MODEL_DOM0_DOMID), 0);

    done = DONE_UNTOUCHED;
    assert_int_equal(hv_mmuext_op(&op, 1, &done, MODEL_DOM0_DOMID), -XEN_EPERM);
    assert_int_equal(done, DONE_UNTOUCHED);
    assert_int_equal(hv_mmuext_op(&op, 1, &done, DOMID_XEN), -XEN_EPERM);
    assert_int_equal(hv_mmuext_op(&op, 1, &done, DOMID_IO), -XEN_EPERM);
    assert_refused_by("xsm_mmuext_op");
}

/*
 * DOMID_IO as page owner: xsm_mmu_update lets it through, but
 * get_page_from_l1e gives a domU no RAM through it (could_not_pin, -EBUSY),
 * the L2..L4 cases want pg_owner == pt_owner (-EINVAL), and
 * get_page_from_mfn(mfn, dom_io) finds no guest frame for MACHPHYS (-EINVAL).
 * What needs no pg_owner still works: a non-present entry, a plain store.
 */
static void test_domid_io_gives_a_domu_nothing_to_map(void **state)
{
    (void)state;
    mfn_t l1 = pinned_l1(), d = harness_data_frame(), l2 = harness_table_frame();
    assert_int_equal(harness_pin(2, l2), 0);
    mmu_update_t map = { harness_entry_maddr(l1, 3), mfn_to_maddr(d) | P };
    mmu_update_t clear = { harness_entry_maddr(l1, 4), 0 };
    mmu_update_t store = { harness_entry_maddr(d, 9), 0x1234 };
    mmu_update_t upper = { harness_entry_maddr(l2, 0), mfn_to_maddr(pinned_l1()) | P };
    mmu_update_t m2p = { mfn_to_maddr(d) | MMU_MACHPHYS_UPDATE, 1 };

    assert_int_equal(hv_mmu_update(&map, 1, NULL, DOMID_IO), -XEN_EBUSY);
    assert_int_equal(harness_entries(l1)[3], 0);
    assert_int_equal(hv_mmu_update(&clear, 1, NULL, DOMID_IO), 0);
    assert_int_equal(hv_mmu_update(&store, 1, NULL, DOMID_IO), 0);
    assert_int_equal(harness_entries(d)[9], 0x1234);
    assert_int_equal(hv_mmu_update(&upper, 1, NULL, DOMID_IO), -XEN_EINVAL);
    assert_int_equal(hv_mmu_update(&m2p, 1, NULL, DOMID_IO), -XEN_EINVAL);
    assert_int_equal(hv_mmu_update(&map, 1, NULL, DOMID_SELF), 0);
    assert_model_invariants();
}

/* --- the high 16 bits: do_mmu_update's page-table owner --------------------------------- */

/* pt_owner = rcu_lock_domain_by_id(foreigndom >> 16 - 1); the caller itself is fine. */
static void test_naming_itself_as_page_table_owner_is_accepted(void **state)
{
    (void)state;
    mfn_t l1 = pinned_l1(), d = harness_data_frame();
    mmu_update_t req = { harness_entry_maddr(l1, 3), mfn_to_maddr(d) | P };
    unsigned int done = DONE_UNTOUCHED;
    assert_int_equal(multicall_mmu_update(&req, &done, foreigndom(MODEL_GUEST_DOMID + 1,
                                                                  DOMID_SELF)), 0);
    assert_int_equal(done, 1);
    assert_int_not_equal(harness_entries(l1)[3], 0);
}

/* No such page-table owner: -ESRCH at once, before "out": *done is not written. */
static void test_a_page_table_owner_that_does_not_exist_is_esrch_before_done(void **state)
{
    (void)state;
    mfn_t l1 = pinned_l1(), d = harness_data_frame();
    mmu_update_t req = { harness_entry_maddr(l1, 3), mfn_to_maddr(d) | P };
    unsigned int done = DONE_UNTOUCHED;
    assert_int_equal(multicall_mmu_update(&req, &done, foreigndom(8, DOMID_SELF)),
                     -XEN_ESRCH);
    assert_int_equal(done, DONE_UNTOUCHED);
    assert_int_equal(harness_entries(l1)[3], 0);
    /* DOMID_SELF + 1 names no domain either: rcu_lock_domain_by_id knows numbers only. */
    assert_int_equal(multicall_mmu_update(&req, &done, foreigndom(DOMID_SELF + 1, DOMID_SELF)),
                     -XEN_ESRCH);
}

/*
 * dom0's tables: found (it has a vcpu 0), then refused per request:
 * xsm_mmu_update for a table update, "d != pt_owner" for MACHPHYS.  Both -EPERM.
 */
static void test_another_domains_page_tables_are_eperm(void **state)
{
    (void)state;
    mfn_t l1 = pinned_l1(), d = harness_data_frame();
    mmu_update_t req = { harness_entry_maddr(l1, 3), mfn_to_maddr(d) | P };
    mmu_update_t m2p = { mfn_to_maddr(d) | MMU_MACHPHYS_UPDATE, 1 };
    unsigned int done = DONE_UNTOUCHED, dom = foreigndom(MODEL_DOM0_DOMID + 1, DOMID_SELF);
    assert_int_equal(multicall_mmu_update(&req, &done, dom), -XEN_EPERM);
    assert_int_equal(done, 0);
    assert_int_equal(harness_entries(l1)[3], 0);
    assert_int_equal(multicall_mmu_update(&m2p, &done, dom), -XEN_EPERM);
    assert_refused_by("mach->phys");
}

/* do_mmuext_op hands its unsigned int to get_pg_owner(domid_t): the high half is dropped. */
static void test_mmuext_op_reads_only_the_low_16_bits(void **state)
{
    (void)state;
    mfn_t t = harness_table_frame();
    struct mmuext_op pin = { .cmd = MMUEXT_PIN_L1_TABLE, .arg1.mfn = mfn_x(t) };
    unsigned int done = DONE_UNTOUCHED;
    assert_int_equal(multicall_mmuext_op(&pin, &done, foreigndom(9, DOMID_SELF)), 0);
    assert_int_equal(done, 1);
    assert_true(model_frame_pinned(t));
    assert_int_equal(multicall_mmuext_op(&pin, &done, foreigndom(9, MODEL_GUEST_DOMID)),
                     -XEN_ESRCH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        HARNESS_TEST(test_the_guests_own_domid_is_not_self),
        HARNESS_TEST(test_a_domain_that_does_not_exist_is_esrch),
        HARNESS_TEST(test_another_existing_domain_is_eperm),
        HARNESS_TEST(test_domid_io_gives_a_domu_nothing_to_map),
        HARNESS_TEST(test_naming_itself_as_page_table_owner_is_accepted),
        HARNESS_TEST(test_a_page_table_owner_that_does_not_exist_is_esrch_before_done),
        HARNESS_TEST(test_another_domains_page_tables_are_eperm),
        HARNESS_TEST(test_mmuext_op_reads_only_the_low_16_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

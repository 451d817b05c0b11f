/*
 * What the model checks in one entry, level by level, as Xen's
 * get_page_from_lNe, mod_lN_entry, pv_l1tf_check_pte and promote_l4_table do
 * (xen/arch/x86/mm.c, xen/arch/x86/pv/mm.h).  Each refusal test names its check.
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
#define GNTTAB (1ULL << 62)
/* What adjust_guest_l1e adds to a kernel mapping. */
#define KERN (_PAGE_USER | MODEL_PAGE_GUEST_KERNEL)

static uint64_t ent(mfn_t target, uint64_t flags)
{
    return mfn_to_maddr(target) | flags;
}

/* A level-`level` table whose slot 0 names a fresh, suitable target, or `flags` alone. */
static mfn_t table_with(int level, unsigned int slot, uint64_t flags)
{
    mfn_t t = harness_table_frame();
    mfn_t target = level == 1 ? harness_data_frame() : harness_table_frame();
    harness_entries(t)[slot] = ent(target, flags);
    return t;
}

static void assert_pin_refused(int level, mfn_t t, long rc, const char *check)
{
    assert_int_equal(harness_pin(level, t), rc);
    assert_refused_by(check);
    assert_int_equal(model_frame_type(t), MODEL_TYPE_NONE);
    assert_model_invariants();
}

/* --- flags ------------------------------------------------------------------------ */

/* base_disallow_mask: no PSE in L2/L3, no superpages for PV. */
static void test_l2_and_l3_validation_refuse_pse_superpages(void **state)
{
    (void)state;
    assert_pin_refused(2, table_with(2, 4, P | RW | _PAGE_PSE), -XEN_EINVAL,
                       "disallowed flags");
    assert_pin_refused(3, table_with(3, 4, P | RW | _PAGE_PSE), -XEN_EINVAL,
                       "disallowed flags");
}

/* L2/L3/L4_DISALLOW_MASK = base_disallow_mask: PWT, PCD, PSE, GLOBAL. */
static void test_upper_levels_refuse_cache_attributes_and_global(void **state)
{
    (void)state;
    const uint64_t bad[] = { _PAGE_PWT, _PAGE_PCD, _PAGE_GLOBAL };
    for (int level = 2; level <= 4; level++)
        for (unsigned int i = 0; i < 3; i++)
            assert_pin_refused(level, table_with(level, 1, P | bad[i]), -XEN_EINVAL,
                               "disallowed flags");
}

/* L1_DISALLOW_MASK for a domU without I/O: PWT, PCD and PAT. */
static void test_l1_refuses_cache_attributes(void **state)
{
    (void)state;
    const uint64_t bad[] = { _PAGE_PWT, _PAGE_PCD, _PAGE_PSE /* PAT in an l1e */ };
    for (unsigned int i = 0; i < 3; i++)
        assert_pin_refused(1, table_with(1, 2, P | bad[i]), -XEN_EINVAL, "disallowed flags");
}

/*
 * L1_DISALLOW_MASK's _PAGE_GNTTAB is 0 in a release build (asm/page.h,
 * #ifdef NDEBUG): bit 62 is the guest's, in validation and in mod_l1_entry.
 */
static void test_l1_accepts_bit_62_in_a_release_build(void **state)
{
    (void)state;
    mfn_t t = table_with(1, 2, P | GNTTAB);
    assert_int_equal(harness_pin(1, t), 0);
    assert_int_equal(harness_update(t, 3, ent(harness_data_frame(), P | RW | GNTTAB)), 0);
    assert_true(harness_entries(t)[3] & GNTTAB);
    assert_model_invariants();
}

/* What a guest may use: USER, A/D, AVAIL (9-11), AVAIL_HIGH (52-62), NX; GLOBAL in L1. */
static void test_l1_accepts_global_nx_and_the_software_bits(void **state)
{
    (void)state;
    uint64_t ok = P | RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_GLOBAL |
                  _PAGE_AVAIL0 | (7ULL << 9) | (0x3ffULL << 52) | _PAGE_NX;
    assert_int_equal(harness_pin(1, table_with(1, 0, ok)), 0);
    assert_int_equal(harness_pin(2, table_with(2, 0, P | RW | _PAGE_NX | (1ULL << 60))), 0);
    assert_model_invariants();
}

/* --- targets ------------------------------------------------------------------------ */

/* get_page_from_l1e: real_pg_owner != pg_owner -> could_not_pin, -EBUSY. */
static void test_l1_refuses_a_frame_the_guest_does_not_own(void **state)
{
    (void)state;
    mfn_t t = harness_table_frame();
    harness_entries(t)[0] = ent(harness_foreign_mfn(1), P);
    assert_pin_refused(1, t, -XEN_EBUSY, "owned by another domain");
    harness_entries(t)[0] = ent(model_xen_frame(3), P);
    assert_pin_refused(1, t, -XEN_EBUSY, "owned by another domain");
    harness_entries(t)[0] = ent(harness_spare_mfn(0), P);
    assert_pin_refused(1, t, -XEN_EBUSY, "owned by another domain");
}

/* get_page_from_l1e: !mfn_valid and no iomem_access_permitted -> -EPERM. */
static void test_l1_refuses_a_frame_past_the_end_of_ram(void **state)
{
    (void)state;
    mfn_t t = harness_table_frame();
    harness_entries(t)[0] = ent(_mfn(model_nr_frames() + 5), P);
    assert_pin_refused(1, t, -XEN_EPERM, "MMIO");
}

/* get_page_from_l2e..l4e -> get_page_and_type_from_mfn -> get_page_from_mfn: -EINVAL. */
static void test_upper_levels_refuse_a_frame_the_guest_does_not_own(void **state)
{
    (void)state;
    for (int level = 2; level <= 4; level++) {
        mfn_t t = harness_table_frame();
        harness_entries(t)[3] = ent(harness_foreign_mfn(2), P | RW);
        assert_pin_refused(level, t, -XEN_EINVAL, "not the guest's");
    }
}

/* get_page_from_l2e: the target must be able to become an L1 (here it is writable). */
static void test_l2_refuses_a_target_that_cannot_be_an_l1(void **state)
{
    (void)state;
    mfn_t t = harness_table_frame();
    harness_entries(t)[0] = ent(harness_data_frame(), P | RW);
    assert_pin_refused(2, t, -XEN_EINVAL, "get_page_type");
}

/* --- L1TF --------------------------------------------------------------------------- */

/* pv_l1tf_check_pte: non-present address bits must be 0 or far above RAM. */
static void test_non_present_entry_pointing_at_ram_crashes_the_domain(void **state)
{
    (void)state;
    mfn_t t = harness_table_frame();
    harness_entries(t)[11] = ent(harness_data_frame(), _PAGE_AVAIL0);   /* not present */
    assert_int_equal(harness_pin(1, t), -MODEL_ECRASHED);
    assert_refused_by("L1TF");
    assert_true(model_domain_crashed());
    assert_non_null(strstr(model_crash_reason(), "L1TF"));
    assert_int_equal(model_frame_type(t), MODEL_TYPE_NONE);
}

/* pte.h's rule: a no-access entry keeps its frame with the address bits inverted. */
static void test_non_present_entry_with_inverted_address_is_l1tf_safe(void **state)
{
    (void)state;
    mfn_t t = harness_table_frame();
    uint64_t inverted = (~mfn_to_maddr(harness_data_frame())) & PTE_ADDR_MASK;
    harness_entries(t)[11] = inverted | _PAGE_AVAIL0;
    harness_entries(t)[12] = _PAGE_AVAIL0;   /* address 0: also safe */
    assert_int_equal(harness_pin(1, t), 0);
    assert_false(model_domain_crashed());
    assert_model_invariants();
}

/* pv_l1tf_check_pte: above L1, PSE counts even when not present. */
static void test_non_present_pse_above_l1_is_l1tf_unsafe(void **state)
{
    (void)state;
    mfn_t t = harness_table_frame();
    harness_entries(t)[0] = _PAGE_PSE;
    assert_int_equal(harness_pin(2, t), -MODEL_ECRASHED);
    assert_true(model_domain_crashed());
}

/* Validate an L1 whose one non-present entry holds address `maddr`: 0 if Xen finds it safe. */
static long pin_l1_with_non_present_address(uint64_t maddr)
{
    mfn_t t = harness_table_frame();
    harness_entries(t)[5] = maddr | _PAGE_AVAIL0;
    return harness_pin(1, t);
}

/*
 * l1tf_calculations(), l1d_maxphysaddr == paddr_bits (46, the default: a
 * Skylake-SP server): l1tf_safe_maddr = 3 << (paddr_bits - 2), the top
 * quarter.  Address bits the L1D does not use (46 and up) do not count.
 */
static void test_l1tf_with_an_l1d_as_wide_as_cpuid_leaves_the_top_quarter_safe(void **state)
{
    (void)state;
    assert_int_equal(model_l1tf_safe_maddr(), 3ULL << 44);
    assert_int_equal(pin_l1_with_non_present_address(3ULL << 44), 0);
    assert_int_equal(pin_l1_with_non_present_address(1ULL << 47), 0);   /* masked off: 0 */
    assert_false(model_domain_crashed());
    assert_int_equal(pin_l1_with_non_present_address(1ULL << 45), -MODEL_ECRASHED);
    assert_true(model_domain_crashed());
}

/*
 * l1tf_calculations(), l1d_maxphysaddr > paddr_bits (39 and 46: a desktop
 * part): any address bit past paddr_bits is safe, l1tf_safe_maddr = 1 << 39.
 */
static void test_l1tf_with_an_l1d_wider_than_cpuid_is_safe_past_paddr_bits(void **state)
{
    (void)state;
    model_set_l1tf_widths(39, 46);
    assert_int_equal(model_l1tf_safe_maddr(), 1ULL << 39);
    assert_int_equal(pin_l1_with_non_present_address(1ULL << 39), 0);
    assert_int_equal(pin_l1_with_non_present_address(1ULL << 45), 0);
    assert_false(model_domain_crashed());
    assert_int_equal(pin_l1_with_non_present_address((1ULL << 39) - PAGE_SIZE),
                     -MODEL_ECRASHED);
    assert_true(model_domain_crashed());
}

/* The E820 supplement (setup.c): never below the end of RAM, whatever the widths say. */
static void test_l1tf_safe_maddr_is_never_below_the_end_of_ram(void **state)
{
    (void)state;
    model_set_l1tf_widths(12, 46);   /* 1 << 12: absurdly low */
    assert_int_equal(model_l1tf_safe_maddr(), (uint64_t)model_nr_frames() << PAGE_SHIFT);
    assert_int_equal(pin_l1_with_non_present_address(mfn_to_maddr(harness_data_frame())),
                     -MODEL_ECRASHED);
}

static void test_mod_entry_refuses_an_l1tf_unsafe_non_present_value(void **state)
{
    (void)state;
    mfn_t t = harness_table_frame();
    assert_int_equal(harness_pin(1, t), 0);
    assert_int_equal(harness_update(t, 0, ent(harness_data_frame(), 0)), -MODEL_ECRASHED);
    assert_true(model_domain_crashed());
    assert_int_equal(harness_entries(t)[0], 0);
}

/* --- Xen's L4 slots ------------------------------------------------------------------- */

/* promote_l4_table skips !is_guest_l4_slot; init_xen_l4_slots then overwrites them. */
static void test_l4_validation_ignores_and_overwrites_xen_slots(void **state)
{
    (void)state;
    mfn_t l4 = harness_table_frame();
    for (unsigned int s = L4_XEN_FIRST; s <= L4_XEN_LAST; s++)
        harness_entries(l4)[s] = ent(harness_foreign_mfn(0), P | RW | _PAGE_PSE);
    assert_int_equal(harness_pin(4, l4), 0);
    for (unsigned int s = L4_XEN_FIRST; s <= L4_XEN_LAST; s++)
        assert_int_equal(harness_entries(l4)[s], model_xen_l4e(l4, s));
    /* Slot 258 is Xen's self-map; the others name Xen-owned frames. */
    assert_int_equal(mpte_mfn((mpte_t){ harness_entries(l4)[258] }).mfn, mfn_x(l4));
    assert_int_equal(model_frame_owner(mpte_mfn((mpte_t){ harness_entries(l4)[256] })),
                     MODEL_OWNER_XEN);
    assert_model_invariants();
}

/* mod_l4_entry: !is_guest_l4_slot -> "L4 update in Xen-private area", -EINVAL. */
static void test_mmu_update_to_an_l4_xen_slot_is_refused(void **state)
{
    (void)state;
    mfn_t l4 = harness_kernel_l4_mfn();
    uint64_t before = harness_entries(l4)[260];
    assert_int_equal(harness_update(l4, 260, 0), -XEN_EINVAL);
    assert_refused_by("Xen-private");
    assert_int_equal(harness_entries(l4)[260], before);
    assert_int_equal(harness_update(l4, 255, 0), 0);   /* the user half is the guest's */
    assert_model_invariants();
}

/* --- mod_lN_entry ---------------------------------------------------------------------- */

static void test_mod_entry_moves_the_reference_from_old_target_to_new(void **state)
{
    (void)state;
    mfn_t l2 = harness_table_frame(), a = harness_table_frame(), b = harness_table_frame();
    harness_entries(l2)[0] = ent(a, P | RW);
    assert_int_equal(harness_pin(2, l2), 0);
    assert_int_equal(model_frame_type(a), MODEL_TYPE_L1);

    assert_int_equal(harness_update(l2, 0, ent(b, P | RW)), 0);
    assert_int_equal(model_frame_type(a), MODEL_TYPE_NONE);
    assert_int_equal(model_frame_type(b), MODEL_TYPE_L1);
    assert_model_invariants();
}

static void test_a_refused_mod_entry_leaves_the_entry_and_counts_as_they_were(void **state)
{
    (void)state;
    mfn_t l1 = harness_table_frame(), d = harness_data_frame(), t = harness_table_frame();
    harness_entries(l1)[0] = ent(d, P | RW);
    assert_int_equal(harness_pin(1, l1), 0);
    assert_int_equal(harness_pin(1, t), 0);

    assert_int_equal(harness_update(l1, 0, ent(t, P | RW)), -XEN_EBUSY);
    assert_int_equal(harness_entries(l1)[0], ent(d, P | RW | KERN));
    assert_int_equal(model_frame_type_count(d), 2);
    assert_int_equal(model_frame_type_count(t), 1);
    assert_model_invariants();
}

/* FASTPATH_FLAG_WHITELIST: flipping A/D/NX/USER/AVAIL on the same frame moves nothing. */
static void test_flag_only_changes_take_the_fast_path(void **state)
{
    (void)state;
    mfn_t l1 = harness_table_frame(), d = harness_data_frame();
    harness_entries(l1)[0] = ent(d, P | RW);
    assert_int_equal(harness_pin(1, l1), 0);
    model_reset_counters();
    assert_int_equal(harness_update(l1, 0, ent(d, P | RW | _PAGE_NX | _PAGE_DIRTY)), 0);
    assert_int_equal(model_frame_type_count(d), 2);
    assert_int_equal(model_counters()->validations, 0);
    /* Disallowed flags are checked before the fast path. */
    assert_int_equal(harness_update(l1, 0, ent(d, P | RW | _PAGE_PCD)), -XEN_EINVAL);
    assert_model_invariants();
}

/* adjust_guest_lNe: Xen makes what it accepts reachable from the ring-3 kernel. */
static void test_accepted_entries_come_back_adjusted_as_xen_adjusts_them(void **state)
{
    (void)state;
    mfn_t l1 = harness_table_frame(), l2 = harness_table_frame(), d = harness_data_frame();
    harness_entries(l1)[0] = ent(d, P | RW);                  /* a kernel mapping */
    harness_entries(l1)[1] = ent(d, P | _PAGE_USER);          /* a user mapping */
    harness_entries(l2)[0] = ent(l1, P | RW);
    assert_int_equal(harness_pin(2, l2), 0);
    assert_int_equal(harness_entries(l1)[0], ent(d, P | RW | KERN));
    assert_int_equal(harness_entries(l1)[1], ent(d, P | _PAGE_USER | _PAGE_GLOBAL));
    assert_int_equal(harness_entries(l2)[0], ent(l1, P | RW | _PAGE_USER));

    assert_int_equal(harness_update(l1, 2, ent(d, P)), 0);
    assert_int_equal(harness_entries(l1)[2], ent(d, P | KERN));
    mfn_t l3 = harness_table_frame(), l4 = harness_table_frame();
    assert_int_equal(harness_pin(4, l4), 0);
    assert_int_equal(harness_update(l4, 3, ent(l3, P | RW)), 0);
    assert_int_equal(harness_entries(l4)[3], ent(l3, P | RW | _PAGE_USER | _PAGE_ACCESSED));
    assert_model_invariants();
}

/* A new lower table hooked into a validated one is validated right then. */
static void test_hooking_a_table_into_a_validated_tree_validates_it(void **state)
{
    (void)state;
    mfn_t l2 = harness_table_frame(), l1 = harness_table_frame(), d = harness_data_frame();
    assert_int_equal(harness_pin(2, l2), 0);
    harness_entries(l1)[0] = ent(d, P | RW);   /* not typed yet: plain memory */
    model_reset_counters();
    assert_int_equal(harness_update(l2, 9, ent(l1, P | RW)), 0);
    assert_int_equal(model_counters()->validations, 1);
    assert_int_equal(model_frame_type(l1), MODEL_TYPE_L1);
    assert_int_equal(model_frame_type_count(d), 2);
    /* And unhooking it devalidates it. */
    assert_int_equal(harness_update(l2, 9, 0), 0);
    assert_int_equal(model_frame_type(l1), MODEL_TYPE_NONE);
    assert_int_equal(model_frame_type_count(d), 1);
    assert_model_invariants();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        HARNESS_TEST(test_l2_and_l3_validation_refuse_pse_superpages),
        HARNESS_TEST(test_upper_levels_refuse_cache_attributes_and_global),
        HARNESS_TEST(test_l1_refuses_cache_attributes),
        HARNESS_TEST(test_l1_accepts_bit_62_in_a_release_build),
        HARNESS_TEST(test_l1_accepts_global_nx_and_the_software_bits),
        HARNESS_TEST(test_l1_refuses_a_frame_the_guest_does_not_own),
        HARNESS_TEST(test_l1_refuses_a_frame_past_the_end_of_ram),
        HARNESS_TEST(test_upper_levels_refuse_a_frame_the_guest_does_not_own),
        HARNESS_TEST(test_l2_refuses_a_target_that_cannot_be_an_l1),
        HARNESS_TEST(test_non_present_entry_pointing_at_ram_crashes_the_domain),
        HARNESS_TEST(test_non_present_entry_with_inverted_address_is_l1tf_safe),
        HARNESS_TEST(test_non_present_pse_above_l1_is_l1tf_unsafe),
        HARNESS_TEST(test_l1tf_with_an_l1d_as_wide_as_cpuid_leaves_the_top_quarter_safe),
        HARNESS_TEST(test_l1tf_with_an_l1d_wider_than_cpuid_is_safe_past_paddr_bits),
        HARNESS_TEST(test_l1tf_safe_maddr_is_never_below_the_end_of_ram),
        HARNESS_TEST(test_mod_entry_refuses_an_l1tf_unsafe_non_present_value),
        HARNESS_TEST(test_l4_validation_ignores_and_overwrites_xen_slots),
        HARNESS_TEST(test_mmu_update_to_an_l4_xen_slot_is_refused),
        HARNESS_TEST(test_mod_entry_moves_the_reference_from_old_target_to_new),
        HARNESS_TEST(test_a_refused_mod_entry_leaves_the_entry_and_counts_as_they_were),
        HARNESS_TEST(test_flag_only_changes_take_the_fast_path),
        HARNESS_TEST(test_accepted_entries_come_back_adjusted_as_xen_adjusts_them),
        HARNESS_TEST(test_hooking_a_table_into_a_validated_tree_validates_it),
    };
    return cmocka_run_group_tests_name("model_entries", tests, NULL, NULL);
}

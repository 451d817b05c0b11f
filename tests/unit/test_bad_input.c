/*
 * Bad input, from the two places it comes from: a person typing xl's extra=, and
 * a kernel calling the MMU layer with arguments that make no sense.
 *
 * The promise is the same for both.  A bad word or a bad call is refused with a
 * message that names what was wrong, and it costs nothing that was there before:
 * the options already given keep their values, the mappings already made still
 * translate, Xen sees no hypercall, and the model's rules still hold.
 */
#include "pvmmu_test.h"
#include "arch/x86/common/options.h"

#define USER_VA 0x0000100000000000ULL   /* L4 slot 32: well inside the user half */

/* ---- the command line ------------------------------------------------------------ */

struct warnings { unsigned n; char text[16][256]; };

static void keep_warning(const char *message, void *ctx)
{
    struct warnings *w = ctx;

    if (w->n < 16)
        snprintf(w->text[w->n], sizeof(w->text[0]), "%s", message);
    w->n++;
}

static unsigned parse(const char *cmdline, struct kernel_options *opt, struct warnings *w)
{
    memset(w, 0, sizeof(*w));
    return options_parse(cmdline, strlen(cmdline), opt, keep_warning, w);
}

static void test_each_malformed_word_is_named_with_its_reason(void **state)
{
    struct kernel_options opt;
    struct warnings w;

    (void)state;
    options_default(&opt);
    assert_int_equal(parse("spaces=abc bogus=1 saves =5 suites=spaces,,fork spaces=0x", &opt, &w), 6);
    assert_int_equal(w.n, 6);
    assert_string_equal(w.text[0], "ignoring option 'spaces=abc': not a number");
    assert_string_equal(w.text[1], "ignoring option 'bogus=1': unknown option (known: spaces pages "
                                   "storm_rounds storm_pages w1_iterations w2_pages fault_around "
                                   "saves pin_all p2m_tools high_pfn busy smp_rounds smp_shootdown suites)");
    assert_string_equal(w.text[2], "ignoring option 'saves': expected key=value");
    assert_string_equal(w.text[3], "ignoring option '=5': expected key=value");
    assert_string_equal(w.text[4], "ignoring option 'suites=spaces,,fork': empty suite name in the list");
    assert_string_equal(w.text[5], "ignoring option 'spaces=0x': not a number");
}

static void test_zero_and_huge_sizes_are_out_of_range_by_name(void **state)
{
    struct kernel_options opt;
    struct warnings w;

    (void)state;
    options_default(&opt);
    assert_int_equal(parse("spaces=0 spaces=8001 pages=65 w2_pages=4294967296 pin_all=2", &opt, &w), 5);
    assert_string_equal(w.text[0], "ignoring option 'spaces=0': out of range (1..8000)");
    assert_string_equal(w.text[1], "ignoring option 'spaces=8001': out of range (1..8000)");
    assert_string_equal(w.text[2], "ignoring option 'pages=65': out of range (1..64)");
    assert_string_equal(w.text[3], "ignoring option 'w2_pages=4294967296': number too large");
    assert_string_equal(w.text[4], "ignoring option 'pin_all=2': out of range (0..1)");
}

static void test_a_bad_word_loses_nothing_given_before_or_after_it(void **state)
{
    struct kernel_options opt, defaults;
    struct warnings w;

    (void)state;
    options_default(&opt);
    options_default(&defaults);
    assert_int_equal(parse("spaces=12 suites=fork spaces=-1 pages=0x10 suites=Fork! saves=3 pages=x",
                           &opt, &w), 3);
    assert_int_equal(opt.spaces, 12);            /* the good value before the bad one stands */
    assert_int_equal(opt.pages, 16);             /* hex is a number; the bad one after changes nothing */
    assert_int_equal(opt.saves, 3);
    assert_string_equal(opt.suites, "fork");
    assert_int_equal(opt.storm_rounds, defaults.storm_rounds);
    assert_int_equal(opt.pin_all, defaults.pin_all);
    assert_string_equal(w.text[1], "ignoring option 'suites=Fork!': suite names are made of a-z, 0-9, "
                                   "'_' and '-', separated by commas");
}

static void test_an_endless_word_is_quoted_cut_short(void **state)
{
    char line[600];
    struct kernel_options opt;
    struct warnings w;

    (void)state;
    memset(line, 'x', sizeof(line) - 1);
    line[sizeof(line) - 1] = '\0';
    memcpy(line, "suites=", 7);
    options_default(&opt);
    assert_int_equal(parse(line, &opt, &w), 1);
    assert_non_null(strstr(w.text[0], "...': list too long"));
    assert_true(strlen(w.text[0]) < 150);
    assert_string_equal(opt.suites, "all");
}

/* ---- the MMU layer's API ------------------------------------------------------------ */

/* An address space with one page mapped at USER_VA, pinned: the state bad calls must not harm. */
static struct aspace *space_with_a_page(pfn_t *data)
{
    struct aspace *as = aspace_create();

    assert_non_null(as);
    *data = frame_alloc();
    assert_int_equal(mmu_map(as, USER_VA, *data, _PAGE_RW | _PAGE_USER), 0);
    assert_int_equal(aspace_pin(as), 0);
    pvmmu_clear_errors();
    model_reset_counters();
    return as;
}

/* Nothing was lost: the page still translates, no trap was taken, the model's rules hold. */
static void assert_untouched(struct aspace *as, pfn_t data)
{
    pte_t pte;

    assert_int_equal(mmu_lookup(as, USER_VA, &pte), 0);
    assert_true(pte_present(pte));
    assert_int_equal(pfn_x(pte_pfn(pte)), pfn_x(data));
    assert_int_equal(traps(), 0);
    assert_true(as->pinned);
    assert_model_invariants();
}

static void test_a_frame_beyond_max_pfn_is_named_and_nothing_of_the_range_is_mapped(void **state)
{
    pfn_t data, pfns[3];
    struct aspace *as = space_with_a_page(&data);
    pte_t pte;
    char pfn_text[32];

    (void)state;
    pfns[0] = frame_alloc();
    pfns[1] = frame_alloc();
    pfns[2] = _pfn(p2m_max_pfns() + 5);
    assert_int_equal(mmu_map_range(as, USER_VA + PAGE_SIZE, pfns, 3, _PAGE_RW), -XEN_EINVAL);
    snprintf(pfn_text, sizeof(pfn_text), "pfn 0x%llx", (unsigned long long)pfn_x(pfns[2]));
    assert_error_contains(pfn_text);
    assert_error_contains("page 3 of 3");
    assert_int_equal(mmu_lookup(as, USER_VA + PAGE_SIZE, &pte), 0);
    assert_false(pte_present(pte));                     /* the good ones were not mapped either */
    assert_untouched(as, data);
}

static void test_zero_pages_is_a_no_op(void **state)
{
    pfn_t data;
    struct aspace *as = space_with_a_page(&data);

    (void)state;
    assert_int_equal(mmu_map_range(as, USER_VA, &data, 0, _PAGE_RW), 0);
    assert_int_equal(mmu_unmap_range(as, USER_VA, 0), 0);
    assert_int_equal(mmu_protect_range(as, USER_VA, 0, PROT_NOACCESS), 0);
    assert_no_errors();
    assert_untouched(as, data);
}

static void test_a_page_count_that_wraps_around_is_refused(void **state)
{
    pfn_t data;
    struct aspace *as = space_with_a_page(&data);
    uint64_t wraps = 1ULL << 52;                 /* times 4 KiB is 2^64: zero, if unchecked */

    (void)state;
    assert_int_equal(mmu_map_range(as, USER_VA, &data, wraps, _PAGE_RW), -XEN_EINVAL);
    assert_error_contains("not page aligned inside the address space's own L4 slots");
    assert_int_equal(mmu_unmap_range(as, USER_VA, wraps), -XEN_EINVAL);
    assert_int_equal(mmu_protect_range(as, USER_VA, wraps + 1, PROT_NOACCESS), -XEN_EINVAL);
    assert_int_equal(mmu_unmap_range(as, USER_VA, UINT64_MAX), -XEN_EINVAL);
    assert_untouched(as, data);
}

/*
 * Guards issue 13.5: a prot that is none of the three built an entry neither
 * present nor no-access, so the page could never be reached again.
 */
static void test_a_prot_that_is_none_of_the_three_is_refused(void **state)
{
    pfn_t data;
    struct aspace *as = space_with_a_page(&data);

    (void)state;
    assert_int_equal(mmu_protect_range(as, USER_VA, 1, (enum mmu_prot)3), -XEN_EINVAL);
    assert_error_contains("prot 3 is not PROT_NOACCESS, PROT_READ_ONLY or PROT_READ_WRITE");
    assert_int_equal(mmu_protect_range(as, USER_VA, 1, (enum mmu_prot)-1), -XEN_EINVAL);
    assert_untouched(as, data);
}

static void test_a_destroyed_space_is_refused_by_every_call(void **state)
{
    pfn_t data, other;
    struct aspace *keep = space_with_a_page(&data);
    struct aspace *gone = aspace_create();
    mpte_t *l1e;
    pte_t pte;

    (void)state;
    other = frame_alloc();
    assert_int_equal(mmu_map(gone, USER_VA, other, _PAGE_RW), 0);
    l1e = entry_slot(gone, USER_VA, 1);
    assert_non_null(l1e);
    assert_int_equal(aspace_destroy(gone), 0);
    model_reset_counters();
    pvmmu_clear_errors();

    assert_int_equal(mmu_map(gone, USER_VA, other, _PAGE_RW), -XEN_EINVAL);
    assert_error_contains("not an address space");
    assert_int_equal(mmu_unmap_range(gone, USER_VA, 1), -XEN_EINVAL);
    assert_int_equal(mmu_protect_range(gone, USER_VA, 1, PROT_READ_ONLY), -XEN_EINVAL);
    assert_int_equal(mmu_lookup(gone, USER_VA, &pte), -XEN_EINVAL);
    assert_int_equal(aspace_pin(gone), -XEN_EINVAL);
    assert_error_contains("does not exist");
    assert_int_equal(aspace_unpin(gone), -XEN_EINVAL);
    assert_int_equal(aspace_switch(gone), -XEN_EINVAL);
    assert_null(aspace_fork(gone));
    assert_int_equal(aspace_destroy(gone), -XEN_EINVAL);
    assert_error_contains("destroyed twice");
    assert_int_equal(aspace_destroy(NULL), -XEN_EINVAL);
    assert_int_equal(set_pte(gone, l1e, pte_make(other, _PAGE_PRESENT)), -XEN_EINVAL);  /* a freed L1 */
    assert_error_contains("set_pte at maddr");
    assert_int_equal(pvmmu_error_count(), 11);
    assert_untouched(keep, data);
}

/*
 * Guards issue 13.1: a table whose frame's m2p entry is stale cannot be read, and
 * "cannot read" is not "not mapped".  Before the fix, unmap and protect answered 0
 * and left the page mapped read-write, and lookup said nothing was mapped there;
 * unhooking the L2 above it sent the update to Xen and then reported it unwritten.
 */
static void test_a_table_that_cannot_be_read_is_refused_not_taken_for_unmapped(void **state)
{
    pfn_t data;
    struct aspace *as = space_with_a_page(&data);
    mfn_t l1 = mfn_of(virt_to_pfn(entry_slot(as, USER_VA, 1)));
    mpte_t *l3e = entry_slot(as, USER_VA, 3);
    uint64_t l1_pfn;
    struct model_xlat x;
    pte_t pte;

    (void)state;
    assert_true(model_m2p_read(l1, &l1_pfn));
    model_m2p_set(l1, l1_pfn + 1);                /* the m2p now names another pfn: stale */
    assert_int_equal(mmu_unmap_range(as, USER_VA, 1), -XEN_EINVAL);
    assert_error_contains("the L1 table below cannot be read");
    assert_int_equal(mmu_protect_range(as, USER_VA, 1, PROT_READ_ONLY), -XEN_EINVAL);
    assert_int_equal(mmu_lookup(as, USER_VA, &pte), -XEN_EINVAL);
    assert_int_equal(mmu_unmap_range(as, USER_VA, PT_ENTRIES), -XEN_EINVAL);   /* the whole-L2 path */
    assert_int_equal(set_pud(as, l3e, PTE_NONE), -XEN_EINVAL);   /* an unhook that cannot walk below */
    model_m2p_set(l1, l1_pfn);
    assert_untouched(as, data);                   /* still mapped, and no trap taken */
    assert_true(model_translate(mfn_of(as->root), USER_VA, &x));
    assert_true(x.rw);                            /* and still writable, as it was */
}

/*
 * Guards issue 13.2: a slot pointer says nothing about where it came from.  One
 * kept from a destroyed space, one of another live space, and one used at the
 * wrong level were all written: the first into a freed frame that may already
 * be someone else's table.
 */
static void test_a_slot_of_another_space_or_level_is_refused(void **state)
{
    pfn_t data, other = frame_alloc();
    struct aspace *as = space_with_a_page(&data);
    struct aspace *gone = aspace_create(), *live = aspace_create();
    mpte_t *stale, *theirs, *mine = entry_slot(as, USER_VA, 1);

    (void)state;
    assert_int_equal(mmu_map(gone, USER_VA, other, _PAGE_RW), 0);
    assert_int_equal(mmu_map(live, USER_VA, other, _PAGE_RW), 0);
    stale = entry_slot(gone, USER_VA, 1);
    theirs = entry_slot(live, USER_VA, 1);
    assert_int_equal(aspace_destroy(gone), 0);
    assert_non_null(aspace_create());      /* the freed frames go to a new space's tables */
    model_reset_counters();
    pvmmu_clear_errors();

    assert_int_equal(set_pte(as, stale, pte_make(other, _PAGE_PRESENT)), -XEN_EINVAL);
    assert_error_contains("is not in an L1 table of this address space");
    assert_int_equal(set_pte(as, theirs, pte_make(other, _PAGE_PRESENT)), -XEN_EINVAL);
    assert_error_contains("another space's table");
    assert_int_equal(set_pmd(as, mine, pte_make(other, TABLE_FLAGS)), -XEN_EINVAL);   /* an L1 as an L2 */
    assert_error_contains("not in an L2 table");
    assert_untouched(as, data);
    assert_int_equal(mmu_lookup(live, USER_VA, &(pte_t){ 0 }), 0);
}

/*
 * Guards issue 13.3: a table linked in two places is freed by the first teardown
 * while the second still links it.  Linking an L1 that is linked already, in the
 * same space or in another, is refused by name.
 */
static void test_a_table_is_linked_in_one_place_only(void **state)
{
    pfn_t data, page = frame_alloc();
    struct aspace *as = space_with_a_page(&data), *other = aspace_create();
    pfn_t l1 = virt_to_pfn(entry_slot(as, USER_VA, 1));
    const uint64_t far = USER_VA + (1ULL << 30);        /* another L2 of the same space */
    mpte_t *l2e;

    (void)state;
    assert_int_equal(mmu_map(as, far, page, _PAGE_RW), 0);
    assert_int_equal(mmu_map(other, USER_VA, page, _PAGE_RW), 0);
    pvmmu_clear_errors();
    model_reset_counters();
    l2e = entry_slot(as, far, 2);
    assert_int_equal(set_pmd(as, l2e + 1, pte_make(l1, TABLE_FLAGS)), -XEN_EBUSY);
    assert_error_contains("is linked already (an L1 table of address space");
    l2e = entry_slot(other, USER_VA, 2);
    assert_int_equal(set_pmd(other, l2e + 1, pte_make(l1, TABLE_FLAGS)), -XEN_EBUSY);
    assert_untouched(as, data);
    assert_int_equal(aspace_destroy(other), 0);
    assert_untouched(as, data);                          /* other's teardown freed none of as's tables */
}

static void test_the_kernel_space_cannot_be_unpinned_or_destroyed(void **state)
{
    pfn_t data;
    struct aspace *as = space_with_a_page(&data);

    (void)state;
    assert_int_equal(aspace_unpin(aspace_kernel()), -XEN_EINVAL);
    assert_error_contains("kernel's own address space");
    assert_int_equal(aspace_destroy(aspace_kernel()), -XEN_EINVAL);
    assert_error_contains("cannot be destroyed");
    assert_untouched(as, data);
}

static void test_a_never_populated_space_pins_and_unpins_in_one_trap_each(void **state)
{
    struct aspace *as = aspace_create();

    (void)state;
    model_reset_counters();
    assert_int_equal(aspace_pin(as), 0);                 /* two empty roots are valid L4s */
    assert_int_equal(traps(), 1);
    assert_true(model_frame_pinned(mfn_of(as->root)));
    assert_int_equal(aspace_unpin(as), 0);
    assert_int_equal(traps(), 2);
    assert_false(model_frame_pinned(mfn_of(as->root)));
    assert_int_equal(aspace_destroy(as), 0);
    assert_no_errors();
    assert_model_invariants();
}

static void test_p2m_calls_beyond_the_table_change_nothing(void **state)
{
    pfn_t past = _pfn(p2m_max_pfns());
    mfn_t before = p2m_lookup(_pfn(0));

    (void)state;
    assert_int_not_equal(p2m_set(past, before), 0);
    assert_error_contains("0x");
    assert_true(mfn_x(p2m_lookup(past)) == mfn_x(INVALID_MFN));
    assert_int_not_equal(p2m_set_identity(_pfn(p2m_max_pfns() - 1), 2), 0);
    assert_int_equal(mfn_x(p2m_lookup(_pfn(0))), mfn_x(before));
    assert_int_equal(traps(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_malformed_word_is_named_with_its_reason),
        cmocka_unit_test(test_zero_and_huge_sizes_are_out_of_range_by_name),
        cmocka_unit_test(test_a_bad_word_loses_nothing_given_before_or_after_it),
        cmocka_unit_test(test_an_endless_word_is_quoted_cut_short),
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_guest, teardown_guest)
        T(test_a_frame_beyond_max_pfn_is_named_and_nothing_of_the_range_is_mapped),
        T(test_zero_pages_is_a_no_op),
        T(test_a_page_count_that_wraps_around_is_refused),
        T(test_a_prot_that_is_none_of_the_three_is_refused),
        T(test_a_destroyed_space_is_refused_by_every_call),
        T(test_a_table_that_cannot_be_read_is_refused_not_taken_for_unmapped),
        T(test_a_slot_of_another_space_or_level_is_refused),
        T(test_a_table_is_linked_in_one_place_only),
        T(test_the_kernel_space_cannot_be_unpinned_or_destroyed),
        T(test_a_never_populated_space_pins_and_unpins_in_one_trap_each),
        T(test_p2m_calls_beyond_the_table_change_nothing),
    };
    return cmocka_run_group_tests_name("bad input", tests, NULL, NULL);
}

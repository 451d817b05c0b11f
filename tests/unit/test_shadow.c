/*
 * The shadow backend, case by case: what lguest refuses (and that we refuse it
 * too, by name), Accessed and Dirty, read faults installing read-only, the
 * pre-install, invalidation across cached roots, eviction, linear mode, and the
 * kill reason.  The hardware is tests/unit/test_shadow_hw.h.
 */
#include "test_shadow_hw.h"

#define VA 0x0000100000000000ULL
#define KVA 0xffff900000000000ULL   /* L4 slot 288: the kernel half */
#define RW_USER (_PAGE_RW | _PAGE_USER)

static struct shadow_config lru(unsigned roots, unsigned pool)
{
    struct shadow_config c = shadow_default_config;

    c.cache_roots = roots;
    c.pool_frames = pool;
    return c;
}

/* pvmmu's policy with a pool that fits a guest of 1024 pages. */
static struct shadow_config ours(void)
{
    return lru(shadow_default_config.cache_roots, 256);
}

static int setup(void **state)
{
    struct shadow_config c = ours();

    (void)state;
    shadow_boot(1024, &c);
    return 0;
}

/* The same host with prefetch on (SHADOW_PREFETCH_WINDOW: an opt-in policy, shadow.h). */
static int setup_prefetch(void **state)
{
    struct shadow_config c = ours();

    (void)state;
    c.prefetch = SHADOW_PREFETCH_WINDOW;
    shadow_boot(1024, &c);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    shadow_halt();
    return 0;
}

static pfn_t data_frame(void)
{
    pfn_t pfn = frame_alloc();

    assert_true(pfn_valid_value(pfn));
    return pfn;
}

/* A new address space mapping pfn at va with flags, switched to. */
static struct aspace *space_with(uint64_t va, pfn_t pfn, uint64_t flags)
{
    struct aspace *as = shadow_backend.create();

    assert_non_null(as);
    assert_int_equal(shadow_backend.map_range(as, va, &pfn, 1, flags), 0);
    assert_int_equal(shadow_backend.switch_to(as), 0);
    return as;
}

static pte_t gpte_of(const struct aspace *as, uint64_t va)
{
    pte_t *gpte = shadow_guest_entry(as, va, 1);

    assert_non_null(gpte);
    return *gpte;
}

static void expect_ok(uint64_t va, unsigned access, pfn_t pfn, unsigned faults)
{
    struct hw_xlat x;

    assert_int_equal(hw_access(va, access, &x), HW_OK);
    assert_int_equal(mfn_x(x.mfn), mfn_x(mfn_of(pfn)));
    assert_int_equal(x.faults, faults);
}

static void expect_guest_fault(uint64_t va, unsigned access)
{
    struct hw_xlat x;

    assert_int_equal(hw_access(va, access, &x), HW_GUEST_FAULT);
    assert_false(shadow_guest_dead());
    assert_no_errors();
}

static void expect_killed(uint64_t va, unsigned access, const char *why)
{
    struct hw_xlat x;

    assert_int_equal(hw_access(va, access, &x), HW_GUEST_KILLED);
    assert_true(shadow_guest_dead());
    if (!strstr(shadow_kill_reason(), why))
        fail_msg("kill reason '%s' does not say '%s'", shadow_kill_reason(), why);
    assert_error_contains("guest killed");
}

/* --- Accessed, Dirty, and read faults that install read-only ------------------ */

static void test_a_page_count_that_wraps_around_is_refused(void **state)
{
    pfn_t pfn = data_frame();
    struct aspace *as = space_with(VA, pfn, RW_USER);

    (void)state;
    /* 2^52 pages of 4 KiB is 2^64 bytes: zero, if the count were multiplied unchecked. */
    assert_int_equal(shadow_backend.map_range(as, VA, &pfn, 1ULL << 52, RW_USER), -XEN_EINVAL);
    assert_error_contains("not page aligned inside the user half");
    assert_int_equal(shadow_backend.unmap_range(as, VA, UINT64_MAX), -XEN_EINVAL);
    assert_int_equal(shadow_backend.protect_range(as, VA, 1ULL << 52, PROT_NOACCESS), -XEN_EINVAL);
    assert_true(pfn_eq(pte_pfn(gpte_of(as, VA)), pfn));     /* the mapping is still there */
}

/* Guards issue 13.5: a prot that is none of the three indexed past reprotect()'s table (UBSan). */
static void test_a_prot_that_is_none_of_the_three_is_refused(void **state)
{
    pfn_t pfn = data_frame();
    struct aspace *as = space_with(VA, pfn, RW_USER);
    pte_t before = gpte_of(as, VA);

    (void)state;
    assert_int_equal(shadow_backend.protect_range(as, VA, 1, (enum mmu_prot)3), -XEN_EINVAL);
    assert_error_contains("prot 3 is not PROT_NOACCESS, PROT_READ_ONLY or PROT_READ_WRITE");
    assert_int_equal(shadow_backend.protect_range(as, VA, 1, (enum mmu_prot)-1), -XEN_EINVAL);
    assert_true(gpte_of(as, VA).v == before.v);             /* the mapping is as it was */
}

static void test_read_fault_installs_read_only_and_sets_accessed(void **state)
{
    pfn_t page = data_frame();
    struct aspace *as = space_with(VA, page, RW_USER);
    mfn_t mfn;
    unsigned errcode;

    (void)state;
    expect_ok(VA, HW_USER | HW_READ, page, 1);
    assert_true(pte_flags(gpte_of(as, VA)) & _PAGE_ACCESSED);
    assert_false(pte_flags(gpte_of(as, VA)) & _PAGE_DIRTY);
    /* The guest said writable, but the shadow says read-only until it is written. */
    assert_false(hw_walk(shadow_cr3(), VA, HW_USER | HW_WRITE, &mfn, &errcode));
    assert_int_equal(errcode, PF_PROT | PF_WRITE | PF_USER);
    expect_ok(VA, HW_USER | HW_WRITE, page, 1);
    assert_true(pte_flags(gpte_of(as, VA)) & _PAGE_DIRTY);
    expect_ok(VA, HW_USER | HW_WRITE, page, 0);
    assert_int_equal(shadow_stats()->fixed, 2);
}

static void test_write_first_touch_is_one_fault_and_sets_dirty(void **state)
{
    pfn_t page = data_frame();
    struct aspace *as = space_with(VA, page, RW_USER);

    (void)state;
    expect_ok(VA, HW_USER | HW_WRITE, page, 1);
    assert_int_equal(pte_flags(gpte_of(as, VA)) & (_PAGE_ACCESSED | _PAGE_DIRTY),
                     _PAGE_ACCESSED | _PAGE_DIRTY);
    expect_ok(VA, HW_USER | HW_READ, page, 0);
}

static void test_read_of_a_dirty_page_installs_writable(void **state)
{
    pfn_t page = data_frame();

    (void)state;
    space_with(VA, page, RW_USER | _PAGE_DIRTY);
    expect_ok(VA, HW_USER | HW_READ, page, 1);
    expect_ok(VA, HW_USER | HW_WRITE, page, 0);
}

static void test_upper_levels_get_accessed_too(void **state)
{
    pfn_t page = data_frame();
    struct aspace *as = space_with(VA, page, RW_USER);
    int l;

    (void)state;
    for (l = 2; l <= 4; l++)
        *shadow_guest_entry(as, VA, l) = pte_make(pte_pfn(*shadow_guest_entry(as, VA, l)),
                                                  TABLE_FLAGS & ~_PAGE_ACCESSED);
    expect_ok(VA, HW_USER, page, 1);
    for (l = 1; l <= 4; l++)
        assert_true(pte_flags(*shadow_guest_entry(as, VA, l)) & _PAGE_ACCESSED);
}

/* --- the pre-install ------------------------------------------------------------ */

static void test_accessed_dirty_entry_is_preinstalled_writable(void **state)
{
    pfn_t first = data_frame(), second = data_frame();
    struct aspace *as = space_with(VA, first, RW_USER);

    (void)state;
    expect_ok(VA, HW_USER, first, 1);   /* builds the shadow tables down to the L1 */
    assert_int_equal(shadow_backend.map_range(as, VA + PAGE_SIZE, &second, 1,
                                              RW_USER | _PAGE_ACCESSED | _PAGE_DIRTY), 0);
    assert_int_equal(shadow_stats()->preinstalls, 1);
    expect_ok(VA + PAGE_SIZE, HW_USER | HW_WRITE, second, 0);
}

static void test_accessed_clean_entry_is_preinstalled_read_only(void **state)
{
    pfn_t first = data_frame(), second = data_frame();
    struct aspace *as = space_with(VA, first, RW_USER);

    (void)state;
    expect_ok(VA, HW_USER, first, 1);
    assert_int_equal(shadow_backend.map_range(as, VA + PAGE_SIZE, &second, 1,
                                              RW_USER | _PAGE_ACCESSED), 0);
    expect_ok(VA + PAGE_SIZE, HW_USER, second, 0);
    expect_ok(VA + PAGE_SIZE, HW_USER | HW_WRITE, second, 1);
    assert_true(pte_flags(gpte_of(as, VA + PAGE_SIZE)) & _PAGE_DIRTY);
}

static void test_untouched_entry_is_not_preinstalled(void **state)
{
    pfn_t first = data_frame(), second = data_frame();
    struct aspace *as = space_with(VA, first, RW_USER);

    (void)state;
    expect_ok(VA, HW_USER, first, 1);
    assert_int_equal(shadow_backend.map_range(as, VA + PAGE_SIZE, &second, 1, RW_USER), 0);
    assert_int_equal(shadow_stats()->preinstalls, 0);
    expect_ok(VA + PAGE_SIZE, HW_USER, second, 1);
}

static void test_bad_preinstalled_entry_kills(void **state)
{
    pfn_t first = data_frame();
    struct aspace *as = space_with(VA, first, RW_USER);

    (void)state;
    expect_ok(VA, HW_USER, first, 1);
    shadow_set_pte(as->root, VA + PAGE_SIZE, pte_make(_pfn(5000), RW_USER | _PAGE_PRESENT |
                                                                   _PAGE_ACCESSED));
    assert_true(shadow_guest_dead());
    assert_non_null(strstr(shadow_kill_reason(), "beyond the guest's 1024 pfns"));
}

/* --- the guest's own faults: reflected, not killed -------------------------------- */

static void test_write_to_read_only_entry_is_reflected(void **state)
{
    pfn_t page = data_frame();
    struct aspace *as = space_with(VA, page, _PAGE_USER);

    (void)state;
    expect_guest_fault(VA, HW_USER | HW_WRITE);
    assert_false(pte_flags(gpte_of(as, VA)) & _PAGE_DIRTY);
    expect_ok(VA, HW_USER, page, 1);
}

static void test_user_access_to_supervisor_entry_is_reflected(void **state)
{
    pfn_t page = data_frame();

    (void)state;
    space_with(VA, page, _PAGE_RW);
    expect_guest_fault(VA, HW_USER);
    expect_ok(VA, HW_READ, page, 1);   /* the guest kernel may */
}

static void test_read_only_upper_level_is_reflected_on_write(void **state)
{
    pfn_t page = data_frame();
    struct aspace *as = space_with(VA, page, RW_USER);
    pte_t *l2e = shadow_guest_entry(as, VA, 2);

    (void)state;
    *l2e = pte_make(pte_pfn(*l2e), pte_flags(*l2e) & ~_PAGE_RW);
    shadow_set_pmd(as->root, VA);
    expect_guest_fault(VA, HW_USER | HW_WRITE);
    expect_ok(VA, HW_USER, page, 1);
    expect_guest_fault(VA, HW_USER | HW_WRITE);
}

static void test_fetch_from_no_execute_is_reflected(void **state)
{
    pfn_t page = data_frame();

    (void)state;
    space_with(VA, page, RW_USER | _PAGE_NX);
    expect_guest_fault(VA, HW_USER | HW_FETCH);
    expect_ok(VA, HW_USER, page, 1);
}

static void test_not_present_is_reflected(void **state)
{
    pfn_t page = data_frame();

    (void)state;
    space_with(VA, page, RW_USER);
    expect_guest_fault(VA + PAGE_SIZE, HW_USER);
    expect_guest_fault(VA + (1ULL << 39), HW_USER);
    expect_guest_fault(0xffff800000001000ULL, HW_READ);   /* the host's slots */
    assert_int_equal(shadow_stats()->reflected, 3);
}

/* --- what lguest refuses, and what we refuse besides: the guest dies -------------- */

/* Plant a bad entry at `level` of the tree mapping VA, behind the host's back. */
static void plant(struct aspace *as, int level, pte_t bad)
{
    *shadow_guest_entry(as, VA, level) = bad;
}

/*
 * Bad entries a guest can plant at some level of the tree that maps VA: `pfn`
 * (when non-zero) replaces the entry's frame, `add` is OR-ed into its flags.
 */
static const struct refusal {
    int level;
    uint64_t pfn, add;
    const char *why, *why_too;
} refusals[] = {
    { 1, 1024, 0, "names pfn 0x400, beyond the guest's 1024 pfns", "L1 entry" },
    { 3, 0x7ffff, 0, "names pfn 0x7ffff, beyond the guest's", "L3 entry for va 0x100000000000" },
    { 2, 0, _PAGE_PSE, "has PSE (a superpage)", "L2 entry" },
    { 3, 0, _PAGE_PSE, "has PSE (a superpage)", "L3 entry" },
    { 1, 0, _PAGE_PCD, "PWT/PCD (a memory type)", "L1 entry" },
    { 1, 0, _PAGE_PWT, "PWT/PCD (a memory type)", "L1 entry" },
    { 1, 0, _PAGE_PSE, "PAT (a memory type)", "L1 entry" },
    { 4, 0, _PAGE_PCD, "PWT/PCD (a memory type)", "L4 entry" },
    { 2, 0, _PAGE_GLOBAL, "GLOBAL in a table entry", "L2 entry" },
};

static void test_what_lguest_refuses_and_more_kills(void **state)
{
    unsigned i;

    (void)state;
    for (i = 0; i < ARRAY_SIZE(refusals); i++) {
        const struct refusal *r = &refusals[i];
        struct shadow_config c = ours();
        struct aspace *as;
        pte_t e;

        shadow_halt();
        shadow_boot(1024, &c);
        as = space_with(VA, data_frame(), RW_USER);
        e = *shadow_guest_entry(as, VA, r->level);
        plant(as, r->level, pte_make(r->pfn ? _pfn(r->pfn) : pte_pfn(e), pte_flags(e) | r->add));
        expect_killed(VA, HW_USER, r->why);
        if (!strstr(shadow_kill_reason(), r->why_too))
            fail_msg("case %u: kill reason '%s' does not say '%s'", i, shadow_kill_reason(),
                     r->why_too);
    }
}

static void test_global_in_a_pte_is_dropped(void **state)
{
    pfn_t page = data_frame();

    (void)state;
    space_with(VA, page, RW_USER | _PAGE_GLOBAL);
    expect_ok(VA, HW_USER, page, 1);   /* the hardware walker refuses a GLOBAL shadow entry */
}

static void test_mapping_a_shadow_table_kills(void **state)
{
    struct aspace *as = space_with(VA, data_frame(), RW_USER);
    pfn_t sroot;

    (void)state;
    expect_ok(VA, HW_USER, pte_pfn(gpte_of(as, VA)), 1);
    sroot = harness_mfn_to_pfn(shadow_cr3());
    assert_true(shadow_is_host_frame(sroot));
    /* As data ... */
    plant(as, 1, pte_make(sroot, RW_USER | _PAGE_PRESENT));
    shadow_set_pte(as->root, VA, PTE_NONE);
    expect_killed(VA, HW_USER | HW_WRITE, "which is the host's");
}

static void test_a_shadow_table_as_a_guest_table_kills(void **state)
{
    struct aspace *as = space_with(VA, data_frame(), RW_USER);
    pfn_t sroot;

    (void)state;
    expect_ok(VA, HW_USER, pte_pfn(gpte_of(as, VA)), 1);
    sroot = harness_mfn_to_pfn(shadow_cr3());
    /* ... or as a table, where we would write Accessed into it. */
    plant(as, 2, pte_make(sroot, TABLE_FLAGS));
    shadow_set_pmd(as->root, VA);
    expect_killed(VA, HW_USER, "L2 entry for va 0x100000000000 names pfn");
    assert_non_null(strstr(shadow_kill_reason(), "the host's"));
}

static void test_reserved_host_frame_is_never_mapped(void **state)
{
    pfn_t page = data_frame();
    struct aspace *as = space_with(VA, page, RW_USER);

    (void)state;
    expect_ok(VA, HW_USER, page, 1);
    assert_int_equal(shadow_reserve_host_frame(page), 0);
    /* The existing shadow of it went with everything else. */
    expect_killed(VA, HW_USER, "which is the host's");
    (void)as;
}

static void test_bad_root_kills(void **state)
{
    (void)state;
    assert_int_equal(shadow_new_root(_pfn(4096)), -XEN_EINVAL);
    assert_true(shadow_guest_dead());
    assert_non_null(strstr(shadow_kill_reason(), "the new root"));
}

static void test_claiming_a_host_slot_kills(void **state)
{
    struct aspace *as = space_with(VA, data_frame(), RW_USER);

    (void)state;
    shadow_set_pgd(as->root, 0xffff808000000000ULL);
    assert_true(shadow_guest_dead());
    assert_non_null(strstr(shadow_kill_reason(), "host's L4 slot 257"));
}

static void test_first_kill_reason_is_kept(void **state)
{
    struct aspace *as = space_with(VA, data_frame(), RW_USER);
    struct hw_xlat x;

    (void)state;
    plant(as, 1, pte_make(_pfn(2000), RW_USER | _PAGE_PRESENT));
    expect_killed(VA, HW_USER, "pfn 0x7d0");
    shadow_kill_guest("a later reason");
    shadow_set_pgd(as->root, 0xffff808000000000ULL);
    assert_non_null(strstr(shadow_kill_reason(), "pfn 0x7d0"));
    assert_null(strstr(shadow_kill_reason(), "later"));
    assert_int_equal(pvmmu_error_count(), 1);
    assert_int_equal(hw_access(VA, HW_USER, &x), HW_GUEST_KILLED);
}

/* --- invalidation: exactly the affected entries, in every root that sees them ------ */

static bool shadow_maps(mfn_t cr3, uint64_t va)
{
    mfn_t mfn;
    unsigned errcode;

    return hw_walk(cr3, va, HW_READ, &mfn, &errcode);
}

static void test_kernel_change_reaches_every_cached_root(void **state)
{
    pfn_t kpage = data_frame(), knew = data_frame(), page = data_frame();
    struct aspace *a, *b;

    (void)state;
    assert_int_equal(shadow_guest_map_kernel(KVA, kpage, _PAGE_RW), 0);
    a = space_with(VA, page, RW_USER);
    expect_ok(KVA, HW_READ, kpage, 1);
    b = space_with(VA, page, RW_USER);
    expect_ok(KVA, HW_READ, kpage, 1);
    expect_ok(VA, HW_USER, page, 1);
    assert_true(shadow_maps(shadow_sroot_of(a->root), KVA));
    assert_int_equal(shadow_guest_map_kernel(KVA, knew, _PAGE_RW), 0);
    assert_false(shadow_maps(shadow_sroot_of(a->root), KVA));
    assert_false(shadow_maps(shadow_sroot_of(b->root), KVA));
    /* Only the kernel entry went. */
    assert_true(shadow_maps(shadow_sroot_of(b->root), VA));
    expect_ok(KVA, HW_READ, knew, 1);
    assert_int_equal(shadow_backend.switch_to(a), 0);
    expect_ok(KVA, HW_READ, knew, 1);
}

static void test_user_change_reaches_only_its_own_root(void **state)
{
    pfn_t page = data_frame(), other = data_frame();
    struct aspace *a = space_with(VA, page, RW_USER), *b;

    (void)state;
    expect_ok(VA, HW_USER, page, 1);
    expect_ok(VA, HW_USER, page, 0);
    b = shadow_backend.fork(a);
    assert_non_null(b);
    assert_int_equal(shadow_backend.switch_to(b), 0);
    expect_ok(VA, HW_USER, page, 1);
    assert_int_equal(shadow_backend.map_range(a, VA, &other, 1, RW_USER), 0);
    assert_false(shadow_maps(shadow_sroot_of(a->root), VA));
    assert_true(shadow_maps(shadow_sroot_of(b->root), VA));
    expect_ok(VA, HW_USER, page, 0);
    assert_int_equal(shadow_backend.switch_to(a), 0);
    expect_ok(VA, HW_USER, other, 1);
}

static void test_unmapping_a_whole_l1_frees_its_shadow(void **state)
{
    pfn_t pages[512];
    struct aspace *as;
    unsigned i, free_before;

    (void)state;
    for (i = 0; i < 512; i++)
        pages[i] = data_frame();
    as = space_with(VA, pages[0], RW_USER);
    assert_int_equal(shadow_backend.map_range(as, VA, pages, 512, RW_USER), 0);
    free_before = shadow_pool_free();
    expect_ok(VA + 7 * PAGE_SIZE, HW_USER, pages[7], 1);
    assert_int_equal(shadow_pool_free(), free_before - 3);   /* L3, L2, L1 */
    assert_int_equal(shadow_backend.unmap_range(as, VA, 512), 0);
    assert_int_equal(shadow_pool_free(), free_before - 2);   /* the L1 went */
    expect_guest_fault(VA + 7 * PAGE_SIZE, HW_USER);
}

static void test_changing_an_entry_of_the_loaded_root_asks_for_a_flush(void **state)
{
    pfn_t page = data_frame(), other = data_frame();
    struct aspace *as = space_with(VA, page, RW_USER);

    (void)state;
    expect_ok(VA, HW_USER | HW_WRITE, page, 1);
    expect_ok(VA, HW_USER | HW_WRITE, page, 0);   /* from the TLB */
    assert_int_equal(shadow_backend.map_range(as, VA, &other, 1, RW_USER), 0);
    assert_true(shadow_tlb_flush_needed());
    assert_false(shadow_tlb_flush_needed());
    hw_tlb_flush();   /* what the carrier does when asked */
    expect_ok(VA, HW_USER | HW_WRITE, other, 1);
    /* Left to the hardware model's own carrier from here. */
    assert_int_equal(shadow_backend.protect_range(as, VA, 1, PROT_READ_ONLY), 0);
    expect_guest_fault(VA, HW_USER | HW_WRITE);
}

static void test_flush_drops_user_mappings_and_keeps_the_kernel(void **state)
{
    pfn_t kpage = data_frame(), page = data_frame();

    (void)state;
    assert_int_equal(shadow_guest_map_kernel(KVA, kpage, _PAGE_RW), 0);
    space_with(VA, page, RW_USER);
    expect_ok(KVA, HW_READ, kpage, 1);
    expect_ok(VA, HW_USER, page, 1);
    assert_int_equal(shadow_backend.flush_tlb(), 0);
    expect_ok(KVA, HW_READ, kpage, 0);
    expect_ok(VA, HW_USER, page, 1);
    assert_int_equal(shadow_backend.invlpg(VA), 0);
    expect_ok(VA, HW_USER, page, 1);
}

static void test_clear_all_throws_everything_away(void **state)
{
    pfn_t kpage = data_frame(), page = data_frame();
    unsigned free_before;

    (void)state;
    assert_int_equal(shadow_guest_map_kernel(KVA, kpage, _PAGE_RW), 0);
    space_with(VA, page, RW_USER);
    free_before = shadow_pool_free();
    expect_ok(KVA, HW_READ, kpage, 1);
    expect_ok(VA, HW_USER, page, 1);
    shadow_clear_all();
    assert_int_equal(shadow_pool_free(), free_before);
    expect_ok(KVA, HW_READ, kpage, 1);
    expect_ok(VA, HW_USER, page, 1);
}

/* --- the cache of roots -------------------------------------------------------- */

static void test_lru_evicts_the_root_used_longest_ago(void **state)
{
    struct shadow_config c = lru(2, 64);
    pfn_t page;
    struct aspace *a, *b, *d;

    (void)state;
    shadow_halt();
    shadow_boot(1024, &c);
    page = data_frame();
    a = space_with(VA, page, RW_USER);
    b = space_with(VA, page, RW_USER);
    assert_int_equal(shadow_backend.switch_to(a), 0);
    d = space_with(VA, page, RW_USER);   /* b was used longest ago */
    assert_true(mfn_valid_value(shadow_sroot_of(a->root)));
    assert_false(mfn_valid_value(shadow_sroot_of(b->root)));
    assert_true(mfn_valid_value(shadow_sroot_of(d->root)));
    assert_int_equal(shadow_stats()->evictions, 1);
    assert_int_equal(shadow_stats()->root_hits, 1);
}

static void test_pinned_root_is_spared(void **state)
{
    struct shadow_config c = lru(2, 64);
    pfn_t page;
    struct aspace *a, *b;

    (void)state;
    shadow_halt();
    shadow_boot(1024, &c);
    page = data_frame();
    a = space_with(VA, page, RW_USER);
    b = space_with(VA, page, RW_USER);
    assert_int_equal(shadow_backend.pin(b), 0);
    assert_int_equal(shadow_backend.switch_to(a), 0);
    space_with(VA, page, RW_USER);   /* b is older, but pinned: a goes */
    assert_false(mfn_valid_value(shadow_sroot_of(a->root)));
    assert_true(mfn_valid_value(shadow_sroot_of(b->root)));
    assert_int_equal(shadow_backend.unpin(b), 0);
}

static void test_evicted_root_keeps_nothing_of_the_old_user_half(void **state)
{
    struct shadow_config c = lru(1, 64);
    pfn_t p1, p2;
    struct aspace *a;

    (void)state;
    shadow_halt();
    shadow_boot(1024, &c);
    p1 = data_frame();
    p2 = data_frame();
    a = space_with(VA, p1, RW_USER);
    expect_ok(VA, HW_USER, p1, 1);
    space_with(VA, p2, RW_USER);       /* reuses a's slot */
    expect_ok(VA, HW_USER, p2, 1);
    assert_int_equal(shadow_backend.switch_to(a), 0);
    expect_ok(VA, HW_USER, p1, 1);
}

/* Round-robin through n spaces, `rounds` times: how many switches found their root cached. */
static unsigned long cycle(enum shadow_evict policy, unsigned roots, unsigned n, unsigned rounds)
{
    struct shadow_config c = lru(roots, 64);
    struct aspace *s[16];
    pfn_t page;
    unsigned i;

    c.policy = policy;
    shadow_halt();
    shadow_boot(1024, &c);
    page = data_frame();
    for (i = 0; i < n; i++)
        s[i] = space_with(VA, page, RW_USER);
    shadow_reset_stats();
    for (i = 0; i < n * rounds; i++)
        assert_int_equal(shadow_backend.switch_to(s[i % n]), 0);
    return shadow_stats()->root_hits;
}

static void test_adaptive_policy_keeps_part_of_a_loop_lru_keeps_none(void **state)
{
    (void)state;
    /* 16 spaces cycling through 4 roots: LRU always evicts the next one needed. */
    assert_int_equal(cycle(SHADOW_EVICT_LRU, 4, 16, 4), 0);
    /* The adaptive policy sees the loop after a lap and keeps 3 roots for good. */
    assert_true(cycle(SHADOW_EVICT_ADAPTIVE, 4, 16, 4) >= 3 * 3);
    /* Where everything fits, they are the same: every switch hits. */
    assert_int_equal(cycle(SHADOW_EVICT_ADAPTIVE, 16, 16, 4), 16 * 4);
    assert_int_equal(cycle(SHADOW_EVICT_LRU, 16, 16, 4), 16 * 4);
}

static void test_adaptive_policy_goes_back_to_lru_for_new_roots(void **state)
{
    struct shadow_config c = lru(4, 64);
    struct aspace *s[12];
    pfn_t page;
    unsigned i;

    (void)state;
    c.policy = SHADOW_EVICT_ADAPTIVE;
    shadow_halt();
    shadow_boot(1024, &c);
    page = data_frame();
    for (i = 0; i < 12; i++)
        s[i] = space_with(VA, page, RW_USER);
    for (i = 0; i < 24; i++)   /* a loop of 12: the policy turns to evicting the newest */
        assert_int_equal(shadow_backend.switch_to(s[i % 12]), 0);
    for (i = 0; i < 4; i++)    /* then new roots, never seen: LRU again */
        space_with(VA, page, RW_USER);
    /* Two hot roots used in turn with fresh ones: LRU keeps both hot ones. */
    for (i = 0; i < 8; i++) {
        assert_int_equal(shadow_backend.switch_to(s[i % 2]), 0);
        if (i % 2)
            space_with(VA, page, RW_USER);
    }
    assert_true(mfn_valid_value(shadow_sroot_of(s[0]->root)));
    assert_true(mfn_valid_value(shadow_sroot_of(s[1]->root)));
}

static void test_random_policy_is_reproducible_and_evicts(void **state)
{
    unsigned evictions[2], run, i;

    (void)state;
    for (run = 0; run < 2; run++) {
        struct shadow_config c = shadow_lguest_config;
        struct aspace *s[8];
        pfn_t page;

        c.pool_frames = 256;
        shadow_halt();
        shadow_boot(1024, &c);
        page = data_frame();
        for (i = 0; i < 8; i++)
            s[i] = space_with(VA, page, RW_USER);
        for (i = 0; i < 32; i++)
            assert_int_equal(shadow_backend.switch_to(s[i % 8]), 0);
        assert_true(shadow_cached_roots() <= 4);
        evictions[run] = shadow_stats()->evictions;
    }
    assert_true(evictions[0] > 4);
    assert_int_equal(evictions[0], evictions[1]);
}

static void test_a_small_pool_evicts_instead_of_failing(void **state)
{
    struct shadow_config c = lru(4, 8);
    struct aspace *s[3];
    pfn_t page;
    unsigned i, round;

    (void)state;
    shadow_halt();
    shadow_boot(1024, &c);
    page = data_frame();
    for (i = 0; i < 3; i++) {
        s[i] = space_with(VA, page, RW_USER);
        assert_int_equal(shadow_backend.map_range(s[i], VA + (1ULL << 39), &page, 1, RW_USER), 0);
    }
    for (round = 0; round < 3; round++)
        for (i = 0; i < 3; i++) {
            assert_int_equal(shadow_backend.switch_to(s[i]), 0);
            expect_ok(VA, HW_USER, page, 1);   /* 7 frames a root: the pool holds one */
            expect_ok(VA + (1ULL << 39), HW_USER, page, 1);
        }
    assert_true(shadow_stats()->evictions > 0);
    assert_no_errors();
}

static void test_a_root_bigger_than_the_pool_is_emptied_and_refilled(void **state)
{
    struct shadow_config c = lru(4, 8);
    struct aspace *as;
    pfn_t page;
    unsigned slot;

    (void)state;
    shadow_halt();
    shadow_boot(1024, &c);
    page = data_frame();
    as = space_with(VA, page, RW_USER);
    /* Three L4 slots need 1 + 3 * 3 = 10 frames: more than the pool has. */
    for (slot = 1; slot < 3; slot++)
        assert_int_equal(shadow_backend.map_range(as, VA + slot * (1ULL << 39), &page, 1,
                                                  RW_USER), 0);
    for (slot = 0; slot < 3; slot++)
        expect_ok(VA + slot * (1ULL << 39), HW_USER, page, 1);
    expect_ok(VA + 2 * (1ULL << 39), HW_USER, page, 0);
    expect_ok(VA, HW_USER, page, 1);   /* emptied to make room for the third */
    assert_false(shadow_guest_dead());
    assert_no_errors();
}

static void test_destroyed_root_is_forgotten(void **state)
{
    pfn_t page = data_frame();
    struct aspace *a = space_with(VA, page, RW_USER);
    pfn_t root = a->root;

    (void)state;
    expect_ok(VA, HW_USER, page, 1);
    assert_int_equal(shadow_backend.switch_to(shadow_guest_kernel()), 0);
    assert_int_equal(shadow_backend.destroy(a), 0);
    assert_false(mfn_valid_value(shadow_sroot_of(root)));
}

static void test_host_slots_appear_in_every_root_and_stay_the_hosts(void **state)
{
    pfn_t page = data_frame(), host_l3 = frame_alloc();
    mpte_t e = mpte_make(mfn_of(host_l3), _PAGE_PRESENT | _PAGE_RW);
    struct aspace *a = space_with(VA, page, RW_USER), *b;

    (void)state;
    assert_int_equal(shadow_set_host_l4e(L4_XEN_FIRST, e), 0);
    b = space_with(VA, page, RW_USER);
    assert_int_equal(((uint64_t *)model_frame_bytes(shadow_sroot_of(a->root)))[L4_XEN_FIRST], e.v);
    assert_int_equal(((uint64_t *)model_frame_bytes(shadow_sroot_of(b->root)))[L4_XEN_FIRST], e.v);
    shadow_clear_all();
    assert_int_equal(((uint64_t *)model_frame_bytes(shadow_cr3()))[L4_XEN_FIRST], e.v);
    /* The guest faulting there is reflected, never filled from its own tables. */
    assert_int_equal(shadow_demand_page(0xffff800000000000ULL, PF_USER), SHADOW_REFLECT);
    assert_int_equal(shadow_set_host_l4e(L4_USER_LAST, e), -XEN_EINVAL);
    assert_error_contains("slot 255 is the guest's");
}

static void test_bad_configurations_are_refused_by_name(void **state)
{
    static const struct {
        unsigned roots, pool;
        uint64_t pfns;
        const char *why;
    } bad[] = {
        { 0, 64, 1024, "cache_roots 0" },
        { SHADOW_CACHE_MAX + 1, 64, 1024, "cache_roots 65" },
        { 4, 7, 1024, "pool_frames 7" },
        { 4, 64, 0, "guest_pfns 0" },
        { 4, 64, SHADOW_GUEST_PFNS_MAX + 1, "guest_pfns 2097153" },
    };
    unsigned i;
    unsigned long free_frames;

    (void)state;
    shadow_shutdown();
    free_frames = harness_frames_free();
    for (i = 0; i < ARRAY_SIZE(bad); i++) {
        struct shadow_config c = lru(bad[i].roots, bad[i].pool);

        c.guest_pfns = bad[i].pfns;
        assert_int_equal(shadow_init(&c), -XEN_EINVAL);
        assert_error_contains(bad[i].why);
    }
    assert_int_equal(shadow_init(&(struct shadow_config){ .guest_pfns = 1024, .cache_roots = 4,
                                                          .pool_frames = 2000 }), -XEN_ENOMEM);
    assert_error_contains("out of frames for the shadow pool");
    assert_int_equal(harness_frames_free(), free_frames);   /* what it took, it gave back */
    {
        struct shadow_config c = ours();

        c.guest_pfns = 1024;
        assert_int_equal(shadow_init(&c), 0);
    }
}

/* --- linear mode ------------------------------------------------------------------ */

static void test_linear_mode_until_the_first_root(void **state)
{
    pfn_t page = data_frame();
    unsigned free_linear;

    (void)state;
    assert_true(shadow_linear_mode());
    expect_ok(pfn_x(page) << PAGE_SHIFT, HW_WRITE, page, 1);
    expect_guest_fault(pfn_x(page) << PAGE_SHIFT, HW_USER);      /* supervisor only */
    expect_guest_fault(1024ULL << PAGE_SHIFT, HW_READ);           /* beyond memory */
    expect_guest_fault(pfn_x(harness_mfn_to_pfn(shadow_cr3())) << PAGE_SHIFT, HW_READ);
    free_linear = shadow_pool_free();
    space_with(VA, page, RW_USER);
    assert_false(shadow_linear_mode());
    /* The linear root and its tables went back; the new root took one frame. */
    assert_int_equal(shadow_pool_free(), free_linear + 3);
    expect_guest_fault(pfn_x(page) << PAGE_SHIFT, HW_READ);
    expect_ok(VA, HW_USER, page, 1);
}

/* A new machine with the host configured as c (the setup's is replaced). */
static void reboot_with(const struct shadow_config *c)
{
    shadow_halt();
    shadow_boot(1024, c);
}

/* --- prefetch: a fault fills the touched entries beside its own (demand.c S:440) ---- */

/* n pages at VA in a new space, switched to and touched (read, then written if `write`). */
static struct aspace *touched_space(pfn_t *pages, unsigned n, unsigned written)
{
    struct aspace *as = shadow_backend.create();
    unsigned i;

    assert_non_null(as);
    for (i = 0; i < n; i++) {
        pages[i] = data_frame();
        assert_int_equal(shadow_backend.map_range(as, VA + i * PAGE_SIZE, &pages[i], 1, RW_USER),
                         0);
    }
    assert_int_equal(shadow_backend.switch_to(as), 0);
    for (i = 0; i < n; i++) {
        struct hw_xlat x;

        assert_int_equal(hw_access(VA + i * PAGE_SIZE, HW_USER, &x), HW_OK);
        if (i < written)
            assert_int_equal(hw_access(VA + i * PAGE_SIZE, HW_USER | HW_WRITE, &x), HW_OK);
    }
    return as;
}

/* What a root thrown out and built again sees: no user mappings, the guest's A/D bits as they were. */
static void forget_the_shadow(void)
{
    assert_int_equal(shadow_backend.flush_tlb(), 0);
    shadow_reset_stats();
}

static void test_a_fault_fills_the_touched_neighbours_in_its_aligned_window(void **state)
{
    pfn_t pages[16];
    unsigned i;

    (void)state;
    touched_space(pages, 16, 16);
    forget_the_shadow();
    /* The window is KVM's 8; a fault in the middle fills the whole aligned window. */
    assert_int_equal(SHADOW_PREFETCH_WINDOW, 8);
    expect_ok(VA + 5 * PAGE_SIZE, HW_USER, pages[5], 1);
    for (i = 0; i < 8; i++)
        expect_ok(VA + i * PAGE_SIZE, HW_USER | HW_WRITE, pages[i], 0);   /* Dirty: writable */
    assert_int_equal(shadow_stats()->prefetched, 7);
    /* The next window is not this fault's business. */
    expect_ok(VA + 8 * PAGE_SIZE, HW_USER, pages[8], 1);
    assert_int_equal(shadow_stats()->prefetched, 14);
    assert_int_equal(shadow_stats()->fixed, 2);
}

/* Setting Accessed is the hardware's job: a page nobody touched must not look touched, nor be mapped. */
static void test_prefetch_leaves_untouched_neighbours_alone(void **state)
{
    pfn_t pages[8];
    struct aspace *as;

    (void)state;
    as = touched_space(pages, 1, 1);
    pages[1] = data_frame();
    assert_int_equal(shadow_backend.map_range(as, VA + PAGE_SIZE, &pages[1], 1, RW_USER), 0);
    forget_the_shadow();
    expect_ok(VA, HW_USER, pages[0], 1);
    assert_int_equal(shadow_stats()->prefetched, 0);
    assert_false(pte_flags(gpte_of(as, VA + PAGE_SIZE)) & _PAGE_ACCESSED);
    expect_ok(VA + PAGE_SIZE, HW_USER, pages[1], 1);
    assert_true(pte_flags(gpte_of(as, VA + PAGE_SIZE)) & _PAGE_ACCESSED);
}

/* The Dirty rule of demand.c S:420: a neighbour read but never written goes in read-only. */
static void test_a_prefetched_clean_neighbour_is_read_only_until_written(void **state)
{
    pfn_t pages[2];
    struct aspace *as;

    (void)state;
    as = touched_space(pages, 2, 0);
    forget_the_shadow();
    expect_ok(VA, HW_USER, pages[0], 1);
    expect_ok(VA + PAGE_SIZE, HW_USER, pages[1], 0);
    assert_false(pte_flags(gpte_of(as, VA + PAGE_SIZE)) & _PAGE_DIRTY);
    expect_ok(VA + PAGE_SIZE, HW_USER | HW_WRITE, pages[1], 1);
    assert_true(pte_flags(gpte_of(as, VA + PAGE_SIZE)) & _PAGE_DIRTY);
}

/*
 * A neighbour naming a shadow table is never mapped, and does not kill a guest
 * that never asked the hardware to walk it; the touch that does still kills.
 */
static void test_a_bad_neighbour_is_skipped_and_kills_only_when_touched(void **state)
{
    pfn_t pages[2];
    struct aspace *as;
    pfn_t sroot;

    (void)state;
    as = touched_space(pages, 2, 2);
    sroot = harness_mfn_to_pfn(shadow_cr3());
    *shadow_guest_entry(as, VA + PAGE_SIZE, 1) =
        pte_make(sroot, RW_USER | _PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_DIRTY);
    forget_the_shadow();
    expect_ok(VA, HW_USER, pages[0], 1);
    assert_int_equal(shadow_stats()->prefetched, 0);
    assert_false(shadow_guest_dead());
    assert_no_errors();
    expect_killed(VA + PAGE_SIZE, HW_USER, "which is the host's");
}

static void test_a_prefetched_entry_is_dropped_when_the_guest_changes_it(void **state)
{
    pfn_t pages[2], moved = data_frame();
    struct aspace *as;

    (void)state;
    as = touched_space(pages, 2, 2);
    forget_the_shadow();
    expect_ok(VA, HW_USER, pages[0], 1);
    assert_int_equal(shadow_stats()->prefetched, 1);
    assert_int_equal(shadow_backend.map_range(as, VA + PAGE_SIZE, &moved, 1, RW_USER), 0);
    assert_true(shadow_tlb_flush_needed());
    expect_ok(VA + PAGE_SIZE, HW_USER, moved, 1);
}

/* lguest's configuration keeps lguest's one page a fault, so the bench's lguest rows are lguest's. */
static void test_without_prefetch_each_page_faults_alone(void **state)
{
    struct shadow_config c = ours();
    pfn_t pages[2];

    (void)state;
    assert_int_equal(shadow_lguest_config.prefetch, 0);
    c.prefetch = 0;
    reboot_with(&c);
    touched_space(pages, 2, 2);
    forget_the_shadow();
    expect_ok(VA, HW_USER, pages[0], 1);
    expect_ok(VA + PAGE_SIZE, HW_USER, pages[1], 1);
    assert_int_equal(shadow_stats()->prefetched, 0);
}

static void test_a_prefetch_window_that_is_not_a_power_of_two_is_refused(void **state)
{
    static const unsigned bad[] = { 3, 12, 1024 };
    unsigned i;

    (void)state;
    shadow_shutdown();
    for (i = 0; i < ARRAY_SIZE(bad); i++) {
        struct shadow_config c = ours();

        c.guest_pfns = 1024;
        c.prefetch = bad[i];
        assert_int_equal(shadow_init(&c), -XEN_EINVAL);
        assert_error_contains("is not 0 or a power of two up to 512");
    }
    {
        struct shadow_config c = ours();

        c.guest_pfns = 1024;
        c.prefetch = 512;
        assert_int_equal(shadow_init(&c), 0);
    }
}

/* --- the budget: pool_frames bounds the cache, and a fault takes only what it needs --- */

/*
 * Two roots of 4 frames fill a pool of 8.  A fault in an L1 that is there
 * already takes no frame, so it must not throw the other root out (it did when
 * every fault made room for three).
 */
static void test_a_fault_that_needs_no_table_evicts_nothing(void **state)
{
    struct shadow_config c = lru(4, 8);
    pfn_t page, second;
    struct aspace *a, *b;

    (void)state;
    reboot_with(&c);
    page = data_frame();
    second = data_frame();
    a = space_with(VA, page, RW_USER);
    assert_int_equal(shadow_backend.map_range(a, VA + PAGE_SIZE, &second, 1, RW_USER), 0);
    expect_ok(VA, HW_USER, page, 1);
    b = space_with(VA, page, RW_USER);
    expect_ok(VA, HW_USER, page, 1);
    assert_int_equal(shadow_pool_free(), 0);
    assert_int_equal(shadow_backend.switch_to(a), 0);
    expect_ok(VA + PAGE_SIZE, HW_USER, second, 1);
    assert_int_equal(shadow_stats()->evictions, 0);
    assert_true(mfn_valid_value(shadow_sroot_of(b->root)));
}

/*
 * A cache bounded by its pool, not its slots, looping through more roots than
 * fit: the root being left is the one needed last, so the adaptive policy must
 * be free to throw it out for pool room, as it is for a slot.  Sparing it, the
 * cache kept fewer roots for good than a cache of as many slots does.
 */
static void test_a_pool_bound_loop_keeps_as_much_as_a_slot_bound_one(void **state)
{
    struct shadow_config c = ours();
    struct aspace *s[16];
    pfn_t page;
    unsigned i;

    (void)state;
    c.pool_frames = 16;   /* four roots of one page each: 4 frames a root */
    reboot_with(&c);
    page = data_frame();
    for (i = 0; i < 16; i++)
        s[i] = shadow_backend.create();
    for (i = 0; i < 16; i++)
        assert_int_equal(shadow_backend.map_range(s[i], VA, &page, 1, RW_USER), 0);
    for (i = 0; i < 16 * 6; i++) {
        struct hw_xlat x;

        if (i == 16 * 2)   /* two laps to see the loop, then four counted */
            shadow_reset_stats();
        assert_int_equal(shadow_backend.switch_to(s[i % 16]), 0);
        assert_int_equal(hw_access(VA, HW_USER, &x), HW_OK);
    }
    /* The best any choice of whole roots can do: keep 3 of the 4 for good, a hit each a lap. */
    assert_int_equal(shadow_stats()->root_hits, 3 * 4);
    assert_true(shadow_pool_free() < 4);
}

/* The new root may take the frame, even the slot, of the root it threw out: CR3 looks unchanged. */
static void test_a_root_built_where_the_evicted_one_was_asks_for_a_flush(void **state)
{
    struct shadow_config c = lru(4, 8);
    pfn_t mine = data_frame(), theirs = data_frame();
    uint64_t far = VA + (1ULL << 39), other_l1 = VA + (1ULL << 21);
    struct aspace *a;
    mfn_t a_cr3;

    (void)state;
    reboot_with(&c);
    a = space_with(VA, mine, RW_USER);
    /* 1 + 3 + 3 + 1 = 8 frames: the whole pool. */
    assert_int_equal(shadow_backend.map_range(a, far, &mine, 1, RW_USER), 0);
    assert_int_equal(shadow_backend.map_range(a, other_l1, &mine, 1, RW_USER), 0);
    expect_ok(VA, HW_USER, mine, 1);
    expect_ok(far, HW_USER, mine, 1);
    expect_ok(other_l1, HW_USER, mine, 1);
    assert_int_equal(shadow_pool_free(), 0);
    a_cr3 = shadow_cr3();
    space_with(VA, theirs, RW_USER);
    assert_int_equal(mfn_x(shadow_cr3()), mfn_x(a_cr3));   /* the case this guards */
    expect_ok(VA, HW_USER, theirs, 1);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_read_fault_installs_read_only_and_sets_accessed),
        T(test_write_first_touch_is_one_fault_and_sets_dirty),
        T(test_read_of_a_dirty_page_installs_writable),
        T(test_upper_levels_get_accessed_too),
        T(test_accessed_dirty_entry_is_preinstalled_writable),
        T(test_accessed_clean_entry_is_preinstalled_read_only),
        T(test_untouched_entry_is_not_preinstalled),
        T(test_bad_preinstalled_entry_kills),
        T(test_write_to_read_only_entry_is_reflected),
        T(test_user_access_to_supervisor_entry_is_reflected),
        T(test_read_only_upper_level_is_reflected_on_write),
        T(test_fetch_from_no_execute_is_reflected),
        T(test_not_present_is_reflected),
        T(test_what_lguest_refuses_and_more_kills),
        T(test_global_in_a_pte_is_dropped),
        T(test_mapping_a_shadow_table_kills),
        T(test_a_shadow_table_as_a_guest_table_kills),
        T(test_reserved_host_frame_is_never_mapped),
        T(test_bad_root_kills),
        T(test_claiming_a_host_slot_kills),
        T(test_first_kill_reason_is_kept),
        T(test_kernel_change_reaches_every_cached_root),
        T(test_user_change_reaches_only_its_own_root),
        T(test_unmapping_a_whole_l1_frees_its_shadow),
        T(test_changing_an_entry_of_the_loaded_root_asks_for_a_flush),
        T(test_flush_drops_user_mappings_and_keeps_the_kernel),
        T(test_clear_all_throws_everything_away),
        T(test_lru_evicts_the_root_used_longest_ago),
        T(test_pinned_root_is_spared),
        T(test_evicted_root_keeps_nothing_of_the_old_user_half),
        T(test_adaptive_policy_keeps_part_of_a_loop_lru_keeps_none),
        T(test_adaptive_policy_goes_back_to_lru_for_new_roots),
        T(test_random_policy_is_reproducible_and_evicts),
        T(test_a_small_pool_evicts_instead_of_failing),
        T(test_a_root_bigger_than_the_pool_is_emptied_and_refilled),
        T(test_destroyed_root_is_forgotten),
        T(test_host_slots_appear_in_every_root_and_stay_the_hosts),
        T(test_bad_configurations_are_refused_by_name),
        T(test_linear_mode_until_the_first_root),
        T(test_a_prot_that_is_none_of_the_three_is_refused),
        T(test_a_page_count_that_wraps_around_is_refused),
        cmocka_unit_test_setup_teardown(test_a_fault_fills_the_touched_neighbours_in_its_aligned_window, setup_prefetch, teardown),
        cmocka_unit_test_setup_teardown(test_prefetch_leaves_untouched_neighbours_alone, setup_prefetch, teardown),
        cmocka_unit_test_setup_teardown(test_a_prefetched_clean_neighbour_is_read_only_until_written, setup_prefetch, teardown),
        cmocka_unit_test_setup_teardown(test_a_bad_neighbour_is_skipped_and_kills_only_when_touched, setup_prefetch, teardown),
        cmocka_unit_test_setup_teardown(test_a_prefetched_entry_is_dropped_when_the_guest_changes_it, setup_prefetch, teardown),
        T(test_without_prefetch_each_page_faults_alone),
        T(test_a_prefetch_window_that_is_not_a_power_of_two_is_refused),
        T(test_a_fault_that_needs_no_table_evicts_nothing),
        T(test_a_pool_bound_loop_keeps_as_much_as_a_slot_bound_one),
        T(test_a_root_built_where_the_evicted_one_was_asks_for_a_flush),
    };
#undef T
    return cmocka_run_group_tests_name("shadow", tests, NULL, NULL);
}

/*
 * The virtual p2m list, as a spec: what a toolstack finds in shared_info when the p2m is
 * published as the list (p2m/virt_list.c), and the generation protocol it relies on.
 *
 * The list is read the toolstack's way: every page of [p2m_vaddr, + max_pfn entries) through
 * the machine frame behind it (harness_window_frame: what a walk from p2m_cr3 finds), never
 * through the guest's own pointer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <xen/pvmmu/p2m.h>
#include "p2m/p2m_int.h"
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/pte.h>
#include <xen/pvmmu/report.h>
#include "tests/harness/harness.h"
#include "tests/model/model.h"

#define NR_PAGES 3000ULL
#define MAX_PFNS (2 * P2M_PER_LEAF * P2M_LEAVES_PER_MID)
#define HOLE_PFN (8 * P2M_PER_LEAF + 7)          /* in a leaf that is a hole at boot */
#define OWN_PFN 100ULL                            /* in a leaf of its own at boot */
#define ROOT_PFN 1ULL                             /* stands in for the kernel's L4 */

static shared_info_t *si(void) { return harness_shared_info(); }

static int boot_and_publish_list(void **state)
{
    (void)state;
    harness_boot(NR_PAGES);
    pvmmu_clear_errors();
    if (p2m_init(harness_mfn_list(), harness_nr_pages(), MAX_PFNS))
        return -1;
    p2m_tools_choose(P2M_TOOLS_LIST, _pfn(ROOT_PFN));
    return p2m_publish(si());
}

static int shutdown(void **state)
{
    (void)state;
    harness_on_window_map(NULL, NULL);
    harness_shutdown();
    return 0;
}

/* Entry `pfn` of the list, read through the machine frame a toolstack would find behind its page. */
static uint64_t list_entry_as_read(uint64_t pfn)
{
    const uint8_t *page = (const uint8_t *)(uintptr_t)si()->arch.p2m_vaddr + pfn / P2M_PER_LEAF * PAGE_SIZE;
    mfn_t leaf = harness_window_frame(page);

    assert_true(mfn_valid_value(leaf));
    return ((const uint64_t *)model_frame_bytes(leaf))[pfn % P2M_PER_LEAF];
}

static void assert_list_equals_lookup(void)
{
    for (uint64_t pfn = 0; pfn < si()->arch.max_pfn; pfn++)
        assert_int_equal(list_entry_as_read(pfn), mfn_x(p2m_lookup(_pfn(pfn))));
}

/* --- what is published ----------------------------------------------------------------- */

static void the_list_is_the_window_named_by_vaddr_cr3_and_no_tree(void **state)
{
    (void)state;
    assert_int_equal(si()->arch.p2m_vaddr, (uint64_t)(uintptr_t)p2m_linear.entries);
    assert_int_equal(si()->arch.p2m_cr3, xen_pfn_to_cr3(mfn_x(p2m_lookup(_pfn(ROOT_PFN)))));
    assert_int_equal(si()->arch.pfn_to_mfn_frame_list_list, ~(xen_pfn_t)0);
    assert_int_equal(si()->arch.max_pfn, p2m_extent());
    /* Even, and counting every repointing since p2m_init (the boot leaves too). */
    assert_int_equal(si()->arch.p2m_generation & 1, 0);
    assert_int_equal(si()->arch.p2m_generation, p2m_list_generation());
    assert_int_equal(p2m_tools_format(), P2M_TOOLS_LIST);
}

static void every_entry_of_the_list_equals_the_lookup(void **state)
{
    (void)state;
    assert_list_equals_lookup();
}

static void holes_are_the_shared_missing_leaf_mapped_again_and_again(void **state)
{
    const uint8_t *base = (const uint8_t *)(uintptr_t)si()->arch.p2m_vaddr;
    mfn_t hole = harness_window_frame(base + HOLE_PFN / P2M_PER_LEAF * PAGE_SIZE);

    (void)state;
    assert_true(mfn_eq(harness_window_frame(base + (HOLE_PFN / P2M_PER_LEAF + 1) * PAGE_SIZE), hole));
    assert_false(mfn_eq(harness_window_frame(base), hole));
    assert_int_equal(list_entry_as_read(HOLE_PFN), INVALID_MFN_RAW);
}

static void publishing_the_list_allocates_nothing(void **state)
{
    unsigned long before = harness_frame_allocs();

    (void)state;
    assert_int_equal(p2m_publish(si()), 0);
    assert_int_equal(harness_frame_allocs(), before);
}

static void a_set_into_a_hole_shows_in_the_list_and_grows_max_pfn(void **state)
{
    uint64_t far = MAX_PFNS - 5;

    (void)state;
    assert_int_equal(p2m_set(_pfn(HOLE_PFN), _mfn(0x1234)), 0);
    assert_int_equal(p2m_set(_pfn(far), _mfn(0x4321)), 0);
    assert_int_equal(si()->arch.max_pfn, far + 1);
    assert_int_equal(list_entry_as_read(HOLE_PFN), 0x1234);
    assert_int_equal(list_entry_as_read(far), 0x4321);
    assert_list_equals_lookup();
}

static void a_republish_after_the_restorer_scribbled_rewrites_every_field(void **state)
{
    (void)state;
    /* The restorer copies the old domain's arch fields and zeroes the tree's anchor. */
    si()->arch.p2m_cr3 = 0x5a5a000;
    si()->arch.p2m_vaddr = 0;
    si()->arch.pfn_to_mfn_frame_list_list = 0;
    assert_int_equal(p2m_publish(si()), 0);
    the_list_is_the_window_named_by_vaddr_cr3_and_no_tree(state);
}

static void the_tree_when_forced_has_no_cr3(void **state)
{
    (void)state;
    p2m_tools_choose(P2M_TOOLS_TREE, _pfn(ROOT_PFN));
    assert_int_equal(p2m_publish(si()), 0);
    assert_int_equal(si()->arch.p2m_cr3, 0);
    assert_true(si()->arch.pfn_to_mfn_frame_list_list != 0 &&
                si()->arch.pfn_to_mfn_frame_list_list != ~(xen_pfn_t)0);
}

static void a_root_without_a_frame_is_refused_by_pfn(void **state)
{
    (void)state;
    p2m_tools_choose(P2M_TOOLS_LIST, _pfn(MAX_PFNS - 1));
    assert_int_equal(p2m_publish(si()), -XEN_EINVAL);
    assert_non_null(strstr(pvmmu_last_error(), "pfn 0x7ffff"));
}

/*
 * A leaf of its own whose last entry becomes INVALID goes back to the shared missing leaf:
 * its page of the list shows the missing leaf's frame again, the frame is the allocator's,
 * and the repointing bumped the generation like any other (docs/balloon.md: a balloon that
 * gives back a whole 2 MiB).  A leaf with one entry left keeps its frame.
 */
static void a_leaf_that_becomes_all_holes_goes_back_to_the_missing_leaf(void **state)
{
    const uint8_t *base = (const uint8_t *)(uintptr_t)si()->arch.p2m_vaddr;
    mfn_t missing = harness_window_frame(base + HOLE_PFN / P2M_PER_LEAF * PAGE_SIZE);
    uint64_t own = p2m_own_leaves(), first = P2M_PER_LEAF, pfn, generation;
    unsigned long free_before = harness_frames_free();

    (void)state;
    /* A hole that got a leaf for one entry, and lost it again. */
    assert_int_equal(p2m_set(_pfn(HOLE_PFN), _mfn(0x1234)), 0);
    assert_int_equal(p2m_own_leaves(), own + 1);
    generation = si()->arch.p2m_generation;
    assert_int_equal(p2m_set(_pfn(HOLE_PFN), INVALID_MFN), 0);
    assert_int_equal(p2m_backing_of(_pfn(HOLE_PFN)), P2M_BACKING_MISSING);
    assert_int_equal(p2m_own_leaves(), own);
    assert_true(mfn_eq(harness_window_frame(base + HOLE_PFN / P2M_PER_LEAF * PAGE_SIZE), missing));
    assert_int_equal(si()->arch.p2m_generation, generation + 2);
    assert_int_equal(harness_frames_free(), free_before);
    /* A leaf of its own since boot (pfns 512..1023), emptied entry by entry. */
    for (pfn = first; pfn < first + P2M_PER_LEAF - 1; pfn++)
        assert_int_equal(p2m_set(_pfn(pfn), INVALID_MFN), 0);
    assert_int_equal(p2m_backing_of(_pfn(first)), P2M_BACKING_OWN);   /* one entry left: still its own */
    assert_int_equal(p2m_own_leaves(), own);
    assert_int_equal(p2m_set(_pfn(pfn), INVALID_MFN), 0);
    assert_int_equal(p2m_backing_of(_pfn(first)), P2M_BACKING_MISSING);
    assert_int_equal(p2m_own_leaves(), own - 1);
    assert_true(mfn_eq(harness_window_frame(base + first / P2M_PER_LEAF * PAGE_SIZE), missing));
    assert_int_equal(harness_frames_free(), free_before + 1);
    assert_int_equal(si()->arch.p2m_generation & 1, 0);
    assert_list_equals_lookup();
    /* And back: a set into it gets a leaf of its own again. */
    assert_int_equal(p2m_set(_pfn(first), _mfn(0x777)), 0);
    assert_int_equal(p2m_backing_of(_pfn(first)), P2M_BACKING_OWN);
    assert_int_equal(list_entry_as_read(first), 0x777);
    assert_list_equals_lookup();
}

/* --- the generation protocol ------------------------------------------------------------- */

struct seen { unsigned maps; uint64_t generation[8]; };

static void record_generation(void *ctx)
{
    struct seen *s = ctx;

    if (s->maps < 8)
        s->generation[s->maps] = si()->arch.p2m_generation;
    s->maps++;
}

static void the_generation_is_odd_while_a_leaf_is_repointed_and_even_after(void **state)
{
    struct seen s = { 0 };
    uint64_t before = si()->arch.p2m_generation;

    (void)state;
    harness_on_window_map(record_generation, &s);
    assert_int_equal(p2m_set(_pfn(HOLE_PFN), _mfn(0x1234)), 0);
    assert_int_equal(s.maps, 1);
    assert_int_equal(s.generation[0], before + 1);
    assert_int_equal(si()->arch.p2m_generation, before + 2);
    assert_int_equal(p2m_list_generation(), before + 2);
}

static void every_leaf_change_bumps_it_twice(void **state)
{
    struct seen s = { 0 };
    uint64_t before = si()->arch.p2m_generation;

    (void)state;
    harness_on_window_map(record_generation, &s);
    assert_int_equal(p2m_set(_pfn(HOLE_PFN), _mfn(0x1234)), 0);                       /* a leaf of its own */
    assert_int_equal(p2m_set_identity(_pfn(20 * P2M_PER_LEAF), 3 * P2M_PER_LEAF), 0);  /* three identity leaves */
    assert_int_equal(s.maps, 4);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(s.generation[i] & 1, 1);
    assert_int_equal(si()->arch.p2m_generation, before + 2 * 4);
}

static void an_entry_written_inside_its_own_leaf_is_one_store_and_no_bump(void **state)
{
    struct seen s = { 0 };
    uint64_t before = si()->arch.p2m_generation;

    (void)state;
    harness_on_window_map(record_generation, &s);
    assert_int_equal(p2m_set(_pfn(OWN_PFN), _mfn(0x777)), 0);
    assert_int_equal(s.maps, 0);
    assert_int_equal(si()->arch.p2m_generation, before);
    assert_int_equal(list_entry_as_read(OWN_PFN), 0x777);
}

static void a_failed_repointing_still_ends_even(void **state)
{
    uint64_t before = si()->arch.p2m_generation;

    (void)state;
    harness_fail_frame_alloc(1, false);   /* the leaf's own frame: nothing is repointed */
    assert_int_equal(p2m_set(_pfn(HOLE_PFN), _mfn(0x1234)), -XEN_ENOMEM);
    assert_int_equal(si()->arch.p2m_generation & 1, 0);
    assert_int_equal(si()->arch.p2m_generation, before);
}

/*
 * A reader like libxenguest's live saver: it maps the list's leaves once (here: the mfn behind
 * every page) with the generation it saw, and later believes its mapping while the generation
 * has not moved.  The reader is right iff "same generation" implies "same leaves".
 */
struct reader { uint64_t generation; mfn_t leaf[64]; };

static void reader_maps(struct reader *r)
{
    const uint8_t *base = (const uint8_t *)(uintptr_t)si()->arch.p2m_vaddr;

    r->generation = si()->arch.p2m_generation;
    for (unsigned i = 0; i < 64; i++)
        r->leaf[i] = harness_window_frame(base + i * PAGE_SIZE);
}

static bool reader_believes_its_mapping(const struct reader *r)
{
    return si()->arch.p2m_generation == r->generation;
}

static bool reader_mapping_is_current(const struct reader *r)
{
    const uint8_t *base = (const uint8_t *)(uintptr_t)si()->arch.p2m_vaddr;

    for (unsigned i = 0; i < 64; i++)
        if (!mfn_eq(r->leaf[i], harness_window_frame(base + i * PAGE_SIZE)))
            return false;
    return true;
}

static void a_reader_checking_the_generation_sees_every_leaf_change(void **state)
{
    struct reader r;

    (void)state;
    reader_maps(&r);
    assert_true(reader_believes_its_mapping(&r) && reader_mapping_is_current(&r));
    assert_int_equal(p2m_set(_pfn(HOLE_PFN), _mfn(0x1234)), 0);
    assert_false(reader_mapping_is_current(&r));
    assert_false(reader_believes_its_mapping(&r));   /* it knows to map again */
}

/* Negative control: the same change made without the bump fools the reader, and this test sees it. */
static void negative_control_a_change_without_a_bump_fools_the_reader(void **state)
{
    struct reader r;
    pfn_t frame = frame_alloc();
    void *page = (uint8_t *)p2m_linear.entries + HOLE_PFN / P2M_PER_LEAF * PAGE_SIZE;

    (void)state;
    assert_true(pfn_valid_value(frame));
    reader_maps(&r);
    assert_int_equal(p2m_window_map(page, frame, true), 0);   /* behind p2m_set's back: no bump */
    assert_true(reader_believes_its_mapping(&r));
    assert_false(reader_mapping_is_current(&r));
}

/* --- the toolstack's walk from p2m_cr3 (p2m_list_read) ------------------------------------ */

/*
 * Page tables of our own that map the window the way the kernel's do, built in guest frames
 * from what backs each window page: the walk then has real tables to go down, from p2m_cr3.
 */
static pfn_t walk_root;
static uint64_t as_read[MAX_PFNS];
static uint64_t leaf_mfns[MAX_PFNS / P2M_PER_LEAF + 1];

static uint64_t *table_of(pfn_t pfn) { return model_frame_bytes(harness_pfn_to_mfn(pfn)); }

static pfn_t child_table(pfn_t parent, unsigned index)
{
    uint64_t *e = &table_of(parent)[index], pfn;

    if (*e & _PAGE_PRESENT) {
        assert_true(m2p_read_raw(_mfn((*e & PTE_ADDR_MASK) >> PAGE_SHIFT), &pfn));
        return _pfn(pfn);
    }
    pfn_t fresh = frame_alloc();
    assert_true(pfn_valid_value(fresh));
    *e = mfn_to_maddr(harness_pfn_to_mfn(fresh)) | _PAGE_PRESENT;
    return fresh;
}

static uint64_t *l1e_of(uint64_t va)
{
    pfn_t t = walk_root;

    for (int level = 4; level > 1; level--)
        t = child_table(t, (va >> (PAGE_SHIFT + 9 * (level - 1))) & 511);
    return &table_of(t)[(va >> PAGE_SHIFT) & 511];
}

static void tables_follow_the_window(void)
{
    const uint8_t *base = (const uint8_t *)p2m_linear.entries;

    for (uint64_t page = 0; page < p2m_nr_leaves(); page++)
        *l1e_of((uint64_t)(uintptr_t)(base + page * PAGE_SIZE)) =
            mfn_to_maddr(harness_window_frame(base + page * PAGE_SIZE)) | _PAGE_PRESENT;
}

static int boot_with_tables(void **state)
{
    if (boot_and_publish_list(state))
        return -1;
    walk_root = frame_alloc();
    if (!pfn_valid_value(walk_root))
        return -1;
    p2m_tools_choose(P2M_TOOLS_LIST, walk_root);
    tables_follow_the_window();
    return p2m_publish(si());
}

static const void *machine_frame(mfn_t mfn, void *ctx)
{
    unsigned *maps = ctx;

    if (maps && ++*maps == 3)
        si()->arch.p2m_generation += 2;   /* the guest repointed a leaf while we walked */
    return model_frame_bytes(mfn);
}

static int walk(uint64_t *nr, unsigned *maps)
{
    return p2m_list_read(si(), machine_frame, maps, as_read, MAX_PFNS, leaf_mfns, nr);
}

static void the_walk_from_p2m_cr3_reads_the_lookup_for_every_pfn(void **state)
{
    uint64_t nr = 0;

    (void)state;
    assert_int_equal(p2m_set(_pfn(HOLE_PFN), _mfn(0x1234)), 0);
    tables_follow_the_window();
    assert_int_equal(walk(&nr, NULL), 0);
    assert_int_equal(nr, p2m_extent());
    for (uint64_t pfn = 0; pfn < nr; pfn++)
        assert_int_equal(as_read[pfn], mfn_x(p2m_lookup(_pfn(pfn))));
}

static void the_walk_refuses_a_zero_frame_naming_va_and_level(void **state)
{
    uint64_t nr = 0, va = (uint64_t)(uintptr_t)p2m_linear.entries + 5 * PAGE_SIZE;

    (void)state;
    *l1e_of(va) = 0;
    assert_int_equal(walk(&nr, NULL), -XEN_ERANGE);
    assert_non_null(strstr(pvmmu_last_error(), "bad mfn 0x0 during the page table walk"));
    assert_non_null(strstr(pvmmu_last_error(), "at level 1"));
}

static void the_walk_refuses_a_leaf_that_is_not_ours(void **state)
{
    uint64_t nr = 0, va = (uint64_t)(uintptr_t)p2m_linear.entries + 2 * PAGE_SIZE;
    mfn_t stranger = harness_spare_mfn(0);

    (void)state;
    memcpy(model_frame_bytes(stranger), model_frame_bytes(harness_window_frame((void *)(uintptr_t)va)), PAGE_SIZE);
    *l1e_of(va) = mfn_to_maddr(stranger) | _PAGE_PRESENT;
    assert_int_equal(walk(&nr, NULL), -XEN_ERANGE);
    assert_non_null(strstr(pvmmu_last_error(), "leaf 2"));
}

static void the_walk_refuses_an_odd_generation_and_one_that_moved(void **state)
{
    uint64_t nr = 0;
    unsigned maps = 0;

    (void)state;
    si()->arch.p2m_generation++;
    assert_int_equal(walk(&nr, NULL), -XEN_EAGAIN);
    si()->arch.p2m_generation++;
    assert_int_equal(walk(&nr, &maps), -XEN_EAGAIN);
    assert_non_null(strstr(pvmmu_last_error(), "moved"));
    assert_int_equal(walk(&nr, NULL), 0);
}

static void the_walk_refuses_the_tree(void **state)
{
    uint64_t nr = 0;

    (void)state;
    p2m_tools_choose(P2M_TOOLS_TREE, walk_root);
    assert_int_equal(p2m_publish(si()), 0);
    assert_int_equal(walk(&nr, NULL), -XEN_ERANGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, boot_and_publish_list, shutdown)
        T(the_list_is_the_window_named_by_vaddr_cr3_and_no_tree),
        T(every_entry_of_the_list_equals_the_lookup),
        T(holes_are_the_shared_missing_leaf_mapped_again_and_again),
        T(a_leaf_that_becomes_all_holes_goes_back_to_the_missing_leaf),
        T(publishing_the_list_allocates_nothing),
        T(a_set_into_a_hole_shows_in_the_list_and_grows_max_pfn),
        T(a_republish_after_the_restorer_scribbled_rewrites_every_field),
        T(the_tree_when_forced_has_no_cr3),
        T(a_root_without_a_frame_is_refused_by_pfn),
        T(the_generation_is_odd_while_a_leaf_is_repointed_and_even_after),
        T(every_leaf_change_bumps_it_twice),
        T(an_entry_written_inside_its_own_leaf_is_one_store_and_no_bump),
        T(a_failed_repointing_still_ends_even),
        T(a_reader_checking_the_generation_sees_every_leaf_change),
        T(negative_control_a_change_without_a_bump_fools_the_reader),
#undef T
#define W(f) cmocka_unit_test_setup_teardown(f, boot_with_tables, shutdown)
        W(the_walk_from_p2m_cr3_reads_the_lookup_for_every_pfn),
        W(the_walk_refuses_a_zero_frame_naming_va_and_level),
        W(the_walk_refuses_a_leaf_that_is_not_ours),
        W(the_walk_refuses_an_odd_generation_and_one_that_moved),
        W(the_walk_refuses_the_tree),
#undef W
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

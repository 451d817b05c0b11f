/*
 * The suspend/resume contract, as a spec, played against the toolstack's half
 * (tests/harness/saverestore.h: xl save and xl restore on a model of Xen).
 *
 * The guest side is the core, used as the PV kernel uses it: suspend_and_resume()
 * (pin_all, publish the p2m, the kernel's start_info steps, the hypercall, then
 * m2p_init, republish, unpin_all).  The "hypercall" here is the toolstack: save
 * the domain, then restore it onto a new machine where every frame has moved (or,
 * for a cancelled suspend, just carry on).
 *
 *   1. Address spaces in every state (pinned and loaded, pinned and idle,
 *      unpinned under construction, half torn down, a fresh fork) come back
 *      translating every page to the same pfn, through new machine frames, with
 *      the same rights and the same data, over several cycles, and the MMU keeps
 *      working in between.
 *   2. The negative controls: without pin_all, an unpinned tree comes back full
 *      of machine frame numbers of the old machine; without the republish, the
 *      next save finds no p2m; without m2p_init, the new frames are misread.
 *   3. The toolstack refuses a guest whose frame lists are missing or malformed,
 *      and a cancelled suspend leaves everything exactly as it was.
 */
#include "pvmmu_test.h"
#include <stdlib.h>
#include <xen/pvmmu/suspend.h>
#include "tests/harness/saverestore.h"

#define GUEST_PAGES 4096UL
#define USER_VA 0x0000100000000000ULL          /* L4 slot 32 */
#define MAX_MAPPINGS 1200
#define CYCLES 3

/* ------------------------------------------------------------------------ */
/* The kernel's part that is not the MMU's: start_info, and the steps. */

static struct {
    pfn_t start_info, store, console;   /* pages the domain builder handed us */
    mfn_t start_info_mfn;               /* what %rdx names: it moves with every restore */
    bool cancel;                        /* the toolstack cancels (xl save -c): no restore */
    int save_rc, restore_rc;
    struct sr_image *img;               /* the last image, kept for inspection */
    unsigned restores;
} k;

static start_info_t *start_info(void)
{
    return pfn_to_virt(k.start_info);
}

/* Step 6 of docs/suspend.md: the toolstack translates these, so they must be pfns. */
static int kernel_prepare(void *ctx)
{
    (void)ctx;
    return start_info_rings_to_pfns(start_info());
}

static int kernel_cancelled(void *ctx)
{
    (void)ctx;
    return start_info_rings_to_mfns(start_info());
}

/* A new domain: %rdx names start_info's new frame, whose rings are mfns again. */
static int kernel_resumed(void *ctx)
{
    (void)ctx;
    if (!pfn_eq(harness_mfn_to_pfn(k.start_info_mfn), k.start_info) ||
        start_info()->store_mfn != mfn_x(p2m_lookup(k.store)) ||
        start_info()->console.domU.mfn != mfn_x(p2m_lookup(k.console)) ||
        start_info()->store_evtchn != harness_sr_store_evtchn()) {
        pvmmu_error("resume: start_info does not describe the new domain");
        return -XEN_EINVAL;
    }
    return 0;
}

/* SCHEDOP_shutdown(SHUTDOWN_suspend), with the toolstack's whole part inside it. */
static long kernel_suspend_hypercall(void *ctx)
{
    (void)ctx;
    k.save_rc = harness_save_finish(k.img, k.start_info_mfn);
    if (k.save_rc || k.cancel)
        return 1;   /* the toolstack gave up or checkpointed: same domain, resumed with 1 */
    k.restore_rc = harness_restore(k.img, &k.start_info_mfn);
    if (k.restore_rc)
        fail_msg("restore failed: %s", harness_sr_error());
    k.restores++;
    return 0;
}

static shared_info_t *kernel_shared_info(void *ctx)
{
    (void)ctx;
    return harness_shared_info();
}

static const struct suspend_steps steps = {
    .prepare = kernel_prepare,
    .suspend_hypercall = kernel_suspend_hypercall,
    .resumed = kernel_resumed,
    .cancelled = kernel_cancelled,
    .shared_info = kernel_shared_info,
};

/*
 * xl save starts, finds the p2m through shared_info while the guest still runs,
 * then writes "suspend" to control/shutdown, and the guest's handler runs.
 */
static enum suspend_outcome suspend(bool skip_pin_all)
{
    struct suspend_report report;

    sr_image_free(k.img);
    k.save_rc = harness_save_begin(&k.img);
    if (k.save_rc)
        fail_msg("xl save refused the guest before asking it to suspend: %s", harness_sr_error());
    assert_int_equal(suspend_and_resume(&steps, skip_pin_all, &report), 0);
    return report.outcome;
}

/* Boot as the kernel does, then publish the p2m, as the kernel does at boot too. */
static int setup(void **state)
{
    (void)state;
    memset(&k, 0, sizeof(k));
    boot_guest(GUEST_PAGES);
    k.start_info = frame_alloc();
    k.store = frame_alloc();
    k.console = frame_alloc();
    memcpy(start_info()->magic, "xen-3.0-x86_64", 15);
    start_info()->nr_pages = GUEST_PAGES;
    start_info()->store_mfn = mfn_x(mfn_of(k.store));
    start_info()->store_evtchn = 1;
    start_info()->console.domU.mfn = mfn_x(mfn_of(k.console));
    start_info()->console.domU.evtchn = 2;
    k.start_info_mfn = mfn_of(k.start_info);
    assert_int_equal(p2m_publish(harness_shared_info()), 0);
    pvmmu_clear_errors();
    return 0;
}

static int teardown(void **state)
{
    sr_image_free(k.img);
    k.img = NULL;
    return teardown_guest(state);
}

/* ------------------------------------------------------------------------ */
/* Address spaces in every state, and what each must still say after a restore. */

enum { LOADED, IDLE, BUILDING, DYING, FORKED, NR_SPACES };
static const char *const space_name[] = { "loaded", "idle", "building", "dying", "forked" };

struct mapping {
    uint64_t va;
    bool mapped;
    pfn_t pfn;
    bool rw, user, nx;
};

static struct space {
    struct aspace *as;
    bool pinned;                 /* as the workloads left it (pin_all's pins are temporary) */
    unsigned n;
    struct mapping m[MAX_MAPPINGS];
} spaces[NR_SPACES];

static uint64_t old_mfn[GUEST_PAGES];
static unsigned long next_va_page;

/* Word i of a page's contents, changed on every cycle so each cycle checks new data. */
static uint64_t word_of(pfn_t pfn, unsigned i, uint64_t version)
{
    return (pfn_x(pfn) << 20) ^ ((uint64_t)i * 0x9e3779b97f4a7c15ULL) ^ version;
}

/* Contents through the kernel's direct map (data frames are RW there). */
static void fill(pfn_t pfn)
{
    uint64_t *w = pfn_to_virt(pfn);

    for (unsigned i = 0; i < PT_ENTRIES; i += 37)
        w[i] = word_of(pfn, i, k.restores);
    w[0] = pfn_x(pfn);
}

static void assert_filled(pfn_t pfn, uint64_t version)
{
    const uint64_t *w = pfn_to_virt(pfn);

    assert_int_equal(w[0], pfn_x(pfn));
    for (unsigned i = 37; i < PT_ENTRIES; i += 37)
        assert_int_equal(w[i], word_of(pfn, i, version));
}

/* What the hardware would do with va in this address space, in pfn terms. */
static struct mapping translate(const struct aspace *as, uint64_t va)
{
    struct mapping m = { .va = va };
    struct model_xlat x;

    m.mapped = model_translate(mfn_of(as->root), va, &x);
    if (m.mapped) {
        m.pfn = harness_mfn_to_pfn(x.mfn);
        m.rw = x.rw;
        m.user = x.user;
        m.nx = x.nx;
        assert_true(mfn_eq(x.mfn, mfn_of(m.pfn)));   /* machine and p2m agree */
    }
    return m;
}

static void record(struct space *s, uint64_t va)
{
    assert_true(s->n < MAX_MAPPINGS);
    s->m[s->n++] = translate(s->as, va);
}

static uint64_t fresh_va(void)
{
    return USER_VA + (next_va_page++) * PAGE_SIZE;
}

/* Map `count` new pages at fresh addresses, every third read-only, every fifth NX. */
static void map_new(struct space *s, unsigned count)
{
    for (unsigned i = 0; i < count; i++) {
        uint64_t va = fresh_va(), flags = _PAGE_USER | (i % 3 ? _PAGE_RW : 0) | (i % 5 ? 0 : _PAGE_NX);
        pfn_t pfn = frame_alloc();

        assert_true(pfn_valid_value(pfn));
        fill(pfn);
        assert_int_equal(mmu_map(s->as, va, pfn, flags), 0);
        record(s, va);
    }
}

static void build_spaces(void)
{
    uint64_t dying_va;

    next_va_page = 0;
    for (unsigned i = 0; i < NR_SPACES - 1; i++) {
        spaces[i].as = aspace_create();
        spaces[i].n = 0;
        assert_non_null(spaces[i].as);
    }
    map_new(&spaces[LOADED], 40);
    map_new(&spaces[IDLE], 40);
    map_new(&spaces[BUILDING], 40);
    next_va_page = (next_va_page + 2 * PT_ENTRIES) & ~(uint64_t)(PT_ENTRIES - 1);
    dying_va = fresh_va();
    next_va_page--;
    map_new(&spaces[DYING], PT_ENTRIES + 64);       /* two L1s... */
    assert_int_equal(mmu_unmap_range(spaces[DYING].as, dying_va, PT_ENTRIES + 8), 0);
    spaces[DYING].as->state = AS_TEARING_DOWN;        /* ...the first already gone */
    for (unsigned i = 0; i < spaces[DYING].n; i++)
        spaces[DYING].m[i] = translate(spaces[DYING].as, spaces[DYING].m[i].va);

    assert_int_equal(aspace_switch(spaces[LOADED].as), 0);
    assert_int_equal(aspace_pin(spaces[IDLE].as), 0);
    spaces[FORKED].as = aspace_fork(spaces[IDLE].as);
    assert_non_null(spaces[FORKED].as);
    spaces[FORKED].n = spaces[IDLE].n;
    memcpy(spaces[FORKED].m, spaces[IDLE].m, sizeof(spaces[IDLE].m));
    for (unsigned i = 0; i < NR_SPACES; i++)
        spaces[i].pinned = spaces[i].as->pinned;
    assert_true(spaces[LOADED].pinned && spaces[IDLE].pinned);
    assert_false(spaces[BUILDING].pinned || spaces[DYING].pinned || spaces[FORKED].pinned);
    assert_no_errors();
}

static void remember_frames(void)
{
    for (unsigned long pfn = 0; pfn < GUEST_PAGES; pfn++)
        old_mfn[pfn] = mfn_x(mfn_of(_pfn(pfn)));
}

/* ------------------------------------------------------------------------ */
/* What must hold after a resume. */

static void assert_space_intact(const struct space *s, const char *name, uint64_t version)
{
    for (unsigned i = 0; i < s->n; i++) {
        struct mapping now = translate(s->as, s->m[i].va);
        const struct mapping *was = &s->m[i];
        pte_t pte;

        if (now.mapped != was->mapped || (was->mapped &&
            (!pfn_eq(now.pfn, was->pfn) || now.rw != was->rw || now.user != was->user || now.nx != was->nx)))
            fail_msg("%s: va %#llx: was %s pfn %#llx rw %d user %d nx %d, now %s pfn %#llx rw %d user %d nx %d",
                     name, (unsigned long long)was->va, was->mapped ? "mapped" : "unmapped",
                     (unsigned long long)pfn_x(was->pfn), was->rw, was->user, was->nx,
                     now.mapped ? "mapped" : "unmapped", (unsigned long long)pfn_x(now.pfn), now.rw, now.user,
                     now.nx);
        assert_int_equal(mmu_lookup(s->as, was->va, &pte), 0);
        assert_int_equal(pte_present(pte), was->mapped);
        if (was->mapped) {
            assert_true(pfn_eq(pte_pfn(pte), was->pfn));
            assert_filled(was->pfn, version);
        }
    }
    assert_int_equal(s->as->pinned, s->pinned);
    assert_false(s->as->save_pinned);
    assert_int_equal(model_frame_pinned(mfn_of(s->as->root)), s->pinned);
}

static void assert_resumed_intact(uint64_t version)
{
    for (unsigned long pfn = 0; pfn < GUEST_PAGES; pfn++) {
        mfn_t now = mfn_of(_pfn(pfn));

        assert_true(mfn_eq(now, harness_pfn_to_mfn(_pfn(pfn))));   /* the p2m is the machine's */
        if (mfn_x(now) == old_mfn[pfn])
            fail_msg("pfn %#lx kept mfn %#llx across the restore", pfn, (unsigned long long)mfn_x(now));
    }
    for (unsigned i = 0; i < NR_SPACES; i++)
        assert_space_intact(&spaces[i], space_name[i], version);
    assert_true(mfn_eq(model_kernel_base(), mfn_of(spaces[LOADED].as->root)));
    assert_true(mfn_eq(model_user_base(), mfn_of(spaces[LOADED].as->user_root)));
    assert_model_invariants();
    assert_no_errors();
}

/* The MMU goes on working on the new machine, and what it does is recorded for the next cycle. */
static void keep_working(void)
{
    for (unsigned i = 0; i < NR_SPACES; i++) {
        struct space *s = &spaces[i];

        struct mapping *m = s->m;

        map_new(s, 3);
        while (!m->mapped)
            m++;
        assert_int_equal(mmu_protect_range(s->as, m->va, 1, PROT_READ_ONLY), 0);
        *m = translate(s->as, m->va);
        assert_false(m->rw);
    }
    assert_int_equal(aspace_switch(spaces[IDLE].as), 0);
    assert_int_equal(aspace_switch(spaces[LOADED].as), 0);
    assert_model_invariants();
    assert_no_errors();
}

static void refill_all(void)
{
    for (unsigned i = 0; i < NR_SPACES; i++)
        for (unsigned j = 0; j < spaces[i].n; j++)
            if (spaces[i].m[j].mapped)
                fill(spaces[i].m[j].pfn);
}

static void destroy_all(void)
{
    assert_int_equal(aspace_switch(aspace_kernel()), 0);
    for (unsigned i = 0; i < NR_SPACES; i++)
        assert_int_equal(aspace_destroy(spaces[i].as), 0);
    assert_int_equal(harness_frees_while_typed(), 0);
    assert_int_equal(harness_frees_while_read_only(), 0);
    assert_model_invariants();
    assert_no_errors();
}

/* ------------------------------------------------------------------------ */
/* 1. The contract kept. */

static void test_every_address_space_survives_save_and_restore_cycles(void **state)
{
    (void)state;
    build_spaces();
    for (unsigned cycle = 0; cycle < CYCLES; cycle++) {
        refill_all();
        remember_frames();
        assert_int_equal(suspend(false), SUSPEND_RESUMED);
        assert_int_equal(k.save_rc, 0);
        assert_resumed_intact(k.restores - 1);
        keep_working();
    }
    destroy_all();
}

/* What pin_all changes in the stream: the tables under construction go out as tables. */
static void test_pin_all_makes_every_tree_a_recorded_table_tree(void **state)
{
    bool pinned;

    (void)state;
    build_spaces();
    k.cancel = true;
    assert_int_equal(suspend(true), SUSPEND_CANCELLED);
    assert_int_equal(sr_image_type(k.img, spaces[BUILDING].as->root, &pinned), SR_NOTAB);
    assert_int_equal(sr_image_type(k.img, spaces[IDLE].as->root, &pinned), SR_L4TAB);
    assert_true(pinned);

    assert_int_equal(suspend(false), SUSPEND_CANCELLED);
    for (unsigned i = 0; i < NR_SPACES; i++) {
        assert_int_equal(sr_image_type(k.img, spaces[i].as->root, &pinned), SR_L4TAB);
        assert_true(pinned);
        assert_int_equal(sr_image_type(k.img, spaces[i].as->user_root, &pinned), SR_L4TAB);
        assert_true(pinned);
    }
    /* Below the roots, tables are typed by reference, not pinned: recorded, not re-pinned. */
    assert_int_equal(sr_image_type(k.img, harness_mfn_to_pfn(mpte_mfn(*entry_slot(spaces[BUILDING].as,
                                                             USER_VA, 3))), &pinned), SR_L2TAB);
    assert_false(pinned);
    assert_int_equal(sr_image_type(k.img, spaces[BUILDING].m[0].pfn, &pinned), SR_NOTAB);
    assert_int_equal(sr_image_nr_pfns(k.img), p2m_extent());
    assert_no_errors();
}

/* More pinned tables than one batch holds: the restorer's second batch must work too. */
static void test_restore_pins_more_than_a_batch(void **state)
{
    enum { N = SR_PIN_BATCH / 2 + 8 };   /* two roots each: more than SR_PIN_BATCH pins */
    static struct aspace *many[N];

    (void)state;
    for (unsigned i = 0; i < N; i++) {
        many[i] = aspace_create();
        assert_non_null(many[i]);
    }
    assert_int_equal(suspend(false), SUSPEND_RESUMED);
    for (unsigned i = 0; i < N; i++) {
        assert_false(many[i]->pinned);
        assert_int_equal(aspace_pin(many[i]), 0);
    }
    assert_model_invariants();
    assert_no_errors();
}

/* ------------------------------------------------------------------------ */
/* 2. The negative controls: each step left out, and what goes wrong. */

/* Every present entry of a tree, as the pfn it names: what it must still name after a restore. */
struct named_entry { pfn_t table; unsigned slot; pfn_t named; };
static struct named_entry named[4096];
static unsigned nr_named;

static void record_tree(pfn_t table, int level)
{
    const uint64_t *t = pfn_to_virt(table);

    for (unsigned i = 0; i < PT_ENTRIES; i++) {
        pfn_t target = harness_mfn_to_pfn(mpte_mfn((mpte_t){ t[i] }));

        if (!(t[i] & _PAGE_PRESENT) || (level == 4 && !l4_slot_is_user(i)))
            continue;
        assert_true(nr_named < 4096);
        named[nr_named++] = (struct named_entry){ table, i, target };
        if (level > 1)
            record_tree(target, level - 1);
    }
}

/* Read raw (pt_walk would stop at the first stale entry): how many no longer name their pfn's frame? */
static unsigned count_stale(unsigned first, unsigned last)
{
    unsigned stale = 0;

    for (unsigned i = first; i < last; i++) {
        mpte_t e = ((const mpte_t *)pfn_to_virt(named[i].table))[named[i].slot];

        stale += !mpte_present(e) || !mfn_eq(mpte_mfn(e), mfn_of(named[i].named));
    }
    return stale;
}

static void test_without_pin_all_an_unpinned_tree_comes_back_with_stale_frames(void **state)
{
    unsigned idle, building;

    (void)state;
    build_spaces();
    refill_all();
    nr_named = 0;
    record_tree(spaces[IDLE].as->root, 4);
    idle = nr_named;
    record_tree(spaces[BUILDING].as->root, 4);
    building = nr_named - idle;
    assert_true(idle > 40 && building > 40);

    assert_int_equal(suspend(true), SUSPEND_RESUMED);

    /* The pinned tree was normalised and localised: every entry names its pfn's new frame. */
    assert_int_equal(count_stale(0, idle), 0);
    assert_space_intact(&spaces[IDLE], "idle", k.restores - 1);
    /* The unpinned one went out raw: every entry names a frame of the old machine. */
    assert_int_equal(count_stale(idle, nr_named), building);
    /* And Xen will not have it: pinning it now is refused. */
    assert_int_not_equal(aspace_pin(spaces[BUILDING].as), 0);
    assert_error_seen("pin of address space");
}

/* The steps spelled out, for the tests that leave one out: save and restore a guest that has prepared. */
static void save_and_restore_by_hand(void)
{
    struct sr_image *img = NULL;

    assert_int_equal(kernel_prepare(NULL), 0);
    assert_int_equal(harness_save(k.start_info_mfn, &img), 0);
    assert_int_equal(harness_restore(img, &k.start_info_mfn), 0);
    sr_image_free(img);
    k.restores++;
    assert_int_equal(kernel_resumed(NULL), 0);
}

/* Mini-OS's failure: a resume that does not publish the frame lists again cannot be saved again. */
static void test_a_resume_without_the_republish_cannot_be_saved_again(void **state)
{
    struct sr_image *img = NULL;

    (void)state;
    assert_int_equal(pin_all(), 0);
    save_and_restore_by_hand();
    assert_int_equal(harness_shared_info()->arch.pfn_to_mfn_frame_list_list, 0);
    assert_int_equal(m2p_init(), 0);
    assert_int_equal(unpin_all(), 0);

    assert_int_equal(harness_save(k.start_info_mfn, &img), -XEN_ENOENT);
    assert_non_null(strstr(harness_sr_error(), "pfn_to_mfn_frame_list_list is 0"));

    assert_int_equal(p2m_publish(harness_shared_info()), 0);
    assert_int_equal(harness_save(k.start_info_mfn, &img), 0);
    sr_image_free(img);
    assert_no_errors();
}

/*
 * A domU's m2p bound is the whole table, MACH2PHYS_NR_ENTRIES - 1, on every
 * machine (arch_memory_op's XENMEM_machphys_mapping: only the hardware domain
 * is told max_page - 1).  So the frames of a larger new machine read right
 * after a resume, before m2p_init() runs again, and m2p_init() keeps the bound.
 */
static void test_a_resume_reads_the_new_frames_through_the_same_m2p_bound(void **state)
{
    struct aspace *as = aspace_create();
    uint64_t old_max = m2p_max_mfn(), va;
    unsigned n;
    pte_t pte;

    (void)state;
    assert_int_equal(old_max, MACH2PHYS_NR_ENTRIES - 1);
    for (unsigned i = 0; i < 64; i++)
        assert_int_equal(mmu_map(as, USER_VA + i * PAGE_SIZE, frame_alloc(), _PAGE_RW | _PAGE_USER), 0);
    assert_int_equal(aspace_pin(as), 0);
    save_and_restore_by_hand();

    for (va = USER_VA, n = 0; n < 64; va += PAGE_SIZE, n++) {
        assert_int_equal(mmu_lookup(as, va, &pte), 0);
        assert_true(pfn_eq(pte_pfn(pte), translate(as, va).pfn));
    }
    assert_int_equal(m2p_init(), 0);
    assert_int_equal(m2p_max_mfn(), old_max);
    assert_no_errors();
}

/* ------------------------------------------------------------------------ */
/* 3. Refusals, and the cancelled suspend. */

static void assert_save_refused(int rc, const char *why)
{
    struct sr_image *img = NULL;

    assert_int_equal(harness_save(k.start_info_mfn, &img), rc);
    assert_null(img);
    if (!strstr(harness_sr_error(), why))
        fail_msg("expected the saver to refuse with '%s', got '%s'", why, harness_sr_error());
}

static void test_the_saver_refuses_missing_or_malformed_frame_lists(void **state)
{
    shared_info_t *si = harness_shared_info();
    shared_info_t good = *si;
    uint64_t *top = model_frame_bytes(_mfn(si->arch.pfn_to_mfn_frame_list_list));
    uint64_t *mid = model_frame_bytes(_mfn(top[0])), top0 = top[0], mid0 = mid[0];
    struct sr_image *img = NULL;

    (void)state;
    memset(&si->arch, 0, sizeof(si->arch));
    assert_save_refused(-XEN_EINVAL, "max_pfn is 0: the guest has published no p2m");
    si->arch.max_pfn = good.arch.max_pfn;
    assert_save_refused(-XEN_ENOENT, "pfn_to_mfn_frame_list_list is 0");
    si->arch.pfn_to_mfn_frame_list_list = model_nr_frames();
    assert_save_refused(-XEN_ERANGE, "bad mfn");
    si->arch.pfn_to_mfn_frame_list_list = mfn_x(harness_foreign_mfn(0));
    assert_save_refused(-XEN_EFAULT, "cannot map the p2m frame list list");
    *si = good;
    si->arch.max_pfn = P2M_MAX_PFNS + 1;
    assert_save_refused(-XEN_E2BIG, "too large for the p2m tree");
    *si = good;

    top[0] = 0;
    assert_save_refused(-XEN_ERANGE, "bad mfn 0 at index 0 (of 1) in the p2m frame list list");
    top[0] = top0;
    mid[0] = 0;
    assert_save_refused(-XEN_ERANGE, "bad mfn 0 at index 0");
    mid[0] = mfn_x(harness_foreign_mfn(1));
    assert_save_refused(-XEN_EFAULT, "cannot map p2m leaf 0");
    mid[0] = mfn_x(mfn_of(k.store));   /* a frame of ours, but the p2m in it is not the p2m */
    assert_save_refused(-XEN_ERANGE, "not in the pseudo-physical map");
    mid[0] = mid0;

    /* Nothing the saver refused changed the domain: it saves now. */
    assert_int_equal(harness_save(k.start_info_mfn, &img), 0);
    sr_image_free(img);
    assert_model_invariants();
}

/* A table entry naming a frame the guest does not own cannot be normalised. */
static void test_the_saver_refuses_a_table_naming_a_stranger(void **state)
{
    struct aspace *as = aspace_create();
    mpte_t *l1e;
    uint64_t saved;

    (void)state;
    assert_int_equal(mmu_map(as, USER_VA, frame_alloc(), _PAGE_RW | _PAGE_USER), 0);
    assert_int_equal(aspace_pin(as), 0);
    l1e = entry_slot(as, USER_VA, 1);
    saved = l1e->v;
    /* Behind Xen's back (its rules would refuse): the stale state a buggy guest could leave. */
    harness_entries(p2m_lookup(virt_to_pfn(l1e)))[0] = mfn_to_maddr(harness_foreign_mfn(2)) | _PAGE_PRESENT;
    assert_save_refused(-XEN_ERANGE, "bad mfn for L1[0]");
    harness_entries(p2m_lookup(virt_to_pfn(l1e)))[0] = saved;
    k.start_info_mfn = harness_foreign_mfn(3);              /* and %rdx must name a frame of ours */
    assert_save_refused(-XEN_ERANGE, "suspend record");
}

struct frame_state {
    enum model_type type;
    unsigned long count;
    bool pinned, validated, direct_map_rw;
};

static struct frame_state snapshot_frame(unsigned long pfn)
{
    mfn_t mfn = mfn_of(_pfn(pfn));

    return (struct frame_state){ model_frame_type(mfn), model_frame_type_count(mfn), model_frame_pinned(mfn),
                                 model_frame_validated(mfn), harness_direct_map_writable(_pfn(pfn)) };
}

static void test_a_cancelled_suspend_leaves_everything_as_it_was(void **state)
{
    static struct frame_state before[GUEST_PAGES];
    start_info_t si_before;
    struct arch_shared_info arch_before;

    (void)state;
    build_spaces();
    refill_all();
    remember_frames();
    for (unsigned long pfn = 0; pfn < GUEST_PAGES; pfn++)
        before[pfn] = snapshot_frame(pfn);
    si_before = *start_info();
    arch_before = harness_shared_info()->arch;

    k.cancel = true;
    assert_int_equal(suspend(false), SUSPEND_CANCELLED);
    assert_int_equal(k.save_rc, 0);

    for (unsigned long pfn = 0; pfn < GUEST_PAGES; pfn++) {
        struct frame_state now = snapshot_frame(pfn);

        if (now.type != before[pfn].type || now.count != before[pfn].count || now.pinned != before[pfn].pinned ||
            now.validated != before[pfn].validated || now.direct_map_rw != before[pfn].direct_map_rw)
            fail_msg("pfn %#lx: type %d count %lu pinned %d rw %d, was type %d count %lu pinned %d rw %d", pfn,
                     now.type, now.count, now.pinned, now.direct_map_rw, before[pfn].type, before[pfn].count,
                     before[pfn].pinned, before[pfn].direct_map_rw);
        assert_int_equal(mfn_x(mfn_of(_pfn(pfn))), old_mfn[pfn]);
    }
    assert_memory_equal(start_info(), &si_before, sizeof(si_before));
    assert_memory_equal(&harness_shared_info()->arch, &arch_before, sizeof(arch_before));
    for (unsigned i = 0; i < NR_SPACES; i++)
        assert_space_intact(&spaces[i], space_name[i], k.restores);
    assert_model_invariants();

    /* And the suspend that follows goes through. */
    k.cancel = false;
    assert_int_equal(suspend(false), SUSPEND_RESUMED);
    assert_resumed_intact(0);
    destroy_all();
}

/*
 * Guards issue 13.7: a preparation that fails halfway undoes itself.  The kernel
 * converted start_info's store mfn in place, then failed on the console's, and
 * nothing undid it: the next save converted the pfn again as if it were an mfn.
 * The spaces pin_all had pinned stayed pinned as well.
 */
static void test_a_preparation_that_fails_halfway_leaves_everything_as_it_was(void **state)
{
    struct suspend_report report;
    start_info_t si_before;
    uint64_t console = start_info()->console.domU.mfn;

    (void)state;
    build_spaces();
    refill_all();
    start_info()->console.domU.mfn = mfn_x(harness_foreign_mfn(0));   /* store converts, console cannot */
    si_before = *start_info();
    assert_int_not_equal(suspend_and_resume(&steps, false, &report), 0);
    assert_error_seen("start_info's console mfn");
    assert_int_equal(report.outcome, SUSPEND_FAILED);
    assert_memory_equal(start_info(), &si_before, sizeof(si_before));     /* store_mfn still an mfn */
    for (unsigned i = 0; i < NR_SPACES; i++)
        assert_int_equal(spaces[i].as->pinned, spaces[i].pinned);      /* pin_all's pins undone */
    assert_model_invariants();

    start_info()->console.domU.mfn = console;    /* and once start_info is sound, the save goes through */
    pvmmu_clear_errors();
    assert_int_equal(suspend(false), SUSPEND_RESUMED);
    assert_resumed_intact(0);
    destroy_all();
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_every_address_space_survives_save_and_restore_cycles),
        T(test_pin_all_makes_every_tree_a_recorded_table_tree),
        T(test_restore_pins_more_than_a_batch),
        T(test_without_pin_all_an_unpinned_tree_comes_back_with_stale_frames),
        T(test_a_resume_without_the_republish_cannot_be_saved_again),
        T(test_a_resume_reads_the_new_frames_through_the_same_m2p_bound),
        T(test_the_saver_refuses_missing_or_malformed_frame_lists),
        T(test_the_saver_refuses_a_table_naming_a_stranger),
        T(test_a_cancelled_suspend_leaves_everything_as_it_was),
        T(test_a_preparation_that_fails_halfway_leaves_everything_as_it_was),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

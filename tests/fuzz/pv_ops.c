/*
 * The PV backend driven by arbitrary operation sequences against the model of
 * Xen (the driver behind fuzz_pv_backend and fuzz_hypercalls).  Unlike the
 * property test, the input may ask for anything, valid or not: pin twice, unpin
 * what is loaded, destroy twice, use a destroyed space, leave lazy mode it never
 * entered, map outside the user half, map a frame the p2m does not have, ask
 * for 2^52 pages.  pvmmu may refuse (and must say why), and after every
 * operation outside a lazy section:
 *
 *   - no request it sent was one the model refused: pvmmu's own checks must stop
 *     everything Xen would stop, before Xen sees it;
 *   - the model's global invariants hold;
 *   - every page of every live address space translates, through the real
 *     tables as the MMU walks them (kernel and user root alike), as a plain
 *     reference says: a map va -> (frame, protection) the driver keeps itself,
 *     changed by each operation that succeeded and by nothing else.
 *
 * The reference holds, per page, the few states the page may be in; that is one
 * state unless an operation failed (hooks->failures_expected), when a page it
 * touched may hold its old state or its new one.  The next check keeps the ones
 * the tables show, so "may be either" does not grow without bound.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/lib_int.h"
#include <xen/pvmmu/mmu.h>
#include "mmu/mmu_int.h"
#include <xen/pvmmu/multicall.h>
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/pv_ops.h"
#include "tests/harness/harness.h"
#include "tests/model/model.h"

#define SPACES 4
#define DATA_FRAMES 32
#define MAX_COUNT 80

/* --- the machine, booted once ------------------------------------------------------- */

static const struct pv_hooks *hooks;
static struct aspace *spaces[SPACES];
static pfn_t data_frames[DATA_FRAMES];
/* The booted machine, photographed once: every input starts from it. */
static struct harness_snapshot *booted;

static void boot(void)
{
    unsigned i;

    harness_boot(1024);
    mmu_forget_state();
    if (p2m_init(harness_mfn_list(), 1024, 1024) || m2p_init() || aspace_adopt_kernel(harness_kernel_l4()))
        fuzz_fail(hooks->target, "boot failed");
    for (i = 0; i < DATA_FRAMES; i++)
        data_frames[i] = frame_alloc();
    harness_snapshot_free(booted);
    booted = harness_snapshot_take();
}

/*
 * The machine as boot() left it, without booting: the snapshot puts back every
 * frame, type, pin and allocation, and the layer forgets what it knew of the
 * last input and adopts the kernel's tables again, as boot() had it do.  The
 * p2m and m2p are not touched by any operation here, so they stay as booted.
 * A machine that is no longer the photographed one (something else booted the
 * harness in between, as the corpus replay in make check does) is booted anew.
 */
static void fresh_machine(void)
{
    if (!harness_snapshot_restore(booted)) {
        boot();
        return;
    }
    mmu_forget_state();
    if (aspace_adopt_kernel(harness_kernel_l4()))
        fuzz_fail(hooks->target, "adopting the kernel's tables again failed");
}

/* --- the reference ------------------------------------------------------------------- */

/*
 * The pages an input can reach (see any_va): four windows, one per GiB the
 * addresses start in, from 64 pages below its start to the last page a run of
 * MAX_COUNT from its 256th page touches.
 */
#define USER_BASE 0x0000100000000000ULL
#define WINDOWS 4
#define WINDOW_BELOW 64
#define WINDOW_PAGES (WINDOW_BELOW + 256 + MAX_COUNT)
#define REF_PAGES (WINDOWS * WINDOW_PAGES)
#define MAX_STATES 6
#define FRAME_ANY 0xff   /* NOACCESS over a frame the reference lost track of */

enum ref_prot { R_UNMAPPED, R_NOACCESS, R_RO, R_RW };
struct ref_state { uint8_t frame, prot; };   /* frame: an index into data_frames */
/* n == 0: the page may be in any state (more than MAX_STATES were possible). */
struct ref_page { uint8_t n; struct ref_state s[MAX_STATES]; };
struct ref_space { struct aspace *as; struct ref_page page[REF_PAGES]; };

/* By address space, not by slot: a slot may keep a destroyed space whose pool entry is reused. */
static struct ref_space ref[SPACES * 2];
/* The reference as the last check found it: what a failed operation may have left. */
static struct ref_space ref_before[SPACES * 2];
static bool failed_since_check;

static uint64_t ref_va(unsigned page)
{
    return USER_BASE + ((uint64_t)(page / WINDOW_PAGES) << 30) +
           (uint64_t)(page % WINDOW_PAGES) * PAGE_SIZE - WINDOW_BELOW * PAGE_SIZE;
}

static struct ref_space *ref_of(const struct aspace *as)
{
    unsigned i;

    for (i = 0; as && i < ARRAY_SIZE(ref); i++)
        if (ref[i].as == as)
            return &ref[i];
    return NULL;
}

/* A space just made: every page unmapped, or (fork) as its parent's. */
static void ref_new(struct aspace *as, const struct ref_space *parent)
{
    struct ref_space *r = ref_of(as);
    unsigned i, page;

    for (i = 0; !r && i < ARRAY_SIZE(ref); i++)
        if (!ref[i].as)
            r = &ref[i];
    if (!r)
        fuzz_fail(hooks->target, "more live address spaces than the reference has room for");
    r->as = as;
    for (page = 0; page < REF_PAGES; page++)
        r->page[page] = parent ? parent->page[page] : (struct ref_page){ 1, { { 0, R_UNMAPPED } } };
    /* Before its creation it was nothing; a failure since the last check cannot bring back a stranger. */
    ref_before[r - ref] = *r;
}

static void ref_gone(const struct aspace *as)
{
    struct ref_space *r = ref_of(as);

    if (r)
        r->as = NULL;
}

enum change { MAP, UNMAP, PROTECT };

static struct ref_state changed(struct ref_state s, enum change how, unsigned arg)
{
    switch (how) {
    case MAP: return (struct ref_state){ (uint8_t)arg, R_RW };
    case UNMAP: return (struct ref_state){ 0, R_UNMAPPED };
    case PROTECT:
        if (s.prot != R_UNMAPPED)
            s.prot = (uint8_t)(R_NOACCESS + arg);
        return s;
    }
    return s;
}

static void add_state(struct ref_page *p, struct ref_state s)
{
    unsigned i;

    if (p->n == 0)
        return;
    for (i = 0; i < p->n; i++)
        if (p->s[i].frame == s.frame && p->s[i].prot == s.prot)
            return;
    if (p->n == MAX_STATES)
        p->n = 0;
    else
        p->s[p->n++] = s;
}

/*
 * How an operation went, for the pages it touched: done; not done (pvmmu refused
 * it, and a refusal comes before any change); or maybe (Xen failed it part way,
 * or a call whose effect the reference cannot know), after which each page may
 * have moved on or not.
 */
enum outcome { DONE, NOT_DONE, MAYBE };

static enum outcome outcome_of(int rc)
{
    return !rc ? DONE : hooks->failures_expected ? MAYBE : NOT_DONE;
}

static void ref_change(struct ref_page *p, enum outcome how_it_went, enum change how, unsigned arg)
{
    struct ref_page old = *p;
    unsigned i;

    if (how_it_went == NOT_DONE)
        return;
    if (p->n == 0) {   /* anything stays anything, unless a map or unmap surely decided it */
        if (how_it_went == DONE && how != PROTECT)
            *p = (struct ref_page){ 1, { changed(old.s[0], how, arg) } };
        return;
    }
    if (how_it_went == DONE) {   /* every state it may have been in moves on */
        p->n = 1;
        p->s[0] = changed(old.s[0], how, arg);
    }
    for (i = how_it_went == DONE ? 1 : 0; i < old.n; i++)
        add_state(p, changed(old.s[i], how, arg));
}

/* Every reference page of space `as` in [va, va + span) changes; a map gives page i frames[i]. */
static void ref_change_range(struct aspace *as, uint64_t va, uint64_t span, enum outcome how_it_went,
                             enum change how, const unsigned *frames, unsigned arg)
{
    struct ref_space *r = ref_of(as);
    unsigned page;

    if (!r)
        return;
    for (page = 0; page < REF_PAGES; page++) {
        uint64_t off = ref_va(page) - va;

        if (off < span)
            ref_change(&r->page[page], how_it_went, how,
                       frames && off / PAGE_SIZE < MAX_COUNT ? frames[off / PAGE_SIZE] : arg);
    }
}

static bool state_shows(struct ref_state s, bool mapped, const struct model_xlat *x, mfn_t *frame_mfn)
{
    if (s.prot == R_UNMAPPED || s.prot == R_NOACCESS)
        return !mapped;
    if (!mapped || x->rw != (s.prot == R_RW))
        return false;
    return mfn_eq(x->mfn, frame_mfn[s.frame]);
}

static int frame_index(mfn_t mfn, mfn_t *frame_mfn)
{
    int i;

    for (i = 0; i < DATA_FRAMES; i++)
        if (mfn_eq(mfn, frame_mfn[i]))
            return i;
    return -1;
}

/* Keep the states the tables show; none: the page is wrong. */
static bool page_agrees(struct ref_page *p, const struct aspace *as, const mfn_t roots[2], uint64_t va,
                        mfn_t *frame_mfn, char *why, size_t len)
{
    struct model_xlat k, u;
    bool mapped = model_translate(roots[0], va, &k);
    bool user_mapped = model_translate(roots[1], va, &u);
    struct ref_page kept = { 0 };
    unsigned i;

    if (mapped != user_mapped || (mapped && (!mfn_eq(k.mfn, u.mfn) || k.rw != u.rw))) {
        snprintf(why, len, "va 0x%llx of space %u: the kernel root and the user root disagree",
                 (unsigned long long)va, as->id);
        return false;
    }
    if (p->n == 0) {   /* anything: learn it, if the tables say enough */
        int f = mapped ? frame_index(k.mfn, frame_mfn) : 0;

        if (f < 0) {
            snprintf(why, len, "va 0x%llx of space %u maps mfn 0x%llx, which it was never given",
                     (unsigned long long)va, as->id, (unsigned long long)mfn_x(k.mfn));
            return false;
        }
        if (mapped)
            *p = (struct ref_page){ 1, { { (uint8_t)f, k.rw ? R_RW : R_RO } } };
        return true;
    }
    for (i = 0; i < p->n; i++)
        if (state_shows(p->s[i], mapped, &k, frame_mfn))
            kept.s[kept.n++] = p->s[i];
    if (!kept.n) {
        snprintf(why, len, "va 0x%llx of space %u: the tables say %s mfn 0x%llx rw %d; the reference "
                 "says frame %u (mfn 0x%llx) prot %u%s", (unsigned long long)va, as->id,
                 mapped ? "mapped to" : "not mapped", mapped ? (unsigned long long)mfn_x(k.mfn) : 0ULL,
                 mapped && k.rw, p->s[0].frame, (unsigned long long)mfn_x(frame_mfn[p->s[0].frame]),
                 p->s[0].prot, p->n > 1 ? " (or others)" : "");
        return false;
    }
    *p = kept;
    return true;
}

/*
 * After Xen failed a call in a batch, a page may also still be as the last
 * check found it: a request queued since then (in a lazy section) that came
 * before the failure may be lost with it.
 */
static void may_still_be(struct ref_page *p, const struct ref_page *before)
{
    unsigned s;

    if (!before->n)
        p->n = 0;
    for (s = 0; s < before->n; s++)
        add_state(p, before->s[s]);
}

static bool reference_agrees(char *why, size_t len)
{
    mfn_t frame_mfn[DATA_FRAMES];
    unsigned i, page;

    for (i = 0; i < DATA_FRAMES; i++)
        frame_mfn[i] = harness_pfn_to_mfn(data_frames[i]);
    for (i = 0; i < ARRAY_SIZE(ref); i++) {
        mfn_t roots[2];

        if (!ref[i].as)
            continue;
        roots[0] = harness_pfn_to_mfn(ref[i].as->root);
        roots[1] = harness_pfn_to_mfn(ref[i].as->user_root);
        for (page = 0; page < REF_PAGES; page++) {
            struct ref_page *p = &ref[i].page[page];

            if (failed_since_check)
                may_still_be(p, &ref_before[i].page[page]);
            if (!page_agrees(p, ref[i].as, roots, ref_va(page), frame_mfn, why, len))
                return false;
        }
    }
    if (hooks->failures_expected)   /* only a failure by Xen needs to know what was there before */
        memcpy(ref_before, ref, sizeof(ref));
    failed_since_check = false;
    return true;
}

/*
 * Only a destroy that succeeded ends a space.  When Xen's failures are the
 * input's, a destroy that failed part way may have ended it too; then the
 * reference lets it go.
 */
static void spaces_still_exist(void)
{
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(ref); i++) {
        if (!ref[i].as || aspace_exists(ref[i].as))
            continue;
        if (!hooks->failures_expected)
            fuzz_fail(hooks->target, "an address space vanished without a destroy that succeeded");
        ref[i].as = NULL;
    }
}

/* --- the operations ------------------------------------------------------------------ */

/* A virtual address from two bytes: mostly inside a few user regions, sometimes anywhere. */
static uint64_t any_va(struct cursor *c)
{
    unsigned a = next(c), b = next(c);

    if (a == 0xff)
        return (uint64_t)b << 40 | 0xffff800000000000ULL;   /* not the user half */
    return USER_BASE + ((uint64_t)(a & 3) << 30) + (uint64_t)b * PAGE_SIZE - (a & 4 ? WINDOW_BELOW * PAGE_SIZE : 0) +
           (a & 8 ? 8 * (1 + (a >> 4)) : 0);   /* now and then not page aligned */
}

/*
 * A page count: mostly 1..80, and now and then one so big that times 4 KiB it
 * wraps around 2^64 (or nearly), which pvmmu must refuse before it reads a single
 * frame number past the 80 it was given (AddressSanitizer is watching).
 */
static uint64_t any_count(struct cursor *c)
{
    unsigned n = next(c);

    if (n == 0xff)
        return 1ULL << 52;
    if (n == 0xfe)
        return UINT64_MAX;
    return n % MAX_COUNT + 1;
}

/* The span a count of pages covers, without wrapping (a count that wraps is refused). */
static uint64_t span_of(uint64_t n)
{
    return n > (1ULL << 40) ? (1ULL << 40) : n * PAGE_SIZE;
}

static int created(struct aspace **slot, struct aspace *as, const struct ref_space *parent)
{
    if (!as)
        return -1;
    *slot = as;
    ref_new(as, parent);
    return 0;
}

static int op_map(struct aspace *as, uint64_t va, uint64_t n, unsigned op)
{
    pfn_t pfns[MAX_COUNT];
    unsigned frame[MAX_COUNT], i;
    int rc;

    for (i = 0; i < MAX_COUNT; i++) {
        frame[i] = (op + i) % DATA_FRAMES;
        pfns[i] = data_frames[frame[i]];
    }
    /* Sometimes the last frame of a range is one the p2m does not have: none may be mapped. */
    if (op & 0x80)
        pfns[(n <= MAX_COUNT ? n : MAX_COUNT) - 1] = _pfn(1024 + op);
    rc = mmu_map_range(as, va, pfns, n, _PAGE_RW | _PAGE_USER);
    ref_change_range(as, va, span_of(n), outcome_of(rc), MAP, frame, 0);
    return rc;
}

static int op_destroy(struct cursor *c, unsigned s)
{
    struct aspace *as = spaces[s];
    int rc = aspace_destroy(as);

    if (!rc)
        ref_gone(as);
    /* A destroyed space is sometimes kept and used again: every call on it must be refused. */
    if (!rc && next(c) % 4)
        spaces[s] = NULL;
    return rc;
}

static int (*const set_level_fn[])(struct aspace *, mpte_t *, pte_t) = {
    set_pte, set_pte, set_pmd, set_pud, set_pgd,
};

/* A live space other than `as` that has a level-`level` entry for va, and that entry. */
static mpte_t *slot_of_another(struct cursor *c, const struct aspace *as, uint64_t va, int level)
{
    struct aspace *other = spaces[next(c) % SPACES];

    if (!aspace_exists(other) || other == as)
        return NULL;
    return entry_slot(other, va, level);
}

/*
 * issue 13.2: an entry of another space's table, written through this one's
 * set_pXd, must be refused, whatever the level; the reference check after the
 * operation sees that nothing changed.
 */
static int op_foreign_slot(struct cursor *c, struct aspace *as, uint64_t va)
{
    int level = 1 + (int)(next(c) % 4);
    mpte_t *e = slot_of_another(c, as, va, level);

    if (!e || !aspace_exists(as))
        return 0;
    if (!set_level_fn[level](as, e, PTE_NONE))
        fuzz_failf(hooks->target, "set_pXd (L%d) of address space %u wrote an entry of another space's table",
                   level, as->id);
    return 0;
}

/* issue 13.3: a table that is linked already (another space's L1) linked again must be refused. */
static int op_link_twice(struct cursor *c, struct aspace *as, uint64_t va)
{
    mpte_t *theirs = slot_of_another(c, as, va, 1), *l2e;

    if (!theirs || !aspace_exists(as))
        return 0;
    l2e = entry_slot(as, any_va(c), 2);
    if (!l2e || mpte_present(entry_read(l2e)))
        return 0;
    if (!set_pmd(as, l2e, pte_make(virt_to_pfn(theirs), TABLE_FLAGS)))
        fuzz_failf(hooks->target, "address space %u linked an L1 that another space links already", as->id);
    return 0;
}

/* A table entry cleared at its level; sometimes with the wrong level's function. */
static int op_clear_entry(struct cursor *c, struct aspace *as, uint64_t va)
{
    unsigned level = 1 + next(c) % 4, wrong = next(c) % 8 == 0;
    uint64_t span = 1ULL << (PAGE_SHIFT + PT_ENTRY_SHIFT * (level - 1));
    mpte_t *e = entry_slot(as, va, (int)level);
    int rc;

    if (!e || (level == 4 && wrong))
        return 0;
    rc = set_level_fn[wrong ? 1 : level](as, e, PTE_NONE);
    /* A wrong-level call may be refused or clear the entry: either way no page may be left half done. */
    ref_change_range(as, va & ~(span - 1), span, wrong && !rc ? MAYBE : outcome_of(rc), UNMAP, NULL, 0);
    return wrong ? 0 : rc;
}

static int one_op(struct cursor *c)
{
    unsigned op = next(c), s = next(c) % SPACES;
    uint64_t n = any_count(c);
    struct aspace *as = spaces[s];
    uint64_t va = any_va(c);
    unsigned prot;
    int rc = 0;

    if (getenv("PVMMU_FUZZ_TRACE"))
        fprintf(stderr, "op %u space %u (%p) n %llu va 0x%llx lazy %u\n", op % 16, s, (void *)as,
                (unsigned long long)n, (unsigned long long)va, lazy_mmu_depth());
    switch (op % 16) {
    case 0: if (!as) rc = created(&spaces[s], aspace_create(), NULL); break;
    case 1: if (as) rc = op_map(as, va, n, op); break;
    case 2:
        if (as) {
            prot = next(c) % 4;     /* 3 is none of the three: issue 13.5, refused */
            rc = mmu_protect_range(as, va, n, (enum mmu_prot)prot);
            if (prot == 3 && !rc)
                fuzz_fail(hooks->target, "mmu_protect_range accepted a prot that is none of the three");
            ref_change_range(as, va, span_of(n), prot == 3 ? NOT_DONE : outcome_of(rc), PROTECT, NULL, prot);
        }
        break;
    case 3:
        if (as) {
            rc = mmu_unmap_range(as, va, n);
            ref_change_range(as, va, span_of(n), outcome_of(rc), UNMAP, NULL, 0);
        }
        break;
    case 4: if (as) rc = aspace_pin(as); break;
    case 5: if (as) rc = aspace_unpin(as); break;
    case 6: rc = aspace_switch(as ? as : aspace_kernel()); break;
    case 7: if (as) rc = op_destroy(c, s); break;
    case 8:
        if (as && !spaces[(s + 1) % SPACES])
            rc = created(&spaces[(s + 1) % SPACES], aspace_fork(as), ref_of(as));
        break;
    case 9: rc = pin_all(); break;
    case 10: rc = unpin_all(); break;
    case 11: lazy_mmu_enter(); break;
    case 12: rc = lazy_mmu_leave(); break;
    case 13: if (as) rc = op_clear_entry(c, as, va); break;
    case 14: if (as) rc = op_foreign_slot(c, as, va); break;
    case 15: if (as) rc = op_link_twice(c, as, va); break;
    }
    return rc;
}

/* A frame goes back to the allocator untyped and writable, or its next user cannot use it. */
struct frees { unsigned long typed, read_only; };

static void frees_were_clean(struct frees before)
{
    char why[160];
    unsigned long pfn;

    if (harness_frees_while_typed() != before.typed)
        fuzz_fail(hooks->target, "a frame was freed while Xen still had it typed or pinned");
    if (harness_frees_while_read_only() != before.read_only)
        fuzz_fail(hooks->target, "a frame was freed while still read-only in the direct map");
    /* ... and stays so: a flip to read-only issued after the free is as bad as one before it. */
    for (pfn = 0; pfn < harness_nr_pages(); pfn++)
        if (!harness_frame_in_use(_pfn(pfn)) && !harness_direct_map_writable(_pfn(pfn))) {
            snprintf(why, sizeof(why), "free frame pfn 0x%lx is read-only in the direct map: its next user "
                     "cannot write it", pfn);
            fuzz_fail(hooks->target, why);
        }
}

void pv_ops_run(const struct pv_hooks *h, const uint8_t *data, size_t size)
{
    struct cursor c = { data, data + size };
    char why[512];

    hooks = h;
    memset(spaces, 0, sizeof(spaces));
    memset(ref, 0, sizeof(ref));
    memset(ref_before, 0, sizeof(ref_before));
    failed_since_check = false;
    fresh_machine();
    while (c.p < c.end) {
        unsigned long errors_before = pvmmu_error_count();
        struct frees frees_before = { harness_frees_while_typed(), harness_frees_while_read_only() };
        int rc;

        model_reset_counters();
        hooks->arm(&c);
        rc = one_op(&c);
        if (!lazy_mmu_active() && mc_pending() && mc_flush())
            rc = rc ? rc : -1;
        if (getenv("PVMMU_FUZZ_TRACE") && pvmmu_error_count() != errors_before)
            fprintf(stderr, "  -> %d: %s\n", rc, pvmmu_last_error());
        why[0] = '\0';
        hooks->judge(rc, errors_before, why, sizeof(why));
        if (why[0])
            fuzz_fail(hooks->target, why);
        if (hooks->failures_expected && (rc || pvmmu_error_count() != errors_before))
            failed_since_check = true;
        spaces_still_exist();
        if (model_last_refusal()[0] && !(hooks->refusal_expected && hooks->refusal_expected(model_last_refusal()))) {
            snprintf(why, sizeof(why), "the model refused a request: %s (pvmmu: %s)", model_last_refusal(),
                     pvmmu_last_error());
            fuzz_fail(hooks->target, why);
        }
        if (!model_check_invariants(why, sizeof(why)))
            fuzz_fail(hooks->target, why);
        frees_were_clean(frees_before);
        if (!lazy_mmu_active() && !reference_agrees(why, sizeof(why)))
            fuzz_fail(hooks->target, why);
    }
    while (lazy_mmu_active())
        lazy_mmu_leave();
    pvmmu_clear_errors();
}

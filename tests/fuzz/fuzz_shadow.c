/*
 * The shadow core (shadow/) against a hostile guest.  The input writes the
 * guest's page tables itself, byte for byte: any flags, any frame, the guest's
 * own table frames, the host's frames, pfns beyond the guest's memory or with
 * no memory behind them, superpage and reserved bits.  Then it drives the host
 * as a guest and its carrier would, in any order: faults at any address with
 * any error code, root switches, reported and unreported table writes,
 * invalidations, flushes, pins, frees of roots, frames handed to the host.
 *
 * After every operation the checker walks every shadow table of every cached
 * root, reading machine memory as the hardware would, and holds the core to
 * docs/shadow.md:
 *
 *   - frames: every table the hardware walks is one the host took for itself,
 *     owned by one root alone; every page it reaches is the guest's (below its
 *     memory limit, with memory behind it, never the host's) and is the very
 *     frame the guest's pfn stands for;
 *   - permissions: an entry the operation made grants no more than the guest
 *     entry behind it: writable only over a writable guest entry, and a leaf
 *     only over one that is Dirty too; user and execute likewise.  Checked
 *     level by level, so the path's effective rights are the guest's too;
 *   - kills: a table naming a frame that is not the guest's, or flags the host
 *     refuses, kills the guest with a reason that names it, and anything good
 *     kills nothing; after a kill, nothing new is mapped;
 *   - and each operation does what it promises: a fixed fault does not fault
 *     again, a reported change leaves no stale entry, a flush leaves nothing
 *     behind, a switch loads the root asked for.
 *
 * The checker knows the host's frames from the allocator, not from the core:
 * the carrier's (everything in use before the guest came), and whatever
 * shadow_init took.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include <xen/pvmmu/shadow.h>
#include "tests/fuzz/fuzz.h"
#include "tests/harness/harness.h"
#include "tests/model/model.h"

#define GUEST_PAGES 512      /* the hosted machine's pfns: [0, 512) have memory */
#define OWN_FRAMES 16        /* the guest's own frames: the tables the input writes */
#define MAX_ROOTS 64         /* distinct guest roots one input can name */

/* --- the machine, booted once ------------------------------------------------------- */

static struct harness_snapshot *booted;
static pfn_t carrier[GUEST_PAGES];   /* frames in use before the guest: the carrier's */
static unsigned nr_carrier;

static void boot(void)
{
    unsigned long pfn;

    harness_boot(GUEST_PAGES);
    if (p2m_init(harness_mfn_list(), GUEST_PAGES, 2 * GUEST_PAGES) || m2p_init())
        fuzz_fail("shadow", "boot failed");
    nr_carrier = 0;
    for (pfn = 0; pfn < GUEST_PAGES; pfn++)
        if (harness_frame_in_use(_pfn(pfn)))
            carrier[nr_carrier++] = _pfn(pfn);
    harness_snapshot_free(booted);
    booted = harness_snapshot_take();
}

/* --- what one input's guest is ------------------------------------------------------ */

static struct {
    uint64_t guest_pfns;             /* the configured memory limit */
    pfn_t own[OWN_FRAMES];
    bool host[GUEST_PAGES];          /* by pfn: the host's, as the allocator tells it */
    bool pool[GUEST_PAGES];          /* by pfn: taken by shadow_init (the pool, its bitmap) */
    pfn_t pool_pfn[GUEST_PAGES];
    unsigned nr_pool;
    pfn_t groot[MAX_ROOTS];          /* every root the guest named, to find every cached root */
    unsigned nr_groots;
    pfn_t current;                   /* the root shadow_new_root last loaded (INVALID: linear) */
    char reason[256];                /* the kill reason, once killed */
} g;

/*
 * What every shadow table slot held at the last check, by the table's pfn, so
 * that entries an operation made can be told from old ones.  A table not walked
 * at the last check is new (or new again) and every entry in it is too.
 */
static uint64_t seen[GUEST_PAGES][PT_ENTRIES];
static unsigned long seen_at[GUEST_PAGES], checks;

#define fail(...) fuzz_failf("shadow", __VA_ARGS__)

/* PVMMU_FUZZ_TRACE=1: every operation and what came of it, to read a crash by. */
static void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void trace(const char *fmt, ...)
{
    va_list ap;

    if (!getenv("PVMMU_FUZZ_TRACE"))
        return;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

struct cursor { const uint8_t *p, *end; };

static unsigned next(struct cursor *c)
{
    return c->p < c->end ? *c->p++ : 0;
}

static bool is_host(pfn_t pfn)
{
    return pfn_x(pfn) < GUEST_PAGES && g.host[pfn_x(pfn)];
}

/* Is pfn the guest's memory: below its limit, with a machine frame behind it, not the host's? */
static bool guest_frame(pfn_t pfn)
{
    return pfn_x(pfn) < g.guest_pfns && mfn_valid_value(harness_pfn_to_mfn(pfn)) && !is_host(pfn);
}

static pte_t *gtable_of(pfn_t pfn)
{
    return pfn_to_virt(pfn);   /* callers make sure pfn has memory behind it */
}

/*
 * The host, as a carrier sets it up: the guest's own frames first (they are the
 * guest's memory), then shadow_init, whose frames are told apart by asking the
 * allocator what it handed out meanwhile; then the carrier's own frames, which
 * the guest must never reach either, are reserved.
 */
static const unsigned cache_sizes[] = { 1, 2, 3, 32 };
static const unsigned pool_sizes[] = { 8, 12, 40, 200 };
static const int64_t limits[] = { 0, -64, +64, 0 };   /* guest_pfns - GUEST_PAGES */

static void start_host(struct cursor *c)
{
    unsigned a = next(c), b = next(c), i;
    struct shadow_config cfg = shadow_default_config;
    bool before[GUEST_PAGES];

    memset(&g, 0, sizeof(g));
    g.current = INVALID_PFN;
    checks++;   /* a new guest: no table was seen at the check before its first */
    g.guest_pfns = (uint64_t)(GUEST_PAGES + limits[(a >> 4) & 3]);
    for (i = 0; i < OWN_FRAMES; i++)
        g.own[i] = frame_alloc();
    for (i = 0; i < GUEST_PAGES; i++)
        before[i] = harness_frame_in_use(_pfn(i));
    cfg.guest_pfns = g.guest_pfns;
    cfg.cache_roots = cache_sizes[a & 3];
    cfg.policy = (enum shadow_evict)((a >> 2) % 3);
    cfg.pool_frames = pool_sizes[(a >> 6) & 3];
    cfg.seed = b;
    if (shadow_init(&cfg))
        fail("shadow_init refused a good configuration: %s", pvmmu_last_error());
    for (i = 0; i < GUEST_PAGES; i++)
        if (harness_frame_in_use(_pfn(i)) && !before[i]) {
            g.host[i] = g.pool[i] = true;
            g.pool_pfn[g.nr_pool++] = _pfn(i);
        }
    for (i = 0; i < nr_carrier; i++) {
        g.host[pfn_x(carrier[i])] = true;
        if (pfn_x(carrier[i]) < g.guest_pfns && shadow_reserve_host_frame(carrier[i]))
            fail("reserving the carrier's pfn 0x%llx failed", (unsigned long long)pfn_x(carrier[i]));
    }
}

/* --- frames, addresses and entries from the input ----------------------------------- */

/* A frame an entry may name: mostly the guest's own tables, often something worse. */
static pfn_t any_frame(struct cursor *c)
{
    unsigned s = next(c), k = s & 15;

    switch (s >> 4) {
    case 10: return carrier[k % nr_carrier];
    case 11: return k & 1 ? harness_mfn_to_pfn(shadow_cr3()) : g.pool_pfn[k % g.nr_pool];
    case 12: return _pfn(g.guest_pfns + (k & 3));                 /* just beyond the guest */
    case 13: return _pfn(g.guest_pfns - 1 - k);                   /* the guest's, not its own */
    case 14: return _pfn(((1ULL << 40) - 1) - k);                 /* far beyond everything */
    case 15: return _pfn((uint64_t)next(c) << 16 | next(c) << 8 | next(c));
    default: return g.own[s % OWN_FRAMES];
    }
}

static const unsigned l4_slots[] = { 0, 1, 255, 256, 271, 272, 273, 511 };
static const unsigned low_slots[] = { 0, 1, 2, 511 };

/* An address: a few slots per level, so walks meet the tables the input wrote. */
static uint64_t any_va(struct cursor *c)
{
    unsigned a = next(c), b = next(c);
    uint64_t va;

    if (a == 0xff)   /* a guest-physical address: what linear mode maps */
        return pfn_x(any_frame(c)) << PAGE_SHIFT;
    va = (uint64_t)l4_slots[a & 7] << 39 | (uint64_t)low_slots[(a >> 3) & 3] << 30 |
         (uint64_t)low_slots[(a >> 5) & 3] << 21 | (uint64_t)low_slots[b & 3] << 12;
    return b & 0x80 ? va : va_canonical(va);   /* sometimes not canonical at all */
}

/* An entry: sane table flags half the time (so walks go deep), any flags otherwise. */
static pte_t any_entry(struct cursor *c)
{
    unsigned lo = next(c), hi = next(c);
    pfn_t pfn = any_frame(c);
    uint64_t flags;

    if (!(hi & 0xc0))
        flags = _PAGE_PRESENT | (lo & (_PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY));
    else
        flags = lo | (hi & 1 ? _PAGE_GLOBAL : 0) | (hi & 2 ? _PAGE_AVAIL0 : 0) |
                (hi & 4 ? 1ULL << 52 : 0) | (hi & 8 ? 1ULL << 62 : 0);
    if (hi & 0x10)
        flags |= _PAGE_NX;
    return (pte_t){ (pfn_x(pfn) << PAGE_SHIFT & PTE_ADDR_MASK) | flags };
}

/* A slot of one of the guest's own tables. */
static pte_t *any_own_slot(struct cursor *c)
{
    unsigned f = next(c), s = next(c);
    unsigned slot = s & 8 ? l4_slots[s & 7] : low_slots[s & 3];

    return &gtable_of(g.own[f % OWN_FRAMES])[slot];
}

/* --- the guest's tables, as the rules read them ------------------------------------- */

/* docs/shadow.md: flags that kill in a present entry (PSE is PAT in an L1, a superpage above). */
static bool flags_refused(pte_t e, int level)
{
    return (e.v & (_PAGE_PWT | _PAGE_PCD | _PAGE_PSE)) || (level > 1 && (e.v & _PAGE_GLOBAL));
}

enum verdict { MAPPED, NOT_PRESENT, BAD_FLAGS, BAD_FRAME };

/* The guest's walk of va from groot down to `level`: what the host must conclude. */
struct gwalk {
    pte_t e[PT_LEVELS + 1];   /* e[l]: the level-l entry */
    bool rw, user, nx;        /* the path's rights, combined as the hardware does */
    pfn_t bad;                /* BAD_FRAME: the frame that is not the guest's */
};

static enum verdict guest_walk(pfn_t groot, uint64_t va, int level, struct gwalk *w)
{
    pfn_t table = groot;
    int l;

    w->rw = w->user = true;
    w->nx = false;
    w->bad = groot;
    if (!guest_frame(groot))
        return BAD_FRAME;
    for (l = PT_LEVELS; l >= level; l--) {
        pte_t e = gtable_of(table)[pt_index(va, l)];

        w->e[l] = e;
        if (!pte_present(e))
            return NOT_PRESENT;
        if (flags_refused(e, l))
            return BAD_FLAGS;
        w->bad = pte_pfn(e);
        if (!guest_frame(pte_pfn(e)))
            return BAD_FRAME;
        w->rw = w->rw && (e.v & _PAGE_RW);
        w->user = w->user && (e.v & _PAGE_USER);
        w->nx = w->nx || (e.v & _PAGE_NX);
        table = pte_pfn(e);
    }
    return MAPPED;
}

/* The guest's own slot for va at `level` under groot, if every table on the way is its own. */
static pte_t *own_slot_on_path(pfn_t groot, uint64_t va, int level)
{
    pfn_t table = groot;
    int l, i;

    for (l = PT_LEVELS;; l--) {
        for (i = 0; i < OWN_FRAMES && !pfn_eq(g.own[i], table); i++)
            ;
        if (i == OWN_FRAMES)
            return NULL;
        if (l == level)
            return &gtable_of(table)[pt_index(va, l)];
        if (!pte_present(gtable_of(table)[pt_index(va, l)]))
            return NULL;
        table = pte_pfn(gtable_of(table)[pt_index(va, l)]);
    }
}

/* --- the shadow tables, as the hardware reads them ---------------------------------- */

#define SHADOW_BITS (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY | \
                     _PAGE_NX | PTE_ADDR_MASK)

static bool pool_frame(pfn_t pfn)
{
    return pfn_x(pfn) < GUEST_PAGES && g.pool[pfn_x(pfn)];
}

/* A shadow table, which must be one of the frames the host took for them. */
static const uint64_t *stable_at(mfn_t mfn, int level)
{
    pfn_t pfn = harness_mfn_to_pfn(mfn);

    if (!pfn_valid_value(pfn) || !pool_frame(pfn))
        fail("an L%d shadow table at mfn 0x%llx (pfn 0x%llx) is not one the host took", level,
             (unsigned long long)mfn_x(mfn), (unsigned long long)pfn_x(pfn));
    return model_frame_bytes(mfn);
}

/* The shadow entry for va at `level` under sroot, or NULL when a table above is missing. */
static const uint64_t *sslot(mfn_t sroot, uint64_t va, int level)
{
    mfn_t table = sroot;
    int l;

    for (l = PT_LEVELS; l > level; l--) {
        uint64_t e = stable_at(table, l)[pt_index(va, l)];

        if (!(e & _PAGE_PRESENT))
            return NULL;
        table = mpte_mfn((mpte_t){ e });
    }
    return &stable_at(table, level)[pt_index(va, level)];
}

/* Does the shadow let `errcode`'s access through at va, with nothing to fault on? */
static bool shadow_allows(mfn_t sroot, uint64_t va, unsigned errcode)
{
    bool rw = true, user = true, nx = false;
    int l;

    for (l = PT_LEVELS; l >= 1; l--) {
        const uint64_t *e = sslot(sroot, va, l);

        if (!e || !(*e & _PAGE_PRESENT))
            return false;
        rw = rw && (*e & _PAGE_RW);
        user = user && (*e & _PAGE_USER);
        nx = nx || (*e & _PAGE_NX);
    }
    return !((errcode & PF_WRITE) && !rw) && !((errcode & PF_USER) && !user) &&
           !((errcode & PF_INSTR) && nx);
}

/* Every cached shadow root, found from outside: the guest's roots, and CR3 (linear mode's). */
struct sroot { mfn_t mfn; pfn_t groot; bool linear; };

static unsigned cached_roots(struct sroot *out)
{
    unsigned n = 0, i, j;

    for (i = 0; i <= g.nr_groots; i++) {
        bool linear = i == g.nr_groots;
        mfn_t m = linear ? shadow_cr3() : shadow_sroot_of(g.groot[i]);

        if (!mfn_valid_value(m) || (linear && !shadow_linear_mode()))
            continue;
        for (j = 0; j < n && !mfn_eq(out[j].mfn, m); j++)
            ;
        if (j == n)
            out[n++] = (struct sroot){ m, linear ? INVALID_PFN : g.groot[i], linear };
    }
    if (n != shadow_cached_roots())
        fail("%u shadow roots found, the cache says it holds %u", n, shadow_cached_roots());
    return n;
}

/* --- the checker --------------------------------------------------------------------- */

/* What the operation said about the guest's entries, for the entries it may make. */
struct op_context {
    bool dead_before;
    bool reported_pte;        /* a shadow_set_pte: the leaf at va may be gpte's pre-install */
    pfn_t groot;
    uint64_t va;
    pte_t gpte;
};

struct walk_state {
    const struct sroot *root;
    const struct op_context *op;
    bool table_seen[GUEST_PAGES];
};

static void check_leaf_frame(uint64_t e, uint64_t va)
{
    mfn_t mfn = mpte_mfn((mpte_t){ e });
    pfn_t pfn = harness_mfn_to_pfn(mfn);

    if (!pfn_valid_value(pfn) || pfn_x(pfn) >= g.guest_pfns || is_host(pfn))
        fail("va 0x%llx maps mfn 0x%llx (pfn 0x%llx), which is not the guest's memory",
             (unsigned long long)va, (unsigned long long)mfn_x(mfn), (unsigned long long)pfn_x(pfn));
    if (!mfn_eq(p2m_lookup(pfn), mfn))
        fail("va 0x%llx maps mfn 0x%llx, which is not pfn 0x%llx's frame",
             (unsigned long long)va, (unsigned long long)mfn_x(mfn), (unsigned long long)pfn_x(pfn));
}

/* Linear mode: each page at its own pfn, supervisor only; nothing else. */
static void justify_linear(uint64_t e, uint64_t va, int level)
{
    if (e & _PAGE_USER)
        fail("linear mode's L%d entry for va 0x%llx lets user mode in", level, (unsigned long long)va);
    if (level == 1 && pfn_x(harness_mfn_to_pfn(mpte_mfn((mpte_t){ e }))) != va >> PAGE_SHIFT)
        fail("linear mode maps va 0x%llx to pfn 0x%llx", (unsigned long long)va,
             (unsigned long long)pfn_x(harness_mfn_to_pfn(mpte_mfn((mpte_t){ e }))));
}

/* Do a and b go through the same slot at every level (canonical or not)? */
static bool same_page(uint64_t a, uint64_t b)
{
    return ((a ^ b) & 0x0000fffffffff000ULL) == 0;
}

/* The guest entry behind a new shadow entry at `level`: the reported one, or its tables'. */
static pte_t guest_entry_behind(const struct walk_state *ws, uint64_t va, int level)
{
    const struct op_context *op = ws->op;
    struct gwalk w;
    enum verdict v;

    if (level == 1 && op->reported_pte && same_page(op->va, va) &&
        (pt_index(va, PT_LEVELS) >= L4_KERNEL_FIRST || pfn_eq(op->groot, ws->root->groot)))
        return op->gpte;
    v = guest_walk(ws->root->groot, va, level, &w);
    if (v != MAPPED)
        fail("a new L%d shadow entry for va 0x%llx (root pfn 0x%llx) has no good guest entry "
             "behind it (walk: %d)", level, (unsigned long long)va,
             (unsigned long long)pfn_x(ws->root->groot), (int)v);
    return w.e[level];
}

/* An entry the operation made: never more than the guest entry it shadows grants. */
static void justify(const struct walk_state *ws, uint64_t e, uint64_t va, int level)
{
    pte_t ge;

    if (ws->op->dead_before || shadow_guest_dead())
        fail("L%d entry 0x%llx for va 0x%llx was made after the guest was killed (%s)", level,
             (unsigned long long)e, (unsigned long long)va, shadow_kill_reason());
    if (ws->root->linear) {
        justify_linear(e, va, level);
        return;
    }
    ge = guest_entry_behind(ws, va, level);
    if ((e & _PAGE_RW) && !(ge.v & _PAGE_RW))
        fail("L%d entry for va 0x%llx is writable over a read-only guest entry 0x%llx", level,
             (unsigned long long)va, (unsigned long long)ge.v);
    if (level == 1 && (e & _PAGE_RW) && !(ge.v & _PAGE_DIRTY))
        fail("the leaf for va 0x%llx is writable but the guest's entry 0x%llx is not Dirty",
             (unsigned long long)va, (unsigned long long)ge.v);
    if ((e & _PAGE_USER) && !(ge.v & _PAGE_USER))
        fail("L%d entry for va 0x%llx lets user mode in; the guest's 0x%llx does not", level,
             (unsigned long long)va, (unsigned long long)ge.v);
    if (!(e & _PAGE_NX) && (ge.v & _PAGE_NX))
        fail("L%d entry for va 0x%llx lets code run; the guest's 0x%llx is NX", level,
             (unsigned long long)va, (unsigned long long)ge.v);
    if (level == 1 && !mfn_eq(mpte_mfn((mpte_t){ e }), harness_pfn_to_mfn(pte_pfn(ge))))
        fail("the leaf for va 0x%llx maps mfn 0x%llx; the guest's entry 0x%llx says pfn 0x%llx",
             (unsigned long long)va, (unsigned long long)mfn_x(mpte_mfn((mpte_t){ e })),
             (unsigned long long)ge.v, (unsigned long long)pfn_x(pte_pfn(ge)));
}

static void walk_table(struct walk_state *ws, mfn_t mfn, int level, uint64_t va_base);

static void check_entry(struct walk_state *ws, uint64_t e, bool made_now, int level, uint64_t va)
{
    if (e & ~SHADOW_BITS)
        fail("L%d entry 0x%llx for va 0x%llx has bits 0x%llx the host never sets", level,
             (unsigned long long)e, (unsigned long long)va, (unsigned long long)(e & ~SHADOW_BITS));
    if (made_now)
        justify(ws, e, va, level);
    if (level == 1)
        check_leaf_frame(e, va);
    else
        walk_table(ws, mpte_mfn((mpte_t){ e }), level - 1, va);
}

/* A shadow table: the host's, in one root only; then each of its present entries. */
static void walk_table(struct walk_state *ws, mfn_t mfn, int level, uint64_t va_base)
{
    const uint64_t *t = stable_at(mfn, level);
    pfn_t pfn = harness_mfn_to_pfn(mfn);
    bool all_new;
    unsigned i;

    if (ws->table_seen[pfn_x(pfn)])
        fail("shadow table pfn 0x%llx is reached twice", (unsigned long long)pfn_x(pfn));
    ws->table_seen[pfn_x(pfn)] = true;
    all_new = seen_at[pfn_x(pfn)] != checks - 1;
    for (i = 0; i < PT_ENTRIES; i++) {
        uint64_t va = va_canonical(va_base | (uint64_t)i << (PAGE_SHIFT + PT_ENTRY_SHIFT * (level - 1)));
        bool made_now = t[i] && (all_new || seen[pfn_x(pfn)][i] != t[i]);

        seen[pfn_x(pfn)][i] = t[i];
        if (level == PT_LEVELS && l4_slot_is_xen(i)) {
            if (t[i])
                fail("the host's L4 slot %u holds 0x%llx, which nobody put there", i,
                     (unsigned long long)t[i]);
            continue;
        }
        if (t[i] & _PAGE_PRESENT)
            check_entry(ws, t[i], made_now, level, va);
        else if (t[i])
            fail("L%d shadow entry 0x%llx for va 0x%llx is not present but not empty", level,
                 (unsigned long long)t[i], (unsigned long long)va);
    }
    seen_at[pfn_x(pfn)] = checks;
}

static void check_shadow_tables(const struct op_context *op)
{
    struct sroot roots[SHADOW_CACHE_MAX + 1];
    struct walk_state ws = { .op = op };
    unsigned n = cached_roots(roots), i;

    checks++;
    for (i = 0; i < n; i++) {
        ws.root = &roots[i];
        walk_table(&ws, roots[i].mfn, PT_LEVELS, 0);
    }
}

/* --- kills ------------------------------------------------------------------------------- */

/* The guest must be dead now, with a reason that names what was wrong. */
static void expect_killed(enum verdict v, pfn_t bad, const char *what)
{
    char pfn_text[40];

    if (!shadow_guest_dead())
        fail("%s: the guest lives on (verdict %d, pfn 0x%llx)", what, (int)v,
             (unsigned long long)pfn_x(bad));
    snprintf(pfn_text, sizeof(pfn_text), "pfn 0x%llx", (unsigned long long)pfn_x(bad));
    if (v == BAD_FRAME && !strstr(shadow_kill_reason(), pfn_text))
        fail("%s: the kill reason '%s' does not name %s", what, shadow_kill_reason(), pfn_text);
    if (v == BAD_FLAGS && !strstr(shadow_kill_reason(), "refused"))
        fail("%s: the kill reason '%s' does not name the refused flags", what, shadow_kill_reason());
}

static void expect_alive(const char *what)
{
    if (shadow_guest_dead())
        fail("%s killed a guest that did nothing wrong: %s", what, shadow_kill_reason());
}

/* A kill has a reason, and it is the first one for good. */
static void check_kill_reason(const struct op_context *op)
{
    if (!shadow_guest_dead())
        return;
    if (!shadow_kill_reason()[0])
        fail("the guest was killed without a reason");
    if (op->dead_before && strcmp(g.reason, shadow_kill_reason()))
        fail("the kill reason changed from '%s' to '%s'", g.reason, shadow_kill_reason());
    snprintf(g.reason, sizeof(g.reason), "%s", shadow_kill_reason());
}

/* --- the operations ---------------------------------------------------------------------- */

/* What the host must conclude from a fault, by the rules alone (docs/shadow.md). */
static enum shadow_fault expected_fault(uint64_t va, unsigned errcode, struct gwalk *w, enum verdict *v)
{
    pfn_t pfn = _pfn(va >> PAGE_SHIFT);

    *v = MAPPED;
    if (shadow_guest_dead())
        return SHADOW_KILLED;
    if (va_canonical(va) != va || l4_slot_is_xen(pt_index(va, PT_LEVELS)))
        return SHADOW_REFLECT;
    if (shadow_linear_mode())
        return !guest_frame(pfn) || (errcode & PF_USER) ? SHADOW_REFLECT : SHADOW_FIXED;
    *v = guest_walk(g.current, va, 1, w);
    if (*v == BAD_FLAGS || *v == BAD_FRAME)
        return SHADOW_KILLED;
    if (*v == NOT_PRESENT || ((errcode & PF_WRITE) && !w->rw) || ((errcode & PF_USER) && !w->user) ||
        ((errcode & PF_INSTR) && w->nx))
        return SHADOW_REFLECT;
    return SHADOW_FIXED;
}

static void op_fault(struct cursor *c)
{
    uint64_t va = any_va(c);
    unsigned errcode = next(c) & 0x1f;
    struct gwalk w;
    enum verdict v;
    enum shadow_fault want = expected_fault(va, errcode, &w, &v), got;
    bool dead_before = shadow_guest_dead();

    got = shadow_demand_page(va, errcode);
    trace("fault va 0x%llx error code 0x%x: %d (rules: %d)\n", (unsigned long long)va, errcode, (int)got,
          (int)want);
    if (got != want)
        fail("fault at va 0x%llx error code 0x%x: the host said %d, the rules say %d", (unsigned long long)va,
             errcode, (int)got, (int)want);
    if (got == SHADOW_KILLED && !dead_before)
        expect_killed(v, w.bad, "a fault through a bad entry");
    if (got == SHADOW_FIXED && !shadow_allows(shadow_cr3(), va, errcode))
        fail("fault at va 0x%llx error code 0x%x was fixed, yet the access faults again",
             (unsigned long long)va, errcode);
}

/* The shadow roots a change of va under groot reaches (update.c: the kernel half is everyone's). */
static unsigned roots_seeing(pfn_t groot, uint64_t va, struct sroot *out)
{
    struct sroot all[SHADOW_CACHE_MAX + 1];
    unsigned n = cached_roots(all), i, k = 0;

    for (i = 0; i < n; i++)
        if (!all[i].linear && (pt_index(va, 4) >= L4_KERNEL_FIRST || pfn_eq(all[i].groot, groot)))
            out[k++] = all[i];
    return k;
}

/* The leaf a pre-install of gpte makes: its frame, RW only when Dirty, the guest's rights. */
static bool is_preinstall_of(uint64_t e, pte_t gpte)
{
    uint64_t rights = _PAGE_RW | _PAGE_USER | _PAGE_NX;
    uint64_t want = gpte.v & rights & ~(gpte.v & _PAGE_DIRTY ? 0 : _PAGE_RW);

    return mfn_eq(mpte_mfn((mpte_t){ e }), harness_pfn_to_mfn(pte_pfn(gpte))) && (e & rights) == want;
}

static void op_set_pte(struct cursor *c, struct op_context *op)
{
    pfn_t groot = any_frame(c);
    uint64_t va = any_va(c);
    unsigned how = next(c);
    pte_t gpte = any_entry(c), *own = own_slot_on_path(groot, va, 1);
    struct sroot seeing[SHADOW_CACHE_MAX + 1];
    unsigned n = roots_seeing(groot, va, seeing), i;
    bool bad = flags_refused(gpte, 1) || !guest_frame(pte_pfn(gpte)), had_l1 = false;
    bool dead_before = shadow_guest_dead();
    bool may_stay = pte_present(gpte) && (gpte.v & _PAGE_ACCESSED) && !bad;

    op->reported_pte = true;
    op->groot = groot;
    op->va = va;
    op->gpte = gpte;

    for (i = 0; i < n; i++)
        had_l1 = had_l1 || sslot(seeing[i].mfn, va, 1);
    if (own && !(how & 1))   /* a guest that writes what it reports; or one that lies */
        *own = gpte;
    trace("set_pte root pfn 0x%llx va 0x%llx gpte 0x%llx%s\n", (unsigned long long)pfn_x(groot),
          (unsigned long long)va, (unsigned long long)gpte.v, own && !(how & 1) ? " (written)" : "");
    shadow_set_pte(groot, va, gpte);
    if (dead_before)
        return;
    if (l4_slot_is_xen(pt_index(va, PT_LEVELS)))
        expect_killed(MAPPED, INVALID_PFN, "set_pte in the host's slots");
    else if (had_l1 && pte_present(gpte) && (gpte.v & _PAGE_ACCESSED) && bad)
        expect_killed(flags_refused(gpte, 1) ? BAD_FLAGS : BAD_FRAME, pte_pfn(gpte), "a bad pre-install");
    else if (!bad)
        expect_alive("set_pte");
    for (i = 0; !shadow_guest_dead() && i < n; i++) {
        const uint64_t *e = sslot(seeing[i].mfn, va, 1);

        if (e && *e && !(may_stay && is_preinstall_of(*e, gpte)))
            fail("set_pte of va 0x%llx to 0x%llx left a stale leaf 0x%llx (root pfn 0x%llx)",
                 (unsigned long long)va, (unsigned long long)gpte.v, (unsigned long long)*e,
                 (unsigned long long)pfn_x(seeing[i].groot));
    }
}

static void op_set_upper(struct cursor *c)
{
    static void (*const report[])(pfn_t, uint64_t) = {
        NULL, NULL, shadow_set_pmd, shadow_set_pud, shadow_set_pgd,
    };
    int level = 2 + (int)(next(c) % 3);
    pfn_t groot = any_frame(c);
    uint64_t va = any_va(c);
    unsigned how = next(c);
    pte_t value = any_entry(c), *own = own_slot_on_path(groot, va, level);
    struct sroot seeing[SHADOW_CACHE_MAX + 1];
    unsigned n, i;
    bool dead_before = shadow_guest_dead();

    if (own && !(how & 1))
        *own = value;
    trace("set L%d root pfn 0x%llx va 0x%llx entry 0x%llx%s\n", level, (unsigned long long)pfn_x(groot),
          (unsigned long long)va, (unsigned long long)value.v, own && !(how & 1) ? " (written)" : "");
    report[level](groot, va);
    if (dead_before)
        return;
    if (l4_slot_is_xen(pt_index(va, PT_LEVELS))) {
        expect_killed(MAPPED, INVALID_PFN, "a change in the host's slots");
        return;
    }
    expect_alive("a reported upper entry");
    n = roots_seeing(groot, va, seeing);
    for (i = 0; i < n; i++) {
        const uint64_t *e = sslot(seeing[i].mfn, va, level);

        if (e && *e)
            fail("set_pmd/pud/pgd (L%d) of va 0x%llx left shadow entry 0x%llx (root pfn 0x%llx)", level,
                 (unsigned long long)va, (unsigned long long)*e, (unsigned long long)pfn_x(seeing[i].groot));
    }
}

static void remember_root(pfn_t groot)
{
    unsigned i;

    for (i = 0; i < g.nr_groots; i++)
        if (pfn_eq(g.groot[i], groot))
            return;
    if (g.nr_groots < MAX_ROOTS)
        g.groot[g.nr_groots++] = groot;
}

static void op_new_root(struct cursor *c)
{
    pfn_t groot = any_frame(c);
    bool dead_before = shadow_guest_dead();
    int rc;

    if (g.nr_groots == MAX_ROOTS)
        return;   /* the checker could lose track of a cached root */
    remember_root(groot);
    rc = shadow_new_root(groot);
    trace("new_root pfn 0x%llx: %d\n", (unsigned long long)pfn_x(groot), rc);
    if (dead_before) {
        if (!rc)
            fail("a dead guest switched roots");
        return;
    }
    if (!guest_frame(groot)) {
        expect_killed(BAD_FRAME, groot, "a bad root");
        return;
    }
    expect_alive("a good root");
    if (rc)
        fail("switching to root pfn 0x%llx failed: %d", (unsigned long long)pfn_x(groot), rc);
    if (!mfn_eq(shadow_cr3(), shadow_sroot_of(groot)) || shadow_linear_mode())
        fail("CR3 does not hold root pfn 0x%llx's shadow", (unsigned long long)pfn_x(groot));
    g.current = groot;
}

/* No entry of sroot's guest slots in [first, last] is left. */
static void expect_slots_empty(mfn_t sroot, unsigned first, unsigned last, const char *after)
{
    unsigned slot;

    for (slot = first; slot <= last; slot++)
        if (stable_at(sroot, PT_LEVELS)[slot])
            fail("after %s, slot %u of shadow root mfn 0x%llx still holds 0x%llx", after, slot,
                 (unsigned long long)mfn_x(sroot), (unsigned long long)stable_at(sroot, PT_LEVELS)[slot]);
}

static void op_flush_user(void)
{
    shadow_flush_user();
    expect_slots_empty(shadow_cr3(), L4_USER_FIRST, L4_USER_LAST, "a user flush");
}

static void op_invlpg(struct cursor *c)
{
    uint64_t va = any_va(c);
    const uint64_t *e;

    shadow_invlpg(va);
    e = l4_slot_is_xen(pt_index(va, PT_LEVELS)) ? NULL : sslot(shadow_cr3(), va, 1);
    if (e && *e)
        fail("after invlpg of va 0x%llx its leaf 0x%llx is still there", (unsigned long long)va,
             (unsigned long long)*e);
}

static void expect_everything_dropped(const char *after)
{
    struct sroot roots[SHADOW_CACHE_MAX + 1];
    unsigned n = cached_roots(roots), i;

    for (i = 0; i < n; i++) {
        expect_slots_empty(roots[i].mfn, L4_USER_FIRST, L4_USER_LAST, after);
        expect_slots_empty(roots[i].mfn, L4_KERNEL_FIRST, L4_KERNEL_LAST, after);
    }
}

static void op_clear_all(void)
{
    shadow_clear_all();
    expect_everything_dropped("clear_all");
}

static void op_hold(struct cursor *c)
{
    pfn_t groot = any_frame(c);
    bool dead_before = shadow_guest_dead();

    shadow_hold_root(groot);
    if (!dead_before && !guest_frame(groot))
        expect_killed(BAD_FRAME, groot, "pinning a bad root");
}

static void op_forget(struct cursor *c)
{
    pfn_t groot = any_frame(c);

    shadow_forget_root(groot);
    if (pfn_eq(groot, g.current) && !shadow_linear_mode()) {   /* CR3 keeps it, emptied */
        expect_slots_empty(shadow_cr3(), L4_USER_FIRST, L4_USER_LAST, "freeing the loaded root");
        expect_slots_empty(shadow_cr3(), L4_KERNEL_FIRST, L4_KERNEL_LAST, "freeing the loaded root");
    }
    else if (mfn_valid_value(shadow_sroot_of(groot)))
        fail("root pfn 0x%llx was freed, yet its shadow is still cached", (unsigned long long)pfn_x(groot));
}

/* A frame becomes the host's: from now on nothing may map it (the tables check that). */
static void op_reserve(struct cursor *c)
{
    pfn_t pfn = any_frame(c);

    if (shadow_reserve_host_frame(pfn) == 0 && pfn_x(pfn) < GUEST_PAGES)
        g.host[pfn_x(pfn)] = true;
}

/* The guest writes one of its tables and tells nobody. */
static void op_write(struct cursor *c)
{
    pte_t *slot = any_own_slot(c);

    *slot = any_entry(c);
    trace("write pfn 0x%llx slot %u: 0x%llx\n", (unsigned long long)pfn_x(virt_to_pfn(slot)),
          (unsigned)(((uintptr_t)slot & (PAGE_SIZE - 1)) / sizeof(*slot)), (unsigned long long)slot->v);
}

enum op { WRITE, SET_PTE, SET_UPPER, NEW_ROOT, FAULT, FLUSH_USER, INVLPG, CLEAR_ALL, HOLD, RELEASE,
          FORGET, RESERVE, NR_OPS };

static void one_op(struct cursor *c, struct op_context *op)
{
    unsigned code = next(c) % NR_OPS;

    *op = (struct op_context){ .dead_before = shadow_guest_dead() };
    trace("op %u\n", code);
    switch ((enum op)code) {
    case WRITE: op_write(c); break;
    case SET_PTE: op_set_pte(c, op); break;
    case SET_UPPER: op_set_upper(c); break;
    case NEW_ROOT: op_new_root(c); break;
    case FAULT: op_fault(c); break;
    case FLUSH_USER: op_flush_user(); break;
    case INVLPG: op_invlpg(c); break;
    case CLEAR_ALL: op_clear_all(); break;
    case HOLD: op_hold(c); break;
    case RELEASE: shadow_release_root(any_frame(c)); break;
    case FORGET: op_forget(c); break;
    case RESERVE: op_reserve(c); break;
    case NR_OPS: break;
    }
    shadow_tlb_flush_needed();   /* the carrier asks before every return to the guest */
}

void fuzz_shadow(const uint8_t *data, size_t size)
{
    struct cursor c = { data, data + size };
    struct op_context op = { 0 };

    if (!harness_snapshot_restore(booted))
        boot();
    start_host(&c);
    check_shadow_tables(&op);
    while (c.p < c.end) {
        one_op(&c, &op);
        check_kill_reason(&op);
        check_shadow_tables(&op);
    }
    shadow_shutdown();
    pvmmu_clear_errors();
}

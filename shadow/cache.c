/*S:700 Switching roots: the cache of shadow roots.
 *
 * The guest switches root on nearly every context switch, and a shadow root
 * built from nothing costs a fault for every page the process touches.  So,
 * like lguest, we keep several: a small table of slots, each the shadow root
 * of one guest root, found by the guest root's pfn.  A hit costs nothing but
 * loading CR3.  A miss takes a free slot, or throws one out.
 *
 * Which to throw out is the whole game.  lguest picked one at random ("Least
 * Recently Used might be better, but this is easy").  We keep a clock and throw
 * out the root switched to longest ago, which is right as long as the roots the
 * guest is using fit.  When they do not, and the guest cycles through more of
 * them than we keep (a round-robin scheduler with many processes), LRU is the
 * worst choice there is: it always throws out the root that is needed next.
 * So we remember the last roots thrown out (ghosts, as ARC calls them); when
 * misses keep finding their root among the ghosts, the guest is looping, and
 * we throw out the root used most recently instead, keeping the rest of the
 * cache for the next lap.  Misses on roots never seen before turn LRU back on.
 * Pure LRU and lguest's random choice are here too, for measuring against
 * (bench/shadow/).  All spare the roots the guest pinned (shadow_hold_root)
 * while anything else can go.
 *
 * A slot thrown out to make way for another guest root keeps its kernel half,
 * as lguest's did: every guest root maps the same kernel, and the guest tells
 * every cached root when a kernel entry changes (update.c), so what the old
 * root learnt about the kernel is still true for the new one.  A slot thrown
 * out because the pool ran dry goes whole, frames and all. :*/
/*M:940 The adaptive policy knows one pattern, the loop; within it, it keeps
 * all but one of the roots that fit (in the slots, or in the pool, whichever
 * is smaller) for good and rotates the last, which is the best any choice of
 * whole roots can do but still a rebuild on most switches: at an equal pool it
 * is 0.84 of lguest's rebuild faults (docs/bench-shadow.md), and prefetch
 * (demand.c) is what makes each rebuild cheap.  Holding every root the guest
 * cycles through costs the memory of its whole working set; keeping only the
 * hot part of each root (its L1s, not whole trees) would stretch a small pool
 * further, at the price of a per-table rather than per-root eviction. :*/
/*M:950 Pinning a root only makes it the last to go: when every root in the
 * cache is pinned, a pinned one is evicted anyway rather than refusing a
 * switch.  A guest that pins more roots than the cache holds gets no error,
 * only faults. :*/
/*M:960 Without PCIDs every CR3 load flushes the whole TLB, so only the loaded
 * root can go stale and one flag says when to flush.  With a PCID per cached
 * root, switching would keep each root's translations, and a drop from a root
 * that is not loaded would need its PCID invalidated too: the flag would become
 * a set of roots. :*/
#include "lib/lib_int.h"
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/report.h>
#include <xen/pvmmu/shadow.h>
#include "shadow/shadow_int.h"

#define HOST_SLOTS (L4_XEN_LAST - L4_XEN_FIRST + 1)

static struct shadow_root roots[SHADOW_CACHE_MAX];
static struct shadow_root *current;
static uint64_t clock, rng;
/*
 * The pinned roots, cached or not.  Far more than the cache holds, as M:950
 * promises: a guest may pin every address space it has (the spaces workload
 * pins 256), and pinning must not fail for want of room in this list.
 */
#define HELD_MAX 4096
static pfn_t held[HELD_MAX];
static unsigned nr_held;
static mpte_t host_l4e[HOST_SLOTS];
static bool tlb_flush_needed;
/* The adaptive policy's memory: the last roots evicted, and how sure we are it is a loop. */
#define GHOSTS SHADOW_CACHE_MAX
#define LOOP_SURE 2
#define LOOP_MAX 3
static pfn_t ghost[GHOSTS];
static unsigned ghost_next, loop_score;

struct shadow_root *scache_current(void)
{
    return current;
}

struct shadow_root *scache_slot(unsigned i)
{
    return i < shadow_cfg.cache_roots && roots[i].used ? &roots[i] : NULL;
}

struct shadow_root *scache_find(pfn_t groot)
{
    unsigned i;

    for (i = 0; i < shadow_cfg.cache_roots; i++)
        if (roots[i].used && !roots[i].linear && pfn_eq(roots[i].groot, groot))
            return &roots[i];
    return NULL;
}

static bool root_held(const struct shadow_root *r)
{
    unsigned i;

    for (i = 0; i < nr_held; i++)
        if (!r->linear && pfn_eq(held[i], r->groot))
            return true;
    return false;
}

static uint64_t next_random(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545F4914F6CDD1DULL;
}

/* Is r one the policy may throw out now?  pass 0 spares held roots, pass 1 does not. */
static bool evictable(const struct shadow_root *r, const struct shadow_root *spare, int pass)
{
    return r->used && r != spare && (pass || !root_held(r));
}

static bool looping(void)
{
    return shadow_cfg.policy == SHADOW_EVICT_ADAPTIVE && loop_score >= LOOP_SURE;
}

static void ghost_add(const struct shadow_root *r)
{
    if (r->linear)
        return;
    ghost[ghost_next] = r->groot;
    ghost_next = (ghost_next + 1) % GHOSTS;
}

/* A miss on groot: was it thrown out recently?  Then the guest is cycling past us. */
static void note_miss(pfn_t groot)
{
    unsigned i;

    for (i = 0; i < GHOSTS; i++)
        if (pfn_eq(ghost[i], groot)) {
            loop_score += loop_score < LOOP_MAX;
            ghost[i] = INVALID_PFN;
            return;
        }
    loop_score -= loop_score > 0;
}

static bool better_victim(const struct shadow_root *r, const struct shadow_root *best)
{
    if (!best)
        return true;
    return looping() ? r->last_used > best->last_used : r->last_used < best->last_used;
}

static struct shadow_root *pick(const struct shadow_root *spare, int pass)
{
    struct shadow_root *best = NULL;
    unsigned i, n = 0, k;

    for (i = 0; i < shadow_cfg.cache_roots; i++) {
        if (!evictable(&roots[i], spare, pass))
            continue;
        n++;
        if (better_victim(&roots[i], best))
            best = &roots[i];
    }
    if (!n || shadow_cfg.policy != SHADOW_EVICT_RANDOM)
        return best;
    k = (unsigned)(next_random() % n);
    for (i = 0; i < shadow_cfg.cache_roots; i++)
        if (evictable(&roots[i], spare, pass) && !k--)
            return &roots[i];
    return best;
}

/* The root to throw out, never `spare` (the one in CR3, when we are not leaving it). */
static struct shadow_root *victim(const struct shadow_root *spare)
{
    struct shadow_root *r = pick(spare, 0);

    return r ? r : pick(spare, 1);
}

/*S:730 The TLB.  We never install a GLOBAL shadow entry (check.c), so loading
 * CR3 forgets every translation of the root we leave, and a root that is not
 * loaded cannot be in the TLB at all.  Only the loaded root can go stale: when
 * an entry of it is dropped, the CPU may still hold the old translation, or
 * the old path through a shadow table that is back in the pool and about to be
 * something else.  So every drop from the loaded root raises a flag, and the
 * carrier, before it returns to the guest, flushes if shadow_tlb_flush_needed()
 * says so.  A switch raises it too: the new root may sit in the very frame
 * the old one did (a cache of one, or the linear root just freed), and then the
 * value loaded into CR3 would not change. :*/
void scache_note_drop(const struct shadow_root *r)
{
    if (r == current)
        tlb_flush_needed = true;
}

bool shadow_tlb_flush_needed(void)
{
    bool needed = tlb_flush_needed;

    tlb_flush_needed = false;
    return needed;
}

static void slot_free(struct shadow_root *r)
{
    scache_note_drop(r);
    sroot_release_guest_slots(r->sroot);
    spool_free(r->sroot);
    r->used = false;
}

/*
 * Make sure `frames` pool frames are free, throwing out other roots whole, and
 * at worst emptying the current one (its root frame stays: it is in CR3).  A
 * pool of 8 frames always has room for one fault's worth, which is 3.
 */
bool scache_make_room(unsigned frames)
{
    while (shadow_pool_free() < frames) {
        struct shadow_root *r = victim(current);

        if (!r)
            break;
        ghost_add(r);
        slot_free(r);
        shadow_counts.evictions++;
    }
    if (shadow_pool_free() < frames && current) {
        scache_note_drop(current);
        sroot_release_guest_slots(current->sroot);
    }
    if (shadow_pool_free() >= frames)
        return true;
    pvmmu_error("shadow: the pool has %u free frames, %u needed, and nothing left to evict",
                shadow_pool_free(), frames);
    return false;
}

static pfn_t new_sroot(void)
{
    pfn_t sroot;
    unsigned i;

    if (!scache_make_room(1))
        return INVALID_PFN;
    sroot = spool_alloc();
    for (i = 0; i < HOST_SLOTS; i++)
        stable(sroot)[L4_XEN_FIRST + i] = host_l4e[i];
    return sroot;
}

static struct shadow_root *slot_take(pfn_t groot, bool linear)
{
    struct shadow_root *r = NULL;
    unsigned i;

    for (i = 0; i < shadow_cfg.cache_roots && !r; i++)
        if (!roots[i].used)
            r = &roots[i];
    if (r) {
        r->sroot = new_sroot();
        if (!pfn_valid_value(r->sroot))
            return NULL;
    } else {
        /* We are leaving the current root, so it may go too (a cache of one). */
        r = victim(NULL);
        ghost_add(r);
        scache_note_drop(r);
        sroot_release_slots(r->sroot, L4_USER_FIRST, L4_USER_LAST);
        shadow_counts.evictions++;
    }
    r->used = true;
    r->linear = linear;
    r->groot = groot;
    return r;
}

/*S:720 Linear mode.  Before the guest has loaded a root of its own there are no
 * guest tables to shadow, yet it runs, so we give it what lguest's later
 * versions did: every page of its memory at the virtual address equal to its
 * guest-physical one, supervisor read-write.  That is a root like any other in
 * the cache, only with nothing behind it (demand.c makes up the entries).  The
 * first shadow_new_root() ends it for good and frees it: nothing the linear
 * root knew is true of a real root. :*/
void scache_init(void)
{
    mem_set(roots, 0, sizeof(roots));
    mem_set(host_l4e, 0, sizeof(host_l4e));
    for (ghost_next = 0; ghost_next < GHOSTS; ghost_next++)
        ghost[ghost_next] = INVALID_PFN;
    ghost_next = loop_score = 0;
    nr_held = 0;
    clock = 0;
    rng = shadow_cfg.seed * 2654435761ULL + 1;
    current = slot_take(INVALID_PFN, true);
}

void scache_shutdown(void)
{
    unsigned i;

    for (i = 0; i < SHADOW_CACHE_MAX; i++)
        if (roots[i].used)
            slot_free(&roots[i]);
    current = NULL;
    nr_held = 0;
    tlb_flush_needed = false;
}

static void leave_linear_mode(void)
{
    if (current && current->linear) {
        slot_free(current);
        current = NULL;
    }
}

/*
 * A root not cached: a slot for it, and a fresh root.  The root we are leaving
 * is fair game for the room that takes, whether the room is a slot (slot_take)
 * or pool frames (scache_make_room): while a switch is under way nothing is
 * current.  Sparing it would be LRU's instinct and the loop's undoing, since
 * in a loop the root just left is the one needed last (S:700).
 */
static struct shadow_root *build_root(pfn_t groot)
{
    struct shadow_root *leaving = current, *r;

    note_miss(groot);
    current = NULL;
    r = slot_take(groot, false);
    if (!r) {
        current = leaving && leaving->used ? leaving : NULL;
        return NULL;
    }
    shadow_counts.root_builds++;
    /* It may sit in the very frame, even the very slot, of the root just thrown out. */
    tlb_flush_needed = true;
    return r;
}

int shadow_new_root(pfn_t groot)
{
    struct shadow_root *r;

    if (!shadow_on_one_vcpu("shadow_new_root") || shadow_guest_dead())
        return -XEN_ESRCH;
    if (!sguest_frame_ok(groot, "the new root", 0))
        return -XEN_EINVAL;
    leave_linear_mode();
    r = scache_find(groot);
    if (r) {
        shadow_counts.root_hits++;
        if (r != current)
            tlb_flush_needed = true;
    } else {
        r = build_root(groot);
        if (!r)
            return -XEN_ENOMEM;
    }
    r->last_used = ++clock;
    current = r;
    return 0;
}

int shadow_hold_root(pfn_t groot)
{
    unsigned i;

    if (!sguest_frame_ok(groot, "the pinned root", 0))
        return -XEN_EINVAL;
    for (i = 0; i < nr_held; i++)
        if (pfn_eq(held[i], groot))
            return 0;
    if (nr_held == HELD_MAX) {
        pvmmu_error("shadow_hold_root(pfn 0x%llx): %u roots are pinned already",
                    (unsigned long long)pfn_x(groot), nr_held);
        return -XEN_ENOSPC;
    }
    held[nr_held++] = groot;
    return 0;
}

void shadow_release_root(pfn_t groot)
{
    unsigned i;

    for (i = 0; i < nr_held; i++)
        if (pfn_eq(held[i], groot)) {
            held[i] = held[--nr_held];
            return;
        }
}

void shadow_forget_root(pfn_t groot)
{
    struct shadow_root *r = scache_find(groot);

    shadow_release_root(groot);
    if (!r)
        return;
    /* Freeing the root it runs on is the guest's folly; CR3 still needs a root. */
    if (r == current) {
        scache_note_drop(r);
        sroot_release_guest_slots(r->sroot);
    } else
        slot_free(r);
}

/*S:780 The host's own slots.  lguest mapped its Switcher (the code that moves
 * between host and guest) into the top of every shadow root, where the guest
 * was told not to go.  Our host keeps L4 slots 256..271 for the same purpose,
 * the slots Xen keeps for itself under PV: whatever the carrier puts there
 * appears in every shadow root, now and when a root is made, and no guest
 * entry can ever claim them (update.c kills a guest that tries). :*/
int shadow_set_host_l4e(unsigned slot, mpte_t e)
{
    unsigned i;

    if (!l4_slot_is_xen(slot)) {
        pvmmu_error("shadow_set_host_l4e: slot %u is the guest's, not one of %u..%u", slot,
                    L4_XEN_FIRST, L4_XEN_LAST);
        return -XEN_EINVAL;
    }
    host_l4e[slot - L4_XEN_FIRST] = e;
    for (i = 0; i < SHADOW_CACHE_MAX; i++)
        if (roots[i].used)
            stable(roots[i].sroot)[slot] = e;
    return 0;
}

mfn_t shadow_cr3(void)
{
    return current ? p2m_lookup(current->sroot) : INVALID_MFN;
}

bool shadow_linear_mode(void)
{
    return current && current->linear;
}

unsigned shadow_cached_roots(void)
{
    unsigned i, n = 0;

    for (i = 0; i < SHADOW_CACHE_MAX; i++)
        n += roots[i].used;
    return n;
}

mfn_t shadow_sroot_of(pfn_t groot)
{
    struct shadow_root *r = scache_find(groot);

    return r ? p2m_lookup(r->sroot) : INVALID_MFN;
}

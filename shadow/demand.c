/*S:400 Looking up an entry when the guest faults.
 *
 * The hardware faulted on `va` in the current shadow root, and the carrier's
 * #PF handler calls us with the address and the error code the CPU pushed.
 * Either the guest's tables map the address and our shadow just has not caught
 * up (we copy the entry in, and the guest never knows), or they do not, and the
 * fault is the guest's own: we tell the carrier to reflect it.
 *
 * With four levels the walk is lguest's with two more steps: follow the guest's
 * L4, L3 and L2 entries (each must be present, or it is the guest's fault, and
 * each must pass check.c, or the guest dies), noting the permissions the
 * hardware would AND together on the way; then the L1 entry.  A write through a
 * read-only path, or a user access through a supervisor one, or an instruction
 * fetch through a no-execute one, is the guest's own fault.  lguest only
 * looked at the PTE for these, which was right for its tables; ours copy the
 * guest's upper permissions into the shadow (check.c), so if we judged by the
 * L1 alone we would "fix" a fault the hardware would take again, forever.
 *
 * Then we do what the hardware would have done to the guest's tables: set
 * Accessed on the way down, and Dirty on a write.  And we fill the shadow path,
 * allocating any shadow table that is missing, in one go: one fault per first
 * touch, however many levels were empty. :*/
/*M:980 The prefetch window is fixed (shadow_config.prefetch) and trusts the
 * Accessed bits the guest never clears.  A guest that ages its pages (clears
 * Accessed to find the cold ones) would make it fill only what is hot, which
 * is the point; a guest that never does makes it fill everything it ever
 * touched in the window, which costs copying but never a fault. :*/
/*M:990 The error code is trusted for its access bits and not checked further:
 * a reserved-bit fault (PF_RSVD) cannot come from tables we build (check.c
 * keeps every reserved bit clear), so it is treated like any other fault
 * rather than as the host bug it would be.  A carrier may want to throw
 * everything away (shadow_clear_all) and report it instead. :*/
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/shadow.h>
#include "shadow/shadow_int.h"

/* What the walk of the guest's tables found. */
struct gwalk {
    pte_t gentry[PT_LEVELS + 1];   /* gentry[l]: the entry of the level-l table */
    pte_t *gslot[PT_LEVELS + 1];   /* where it lives, to write A/D back (NULL: made up) */
    bool rw, user, nx;             /* the path's permissions, as the hardware combines them */
};

enum walk_result { WALK_MAPPED, WALK_NOT_MAPPED, WALK_KILLED };

static void note_permissions(struct gwalk *w, pte_t e)
{
    w->rw = w->rw && (pte_flags(e) & _PAGE_RW);
    w->user = w->user && (pte_flags(e) & _PAGE_USER);
    w->nx = w->nx || (pte_flags(e) & _PAGE_NX);
}

static enum walk_result walk_guest(pfn_t groot, uint64_t va, struct gwalk *w)
{
    pfn_t table = groot;
    int l;

    if (!sguest_frame_ok(groot, "the root", va))
        return WALK_KILLED;
    for (l = PT_LEVELS; l >= 1; l--) {
        pte_t *slot = &gtable(table)[pt_index(va, l)];
        pte_t e = *slot;

        if (!pte_present(e))
            return WALK_NOT_MAPPED;
        if (!sguest_entry_ok(e, l, va))
            return WALK_KILLED;
        w->gentry[l] = e;
        w->gslot[l] = slot;
        note_permissions(w, e);
        table = pte_pfn(e);
    }
    return WALK_MAPPED;
}

/*
 * Linear mode (cache.c): no guest tables, so we make the entries up: the page
 * at va is pfn va >> 12, supervisor read-write, already Accessed and Dirty
 * because there is no guest entry to keep those bits in.  An address with no
 * guest memory behind it, or with the host's, is simply not mapped.  "No
 * memory" is not only "beyond the limit": a pfn below it may have no machine
 * frame (a hole the p2m leaves), and mapping it would put INVALID_MFN's bits in
 * a shadow entry, that is, some machine frame nobody chose (found by the
 * shadow fuzzer).
 */
static enum walk_result walk_linear(uint64_t va, struct gwalk *w)
{
    pfn_t pfn = _pfn(va >> PAGE_SHIFT);
    pte_t table = pte_make(_pfn(0), _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED);
    int l;

    if (pfn_x(pfn) >= shadow_cfg.guest_pfns || shadow_is_host_frame(pfn) ||
        !mfn_valid_value(p2m_lookup(pfn)))
        return WALK_NOT_MAPPED;
    for (l = PT_LEVELS; l > 1; l--) {
        w->gentry[l] = table;
        w->gslot[l] = NULL;
    }
    w->gentry[1] = pte_make(pfn, _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY);
    w->gslot[1] = NULL;
    w->user = false;
    return WALK_MAPPED;
}

static bool guests_own_fault(const struct gwalk *w, unsigned errcode)
{
    return ((errcode & PF_WRITE) && !w->rw) || ((errcode & PF_USER) && !w->user) ||
           ((errcode & PF_INSTR) && w->nx);
}

/* What the hardware would have written: Accessed all the way down, Dirty on a write. */
static void mark_guest_entries(struct gwalk *w, unsigned errcode)
{
    int l;

    for (l = PT_LEVELS; l >= 1; l--) {
        uint64_t set = _PAGE_ACCESSED | (l == 1 && (errcode & PF_WRITE) ? _PAGE_DIRTY : 0);

        if ((w->gentry[l].v & set) == set)
            continue;
        w->gentry[l].v |= set;
        if (w->gslot[l])
            *w->gslot[l] = w->gentry[l];
    }
}

/*S:430 An upper shadow entry we already have may no longer say what the
 * guest's entry says: a guest that changes an upper entry and does not tell us
 * (it should, update.c) still expects what the hardware gives it, a retry that
 * walks its tables as they are now.  If our entry grants other rights than the
 * guest's does now, keeping it would make this fault one we can never fix: the
 * guest's walk allows the access, our stale entry refuses it, and the guest
 * faults at the same place for ever (found by the shadow fuzzer).  So a fault
 * rebuilds the path from the first upper entry whose rights disagree. :*/
#define RIGHTS (_PAGE_RW | _PAGE_USER | _PAGE_NX)

static bool sentry_stale(mpte_t sentry, pte_t gentry)
{
    return (mpte_flags(sentry) & RIGHTS) != (pte_flags(gentry) & RIGHTS);
}

/* The shadow L1 entry for va in root r, allocating the shadow tables above it. */
static mpte_t *spte_alloc(const struct shadow_root *r, uint64_t va, const struct gwalk *w)
{
    pfn_t table = r->sroot;
    int l;

    for (l = PT_LEVELS; l > 1; l--) {
        mpte_t *sentry = &stable(table)[pt_index(va, l)];

        if (mpte_present(*sentry) && sentry_stale(*sentry, w->gentry[l])) {
            scache_note_drop(r);
            sentry_release(sentry, l);
            shadow_counts.invalidations++;
        }
        if (!mpte_present(*sentry)) {
            pfn_t fresh = spool_alloc();   /* room was made for it (make_room_for) */

            if (!pfn_valid_value(fresh))
                return NULL;
            *sentry = gtable_to_sentry(fresh, w->gentry[l]);
            table = fresh;
            continue;
        }
        table = stable_below(*sentry);
        if (!pfn_valid_value(table))
            return NULL;
    }
    return &stable(table)[pt_index(va, 1)];
}

/*S:435 How many shadow tables the fault will take from the pool: those below
 * the first upper entry on the path that is missing or stale, none if the L1
 * is there.  lguest could take a page from the host whenever it liked; we
 * have a pool, and making room means throwing out another root's tables, so
 * we make exactly as much as the fault needs.  Asking for three every time
 * would evict a root whenever the pool had fewer than three frames free, even
 * for a fault that needs none, and 4 roots of 7 frames would never fit in 28.
 * The count is taken after the guest's walk, which tells which of our entries
 * are stale, and again after making room, in case that emptied the current
 * root (cache.c): then the whole path is missing, and the pool has room for it. :*/
static unsigned tables_needed(const struct shadow_root *r, uint64_t va, const struct gwalk *w)
{
    pfn_t table = r->sroot;
    int l;

    for (l = PT_LEVELS; l > 1; l--) {
        mpte_t sentry = stable(table)[pt_index(va, l)];

        if (!mpte_present(sentry) || sentry_stale(sentry, w->gentry[l]))
            return (unsigned)(l - 1);
        table = stable_below(sentry);
        if (!pfn_valid_value(table))
            return (unsigned)(l - 1);
    }
    return 0;
}

static bool make_room_for(const struct shadow_root *r, uint64_t va, const struct gwalk *w)
{
    return scache_make_room(tables_needed(r, va, w)) && scache_make_room(tables_needed(r, va, w));
}

static enum shadow_fault reflect(void)
{
    shadow_counts.reflected++;
    return SHADOW_REFLECT;
}

/*S:420 The Dirty bit is the subtle part, and lguest's answer is still the best
 * one.  If a read faults on a page the guest calls writable but has not yet
 * written, we install the shadow entry read-only anyway.  Then the first write
 * faults too, and we get to set Dirty in the guest's entry: if we had installed
 * it writable, the hardware would set Dirty in OUR entry, which the guest never
 * sees, and the guest would throw away a page it had changed.  A page that is
 * Dirty already has nothing more to tell, so it goes in writable at once. :*/
/*S:440 Prefetching.  A root rebuilt after an eviction faults again on every
 * page its process touches, though the guest's L1 says plainly which pages
 * those are: the hardware set Accessed in each the first time.  So, as KVM's
 * shadow MMU does (eight entries, aligned), the fault that fills one entry
 * also fills the entries around it in an aligned window of shadow_cfg.prefetch
 * that are present and Accessed in the guest's L1 and have no shadow yet.
 * They are the same L1 under the same upper entries, so the rights the
 * hardware ANDs down the path are the fault's own.  Each goes in by the rules
 * of the pre-install (update.c): writable only if Dirty already, since we
 * cannot see the guest write it otherwise, and never an entry the guest has
 * not Accessed, since setting Accessed is the hardware's job and nobody
 * touched it.  A neighbour we would refuse is skipped, not fatal: the guest
 * has not asked the hardware to walk it (check.c).  The work is counted
 * (prefetched) beside the faults it saves. :*/
static void prefetch_neighbours(mpte_t *spte, const pte_t *gpte, uint64_t va)
{
    unsigned index = pt_index(va, 1), first = index & ~(shadow_cfg.prefetch - 1), i;
    mpte_t *sl1 = spte - index;
    const pte_t *gl1 = gpte - index;

    for (i = first; i < first + shadow_cfg.prefetch; i++) {
        pte_t g = gl1[i];

        if (i == index || mpte_present(sl1[i]) || !pte_present(g) ||
            !(pte_flags(g) & _PAGE_ACCESSED) || !sguest_entry_fits(g, 1))
            continue;
        sl1[i] = gpte_to_spte(g, pte_flags(g) & _PAGE_DIRTY);
        shadow_counts.prefetched++;
    }
}

enum shadow_fault shadow_demand_page(uint64_t va, unsigned errcode)
{
    struct shadow_root *root = scache_current();
    struct gwalk w = { .rw = true, .user = true, .nx = false };
    enum walk_result found;
    mpte_t *spte;
    pte_t gpte;

    if (!shadow_on_one_vcpu("shadow_demand_page"))
        return SHADOW_KILLED;
    shadow_counts.demand_faults++;
    if (shadow_guest_dead())
        return SHADOW_KILLED;
    /* The host's slots are none of the guest's business, and never mapped for it. */
    if (!root || va_canonical(va) != va || va_is_host_slot(va))
        return reflect();
    found = root->linear ? walk_linear(va, &w) : walk_guest(root->groot, va, &w);
    if (found == WALK_KILLED)
        return SHADOW_KILLED;
    if (found == WALK_NOT_MAPPED || guests_own_fault(&w, errcode))
        return reflect();
    if (!make_room_for(root, va, &w)) {
        shadow_kill_guest("the host is out of shadow table frames at va 0x%llx",
                          (unsigned long long)va);
        return SHADOW_KILLED;
    }
    mark_guest_entries(&w, errcode);
    spte = spte_alloc(root, va, &w);
    if (!spte) {
        shadow_kill_guest("the host's shadow tables for va 0x%llx are corrupt",
                          (unsigned long long)va);
        return SHADOW_KILLED;
    }
    gpte = w.gentry[1];
    *spte = gpte_to_spte(gpte, pte_flags(gpte) & _PAGE_DIRTY);
    if (shadow_cfg.prefetch && w.gslot[1])   /* linear mode has no guest L1 to read */
        prefetch_neighbours(spte, w.gslot[1], va);
    shadow_counts.fixed++;
    return SHADOW_FIXED;
}

/*P:100 The p2m: a linear table in a window, with holes that cost nothing.
 *
 * Every page-table entry the MMU layer writes needs pfn -> mfn, so the lookup is
 * the hottest thing in this folder.  Linux once walked a three-level tree for it;
 * since 3.19 it reads a flat array instead, and so do we: p2m_linear.entries is a
 * virtual window of max_pfns entries and a lookup is `entries[pfn]` after a bounds
 * check (see p2m_lookup() in p2m.h).
 *
 * A flat array the size of the maximum would be expensive if every page of it had
 * to be real: 8 bytes per 4 KiB frame is 2 MiB per GiB, so a guest booted with
 * 1 GiB and room to grow to 64 GiB would pay 128 MiB for memory it does not
 * have.  So the window is only virtual:
 * each of its pages (a "leaf", 512 entries) is mapped onto
 *
 *   a leaf frame of its own    when some entry in it says something particular,
 *   the shared "missing" leaf  all INVALID: ballooned out, never there, room to grow,
 *   the shared "identity" leaf for I/O holes, where the answer is mfn == pfn.
 *
 * The shared leaves are mapped read-only: nobody may write through them, because
 * a write would change the answer for every hole at once.  The identity leaf holds
 * INVALID too (it must: the toolstack knows only MFNs and INVALID, and an I/O hole
 * is nothing to save), so a load cannot tell the two holes apart.  Only then, on
 * an INVALID, does the lookup leave the inline path and ask which frame backs
 * that page of the window: that is the slow path, and holes are rare.
 *
 * Which frame backs which leaf is remembered in pfn terms, in "leaf directory"
 * pages (one per 512 leaves, i.e. per GiB of pfns, allocated only once a leaf in
 * its range stops being a plain hole).  Pfn terms, because a restore moves every
 * frame to a new mfn but keeps the pfns: after resume the directory is still
 * true, and the frame lists the toolstack needs are rebuilt from it. :*/
#include "lib/lib_int.h"
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include "p2m/p2m_int.h"
#include "lib/spinlock.h"

struct p2m_linear p2m_linear;

#define NO_DIRECTORY INVALID_PFN_RAW

static struct {
    uint64_t max_pfns;      /* what the window answers for */
    uint64_t nr_leaves;     /* pages in the window */
    uint64_t extent;        /* the count the toolstack is told (arch.max_pfn) */
    uint64_t own_leaves;    /* leaf frames of our own */
    pfn_t missing_leaf;
    pfn_t identity_leaf;
    /* Per 512 leaves: the pfn of the page naming each leaf's backing frame, or NO_DIRECTORY. */
    uint64_t directory[P2M_LIST_MAX_PFNS / (P2M_PER_LEAF * P2M_LEAVES_PER_MID)];
    shared_info_t *published;   /* set by frame_list.c's p2m_publish(), via p2m_note_published() */
} p2m;

static uint64_t leaf_of(pfn_t pfn) { return pfn_x(pfn) / P2M_PER_LEAF; }
static uint64_t *window_page(uint64_t leaf) { return p2m_linear.entries + leaf * P2M_PER_LEAF; }

/*P:110 The leaf directory.  A range with no directory page is all missing leaves;
 * that is how a guest with 1 GiB of RAM and room for 512 GiB pays for the room
 * with nothing but the window's page-table entries. :*/
pfn_t p2m_leaf_frame(uint64_t leaf)
{
    uint64_t dir = p2m.directory[leaf / P2M_LEAVES_PER_MID];
    const uint64_t *slots;

    if (dir == NO_DIRECTORY)
        return p2m.missing_leaf;
    slots = pfn_to_virt(_pfn(dir));
    return _pfn(slots[leaf % P2M_LEAVES_PER_MID]);
}

static int directory_prepare(uint64_t leaf)
{
    uint64_t mid = leaf / P2M_LEAVES_PER_MID, i, *slots;
    pfn_t page;

    if (p2m.directory[mid] != NO_DIRECTORY)
        return 0;
    page = frame_alloc();
    if (!pfn_valid_value(page)) {
        pvmmu_error("p2m: no frame for the leaf directory of leaves %llu..%llu",
                    (unsigned long long)(mid * P2M_LEAVES_PER_MID),
                    (unsigned long long)(mid * P2M_LEAVES_PER_MID + P2M_LEAVES_PER_MID - 1));
        return -XEN_ENOMEM;
    }
    slots = pfn_to_virt(page);
    for (i = 0; i < P2M_LEAVES_PER_MID; i++)
        slots[i] = pfn_x(p2m.missing_leaf);
    p2m.directory[mid] = pfn_x(page);
    return 0;
}

/*P:120 Changing what backs a page of the window.  Everything that may fail (the
 * directory page, the toolstack's mid page) is got first, so that a failure leaves
 * the old answer standing; then the window, the directory and the frame lists move
 * together. :*/
static int leaf_install(uint64_t leaf, pfn_t frame, bool writable)
{
    uint64_t *slots;
    int rc;

    rc = directory_prepare(leaf);
    if (rc)
        return rc;
    rc = p2m_frame_list_prepare(leaf);
    if (rc)
        return rc;
    /* The virtual list's readers see the window itself: odd while it moves (virt_list.c). */
    p2m_generation_begin();
    rc = p2m_window_map(window_page(leaf), frame, writable);
    if (rc) {
        p2m_generation_end();
        pvmmu_error("p2m: mapping leaf %llu (pfns from 0x%llx) onto pfn 0x%llx failed: %d",
                    (unsigned long long)leaf, (unsigned long long)(leaf * P2M_PER_LEAF),
                    (unsigned long long)pfn_x(frame), rc);
        return rc;
    }
    slots = pfn_to_virt(_pfn(p2m.directory[leaf / P2M_LEAVES_PER_MID]));
    slots[leaf % P2M_LEAVES_PER_MID] = pfn_x(frame);
    p2m_frame_list_note(leaf);
    p2m_generation_end();
    return 0;
}

static bool leaf_is_own(pfn_t frame)
{
    return !pfn_eq(frame, p2m.missing_leaf) && !pfn_eq(frame, p2m.identity_leaf);
}

/*P:130 A leaf of its own, replacing a shared one.  Its entries start as given
 * (at boot, from Xen's list), and the rest say what the shared leaf meant:
 * INVALID for the missing leaf, but for the identity leaf each entry's own pfn,
 * written out.  Copying the identity leaf's bytes instead would quietly turn its
 * other I/O pfns into holes. :*/
static int leaf_own(uint64_t leaf, const uint64_t *given, uint64_t nr_given)
{
    bool identity = pfn_eq(p2m_leaf_frame(leaf), p2m.identity_leaf);
    uint64_t first = leaf * P2M_PER_LEAF, i, *entries;
    pfn_t frame = frame_alloc();
    int rc;

    if (!pfn_valid_value(frame)) {
        pvmmu_error("p2m: no frame for a leaf of its own at pfns 0x%llx..0x%llx",
                    (unsigned long long)first, (unsigned long long)(first + P2M_PER_LEAF - 1));
        return -XEN_ENOMEM;
    }
    entries = pfn_to_virt(frame);
    for (i = 0; i < P2M_PER_LEAF; i++)
        entries[i] = i < nr_given ? given[i] : identity ? first + i : INVALID_MFN_RAW;
    rc = leaf_install(leaf, frame, true);
    if (rc) {
        frame_free(frame);
        return rc;
    }
    p2m.own_leaves++;
    return 0;
}

/*P:140 The slow path.  Only an INVALID load (or a pfn beyond the table) gets
 * here; the directory says whether the page is the identity leaf. :*/
enum p2m_backing p2m_backing_of(pfn_t pfn)
{
    pfn_t frame;

    if (pfn_x(pfn) >= p2m_linear.nr_pfns)
        return P2M_BACKING_OUT_OF_RANGE;
    frame = p2m_leaf_frame(leaf_of(pfn));
    if (pfn_eq(frame, p2m.missing_leaf))
        return P2M_BACKING_MISSING;
    if (pfn_eq(frame, p2m.identity_leaf))
        return P2M_BACKING_IDENTITY;
    return P2M_BACKING_OWN;
}

mfn_t p2m_lookup_slow(pfn_t pfn)
{
    if (pfn_x(pfn) >= p2m_linear.nr_pfns)
        return INVALID_MFN;
    if (p2m_backing_of(pfn) == P2M_BACKING_IDENTITY)
        return _mfn(pfn_x(pfn));
    return _mfn(p2m_linear.entries[pfn_x(pfn)]);
}

static void extent_grow(pfn_t pfn)
{
    if (pfn_x(pfn) < p2m.extent)
        return;
    p2m.extent = pfn_x(pfn) + 1;
    if (p2m.published)
        p2m.published->arch.max_pfn = p2m.extent;
}

/*P:155 And the way back: a leaf of its own whose last entry became INVALID (the
 * balloon gave back a whole 2 MiB, say) says nothing the missing leaf does not,
 * so the window page goes back to the missing leaf and the frame to the
 * allocator.  leaf_install moves the window, the directory and the frame list's
 * mid slot together, inside a generation bump like any other repointing; if it
 * fails, the own leaf simply stays (it is still right).  A toolstack in the middle
 * of a live migration sees the bump (the list) and aborts, or (the tree) keeps the
 * old leaf mapped: as with any leaf change, the guest must not balloon whole
 * leaves away while it is being migrated. :*/
/* Outward from the entry just cleared: a balloon clears a run of pfns, and the nearest neighbour
 * still valid ends the search at once, whichever way the run goes. */
static bool leaf_all_missing(pfn_t cleared)
{
    const uint64_t *entries = window_page(leaf_of(cleared));
    uint64_t at = pfn_x(cleared) % P2M_PER_LEAF, d;

    for (d = 1; d < P2M_PER_LEAF; d++)
        if ((at + d < P2M_PER_LEAF && entries[at + d] != INVALID_MFN_RAW) ||
            (at >= d && entries[at - d] != INVALID_MFN_RAW))
            return false;
    return true;
}

static void leaf_release(uint64_t leaf)
{
    pfn_t frame = p2m_leaf_frame(leaf);

    if (leaf_install(leaf, p2m.missing_leaf, false))
        return;
    frame_free(frame);
    p2m.own_leaves--;
}

/*P:150 Setting an entry.  The rule that keeps holes free: a leaf is allocated
 * only when an entry is about to say something its shared leaf does not already
 * say.  So INVALID into a hole, or pfn into an identity range, is a no-op. :*/
static int entry_store(pfn_t pfn, mfn_t mfn)
{
    int rc;

    if (mfn_eq(p2m_lookup(pfn), mfn))
        return 0;
    if (!leaf_is_own(p2m_leaf_frame(leaf_of(pfn)))) {
        rc = leaf_own(leaf_of(pfn), NULL, 0);
        if (rc)
            return rc;
    }
    /* One atomic store: a toolstack may be reading the list while we run (arch-x86/xen.h). */
    __atomic_store_n(&p2m_linear.entries[pfn_x(pfn)], mfn_x(mfn), __ATOMIC_RELAXED);
    if (!mfn_valid_value(mfn) && leaf_all_missing(pfn))
        leaf_release(leaf_of(pfn));
    return 0;
}

/*
 * Writers take the p2m lock (docs/smp-locks.md): two vCPUs setting entries of one
 * missing leaf would each give it a frame of its own.  Readers take nothing: an
 * entry is one atomic store, and a leaf is mapped in the window before any entry
 * of it is written.
 */
static struct spinlock p2m_lock = SPINLOCK_INIT(LOCK_P2M);

static int p2m_set_locked(pfn_t pfn, mfn_t mfn)
{
    int rc;

    if (pfn_x(pfn) >= p2m_linear.nr_pfns) {
        pvmmu_error("p2m_set(pfn 0x%llx, mfn 0x%llx): pfn beyond the p2m's %llu pfns",
                    (unsigned long long)pfn_x(pfn), (unsigned long long)mfn_x(mfn),
                    (unsigned long long)p2m_linear.nr_pfns);
        return -XEN_ERANGE;
    }
    rc = entry_store(pfn, mfn);
    if (!rc && mfn_valid_value(mfn))
        extent_grow(pfn);
    return rc;
}

int p2m_set(pfn_t pfn, mfn_t mfn)
{
    int rc;

    spin_lock(&p2m_lock);
    rc = p2m_set_locked(pfn, mfn);
    spin_unlock(&p2m_lock);
    return rc;
}

/*P:160 Identity ranges (I/O holes, where Xen lets the guest map machine frames
 * that are nobody's RAM).  Whole leaves that are still holes get the shared
 * identity leaf; a leaf of its own just has its entries written.  They are not
 * RAM, so they do not stretch the extent the toolstack saves. :*/
/*M:610 p2m: a leaf of its own that becomes wholly identity keeps its frame (one
 * that becomes wholly missing goes back: P:155).  And identity entries written one by one
 * are MFNs that are not ours to the toolstack, so a restore brings them back as
 * INVALID: the kernel must re-apply its I/O ranges after resume. :*/
static int p2m_set_identity_locked(pfn_t first, uint64_t count)
{
    uint64_t pfn = pfn_x(first), end = pfn_x(first) + count;
    int rc;

    if (end < pfn || end > p2m_linear.nr_pfns) {
        pvmmu_error("p2m_set_identity(pfn 0x%llx, count %llu): beyond the p2m's %llu pfns",
                    (unsigned long long)pfn, (unsigned long long)count,
                    (unsigned long long)p2m_linear.nr_pfns);
        return -XEN_ERANGE;
    }
    while (pfn < end) {
        uint64_t leaf = pfn / P2M_PER_LEAF;
        bool whole = pfn % P2M_PER_LEAF == 0 && end - pfn >= P2M_PER_LEAF;

        if (whole && pfn_eq(p2m_leaf_frame(leaf), p2m.missing_leaf)) {
            rc = leaf_install(leaf, p2m.identity_leaf, false);
            if (rc)
                return rc;
            pfn += P2M_PER_LEAF;
            continue;
        }
        rc = entry_store(_pfn(pfn), _mfn(pfn));
        if (rc)
            return rc;
        pfn++;
    }
    return 0;
}

int p2m_set_identity(pfn_t first, uint64_t count)
{
    int rc;

    spin_lock(&p2m_lock);
    rc = p2m_set_identity_locked(first, count);
    spin_unlock(&p2m_lock);
    return rc;
}

uint64_t p2m_max_pfns(void) { return p2m.max_pfns; }
uint64_t p2m_extent(void) { return p2m.extent; }
uint64_t p2m_own_leaves(void) { return p2m.own_leaves; }

uint64_t p2m_nr_leaves(void) { return p2m.nr_leaves; }
pfn_t p2m_missing_leaf_frame(void) { return p2m.missing_leaf; }

void p2m_note_published(shared_info_t *si)
{
    p2m.published = si;
}

/*P:170 Boot.  Xen hands a PV guest its p2m as a plain array (start_info's
 * mfn_list); we copy it into leaves of our own, leaf by leaf, and leave every
 * leaf whose entries are all INVALID a hole.  Before that the whole window is
 * pointed at the missing leaf, so there is never a page of it that faults. :*/
/*M:620 p2m: one p2m_window_map() per page of holes at boot.  Linux points whole L2
 * entries at a shared L1 full of missing leaves, which would make 512 GiB of room
 * cost 512 mappings instead of 128 Ki. :*/
static pfn_t shared_leaf_alloc(const char *which)
{
    pfn_t frame = frame_alloc();
    uint64_t i, *entries;

    if (!pfn_valid_value(frame)) {
        pvmmu_error("p2m_init: no frame for the shared %s leaf", which);
        return frame;
    }
    entries = pfn_to_virt(frame);
    for (i = 0; i < P2M_PER_LEAF; i++)
        entries[i] = INVALID_MFN_RAW;
    return frame;
}

static bool any_valid(const uint64_t *mfns, uint64_t count)
{
    uint64_t i;

    for (i = 0; i < count; i++)
        if (mfns[i] != INVALID_MFN_RAW)
            return true;
    return false;
}

static int leaf_from_list(uint64_t leaf, const uint64_t *mfn_list, uint64_t nr_pages)
{
    uint64_t first = leaf * P2M_PER_LEAF;
    uint64_t nr = nr_pages - first < P2M_PER_LEAF ? nr_pages - first : P2M_PER_LEAF;

    if (!any_valid(mfn_list + first, nr))
        return 0;
    return leaf_own(leaf, mfn_list + first, nr);
}

static int check_sizes(uint64_t nr_pages, uint64_t max_pfns)
{
    if (nr_pages == 0 || max_pfns > P2M_LIST_MAX_PFNS || nr_pages > max_pfns) {
        pvmmu_error("p2m_init(nr_pages %llu, max_pfns %llu): need 0 < nr_pages <= max_pfns <= %llu",
                    (unsigned long long)nr_pages, (unsigned long long)max_pfns,
                    (unsigned long long)P2M_LIST_MAX_PFNS);
        return -XEN_EINVAL;
    }
    return 0;
}

static int window_setup(void)
{
    uint64_t leaf;
    int rc;

    p2m_linear.entries = p2m_window_reserve(p2m.nr_leaves * PAGE_SIZE);
    if (!p2m_linear.entries) {
        pvmmu_error("p2m_init: no virtual window of %llu bytes for %llu pfns",
                    (unsigned long long)(p2m.nr_leaves * PAGE_SIZE), (unsigned long long)p2m.max_pfns);
        return -XEN_ENOMEM;
    }
    for (leaf = 0; leaf < p2m.nr_leaves; leaf++) {
        rc = p2m_window_map(window_page(leaf), p2m.missing_leaf, false);
        if (rc) {
            pvmmu_error("p2m_init: mapping window page %llu onto the missing leaf failed: %d",
                        (unsigned long long)leaf, rc);
            return rc;
        }
    }
    return 0;
}

int p2m_init(const uint64_t *mfn_list, uint64_t nr_pages, uint64_t max_pfns)
{
    uint64_t leaf, i;
    int rc;

    p2m_linear = (struct p2m_linear){ 0 };
    p2m.max_pfns = p2m.nr_leaves = p2m.extent = 0;
    p2m.published = 0;
    p2m.own_leaves = 0;
    for (i = 0; i < ARRAY_SIZE(p2m.directory); i++)
        p2m.directory[i] = NO_DIRECTORY;
    p2m_frame_list_reset();
    p2m_list_reset();

    rc = check_sizes(nr_pages, max_pfns);
    if (rc)
        return rc;
    rc = m2p_init();
    if (rc)
        return rc;
    p2m.max_pfns = max_pfns;
    p2m.nr_leaves = (max_pfns + P2M_PER_LEAF - 1) / P2M_PER_LEAF;
    p2m.extent = nr_pages;
    p2m.missing_leaf = shared_leaf_alloc("missing");
    p2m.identity_leaf = shared_leaf_alloc("identity");
    if (!pfn_valid_value(p2m.missing_leaf) || !pfn_valid_value(p2m.identity_leaf))
        return -XEN_ENOMEM;
    rc = window_setup();
    if (rc)
        return rc;
    p2m_linear.nr_pfns = max_pfns;
    for (leaf = 0; leaf * P2M_PER_LEAF < nr_pages; leaf++) {
        rc = leaf_from_list(leaf, mfn_list, nr_pages);
        if (rc) {
            p2m_linear.nr_pfns = 0;
            return rc;
        }
    }
    return 0;
}

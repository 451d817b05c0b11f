/*P:510 Ballooning: giving frames back, and taking them back.
 *
 * A PV guest owns machine frames; to shrink, it must hand some back to Xen
 * (XENMEM_decrease_reservation), and to grow again it asks for new ones
 * (XENMEM_populate_physmap), which come back as whatever MFNs Xen has free.
 * Three things must stay true on the way:
 *
 *   - a frame given back is one nobody uses.  Xen does not check (since XSA-252
 *     it does not even unpin): a page table or p2m leaf given back stays alive
 *     while referenced, the memory never really leaves, and the guest's
 *     bookkeeping lies.  So the frames come from frame_alloc(): a frame the
 *     allocator hands us is, by its contract, nobody's.  The balloon then holds
 *     it, and nothing else can get it.
 *   - the frame is not mapped any more: its direct-map entry would keep it
 *     referenced (and a stray access to it would read another domain's memory
 *     once Xen hands it on).  Its l1e is cleared first, and the TLB flushed.
 *   - the p2m says "missing" for it, through p2m_set(), so that the frame lists
 *     the toolstack saves from stay true and every other user of the p2m (a
 *     virtual linear list, a generation count) hears of the change.
 *
 * Growing is the same steps backwards: populate, tell the m2p, map, p2m_set,
 * and only then free the frame into the allocator.
 *
 * Xen may do less than asked: `done` < n.  Whatever was not done is put back
 * exactly as it was (p2m entry, direct-map entry, the allocator's frame), and
 * the shortfall is reported; the next target change tries again. :*/
#include <xen/pvmmu/aspace.h>
#include "balloon/balloon.h"
#include <xen/pvmmu/platform.h>
#include "lib/lib_int.h"
#include "pinning/pinning_int.h"
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/pte.h>
#include <xen/pvmmu/report.h>

/* The direct map's entry for a data frame (arch/x86/xen/directmap.c, tests/harness/boot.c). */
#define DIRECT_MAP_DATA_FLAGS (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)

/*P:515 Which pfns are out.  The balloon writes them down itself, one bit per pfn
 * of its range, when Xen has taken the frame, and clears the bit when a new frame
 * is in place.  It once read them off the p2m (a hole in its range was a page it
 * gave back), which saved the bitmap and was wrong as soon as anything else made
 * a hole: high_pfn= renames a frame to a high pfn and leaves its old pfn empty,
 * and the balloon "brought back" a page it never gave.  Only what is written
 * down is brought back; a hole it did not make is not its business. :*/
static struct {
    bool ready;
    uint64_t first, end;    /* the pfns it may give back: the allocator's */
    uint64_t ceiling;       /* the most it holds: the boot size, or end when it may grow past it */
    uint64_t out;           /* given back, not yet brought back: the bits set */
    uint64_t cursor;        /* where the search for a ballooned pfn goes on */
    uint64_t *gone;         /* bit (pfn - first): given back */
} balloon;

static bool is_out(uint64_t pfn)
{
    uint64_t bit = pfn - balloon.first;

    return (balloon.gone[bit / 64] >> (bit % 64)) & 1;
}

static void mark(uint64_t pfn, bool out)
{
    uint64_t bit = pfn - balloon.first, m = 1ULL << (bit % 64);

    balloon.gone[bit / 64] = out ? balloon.gone[bit / 64] | m : balloon.gone[bit / 64] & ~m;
}

static bool is_hole(uint64_t pfn)
{
    return !mfn_valid_value(p2m_lookup(_pfn(pfn)));
}

uint64_t balloon_bitmap_words(pfn_t first, pfn_t end)
{
    return pfn_x(end) > pfn_x(first) ? (pfn_x(end) - pfn_x(first) + 63) / 64 : 0;
}

bool balloon_gave_back(pfn_t pfn)
{
    return balloon.ready && pfn_x(pfn) >= balloon.first && pfn_x(pfn) < balloon.end && is_out(pfn_x(pfn));
}

int balloon_init(pfn_t first, pfn_t end, uint64_t boot_pages, uint64_t *bitmap, uint64_t bitmap_words)
{
    uint64_t i;

    balloon.ready = false;
    if (pfn_x(first) >= pfn_x(end) || pfn_x(end) > p2m_max_pfns() || pfn_x(first) >= boot_pages) {
        pvmmu_error("balloon_init(pfns 0x%llx..0x%llx, %llu boot pages): need first < end, first < boot pages "
                    "and end <= the p2m's %llu pfns", (unsigned long long)pfn_x(first),
                    (unsigned long long)pfn_x(end), (unsigned long long)boot_pages,
                    (unsigned long long)p2m_max_pfns());
        return -XEN_EINVAL;
    }
    if (!bitmap || bitmap_words < balloon_bitmap_words(first, end)) {
        pvmmu_error("balloon_init(pfns 0x%llx..0x%llx): its record of pfns given back needs %llu words, got %llu",
                    (unsigned long long)pfn_x(first), (unsigned long long)pfn_x(end),
                    (unsigned long long)balloon_bitmap_words(first, end),
                    (unsigned long long)(bitmap ? bitmap_words : 0));
        return -XEN_EINVAL;
    }
    for (i = 0; i < bitmap_words; i++)
        bitmap[i] = 0;
    balloon.gone = bitmap;
    balloon.first = balloon.cursor = pfn_x(first);
    balloon.end = pfn_x(end);
    balloon.ceiling = pfn_x(end) > boot_pages ? pfn_x(end) : boot_pages;
    balloon.out = 0;
    for (i = boot_pages; i < balloon.end; i++) {   /* room to grow: not populated yet */
        mark(i, true);
        balloon.out++;
    }
    balloon.ready = true;
    return 0;
}

uint64_t balloon_ceiling(void) { return balloon.ceiling; }
uint64_t balloon_pages_now(void) { return balloon.ceiling - balloon.out; }
uint64_t balloon_pages_out(void) { return balloon.out; }

/* --- the hypercalls, each result checked ------------------------------------------ */

static long reservation_op(unsigned cmd, xen_pfn_t *extents, unsigned n, const char *what)
{
    struct xen_memory_reservation r = {
        .nr_extents = n, .extent_order = 0, .mem_flags = 0, .domid = DOMID_SELF,
    };
    long rc;

    set_xen_guest_handle(r.extent_start, extents);
    rc = hv_memory_op(cmd, &r);
    if (rc < 0)
        pvmmu_error("balloon: %s of %u frames failed: %ld", what, n, rc);
    else if (rc > n) {
        pvmmu_error("balloon: %s of %u frames says %ld done", what, n, rc);
        rc = -XEN_EINVAL;
    }
    return rc;
}

static int update_checked(mmu_update_t *reqs, unsigned n, const char *what)
{
    unsigned done = 0;
    long rc = hv_mmu_update(reqs, n, &done, DOMID_SELF);

    if (rc || done != n) {
        pvmmu_error("balloon: %s: mmu_update failed at request %u of %u (ptr 0x%llx): %ld", what, done, n,
                    (unsigned long long)(done < n ? reqs[done].ptr : 0), rc);
        return rc ? (int)rc : -XEN_EINVAL;
    }
    return 0;
}

static int flush_tlb(void)
{
    struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };
    unsigned done = 0;
    long rc = hv_mmuext_op(&op, 1, &done, DOMID_SELF);

    if (rc || done != 1) {
        pvmmu_error("balloon: flushing the TLB after unmapping frames failed: %ld", rc);
        return rc ? (int)rc : -XEN_EINVAL;
    }
    return 0;
}

/* The direct-map entries of pfns[0..n): each made `val[i]` (0: unmapped). */
static int direct_map_set(const pfn_t *pfns, const uint64_t *val, unsigned n, const char *what)
{
    mmu_update_t reqs[BALLOON_BATCH];
    unsigned i;

    for (i = 0; i < n; i++)
        reqs[i] = (mmu_update_t){ direct_map_l1e_maddr(pfns[i]) | MMU_NORMAL_PT_UPDATE, val[i] };
    return update_checked(reqs, n, what);
}

/*P:520 Giving back one batch.  The order matters: unmap (and flush) before the
 * frame leaves us, so no access can reach it after; the p2m says missing before
 * Xen is asked, as in Linux, so a lookup never answers a frame that is gone.
 * What Xen did not take goes back exactly as it was. :*/
struct batch {
    pfn_t pfn[BALLOON_BATCH];
    xen_pfn_t frame[BALLOON_BATCH];   /* the mfns going (decrease) or coming (populate) */
    uint64_t l1e[BALLOON_BATCH];      /* the direct-map entries before */
    unsigned n;
};

static int take_free_frames(struct batch *b, unsigned want)
{
    uint64_t maddr;
    mpte_t cur;
    int rc;

    for (b->n = 0; b->n < want; b->n++) {
        pfn_t pfn = frame_alloc();

        if (!pfn_valid_value(pfn))
            break;
        rc = direct_map_l1e_read(pfn, &maddr, &cur);
        if (rc) {
            frame_free(pfn);
            return rc;
        }
        b->pfn[b->n] = pfn;
        b->frame[b->n] = mfn_x(p2m_lookup(pfn));
        b->l1e[b->n] = cur.v;
    }
    return 0;
}

static void put_back(struct batch *b, unsigned from)
{
    unsigned i;

    if (from < b->n && direct_map_set(b->pfn + from, b->l1e + from, b->n - from,
                                      "remapping frames Xen did not take")) {
        /* Their direct map is gone: keep them out of the allocator rather than hand out a fault. */
        pvmmu_error("balloon: %u frames stay set aside, unmapped", b->n - from);
        return;
    }
    for (i = from; i < b->n; i++) {
        if (p2m_set(b->pfn[i], _mfn(b->frame[i])))
            pvmmu_error("balloon: pfn 0x%llx: its p2m entry could not be put back",
                        (unsigned long long)pfn_x(b->pfn[i]));
        frame_free(b->pfn[i]);
    }
}

static int unmap_and_forget(struct batch *b)
{
    uint64_t zero[BALLOON_BATCH] = { 0 };
    unsigned i;
    int rc;

    rc = direct_map_set(b->pfn, zero, b->n, "unmapping frames to give back");
    if (!rc)
        rc = flush_tlb();
    for (i = 0; !rc && i < b->n; i++)
        rc = p2m_set(b->pfn[i], INVALID_MFN);
    return rc;
}

static int decrease_batch(unsigned want, struct balloon_report *r)
{
    struct batch b;
    long done;
    unsigned i;
    int rc = take_free_frames(&b, want);

    if (rc || !b.n) {
        put_back(&b, 0);
        if (!rc)
            pvmmu_error("balloon: the frame allocator has no free frame to give back (%llu given back, "
                        "%llu asked)", (unsigned long long)r->given_back, (unsigned long long)r->asked);
        r->short_of_target = true;
        return rc;
    }
    rc = unmap_and_forget(&b);
    if (rc) {
        put_back(&b, 0);
        return rc;
    }
    done = reservation_op(XENMEM_decrease_reservation, b.frame, b.n, "decrease_reservation");
    if (done < 0) {
        put_back(&b, 0);
        return (int)done;
    }
    if ((unsigned)done < b.n) {
        pvmmu_error("balloon: decrease_reservation took %ld of %u frames (first refused: pfn 0x%llx, "
                    "mfn 0x%llx): the rest stay ours", done, b.n, (unsigned long long)pfn_x(b.pfn[done]),
                    (unsigned long long)b.frame[done]);
        r->short_of_target = true;
    }
    for (i = 0; i < (unsigned)done; i++)
        mark(pfn_x(b.pfn[i]), true);
    put_back(&b, (unsigned)done);
    balloon.out += (uint64_t)done;
    r->given_back += (uint64_t)done;
    return 0;
}

/*P:530 Taking back one batch.  Xen hands out whatever MFNs it has; for a PV
 * guest it writes them over the pfns we asked with.  The m2p is told first (one
 * MMU_MACHPHYS_UPDATE each: Xen's populate does it too, but the guest states what
 * it relies on), then the direct map, then the p2m.  A frame is written and read
 * back through its new mapping before the allocator gets it. :*/
static unsigned pick_ballooned(struct batch *b, unsigned want)
{
    uint64_t scanned, span = balloon.end - balloon.first, pfn = balloon.cursor;

    b->n = 0;
    for (scanned = 0; scanned < span && b->n < want; scanned++, pfn++) {
        if (pfn >= balloon.end)
            pfn = balloon.first;
        if (is_out(pfn)) {
            b->pfn[b->n] = _pfn(pfn);
            b->frame[b->n++] = pfn;    /* populate_physmap: in, the gpfn; out, the mfn */
        }
    }
    balloon.cursor = pfn;
    return b->n;
}

static bool reads_back(pfn_t pfn)
{
    volatile uint64_t *page = pfn_to_virt(pfn);
    uint64_t mark = 0xba110c0000000000ULL ^ pfn_x(pfn);

    page[0] = mark;
    page[PAGE_SIZE / 8 - 1] = ~mark;
    return page[0] == mark && page[PAGE_SIZE / 8 - 1] == ~mark;
}

static int map_populated(struct batch *b, unsigned n)
{
    mmu_update_t reqs[BALLOON_BATCH];
    uint64_t l1e[BALLOON_BATCH];
    unsigned i;
    int rc;

    for (i = 0; i < n; i++) {
        reqs[i] = (mmu_update_t){ mfn_to_maddr(_mfn(b->frame[i])) | MMU_MACHPHYS_UPDATE, pfn_x(b->pfn[i]) };
        l1e[i] = mfn_to_maddr(_mfn(b->frame[i])) | DIRECT_MAP_DATA_FLAGS;
    }
    rc = update_checked(reqs, n, "m2p of populated frames");
    if (!rc)
        rc = direct_map_set(b->pfn, l1e, n, "mapping populated frames");
    for (i = 0; !rc && i < n; i++)
        rc = p2m_set(b->pfn[i], _mfn(b->frame[i]));
    return rc;
}

static int increase_batch(unsigned want, struct balloon_report *r)
{
    struct batch b;
    long done;
    unsigned i;
    int rc;

    if (!pick_ballooned(&b, want)) {
        pvmmu_error("balloon: %llu pages counted out, but none of pfns 0x%llx..0x%llx is recorded as given back",
                    (unsigned long long)balloon.out, (unsigned long long)balloon.first,
                    (unsigned long long)balloon.end - 1);
        return -XEN_EINVAL;
    }
    done = reservation_op(XENMEM_populate_physmap, b.frame, b.n, "populate_physmap");
    if (done < 0)
        return (int)done;
    if ((unsigned)done < b.n) {
        pvmmu_error("balloon: populate_physmap gave %ld of %u frames (Xen's limit for us?): pfns from 0x%llx "
                    "stay holes", done, b.n, (unsigned long long)pfn_x(b.pfn[done]));
        r->short_of_target = true;
    }
    rc = map_populated(&b, (unsigned)done);
    if (rc)
        return rc;   /* the frames are ours but half set up: not handed to the allocator */
    for (i = 0; i < (unsigned)done; i++) {
        if (reads_back(b.pfn[i]))
            r->verified++;
        else
            pvmmu_error("balloon: pfn 0x%llx (new mfn 0x%llx) does not read back what was written",
                        (unsigned long long)pfn_x(b.pfn[i]), (unsigned long long)b.frame[i]);
        frame_free(b.pfn[i]);
    }
    for (i = 0; i < (unsigned)done; i++)
        mark(pfn_x(b.pfn[i]), false);
    balloon.out -= (uint64_t)done;
    r->brought_back += (uint64_t)done;
    if (!done)
        r->short_of_target = true;
    return 0;
}

/*P:540 The target.  Batches until the count is right, or a batch made no
 * progress (the allocator is empty, Xen said no): then it stops, says so, and
 * waits for the next change of target. :*/
static unsigned batch_of(uint64_t left)
{
    return left < BALLOON_BATCH ? (unsigned)left : BALLOON_BATCH;
}

int balloon_set_target(uint64_t target_pages, struct balloon_report *out)
{
    struct balloon_report r = { 0 };
    int rc = 0;

    if (!balloon.ready) {
        pvmmu_error("balloon_set_target(%llu pages): balloon_init has not run", (unsigned long long)target_pages);
        return -XEN_EINVAL;
    }
    r.capped = target_pages > balloon.ceiling;
    r.target_pages = r.capped ? balloon.ceiling : target_pages;
    if (r.target_pages < balloon_pages_now()) {
        r.asked = balloon_pages_now() - r.target_pages;
        while (!rc && !r.short_of_target && r.given_back < r.asked)
            rc = decrease_batch(batch_of(r.asked - r.given_back), &r);
    } else {
        r.asked = r.target_pages - balloon_pages_now();
        while (!rc && !r.short_of_target && r.brought_back < r.asked)
            rc = increase_batch(batch_of(r.asked - r.brought_back), &r);
    }
    if (rc)
        r.short_of_target = true;
    r.now_pages = balloon_pages_now();
    if (out)
        *out = r;
    return rc;
}

/* Gone means unmapped too: the direct map is the one mapping every frame of ours has. */
static bool direct_mapped(uint64_t pfn)
{
    uint64_t maddr;
    mpte_t cur;

    return direct_map_l1e_read(_pfn(pfn), &maddr, &cur) || (cur.v & _PAGE_PRESENT);
}

uint64_t balloon_check_holes(void)
{
    uint64_t pfn, recorded = 0, wrong = 0;

    for (pfn = balloon.first; pfn < balloon.end; pfn++) {
        if (!is_out(pfn))
            continue;
        recorded++;
        if (!is_hole(pfn) && ++wrong <= 4)
            pvmmu_error("balloon: pfn 0x%llx is given back, but the p2m has mfn 0x%llx for it",
                        (unsigned long long)pfn, (unsigned long long)mfn_x(p2m_lookup(_pfn(pfn))));
        else if (is_hole(pfn) && direct_mapped(pfn) && ++wrong <= 4)
            pvmmu_error("balloon: pfn 0x%llx is given back, but still mapped in the direct map",
                        (unsigned long long)pfn);
    }
    if (recorded != balloon.out) {
        pvmmu_error("balloon: %llu pages counted out, but %llu pfns of 0x%llx..0x%llx are recorded as given back",
                    (unsigned long long)balloon.out, (unsigned long long)recorded,
                    (unsigned long long)balloon.first, (unsigned long long)balloon.end - 1);
        wrong += recorded > balloon.out ? recorded - balloon.out : balloon.out - recorded;
    }
    return wrong;
}

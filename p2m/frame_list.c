/*P:200 The frame lists: the p2m as the toolstack reads it.
 *
 * When `xl save` or a migration stops us, dom0 has to find our p2m without our
 * help, and all it has is shared_info.  Its arch fields name a three-level tree
 * of machine frames:
 *
 *   pfn_to_mfn_frame_list_list   the MFN of the top page: 512 MFNs of mid pages
 *   each mid page                512 MFNs of p2m leaf frames
 *   each leaf                    512 entries of the p2m itself
 *
 * and arch.max_pfn, which despite its name is a COUNT of pfns.  512^3 entries is
 * 512 GiB, the most this format can describe.
 *
 * The leaves are the very frames behind our window, so the tree shares them and
 * costs only its upper pages.  Holes stay free here too: a leaf range that is a
 * hole names the shared missing leaf (or identity leaf: both read INVALID, which
 * is all the toolstack should see of an I/O hole), and a whole mid range of
 * missing leaves names one shared "missing mid" page.  Libxenguest counts on that
 * sharing being exactly that: it trims trailing top entries that are all the same
 * MFN, assuming they lead to nothing but INVALID.
 *
 * Every page here is a guest frame from frame_alloc(), and every MFN written
 * into the tree comes from the p2m itself: the toolstack checks each leaf MFN
 * against the m2p and the p2m it has just read, and refuses a frame that is not
 * ours.
 *
 * After a restore every frame has a new MFN, the restorer has rewritten our
 * leaves (it knows where they are) but not these pages, and it has zeroed the
 * anchor.  So p2m_publish() rebuilds every MFN from pfn terms (the leaf
 * directory, our own page pfns) and republishes; the pages themselves are kept. :*/
#include "lib/lib_int.h"
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include "p2m/p2m_int.h"

#define NO_MID INVALID_PFN_RAW

static struct {
    bool built;
    pfn_t top;            /* the frame_list_list page */
    pfn_t missing_mid;    /* a mid page naming the missing leaf 512 times */
    uint64_t mid[P2M_MIDS_PER_TOP];   /* pfn of each mid page, or NO_MID: use missing_mid */
} fl;

void p2m_frame_list_reset(void)
{
    uint64_t i;

    fl.built = false;
    fl.top = fl.missing_mid = INVALID_PFN;
    for (i = 0; i < P2M_MIDS_PER_TOP; i++)
        fl.mid[i] = NO_MID;
}

static uint64_t nr_mids(void)
{
    return (p2m_nr_leaves() + P2M_LEAVES_PER_MID - 1) / P2M_LEAVES_PER_MID;
}

/* The MFN the toolstack must see for one of our own pages: ask the p2m. */
static uint64_t mfn_of(pfn_t pfn)
{
    return mfn_x(p2m_lookup(pfn));
}

static uint64_t *page(pfn_t pfn)
{
    return pfn_to_virt(pfn);
}

static bool mid_range_is_hole(uint64_t mid)
{
    uint64_t leaf, end = (mid + 1) * P2M_LEAVES_PER_MID;

    if (end > p2m_nr_leaves())
        end = p2m_nr_leaves();
    for (leaf = mid * P2M_LEAVES_PER_MID; leaf < end; leaf++)
        if (!pfn_eq(p2m_leaf_frame(leaf), p2m_missing_leaf_frame()))
            return false;
    return true;
}

static int alloc_page(pfn_t *slot, const char *what, uint64_t which)
{
    if (pfn_valid_value(*slot))
        return 0;
    *slot = frame_alloc();
    if (pfn_valid_value(*slot))
        return 0;
    pvmmu_error("p2m frame lists: no frame for the %s page %llu", what, (unsigned long long)which);
    return -XEN_ENOMEM;
}

/*P:210 A mid page's entries, from the directory.  Entries past the last leaf of
 * the window name the missing leaf, so no entry is ever 0 (the toolstack's "bad
 * MFN"). :*/
static void mid_fill(uint64_t mid)
{
    uint64_t *entries = page(_pfn(fl.mid[mid])), i, leaf;

    for (i = 0; i < P2M_LEAVES_PER_MID; i++) {
        leaf = mid * P2M_LEAVES_PER_MID + i;
        entries[i] = mfn_of(leaf < p2m_nr_leaves() ? p2m_leaf_frame(leaf) : p2m_missing_leaf_frame());
    }
}

static void top_entry_write(uint64_t mid)
{
    page(fl.top)[mid] = mfn_of(fl.mid[mid] != NO_MID ? _pfn(fl.mid[mid]) : fl.missing_mid);
}

/*P:220 Building happens in two passes: first every page that is missing is
 * allocated (so running out of memory leaves whatever was published standing),
 * then every MFN is written from scratch, the anchor last. :*/
static int allocate_pages(void)
{
    uint64_t mid;
    int rc;

    rc = alloc_page(&fl.top, "frame_list_list", 0);
    if (!rc)
        rc = alloc_page(&fl.missing_mid, "missing mid", 0);
    for (mid = 0; !rc && mid < nr_mids(); mid++) {
        pfn_t frame = _pfn(fl.mid[mid]);

        if (fl.mid[mid] != NO_MID || mid_range_is_hole(mid))
            continue;
        rc = alloc_page(&frame, "mid", mid);
        fl.mid[mid] = pfn_x(frame);
    }
    return rc;
}

static void write_pages(void)
{
    uint64_t i, *missing = page(fl.missing_mid);

    for (i = 0; i < P2M_LEAVES_PER_MID; i++)
        missing[i] = mfn_of(p2m_missing_leaf_frame());
    for (i = 0; i < P2M_MIDS_PER_TOP; i++) {
        if (fl.mid[i] != NO_MID)
            mid_fill(i);
        top_entry_write(i);
    }
}

int p2m_publish(shared_info_t *si)
{
    int rc;

    if (!p2m_nr_leaves()) {
        pvmmu_error("p2m_publish(si %p): the p2m is not initialised", (void *)si);
        return -XEN_EINVAL;
    }
    /* The toolstack reads the list instead (virt_list.c): no tree is built for it. */
    if (p2m_tools_format() == P2M_TOOLS_LIST)
        return p2m_list_publish(si);
    if (p2m_max_pfns() > P2M_MAX_PFNS) {
        pvmmu_error("p2m_publish: %llu pfns, but the frame-list tree describes %llu at most "
                    "(512 GiB): only the virtual list can (p2m_tools=list)",
                    (unsigned long long)p2m_max_pfns(), (unsigned long long)P2M_MAX_PFNS);
        return -XEN_E2BIG;
    }
    rc = allocate_pages();
    if (rc)
        return rc;
    write_pages();
    fl.built = true;
    /* A tree, not the virtual linear list: the toolstack takes p2m_cr3 != 0 to mean the latter. */
    si->arch.p2m_cr3 = 0;
    si->arch.max_pfn = p2m_extent();
    __atomic_store_n(&si->arch.pfn_to_mfn_frame_list_list, mfn_of(fl.top), __ATOMIC_RELEASE);
    p2m_note_published(si);
    return 0;
}

/*P:230 Keeping a published tree true.  When a leaf range that was a whole-mid
 * hole gets a leaf, that mid range needs a page of its own before the leaf is
 * installed; once installed, the leaf's MFN goes into its slot. :*/
int p2m_frame_list_prepare(uint64_t leaf)
{
    uint64_t mid = leaf / P2M_LEAVES_PER_MID;
    pfn_t frame = _pfn(fl.mid[mid]);
    int rc;

    if (!fl.built || fl.mid[mid] != NO_MID)
        return 0;
    rc = alloc_page(&frame, "mid", mid);
    if (rc)
        return rc;
    fl.mid[mid] = pfn_x(frame);
    mid_fill(mid);
    top_entry_write(mid);
    return 0;
}

void p2m_frame_list_note(uint64_t leaf)
{
    uint64_t mid = leaf / P2M_LEAVES_PER_MID;

    if (!fl.built || fl.mid[mid] == NO_MID)
        return;
    page(_pfn(fl.mid[mid]))[leaf % P2M_LEAVES_PER_MID] = mfn_of(p2m_leaf_frame(leaf));
}

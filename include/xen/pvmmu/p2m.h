/*
 * The p2m: which machine frame backs each of the guest's pseudo-physical frames,
 * and its mirror, the m2p, which Xen keeps and the guest may only read.
 *
 * Three readers care about the p2m, each wanting a different shape:
 *
 *   the MMU layer   asks "pfn -> mfn?" for every page-table entry it writes, so a
 *                   lookup must be a bounds check and ONE load.  The table is
 *                   therefore linear, in a virtual window (p2m/table.c).
 *   holes           (ballooned-out memory, room to grow, I/O ranges) must cost no
 *                   memory: every page of the window that has nothing of its own
 *                   to say is backed by one of two shared read-only leaves, the
 *                   "missing" leaf or the "identity" leaf (mfn == pfn).
 *   the toolstack   saving or migrating us walks either a 3-level tree of MFNs
 *                   anchored in shared_info (p2m/frame_list.c, 512 GiB at most) or
 *                   the window itself, through our page tables from p2m_cr3 (the
 *                   virtual list, p2m/virt_list.c); after a restore it zeroes the
 *                   tree's anchor and leaves p2m_cr3 stale, so we must be able to
 *                   republish either whenever asked.
 *
 * The m2p (p2m/m2p.c) answers the reverse question, but Xen's table covers every
 * domain's frames, so its answer is only believed after the p2m agrees with it.
 */
#ifndef PVMMU_P2M_H
#define PVMMU_P2M_H

#include <stdbool.h>
#include <stdint.h>
#include <xen/pvmmu/abi.h>
#include <xen/pvmmu/frame.h>

/* One p2m leaf is one page of entries; the frame-list tree has 512 of them per page too. */
#define PVMMU_P2M_PER_LEAF 512ULL
#define PVMMU_P2M_LEAVES_PER_MID 512ULL
#define PVMMU_P2M_MIDS_PER_TOP 512ULL
/* 512^3 pfns: 512 GiB of guest, the most the 3-level frame-list tree can describe. */
#define PVMMU_P2M_MAX_PFNS (PVMMU_P2M_PER_LEAF * PVMMU_P2M_LEAVES_PER_MID * PVMMU_P2M_MIDS_PER_TOP)
/*
 * The most the table answers for: twice the tree, 1 TiB of pfns, which only the virtual
 * list (below) can describe to a toolstack; pvmmu_p2m_publish() refuses the tree past
 * PVMMU_P2M_MAX_PFNS.  The window is one L4 slot (2^33 entries); the leaf directory is
 * sized for this.
 */
#define PVMMU_P2M_LIST_MAX_PFNS (2 * PVMMU_P2M_MAX_PFNS)

/*
 * The linear table as the fast path sees it: a base and a bound, nothing else.
 * `entries` points at the window (pvmmu_p2m_window_reserve); `nr_pfns` is how many pfns
 * it can answer for (the configured maximum).  Zero before pvmmu_p2m_init(), so every
 * lookup then takes the slow path and answers PVMMU_INVALID_MFN.  Only p2m/ writes it.
 */
struct pvmmu_p2m_linear {
    uint64_t *entries;
    uint64_t nr_pfns;
};
extern struct pvmmu_p2m_linear pvmmu_p2m_linear;

/*
 * Set the p2m up from the start_info-style list Xen hands a PV guest
 * (mfn_list[pfn] for pfn < nr_pages), with room for max_pfns pfns in all (at
 * least nr_pages, at most PVMMU_P2M_LIST_MAX_PFNS; past PVMMU_P2M_MAX_PFNS only the
 * list can be published).  Leaves whose entries are all INVALID are left as holes.
 * Also asks Xen, once, how big its m2p is (pvmmu_m2p_init()).
 * 0 or -XEN_E*; the p2m is unusable after a failure.
 */
int pvmmu_p2m_init(const uint64_t *mfn_list, uint64_t nr_pages, uint64_t max_pfns);

/* The slow path: anything the one-load fast path could not settle. */
pvmmu_mfn_t pvmmu_p2m_lookup_slow(pvmmu_pfn_t pfn);

/*
 * pfn -> mfn.  PVMMU_INVALID_MFN for a hole and for a pfn beyond the table; pfn itself
 * for an identity (I/O) pfn.  A hit costs the bounds check and one load; only an
 * INVALID value leaves the inline path, to learn whether the page is an identity
 * hole.
 */
static inline pvmmu_mfn_t pvmmu_p2m_lookup(pvmmu_pfn_t pfn)
{
    uint64_t n = pvmmu_pfn_x(pfn);

    if (__builtin_expect(n < pvmmu_p2m_linear.nr_pfns, 1)) {
        uint64_t raw = pvmmu_p2m_linear.entries[n];

        if (__builtin_expect(raw != PVMMU_INVALID_MFN_RAW, 1))
            return pvmmu_mfn(raw);
    }
    return pvmmu_p2m_lookup_slow(pfn);
}

/*
 * Record pfn -> mfn (PVMMU_INVALID_MFN to forget the pfn).  Storing what is already
 * there changes nothing and allocates nothing (INVALID into a hole, pfn into an
 * identity range).  Otherwise, if the pfn's leaf is a shared one, a leaf of its
 * own is allocated first, holding what the shared one meant.  The published
 * frame lists follow.  -XEN_ERANGE for a pfn beyond the table, -XEN_ENOMEM.
 */
int pvmmu_p2m_set(pvmmu_pfn_t pfn, pvmmu_mfn_t mfn);

/*
 * Make [first, first + count) identity-mapped (mfn == pfn): I/O holes.  Whole
 * leaves that are holes become the shared identity leaf (no memory); the ragged
 * ends are written one by one (mfn = pfn).  Not RAM: the extent does not grow.
 */
int pvmmu_p2m_set_identity(pvmmu_pfn_t first, uint64_t count);

/* How many pfns the table answers for (the configured maximum, not nr_pages). */
uint64_t pvmmu_p2m_max_pfns(void);

/*
 * The count of pfns the toolstack is told about (shared_info's arch.max_pfn): one
 * past the highest pfn that ever held a valid entry, and at least nr_pages.
 */
uint64_t pvmmu_p2m_extent(void);

/* Why a pfn has no entry of its own: for tests and diagnostics, not the fast path. */
enum pvmmu_p2m_backing {
    PVMMU_P2M_BACKING_OUT_OF_RANGE,  /* pfn >= pvmmu_p2m_max_pfns() */
    PVMMU_P2M_BACKING_MISSING,       /* the shared all-INVALID leaf */
    PVMMU_P2M_BACKING_IDENTITY,      /* the shared identity leaf */
    PVMMU_P2M_BACKING_OWN,           /* a leaf frame of its own */
};
enum pvmmu_p2m_backing pvmmu_p2m_backing_of(pvmmu_pfn_t pfn);

/* How many leaf frames of their own the table holds (the shared ones not counted). */
uint64_t pvmmu_p2m_own_leaves(void);

/* ------------------------------------------------------------------------ */
/* The frame-list tree the toolstack reads (p2m/frame_list.c). */

/*
 * Build (or rebuild) the frame lists from the table and publish them in
 * shared_info: arch.max_pfn = pvmmu_p2m_extent(), arch.pfn_to_mfn_frame_list_list =
 * the MFN of the top page (written last).  Call at boot and on every resume (the
 * restorer zeroes the anchor and moves every frame).  `si` is remembered so that
 * later pvmmu_p2m_set()s keep the published tree and max_pfn right.
 */
int pvmmu_p2m_publish(shared_info_t *si);

/*
 * The toolstack's walk, for checking what we published: start at si's
 * frame_list_list MFN, map each page through map_mfn, and rebuild
 * out[pfn] = mfn for pfn < si->arch.max_pfn (which must fit `capacity`).
 * Applies libxenguest's checks (no MFN 0 or beyond the m2p, every leaf frame
 * one of ours by the m2p and the table just read), and its trimming of trailing
 * all-missing mid pages (those entries read INVALID).  *nr_out = max_pfn.
 * 0 or -XEN_E* with a report saying which entry was bad.
 */
typedef const void *(*pvmmu_p2m_map_mfn_fn)(pvmmu_mfn_t mfn, void *ctx);
int pvmmu_p2m_frame_list_read(const shared_info_t *si, pvmmu_p2m_map_mfn_fn map_mfn, void *ctx,
                        uint64_t *out, uint64_t capacity, uint64_t *nr_out);

/* ------------------------------------------------------------------------ */
/* The virtual linear list the toolstack may read instead (p2m/virt_list.c). */

/*
 * Which shape p2m_publish() gives the toolstack.  The tree is the frame lists
 * above (512 GiB at most); the list is the window itself, described in
 * shared_info by p2m_vaddr, p2m_cr3 (the root of the address space the window
 * is mapped in) and p2m_generation, with pfn_to_mfn_frame_list_list = ~0.
 * libxenguest takes p2m_cr3 != 0 to mean the list.
 */
enum pvmmu_p2m_tools_format {
    PVMMU_P2M_TOOLS_TREE,
    PVMMU_P2M_TOOLS_LIST,
};

/*
 * Choose the shape, once, at boot (before the first p2m_publish()): a restore
 * zeroes start_info's flags, so SIF_VIRT_P2M_4TOOLS must be read at boot and
 * the choice remembered.  `root` is the pfn of the L4 whose kernel half maps
 * the window (for P2M_TOOLS_LIST; ignored for the tree).  Choosing the list
 * after the tree was published takes the tree down (anchor ~0), and back.
 */
void pvmmu_p2m_tools_choose(enum pvmmu_p2m_tools_format format, pvmmu_pfn_t root);
enum pvmmu_p2m_tools_format pvmmu_p2m_tools_format(void);
const char *pvmmu_p2m_tools_format_name(enum pvmmu_p2m_tools_format format);


/*
 * The generation count, for a toolstack that reads the list while we run: odd
 * while a page of the window is being repointed, even otherwise, bumped
 * before and after each repointing (with release fences, as Linux's wmb()).
 * table.c calls p2m_generation_begin/end (p2m/p2m_int.h) around every change of what backs a window page;
 * an entry written inside a leaf of its own is one atomic store and no bump
 * (the ABI's rule: "modifying a p2m element ... via an atomic write only").
 * The count lives in shared_info once the list is published, and is carried
 * over into a new shared_info after a restore.
 */
uint64_t pvmmu_p2m_list_generation(void);
/*
 * The toolstack's walk of the list (virt_list_read.c): from si's p2m_cr3 down
 * the page tables (each frame mapped through map_mfn) to the leaves covering
 * p2m_vaddr's max_pfn entries, copied into out[] (capacity entries), the leaf
 * mfns into leaf_mfns[] (one per 512 pfns).  libxenguest's checks: every mfn in
 * 1..max_mfn, every leaf one of ours by the m2p and the list just read, and the
 * generation even and unchanged across the walk (-XEN_EAGAIN if not).
 */
int pvmmu_p2m_list_read(const shared_info_t *si, pvmmu_p2m_map_mfn_fn map_mfn, void *ctx, uint64_t *out,
                  uint64_t capacity, uint64_t *leaf_mfns, uint64_t *nr_out);


/* ------------------------------------------------------------------------ */
/* The m2p (p2m/m2p.c). */

enum pvmmu_m2p_status {
    PVMMU_M2P_OK,            /* the m2p and the p2m agree: the pfn is ours */
    PVMMU_M2P_OUT_OF_RANGE,  /* mfn beyond the max_mfn Xen reported */
    PVMMU_M2P_HOLE,          /* that part of Xen's table is not mapped: the read faulted */
    PVMMU_M2P_FOREIGN,       /* the m2p names a pfn beyond our p2m, or one backed by another mfn */
    PVMMU_M2P_STALE,         /* the m2p names a pfn our p2m has no frame for any more */
    PVMMU_M2P_IDENTITY,      /* no usable m2p answer, but our p2m maps pfn == mfn there (I/O) */
};

/* Ask Xen (XENMEM_machphys_mapping) how far its m2p goes.  pvmmu_p2m_init() calls it. */
int pvmmu_m2p_init(void);
/* The highest mfn the m2p can be asked about (inclusive, as Xen reports it). */
uint64_t pvmmu_m2p_max_mfn(void);
/*
 * mfn -> pfn, believed only when pvmmu_p2m_lookup(pfn) gives mfn back.  Failing that,
 * an mfn our p2m identity-maps (an I/O frame, usually beyond or in a hole of the
 * m2p) comes back as pfn == mfn.  PVMMU_INVALID_PFN otherwise; *status (may be NULL)
 * says why.
 */
pvmmu_pfn_t pvmmu_m2p_lookup(pvmmu_mfn_t mfn, enum pvmmu_m2p_status *status);
const char *pvmmu_m2p_status_name(enum pvmmu_m2p_status status);

#endif

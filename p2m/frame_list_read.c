/*P:300 Reading the frame lists back, as the toolstack does.
 *
 * Publishing a tree nobody reads is easy to get wrong silently: a zero MFN, a
 * max_pfn off by one, a mid page forgotten after a leaf was added.  Nothing would
 * notice until the first `xl save` failed.  So here is libxenguest's walk
 * (xg_sr_save_x86_pv.c, map_p2m_tree and map_p2m_leaves), done from shared_info
 * and MFNs alone, with its checks:
 *
 *   - arch.max_pfn is a count; the walk covers pfns 0..max_pfn-1.
 *   - the top page and every top and mid entry it reads must be an MFN in
 *     1..max_mfn (0 is "not set up").
 *   - trailing top entries that are all the same MFN are taken to lead to nothing
 *     but INVALID, and the walk stops before them.
 *   - every leaf MFN must be "in the pseudo-physical map": the m2p names a pfn
 *     inside the table just read, whose entry there is that same MFN.
 *
 * The caller says how to see a machine frame (map_mfn): the hosted tests read the
 * model's memory; on real Xen a kernel could map the MFN itself. :*/
#include "lib/lib_int.h"
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include "p2m/p2m_int.h"

struct walk {
    p2m_map_mfn_fn map_mfn;
    void *ctx;
    const uint64_t *top;
    uint64_t last_pfn;      /* inclusive, as libxenguest keeps it */
    uint64_t *out;
};

static bool bad_mfn(uint64_t mfn)
{
    return mfn == 0 || mfn > m2p_max_mfn();
}

static const uint64_t *map_or_report(const struct walk *w, uint64_t mfn, const char *what, uint64_t index)
{
    const uint64_t *p = w->map_mfn(_mfn(mfn), w->ctx);

    if (!p)
        pvmmu_error("p2m_frame_list_read: cannot map %s %llu at mfn 0x%llx", what,
                    (unsigned long long)index, (unsigned long long)mfn);
    return p;
}

/*P:310 The top page: check the entries the walk will use, and trim. :*/
static int read_top(struct walk *w, uint64_t top_mfn)
{
    uint64_t per_top = P2M_PER_LEAF * P2M_LEAVES_PER_MID;
    uint64_t entries = w->last_pfn / per_top + 1, x, saved_x = 0, saved_mfn = 0;

    if (entries > P2M_MIDS_PER_TOP) {
        pvmmu_error("p2m_frame_list_read: max_pfn 0x%llx too large for the 3-level tree",
                    (unsigned long long)(w->last_pfn + 1));
        return -XEN_E2BIG;
    }
    if (bad_mfn(top_mfn)) {
        pvmmu_error("p2m_frame_list_read: bad frame_list_list mfn 0x%llx (max_mfn 0x%llx)",
                    (unsigned long long)top_mfn, (unsigned long long)m2p_max_mfn());
        return top_mfn ? -XEN_ERANGE : -XEN_ENOENT;
    }
    w->top = map_or_report(w, top_mfn, "frame_list_list", 0);
    if (!w->top)
        return -XEN_EFAULT;
    for (x = 0; x < entries; x++) {
        if (bad_mfn(w->top[x])) {
            pvmmu_error("p2m_frame_list_read: bad mfn 0x%llx at index %llu (of %llu) in the frame list list",
                        (unsigned long long)w->top[x], (unsigned long long)x, (unsigned long long)entries);
            return -XEN_ERANGE;
        }
        if (w->top[x] != saved_mfn) {
            saved_mfn = w->top[x];
            saved_x = x;
        }
    }
    if ((saved_x + 1) * per_top - 1 < w->last_pfn)
        w->last_pfn = (saved_x + 1) * per_top - 1;
    return 0;
}

static uint64_t leaf_mfn(const struct walk *w, uint64_t leaf, int *rc)
{
    const uint64_t *mid = map_or_report(w, w->top[leaf / P2M_LEAVES_PER_MID], "mid page",
                                        leaf / P2M_LEAVES_PER_MID);
    uint64_t mfn;

    if (!mid) {
        *rc = -XEN_EFAULT;
        return 0;
    }
    mfn = mid[leaf % P2M_LEAVES_PER_MID];
    if (bad_mfn(mfn)) {
        pvmmu_error("p2m_frame_list_read: bad mfn 0x%llx at index %llu in the frame list",
                    (unsigned long long)mfn, (unsigned long long)leaf);
        *rc = -XEN_ERANGE;
    }
    return mfn;
}

static int read_leaves(struct walk *w)
{
    uint64_t leaf, i, nr_leaves = w->last_pfn / P2M_PER_LEAF + 1;
    int rc = 0;

    for (leaf = 0; leaf < nr_leaves; leaf++) {
        uint64_t mfn = leaf_mfn(w, leaf, &rc);
        const uint64_t *entries;

        if (rc)
            return rc;
        entries = map_or_report(w, mfn, "leaf", leaf);
        if (!entries)
            return -XEN_EFAULT;
        for (i = 0; i < P2M_PER_LEAF && leaf * P2M_PER_LEAF + i <= w->last_pfn; i++)
            w->out[leaf * P2M_PER_LEAF + i] = entries[i];
    }
    return 0;
}

/*P:320 The leaves must be ours, by the m2p and by the table just read. :*/
static int check_leaves_are_ours(const struct walk *w)
{
    uint64_t leaf, nr_leaves = w->last_pfn / P2M_PER_LEAF + 1, pfn;
    int rc = 0;

    for (leaf = 0; leaf < nr_leaves; leaf++) {
        uint64_t mfn = leaf_mfn(w, leaf, &rc);

        if (rc)
            return rc;
        if (!m2p_read_raw(_mfn(mfn), &pfn) || pfn > w->last_pfn || w->out[pfn] != mfn) {
            pvmmu_error("p2m_frame_list_read: leaf %llu at mfn 0x%llx is not in the pseudo-physical map",
                        (unsigned long long)leaf, (unsigned long long)mfn);
            return -XEN_ERANGE;
        }
    }
    return 0;
}

int p2m_frame_list_read(const shared_info_t *si, p2m_map_mfn_fn map_mfn, void *ctx,
                        uint64_t *out, uint64_t capacity, uint64_t *nr_out)
{
    uint64_t count = si->arch.max_pfn, pfn;
    struct walk w = { .map_mfn = map_mfn, .ctx = ctx, .out = out };
    int rc;

    if (count == 0 || count > capacity) {
        pvmmu_error("p2m_frame_list_read: max_pfn %llu: need 1..%llu pfns",
                    (unsigned long long)count, (unsigned long long)capacity);
        return count ? -XEN_E2BIG : -XEN_EINVAL;
    }
    w.last_pfn = count - 1;
    rc = read_top(&w, __atomic_load_n(&si->arch.pfn_to_mfn_frame_list_list, __ATOMIC_ACQUIRE));
    if (!rc)
        rc = read_leaves(&w);
    if (!rc)
        rc = check_leaves_are_ours(&w);
    if (rc)
        return rc;
    for (pfn = w.last_pfn + 1; pfn < count; pfn++)
        out[pfn] = INVALID_MFN_RAW;
    *nr_out = count;
    return 0;
}

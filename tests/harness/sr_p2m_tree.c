/*
 * How the saver finds a PV guest's p2m: through shared_info alone
 * (xg_sr_save_x86_pv.c, map_p2m_tree and map_p2m_leaves).
 *
 * The guest cannot be asked anything while it is being saved, so it must have
 * left a trail: shared_info.arch.pfn_to_mfn_frame_list_list names a page of mid
 * page mfns, each of those names 512 leaf mfns, and the leaves are the p2m.
 * arch.max_pfn is a count of pfns, whatever its name says.  This walk is the
 * toolstack's own, written against the machine and not against the guest's p2m
 * code, so that a mistake in p2m_publish() cannot be hidden by the same mistake
 * in the reader.
 *
 * The checks are libxenguest's: every mfn of the upper levels in 1..max_mfn,
 * trailing top entries that repeat one mfn trimmed off (they can only lead to
 * all-INVALID leaves), and every leaf "in the pseudo-physical map": the m2p names
 * a pfn whose entry in the p2m just read is that very leaf.
 */
#include <stdlib.h>
#include <string.h>

#include "../model/model.h"
#include "sr_stream.h"

struct tree {
    const uint64_t *fll;
    uint64_t fll_entries, fl_entries;
    uint64_t *leaf_mfns;
};

static int bad_upper_mfn(uint64_t mfn, uint64_t max_mfn)
{
    return mfn == 0 || mfn > max_mfn;
}

static int read_top(const shared_info_t *si, struct sr_image *img, struct tree *t, uint64_t max_mfn)
{
    uint64_t fll_mfn = si->arch.pfn_to_mfn_frame_list_list, x, saved_x = 0, saved_mfn = 0;

    t->fll_entries = img->max_pfn / (SR_FPP * SR_FPP) + 1;
    if (t->fll_entries > SR_FPP)
        return sr_error(-XEN_E2BIG, "save: max_pfn %#llx too large for the p2m tree (512 GiB at most)",
                        (unsigned long long)img->max_pfn);
    if (fll_mfn == 0)
        return sr_error(-XEN_ENOENT, "save: shared_info.arch.pfn_to_mfn_frame_list_list is 0: the guest "
                        "has not published its p2m frame lists (after a restore it must publish them again)");
    if (fll_mfn > max_mfn)
        return sr_error(-XEN_ERANGE, "save: bad mfn %#llx for the p2m frame list list (max_mfn %#llx)",
                        (unsigned long long)fll_mfn, (unsigned long long)max_mfn);
    t->fll = sr_map_guest_frame(fll_mfn);
    if (!t->fll)
        return sr_error(-XEN_EFAULT, "save: cannot map the p2m frame list list at mfn %#llx: not a frame "
                        "of the guest", (unsigned long long)fll_mfn);
    for (x = 0; x < t->fll_entries; x++) {
        if (bad_upper_mfn(t->fll[x], max_mfn))
            return sr_error(-XEN_ERANGE, "save: bad mfn %#llx at index %llu (of %llu) in the p2m frame list list",
                            (unsigned long long)t->fll[x], (unsigned long long)x,
                            (unsigned long long)t->fll_entries);
        if (t->fll[x] != saved_mfn) {
            saved_mfn = t->fll[x];
            saved_x = x;
        }
    }
    if ((saved_x + 1) * SR_FPP * SR_FPP - 1 < img->max_pfn) {
        img->max_pfn = (saved_x + 1) * SR_FPP * SR_FPP - 1;
        t->fll_entries = saved_x + 1;
    }
    t->fl_entries = img->max_pfn / SR_FPP + 1;
    return 0;
}

static int read_mids(struct tree *t, uint64_t max_mfn)
{
    for (uint64_t x = 0; x < t->fl_entries; x++) {
        const uint64_t *mid = sr_map_guest_frame(t->fll[x / SR_FPP]);

        if (!mid)
            return sr_error(-XEN_EFAULT, "save: cannot map p2m mid page %llu at mfn %#llx: not a frame of "
                            "the guest", (unsigned long long)(x / SR_FPP), (unsigned long long)t->fll[x / SR_FPP]);
        t->leaf_mfns[x] = mid[x % SR_FPP];
        if (bad_upper_mfn(t->leaf_mfns[x], max_mfn))
            return sr_error(-XEN_ERANGE, "save: bad mfn %#llx at index %llu (of %llu) in the p2m frame list",
                            (unsigned long long)t->leaf_mfns[x], (unsigned long long)x,
                            (unsigned long long)t->fl_entries);
    }
    return 0;
}

/*
 * The leaves stay mapped from setup to the end of the save, so their contents
 * are read as they are when asked, but which frames are leaves was settled at
 * setup, while the guest was still running.
 */
int sr_read_p2m_leaves(const struct sr_image *img, uint64_t *p2m)
{
    for (uint64_t x = 0; x < img->nr_p2m_frames; x++) {
        const uint64_t *leaf = sr_map_guest_frame(img->leaf_mfns[x]);
        uint64_t n = img->max_pfn + 1 - x * SR_FPP;

        if (!leaf)
            return sr_error(-XEN_EFAULT, "save: cannot map p2m leaf %llu at mfn %#llx: not a frame of the guest",
                            (unsigned long long)x, (unsigned long long)img->leaf_mfns[x]);
        memcpy(p2m + x * SR_FPP, leaf, (n < SR_FPP ? n : SR_FPP) * sizeof(uint64_t));
    }
    return 0;
}

/* map_p2m_leaves(): the leaves must be the guest's own, by the p2m they hold. */
static int leaves_to_pfns(struct sr_image *img, const uint64_t *p2m)
{
    struct sr_physmap pm = sr_physmap_of_machine(p2m, img->max_pfn);

    img->p2m_pfns = calloc(img->nr_p2m_frames, sizeof(uint64_t));
    if (!img->p2m_pfns)
        return sr_error(-XEN_ENOMEM, "save: no memory for %llu p2m frames", (unsigned long long)img->nr_p2m_frames);
    for (uint64_t x = 0; x < img->nr_p2m_frames; x++) {
        if (!sr_in_pseudophysmap(&pm, img->leaf_mfns[x]))
            return sr_error(-XEN_ERANGE, "save: bad mfn %#llx in p2m_frame_list[%llu]: not in the "
                            "pseudo-physical map (m2p says pfn %#llx)", (unsigned long long)img->leaf_mfns[x],
                            (unsigned long long)x, (unsigned long long)sr_mfn_to_pfn(img->leaf_mfns[x]));
        img->p2m_pfns[x] = sr_mfn_to_pfn(img->leaf_mfns[x]);
    }
    return 0;
}

int sr_map_p2m(const shared_info_t *si, struct sr_image *img)
{
    uint64_t max_mfn = model_nr_frames() - 1, *p2m = NULL;
    struct tree t = { 0 };
    int rc;

    if (si->arch.p2m_cr3)
        return sr_error(-XEN_EOPNOTSUPP, "save: shared_info.arch.p2m_cr3 is set: the virtual linear p2m "
                        "list is not modelled, only the 3-level frame-list tree");
    if (si->arch.max_pfn == 0)
        return sr_error(-XEN_EINVAL, "save: shared_info.arch.max_pfn is 0: the guest has published no p2m");
    img->max_pfn = si->arch.max_pfn - 1;
    rc = read_top(si, img, &t, max_mfn);
    if (!rc) {
        img->nr_p2m_frames = t.fl_entries;
        img->leaf_mfns = t.leaf_mfns = calloc(t.fl_entries, sizeof(uint64_t));
        p2m = malloc((img->max_pfn + 1) * sizeof(uint64_t));
        if (!t.leaf_mfns || !p2m)
            rc = sr_error(-XEN_ENOMEM, "save: no memory for a p2m of %llu pfns",
                          (unsigned long long)(img->max_pfn + 1));
    }
    if (!rc)
        rc = read_mids(&t, max_mfn);
    if (!rc)
        rc = sr_read_p2m_leaves(img, p2m);
    if (!rc)
        rc = leaves_to_pfns(img, p2m);
    free(p2m);
    return rc;
}

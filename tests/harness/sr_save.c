/*
 * xl save: the saver's half of the contract (xg_sr_save_x86_pv.c), against a
 * paused domain, so every refusal is final.
 *
 * The one thing the saver must get right for the MMU is which pages hold
 * machine frame numbers.  It cannot read the guest's mind, so it asks Xen for
 * each frame's type (XEN_DOMCTL_getpageframeinfo3): a frame typed L1..L4 is a
 * page table, and each present entry is rewritten from mfn to pfn
 * (normalise_pagetable), so the restorer can rewrite it again for new frames.
 * Everything else is copied as it is.  A tree the guest has not pinned and not
 * loaded has no table type (in pvmmu its frames are mapped writable, so they are
 * typed writable), so it goes out raw, and after a restore it holds machine
 * frame numbers of a machine that no longer exists.  Hence pin_all().
 *
 * Xen's own L4 slots are zeroed (Xen writes them again when it validates the
 * restored table), and an entry naming a frame that is not the guest's is an
 * error: the toolstack could not say which pfn it means.
 */
#include <stdlib.h>
#include <string.h>

#include <xen/pvmmu/pte.h>

#include "../model/model.h"
#include "harness.h"
#include "sr_stream.h"

static enum sr_type type_of(mfn_t mfn)
{
    switch (model_frame_type(mfn)) {
    case MODEL_TYPE_L1: return SR_L1TAB;
    case MODEL_TYPE_L2: return SR_L2TAB;
    case MODEL_TYPE_L3: return SR_L3TAB;
    case MODEL_TYPE_L4: return SR_L4TAB;
    default: return SR_NOTAB;
    }
}

/* normalise_pagetable(): every present entry from mfn to pfn, Xen's slots emptied. */
static int normalise(const struct sr_physmap *pm, uint64_t pfn, enum sr_type type, uint64_t *t)
{
    int level = (int)type;

    for (unsigned int i = 0; i < PT_ENTRIES; i++) {
        uint64_t pte = t[i], mfn = sr_pte_frame(pte);

        if (type == SR_L4TAB && l4_slot_is_xen(i)) {
            t[i] = 0;
            continue;
        }
        if (!(pte & _PAGE_PRESENT))
            continue;
        if (type > SR_L1TAB && (pte & _PAGE_PSE))
            return sr_error(-XEN_E2BIG, "save: cannot migrate a superpage: L%d[%u] = %#llx in pfn %#llx",
                            level, i, (unsigned long long)pte, (unsigned long long)pfn);
        if (!sr_in_pseudophysmap(pm, mfn))
            return sr_error(-XEN_ERANGE, "save: bad mfn for L%d[%u] of pfn %#llx: pte %#llx names mfn %#llx, "
                            "not in the pseudo-physical map (m2p says pfn %#llx)", level, i,
                            (unsigned long long)pfn, (unsigned long long)pte, (unsigned long long)mfn,
                            (unsigned long long)sr_mfn_to_pfn(mfn));
        t[i] = sr_pte_merge(pte, sr_mfn_to_pfn(mfn));
    }
    return 0;
}

/* One PAGE_DATA entry: no page for a pfn the p2m does not back with a frame of the guest. */
static int save_page(struct sr_image *img, const struct sr_physmap *pm, uint64_t pfn)
{
    struct sr_page *pg = &img->pages[pfn];
    uint64_t mfn = pm->p2m[pfn];
    const uint64_t *src = mfn == INVALID_MFN_RAW ? NULL : sr_map_guest_frame(mfn);

    if (!src) {
        pg->type = SR_XTAB;
        return 0;
    }
    pg->type = type_of(_mfn(mfn));
    pg->pinned = model_frame_pinned(_mfn(mfn));
    pg->data = malloc(PAGE_SIZE);
    if (!pg->data)
        return sr_error(-XEN_ENOMEM, "save: no memory for pfn %#llx", (unsigned long long)pfn);
    memcpy(pg->data, src, PAGE_SIZE);
    return pg->type == SR_NOTAB ? 0 : normalise(pm, pfn, pg->type, (uint64_t *)pg->data);
}

static int save_pages(struct sr_image *img, const struct sr_physmap *pm)
{
    int rc = 0;

    img->pages = calloc(img->max_pfn + 1, sizeof(*img->pages));
    if (!img->pages)
        return sr_error(-XEN_ENOMEM, "save: no memory for %llu page records",
                        (unsigned long long)(img->max_pfn + 1));
    for (uint64_t pfn = 0; pfn <= img->max_pfn && !rc; pfn++)
        rc = save_page(img, pm, pfn);
    return rc;
}

static int frame_to_pfn(const struct sr_physmap *pm, mfn_t mfn, const char *what, uint64_t *pfn)
{
    if (!mfn_valid_value(mfn) || !sr_in_pseudophysmap(pm, mfn_x(mfn)))
        return sr_error(-XEN_ERANGE, "save: bad mfn %#llx for %s: not in the pseudo-physical map",
                        (unsigned long long)mfn_x(mfn), what);
    *pfn = sr_mfn_to_pfn(mfn_x(mfn));
    return 0;
}

/* write_one_vcpu_basic(): the suspend record (%rdx), CR3 and the user CR3, as pfns. */
static int save_vcpu(struct sr_image *img, const struct sr_physmap *pm, mfn_t start_info)
{
    int rc = frame_to_pfn(pm, start_info, "the suspend record (start_info, %rdx)", &img->start_info_pfn);

    if (!rc)
        rc = frame_to_pfn(pm, model_kernel_base(), "vcpu0's cr3", &img->cr3_pfn);
    img->cr1_pfn = INVALID_PFN_RAW;
    if (!rc && mfn_valid_value(model_user_base()))
        rc = frame_to_pfn(pm, model_user_base(), "vcpu0's user cr3 (ctrlreg[1])", &img->cr1_pfn);
    return rc;
}

/*
 * xl save starts with the guest still running (xg_sr_save.c: setup() comes
 * before suspend_domain()), and that is when it walks the frame lists.  A guest
 * that publishes them only in its suspend handler is too late: they must be
 * there all the time, from boot and again from every resume.
 */
int harness_save_begin(struct sr_image **out)
{
    struct sr_image *img = calloc(1, sizeof(*img));
    int rc;

    sr_error_clear();
    *out = NULL;
    if (!img)
        return sr_error(-XEN_ENOMEM, "save: no memory for the image");
    rc = sr_map_p2m(harness_shared_info(), img);
    if (rc) {
        sr_image_free(img);
        return rc;
    }
    *out = img;
    return 0;
}

/* The guest has suspended (SCHEDOP_shutdown(SHUTDOWN_suspend)): the domain is paused. */
int harness_save_finish(struct sr_image *img, mfn_t start_info)
{
    struct sr_physmap pm;
    int rc;

    sr_error_clear();
    if (img->pages || img->old_mfn)
        return sr_error(-XEN_EINVAL, "save: this image was finished already");
    img->old_mfn = malloc((img->max_pfn + 1) * sizeof(uint64_t));
    if (!img->old_mfn)
        return sr_error(-XEN_ENOMEM, "save: no memory for the p2m");
    rc = sr_read_p2m_leaves(img, img->old_mfn);
    pm = sr_physmap_of_machine(img->old_mfn, img->max_pfn);
    if (!rc)
        rc = save_vcpu(img, &pm, start_info);
    if (!rc)
        rc = save_pages(img, &pm);
    if (!rc)
        memcpy(img->shared_info, harness_shared_info(), PAGE_SIZE);
    return rc;
}

int harness_save(mfn_t start_info, struct sr_image **out)
{
    int rc = harness_save_begin(out);

    if (!rc)
        rc = harness_save_finish(*out, start_info);
    if (rc) {
        sr_image_free(*out);
        *out = NULL;
    }
    return rc;
}

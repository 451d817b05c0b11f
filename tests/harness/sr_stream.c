/*
 * The saved image, and the few things both halves of the toolstack share.
 *
 * The image holds what libxc's migration stream carries for a PV guest, already
 * parsed: the pages with their types, the p2m's leaf frames, shared_info and
 * vcpu0's registers, all in pfn terms.  Nothing in it is an mfn (old_mfn aside,
 * which the harness keeps for itself), because nothing in the stream may be:
 * the machine it came from is gone when it is read.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "../model/model.h"
#include "sr_stream.h"

static char last_error[512];

int sr_error(int rc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(last_error, sizeof(last_error), fmt, ap);
    va_end(ap);
    if (getenv("PVMMU_VERBOSE"))
        fprintf(stderr, "toolstack: %s\n", last_error);
    return rc;
}

void sr_error_clear(void)
{
    last_error[0] = '\0';
}

const char *harness_sr_error(void)
{
    return last_error;
}

void sr_image_free(struct sr_image *img)
{
    if (!img)
        return;
    if (img->pages)
        for (uint64_t pfn = 0; pfn <= img->max_pfn; pfn++)
            free(img->pages[pfn].data);
    free(img->pages);
    free(img->p2m_pfns);
    free(img->old_mfn);
    free(img->leaf_mfns);
    free(img);
}

enum sr_type sr_image_type(const struct sr_image *img, pfn_t pfn, bool *pinned)
{
    if (pinned)
        *pinned = false;
    if (pfn_x(pfn) > img->max_pfn)
        return SR_XTAB;
    if (pinned)
        *pinned = img->pages[pfn_x(pfn)].pinned;
    return img->pages[pfn_x(pfn)].type;
}

uint64_t sr_image_nr_pfns(const struct sr_image *img)
{
    return img->max_pfn + 1;
}

/*
 * The toolstack asks Xen for the highest machine frame (xc_maximum_ram_page)
 * and maps the whole m2p; here that is the model's machine, whichever it is now.
 */
struct sr_physmap sr_physmap_of_machine(const uint64_t *p2m, uint64_t max_pfn)
{
    return (struct sr_physmap){ .p2m = p2m, .max_pfn = max_pfn,
                                .max_mfn = model_nr_frames() - 1 };
}

uint64_t sr_mfn_to_pfn(uint64_t mfn)
{
    uint64_t pfn;

    return model_m2p_read(_mfn(mfn), &pfn) ? pfn : INVALID_PFN_RAW;
}

/* mfn_in_pseudophysmap(): in range, and the m2p and the p2m agree on it. */
bool sr_in_pseudophysmap(const struct sr_physmap *pm, uint64_t mfn)
{
    uint64_t pfn;

    if (mfn > pm->max_mfn)
        return false;
    pfn = sr_mfn_to_pfn(mfn);
    return pfn <= pm->max_pfn && pm->p2m[pfn] == mfn;
}

/* xc_map_foreign_range() of the domain: only its own frames can be mapped. */
uint64_t *sr_map_guest_frame(uint64_t mfn)
{
    if (mfn >= model_nr_frames() || model_frame_owner(_mfn(mfn)) != MODEL_OWNER_GUEST)
        return NULL;
    return model_frame_bytes(_mfn(mfn));
}

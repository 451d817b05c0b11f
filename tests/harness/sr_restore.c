/*
 * xl restore: the restorer's half of the contract (xg_sr_restore_x86_pv.c),
 * onto a new machine.
 *
 * The order is libxenguest's.  Frames first (sr_machine.c), then every page
 * written into its new frame, page tables localised on the way (each present
 * entry from pfn to the pfn's new mfn).  shared_info comes from the stream but
 * with the p2m anchor zeroed, every event pending bit cleared and every channel
 * masked.  At the end of the stream: vcpu0's context (start_info's store and
 * console frames made mfns again, with new event channels; CR3 and the user
 * CR3 loaded, which Xen validates), then every table recorded as pinned is
 * pinned again, in batches of SR_PIN_BATCH, through the model's own hypercalls,
 * so the model validates what the restorer rebuilt; last, the guest's p2m
 * leaves (found through the frame lists the saver recorded) are overwritten
 * with the new assignment.
 *
 * What the restorer does not do is the guest's business after it resumes:
 * publish the frame lists again, learn the new m2p's size, unpin what pin_all
 * pinned.
 */
#include <stdlib.h>
#include <string.h>

#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/pte.h>

#include "../model/model.h"
#include "harness.h"
#include "sr_stream.h"

struct restore {
    const struct sr_image *img;
    uint64_t *p2m;             /* the new assignment, pfn -> new mfn */
    struct sr_physmap pm;
};

static uint32_t restores;

uint32_t harness_sr_store_evtchn(void) { return 10 + 2 * restores; }
uint32_t harness_sr_console_evtchn(void) { return 11 + 2 * restores; }

static uint64_t new_mfn(const struct restore *r, uint64_t pfn)
{
    return pfn <= r->img->max_pfn ? r->p2m[pfn] : INVALID_MFN_RAW;
}

/* x86_pv_localise_page(): every present entry from pfn to the new mfn. */
static int localise(const struct restore *r, uint64_t pfn, enum sr_type type, uint64_t *t)
{
    for (unsigned int i = 0; i < PT_ENTRIES; i++) {
        uint64_t pte = t[i], mfn = new_mfn(r, sr_pte_frame(pte));

        if (!(pte & _PAGE_PRESENT))
            continue;
        if (!sr_in_pseudophysmap(&r->pm, mfn))
            return sr_error(-XEN_ERANGE, "restore: bad mfn for L%d[%u] of pfn %#llx: pte %#llx names pfn "
                            "%#llx, which has no frame", (int)type, i, (unsigned long long)pfn,
                            (unsigned long long)pte, (unsigned long long)sr_pte_frame(pte));
        t[i] = sr_pte_merge(pte, mfn);
    }
    return 0;
}

static int write_pages(const struct restore *r)
{
    int rc = 0;

    for (uint64_t pfn = 0; pfn <= r->img->max_pfn && !rc; pfn++) {
        const struct sr_page *pg = &r->img->pages[pfn];
        uint64_t *dst;

        if (pg->type == SR_XTAB)
            continue;
        dst = model_frame_bytes(_mfn(r->p2m[pfn]));
        memcpy(dst, pg->data, PAGE_SIZE);
        if (pg->type != SR_NOTAB)
            rc = localise(r, pfn, pg->type, dst);
    }
    return rc;
}

/*
 * handle_shared_info(): a new domain's page, with the old one's vcpu_info and
 * arch, the anchor zeroed.  The harness keeps one host page for it, as the
 * kernel maps the new one at the same virtual address on resume.
 */
static void write_shared_info(const struct sr_image *img)
{
    shared_info_t *si = harness_shared_info();
    const shared_info_t *old = (const void *)img->shared_info;

    memset(si, 0, PAGE_SIZE);
    memcpy(si->vcpu_info, old->vcpu_info, sizeof(si->vcpu_info));
    si->arch = old->arch;
    si->arch.pfn_to_mfn_frame_list_list = 0;
    for (unsigned int i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
        si->vcpu_info[i].evtchn_pending_sel = 0;
    memset(si->evtchn_mask, 0xff, sizeof(si->evtchn_mask));
}

/* A pfn named by the stream, to be one of the types `want` allows, and its new frame. */
static int frame_of(const struct restore *r, uint64_t pfn, enum sr_type want, const char *what, uint64_t *mfn)
{
    if (pfn > r->img->max_pfn)
        return sr_error(-XEN_ERANGE, "restore: %s pfn %#llx out of range (max_pfn %#llx)", what,
                        (unsigned long long)pfn, (unsigned long long)r->img->max_pfn);
    if (r->img->pages[pfn].type != want)
        return sr_error(-XEN_EINVAL, "restore: %s pfn %#llx has bad type %d (expected %d)", what,
                        (unsigned long long)pfn, (int)r->img->pages[pfn].type, (int)want);
    *mfn = r->p2m[pfn];
    if (!sr_in_pseudophysmap(&r->pm, *mfn))
        return sr_error(-XEN_ERANGE, "restore: %s pfn %#llx has no frame", what, (unsigned long long)pfn);
    return 0;
}

/* What the guest wrote as a pfn before suspending becomes a machine frame again. */
static int localise_field(const struct restore *r, xen_pfn_t *field, const char *what)
{
    uint64_t mfn;

    if (*field > r->img->max_pfn)
        return sr_error(-XEN_ERANGE, "restore: %s pfn %#llx out of range (max_pfn %#llx)", what,
                        (unsigned long long)*field, (unsigned long long)r->img->max_pfn);
    mfn = r->p2m[*field];
    if (!sr_in_pseudophysmap(&r->pm, mfn))
        return sr_error(-XEN_ERANGE, "restore: %s pfn %#llx has no frame", what, (unsigned long long)*field);
    *field = mfn;
    return 0;
}

/* process_start_info(). */
static int restore_start_info(const struct restore *r, mfn_t *out)
{
    uint64_t mfn;
    start_info_t *si;
    int rc = frame_of(r, r->img->start_info_pfn, SR_NOTAB, "start_info", &mfn);

    if (rc)
        return rc;
    si = model_frame_bytes(_mfn(mfn));
    rc = localise_field(r, &si->store_mfn, "the xenstore");
    if (!rc)
        rc = localise_field(r, &si->console.domU.mfn, "the console");
    if (rc)
        return rc;
    si->store_evtchn = harness_sr_store_evtchn();
    si->console.domU.evtchn = harness_sr_console_evtchn();
    si->nr_pages = r->img->max_pfn + 1;
    si->flags = 0;
    *out = _mfn(mfn);
    return 0;
}

/* process_vcpu_basic(): setting CR3 and the user CR3 makes Xen validate those trees. */
static int restore_vcpu(const struct restore *r, mfn_t *start_info)
{
    struct mmuext_op ops[2] = { { .cmd = MMUEXT_NEW_BASEPTR }, { .cmd = MMUEXT_NEW_USER_BASEPTR } };
    unsigned int n = 1, done = 0;
    long rc = restore_start_info(r, start_info);

    if (!rc)
        rc = frame_of(r, r->img->cr3_pfn, SR_L4TAB, "cr3", &ops[0].arg1.mfn);
    if (!rc && r->img->cr1_pfn != INVALID_PFN_RAW)
        rc = frame_of(r, r->img->cr1_pfn, SR_L4TAB, "cr1 (the user cr3)", &ops[n++].arg1.mfn);
    if (rc)
        return (int)rc;
    rc = hv_mmuext_op(ops, n, &done, DOMID_SELF);
    if (rc)
        return sr_error((int)rc, "restore: failed to set vcpu0's context: Xen refused %s mfn %#llx (%ld): %s",
                        done ? "the user cr3" : "cr3", (unsigned long long)ops[done].arg1.mfn, rc,
                        model_last_refusal());
    return 0;
}

static int pin_batch(struct mmuext_op *pin, unsigned int n)
{
    unsigned int done = 0;
    long rc = hv_mmuext_op(pin, n, &done, DOMID_SELF);

    if (rc)
        return sr_error((int)rc, "restore: failed to pin a batch of %u page tables: entry %u (mfn %#llx, "
                        "pfn %#llx) refused (%ld): %s", n, done, (unsigned long long)pin[done].arg1.mfn,
                        (unsigned long long)sr_mfn_to_pfn(pin[done].arg1.mfn), rc, model_last_refusal());
    return 0;
}

/* pin_pagetables(): everything the stream says was pinned, in pfn order. */
static int pin_pagetables(const struct restore *r)
{
    static const unsigned int cmd[] = {
        [SR_L1TAB] = MMUEXT_PIN_L1_TABLE, [SR_L2TAB] = MMUEXT_PIN_L2_TABLE,
        [SR_L3TAB] = MMUEXT_PIN_L3_TABLE, [SR_L4TAB] = MMUEXT_PIN_L4_TABLE,
    };
    static struct mmuext_op pin[SR_PIN_BATCH];
    unsigned int n = 0;
    int rc = 0;

    for (uint64_t pfn = 0; pfn <= r->img->max_pfn && !rc; pfn++) {
        const struct sr_page *pg = &r->img->pages[pfn];

        if (!pg->pinned || pg->type < SR_L1TAB || pg->type > SR_L4TAB)
            continue;
        pin[n] = (struct mmuext_op){ .cmd = cmd[pg->type], .arg1.mfn = r->p2m[pfn] };
        if (++n == SR_PIN_BATCH) {
            rc = pin_batch(pin, n);
            n = 0;
        }
    }
    return rc || !n ? rc : pin_batch(pin, n);
}

/* update_guest_p2m(): the guest's own leaves now say where its memory is. */
static int update_guest_p2m(const struct restore *r)
{
    for (uint64_t i = 0; i < r->img->nr_p2m_frames; i++) {
        uint64_t first = i * SR_FPP, mfn, n = r->img->max_pfn + 1 - first;
        int rc = frame_of(r, r->img->p2m_pfns[i], SR_NOTAB, "a p2m leaf", &mfn);

        if (rc)
            return rc;
        memcpy(model_frame_bytes(_mfn(mfn)), r->p2m + first,
               (n < SR_FPP ? n : SR_FPP) * sizeof(uint64_t));
    }
    return 0;
}

int harness_restore(const struct sr_image *img, mfn_t *start_info)
{
    struct restore r = { .img = img, .p2m = malloc((img->max_pfn + 1) * sizeof(uint64_t)) };
    int rc;

    sr_error_clear();
    if (!img->pages) {
        free(r.p2m);
        return sr_error(-XEN_EINVAL, "restore: the image was never finished (the guest did not suspend)");
    }
    if (!r.p2m)
        return sr_error(-XEN_ENOMEM, "restore: no memory for the p2m");
    restores++;
    rc = sr_machine_create(img, r.p2m);
    r.pm = sr_physmap_of_machine(r.p2m, img->max_pfn);
    if (!rc)
        rc = write_pages(&r);
    if (!rc) {
        write_shared_info(img);
        rc = restore_vcpu(&r, start_info);
    }
    if (!rc)
        rc = pin_pagetables(&r);
    if (!rc)
        rc = update_guest_p2m(&r);
    free(r.p2m);
    if (rc)
        return rc;
    sr_machine_adopt();
    /* The restored guest counts only its own traps, as after a boot. */
    model_reset_counters();
    return 0;
}

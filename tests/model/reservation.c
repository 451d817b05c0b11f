/*
 * XENMEM_decrease_reservation and XENMEM_populate_physmap (xen/common/memory.c),
 * for a PV guest: the ballooning pair.
 *
 * decrease_reservation takes a list of the guest's MFNs (a PV guest's gmfns are
 * MFNs) and frees each, stopping at the first it cannot (guest_remove_page:
 * a frame that is not the guest's is -EINVAL there); the return value is how many
 * extents were done, never an error once the arguments passed.
 * populate_physmap takes a list of gpfns, allocates a frame for each, sets the
 * m2p to the gpfn, and writes the MFN back over the gpfn in the list (for a
 * guest that is not translated); it stops when the domain reaches max_pages or
 * memory runs out.  Only order-0 extents and DOMID_SELF are modelled.
 *
 * Stricter than Xen, on purpose: a frame still in use (a type count, a pin) is
 * refused here.  Xen would take it off the domain's list but keep the page alive
 * while referenced (since XSA-252 it does not even unpin it): the memory would
 * not come back and the guest's view would be wrong.  A balloon that gives back
 * a frame in use is a bug, and the model says so by stopping there.
 */
#include <string.h>

#include "model_int.h"

void model_set_max_pages(unsigned long n) { model.max_pages = n; }

void model_limit_next_reservation(unsigned long k)
{
    model.reservation_limit = k;
    model.reservation_limited = true;
}

unsigned long model_guest_pages(void)
{
    unsigned long n = 0;

    for (unsigned long i = 0; i < model.nr_frames; i++)
        n += model.frames[i].owner == MODEL_OWNER_GUEST;
    return n;
}

/* How many extents this call may do at most (the injected limit is used once). */
static unsigned long extent_budget(unsigned long asked)
{
    if (!model.reservation_limited)
        return asked;
    model.reservation_limited = false;
    model.counters.injected_faults++;
    return model.reservation_limit < asked ? model.reservation_limit : asked;
}

static long check_args(const struct xen_memory_reservation *r, const char *what)
{
    if (r->extent_order != 0)
        return model_refuse(-XEN_EINVAL, "%s: extent_order %u is not modelled (only 0)", what, r->extent_order);
    if (r->domid != DOMID_SELF && r->domid != MODEL_GUEST_DOMID)
        return model_refuse(-XEN_EPERM, "%s: domid %u: an unprivileged guest may name only itself",
                            what, r->domid);
    if (r->nr_extents && !r->extent_start.p)
        return model_refuse(-XEN_EFAULT, "%s: extent_start is NULL", what);
    return 0;
}

static long decrease(struct xen_memory_reservation *r)
{
    unsigned long i, budget;
    long rc = check_args(r, "decrease_reservation");

    if (rc)
        return rc;
    budget = extent_budget(r->nr_extents);
    for (i = 0; i < budget; i++) {
        mfn_t mfn = _mfn(r->extent_start.p[i]);
        struct model_frame *f = model_frame(mfn);

        if (!f || f->owner != MODEL_OWNER_GUEST) {
            model_refuse(-XEN_EINVAL, "decrease_reservation: extent %lu, mfn %#llx, is not the guest's "
                         "(guest_remove_page)", i, (unsigned long long)mfn_x(mfn));
            break;
        }
        if (f->type_count || f->pinned) {
            model_refuse(-XEN_EBUSY, "decrease_reservation: extent %lu, mfn %#llx, is still in use (type %d, "
                         "count %lu%s): Xen would keep it alive and the memory would not come back", i,
                         (unsigned long long)mfn_x(mfn), f->type, f->type_count, f->pinned ? ", pinned" : "");
            break;
        }
        f->owner = MODEL_OWNER_NONE;
        f->m2p = INVALID_PFN_RAW;
        /* Freed memory keeps nothing of the guest's: scribble so a stale reader sees garbage. */
        memset(model_frame_bytes(mfn), 0x6b, PAGE_SIZE);
    }
    return (long)i;
}

static mfn_t free_frame(void)
{
    for (unsigned long i = 0; i < model.nr_frames; i++)
        if (model.frames[i].owner == MODEL_OWNER_NONE)
            return _mfn(i);
    return INVALID_MFN;
}

static long populate(struct xen_memory_reservation *r)
{
    unsigned long i, budget, pages = model_guest_pages();
    long rc = check_args(r, "populate_physmap");

    if (rc)
        return rc;
    budget = extent_budget(r->nr_extents);
    for (i = 0; i < budget; i++) {
        mfn_t mfn;

        if (model.max_pages && pages >= model.max_pages) {
            model_refuse(-XEN_ENOMEM, "populate_physmap: extent %lu: the guest is at max_pages %lu", i,
                         model.max_pages);
            break;
        }
        mfn = free_frame();
        if (!mfn_valid_value(mfn)) {
            model_refuse(-XEN_ENOMEM, "populate_physmap: extent %lu: no free machine frame", i);
            break;
        }
        model.frames[mfn_x(mfn)].owner = MODEL_OWNER_GUEST;
        model.frames[mfn_x(mfn)].m2p = r->extent_start.p[i];
        memset(model_frame_bytes(mfn), 0x5a, PAGE_SIZE);   /* not scrubbed to zero: the guest must not count on it */
        r->extent_start.p[i] = mfn_x(mfn);
        pages++;
    }
    return (long)i;
}

long model_reservation_op(unsigned int cmd, void *arg)
{
    if (cmd == XENMEM_decrease_reservation)
        return decrease(arg);
    if (cmd == XENMEM_populate_physmap)
        return populate(arg);
    return model_refuse(-XEN_ENOSYS, "memory_op: reservation command %u is not modelled", cmd);
}

/*
 * HYPERVISOR_mmu_update: a list of (machine address of an entry | command, value).
 *
 * do_mmu_update() runs the list in order and stops at the first request that
 * fails; *done says how many went through.  What a request does depends on what
 * the frame it points into currently is:
 *   - a validated page table (type count > 0): mod_lN_entry, with every check;
 *   - anything else the guest owns: a plain 8-byte store, after taking (and
 *     dropping again) the writable type, which is what page_lock() failing
 *     followed by get_page_type(PGT_writable_page) amounts to.
 * MMU_MACHPHYS_UPDATE sets the m2p entry of a frame the guest owns.
 */
#include "model_int.h"

static int pt_update(uint64_t ptr, uint64_t val, bool preserve_ad)
{
    mfn_t mfn = maddr_to_mfn(ptr);
    unsigned int slot = (unsigned int)((ptr & (PAGE_SIZE - 1)) / sizeof(uint64_t));
    struct model_frame *f = model_frame(mfn);

    if (!f || f->owner != MODEL_OWNER_GUEST)
        return (int)model_refuse(-XEN_EINVAL, "do_mmu_update: could not get page for normal "
                                 "update (mfn %#llx is not the guest's)",
                                 (unsigned long long)mfn_x(mfn));

    if (f->type_count && f->validated && f->type >= MODEL_TYPE_L1)
        return model_mod_entry(mfn, slot, (int)(f->type - MODEL_TYPE_L1) + 1, val,
                               preserve_ad);

    if (f->type_count && f->type != MODEL_TYPE_WRITABLE)
        return (int)model_refuse(-XEN_EINVAL, "do_mmu_update: mfn %#llx is being validated",
                                 (unsigned long long)mfn_x(mfn));
    int rc = model_get_type(mfn, MODEL_TYPE_WRITABLE);
    if (rc)
        return rc;
    model_store_entry(mfn, slot, val);
    model_put_type(mfn);
    return 0;
}

static int machphys_update(uint64_t ptr, uint64_t val)
{
    mfn_t mfn = maddr_to_mfn(ptr);
    if (!model_guest_owns(mfn))
        return (int)model_refuse(-XEN_EINVAL, "do_mmu_update: could not get page for "
                                 "mach->phys update (mfn %#llx)",
                                 (unsigned long long)mfn_x(mfn));
    model_m2p_set(mfn, val);
    return 0;
}

static int one_request(const mmu_update_t *req)
{
    unsigned int cmd = (unsigned int)(req->ptr & (sizeof(uint64_t) - 1));
    uint64_t ptr = req->ptr - cmd;

    switch (cmd) {
    case MMU_NORMAL_PT_UPDATE:
    case MMU_PT_UPDATE_NO_TRANSLATE:   /* a PV guest is not translated: the same */
        return pt_update(ptr, req->val, false);
    case MMU_PT_UPDATE_PRESERVE_AD:
        return pt_update(ptr, req->val, true);
    case MMU_MACHPHYS_UPDATE:
        return machphys_update(ptr, req->val);
    default:
        return (int)model_refuse(-XEN_ENOSYS, "do_mmu_update: unknown command %u", cmd);
    }
}

static int request_at(const void *list, unsigned int i)
{
    return one_request(&((const mmu_update_t *)list)[i]);
}

long model_mmu_update(mmu_update_t *reqs, unsigned int count, unsigned int *done, domid_t dom)
{
    model.counters.mmu_update_calls++;
    return model_run_list("do_mmu_update", dom, reqs, count, done,
                          &model.counters.mmu_update_reqs, request_at);
}

long hv_mmu_update(mmu_update_t *reqs, unsigned int count, unsigned int *done, domid_t dom)
{
    long injected;
    if (model_enter_hypercall(&injected)) {
        model.counters.mmu_update_calls++;
        if (done)
            *done = 0;
        return injected;
    }
    return model_mmu_update(reqs, count, done, dom);
}

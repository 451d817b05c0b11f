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
 *
 * Before the list, the domain argument: its low 16 bits name the owner of the
 * pages the entries map (get_pg_owner), its high 16 bits, when not 0, the
 * owner of the page tables plus one.  A domU may only name itself, and only
 * as DOMID_SELF in the low half; DOMID_IO passes for page-table updates (it
 * is how a driver domain maps I/O memory) but gains a plain domU nothing.
 */
#include "model_int.h"

/*
 * Who the list acts for (do_mmu_update's pt_owner and pg_owner), and
 * whether an L2..L4 entry changed (flush_linear_pt): the guest may reach its
 * tables through linear mappings, so Xen then flushes the TLBs of the
 * page-table owner's dirty CPUs itself, after the list, whatever its result.
 */
struct owners {
    enum model_dom pt, pg;
    bool flush_linear_pt;
};

/*
 * The per-request xsm_mmu_update(XSM_TARGET, d, pt_owner, pg_owner)
 * (xen/include/xsm/dummy.h): dom_io needs no permission as page owner; every
 * other owner must pass xsm_default_action, as must the page-table owner.
 * MMU_MACHPHYS_UPDATE passes no page-table owner.
 */
static int xsm_mmu_update(const struct owners *o, bool with_pt_owner)
{
    if (o->pg != MODEL_DOM_IO && !model_xsm_target_ok(o->pg))
        return (int)model_refuse(-XEN_EPERM, "xsm_mmu_update: d%u may not map pages of %s",
                                 MODEL_GUEST_DOMID, model_dom_name(o->pg));
    if (with_pt_owner && !model_xsm_target_ok(o->pt))
        return (int)model_refuse(-XEN_EPERM, "xsm_mmu_update: d%u may not update page "
                                 "tables of %s", MODEL_GUEST_DOMID, model_dom_name(o->pt));
    return 0;
}

static int pt_update(struct owners *o, uint64_t ptr, uint64_t val, bool preserve_ad)
{
    enum model_dom pg_owner = o->pg;
    mfn_t mfn = maddr_to_mfn(ptr);
    unsigned int slot = (unsigned int)((ptr & (PAGE_SIZE - 1)) / sizeof(uint64_t));
    struct model_frame *f = model_frame(mfn);

    if (!f || f->owner != MODEL_OWNER_GUEST)
        return (int)model_refuse(-XEN_EINVAL, "do_mmu_update: could not get page for normal "
                                 "update (mfn %#llx is not the guest's)",
                                 (unsigned long long)mfn_x(mfn));

    /* The PGT_l2..l4 cases of do_mmu_update: only the page-table owner's pages. */
    if (f->type_count && f->validated && f->type > MODEL_TYPE_L1 && pg_owner != MODEL_DOM_SELF)
        return (int)model_refuse(-XEN_EINVAL, "do_mmu_update: L%d update with pages of %s",
                                 (int)(f->type - MODEL_TYPE_L1) + 1, model_dom_name(pg_owner));
    if (f->type_count && f->validated && f->type >= MODEL_TYPE_L1) {
        int level = (int)(f->type - MODEL_TYPE_L1) + 1;
        int rc = model_mod_entry(mfn, slot, level, val, preserve_ad, pg_owner);
        if (!rc && level > 1)
            o->flush_linear_pt = true;
        return rc;
    }

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

/*
 * MMU_MACHPHYS_UPDATE: only for the caller's own tables (d != pt_owner:
 * -EPERM), then xsm_mmu_update without a page-table owner, then
 * get_page_from_mfn(mfn, pg_owner): dom_io owns none of the guest's frames.
 */
static int machphys_update(const struct owners *o, uint64_t ptr, uint64_t val)
{
    mfn_t mfn = maddr_to_mfn(ptr);
    if (o->pt != MODEL_DOM_SELF)
        return (int)model_refuse(-XEN_EPERM, "do_mmu_update: mach->phys update for the "
                                 "tables of %s", model_dom_name(o->pt));
    int rc = xsm_mmu_update(o, false);
    if (rc)
        return rc;
    if (o->pg != MODEL_DOM_SELF || !model_guest_owns(mfn))
        return (int)model_refuse(-XEN_EINVAL, "do_mmu_update: could not get page for "
                                 "mach->phys update (mfn %#llx)",
                                 (unsigned long long)mfn_x(mfn));
    model_m2p_set(mfn, val);
    return 0;
}

static int one_request(struct owners *o, const mmu_update_t *req)
{
    unsigned int cmd = (unsigned int)(req->ptr & (sizeof(uint64_t) - 1));
    uint64_t ptr = req->ptr - cmd;

    switch (cmd) {
    case MMU_NORMAL_PT_UPDATE:
    case MMU_PT_UPDATE_NO_TRANSLATE:   /* a PV guest is not translated: the same */
    case MMU_PT_UPDATE_PRESERVE_AD: {
        int rc = xsm_mmu_update(o, true);
        if (rc)
            return rc;
        return pt_update(o, ptr, req->val, cmd == MMU_PT_UPDATE_PRESERVE_AD);
    }
    case MMU_MACHPHYS_UPDATE:
        return machphys_update(o, ptr, req->val);
    default:
        return (int)model_refuse(-XEN_ENOSYS, "do_mmu_update: unknown command %u", cmd);
    }
}

static int request_at(void *ctx, const void *list, unsigned int i)
{
    return one_request(ctx, &((const mmu_update_t *)list)[i]);
}

/*
 * do_mmu_update()'s prologue.  A page-table owner that does not exist returns
 * -ESRCH at once; a page owner get_pg_owner() refuses (the guest's own number
 * among them) goes through "out", which still writes *done (0).
 */
long model_mmu_update(mmu_update_t *reqs, unsigned int count, unsigned int *done,
                      unsigned int foreigndom)
{
    struct owners o = { .pt = MODEL_DOM_SELF };
    unsigned int pt_dom = foreigndom >> 16;

    model.counters.mmu_update_calls++;
    if (pt_dom) {
        o.pt = model_domain_by_id((domid_t)(pt_dom - 1));
        if (o.pt == MODEL_DOM_NONE)
            return model_refuse(-XEN_ESRCH, "do_mmu_update: no page-table owner d%u",
                                pt_dom - 1);
    }
    o.pg = model_pg_owner((domid_t)foreigndom);
    if (o.pg == MODEL_DOM_NONE) {
        if (done)
            *done = 0;
        return model_refuse(-XEN_ESRCH, "do_mmu_update: get_pg_owner(%u) found no foreign "
                            "domain (the caller's own number is refused too)",
                            foreigndom & 0xffff);
    }
    long rc = model_run_list(reqs, count, done, &model.counters.mmu_update_reqs, request_at,
                             &o);
    /* "flush_linear_pt requires a FLUSH_TLB to all dirty CPUs": every running vcpu's. */
    if (o.flush_linear_pt)
        model_tlb_flush_by_xen(model_dirty_cpumask());
    return rc;
}

static long hv_mmu_update_unlocked(mmu_update_t *reqs, unsigned int count, unsigned int *done, domid_t dom)
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

long hv_mmu_update(mmu_update_t *reqs, unsigned int count, unsigned int *done, domid_t dom)
{
    long rc;

    model_lock();
    rc = hv_mmu_update_unlocked(reqs, count, done, dom);
    model_unlock();
    return rc;
}

/*
 * HYPERVISOR_update_va_mapping: change the l1e that maps a virtual address.
 *
 * The guest names the entry by the address it translates, not by where the
 * entry lives: Xen walks the current (kernel) base pointer down to the L1
 * (map_guest_l1e), insists that frame is a validated L1 the guest owns, and
 * then applies exactly the mod_l1_entry checks mmu_update would.  One trap,
 * and the guest never needs the entry's machine address.
 */
#include "model_int.h"

/* map_guest_l1e(): the L1 that maps va in the current tree, or INVALID_MFN. */
static mfn_t l1_for(uint64_t va)
{
    mfn_t root = model_current()->kernel_base;

    if (!mfn_valid_value(root) || va_canonical(va) != va)
        return INVALID_MFN;
    if (l4_slot_is_xen(pt_index(va, 4)))
        return INVALID_MFN;

    mfn_t table = root;
    for (int level = 4; level > 1; level--) {
        uint64_t e = model_table(table)[pt_index(va, level)];
        if (!(e & _PAGE_PRESENT) || (e & _PAGE_PSE))
            return INVALID_MFN;
        table = mpte_mfn((mpte_t){ e });
        if (!model_frame(table))
            return INVALID_MFN;
    }
    return table;
}

/*
 * The flush after a successful update (__do_update_va_mapping; since XSA-279
 * a refused update skips it): the low two bits say what to flush, the rest to
 * whom.  UVMF_LOCAL (0) is the calling vcpu's CPU (flush_tlb_local /
 * paging_invlpg), UVMF_ALL the domain's dirty CPUs (every running vcpu); any
 * other value is a pointer to a vcpumask (UVMF_MULTI), read only now, after
 * the update, as vcpumask_to_pcpumask does.  An empty mask flushes nothing;
 * an unreadable one flushes nothing and returns -EFAULT, although the entry
 * has been changed.  An INVLPG is never refused here: va passed
 * map_guest_l1e's __addr_ok to get this far.
 */
static long flush(uint64_t va, uint64_t flags)
{
    uint64_t type = flags & UVMF_FLUSHTYPE_MASK, bmap = flags & ~(uint64_t)UVMF_FLUSHTYPE_MASK;
    model_cpumask_t mask = bmap == UVMF_LOCAL ? model_this_cpu() : model_dirty_cpumask();
    long rc = 0;

    if (type == UVMF_NONE)
        return 0;
    if (bmap != UVMF_LOCAL && bmap != UVMF_ALL)
        rc = model_vcpumask_to_pcpumask(bmap, &mask);
    if (rc)
        model_refuse(rc, "update_va_mapping: vcpumask_to_pcpumask could not read the vcpumask "
                     "at %#llx (the entry was changed)", (unsigned long long)bmap);
    if (type == UVMF_TLB_FLUSH)
        model_tlb_flush_mask(mask);
    else if (type == UVMF_INVLPG)
        model_tlb_flush_va_mask(mask, va);
    return rc;
}

long model_update_va_mapping(uint64_t va, uint64_t val, uint64_t flags)
{
    model.counters.update_va_mapping_calls++;
    uint64_t gva = model_guest_va(va);
    mfn_t l1 = l1_for(gva);
    const struct model_frame *f = model_frame(l1);

    if (!f)
        return model_refuse(-XEN_EINVAL, "update_va_mapping: no L1 maps va %#llx",
                            (unsigned long long)gva);
    if (f->owner != MODEL_OWNER_GUEST || !f->type_count || !f->validated ||
        f->type != MODEL_TYPE_L1)
        return model_refuse(-XEN_EINVAL, "update_va_mapping: mfn %#llx mapping va %#llx is "
                            "not a validated L1 of the guest", (unsigned long long)mfn_x(l1),
                            (unsigned long long)gva);

    int rc = model_mod_entry(l1, pt_index(gva, 1), 1, val, false, MODEL_DOM_SELF);
    if (rc)
        return rc;   /* nothing changed: Xen skips the flush too */
    return flush(gva, flags);
}

static long hv_update_va_mapping_unlocked(uint64_t va, uint64_t val, uint64_t flags)
{
    long injected;
    if (model_enter_hypercall(&injected)) {
        model.counters.update_va_mapping_calls++;
        return injected;
    }
    return model_update_va_mapping(va, val, flags);
}

long hv_update_va_mapping(uint64_t va, uint64_t val, uint64_t flags)
{
    long rc;

    model_lock();
    rc = hv_update_va_mapping_unlocked(va, val, flags);
    model_unlock();
    return rc;
}

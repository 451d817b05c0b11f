/*
 * HYPERVISOR_mmuext_op: pins, base pointers and TLB flushes.
 *
 * Pinning is how a guest tells Xen "validate this tree now and keep it
 * validated even while nothing else references it": the pin holds one type
 * reference of its own.  A base pointer (the kernel's MMUEXT_NEW_BASEPTR, the
 * user half's MMUEXT_NEW_USER_BASEPTR) holds another on its L4.  Like
 * mmu_update, a list stops at the first failing op and *done counts the ones
 * that completed (do_mmuext_op).
 */
#include "model_int.h"

static int pin(mfn_t mfn, int level)
{
    struct model_frame *f = model_frame(mfn);
    if (!model_guest_owns(mfn))
        return (int)model_refuse(-XEN_EINVAL, "do_mmuext_op: pin of mfn %#llx, which is not "
                                 "the guest's", (unsigned long long)mfn_x(mfn));
    int rc = model_get_type(mfn, model_type_for_level(level));
    if (rc)
        return rc;
    if (f->pinned) {
        model_put_type(mfn);
        return (int)model_refuse(-XEN_EINVAL, "do_mmuext_op: mfn %#llx already pinned",
                                 (unsigned long long)mfn_x(mfn));
    }
    f->pinned = true;
    model.counters.pins++;
    return 0;
}

static int unpin(mfn_t mfn)
{
    struct model_frame *f = model_frame(mfn);
    if (!model_guest_owns(mfn))
        return (int)model_refuse(-XEN_EINVAL, "do_mmuext_op: unpin of mfn %#llx: bad, or bad "
                                 "owner", (unsigned long long)mfn_x(mfn));
    if (!f->pinned)
        return (int)model_refuse(-XEN_EINVAL, "do_mmuext_op: mfn %#llx not pinned",
                                 (unsigned long long)mfn_x(mfn));
    f->pinned = false;
    model.counters.unpins++;
    model_put_type(mfn);
    return 0;
}

/* get_page_and_type_from_mfn(mfn, PGT_root_page_table, ...) */
static int take_root(mfn_t mfn)
{
    if (!model_guest_owns(mfn))
        return (int)model_refuse(-XEN_EINVAL, "do_mmuext_op: base pointer mfn %#llx is not "
                                 "the guest's", (unsigned long long)mfn_x(mfn));
    return model_get_type(mfn, MODEL_TYPE_L4);
}

/*
 * new_guest_cr3(): the calling vcpu's guest_table.  Loading the same root
 * again is only write_ptbase(); either way its own CPU's TLB is flushed,
 * nobody else's.
 */
static int new_baseptr(mfn_t mfn)
{
    struct model_vcpu *v = model_current();

    if (mfn_eq(mfn, v->kernel_base)) {
        model_tlb_flush_by_xen(model_this_cpu());
        return 0;
    }
    int rc = take_root(mfn);
    if (rc)
        return rc;
    mfn_t old = v->kernel_base;
    v->kernel_base = mfn;
    model_tlb_flush_by_xen(model_this_cpu());
    if (mfn_valid_value(old))
        model_put_type(old);
    return 0;
}

/* MMUEXT_NEW_USER_BASEPTR: the calling vcpu's guest_table_user; mfn 0 means "none". */
static int new_user_baseptr(mfn_t mfn)
{
    struct model_vcpu *v = model_current();
    mfn_t old = v->user_base;
    if (mfn_eq(mfn, old) || (mfn_x(mfn) == 0 && !mfn_valid_value(old)))
        return 0;
    if (mfn_x(mfn) != 0) {
        int rc = take_root(mfn);
        if (rc)
            return rc;
    }
    v->user_base = mfn_x(mfn) ? mfn : INVALID_MFN;
    if (mfn_valid_value(old))
        model_put_type(old);
    return 0;
}

/*
 * MMUEXT_INVLPG_LOCAL: paging_invlpg(curr, linear) (xen/arch/x86/mm.c), the
 * calling vcpu's TLB only; a non-canonical address is ignored, not refused.
 */
static void invlpg_local(uint64_t linear)
{
    if (model_canonical(model_guest_va(linear)))
        model_tlb_flush_va_mask(model_this_cpu(), linear);
}

/*
 * do_mmuext_op's MMUEXT_INVLPG_MULTI / _ALL: flush_tlb_one_mask() only
 * `if ( __addr_ok(op.arg1.linear_addr) )`; otherwise nothing, and success.
 */
static void invlpg_mask(uint64_t linear, model_cpumask_t mask)
{
    if (model_addr_ok(model_guest_va(linear)))
        model_tlb_flush_va_mask(mask, linear);
}

/*
 * MMUEXT_TLB_FLUSH_MULTI / INVLPG_MULTI: the vcpumask is read from guest
 * memory (vcpumask_to_pcpumask) before anything is flushed; a failed read is
 * -EINVAL here (it is -EFAULT in update_va_mapping) and flushes nothing.  A
 * mask that names no running vcpu flushes nothing.
 */
static int flush_multi(const struct mmuext_op *op, bool whole_tlb)
{
    model_cpumask_t mask;
    if (model_vcpumask_to_pcpumask((uint64_t)(uintptr_t)op->arg2.vcpumask.p, &mask))
        return (int)model_refuse(-XEN_EINVAL, "do_mmuext_op: vcpumask_to_pcpumask could not "
                                 "read the vcpumask at %p", op->arg2.vcpumask.p);
    if (whole_tlb)
        model_tlb_flush_mask(mask);
    else
        invlpg_mask(op->arg1.linear_addr, mask);
    return 0;
}

static int one_op(const struct mmuext_op *op)
{
    mfn_t mfn = _mfn(op->arg1.mfn);

    switch (op->cmd) {
    case MMUEXT_PIN_L1_TABLE:
    case MMUEXT_PIN_L2_TABLE:
    case MMUEXT_PIN_L3_TABLE:
    case MMUEXT_PIN_L4_TABLE:
        return pin(mfn, (int)(op->cmd - MMUEXT_PIN_L1_TABLE) + 1);
    case MMUEXT_UNPIN_TABLE:
        return unpin(mfn);
    case MMUEXT_NEW_BASEPTR:
        return new_baseptr(mfn);
    case MMUEXT_NEW_USER_BASEPTR:
        return new_user_baseptr(mfn);
    case MMUEXT_TLB_FLUSH_LOCAL:   /* flush_tlb_local() */
        model_tlb_flush_mask(model_this_cpu());
        return 0;
    case MMUEXT_TLB_FLUSH_ALL:     /* flush_tlb_mask(currd->dirty_cpumask) */
        model_tlb_flush_mask(model_dirty_cpumask());
        return 0;
    case MMUEXT_INVLPG_LOCAL:
        invlpg_local(op->arg1.linear_addr);
        return 0;
    case MMUEXT_INVLPG_ALL:        /* flush_tlb_one_mask(currd->dirty_cpumask, ...) */
        invlpg_mask(op->arg1.linear_addr, model_dirty_cpumask());
        return 0;
    case MMUEXT_TLB_FLUSH_MULTI:
        return flush_multi(op, true);
    case MMUEXT_INVLPG_MULTI:
        return flush_multi(op, false);
    case MMUEXT_MARK_SUPER:
    case MMUEXT_UNMARK_SUPER:
        return (int)model_refuse(-XEN_EOPNOTSUPP, "do_mmuext_op: superpages are gone");
    default:
        /* SET_LDT, CLEAR_PAGE, COPY_PAGE, FLUSH_CACHE: not part of the MMU layer's waist. */
        return (int)model_refuse(-XEN_ENOSYS, "do_mmuext_op: command %u is not modelled",
                                 op->cmd);
    }
}

static int op_at(void *ctx, const void *list, unsigned int i)
{
    (void)ctx;
    return one_op(&((const struct mmuext_op *)list)[i]);
}

/*
 * do_mmuext_op()'s prologue.  get_pg_owner() takes a domid_t, so of the 32
 * bits only the low 16 count.  Its refusals (the guest's own number among
 * them) return -ESRCH, and the XSM check (any domain but the caller) -EPERM,
 * both before the loop: *done is not written.
 */
long model_mmuext_op(struct mmuext_op *ops, unsigned int count, unsigned int *done,
                     unsigned int foreigndom)
{
    enum model_dom pg_owner = model_pg_owner((domid_t)foreigndom);

    model.counters.mmuext_op_calls++;
    if (pg_owner == MODEL_DOM_NONE)
        return model_refuse(-XEN_ESRCH, "do_mmuext_op: get_pg_owner(%u) found no foreign "
                            "domain (the caller's own number is refused too)",
                            foreigndom & 0xffff);
    if (!model_xsm_target_ok(pg_owner))
        return model_refuse(-XEN_EPERM, "xsm_mmuext_op: d%u may not act for %s",
                            MODEL_GUEST_DOMID, model_dom_name(pg_owner));
    return model_run_list(ops, count, done, &model.counters.mmuext_ops, op_at, NULL);
}

static long hv_mmuext_op_unlocked(struct mmuext_op *ops, unsigned int count, unsigned int *done, domid_t dom)
{
    long injected;
    if (model_enter_hypercall(&injected)) {
        model.counters.mmuext_op_calls++;
        if (done)
            *done = 0;
        return injected;
    }
    return model_mmuext_op(ops, count, done, dom);
}

long hv_mmuext_op(struct mmuext_op *ops, unsigned int count, unsigned int *done, domid_t dom)
{
    long rc;

    model_lock();
    rc = hv_mmuext_op_unlocked(ops, count, done, dom);
    model_unlock();
    return rc;
}

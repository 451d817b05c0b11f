/*
 * The TLB: what the CPU remembers after the tables have changed.
 *
 * Xen validates what goes into the tables, but it is the guest's job to flush
 * what the CPU cached from them (MMUEXT_INVLPG_*, MMUEXT_TLB_FLUSH_*, the
 * UVMF_* flags of update_va_mapping).  Forgetting is the quiet bug of every
 * MMU layer: a page made read-only stays writable through the stale entry
 * until something happens to flush it.  So the model keeps a small TLB, filled
 * by model_touch() (the only "access" in a hosted test), emptied by the
 * flushes, and able to say which of its entries grant more than the tables do.
 *
 * Simplifications: one CPU; every flush kind empties the whole TLB or the one
 * page; a root load drops everything, global entries too, as Xen's
 * write_ptbase does for a PV guest.
 */
#include <stdio.h>

#include "model_int.h"

void model_tlb_fill(mfn_t root, uint64_t va, const struct model_xlat *x)
{
    uint64_t page = va & ~(uint64_t)(PAGE_SIZE - 1);
    struct model_tlb_entry *e = NULL;

    for (unsigned int i = 0; i < MODEL_TLB_SIZE && !e; i++)
        if (model.tlb[i].valid && mfn_eq(model.tlb[i].root, root) && model.tlb[i].va == page)
            e = &model.tlb[i];
    if (!e)
        e = &model.tlb[model.tlb_next++ % MODEL_TLB_SIZE];
    *e = (struct model_tlb_entry){ .valid = true, .root = root, .va = page, .x = *x };
}

static void drop_all(void)
{
    for (unsigned int i = 0; i < MODEL_TLB_SIZE; i++)
        model.tlb[i].valid = false;
}

/* flush_tlb_local() / flush_tlb_mask(): do_tlb_flush() toggles CR4.PGE, globals go too. */
void model_tlb_flush_all(void)
{
    model.counters.tlb_flushes++;
    drop_all();
}

void model_tlb_flush_va(uint64_t va)
{
    uint64_t page = model_guest_va(va) & ~(uint64_t)(PAGE_SIZE - 1);
    model.counters.invlpgs++;
    for (unsigned int i = 0; i < MODEL_TLB_SIZE; i++)
        if (model.tlb[i].va == page)
            model.tlb[i].valid = false;
}

/*
 * The flushes Xen does without being asked, not counted as the guest's:
 *
 * write_ptbase() -> switch_cr3_cr4() (xen/arch/x86/flushtlb.c), what
 * MMUEXT_NEW_BASEPTR ends in.  A 64-bit PV guest runs with CR4.PGE (global
 * user mappings, pv_make_cr4) or with CR4.PCIDE, never both.  With PGE,
 * switch_cr3_cr4 clears it before the CR3 write and sets it again after:
 * global entries are flushed with the rest.  With PCIDE it ends in
 * invpcid_flush_all_nonglobals(), and there are no global entries then.
 * Either way nothing survives.  (Only the kernel/user toggle on a guest's
 * syscall return, _toggle_guest_pt, keeps globals; the model has no such
 * toggle.)
 *
 * do_mmu_update's flush_linear_pt: after a list that changed an L2..L4
 * entry, flush_local(FLUSH_TLB) (do_tlb_flush: globals too).
 */
void model_tlb_flush_by_xen(void)
{
    drop_all();
}

static const struct model_tlb_entry *cached(mfn_t l4, uint64_t va)
{
    uint64_t page = va & ~(uint64_t)(PAGE_SIZE - 1);
    for (unsigned int i = 0; i < MODEL_TLB_SIZE; i++)
        if (model.tlb[i].valid && mfn_eq(model.tlb[i].root, l4) && model.tlb[i].va == page)
            return &model.tlb[i];
    return NULL;
}

/* What the CPU would use for va: the cached translation if any, else the tables. */
bool model_tlb_lookup(mfn_t l4, uint64_t va, struct model_xlat *out)
{
    const struct model_tlb_entry *e = cached(l4, va);
    if (!e)
        return model_translate(l4, va, out);
    if (out)
        *out = e->x;
    return true;
}

/* Does the cached entry allow something the tables no longer do? */
static bool grants_more(const struct model_tlb_entry *e, const char **what)
{
    struct model_xlat now;
    if (!model_translate(e->root, e->va, &now))
        *what = "is no longer mapped";
    else if (!mfn_eq(now.mfn, e->x.mfn))
        *what = "now maps another frame";
    else if (e->x.rw && !now.rw)
        *what = "is now read-only";
    else if (e->x.user && !now.user)
        *what = "is no longer user-accessible";
    else if (!e->x.nx && now.nx)
        *what = "is now no-execute";
    else
        return false;
    return true;
}

unsigned int model_tlb_stale(char *why, size_t why_len)
{
    unsigned int n = 0;
    if (why_len)
        why[0] = '\0';
    for (unsigned int i = 0; i < MODEL_TLB_SIZE; i++) {
        const char *what;
        if (!model.tlb[i].valid || !grants_more(&model.tlb[i], &what))
            continue;
        if (!n++ && why_len)
            snprintf(why, why_len, "stale TLB entry: va %#llx (root mfn %#llx) %s",
                     (unsigned long long)model.tlb[i].va,
                     (unsigned long long)mfn_x(model.tlb[i].root), what);
    }
    return n;
}

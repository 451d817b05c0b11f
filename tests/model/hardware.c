/*
 * What the MMU would do with the tables: walk them, and leave its marks.
 *
 * Tests use this to ask the question that matters in the end, "what does this
 * address reach now, and with which rights?", instead of trusting that the
 * right entries were written.  The walk is the hardware's: it follows the
 * tables as they are in memory, validated or not, and combines the rights of
 * every level (writable only if every level says RW, user only if every level
 * says USER, no-execute if any level says NX).
 */
#include "model_int.h"

struct walk {
    uint64_t *entry[PT_LEVELS + 1];   /* entry[level]: the lNe used, by level */
    struct model_xlat x;
};

static bool walk(mfn_t l4, uint64_t va, struct walk *w)
{
    if (va_canonical(va) != va || !model_frame(l4))
        return false;

    mfn_t table = l4;
    w->x = (struct model_xlat){ .rw = true, .user = true, .nx = false };
    for (int level = PT_LEVELS; level >= 1; level--) {
        uint64_t *p = &model_table(table)[pt_index(va, level)];
        uint64_t e = *p;
        if (!(e & _PAGE_PRESENT))
            return false;
        if (level > 1 && (e & _PAGE_PSE))
            return false;   /* superpages: never valid in a PV guest's tables */
        w->entry[level] = p;
        w->x.rw = w->x.rw && (e & _PAGE_RW);
        w->x.user = w->x.user && (e & _PAGE_USER);
        w->x.nx = w->x.nx || (e & _PAGE_NX);
        table = mpte_mfn((mpte_t){ e });
        if (!model_frame(table))
            return false;   /* points past the end of memory */
    }
    w->x.mfn = table;
    return true;
}

bool model_translate(mfn_t l4, uint64_t va, struct model_xlat *out)
{
    struct walk w;
    if (!walk(l4, va, &w))
        return false;
    if (out)
        *out = w.x;
    return true;
}

/*
 * An access: Accessed is set in every entry of the walk; a write also needs RW
 * at every level and sets Dirty in the l1e.  The translation is then cached in
 * the TLB (tlb.c).  Like the CPU, a touch that hits a cached translation would
 * use it; the model walks anyway and leaves the stale-entry question to
 * model_tlb_stale().  (The guest kernel runs in ring 3
 * on 64-bit PV, with Xen making its own mappings user-accessible, so USER is
 * not checked here: see docs/model.md.)
 */
enum model_touch model_touch_fill(struct model_vcpu *v, mfn_t l4, uint64_t va, bool write)
{
    struct walk w;
    if (!walk(l4, va, &w))
        return MODEL_TOUCH_NOT_MAPPED;
    if (write && !w.x.rw)
        return MODEL_TOUCH_READ_ONLY;
    for (int level = PT_LEVELS; level >= 1; level--)
        *w.entry[level] |= _PAGE_ACCESSED;
    if (write)
        *w.entry[1] |= _PAGE_DIRTY;
    model_tlb_fill(v, l4, va, &w.x);
    return MODEL_TOUCH_OK;
}

/* The current vcpu's access (model_vcpu_touch, tlb.c, is any vcpu's, through its own root). */
enum model_touch model_touch(mfn_t l4, uint64_t va, bool write)
{
    return model_touch_fill(model_current(), l4, va, write);
}

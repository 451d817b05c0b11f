/*
 * Linear (recursive) page tables: an L2, L3 or L4 entry that names a table
 * of its own level instead of the level below.
 *
 * Xen 4.17 allows them by default (pv-linear-pt=true, CONFIG_PV_LINEAR_PT=y):
 * when get_page_from_lNe's ordinary type reference fails with -EINVAL (the
 * target already holds another type), get_lN_linear_pagetable()
 * (xen/arch/x86/mm.c) retries the entry as a linear one.  Its rules:
 *   1. the entry must be read-only, or the guest could write its own PTEs;
 *   2. an entry naming its own table (a self-map) is accepted and takes no
 *      reference at all: that is how a table can map itself while it is
 *      still being validated;
 *   3. otherwise the target must be an already-validated table of the same
 *      level, owned by the guest, and it gains a type reference;
 *   4. no chains: a table that holds linear entries may not be used as a
 *      linear target, and a linear target may not hold linear entries.  Xen
 *      keeps that in one signed count per frame, linear_pt_count: positive,
 *      the linear entries it holds; negative, the linear entries naming it.
 * put_page_from_lNe() gives a self-map back nothing; _put_page_type() undoes
 * rule 4's counts whenever target and table have the same type.
 */
#include "model_int.h"

void model_set_pv_linear_pt(bool on)
{
    model.pv_linear_pt = on;
}

/* inc_linear_entries(): the table holds one more; refused while it is used as a target. */
static bool inc_linear_entries(struct model_frame *table)
{
    if (table->linear_pt_count < 0)
        return false;
    table->linear_pt_count++;
    return true;
}

/* inc_linear_uses(): one more entry names it; refused while it holds linear entries. */
static bool inc_linear_uses(struct model_frame *target)
{
    if (target->linear_pt_count > 0)
        return false;
    target->linear_pt_count--;
    return true;
}

static bool refuse(const char *why)
{
    model_refuse(-XEN_EINVAL, "get_linear_pagetable: %s", why);
    return false;
}

/* get_lN_linear_pagetable(): true if entry `e` of level-`level` table `table` is allowed. */
bool model_get_linear(mfn_t table, int level, uint64_t e)
{
    mfn_t target = mpte_mfn((mpte_t){ e });
    struct model_frame *t = model_frame(table), *f = model_frame(target);

    if (!model.pv_linear_pt)
        return refuse("attempt to create linear p.t. (feature disabled)");
    if (e & _PAGE_RW)
        return refuse("attempt to create linear p.t. with write perms");
    if (mfn_eq(target, table))
        return true;
    if (t->owner != MODEL_OWNER_GUEST || !model_guest_owns(target))
        return refuse("table or target is not the guest's");
    if (!inc_linear_entries(t))
        return refuse("the table is itself a linear target");
    if (!inc_linear_uses(f)) {
        t->linear_pt_count--;
        return refuse("the target holds linear entries itself");
    }
    if (f->type != model_type_for_level(level) || !f->validated || !f->type_count) {
        f->linear_pt_count++;
        t->linear_pt_count--;
        return refuse("the target is not a validated table of the same level");
    }
    f->type_count++;
    return true;
}

/* The linear half of put_page_from_lNe / _put_page_type: false if `e` is no linear entry. */
bool model_put_linear(mfn_t table, uint64_t e)
{
    mfn_t target = mpte_mfn((mpte_t){ e });
    struct model_frame *t = model_frame(table), *f = model_frame(target);

    if (mfn_eq(target, table))
        return true;   /* a self-map took nothing */
    if (!f || f->type != t->type)
        return false;
    f->linear_pt_count++;
    t->linear_pt_count--;
    model_put_type(target);
    return true;
}

/*
 * The global invariants, checked the slow way: recomputed from scratch.
 *
 * Type counts are bookkeeping kept incrementally by every path above; one
 * missed put_type and the model (or Xen) would carry a frame as "L1" forever.
 * So this file trusts none of it.  It scans every validated table, counts the
 * references the entries hold, adds pins and base pointers, and compares with
 * what the frames say.  Tests call it after every interesting step.
 */
#include <stdio.h>
#include <stdlib.h>

#include "model_int.h"

struct expect {
    unsigned long refs;
    enum model_type type;   /* the type those references need; NONE if none */
    bool clash;             /* two references wanting different types */
    long linear;            /* linear entries held minus linear entries naming it */
    bool writable_linear;   /* holds a linear entry with RW */
};

static bool live_table(const struct model_frame *f)
{
    return f->type_count && f->validated && f->type >= MODEL_TYPE_L1;
}

static void want(struct expect *ex, mfn_t mfn, enum model_type type)
{
    struct model_frame *f = model_frame(mfn);
    if (!f)
        return;
    struct expect *e = &ex[mfn_x(mfn)];
    if (e->refs && e->type != type)
        e->clash = true;
    e->type = type;
    e->refs++;
}

/*
 * An upper entry naming a table of its own level is a linear one (linear.c):
 * a reference of that level's type, unless it names its own table (none).
 */
static void count_upper_ref(struct expect *ex, mfn_t mfn, int level, uint64_t e)
{
    mfn_t target = mpte_mfn((mpte_t){ e });
    const struct model_frame *f = model_frame(target);
    enum model_type own = model_type_for_level(level);
    bool linear = mfn_eq(target, mfn) || (f && f->type_count && f->type == own);

    if (!linear) {
        want(ex, target, model_type_for_level(level - 1));
        return;
    }
    if (e & _PAGE_RW)
        ex[mfn_x(mfn)].writable_linear = true;
    if (mfn_eq(target, mfn))
        return;
    want(ex, target, own);
    ex[mfn_x(mfn)].linear++;
    ex[mfn_x(target)].linear--;
}

static void count_table_refs(struct expect *ex, mfn_t mfn, int level)
{
    const uint64_t *t = model_table(mfn);
    for (unsigned int i = 0; i < PT_ENTRIES; i++) {
        if (level == 4 && l4_slot_is_xen(i))
            continue;
        if (!(t[i] & _PAGE_PRESENT))
            continue;
        mfn_t target = mpte_mfn((mpte_t){ t[i] });
        if (level > 1)
            count_upper_ref(ex, mfn, level, t[i]);
        else if ((t[i] & _PAGE_RW) && model_guest_owns(target))
            want(ex, target, MODEL_TYPE_WRITABLE);
    }
}

static void compute(struct expect *ex)
{
    for (unsigned long m = 0; m < model.nr_frames; m++) {
        const struct model_frame *f = &model.frames[m];
        if (live_table(f))
            count_table_refs(ex, _mfn(m), (int)(f->type - MODEL_TYPE_L1) + 1);
        if (f->pinned)
            want(ex, _mfn(m), f->type);
    }
    for (unsigned int v = 0; v < model.nr_vcpus; v++) {   /* each vcpu's guest_table(_user) */
        if (mfn_valid_value(model.vcpu[v].kernel_base))
            want(ex, model.vcpu[v].kernel_base, MODEL_TYPE_L4);
        if (mfn_valid_value(model.vcpu[v].user_base))
            want(ex, model.vcpu[v].user_base, MODEL_TYPE_L4);
    }
}

#define FAIL(...) do { snprintf(why, why_len, __VA_ARGS__); return false; } while (0)

static bool check_frame(mfn_t mfn, const struct expect *e, char *why, size_t why_len)
{
    const struct model_frame *f = model_frame(mfn);
    unsigned long long m = mfn_x(mfn);

    if (f->pinned && (!f->type_count || f->type < MODEL_TYPE_L1))
        FAIL("mfn %#llx is pinned but not typed as a page table", m);
    if (e->clash)
        FAIL("mfn %#llx is referenced as two different types at once", m);
    if (e->refs && e->type == MODEL_TYPE_WRITABLE && f->type != MODEL_TYPE_WRITABLE)
        FAIL("mfn %#llx (type %d) has a writable mapping in a validated L1", m, f->type);
    if (e->refs != f->type_count)
        FAIL("mfn %#llx has type count %lu but %lu references exist", m, f->type_count,
             e->refs);
    if (e->refs && e->type != f->type)
        FAIL("mfn %#llx is referenced as type %d but holds type %d", m, e->type, f->type);
    if (f->type_count && f->type >= MODEL_TYPE_L1 && !f->validated)
        FAIL("mfn %#llx holds a table type but is not validated", m);
    if (e->writable_linear)
        FAIL("mfn %#llx holds a writable linear page-table entry", m);
    if (e->linear != f->linear_pt_count)
        FAIL("mfn %#llx has linear_pt_count %ld but %ld is what its entries say", m,
             f->linear_pt_count, e->linear);
    return true;
}

static bool check_xen_slots(mfn_t mfn, char *why, size_t why_len)
{
    const uint64_t *t = model_table(mfn);
    for (unsigned int s = L4_XEN_FIRST; s <= L4_XEN_LAST; s++)
        if (t[s] != model_xen_l4e(mfn, s))
            FAIL("L4 mfn %#llx slot %u holds %#llx, not Xen's entry",
                 (unsigned long long)mfn_x(mfn), s, (unsigned long long)t[s]);
    return true;
}

bool model_check_invariants(char *why, size_t why_len)
{
    struct expect *ex = calloc(model.nr_frames, sizeof(*ex));
    bool ok = true;
    if (!ex)
        abort();
    compute(ex);
    for (unsigned long m = 0; ok && m < model.nr_frames; m++) {
        ok = check_frame(_mfn(m), &ex[m], why, why_len);
        if (ok && live_table(&model.frames[m]) && model.frames[m].type == MODEL_TYPE_L4)
            ok = check_xen_slots(_mfn(m), why, why_len);
    }
    free(ex);
    if (ok && why_len)
        why[0] = '\0';
    return ok;
}

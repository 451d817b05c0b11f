/*
 * Frame types and their counts: the heart of Xen's PV MMU safety.
 *
 * Xen lets a PV guest write its own page tables' contents as long as the
 * hardware can never be tricked by them.  The trick it guards against is one
 * frame serving two masters: a page table that the guest can also write as
 * plain memory would let it map anything.  So every frame holds one type at a
 * time (writable, L1, L2, L3, L4), counted by the references that need it:
 * a writable mapping in an L1, an L2 entry naming an L1, a pin, a base pointer.
 * Only when the count falls to zero may the type change (_get_page_type).
 *
 * Taking a table type from zero is when Xen looks at the frame's contents
 * (validate_page -> promote_lN_table): every entry must pass the checks of its
 * level, and each takes the reference it needs on its target, recursively.  The
 * table is then "validated" and its entries are trusted from then on; later
 * changes only go through mod_lN_entry.  Dropping the last reference devalidates
 * (devalidate_page -> demote_lN_table) and releases what validation took.
 */
#include "model_int.h"

enum model_type model_type_for_level(int level)
{
    return (enum model_type)(MODEL_TYPE_L1 + level - 1);
}

static int level_of(enum model_type t)
{
    return t >= MODEL_TYPE_L1 ? (int)(t - MODEL_TYPE_L1) + 1 : 0;
}

/* In an L4, Xen's slots are not the guest's: is_guest_l4_slot(). */
static bool guest_slot(int level, unsigned int slot)
{
    return level != 4 || !l4_slot_is_xen(slot);
}

static void release_entries(mfn_t mfn, int level, unsigned int upto)
{
    const uint64_t *t = model_table(mfn);
    for (unsigned int i = upto; i-- > 0;)
        if (guest_slot(level, i))
            model_put_entry_ref(mfn, level, t[i]);
}

/*
 * promote_lN_table(): check every guest entry, taking the references they need.
 * On the first refusal, what was taken is given back (Xen's "fail:" path), so a
 * refused validation leaves every other frame exactly as it found it.
 */
static int validate(mfn_t mfn, int level)
{
    uint64_t *t = model_table(mfn);

    for (unsigned int i = 0; i < PT_ENTRIES; i++) {
        if (!guest_slot(level, i))
            continue;
        int rc = 0;
        if (!(t[i] & _PAGE_PRESENT)) {
            if (!model_l1tf_safe(level, t[i])) {
                model_crash("L1TF-unsafe non-present L%d entry %#llx in mfn %#llx slot %u",
                            level, (unsigned long long)t[i],
                            (unsigned long long)mfn_x(mfn), i);
                rc = (int)model_refuse(-MODEL_ECRASHED, "pv_l1tf_check_l%de: L1TF-unsafe "
                                       "non-present entry, domain crashed", level);
            }
        } else {
            rc = model_get_entry_ref(mfn, level, t[i]);
            if (!rc)
                t[i] = model_adjust_guest(level, t[i]);
        }
        if (rc) {
            release_entries(mfn, level, i);
            return rc;
        }
    }

    /* init_xen_l4_slots(): whatever the guest left in Xen's slots is overwritten. */
    if (level == 4)
        for (unsigned int s = L4_XEN_FIRST; s <= L4_XEN_LAST; s++)
            t[s] = model_xen_l4e(mfn, s);
    return 0;
}

uint64_t model_xen_l4e(mfn_t l4, unsigned int slot)
{
    /* Slot 258 is Xen's linear (self) map: the L4 itself, as in init_xen_l4_slots. */
    mfn_t target = slot == 258 ? l4 : model_xen_frame(slot - L4_XEN_FIRST);
    return mfn_to_maddr(target) | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
}

static void devalidate(mfn_t mfn, int level)
{
    release_entries(mfn, level, PT_ENTRIES);
    model.counters.devalidations++;
}

/*
 * _get_page_type().  A frame whose count is zero may take any type; a table
 * type then needs validation.  A frame already in use must be asked for the
 * type it has: anything else is the two-masters case, refused with -EINVAL.
 */
int model_get_type(mfn_t mfn, enum model_type type)
{
    struct model_frame *f = model_frame(mfn);
    if (!f)
        return (int)model_refuse(-XEN_EINVAL, "get_page_type: mfn %#llx is not RAM",
                                 (unsigned long long)mfn_x(mfn));

    if (f->type_count) {
        if (f->type != type)
            return (int)model_refuse(-XEN_EINVAL, "get_page_type: mfn %#llx has type %d "
                                     "(count %lu), asked for type %d",
                                     (unsigned long long)mfn_x(mfn), f->type,
                                     f->type_count, type);
        if (!f->validated)
            /* Only while its own validation is still running: a reference loop. */
            return (int)model_refuse(-XEN_EINVAL, "get_page_type: mfn %#llx is still being "
                                     "validated (a loop in the tables)",
                                     (unsigned long long)mfn_x(mfn));
        f->type_count++;
        return 0;
    }

    if (f->type != type)
        model_tlb_flush_frame_by_xen(mfn);   /* "on type change we check to flush stale TLB entries" */
    f->type = type;
    f->type_count = 1;
    f->validated = false;
    f->linear_pt_count = 0;   /* alloc_page_type(): a fresh validation starts uncounted */
    int level = level_of(type);
    if (level) {
        int rc = validate(mfn, level);
        if (rc) {
            f->type = MODEL_TYPE_NONE;
            f->type_count = 0;
            return rc;
        }
        model.counters.validations++;
    }
    f->validated = true;
    return 0;
}

/* _put_page_type(): the last reference to a table devalidates it. */
void model_put_type(mfn_t mfn)
{
    struct model_frame *f = model_frame(mfn);
    if (!f || !f->type_count)
        return;   /* the invariant checker reports the imbalance that led here */

    if (--f->type_count)
        return;
    int level = level_of(f->type);
    if (level && f->validated) {
        f->validated = false;
        devalidate(mfn, level);
    }
}

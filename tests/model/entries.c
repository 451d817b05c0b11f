/*
 * One entry at a time: what Xen checks in an lNe, and how it is changed.
 *
 * The same checks run in two places: when a whole table is validated
 * (promote_lN_table calls get_page_from_lNe for each present entry) and when
 * one entry of a validated table is changed (mod_lN_entry).  They are, per level:
 *   - flags: no bit outside what base_disallow_mask leaves to a guest;
 *   - target: a frame the guest owns, able to take the type this level needs
 *     (an L1's RW entry needs "writable", an L2 entry needs "L1", ...);
 *   - non-present entries: L1TF-safe address bits.
 */
#include <string.h>

#include "model_int.h"

/*
 * base_disallow_mask (arch_init_memory, xen/arch/x86/mm.c) leaves a guest
 * PRESENT, RW, USER, ACCESSED, DIRTY, AVAIL (bits 9-11), AVAIL_HIGH (bits
 * 52-62) and NX.  So in every level PWT, PCD, PSE/PAT (bit 7) and GLOBAL are
 * refused: no superpages, no cache-attribute tricks.  L1_DISALLOW_MASK gives
 * GLOBAL back to L1s (user mappings may be global) and adds _PAGE_GNTTAB,
 * which asm/page.h defines as 0 under NDEBUG: a release build (Debian's Xen)
 * leaves bit 62 to the guest; only a debug build reserves it for grant
 * mappings.  A domU with no I/O memory gets no cache attributes at all in L1s
 * (l1_disallow_mask keeps PAGE_CACHE_ATTRS).  Address bits (12..51) are not
 * flags: their check is the target frame's.
 */
#define MODEL_BASE_DISALLOW (_PAGE_PWT | _PAGE_PCD | _PAGE_PSE | _PAGE_GLOBAL)

uint64_t model_disallow_mask(int level)
{
    if (level == 1)
        return MODEL_BASE_DISALLOW & ~_PAGE_GLOBAL;
    return MODEL_BASE_DISALLOW;
}

/*
 * l1tf_calculations() (xen/arch/x86/spec_ctrl.c), from the two widths of the
 * CPU Xen runs on: paddr_bits (CPUID's maxphysaddr) and l1d_maxphysaddr (how
 * many address bits the L1D cache looks at, 46 on Sandy Bridge and later, 44
 * on Nehalem / Westmere, paddr_bits elsewhere).
 *   - l1tf_addr_mask: the address bits the L1D uses, bits 12 .. l1d - 1.
 *   - l1tf_safe_maddr: with an L1D wider than CPUID, any address bit past
 *     paddr_bits is safe (1 << paddr_bits); with the same width, Xen guesses
 *     nothing cacheable lives in the top quarter (3 << (paddr_bits - 2)).
 *     Never below the end of RAM (setup.c's E820 supplement): here, the end
 *     of the model's machine memory.
 */
void model_set_l1tf_widths(unsigned int paddr_bits, unsigned int l1d_maxphysaddr)
{
    uint64_t safe = l1d_maxphysaddr > paddr_bits ? 1ULL << paddr_bits
                                                 : 3ULL << (paddr_bits - 2);
    uint64_t end_of_ram = (uint64_t)model.nr_frames << PAGE_SHIFT;

    model.l1tf_addr_mask = ((1ULL << l1d_maxphysaddr) - 1) & ~(uint64_t)(PAGE_SIZE - 1);
    model.l1tf_safe_maddr = safe > end_of_ram ? safe : end_of_ram;
}

uint64_t model_l1tf_safe_maddr(void) { return model.l1tf_safe_maddr; }

/*
 * is_l1tf_safe_maddr() and pv_l1tf_check_pte() (asm/shadow.h): the CPU may
 * speculate through the address of a NON-present entry, so that address, as
 * the L1D sees it, must be 0 or at or above l1tf_safe_maddr.  A PSE bit counts
 * even when not present (a speculative superpage starting at frame 0), at
 * every level above L1.
 */
bool model_l1tf_safe(int level, uint64_t e)
{
    if (level > 1 && (e & _PAGE_PSE))
        return false;
    uint64_t maddr = e & model.l1tf_addr_mask;
    return maddr == 0 || maddr >= model.l1tf_safe_maddr;
}

static int check_flags(int level, uint64_t e)
{
    uint64_t bad = e & model_disallow_mask(level);
    if (bad)
        return (int)model_refuse(-XEN_EINVAL, "get_page_from_l%de: disallowed flags %#llx "
                                 "in entry %#llx (L%d_DISALLOW_MASK)", level,
                                 (unsigned long long)bad, (unsigned long long)e, level);
    return 0;
}

/*
 * get_page_from_l1e(): an L1 may map any frame the guest owns; a writable
 * mapping also takes the frame's "writable" type, which fails while the frame
 * is a page table.  Xen answers -EBUSY there ("could_not_pin"), as it does for
 * a frame owned by someone else.  A frame that is not RAM at all would be I/O
 * memory, which a plain domU may not map (-EPERM).
 *
 * pg_owner is whose pages the entry may map (do_mmu_update's foreign domain,
 * the guest itself otherwise).  A frame of anyone else is refused as
 * "could_not_pin" unless a privileged pg_owner hands its target's pages on
 * (xsm_priv_mapping), which dom_io never may: a domU naming DOMID_IO maps no
 * RAM at all, and for I/O memory "DOMID_IO reverts to caller" (-EPERM again).
 */
static int get_l1e_ref(uint64_t e, enum model_dom pg_owner)
{
    mfn_t target = mpte_mfn((mpte_t){ e });
    struct model_frame *f = model_frame(target);

    if (!f)
        return (int)model_refuse(-XEN_EPERM, "get_page_from_l1e: mfn %#llx is not RAM: "
                                 "non-privileged attempt to map MMIO space",
                                 (unsigned long long)mfn_x(target));
    if (f->owner != MODEL_OWNER_GUEST)
        return (int)model_refuse(-XEN_EBUSY, "get_page_from_l1e: mfn %#llx is owned by "
                                 "another domain (owner %d)",
                                 (unsigned long long)mfn_x(target), f->owner);
    if (pg_owner != MODEL_DOM_SELF)
        return (int)model_refuse(-XEN_EBUSY, "get_page_from_l1e: pg_owner %s, but mfn %#llx "
                                 "is the guest's", model_dom_name(pg_owner),
                                 (unsigned long long)mfn_x(target));
    if (!(e & _PAGE_RW))
        return 0;
    if (model_get_type(target, MODEL_TYPE_WRITABLE))
        return (int)model_refuse(-XEN_EBUSY, "get_page_from_l1e: writable alias of mfn %#llx, "
                                 "which is typed as a page table (type %d)",
                                 (unsigned long long)mfn_x(target), f->type);
    return 0;
}

/*
 * get_page_from_l2e..l4e(): the target must be ours and able to be the level
 * below.  When that fails with -EINVAL, Xen retries the entry as a linear
 * page table (linear.c).  The refusal kept is the one that explains most: the
 * linear one when the target is a table of the entry's own level (a linear
 * entry was meant), the ordinary one otherwise.
 */
static int get_upper_ref(mfn_t table, int level, uint64_t e)
{
    mfn_t target = mpte_mfn((mpte_t){ e });
    char before[sizeof(model.refusal)], ordinary[sizeof(model.refusal)];

    if (!model_guest_owns(target))
        return (int)model_refuse(-XEN_EINVAL, "get_page_from_l%de: mfn %#llx is not the "
                                 "guest's (get_page_from_mfn)", level,
                                 (unsigned long long)mfn_x(target));
    memcpy(before, model.refusal, sizeof(before));
    int rc = model_get_type(target, model_type_for_level(level - 1));
    if (rc != -XEN_EINVAL)
        return rc;
    memcpy(ordinary, model.refusal, sizeof(ordinary));
    if (model_get_linear(table, level, e)) {
        memcpy(model.refusal, before, sizeof(before));
        return 0;
    }
    if (model_frame(target)->type != model_type_for_level(level))
        memcpy(model.refusal, ordinary, sizeof(ordinary));
    return rc;
}

static int get_entry_ref_for(mfn_t table, int level, uint64_t e, enum model_dom pg_owner)
{
    int rc = check_flags(level, e);
    if (rc)
        return rc;
    return level == 1 ? get_l1e_ref(e, pg_owner) : get_upper_ref(table, level, e);
}

/* Validation's get_page_from_lNe(): promote_lN_table passes the table's owner. */
int model_get_entry_ref(mfn_t table, int level, uint64_t e)
{
    return get_entry_ref_for(table, level, e, MODEL_DOM_SELF);
}

/* put_page_from_lNe(): give back what get_page_from_lNe took. */
void model_put_entry_ref(mfn_t table, int level, uint64_t e)
{
    if (!(e & _PAGE_PRESENT))
        return;
    mfn_t target = mpte_mfn((mpte_t){ e });
    if (level == 1) {
        if ((e & _PAGE_RW) && model_guest_owns(target))
            model_put_type(target);
        return;
    }
    if (!model_put_linear(table, e))
        model_put_type(target);
}

/*
 * adjust_guest_lNe() (xen/arch/x86/pv/mm.h): a 64-bit PV kernel runs in ring 3,
 * so Xen makes every present entry it accepts reachable from there.  It ORs
 * USER into L2/L3 entries and USER|ACCESSED into L4 entries.  In an l1e, a
 * kernel mapping (no USER) gains USER plus _PAGE_GUEST_KERNEL (bit 52) to
 * remember it was one; a user mapping gains GLOBAL.  The guest reads the
 * adjusted value back, so bit 52 is not free for its own use.
 */
uint64_t model_adjust_guest(int level, uint64_t e)
{
    if (!(e & _PAGE_PRESENT))
        return e;
    switch (level) {
    case 1:
        if (!(e & _PAGE_USER))
            e |= MODEL_PAGE_GUEST_KERNEL | _PAGE_USER;
        if (!(e & MODEL_PAGE_GUEST_KERNEL))
            e |= _PAGE_GLOBAL | _PAGE_USER;
        return e;
    case 4:
        return e | _PAGE_ACCESSED | _PAGE_USER;
    default:
        return e | _PAGE_USER;
    }
}

/*
 * FASTPATH_FLAG_WHITELIST: flags a guest may flip without Xen re-checking the
 * entry (same frame, same presence, same RW): no references move.
 */
#define MODEL_FASTPATH_WHITELIST (_PAGE_NX | 0x7ff0000000000000ULL | 0xe00ULL | \
                                  _PAGE_GLOBAL | _PAGE_DIRTY | _PAGE_ACCESSED | _PAGE_USER)

/* update_intpte() with preserve_ad: the hardware's A/D bits survive the write. */
static void write_entry(mfn_t table, unsigned int slot, uint64_t nval, bool preserve_ad)
{
    uint64_t *p = &model_table(table)[slot];
    if (preserve_ad)
        nval |= *p & (_PAGE_ACCESSED | _PAGE_DIRTY);
    model_store_entry(table, slot, nval);
}

/*
 * mod_lN_entry(): change one entry of a validated table.  The new entry is
 * checked and its reference taken first; only then is it written and the old
 * entry's reference dropped.  A refusal leaves the entry as it was.
 * pg_owner matters to an L1 only (mod_l1_entry's pg_dom).
 */
int model_mod_entry(mfn_t table, unsigned int slot, int level, uint64_t nval, bool preserve_ad,
                    enum model_dom pg_owner)
{
    uint64_t old = model_table(table)[slot];

    if (level == 4 && l4_slot_is_xen(slot))
        return (int)model_refuse(-XEN_EINVAL, "mod_l4_entry: L4 update in Xen-private area, "
                                 "slot %u", slot);

    if (!(nval & _PAGE_PRESENT)) {
        if (!model_l1tf_safe(level, nval)) {
            model_crash("L1TF-unsafe non-present L%d entry %#llx written to mfn %#llx slot %u",
                        level, (unsigned long long)nval,
                        (unsigned long long)mfn_x(table), slot);
            return (int)model_refuse(-MODEL_ECRASHED, "pv_l1tf_check_l%de: L1TF-unsafe "
                                     "non-present entry, domain crashed", level);
        }
        write_entry(table, slot, nval, preserve_ad);
        model_put_entry_ref(table, level, old);
        return 0;
    }

    int rc = check_flags(level, nval);
    if (rc)
        return rc;
    if ((old & _PAGE_PRESENT) && !((old ^ nval) & ~MODEL_FASTPATH_WHITELIST)) {
        write_entry(table, slot, model_adjust_guest(level, nval), preserve_ad);
        return 0;
    }
    rc = get_entry_ref_for(table, level, nval, pg_owner);
    if (rc)
        return rc;
    write_entry(table, slot, model_adjust_guest(level, nval), preserve_ad);
    model_put_entry_ref(table, level, old);
    return 0;
}

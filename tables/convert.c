/*E:100 Entries: what the guest means and what the table holds.
 *
 * The guest thinks in pfns; the hardware walks mfns.  Every entry crosses that
 * border on its way into a table (pte_to_mpte: the p2m turns the pfn into the
 * mfn) and on its way out (mpte_to_pte: the m2p turns the mfn back, and the p2m
 * confirms it, so a foreign or stale frame is caught instead of mistranslated).
 *
 * A non-present entry that still names a frame (a page made no-access, which must
 * come back with the same frame) is the L1TF case: Xen will not accept address
 * bits that point at real memory in a non-present entry.  We store such a frame's
 * pfn inverted.  Inverted, a small pfn becomes an address near the top of the
 * 52-bit space, far above any RAM, which is what Xen's check wants; and since it is
 * a pfn, not an mfn, it means the same thing after a save and restore moves every
 * frame (the toolstack only rewrites present entries). :*/
#include <xen/pvmmu/mmu.h>
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/report.h>
#include "tables/tables_int.h"

#define PFN_FIELD_MASK (PTE_ADDR_MASK >> PAGE_SHIFT)

static uint64_t invert_frame_field(uint64_t frame)
{
    return (~frame & PFN_FIELD_MASK) << PAGE_SHIFT;
}

int pte_to_mpte(pte_t pte, mpte_t *out)
{
    pfn_t pfn = pte_pfn(pte);
    mfn_t mfn;

    if (!pte_present(pte)) {
        out->v = pte_flags(pte) | (pfn_x(pfn) ? invert_frame_field(pfn_x(pfn)) : 0);
        return 0;
    }
    mfn = p2m_lookup(pfn);
    if (!mfn_valid_value(mfn)) {
        pvmmu_error("pte_to_mpte: pfn 0x%llx (pte 0x%llx) has no machine frame",
                    (unsigned long long)pfn_x(pfn), (unsigned long long)pte.v);
        return -XEN_EINVAL;
    }
    *out = mpte_make(mfn, pte_flags(pte));
    return 0;
}

int mpte_to_pte(mpte_t mpte, pte_t *out)
{
    enum m2p_status status;
    pfn_t pfn;

    if (!mpte_present(mpte)) {
        uint64_t field = (mpte.v & PTE_ADDR_MASK) >> PAGE_SHIFT;

        *out = pte_make(_pfn(field ? ~field & PFN_FIELD_MASK : 0), mpte_flags(mpte));
        return 0;
    }
    pfn = m2p_lookup(mpte_mfn(mpte), &status);
    if (status != M2P_OK) {
        pvmmu_error("mpte_to_pte: mfn 0x%llx (entry 0x%llx) is not one of ours: %s",
                    (unsigned long long)mfn_x(mpte_mfn(mpte)), (unsigned long long)mpte.v,
                    m2p_status_name(status));
        return -XEN_EINVAL;
    }
    *out = pte_make(pfn, mpte_flags(mpte));
    return 0;
}

/*
 * The pfn of the table (or page) a present entry points at, or INVALID_PFN for a
 * frame that is not ours: the walkers' way down the tree, checked and reported
 * like any translation (a stale frame after a restore is named, not followed).
 */
pfn_t mpte_linked_pfn(mpte_t e)
{
    pte_t link;

    return mpte_to_pte(e, &link) ? INVALID_PFN : pte_pfn(link);
}

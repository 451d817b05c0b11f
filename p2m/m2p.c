/*P:400 The m2p: asking Xen's table, and not believing it blindly.
 *
 * Xen keeps machine -> pseudo-physical for every frame of the machine in one
 * read-only table every PV guest can see.  It is the only way back from an MFN
 * found in a page-table entry to the pfn we think in, but three things can go
 * wrong with the answer:
 *
 *   - the MFN is beyond the table: Xen says how far the table goes (max_mfn, from
 *     XENMEM_machphys_mapping), and we ask once, at boot.
 *   - that part of the table is a hole (no RAM there, so Xen mapped nothing): the
 *     read faults, and the platform's m2p_read_raw() survives it for us.
 *   - the MFN is somebody else's (a grant-mapped page, a frame we gave back and
 *     Xen handed on): the entry is the OTHER domain's pfn, a perfectly plausible
 *     number.  Translating it would silently alias one of our own pages.
 *
 * So, as Linux does, an answer is checked against our own p2m: pfn is ours only
 * if p2m[pfn] == mfn.  Whatever fails the check is reported as what it is. :*/
#include <xen/pvmmu/platform.h>
#include "lib/lib_int.h"
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/report.h>
#include "p2m/p2m_int.h"

static struct {
    bool ready;
    uint64_t max_mfn;   /* inclusive: Xen's "maximum MFN that can be looked up" */
} m2p;

int m2p_init(void)
{
    struct xen_machphys_mapping mapping = { 0 };
    long rc = hv_memory_op(XENMEM_machphys_mapping, &mapping);

    m2p.ready = false;
    if (rc) {
        pvmmu_error("m2p_init: memory_op(XENMEM_machphys_mapping) failed: %ld", rc);
        return (int)rc;
    }
    m2p.max_mfn = mapping.max_mfn;
    m2p.ready = true;
    return 0;
}

uint64_t m2p_max_mfn(void)
{
    return m2p.ready ? m2p.max_mfn : 0;
}

/*P:420 I/O frames.  Their m2p entries are nothing (a hole, or beyond the table,
 * or garbage), but we do know them: an identity range of the p2m says pfn == mfn.
 * So a lookup the m2p cannot answer gets one more chance, as in Linux. :*/
static pfn_t verdict(enum m2p_status *status, enum m2p_status why, mfn_t mfn, pfn_t pfn)
{
    if (why != M2P_OK && mfn_valid_value(mfn) && mfn_eq(p2m_lookup(_pfn(mfn_x(mfn))), mfn)) {
        why = M2P_IDENTITY;
        pfn = _pfn(mfn_x(mfn));
    }
    if (status)
        *status = why;
    return why == M2P_OK || why == M2P_IDENTITY ? pfn : INVALID_PFN;
}

/*P:410 The cross-check.  A pfn beyond our table, or one whose entry is another
 * valid MFN, means the frame is foreign; a pfn whose entry is INVALID means the
 * m2p still remembers a frame we no longer have (stale). :*/
pfn_t m2p_lookup(mfn_t mfn, enum m2p_status *status)
{
    uint64_t raw;
    mfn_t back;

    if (!m2p.ready) {
        pvmmu_error("m2p_lookup(mfn 0x%llx): the m2p's size is unknown (m2p_init not run)",
                    (unsigned long long)mfn_x(mfn));
        return verdict(status, M2P_OUT_OF_RANGE, mfn, INVALID_PFN);
    }
    if (mfn_x(mfn) > m2p.max_mfn)
        return verdict(status, M2P_OUT_OF_RANGE, mfn, INVALID_PFN);
    if (!m2p_read_raw(mfn, &raw))
        return verdict(status, M2P_HOLE, mfn, INVALID_PFN);
    if (raw >= p2m_max_pfns())
        return verdict(status, M2P_FOREIGN, mfn, INVALID_PFN);
    back = p2m_lookup(_pfn(raw));
    if (mfn_eq(back, mfn))
        return verdict(status, M2P_OK, mfn, _pfn(raw));
    return verdict(status, mfn_valid_value(back) ? M2P_FOREIGN : M2P_STALE, mfn, INVALID_PFN);
}

const char *m2p_status_name(enum m2p_status status)
{
    static const char *const names[] = {
        [M2P_OK] = "ok",           [M2P_OUT_OF_RANGE] = "out of range", [M2P_HOLE] = "hole",
        [M2P_FOREIGN] = "foreign", [M2P_STALE] = "stale",           [M2P_IDENTITY] = "identity",
    };

    return (unsigned)status < ARRAY_SIZE(names) ? names[status] : "?";
}

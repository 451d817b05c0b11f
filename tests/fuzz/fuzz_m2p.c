/*
 * The m2p and the published frame lists, when what Xen's tables say is not what
 * we would like.  The input writes the m2p itself (any mfn to any pfn: our own
 * pages, other domains' frames, frames we gave back, numbers beyond our p2m),
 * punches holes in it, changes our p2m (frames moved, frames gone, identity
 * ranges), and corrupts the frame lists the toolstack reads (shared_info's
 * max_pfn and frame_list_list, any entry of the top or a mid page).
 *
 *   - m2p_lookup (p2m/m2p.c) answers by the rules of its comment, checked here
 *     from the model's m2p and our p2m alone: beyond max_mfn "out of range", an
 *     unreadable entry a "hole", a pfn beyond our table or backed by another mfn
 *     "foreign", one we have no frame for "stale", and where the m2p cannot
 *     answer, an identity pfn == mfn "identity".  Above all, a pfn it hands
 *     back is one whose p2m entry is that very mfn: a foreign or stale frame
 *     never aliases one of our pages.
 *   - p2m_frame_list_read (p2m/frame_list_read.c) never asks to see mfn 0 or one
 *     beyond max_mfn, never writes past its capacity, reports every refusal,
 *     and from lists nobody corrupted reads back exactly our table.
 */
#include <stdio.h>
#include <string.h>
#include "lib/lib_int.h"
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/pv_ops.h"
#include "tests/harness/harness.h"
#include "tests/model/model.h"

#define NR_PAGES 256
#define MAX_PFNS 1024

static uint64_t table_as_read[MAX_PFNS + 1];

static void fail(const char *why)
{
    fuzz_fail("m2p", why);
}

/*
 * Booted anew for every input: the p2m is the layer's, built by p2m_init in a
 * window the harness hands out once per boot, so a snapshot cannot give it back.
 */
static void boot(void)
{
    harness_boot(NR_PAGES);
    if (p2m_init(harness_mfn_list(), NR_PAGES, MAX_PFNS) || m2p_init())
        fail("boot failed");
}

/* An mfn: ours, another domain's, a spare one, at or beyond the m2p's end, 0. */
static mfn_t any_mfn(struct cursor *c)
{
    unsigned a = next(c), b = next(c);

    switch (a % 8) {
    case 0: return harness_foreign_mfn(b);
    case 1: return harness_spare_mfn(b);
    case 2: return _mfn(m2p_max_mfn() + (b % 4));   /* the last one, and just beyond */
    case 3: return _mfn(b % 2 ? 0 : (1ULL << 40) - 1 - b);
    case 4: return _mfn(b);                          /* whatever frame that is */
    default: return harness_pfn_to_mfn(_pfn(b % NR_PAGES));
    }
}

/* A pfn: ours, just beyond our pages, beyond the table, wild. */
static uint64_t any_pfn(struct cursor *c)
{
    unsigned a = next(c), b = next(c);

    switch (a % 4) {
    case 0: return NR_PAGES + b;
    case 1: return MAX_PFNS - 2 + (b % 4);
    case 2: return (uint64_t)b << 32 | a;
    default: return b % NR_PAGES;
    }
}

/* --- m2p_lookup by its rules ----------------------------------------------------------- */

static enum m2p_status expected_status(mfn_t mfn, pfn_t *pfn)
{
    uint64_t raw;
    mfn_t back;

    *pfn = INVALID_PFN;
    if (mfn_x(mfn) > m2p_max_mfn())
        return M2P_OUT_OF_RANGE;
    if (!model_m2p_read(mfn, &raw))
        return M2P_HOLE;
    if (raw >= p2m_max_pfns())
        return M2P_FOREIGN;
    back = p2m_lookup(_pfn(raw));
    if (mfn_eq(back, mfn)) {
        *pfn = _pfn(raw);
        return M2P_OK;
    }
    return mfn_valid_value(back) ? M2P_FOREIGN : M2P_STALE;
}

static void check_lookup(mfn_t mfn)
{
    pfn_t want_pfn, got;
    enum m2p_status want = expected_status(mfn, &want_pfn), status;
    char why[256];

    if (want != M2P_OK && mfn_valid_value(mfn) && mfn_x(mfn) < p2m_max_pfns() &&
        mfn_eq(p2m_lookup(_pfn(mfn_x(mfn))), mfn)) {
        want = M2P_IDENTITY;
        want_pfn = _pfn(mfn_x(mfn));
    }
    got = m2p_lookup(mfn, &status);
    if (pfn_valid_value(got) && !mfn_eq(p2m_lookup(got), mfn)) {
        snprintf(why, sizeof(why), "m2p_lookup(mfn 0x%llx) gave pfn 0x%llx, whose p2m entry is mfn 0x%llx",
                 (unsigned long long)mfn_x(mfn), (unsigned long long)pfn_x(got),
                 (unsigned long long)mfn_x(p2m_lookup(got)));
        fail(why);
    }
    if (status != want || !pfn_eq(got, want_pfn)) {
        snprintf(why, sizeof(why), "m2p_lookup(mfn 0x%llx): %s pfn 0x%llx, the rules say %s pfn 0x%llx",
                 (unsigned long long)mfn_x(mfn), m2p_status_name(status), (unsigned long long)pfn_x(got),
                 m2p_status_name(want), (unsigned long long)pfn_x(want_pfn));
        fail(why);
    }
}

/* --- the frame lists, as the toolstack reads them ---------------------------------------- */

static const void *see_frame(mfn_t mfn, void *ctx)
{
    char why[128];

    (void)ctx;
    if (mfn_x(mfn) == 0 || mfn_x(mfn) > m2p_max_mfn()) {
        snprintf(why, sizeof(why), "the frame list reader asked to see mfn 0x%llx (max_mfn 0x%llx)",
                 (unsigned long long)mfn_x(mfn), (unsigned long long)m2p_max_mfn());
        fail(why);
    }
    return mfn_x(mfn) < model_nr_frames() ? model_frame_bytes(mfn) : NULL;
}

/* A word of the lists to corrupt: shared_info's two fields, or any entry of the top or a mid page. */
static void corrupt(struct cursor *c, shared_info_t *si)
{
    unsigned where = next(c), slot = next(c) % 512;
    uint64_t value = (uint64_t)next(c) << 8 | next(c), top = si->arch.pfn_to_mfn_frame_list_list;
    uint64_t *page;

    if (where % 8 == 0) {
        si->arch.max_pfn = where & 8 ? value : MAX_PFNS + (value % 4) - 2;
        return;
    }
    if (where % 8 == 1) {
        si->arch.pfn_to_mfn_frame_list_list = where & 8 ? value : mfn_x(any_mfn(c));
        return;
    }
    if (top == 0 || top >= model_nr_frames())
        return;
    page = model_frame_bytes(_mfn(top));
    if (where % 8 >= 4 && page[0] && page[0] < model_nr_frames())
        page = model_frame_bytes(_mfn(page[0]));   /* the first mid page */
    page[slot] = where & 8 ? value : mfn_x(any_mfn(c));
}

static void check_frame_lists(struct cursor *c)
{
    shared_info_t *si = harness_shared_info();
    unsigned corruptions = next(c) % 4, i;
    uint64_t nr = 0, pfn, canary = 0x5a5a5a5a5a5a5a5aULL;
    unsigned long errors = pvmmu_error_count();
    char why[256];
    int rc;

    si->arch.pfn_to_mfn_frame_list_list = 0;
    if (p2m_publish(si))
        return;   /* out of frames for the lists: reported, nothing to read */
    for (i = 0; i < corruptions; i++)
        corrupt(c, si);
    table_as_read[MAX_PFNS] = canary;
    rc = p2m_frame_list_read(si, see_frame, NULL, table_as_read, MAX_PFNS, &nr);
    if (table_as_read[MAX_PFNS] != canary)
        fail("p2m_frame_list_read wrote past its capacity");
    if (rc && pvmmu_error_count() == errors)
        fail("p2m_frame_list_read refused without a report");
    if (!rc && (nr == 0 || nr > MAX_PFNS || nr != si->arch.max_pfn))
        fail("p2m_frame_list_read succeeded with a count other than max_pfn");
    if (rc || corruptions)
        return;
    if (nr != p2m_extent())
        fail("the lists nobody corrupted do not cover the table");
    for (pfn = 0; pfn < nr; pfn++)
        if (table_as_read[pfn] != mfn_x(p2m_lookup(_pfn(pfn)))) {
            snprintf(why, sizeof(why), "pfn 0x%llx reads back as mfn 0x%llx from lists nobody corrupted; "
                     "the table says 0x%llx", (unsigned long long)pfn, (unsigned long long)table_as_read[pfn],
                     (unsigned long long)mfn_x(p2m_lookup(_pfn(pfn))));
            fail(why);
        }
}

/* --- the operations ------------------------------------------------------------------------ */

static void one_op(struct cursor *c)
{
    unsigned op = next(c);

    switch (op % 6) {
    case 0: {   /* the m2p says anything about any frame */
        mfn_t mfn = any_mfn(c);

        model_m2p_set(mfn, any_pfn(c));
        break;
    }
    case 1: {   /* a hole in the m2p, or the end of one */
        mfn_t mfn = any_mfn(c);

        model_m2p_set_hole(mfn, 1 + next(c) % 8, op & 0x80);
        break;
    }
    case 2: {   /* our p2m moves a pfn, or loses its frame */
        uint64_t pfn = next(c) % MAX_PFNS;
        mfn_t mfn = op & 0x40 ? INVALID_MFN : any_mfn(c);

        p2m_set(_pfn(pfn), mfn);
        break;
    }
    case 3: {   /* an I/O range: pfn == mfn */
        uint64_t first = next(c) % MAX_PFNS, count = next(c) % 64;

        p2m_set_identity(_pfn(first), first + count > MAX_PFNS ? MAX_PFNS - first : count);
        break;
    }
    case 4: check_lookup(any_mfn(c)); break;
    case 5: check_frame_lists(c); break;
    }
}

void fuzz_m2p(const uint8_t *data, size_t size)
{
    struct cursor c = { data, data + size };

    boot();
    pvmmu_clear_errors();
    while (c.p < c.end)
        one_op(&c);
    pvmmu_clear_errors();
}

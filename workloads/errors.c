/*
 * Failures are named.  Each case below provokes a refusal on purpose, from Xen
 * or from pvmmu's own checks, and passes when the refusal is reported with the
 * operation and its arguments and nothing else changed.
 */
#include <xen/pvmmu/mmu.h>
#include <xen/pvmmu/multicall.h>
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include "workloads/workloads.h"

void wl_suite_errors(const struct wl_options *opt)
{
    struct mmuext_op unpin = { .cmd = MMUEXT_UNPIN_TABLE };
    struct aspace *as = wl_space_with_pages(WL_VA, opt->pages, true);
    pfn_t plain = frame_alloc();
    int rc;

    /* Xen refuses to unpin a frame that was never pinned. */
    unpin.arg1.mfn = mfn_x(p2m_lookup(plain));
    mc_mmuext(&unpin);
    rc = mc_flush();
    wl_accept_errors();
    wl_check(rc == -XEN_EINVAL && pvmmu_error_seen("UNPIN_TABLE arg1=0x"), "errors-xen-refusal-named",
             "flush returned %d, report: %s", rc, pvmmu_last_error());

    /* pvmmu refuses what Xen would: pinning twice, Xen's L4 slots, destroying twice. */
    rc = as ? aspace_pin(as) : 0;
    wl_accept_errors();
    wl_check(as && rc && as->pinned && pvmmu_error_seen("already pinned"), "errors-pin-twice",
             "second pin returned %d", rc);
    rc = as ? set_pgd(as, table_entry(as->root, L4_XEN_FIRST), PTE_NONE) : 0;
    wl_accept_errors();
    wl_check(rc == -XEN_EPERM && pvmmu_error_seen("Xen's"), "errors-xen-slot-refused",
             "set_pgd on slot %u returned %d", L4_XEN_FIRST, rc);
    if (as)
        wl_destroy_space(as, WL_VA, opt->pages);
    rc = as ? aspace_destroy(as) : 0;
    wl_accept_errors();
    wl_check(rc == -XEN_EINVAL && pvmmu_error_seen("destroyed twice"), "errors-destroy-twice",
             "second destroy returned %d", rc);
    frame_free(plain);
}

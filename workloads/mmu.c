/*
 * The MMU the suites drive (workloads.h): the PV backend unless the carrier
 * chooses another.  The suites were written against the PV calls, and reach
 * them through this table now, so that the bare-metal kernel runs them over
 * shadow paging unchanged.
 */
#include <xen/pvmmu/backend.h>
#include "workloads/workloads.h"

const struct wl_mmu wl_pv_mmu = {
    .ops = &pv_backend,
    .kernel = aspace_kernel,
    .current = aspace_current,
    .traps = true,
};

const struct wl_mmu *wl_mmu = &wl_pv_mmu;

/*
 * The fault-injection scenario (workloads/inject.c), in its own file so that the
 * hosted fault-injection test (tests/unit/test_fault_injection.c), which checks
 * it against the model's own view of Xen, runs exactly what the kernel runs on
 * real Xen.  It needs nothing but the core.
 */
#include <xen/pvmmu/aspace.h>
#include <xen/pvmmu/mmu.h>
#include <xen/pvmmu/multicall.h>
#include "workloads/workloads.h"

#define GiB (1ULL << 30)

/* The scenario: once something has failed, each step may fail too; it goes on regardless. */
void wl_inject_scenario(struct aspace *as[WL_INJECT_SPACES], const pfn_t data[WL_INJECT_FRAMES])
{
    unsigned i;

    as[3] = NULL;
    for (i = 0; i < WL_INJECT_SPACES - 1; i++) {
        as[i] = aspace_create();
        if (as[i])
            mmu_map_range(as[i], WL_VA, data, 8 + 8 * i, _PAGE_RW | _PAGE_USER);
    }
    if (!as[0] || !as[1] || !as[2])
        return;
    aspace_pin(as[0]);
    aspace_switch(as[0]);
    lazy_mmu_enter();
    mmu_map_range(as[0], WL_VA + GiB, data, WL_INJECT_FRAMES, _PAGE_RW);
    mmu_protect_range(as[0], WL_VA, 8, PROT_READ_ONLY);
    lazy_mmu_leave();
    pin_all();
    mmu_unmap_range(as[1], WL_VA, 4);
    unpin_all();
    aspace_pin(as[2]);
    aspace_unpin(as[2]);
    /* A pinned space grown by whole tables, cut by a whole table, in one lazy section. */
    aspace_pin(as[1]);
    lazy_mmu_enter();
    mmu_map_range(as[1], WL_VA + 2 * GiB, data, WL_INJECT_FRAMES, _PAGE_RW);
    mmu_unmap_range(as[1], WL_VA, 512);
    mmu_map_range(as[1], WL_VA + 3 * GiB + (1ULL << 21), data, 16, _PAGE_RW);
    lazy_mmu_leave();
    /* A fork of a pinned space spread over three L3 ranges: table copies, no hypercall. */
    as[3] = aspace_fork(as[1]);
    aspace_switch(aspace_kernel());
}

/*
 * Unmap storms and teardown: map a large range, touch every page, unmap it, over
 * and over in one live, pinned, loaded address space; afterwards every page must
 * fault and every frame must be back with the allocator.
 */
#include <xen/pvmmu/backend.h>
#include <xen/pvmmu/multicall.h>
#include <xen/pvmmu/platform.h>
#include "workloads/workloads.h"

static pfn_t frames[8192];

void wl_suite_unmap(const struct wl_options *opt)
{
    unsigned long free_before = env_frames_free();
    unsigned n = opt->storm_pages < 8192 ? opt->storm_pages : 8192;
    struct aspace *as = wl_mmu->ops->create();
    unsigned round, page, bad_rounds = 0, still_mapped = 0;
    uint64_t traps_before = mc_stats()->traps, value;

    if (!as || wl_mmu->ops->switch_to(as)) {
        wl_check(false, "unmap-setup", "could not create and load an address space");
        return;
    }
    for (round = 0; round < opt->storm_rounds; round++) {
        unsigned got = 0;
        bool ok = true, unmapped;

        /* Only the frames really allocated are given back, and only once nothing maps them. */
        while (got < n && pfn_valid_value(frames[got] = frame_alloc()))
            got++;
        ok = got == n && !wl_mmu->ops->map_range(as, WL_VA, frames, n, _PAGE_RW | _PAGE_USER);
        ok = ok && wl_write_pattern(round, WL_VA, n) && wl_check_pattern(round, WL_VA, n) == 0;
        unmapped = !wl_mmu->ops->unmap_range(as, WL_VA, n);
        ok = ok && unmapped;
        for (page = 0; page < n; page += 97)
            still_mapped += env_read64(WL_VA + (uint64_t)page * PAGE_SIZE, &value);
        while (unmapped && got)
            frame_free(frames[--got]);
        bad_rounds += !ok;
    }
    wl_check(!bad_rounds && !still_mapped, "unmap-storm",
             "%u of %u rounds failed, %u pages still readable after unmap", bad_rounds,
             opt->storm_rounds, still_mapped);
    if (opt->storm_rounds)
        wl_stat_traps("traps_per_storm_round", (mc_stats()->traps - traps_before) / opt->storm_rounds);

    wl_mmu->ops->switch_to(wl_mmu->kernel());
    wl_mmu->ops->destroy(as);
    wl_check(env_frames_free() == free_before, "unmap-teardown-gives-everything-back",
             "%ld frames not given back", (long)(free_before - env_frames_free()));
}

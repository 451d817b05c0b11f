/*
 * Many address spaces at once: created and populated in lazy mode, pinned,
 * switched between, written and read back through their own mappings.  Every
 * space maps its pages at the SAME virtual address, so reading the right pattern
 * back proves that the right tree was loaded, not just that some tree was.
 */
#include <xen/pvmmu/backend.h>
#include <xen/pvmmu/multicall.h>
#include "workloads/workloads.h"

static struct aspace *spaces[ASPACE_MAX];

void wl_suite_spaces(const struct wl_options *opt)
{
    unsigned long free_before = env_frames_free();
    unsigned n = opt->spaces < ASPACE_MAX - 16 ? opt->spaces : ASPACE_MAX - 16;
    uint64_t traps_before = mc_stats()->traps;
    unsigned i, created = 0, faulted = 0, wrong = 0;

    for (i = 0; i < n; i++) {
        spaces[i] = wl_space_with_pages(WL_VA, opt->pages, true);
        if (!spaces[i])
            break;
        created++;
    }
    wl_check(created == n, "spaces-create-pinned", "created %u of %u address spaces", created, n);
    if (created)
        wl_stat_traps("traps_per_space_created", (mc_stats()->traps - traps_before) / created);

    for (i = 0; i < created; i++)
        if (wl_mmu->ops->switch_to(spaces[i]) || !wl_write_pattern(i, WL_VA, opt->pages))
            faulted++;
    /* Second pass: every space has been switched away from and back to. */
    for (i = 0; i < created; i++)
        wrong += wl_mmu->ops->switch_to(spaces[i]) ? opt->pages : wl_check_pattern(i, WL_VA, opt->pages);
    wl_mmu->ops->switch_to(wl_mmu->kernel());
    wl_check(!faulted && !wrong, "spaces-switch-write-readback",
             "%u spaces faulted while writing, %u pages read back wrong", faulted, wrong);

    for (i = 0; i < created; i++)
        wl_destroy_space(spaces[i], WL_VA, opt->pages);
    wl_check(env_frames_free() == free_before, "spaces-teardown",
             "%ld frames not given back", (long)(free_before - env_frames_free()));
}

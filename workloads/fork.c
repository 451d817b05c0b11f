/*
 * Fork-style duplication: the child gets copies of every table and shares the
 * data frames; then the two diverge, and each must still see its own world.
 */
#include <xen/pvmmu/backend.h>
#include <xen/pvmmu/platform.h>
#include "workloads/workloads.h"

void wl_suite_fork(const struct wl_options *opt)
{
    struct aspace *parent = wl_space_with_pages(WL_VA, opt->pages, true), *child = NULL;
    pfn_t own = frame_alloc();
    uint64_t mine = 0, theirs = 0;
    unsigned wrong = ~0u;

    if (parent && !wl_mmu->ops->switch_to(parent) && wl_write_pattern(1000, WL_VA, opt->pages))
        child = wl_mmu->ops->fork(parent);
    if (child && !wl_mmu->ops->switch_to(child))
        wrong = wl_check_pattern(1000, WL_VA, opt->pages);
    wl_check(child && wrong == 0, "fork-copy-translates", "child missing or %u pages differ", wrong);

    /* Diverge: the child's first page becomes a frame of its own. */
    if (child && !wl_mmu->ops->map_range(child, WL_VA, &own, 1, _PAGE_RW | _PAGE_USER) && env_write64(WL_VA, 0xc41d))
        env_read64(WL_VA, &mine);
    if (parent && !wl_mmu->ops->switch_to(parent))
        env_read64(WL_VA, &theirs);
    wl_check(mine == 0xc41d && theirs == wl_pattern(1000, 0), "fork-diverge",
             "child reads 0x%llx, parent reads 0x%llx", (unsigned long long)mine,
             (unsigned long long)theirs);

    wl_mmu->ops->switch_to(wl_mmu->kernel());
    if (child)
        wl_mmu->ops->destroy(child);   /* its data frames are the parent's, but one */
    frame_free(own);
    if (parent)
        wl_destroy_space(parent, WL_VA, opt->pages);
}

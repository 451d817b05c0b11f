/*
 * Tables added to and removed from a pinned, loaded tree.  A table hooked into a
 * pinned tree must be read-only from then on (a write to it through the kernel's
 * direct map faults: Xen's rule, seen from the guest); a table unhooked from it
 * must be plain, writable memory again.
 */
#include <xen/pvmmu/mmu.h>
#include <xen/pvmmu/platform.h>
#include "workloads/workloads.h"

#define FAR_VA (WL_VA + 5 * (1ULL << 30))   /* needs a new L2 and a new L1 */

static pfn_t l1_of(struct aspace *as, uint64_t va)
{
    mpte_t *l1e = entry_slot(as, va, 1);

    return l1e ? virt_to_pfn(l1e) : INVALID_PFN;
}

void wl_suite_hooks(const struct wl_options *opt)
{
    struct aspace *as = wl_space_with_pages(WL_VA, opt->pages, true);
    pfn_t data = frame_alloc(), l1;
    uint64_t value = 0;
    bool wrote_table, mapped_after;

    if (!as || aspace_switch(as) || !pfn_valid_value(data)) {
        wl_check(false, "hooks-setup", "could not build and load an address space");
        return;
    }
    wl_check(!mmu_map(as, FAR_VA, data, _PAGE_RW | _PAGE_USER) && env_write64(FAR_VA, 0xf00d) &&
                 env_read64(FAR_VA, &value) && value == 0xf00d,
             "hooks-new-tables-map", "a page under new tables reads 0x%llx", (unsigned long long)value);

    l1 = l1_of(as, FAR_VA);
    wrote_table = pfn_valid_value(l1) && env_write64(env_direct_map_va(pfn_x(l1)) + 8, 0);
    wl_check(pfn_valid_value(l1) && !wrote_table, "hooks-hooked-table-is-read-only",
             "a write to the new L1 (pfn 0x%llx) through the direct map did not fault",
             (unsigned long long)pfn_x(l1));

    mmu_unmap_range(as, FAR_VA & ~(pt_entry_span(2) - 1), PT_ENTRIES);
    mapped_after = env_read64(FAR_VA, &value);
    wl_check(!mapped_after && env_write64(env_direct_map_va(pfn_x(l1)) + 8, 0),
             "hooks-unhooked-table-is-plain-memory",
             "after unmapping its whole range the page is %s and the old L1 %s",
             mapped_after ? "still mapped" : "gone", "did not take a write");

    aspace_switch(aspace_kernel());
    frame_free(data);
    wl_destroy_space(as, WL_VA, opt->pages);
}

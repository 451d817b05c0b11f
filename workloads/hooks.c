/*
 * Tables added to and removed from a pinned, loaded tree.  A table hooked into a
 * pinned tree must be read-only from then on; a table unhooked from it must be
 * plain, writable memory again.
 *
 * Seen from the guest, "read-only" means a write through the kernel's direct map
 * faults, for L2..L4 tables.  Not always for an L1: Xen 4.17 emulates a write to
 * a read-only L1 as a validated PTE update (pv/ro-page-fault.c) for the initial
 * domain even with the writable_pagetables assist off (a domU's write faults),
 * which is why the check looks at the new L2, where both fault.
 * (Found on real Xen: the first version of this check wrote to the L1, and only
 * the model, stricter there, made it fault.)
 */
#include <xen/pvmmu/mmu.h>
#include <xen/pvmmu/platform.h>
#include "workloads/workloads.h"

#define FAR_VA (WL_VA + 5 * (1ULL << 30))   /* needs a new L2 and a new L1 */

/* The table of level `level` that translates va. */
static pfn_t table_of(struct aspace *as, uint64_t va, int level)
{
    mpte_t *e = entry_slot(as, va, level);

    return e ? virt_to_pfn(e) : INVALID_PFN;
}

void wl_suite_hooks(const struct wl_options *opt)
{
    struct aspace *as = wl_space_with_pages(WL_VA, opt->pages, true);
    pfn_t data = frame_alloc(), l1, l2;
    uint64_t value = 0;
    bool wrote_table, mapped_after;

    if (!as || aspace_switch(as) || !pfn_valid_value(data)) {
        wl_check(false, "hooks-setup", "could not build and load an address space");
        return;
    }
    wl_check(!mmu_map(as, FAR_VA, data, _PAGE_RW | _PAGE_USER) && env_write64(FAR_VA, 0xf00d) &&
                 env_read64(FAR_VA, &value) && value == 0xf00d,
             "hooks-new-tables-map", "a page under new tables reads 0x%llx", (unsigned long long)value);

    l1 = table_of(as, FAR_VA, 1);
    l2 = table_of(as, FAR_VA, 2);
    wrote_table = pfn_valid_value(l2) && env_write64(env_direct_map_va(pfn_x(l2)) + 8, 0);
    wl_check(pfn_valid_value(l2) && !wrote_table, "hooks-hooked-table-is-read-only",
             "a write to the new L2 (pfn 0x%llx) through the direct map did not fault",
             (unsigned long long)pfn_x(l2));

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

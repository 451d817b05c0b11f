/*T:020 Naming an entry: where the guest sees it, and where Xen does.
 *
 * A table is a frame, and the kernel's direct map shows every frame at a fixed
 * virtual address: entry `index` of table `table` is a plain pointer there.
 * Xen names the same entry by machine address, which is what an mmu_update
 * request carries: the frame's mfn, from the p2m, and the entry's offset in it. :*/
#include <xen/pvmmu/mmu.h>
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/platform.h>
#include "tables/tables_int.h"

mpte_t *table_entry(pfn_t table, unsigned index)
{
    return (mpte_t *)pfn_to_virt(table) + index;
}

uint64_t entry_maddr(const mpte_t *slot)
{
    uint64_t offset = (uintptr_t)slot & (PAGE_SIZE - 1);

    return mfn_to_maddr(p2m_lookup(virt_to_pfn(slot))) | offset;
}

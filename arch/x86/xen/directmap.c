/*A:410 Building the direct map, the careful way.
 *
 * Xen accepts a frame as a page table only if nothing maps it writable, and it
 * validates a whole subtree at the moment the subtree is linked into a pinned
 * tree.  So (as Mini-OS's build_pagetable does) we prepare every new table while
 * it is still ordinary memory and link it last:
 *
 *   1. the tables' frames are the first free pfns (after boot_tables_release
 *      they are mapped nowhere);
 *   2. each is filled through one scratch page of the image, remapped to it with
 *      update_va_mapping, and left mapped nowhere once the scratch page moves on:
 *      the L1s map every guest frame, read-only if it is a table (the bootstrap
 *      ones and these), read-write otherwise; the L2s point at the L1s, the L3 at
 *      the L2s;
 *   3. one mmu_update writes the L3 into L4 slot 272: Xen validates all of it in
 *      that single call.
 *
 * For a 64 MiB guest that is 34 tables, 35 update_va_mappings and one
 * mmu_update.  One L3 covers 512 GiB, the most the p2m's frame lists allow. :*/
#include "lib/lib_int.h"
#include <xen/pvmmu/pte.h>
#include <xen/pvmmu/report.h>
#include "boot.h"
#include "directmap.h"
#include "hypercall_arch.h"
#include "layout.h"

#define UPPER_FLAGS (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED)

struct direct_map direct_map;

/* The scratch page: its own frame is never used again once it has been remapped. */
static uint64_t scratch[PT_ENTRIES] __attribute__((aligned(PAGE_SIZE)));

bool pfn_is_kernel_table(uint64_t pfn)
{
    return (pfn >= boot.pt_first && pfn < boot.pt_first + boot.nr_pt) ||
           (pfn >= direct_map.first_table && pfn < direct_map.end);
}

static uint64_t l3_pfn(void) { return direct_map.first_table; }
static uint64_t l2_pfn(uint64_t i) { return direct_map.first_table + 1 + i; }
static uint64_t l1_pfn(uint64_t i) { return direct_map.first_table + 1 + direct_map.nr_l2 + i; }

static uint64_t maddr_of(uint64_t pfn)
{
    return mfn_to_maddr(boot_pfn_to_mfn(_pfn(pfn)));
}

/* Point the scratch page at `pfn` (0: at nothing).  0 or the error, reported. */
static int scratch_map(uint64_t pfn, bool present)
{
    uint64_t pte = present ? maddr_of(pfn) | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY : 0;
    long rc = hv_update_va_mapping((uint64_t)(uintptr_t)scratch, pte, UVMF_INVLPG | UVMF_LOCAL);

    direct_map.traps++;
    if (rc)
        pvmmu_error("direct map: update_va_mapping(scratch %p, pte 0x%llx for pfn 0x%llx) failed: %ld",
                    (void *)scratch, (unsigned long long)pte, (unsigned long long)pfn, rc);
    return (int)rc;
}

static uint64_t leaf_entry(uint64_t pfn)
{
    mfn_t mfn = boot_pfn_to_mfn(_pfn(pfn));

    if (pfn >= boot.nr_pages || !mfn_valid_value(mfn))
        return 0;
    if (pfn_is_kernel_table(pfn))
        return mfn_to_maddr(mfn) | _PAGE_PRESENT | _PAGE_ACCESSED;
    return mfn_to_maddr(mfn) | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
}

/* Fill table `pfn` with entry(first + i) for i < count; the rest stays zero. */
static int fill(uint64_t pfn, uint64_t (*entry)(uint64_t), uint64_t first, uint64_t count)
{
    int rc = scratch_map(pfn, true);
    uint64_t i;

    if (rc)
        return rc;
    for (i = 0; i < PT_ENTRIES; i++)
        scratch[i] = i < count ? entry(first + i) : 0;
    return 0;
}

static uint64_t l1_entry(uint64_t i) { return maddr_of(l1_pfn(i)) | UPPER_FLAGS; }
static uint64_t l2_entry(uint64_t i) { return maddr_of(l2_pfn(i)) | UPPER_FLAGS; }

static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }

int direct_map_build(void)
{
    uint64_t i, n = boot.span;   /* pfns past nr_pages get tables, no entries: room to grow */
    mmu_update_t hook;
    int rc = 0;

    direct_map.nr_l1 = (n + PT_ENTRIES - 1) / PT_ENTRIES;
    direct_map.nr_l2 = (direct_map.nr_l1 + PT_ENTRIES - 1) / PT_ENTRIES;
    direct_map.first_table = boot.kernel_end;
    direct_map.end = direct_map.first_table + 1 + direct_map.nr_l2 + direct_map.nr_l1;
    if (direct_map.nr_l2 > PT_ENTRIES || direct_map.end >= boot.nr_pages) {
        pvmmu_error("direct map: %llu pages need %llu L2s and %llu L1s: does not fit",
                    (unsigned long long)n, (unsigned long long)direct_map.nr_l2,
                    (unsigned long long)direct_map.nr_l1);
        return -XEN_ENOMEM;
    }

    for (i = 0; i < direct_map.nr_l1 && !rc; i++)
        rc = fill(l1_pfn(i), leaf_entry, i * PT_ENTRIES, PT_ENTRIES);
    for (i = 0; i < direct_map.nr_l2 && !rc; i++)
        rc = fill(l2_pfn(i), l1_entry, i * PT_ENTRIES, min_u64(PT_ENTRIES, direct_map.nr_l1 - i * PT_ENTRIES));
    if (!rc)
        rc = fill(l3_pfn(), l2_entry, 0, direct_map.nr_l2);
    /* No writable alias may be left when Xen looks: the scratch page lets go of the last table. */
    if (!rc)
        rc = scratch_map(0, false);
    if (rc)
        return rc;

    hook.ptr = (maddr_of(pfn_x(boot.l4)) + pt_index(DIRECT_MAP_BASE, 4) * 8) | MMU_NORMAL_PT_UPDATE;
    hook.val = maddr_of(l3_pfn()) | UPPER_FLAGS;
    direct_map.traps++;
    return mmu_update_checked(&hook, 1, "direct map: linking the L3 into L4 slot 272");
}

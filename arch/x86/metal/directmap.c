/*
 * The host's page tables: one L4 of its own, whose slot 256 maps every RAM
 * frame at HOST_BASE + its physical address, in 4 KiB pages.
 *
 * 4 KiB, not 2 MiB, because the core may ask for the L1 entry that maps a
 * frame (direct_map_l1e_maddr: the PV backend's pinning flips it), and a
 * superpage has none; 512 MiB costs 256 L1 frames, 1 MiB.  The image is inside
 * the map (it is linked there), so after the switch the host runs on these
 * tables alone: low memory is no longer mapped at all, which is the point, as
 * slots 0..255 belong to the guest.
 *
 * Nothing here is ever global or user-accessible.  The host's slots are copied
 * into every shadow root (shadow_set_host_l4e), so the host keeps running,
 * whichever root is loaded, on the same tables below them.
 */
#include <stddef.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/pte.h>
#include "cpu.h"
#include "layout.h"
#include "machine.h"

#define HOST_TABLE (_PAGE_PRESENT | _PAGE_RW)
#define HOST_PAGE (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)

static pfn_t l4 = { INVALID_PFN_RAW };

pfn_t host_l4(void)
{
    return l4;
}

uint64_t *host_entry(uint64_t va, int level, pfn_t (*alloc)(void))
{
    uint64_t *table = pfn_to_virt(l4);
    int l;

    for (l = PT_LEVELS; l > level; l--) {
        uint64_t *e = &table[pt_index(va, l)];

        if (!(*e & _PAGE_PRESENT)) {
            pfn_t fresh = alloc ? alloc() : INVALID_PFN;

            if (!pfn_valid_value(fresh))
                return NULL;
            *e = (pfn_x(fresh) << PAGE_SHIFT) | HOST_TABLE;
        }
        table = pfn_to_virt(_pfn((*e & PTE_ADDR_MASK) >> PAGE_SHIFT));
    }
    return &table[pt_index(va, level)];
}

const char *direct_map_build(void)
{
    unsigned r;

    l4 = early_frame();
    if (!pfn_valid_value(l4))
        return "no early frame for the host's L4";
    for (r = 0; r < machine.nr_ram; r++) {
        uint64_t pfn;

        for (pfn = machine.ram[r].first_pfn; pfn < machine.ram[r].end_pfn; pfn++) {
            uint64_t *pte = host_entry(HOST_BASE + (pfn << PAGE_SHIFT), 1, early_frame);

            if (!pte)
                return "out of early frames for the direct map's tables";
            *pte = (pfn << PAGE_SHIFT) | HOST_PAGE;
        }
    }
    write_cr3(pfn_x(l4) << PAGE_SHIFT);
    return NULL;
}

/* The L1 entry for pfn, found by walking: the direct map has no holes to fear below RAM. */
uint64_t direct_map_l1e_maddr(pfn_t pfn)
{
    uint64_t *pte = host_entry(HOST_BASE + (pfn_x(pfn) << PAGE_SHIFT), 1, NULL);

    return pte ? (uint64_t)(uintptr_t)pte - HOST_BASE : 0;
}

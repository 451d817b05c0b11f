/*
 * The direct map: every pseudo-physical frame at DIRECT_MAP_BASE + pfn * 4096
 * (L4 slot 272), page-table frames read-only, all others read-write.
 */
#ifndef PVMMU_ARCH_DIRECTMAP_H
#define PVMMU_ARCH_DIRECTMAP_H

#include <stdbool.h>
#include <xen/pvmmu/frame.h>

struct direct_map {
    uint64_t first_table;   /* its tables are pfns [first_table, end): L3, L2s, L1s */
    uint64_t nr_l2, nr_l1;
    uint64_t end;
    uint64_t traps;         /* hypercalls the build took */
};
extern struct direct_map direct_map;

/* Build it from the frames after boot.kernel_end and hook it in.  0 or an error (reported). */
int direct_map_build(void);

/* Whether pfn is a page table the kernel itself uses (bootstrap or direct map). */
bool pfn_is_kernel_table(uint64_t pfn);

#endif

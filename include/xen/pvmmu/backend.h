/*
 * One MMU API, two backends.
 *
 * The upper layers (the workloads, a kernel's mm code) drive address spaces
 * through this table of operations, chosen once at boot as a const struct (not
 * patched function pointers): the PV direct-pagetable backend (mmu/, pinning/,
 * multicalls/) when Xen validates our tables, the shadow backend (shadow/) on a
 * host that cannot, where the guest's tables are untrusted data and the hardware
 * walks shadow tables filled on page faults.
 *
 * Everything is in the guest's terms: pfns, pvmmu_pte_t, virtual addresses of the user
 * half.  pin/unpin mean "Xen validates this tree" for PV and "keep its shadows
 * cached" for shadow; both are safe to call on either.
 */
#ifndef PVMMU_BACKEND_H
#define PVMMU_BACKEND_H

#include <xen/pvmmu/mmu.h>

/* Each operation has the contract of its PV function in aspace.h / mmu.h. */
struct pvmmu_mmu_backend {
    const char *name;
    struct pvmmu_aspace *(*create)(void);
    struct pvmmu_aspace *(*fork)(struct pvmmu_aspace *parent);
    int (*destroy)(struct pvmmu_aspace *as);
    int (*switch_to)(struct pvmmu_aspace *as);
    int (*pin)(struct pvmmu_aspace *as);
    int (*unpin)(struct pvmmu_aspace *as);
    int (*map_range)(struct pvmmu_aspace *as, uint64_t va, const pvmmu_pfn_t *pfns, uint64_t count, uint64_t flags);
    int (*unmap_range)(struct pvmmu_aspace *as, uint64_t va, uint64_t count);
    int (*protect_range)(struct pvmmu_aspace *as, uint64_t va, uint64_t count, enum pvmmu_mmu_prot prot);
    int (*lookup)(const struct pvmmu_aspace *as, uint64_t va, pvmmu_pte_t *out);
    int (*flush_tlb)(void);
    int (*invlpg)(uint64_t va);
};

/* The PV backend: the aspace_* and mmu_* functions of aspace.h and mmu.h, as a table. */
extern const struct pvmmu_mmu_backend pvmmu_pv_backend;

#endif

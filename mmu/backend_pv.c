/* The PV direct-pagetable backend, as one const table (include/xen/pvmmu/backend.h). */
#include <xen/pvmmu/backend.h>
#include "mmu/mmu_int.h"

const struct mmu_backend pv_backend = {
    .name = "pv",
    .create = aspace_create,
    .fork = aspace_fork,
    .destroy = aspace_destroy,
    .switch_to = aspace_switch,
    .pin = aspace_pin,
    .unpin = aspace_unpin,
    .map_range = mmu_map_range,
    .unmap_range = mmu_unmap_range,
    .protect_range = mmu_protect_range,
    .lookup = mmu_lookup,
    .flush_tlb = mmu_flush_tlb,
    .invlpg = mmu_invlpg,
};

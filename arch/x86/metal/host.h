/*
 * The host's side of the bargain, as the carrier sees it: the guest's calls
 * into the host (the workloads' MMU table), and what has to happen on every
 * way back to the guest.
 */
#ifndef PVMMU_METAL_HOST_H
#define PVMMU_METAL_HOST_H

#include <stdint.h>
#include "workloads/workloads.h"

/* The shadow backend, each call followed by host_return(): what the workloads drive. */
extern const struct wl_mmu metal_mmu;

/* Before the guest runs again: CR3 holds shadow_cr3(), and the TLB is flushed if the core asks. */
void host_return(void);

/*
 * The guest is dead (shadow_guest_dead(): it handed the host an entry the host
 * refuses): a FAIL with the kill reason, and the run stops.
 */
_Noreturn void host_stop_dead_guest(uint64_t va, uint64_t rip);

/* A demand fault the host fixed: counted as a rebuild when the loaded root was built before. */
void host_note_fixed(void);

struct host_counts {
    uint64_t cr3_loads;        /* host_return loaded CR3 (a root switch or a flush) */
    uint64_t rebuild_faults;   /* fixed faults in a root rebuilt after being thrown out */
    uint64_t rebuilt_roots;    /* root builds for a guest root that had a shadow before */
};
const struct host_counts *host_counts(void);

#endif

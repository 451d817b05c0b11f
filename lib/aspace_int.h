/*
 * Private to pvmmu: what an address space is made of.  The public header
 * (<xen/pvmmu/aspace.h>) gives the embedder a handle and two questions it may
 * ask (root, pinned); the fields are the core's, and the project's own kernels,
 * workloads and tests.  Here in lib/, below every folder, because every folder
 * of the core reads them: tables/ walks a space's slots, pinning/ pins it,
 * mmu/ builds it, shadow/ (which may use lib/ and p2m/ alone) shadows it.
 */
#ifndef PVMMU_ASPACE_INT_H
#define PVMMU_ASPACE_INT_H

#include <stdbool.h>
#include <xen/pvmmu/aspace.h>
#include "lib/lib_int.h"

enum aspace_state {
    AS_FREE,          /* not an address space (a free slot in the pool) */
    AS_CONSTRUCTING,  /* being populated; may be pinned or not */
    AS_LIVE,          /* in use by a workload */
    AS_TEARING_DOWN,  /* partly released; what is left is still a valid tree */
};

struct pvmmu_aspace {
    pvmmu_pfn_t root;
    pvmmu_pfn_t user_root;
    enum aspace_state state;
    bool pinned;        /* table frames read-only, roots pinned in Xen */
    bool save_pinned;   /* pinned by pvmmu_pin_all(); pvmmu_unpin_all() releases exactly these */
    bool is_kernel;     /* the kernel's own tables (from Xen's domain builder) */
    unsigned id;        /* index in the pool: stable, for reports */
    /*
     * The vCPUs that have it loaded, as a Xen vcpumask (bit n: vCPU n).  Only
     * they can hold its TLB entries: loading another root flushed everyone
     * else's.  A change that needs a flush sends it to these (mmu/tlb.c).
     */
    unsigned long loaded_on;
    /*
     * An unpin or destroy is making other vCPUs let go of it (their
     * pvmmu_platform_call_function): a switch to it is refused meanwhile.
     */
    bool dropping;
    /*
     * A destroy freed its tables and took it off the registry, under its lock: the
     * slot goes back to the pool only once that lock is let go (mmu/aspace.c), and
     * meanwhile a second destroy is refused.
     */
    bool freed;
    struct pvmmu_aspace *next_registered;
};

#endif

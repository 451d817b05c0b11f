/*
 * Private to pvmmu's core: what pinning/ offers mmu/ and suspend/ and not an
 * embedder: the registry's bookkeeping, unpinning in two halves, the read-only
 * flips of table frames, and reconciling after Xen refused part of a pin.
 */
#ifndef PVMMU_PINNING_INT_H
#define PVMMU_PINNING_INT_H

#include <xen/pvmmu/aspace.h>
#include "tables/tables_int.h"

void registry_add(struct aspace *as);
void registry_remove(struct aspace *as);
void registry_forget(void);
/* mmu/aspace.c tells the registry which space is the kernel's and which is loaded. */
void registry_set_kernel(struct aspace *as);
void registry_set_current(struct aspace *as);
/*
 * Locks (docs/smp-locks.md): the registry's (the list and the pool's slots) and
 * one per address space (its life cycle: pinned, torn down, switched to).  A
 * space's lock comes before the registry's; two spaces' locks never nest.
 */
void registry_lock(void);
void registry_unlock(void);
void aspace_lock(const struct aspace *as);
void aspace_unlock(const struct aspace *as);
/* Which vCPUs run pvmmu (aspace_vcpu_up / down): pin_all and unpin_all need this one alone. */
void registry_vcpu_up(unsigned long bit);
void registry_vcpu_down(unsigned long bit);
bool registry_others_up(void);
/* The body of aspace_pin, for a caller that holds the space's lock (aspace_switch). */
int aspace_pin_locked(struct aspace *as);
int aspace_unpin_locked(struct aspace *as);


int unpin_queue(struct aspace *as);
void unpin_done(struct aspace *as);

/*
 * Making table frames read-only (and back) in the kernel's direct map: the step
 * Xen requires before it will accept a frame as a page table.  Queued in the
 * current batch.
 */
int pin_make_table_ro(pfn_t table);
int pin_make_table_rw(pfn_t table);
int direct_map_l1e_read(pfn_t table, uint64_t *maddr, mpte_t *cur);

/* After Xen refused part of a pin or unpin: drive the address space to one definite state. */
int reconcile_unpinned(struct aspace *as);
int reconcile_pinned(struct aspace *as);
int reconcile_release_table(pfn_t table);

#endif

/*
 * Private to pvmmu: a small spinlock, freestanding (gcc's __atomic builtins, so
 * the same code is a kernel's lock and, hosted, one ThreadSanitizer understands).
 *
 * Every lock has a rank, and a vCPU takes locks only in increasing rank: taking
 * one whose rank is not above every lock this vCPU holds is reported (lib/spinlock.c),
 * so the order docs/smp-locks.md states is checked on every acquisition, not
 * only written down.  Locks of one rank (the address spaces') never nest.
 */
#ifndef PVMMU_LIB_SPINLOCK_H
#define PVMMU_LIB_SPINLOCK_H

#include <stdbool.h>

/* The order, lowest (taken first) to highest: docs/smp-locks.md says why. */
enum lock_rank {
    LOCK_ASPACE = 1,   /* one address space's life cycle (mmu/aspace.c, pinning/) */
    LOCK_P2M,          /* p2m updates (p2m/table.c) */
    LOCK_REGISTRY,     /* the pool of address spaces and the registry (mmu/aspace.c, pinning/registry.c) */
    LOCK_OWNER,        /* the table ownership records (mmu/table_owner.c) */
    LOCK_REPORT,       /* the error count and the recent reports (lib/report.c) */
};

struct spinlock {
    unsigned char held;
    unsigned char rank;
};
#define SPINLOCK_INIT(r) { .held = 0, .rank = (r) }

void spin_lock(struct spinlock *l);
void spin_unlock(struct spinlock *l);
/* Whether this vCPU holds a lock of `rank` (for the checks that a caller holds none). */
bool spin_holding_any(void);

#endif

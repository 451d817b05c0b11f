/*
 * Private to pvmmu's core: mmu/'s fresh tables (used by tables/pending.c through
 * the batch's hook, and by mmu/ itself) and forgetting all state between hosted
 * test cases.  Not an embedder's.
 */
#ifndef PVMMU_MMU_INT_H
#define PVMMU_MMU_INT_H

#include <xen/pvmmu/mmu.h>
#include "pinning/pinning_int.h"

/* mmu/fresh.c: tables allocated in this batch, still writable until it is issued. */
bool table_is_fresh(pfn_t table);
int fresh_table_add(pfn_t table);
void fresh_table_owned(pfn_t table);
void fresh_forget(void);

/* Forget all state: the machine underneath was replaced (hosted tests boot one per case). */
void mmu_forget_state(void);

#endif

/*
 * Private to pvmmu's core: mmu/'s fresh tables (used by tables/pending.c through
 * the batch's hook, and by mmu/ itself) and forgetting all state between hosted
 * test cases.  Not an embedder's.
 */
#ifndef PVMMU_MMU_INT_H
#define PVMMU_MMU_INT_H

#include <xen/pvmmu/mmu.h>
#include "pinning/pinning_int.h"
#include "multicalls/multicalls_int.h"

/* mmu/fresh.c: tables allocated in this batch, still writable until it is issued. */
bool table_is_fresh(pfn_t table);
int fresh_table_add(pfn_t table);
void fresh_table_owned(pfn_t table);
void fresh_forget(void);

/*
 * mmu/tlb.c: flush every vCPU that has `as` loaded (aspace.loaded_on), none if
 * none has, decided when the batch is issued; `va` one page or MC_FLUSH_ALL.
 * What was sent, and the calls before unpins / destroys, counted at issue.
 */
int mmu_flush_space(const struct aspace *as, uint64_t va);
void mmu_note_drop(unsigned long vcpus);
const struct mc_shootdowns *mmu_flush_stats(void);
void mmu_flush_stats_reset(void);

/* Forget all state: the machine underneath was replaced (hosted tests boot one per case). */
void mmu_forget_state(void);

#endif

/*
 * Private to pvmmu's core: the batch's hook for tables/ (not an embedder's).
 */
#ifndef PVMMU_MULTICALLS_INT_H
#define PVMMU_MULTICALLS_INT_H

#include <xen/pvmmu/multicall.h>
#include "lib/lib_int.h"
#include <stdint.h>

/*
 * One function may ask to queue requests at the last moment before every issue
 * (tables/pending.c uses it to put hooks after the read-only flips they depend on).
 */
typedef void (*mc_hook_fn)(void);
void mc_set_before_issue(mc_hook_fn fn);

/*
 * Shootdowns decided when the batch is issued (batch.c, B:150): flush the TLB
 * (va == MC_FLUSH_ALL) or one page of every vCPU in *mask, a live vcpumask (an
 * address space's loaded_on).  Queued after everything else in the batch.
 */
#define MC_FLUSH_ALL (~(uint64_t)0)
int mc_flush_tlb_of(const unsigned long *mask, uint64_t va);
/* update_va_mapping whose flush (type: UVMF_TLB_FLUSH / UVMF_INVLPG) reaches every vCPU in *mask. */
int mc_update_va_mapping_of(uint64_t va, uint64_t val, uint64_t type, const unsigned long *mask);
/* What the shootdowns were, counted at issue, for every vCPU together. */
struct mc_shootdowns {
    uint64_t avoided;      /* no vCPU had the space loaded when the batch was issued: no flush */
    uint64_t local;        /* this vCPU only: a local flush */
    uint64_t multi;        /* others: a vcpumask Xen reads after the updates */
    uint64_t pages;        /* of those sent, the ones for one page (INVLPG / UVMF_INVLPG) */
    uint64_t late;         /* a vCPU loaded the space while the batch was on its way: flushed after */
    uint64_t drop_calls;   /* call-functions sent before an unpin / destroy (mmu/aspace.c) */
    uint64_t drop_vcpus;   /* the vCPUs they reached */
};
const struct mc_shootdowns *mc_shootdowns(void);
void mc_shootdowns_reset(void);
void mc_count_drop(unsigned vcpus);

/* mc_reset() of every vCPU's batch: the machine underneath was replaced (hosted tests). */
void mc_reset_all(void);

#endif

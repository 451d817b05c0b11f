/*
 * Private to pvmmu's core: the batch's hook for tables/ (not an embedder's).
 */
#ifndef PVMMU_MULTICALLS_INT_H
#define PVMMU_MULTICALLS_INT_H

#include <xen/pvmmu/multicall.h>
#include "lib/lib_int.h"

/*
 * One function may ask to queue requests at the last moment before every issue
 * (tables/pending.c uses it to put hooks after the read-only flips they depend on).
 */
typedef void (*mc_hook_fn)(void);
void mc_set_before_issue(mc_hook_fn fn);

/* mc_reset() of every vCPU's batch: the machine underneath was replaced (hosted tests). */
void mc_reset_all(void);

#endif

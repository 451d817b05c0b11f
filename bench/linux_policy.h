/*
 * Linux's PV batching policy (arch/x86/xen/multicalls.c, mmu_pv.c, 6.1), rebuilt
 * from its documented behaviour so that the same operations can be counted
 * through the same model in the same run: one 32-entry multicall buffer with 512
 * bytes of arguments, consecutive mmu_updates (and mmuext_ops) merged into one
 * entry while the argument space lasts, a batch of one issued without the
 * wrapper; pinning as one update_va_mapping entry per table frame plus a
 * PIN_L1_TABLE per L1, then PIN_L4_TABLE on each root.
 */
#ifndef PVMMU_BENCH_LINUX_POLICY_H
#define PVMMU_BENCH_LINUX_POLICY_H

#include <xen/pvmmu/aspace.h>

void linux_mmu_update(uint64_t ptr, uint64_t val);
void linux_flush(void);
int linux_pin(struct aspace *as);
int linux_unpin(struct aspace *as);

#endif

/*
 * Fault injection on real Xen: the MMU layer's hypercalls (mmu_update,
 * mmuext_op, update_va_mapping, multicall) and multicall entries are counted,
 * and the nth one from now can be made to fail the way Xen fails a bad request:
 * by handing Xen a deliberately invalid one in its place, so that Xen itself
 * refuses it, having done nothing of it.  The caller's own request is left as it
 * was, so its report names what it really asked.
 */
#ifndef PVMMU_ARCH_FAULT_INJECT_H
#define PVMMU_ARCH_FAULT_INJECT_H

#include <stdbool.h>
#include <xen/pvmmu/abi.h>

/* The nth MMU hypercall (entry: multicall entry) from now fails; 0 disarms. */
void fault_inject_arm(bool entry, unsigned long nth);
/* How many MMU hypercalls (entry: multicall entries) were made since boot. */
unsigned long fault_inject_count(bool entry);

/* For the wrappers in hypercall.c: is this call the one to fail?  Counts it either way. */
bool fault_inject_hypercall_due(void);
/* The same for a multicall's entries: the index of the one to fail, or -1. */
int fault_inject_entry_due(unsigned int count);

#endif

/*
 * The narrow waist: the only hypercalls the MMU layer makes.
 *
 * The portable core calls these and nothing else of Xen.  Two things implement
 * them: the PV kernel (arch/x86/xen/hypercall.c, through Xen's hypercall page) and,
 * in hosted tests, the executable model of Xen's PV MMU rules (tests/model/).
 * Each returns what Xen returns: 0 or a negative errno value (XEN_EINVAL, ...).
 */
#ifndef PVMMU_HYPERCALL_H
#define PVMMU_HYPERCALL_H

#include <xen/pvmmu/abi.h>

long hv_mmu_update(mmu_update_t *reqs, unsigned int count, unsigned int *done, domid_t dom);
long hv_mmuext_op(struct mmuext_op *ops, unsigned int count, unsigned int *done, domid_t dom);
long hv_update_va_mapping(uint64_t va, uint64_t val, uint64_t flags);
long hv_multicall(multicall_entry_t *calls, unsigned int count);
long hv_memory_op(unsigned int cmd, void *arg);

#endif

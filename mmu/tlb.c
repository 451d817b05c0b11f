/*E:600 The TLB, and the one-trap fast path for the current address space.
 *
 * Xen does not flush the guest's TLB when it applies an mmu_update: stale
 * translations are the guest's business.  These queue the flush in the current
 * batch, so it rides in the same trap as the updates it follows. :*/
#include <xen/pvmmu/mmu.h>
#include <xen/pvmmu/multicall.h>
#include <xen/pvmmu/report.h>
#include "mmu/mmu_int.h"

int mmu_flush_tlb(void)
{
    struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };
    int rc = mc_mmuext(&op);

    return rc ? rc : mc_issue();
}

int mmu_invlpg(uint64_t va)
{
    struct mmuext_op op = { .cmd = MMUEXT_INVLPG_LOCAL };
    int rc;

    op.arg1.linear_addr = va;
    rc = mc_mmuext(&op);
    return rc ? rc : mc_issue();
}

/*
 * update_va_mapping names the entry by the virtual address it maps, in the
 * address space Xen has loaded, so the guest need not know where the L1 is.
 */
int mmu_update_va_mapping(uint64_t va, pte_t val, uint64_t uvmf_flags)
{
    mpte_t m;
    int rc = pte_to_mpte(val, &m);

    if (!rc)
        rc = mc_update_va_mapping(va, m.v, uvmf_flags);
    return rc ? rc : mc_issue();
}

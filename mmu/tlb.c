/*E:600 The TLB, and the one-trap fast path for the current address space.
 *
 * Xen does not flush the guest's TLB when it applies an mmu_update: stale
 * translations are the guest's business.  These queue the flush in the current
 * batch, so it rides in the same trap as the updates it follows. :*/
#include <xen/pvmmu/mmu.h>
#include <xen/pvmmu/multicall.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include "mmu/mmu_int.h"
#include "multicalls/multicalls_int.h"

int mmu_flush_tlb(void)
{
    struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };
    int rc = mc_mmuext(&op);

    return rc ? rc : mc_issue();
}

/*
 * After a change to `as` that may leave stale entries: flush the vCPUs that
 * have it loaded, and no others, deciding which when the batch is issued
 * (multicalls/batch.c, B:150): none, this one, or a vcpumask Xen reads after
 * the updates.  One page (INVLPG) when `va` is one, else the whole TLB.
 */
int mmu_flush_space(const struct aspace *as, uint64_t va)
{
    int rc = mc_flush_tlb_of(&as->loaded_on, va);

    return rc ? rc : mc_issue();
}

void mmu_note_drop(unsigned long vcpus)
{
    unsigned n = 0;

    for (; vcpus; vcpus &= vcpus - 1)    /* no __builtin_popcount: without -mpopcnt it is a libgcc call */
        n++;
    mc_count_drop(n);
}

const struct mc_shootdowns *mmu_flush_stats(void)
{
    return mc_shootdowns();
}

void mmu_flush_stats_reset(void)
{
    mc_shootdowns_reset();
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
    const struct aspace *as = aspace_current();

    /*
     * A local flush of the current space's entry is owed to every vCPU that has
     * the space loaded: the flush is decided at issue, in this same entry
     * (UVMF_MULTI with the space's mask).  UVMF_ALL, or a mask of the caller's
     * own, is sent as given.
     */
    if (!rc && as && (uvmf_flags & UVMF_FLUSHTYPE_MASK) && !(uvmf_flags & ~UVMF_FLUSHTYPE_MASK))
        rc = mc_update_va_mapping_of(va, m.v, uvmf_flags, &as->loaded_on);
    else if (!rc)
        rc = mc_update_va_mapping(va, m.v, uvmf_flags);
    return rc ? rc : mc_issue();
}

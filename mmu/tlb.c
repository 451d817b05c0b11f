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

static struct mmu_flush_stats flush_stats;

int mmu_flush_tlb(void)
{
    struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };
    int rc = mc_mmuext(&op);

    return rc ? rc : mc_issue();
}

/*
 * After a change to `as` that may leave stale entries: flush the vCPUs that
 * have it loaded, and no others.  None: no flush at all (counted, the
 * shootdown avoided); this vCPU alone: a local flush; others too:
 * TLB_FLUSH_MULTI with the space's own vcpumask.  Xen reads that mask when
 * the batch is issued, after the updates queued before it, so a vCPU that
 * loads the space in between is flushed too.
 */
int mmu_flush_space(const struct aspace *as)
{
    struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_MULTI };
    int rc;

    if (!as->loaded_on) {
        flush_stats.avoided++;
        return 0;
    }
    if (as->loaded_on == 1UL << platform_vcpu_id()) {
        flush_stats.local++;
        return mmu_flush_tlb();
    }
    flush_stats.multi++;
    op.arg2.vcpumask.p = &as->loaded_on;
    rc = mc_mmuext(&op);
    return rc ? rc : mc_issue();
}

/* Bits set in a vcpumask (no __builtin_popcount: without -mpopcnt it is a libgcc call). */
static unsigned vcpus_in(unsigned long mask)
{
    unsigned n = 0;

    for (; mask; mask &= mask - 1)
        n++;
    return n;
}

void mmu_note_drop(unsigned long vcpus)
{
    __atomic_fetch_add(&flush_stats.drop_calls, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&flush_stats.drop_vcpus, vcpus_in(vcpus), __ATOMIC_RELAXED);
}

const struct mmu_flush_stats *mmu_flush_stats(void)
{
    return &flush_stats;
}

void mmu_flush_stats_reset(void)
{
    flush_stats = (struct mmu_flush_stats){ 0 };
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

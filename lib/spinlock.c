/*B:060 Locks, and their order.
 *
 * Most of pvmmu's state is per vCPU and needs no lock (B:050).  What vCPUs
 * share is small: the pool and registry of address spaces, the p2m, each
 * space's life cycle (pinned or not, being destroyed, who has it loaded), and
 * the error reports.  Each has one spinlock, and the locks have an order
 * (lib/spinlock.h, docs/smp-locks.md): a vCPU takes them only in increasing
 * rank, so no two vCPUs can each hold what the other waits for.  The order is
 * not just written down: every acquisition checks it against the locks this
 * vCPU holds and reports a violation.
 *
 * Two rules go with the order.  No lock is held while waiting for another
 * vCPU (the call-function hook): a vCPU that must answer may be spinning on it.
 * And a lock is held only around work that finishes on its own (queueing,
 * issuing a batch, the frame hooks), never across a return to the caller. :*/
#include "lib/lib_int.h"
#include "lib/spinlock.h"
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>

/* Per vCPU: the ranks of the locks it holds, one bit each. */
static unsigned held_ranks[PVMMU_MAX_VCPUS];

static const char *const rank_name[] = {
    [LOCK_ASPACE] = "an address space's", [LOCK_P2M] = "the p2m's",
    [LOCK_REGISTRY] = "the registry's", [LOCK_OWNER] = "the table owners'",
    [LOCK_REPORT] = "the report's",
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* The held ranks of this vCPU, or NULL for a bad id (vcpu_slot would report, and report locks). */
static unsigned *held_here(void)
{
    unsigned id = platform_vcpu_id();

    return id < PVMMU_MAX_VCPUS ? &held_ranks[id] : NULL;
}

void spin_lock(struct spinlock *l)
{
    unsigned *held = held_here();
    unsigned bit = 1u << l->rank;

    if (held && (*held & ~(bit - 1)) && l->rank != LOCK_REPORT) {
        unsigned top = 31 - (unsigned)__builtin_clz(*held);

        pvmmu_error("lock order: vCPU %u takes %s lock while it holds %s lock (docs/smp-locks.md)",
                    platform_vcpu_id(), rank_name[l->rank], rank_name[top]);
    }
    while (__atomic_exchange_n(&l->held, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&l->held, __ATOMIC_RELAXED))
            cpu_relax();
    if (held)
        *held |= bit;
}

void spin_unlock(struct spinlock *l)
{
    unsigned *held = held_here();

    if (held)
        *held &= ~(1u << l->rank);
    __atomic_store_n(&l->held, 0, __ATOMIC_RELEASE);
}

bool spin_holding_any(void)
{
    unsigned *held = held_here();

    return held && *held;
}

/*M:700 SMP: what is left.  The walk after a failed batch (mmu/fresh.c) reconciles
 * every pinned space, other vCPUs' included, and walks tables they may be changing;
 * it should keep to the spaces its own batch touched.  A subtree hooked into two
 * spaces at once from two vCPUs is claimed record by record, not as a whole.  A
 * deferred hook queued by a flush forced at the last moment lands after that
 * batch's shootdowns (B:150).  pin_all / unpin_all want the other vCPUs parked
 * rather than walking under the locks.  Shadow paging is vCPU 0's alone.  (The PV
 * kernel's call-function hook reaches every vCPU, busy ones too, over event
 * channels: arch/x86/xen/smp.c; examples/embed runs one vCPU.) :*/

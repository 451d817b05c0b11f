/*T:300 The registry, and pinning everything before a save.
 *
 * When the toolstack saves a PV guest it rewrites machine frame numbers into
 * pseudo-physical ones in every page table, so that they can be rewritten again
 * for the new machine frames on restore.  But it only knows which frames are page
 * tables by asking Xen which frames are typed (validated) as such.  A tree that is
 * not pinned, and not loaded, has no type: it is saved as raw data, full of
 * machine frame numbers that mean nothing after a restore.
 *
 * So before a save, pin_all() pins every address space that is not pinned at that
 * moment, whatever it is doing (under construction, half torn down), and marks it;
 * after the resume (or a cancelled save), unpin_all() unpins exactly the marked
 * ones, leaving those the workloads had pinned themselves as they were.  One
 * marked address space may have become the loaded one meanwhile; Xen will not
 * let go of a loaded root, and a loaded address space must be pinned anyway, so
 * it stays pinned and simply loses its mark: it is in use now. :*/
#include "lib/lib_int.h"
#include <xen/pvmmu/mmu.h>
#include <xen/pvmmu/multicall.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include "pinning/pinning_int.h"
#include "lib/spinlock.h"

/*
 * The registry lock covers the list, its count and the pool's free slots
 * (mmu/aspace.c takes and frees slots under it).  Each address space has a lock
 * of its own for its life cycle (pinned, being torn down, switched to): the
 * array is here, below mmu/, because pinning takes it too.  The up mask says
 * which vCPUs run pvmmu: pin_all and unpin_all walk every space and hold no
 * space's lock for the whole walk, so they run only when this vCPU is alone.
 */
static struct spinlock reg_lock = SPINLOCK_INIT(LOCK_REGISTRY);
static struct spinlock as_locks[ASPACE_MAX] = { [0 ... ASPACE_MAX - 1] = SPINLOCK_INIT(LOCK_ASPACE) };
static unsigned long vcpus_up;

void registry_lock(void) { spin_lock(&reg_lock); }
void registry_unlock(void) { spin_unlock(&reg_lock); }
/* A space's lock, by its id (a pointer that is no space of the pool gets the last one: no harm). */
static struct spinlock *lock_of(const struct aspace *as)
{
    return &as_locks[as->id < ASPACE_MAX ? as->id : ASPACE_MAX - 1];
}

void aspace_lock(const struct aspace *as) { spin_lock(lock_of(as)); }
void aspace_unlock(const struct aspace *as) { spin_unlock(lock_of(as)); }

void registry_vcpu_up(unsigned long bit) { __atomic_fetch_or(&vcpus_up, bit, __ATOMIC_SEQ_CST); }
void registry_vcpu_down(unsigned long bit) { __atomic_fetch_and(&vcpus_up, ~bit, __ATOMIC_SEQ_CST); }

bool registry_others_up(void)
{
    return __atomic_load_n(&vcpus_up, __ATOMIC_SEQ_CST) & ~(1UL << vcpu_slot());
}

static bool alone(const char *what)
{
    unsigned long others = __atomic_load_n(&vcpus_up, __ATOMIC_SEQ_CST) & ~(1UL << vcpu_slot());

    if (others)
        pvmmu_error("%s on vCPU %u: other vCPUs run pvmmu (mask 0x%lx); park them first "
                    "(pvmmu_aspace_vcpu_down)", what, platform_vcpu_id(), others);
    return !others;
}

static struct aspace *registered;
static unsigned nr_registered;
static struct aspace *kernel_as;   /* the domain builder's tables, adopted at boot */
/* Per vCPU: the one it has loaded (NEW_BASEPTR), or has queued a switch to. */
static struct aspace *current_on[PVMMU_MAX_VCPUS];

struct aspace *aspace_kernel(void)
{
    return kernel_as;
}

struct aspace *aspace_current(void)
{
    return current_on[vcpu_slot()];
}

void registry_set_kernel(struct aspace *as)
{
    kernel_as = as;
}

void registry_set_current(struct aspace *as)
{
    current_on[vcpu_slot()] = as;
}

void registry_add(struct aspace *as)
{
    registry_lock();
    as->next_registered = registered;
    registered = as;
    nr_registered++;
    registry_unlock();
}

void registry_remove(struct aspace *as)
{
    struct aspace **p;

    registry_lock();
    for (p = &registered; *p; p = &(*p)->next_registered)
        if (*p == as) {
            *p = as->next_registered;
            as->next_registered = NULL;
            nr_registered--;
            break;
        }
    registry_unlock();
}

void registry_forget(void)
{
    registered = NULL;
    nr_registered = 0;
    vcpus_up = 0;
    kernel_as = NULL;
    mem_set(current_on, 0, sizeof(current_on));
}

struct aspace *registry_first(void)
{
    return registered;
}

struct aspace *registry_next(struct aspace *as)
{
    return as->next_registered;
}

unsigned registry_count(void)
{
    unsigned n;

    registry_lock();
    n = nr_registered;
    registry_unlock();
    return n;
}

/* All the pins go out in as few traps as the batch allows. */
int pin_all(void)
{
    struct aspace *as;
    int rc = 0;

    if (!alone("pin_all"))
        return -XEN_EBUSY;
    lazy_mmu_enter();
    for (as = registered; as && !rc; as = as->next_registered) {
        if (as->pinned || as->is_kernel)
            continue;
        rc = aspace_pin(as);
        as->save_pinned = !rc;
    }
    return lazy_mmu_leave_after(rc);
}

/* All the marked address spaces are unpinned in one batch, issued before any is written. */
int unpin_all(void)
{
    struct aspace *as;
    int rc = 0;

    if (!alone("unpin_all"))
        return -XEN_EBUSY;
    for (as = registered; as && !rc; as = as->next_registered) {
        if (as->save_pinned && as == aspace_current())
            as->save_pinned = false;
        if (as->save_pinned)
            rc = unpin_queue(as);
    }
    if (!rc)
        rc = mc_flush();
    if (rc) {
        pvmmu_error("unpin_all failed (%d): the marked address spaces stay pinned (and marked)", rc);
        for (as = registered; as; as = as->next_registered)
            if (as->save_pinned)
                reconcile_pinned(as);
        return rc;
    }
    for (as = registered; as; as = as->next_registered)
        if (as->save_pinned)
            unpin_done(as);
    return 0;
}

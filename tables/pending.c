/*T:050 Entries on their way: what a table will hold once the batch is issued.
 *
 * In lazy mode an update above L1 is queued, not written: the table still holds
 * the old entry until the batch goes to Xen.  But walking down a tree in lazy
 * mode must see the table it hooked a moment ago, or it would allocate a second
 * one.  So the entries above L1 whose update is still queued are kept here
 * ("pending"), and entry_read() answers from them first.  The list is emptied
 * when the batch is issued.
 *
 * One ordering trap remains.  A fresh L2 is hooked into a pinned L3, and a moment
 * later a fresh L1 is written (plainly) into that L2.  The L1's read-only flip is
 * queued after the L2's hook, but when Xen applies the hook it validates the L2
 * as it then is, L1 included, and finds the L1 still writable.  So a hook into a
 * pinned tree is not queued when it is made: it is "deferred", kept here, and
 * queued at the last moment before the batch is issued, after every flip of every
 * table it will pull in.  A later update of the same slot in the same batch just
 * replaces the deferred value. :*/
#include "lib/lib_int.h"
#include <xen/pvmmu/mmu.h>
#include <xen/pvmmu/multicall.h>
#include <xen/pvmmu/platform.h>
#include "tables/tables_int.h"
#include "multicalls/multicalls_int.h"

#define PENDING_MAX 64

/* Per vCPU, as the batch is: entries on their way in this vCPU's batch. */
struct pending_list {
    struct { mpte_t *slot; mpte_t val; bool deferred; } e[PENDING_MAX];
    unsigned n;
    bool armed;
};
static struct pending_list pl_on[PVMMU_MAX_VCPUS];

static void queue_deferred(void);

static void batch_issued(void *unused, int result)
{
    struct pending_list *const pl = &pl_on[vcpu_slot()];
    (void)unused;
    (void)result;
    pl->n = 0;
    pl->armed = false;
}

/* Make sure the batch will tell us when it is issued, and let us queue the deferred hooks first. */
static int arm(void)
{
    struct pending_list *const pl = &pl_on[vcpu_slot()];
    int rc;

    if (pl->armed)
        return 0;
    mc_set_before_issue(queue_deferred);
    rc = mc_callback(batch_issued, NULL);
    if (!rc)
        pl->armed = true;
    return rc;
}

/* A full list is emptied the only safe way: by issuing the batch. */
static int make_room(void)
{
    struct pending_list *const pl = &pl_on[vcpu_slot()];
    return pl->n < PENDING_MAX ? 0 : lazy_mmu_flush();
}

void pending_forget(void)
{
    batch_issued(NULL, 0);
}

void pending_forget_all(void)
{
    mem_set(pl_on, 0, sizeof(pl_on));
}

static int remember(mpte_t *slot, mpte_t val, bool deferred)
{
    struct pending_list *const pl = &pl_on[vcpu_slot()];
    unsigned i;
    int rc;

    for (i = 0; i < pl->n; i++)
        if (pl->e[i].slot == slot) {
            pl->e[i].val = val;
            pl->e[i].deferred |= deferred;
            return 0;
        }
    rc = make_room();
    if (rc)
        return rc;
    pl->e[pl->n].slot = slot;
    pl->e[pl->n].val = val;
    pl->e[pl->n].deferred = deferred;
    pl->n++;
    return arm();
}

int pending_entry_add(mpte_t *slot, mpte_t val)
{
    return remember(slot, val, false);
}

int entry_defer(mpte_t *slot, mpte_t val)
{
    return remember(slot, val, true);
}

bool entry_is_deferred(const mpte_t *slot)
{
    struct pending_list *const pl = &pl_on[vcpu_slot()];
    unsigned i;

    for (i = 0; i < pl->n; i++)
        if (pl->e[i].slot == slot)
            return pl->e[i].deferred;
    return false;
}

/*
 * Just before the batch goes out: queue the deferred hooks, in the order they
 * were made.  Should queueing one force an early flush (a full batch), the rest
 * land in the next batch, and are remembered again so reads stay right.  Should
 * that forced flush fail, its recovery has already freed the fresh tables no
 * tree reaches, these hooks' among them: the rest are dropped, not queued to
 * link freed frames, and the batch keeps the error for the caller (rule 5 of
 * multicall.h).
 */
static void queue_deferred(void)
{
    struct pending_list *const pl = &pl_on[vcpu_slot()];
    struct { mpte_t *slot; mpte_t val; } todo[PENDING_MAX];
    unsigned i, n = 0;

    for (i = 0; i < pl->n; i++)
        if (pl->e[i].deferred) {
            todo[n].slot = pl->e[i].slot;
            todo[n].val = pl->e[i].val;
            pl->e[i].deferred = false;
            n++;
        }
    for (i = 0; i < n; i++) {
        if (mc_mmu_update(entry_maddr(todo[i].slot) | MMU_NORMAL_PT_UPDATE, todo[i].val.v))
            return;
        if (!pl->armed && pending_entry_add(todo[i].slot, todo[i].val))
            return;
    }
}

mpte_t entry_read(const mpte_t *slot)
{
    struct pending_list *const pl = &pl_on[vcpu_slot()];
    unsigned i;

    for (i = pl->n; i-- > 0;)
        if (pl->e[i].slot == slot)
            return pl->e[i].val;
    return *(const volatile mpte_t *)slot;
}

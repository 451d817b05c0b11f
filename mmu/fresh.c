/*E:300 Fresh tables: writing a new table without a trap per entry.
 *
 * Growing a pinned tree has a cost that Linux pays in full: the new table must be
 * read-only before Xen will accept it, so every entry written into it afterwards is
 * a hypercall.  But "read-only" only becomes true when the batch that makes it so
 * is issued.  Until then the frame is still writable, and plain stores into it are
 * not only safe but exactly right: Xen validates the table once, with everything
 * in it, when the batch hooks it into the tree.
 *
 * So a table allocated while its tree is pinned is "fresh" from the moment its
 * read-only flip is queued until the batch carrying that flip is issued; stores
 * into a fresh table are plain.  A callback on the batch ends freshness, whenever
 * the batch goes out (a lazy section's end, an explicit flush, or a forced flush
 * because the batch filled up), so a plain store can never meet a read-only frame.
 *
 * The same callback keeps a short list of entries above L1 whose update is still
 * queued ("pending"): walking down a tree in lazy mode must see the table it hooked
 * a moment ago, or it would allocate a second one.  entry_read() consults it.
 *
 * One ordering trap remains.  A fresh L2 is hooked into a pinned L3, and a moment
 * later a fresh L1 is written (plainly) into that L2.  The L1's read-only flip is
 * queued after the L2's hook, but when Xen applies the hook it validates the L2
 * as it then is, L1 included, and finds the L1 still writable.  So a hook into a
 * pinned tree is not queued when it is made: it is "deferred", kept here, and
 * queued at the last moment before the batch is issued, after every flip of every
 * table it will pull in.  A later update of the same slot in the same batch just
 * replaces the deferred value. :*/
#include <xen/pvmmu/lib.h>
#include <xen/pvmmu/mmu.h>
#include <xen/pvmmu/multicall.h>
#include <xen/pvmmu/platform.h>
#include "mmu/table_owner.h"

#define FRESH_MAX 64

static pfn_t fresh[FRESH_MAX];
static bool fresh_owned[FRESH_MAX];   /* allocated by pvmmu itself (range ops): ours to free */
static bool fresh_reached[FRESH_MAX];
static unsigned nr_fresh;
static struct { mpte_t *slot; mpte_t val; bool deferred; } pending[FRESH_MAX];
static unsigned nr_pending;
static bool armed;

static void queue_deferred(void);
static void recover_after_failed_batch(void);

static void batch_issued(void *unused, int result)
{
    (void)unused;
    if (result)
        recover_after_failed_batch();
    nr_fresh = 0;
    nr_pending = 0;
    armed = false;
}

/* Make sure the batch will tell us when it is issued. */
static int arm(void)
{
    int rc;

    if (armed)
        return 0;
    mc_set_before_issue(queue_deferred);
    rc = mc_callback(batch_issued, NULL);
    if (!rc)
        armed = true;
    return rc;
}

/* A full list is emptied the only safe way: by issuing the batch. */
static int make_room(unsigned count)
{
    return count < FRESH_MAX ? 0 : lazy_mmu_flush();
}

void fresh_forget(void)
{
    batch_issued(NULL, 0);
}

bool table_is_fresh(pfn_t table)
{
    unsigned i;

    for (i = 0; i < nr_fresh; i++)
        if (pfn_eq(fresh[i], table))
            return true;
    return false;
}

int fresh_table_add(pfn_t table)
{
    int rc = make_room(nr_fresh);

    if (rc)
        return rc;
    fresh_owned[nr_fresh] = false;
    fresh[nr_fresh++] = table;
    return arm();
}

/* pvmmu allocated this fresh table itself: if its hook never lands, pvmmu frees it. */
void fresh_table_owned(pfn_t table)
{
    unsigned i;

    for (i = 0; i < nr_fresh; i++)
        if (pfn_eq(fresh[i], table))
            fresh_owned[i] = true;
}

/*E:350 When the batch fails.  Some of it may have been done and some not, and
 * the pending list says only what was asked.  So: forget what was asked, bring
 * every pinned address space to a definite pinned state as its tables really are
 * (pinning/reconcile.c), and then look at the tables this batch allocated: one
 * that no pinned tree reaches never got hooked, so it is made plain memory again
 * and freed, rather than leak read-only.  The ownership records follow the
 * tables as they really are, too: a table a tree reaches is that tree's (an
 * unhook that did not happen leaves it so), a fresh one none reaches is no one's. :*/
static int note_reached(pfn_t table, int level, void *ctx)
{
    unsigned i;

    table_owner_claim(ctx, table, level);     /* (re)made: an unhook that failed had dropped it */
    for (i = 0; i < nr_fresh; i++)
        if (pfn_eq(fresh[i], table))
            fresh_reached[i] = true;
    return 0;
}

static void recover_after_failed_batch(void)
{
    struct aspace *as;
    unsigned i;

    nr_pending = 0;
    for (i = 0; i < nr_fresh; i++)
        fresh_reached[i] = false;
    for (as = registry_first(); as; as = registry_next(as)) {
        if (!as->pinned || as->is_kernel)
            continue;
        reconcile_pinned(as);
        pt_walk(as, note_reached, as);
    }
    for (i = 0; i < nr_fresh; i++) {
        if (fresh_reached[i])
            continue;
        table_owner_release(fresh[i]);
        if (fresh_owned[i] && !reconcile_release_table(fresh[i]))
            frame_free(fresh[i]);
    }
}

static int remember(mpte_t *slot, mpte_t val, bool deferred)
{
    unsigned i;
    int rc;

    for (i = 0; i < nr_pending; i++)
        if (pending[i].slot == slot) {
            pending[i].val = val;
            pending[i].deferred |= deferred;
            return 0;
        }
    rc = make_room(nr_pending);
    if (rc)
        return rc;
    pending[nr_pending].slot = slot;
    pending[nr_pending].val = val;
    pending[nr_pending].deferred = deferred;
    nr_pending++;
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
    unsigned i;

    for (i = 0; i < nr_pending; i++)
        if (pending[i].slot == slot)
            return pending[i].deferred;
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
    struct { mpte_t *slot; mpte_t val; } todo[FRESH_MAX];
    unsigned i, n = 0;

    for (i = 0; i < nr_pending; i++)
        if (pending[i].deferred) {
            todo[n].slot = pending[i].slot;
            todo[n].val = pending[i].val;
            pending[i].deferred = false;
            n++;
        }
    for (i = 0; i < n; i++) {
        if (mc_mmu_update(entry_maddr(todo[i].slot) | MMU_NORMAL_PT_UPDATE, todo[i].val.v))
            return;
        if (!armed && pending_entry_add(todo[i].slot, todo[i].val))
            return;
    }
}

mpte_t entry_read(const mpte_t *slot)
{
    unsigned i;

    for (i = nr_pending; i-- > 0;)
        if (pending[i].slot == slot)
            return pending[i].val;
    return *(const volatile mpte_t *)slot;
}

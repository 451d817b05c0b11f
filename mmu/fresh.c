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
 * Entries queued above L1, and hooks deferred to the last moment, are the
 * table layer's business (tables/pending.c): this file keeps only the fresh
 * tables, and what to do when a batch that carried them fails. :*/
#include "lib/lib_int.h"
#include <xen/pvmmu/mmu.h>
#include <xen/pvmmu/multicall.h>
#include <xen/pvmmu/platform.h>
#include "mmu/table_owner.h"
#include "mmu/mmu_int.h"

#define FRESH_MAX 64

/* Per vCPU, as the batch is: the tables fresh in this vCPU's batch. */
struct fresh_list {
    pfn_t pfn[FRESH_MAX];
    bool owned[FRESH_MAX];   /* allocated by pvmmu itself (range ops): ours to free */
    bool reached[FRESH_MAX];
    unsigned n;
    bool armed;
};
static struct fresh_list fl_on[PVMMU_MAX_VCPUS];

static void recover_after_failed_batch(void);

static void batch_issued(void *unused, int result)
{
    struct fresh_list *const fl = &fl_on[vcpu_slot()];
    (void)unused;
    if (result)
        recover_after_failed_batch();
    fl->n = 0;
    fl->armed = false;
}

/* Make sure the batch will tell us when it is issued. */
static int arm(void)
{
    struct fresh_list *const fl = &fl_on[vcpu_slot()];
    int rc;

    if (fl->armed)
        return 0;
    rc = mc_callback(batch_issued, NULL);
    if (!rc)
        fl->armed = true;
    return rc;
}

/* A full list is emptied the only safe way: by issuing the batch. */
static int make_room(unsigned count)
{
    return count < FRESH_MAX ? 0 : lazy_mmu_flush();
}

/* Every vCPU's lists: the machine underneath was replaced. */
void fresh_forget(void)
{
    mem_set(fl_on, 0, sizeof(fl_on));
    pending_forget_all();
}

bool table_is_fresh(pfn_t table)
{
    struct fresh_list *const fl = &fl_on[vcpu_slot()];
    unsigned i;

    for (i = 0; i < fl->n; i++)
        if (pfn_eq(fl->pfn[i], table))
            return true;
    return false;
}

int fresh_table_add(pfn_t table)
{
    struct fresh_list *const fl = &fl_on[vcpu_slot()];
    int rc = make_room(fl->n);

    if (rc)
        return rc;
    fl->owned[fl->n] = false;
    fl->pfn[fl->n++] = table;
    return arm();
}

/* pvmmu allocated this fresh table itself: if its hook never lands, pvmmu frees it. */
void fresh_table_owned(pfn_t table)
{
    struct fresh_list *const fl = &fl_on[vcpu_slot()];
    unsigned i;

    for (i = 0; i < fl->n; i++)
        if (pfn_eq(fl->pfn[i], table))
            fl->owned[i] = true;
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
    struct fresh_list *const fl = &fl_on[vcpu_slot()];
    unsigned i;

    table_owner_claim(ctx, table, level);     /* (re)made: an unhook that failed had dropped it */
    for (i = 0; i < fl->n; i++)
        if (pfn_eq(fl->pfn[i], table))
            fl->reached[i] = true;
    return 0;
}

static void recover_after_failed_batch(void)
{
    struct fresh_list *const fl = &fl_on[vcpu_slot()];
    struct aspace *as;
    unsigned i;

    pending_forget();       /* what was asked is not what is: read the tables as they are */
    for (i = 0; i < fl->n; i++)
        fl->reached[i] = false;
    /*
     * Every tree counts for "reached", pinned or not: a callback that ran before
     * this one may already have brought a space back to unpinned (a pin in the
     * same batch that failed), and its tables are still linked (found by the
     * hypercalls fuzzer: the table was freed, then pinned again with its tree).
     */
    registry_lock();     /* the list; the tables of spaces other vCPUs change may still move (docs/smp-locks.md) */
    for (as = registry_first(); as; as = registry_next(as)) {
        if (as->is_kernel)
            continue;
        if (as->pinned)
            reconcile_pinned(as);
        pt_walk(as, note_reached, as);
    }
    registry_unlock();
    for (i = 0; i < fl->n; i++) {
        if (fl->reached[i])
            continue;
        table_owner_release(fl->pfn[i]);
        if (fl->owned[i] && !reconcile_release_table(fl->pfn[i]))
            frame_free(fl->pfn[i]);
    }
}

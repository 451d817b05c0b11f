/*T:200 Pinning: handing an address space over to Xen, and taking it back.
 *
 * A pinned table is one Xen has validated and promised to keep validated: its
 * type sticks even when nothing else refers to it, and from then on the guest may
 * change it only by hypercall.  Two things must be true before Xen agrees:
 *
 *  - no frame of the tree may be mapped writable anywhere (Xen's no-writable-alias
 *    rule), and the kernel's direct map maps every frame writable, so each table
 *    frame's direct-map entry is flipped read-only first;
 *  - the roots are pinned as L4 tables; Xen then validates the whole tree below
 *    them in one go, level by level, so there is no need to pin L1..L3 one by one
 *    (Linux pins L1s separately only for its split page-table locks).
 *
 * All of it goes into one batch: the read-only flips merge into a single
 * mmu_update entry, the two pins into a single mmuext_op entry after it, and the
 * batch goes to Xen as ONE multicall: one trap for the whole address space (Linux
 * spends one update_va_mapping entry per frame, flushed every 32).
 *
 * Unpinning is the mirror image: unpin both roots first (the tree's type counts
 * drop to zero and Xen devalidates it), then flip every frame back to writable.
 * Both steps again share one trap.  The batch is issued at once, because from the
 * moment an address space is unpinned, its tables are written with plain stores,
 * and a plain store must never meet a frame that is still read-only. :*/
#include "lib/lib_int.h"
#include <xen/pvmmu/mmu.h>
#include <xen/pvmmu/multicall.h>
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include "pinning/pinning_int.h"

/* The direct-map entry of `table` as it is now, read through the direct map itself. */
int direct_map_l1e_read(pfn_t table, uint64_t *maddr, mpte_t *cur)
{
    uint64_t l1e_maddr = direct_map_l1e_maddr(table);
    enum m2p_status status;
    pfn_t l1 = m2p_lookup(maddr_to_mfn(l1e_maddr), &status);

    if (status != M2P_OK) {
        pvmmu_error("pinning: the direct-map l1e of pfn 0x%llx (maddr 0x%llx) is not in a frame of ours",
                    (unsigned long long)pfn_x(table), (unsigned long long)l1e_maddr);
        return -XEN_EINVAL;
    }
    *maddr = l1e_maddr;
    *cur = *(const volatile mpte_t *)((const char *)pfn_to_virt(l1) + (l1e_maddr & (PAGE_SIZE - 1)));
    return 0;
}

/*
 * Queue the flip of one table frame's direct-map entry.  PRESERVE_AD keeps
 * whatever accessed/dirty bits the hardware set meanwhile.
 */
static int flip_direct_map(pfn_t table, bool writable)
{
    uint64_t maddr;
    mpte_t cur;
    int rc = direct_map_l1e_read(table, &maddr, &cur);

    if (rc)
        return rc;
    cur.v = writable ? cur.v | _PAGE_RW : cur.v & ~_PAGE_RW;
    return mc_mmu_update(maddr | MMU_PT_UPDATE_PRESERVE_AD, cur.v);
}

int pin_make_table_ro(pfn_t table)
{
    return flip_direct_map(table, false);
}

int pin_make_table_rw(pfn_t table)
{
    return flip_direct_map(table, true);
}

static int queue_root_op(unsigned cmd, pfn_t root)
{
    struct mmuext_op op = { .cmd = cmd };

    op.arg1.mfn = mfn_x(p2m_lookup(root));
    return mc_mmuext(&op);
}

static int visit_make_ro(pfn_t table, int level, void *ctx)
{
    (void)level;
    (void)ctx;
    return pin_make_table_ro(table);
}

static int visit_make_rw(pfn_t table, int level, void *ctx)
{
    (void)level;
    (void)ctx;
    return pin_make_table_rw(table);
}

static const char *why_not_pinnable(const struct aspace *as)
{
    if (as->state == AS_FREE)
        return "it does not exist (destroyed?)";
    if (as->is_kernel)
        return "it is the kernel's own address space, pinned for life";
    return NULL;
}

/*
 * Runs when the batch carrying a pin has been issued.  If any of it failed, the
 * address space is brought back to plainly unpinned, whatever part went through
 * (pinning/reconcile.c), or, when even that is refused, to pinned; the report says
 * which, and the caller hears about it.
 */
static void pin_settled(void *data, int result)
{
    struct aspace *as = data;

    if (!result)
        return;
    reconcile_unpinned(as);
    pvmmu_error("pin of address space %u (root pfn 0x%llx) failed (%d): left %s", as->id,
                (unsigned long long)pfn_x(as->root), result, as->pinned ? "pinned" : "unpinned");
}

int aspace_pin(struct aspace *as)
{
    int rc;

    aspace_lock(as);
    rc = aspace_pin_locked(as);
    /*
     * With other vCPUs up, `pinned` is seen by them as soon as the lock goes: the
     * pin must be in Xen by then (a switch elsewhere would load a tree whose
     * frames are still writable).  Alone, it may wait in the caller's batch.
     */
    if (!rc && registry_others_up())
        rc = lazy_mmu_flush();
    aspace_unlock(as);
    return rc;
}

int aspace_pin_locked(struct aspace *as)
{
    const char *why = why_not_pinnable(as);
    int rc;

    if (why || as->pinned) {
        pvmmu_error("pin of address space %u (root pfn 0x%llx): %s", as->id,
                    (unsigned long long)pfn_x(as->root), why ? why : "already pinned");
        return -XEN_EINVAL;
    }
    lazy_mmu_enter();
    rc = pt_walk(as, visit_make_ro, NULL);
    if (!rc && aspace_has_user_root(as))
        rc = queue_root_op(MMUEXT_PIN_L4_TABLE, as->user_root);
    if (!rc)
        rc = queue_root_op(MMUEXT_PIN_L4_TABLE, as->root);
    /* From here on, updates to this tree are queued after the pin, in order. */
    as->pinned = true;
    if (!rc)
        rc = mc_callback(pin_settled, as);
    if (rc)
        pin_settled(as, rc);
    return lazy_mmu_leave_after(rc);
}

/* Queue the unpin of one address space: both roots, then every frame back to writable. */
int unpin_queue(struct aspace *as)
{
    const char *why = why_not_pinnable(as);
    int rc;

    if (!why && !as->pinned)
        why = "it is not pinned";
    if (!why && as == aspace_current())
        why = "it is the current address space (switch away first)";
    if (why) {
        pvmmu_error("unpin of address space %u (root pfn 0x%llx): %s", as->id,
                    (unsigned long long)pfn_x(as->root), why);
        return -XEN_EINVAL;
    }
    rc = queue_root_op(MMUEXT_UNPIN_TABLE, as->root);
    if (!rc && aspace_has_user_root(as))
        rc = queue_root_op(MMUEXT_UNPIN_TABLE, as->user_root);
    if (!rc)
        rc = pt_walk(as, visit_make_rw, NULL);
    return rc;
}

void unpin_done(struct aspace *as)
{
    as->pinned = false;
    as->save_pinned = false;
}

int aspace_unpin_locked(struct aspace *as)
{
    int rc = unpin_queue(as);

    if (rc)
        return rc; /* reported where it was found */
    /* Issued now, lazy or not: plain stores into these tables start right after. */
    rc = mc_flush();
    if (rc) {
        pvmmu_error("unpin of address space %u failed (%d): left pinned", as->id, rc);
        reconcile_pinned(as);
        return rc;
    }
    unpin_done(as);
    return 0;
}

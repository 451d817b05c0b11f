/*T:400 When Xen says no: putting pvmmu and Xen back in agreement.
 *
 * A pin or an unpin is a batch of many requests, and a batch can fail part way:
 * the multicall refused whole, one entry refused, one request inside an entry
 * refused (mmu_update stops there).  Afterwards Xen holds some mixture of the
 * old state and the new, and pvmmu must not guess which: a table it believes
 * writable but Xen has made read-only turns the next plain store into a fault,
 * and a tree it believes pinned but is not gets saved raw.
 *
 * So the way out is not to undo what was done, which would need to know what was
 * done, but to drive the address space to one definite state with requests that
 * are each harmless if already true: "pinned" (every frame read-only, both roots
 * pinned) or "unpinned" (both roots unpinned, every frame writable).  Each is sent
 * on its own, directly, and an expected refusal ("not pinned", "already pinned")
 * is not news; only a state that still cannot be reached is reported.  This costs
 * a hypercall per frame, on a path that only runs after Xen has already said no. :*/
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/mmu.h>
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/report.h>
#include "pinning/pinning_int.h"

static long root_op_now(unsigned cmd, pfn_t root)
{
    struct mmuext_op op = { .cmd = cmd };
    unsigned done = 0;

    op.arg1.mfn = mfn_x(p2m_lookup(root));
    return hv_mmuext_op(&op, 1, &done, DOMID_SELF);
}

struct flip { bool writable; unsigned failed; };

static int flip_now(pfn_t table, int level, void *ctx)
{
    struct flip *f = ctx;
    mmu_update_t req;
    mpte_t cur;
    unsigned done = 0;

    (void)level;
    if (direct_map_l1e_read(table, &req.ptr, &cur)) {
        f->failed++;
        return 0;
    }
    req.ptr |= MMU_PT_UPDATE_PRESERVE_AD;
    req.val = f->writable ? cur.v | _PAGE_RW : cur.v & ~_PAGE_RW;
    if (req.val != cur.v && hv_mmu_update(&req, 1, &done, DOMID_SELF))
        f->failed++;
    return 0;
}

/*
 * Unpin one root now.  Xen answers -EINVAL for a root that is not pinned, which after
 * a failed pin is the expected answer; any other refusal leaves us not knowing whether
 * the root is still pinned, so it is reported with what was asked.
 */
static long unpin_root_now(const struct aspace *as, pfn_t root, const char *which)
{
    long rc = root_op_now(MMUEXT_UNPIN_TABLE, root);

    if (rc && rc != -XEN_EINVAL) {
        pvmmu_error("address space %u: UNPIN_TABLE of its %s (pfn 0x%llx, mfn 0x%llx) failed (%ld) "
                    "while undoing a failed pin", as->id, which, (unsigned long long)pfn_x(root),
                    (unsigned long long)mfn_x(p2m_lookup(root)), rc);
        return rc;
    }
    return 0;
}

/*
 * Both roots unpinned, every frame writable: plain memory, as pvmmu then believes.
 * If Xen will not even say whether a root is unpinned, "unpinned" cannot be reached
 * with certainty; "pinned" can (its requests are idempotent), so that is where the
 * space goes, and the caller still hears that the pin failed.
 */
int reconcile_unpinned(struct aspace *as)
{
    struct flip f = { .writable = true };
    long root_rc = unpin_root_now(as, as->root, "kernel root");
    long user_rc = aspace_has_user_root(as) ? unpin_root_now(as, as->user_root, "user root") : 0;

    if (root_rc || user_rc) {
        reconcile_pinned(as);
        return -XEN_EBUSY;
    }
    pt_walk(as, flip_now, &f);
    as->pinned = false;
    as->save_pinned = false;
    if (f.failed)
        pvmmu_error("address space %u: %u table frames could not be made writable again after a failed "
                    "pin; they stay read-only", as->id, f.failed);
    return f.failed ? -XEN_EBUSY : 0;
}

/* Every frame read-only, both roots pinned: a validated tree, as pvmmu then believes. */
int reconcile_pinned(struct aspace *as)
{
    struct flip f = { .writable = false };
    long user_rc, root_rc;

    pt_walk(as, flip_now, &f);
    user_rc = aspace_has_user_root(as) ? root_op_now(MMUEXT_PIN_L4_TABLE, as->user_root) /* -EINVAL if it already was */
                                       : 0;
    root_rc = root_op_now(MMUEXT_PIN_L4_TABLE, as->root);
    as->pinned = true;
    if (f.failed || (user_rc && user_rc != -XEN_EINVAL) || (root_rc && root_rc != -XEN_EINVAL)) {
        pvmmu_error("address space %u: could not be brought back to pinned after a failed unpin "
                    "(%u frames, pins %ld/%ld)", as->id, f.failed, root_rc, user_rc);
        return -XEN_EBUSY;
    }
    return 0;
}

/* One table frame that nothing links any more: writable again, so it can be freed. */
int reconcile_release_table(pfn_t table)
{
    struct flip f = { .writable = true };

    flip_now(table, 1, &f);
    if (f.failed)
        pvmmu_error("table frame pfn 0x%llx could not be made writable again: kept, not freed",
                    (unsigned long long)pfn_x(table));
    return f.failed ? -XEN_EBUSY : 0;
}

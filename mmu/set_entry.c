/*E:200 Writing one entry: set_pte, set_pmd, set_pud, set_pgd.
 *
 * Every change to an address space's tables comes through here, and the one
 * question is whether Xen is watching:
 *
 *  - unpinned tree: the tables are ordinary writable memory; store the entry.
 *  - pinned tree: the table is read-only and validated; the store becomes an
 *    mmu_update request in the batch (one trap now outside lazy mode, a share of
 *    one later inside it).  Unless the table is fresh (mmu/fresh.c): allocated in
 *    this very batch and not yet handed to Xen, so still writable.
 *
 * Above L1, an entry links a whole subtree, and pinning follows the links:
 *
 *  - hooking a subtree into a pinned tree makes every frame of it read-only (and
 *    fresh) BEFORE the update that links it, since Xen validates it right then;
 *  - unhooking a subtree queues its frames' flips back to writable AFTER the
 *    update that unlinks it, since only then does Xen let go of them.  Once the
 *    batch is issued, the unhooked frames are the caller's to reuse or free.
 *
 * In the kernel-mode root, a user-half slot is mirrored into the user-mode root:
 * the two roots share one tree (include/xen/pvmmu/aspace.h). :*/
#include "lib/lib_int.h"
#include <xen/pvmmu/mmu.h>
#include <xen/pvmmu/multicall.h>
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include "mmu/table_owner.h"
#include "mmu/mmu_int.h"

static const char *const level_name[] = { "", "set_pte", "set_pmd", "set_pud", "set_pgd" };

static unsigned slot_index(const mpte_t *slot)
{
    return ((uintptr_t)slot & (PAGE_SIZE - 1)) / sizeof(mpte_t);
}

/* The same slot in the user-mode root, if this is a space's own slot of a kernel-mode root beside one. */
static mpte_t *user_root_mirror(const struct aspace *as, const mpte_t *slot, int level)
{
    if (level != 4 || !aspace_has_user_root(as) || !pfn_eq(virt_to_pfn(slot), as->root))
        return NULL;
    if (!layout_slot_is_space(slot_index(slot)))
        return NULL;
    return table_entry(as->user_root, slot_index(slot));
}

/*
 * What Xen would refuse anyway, refused here with a clearer message; and one
 * misuse Xen cannot see: writing a root's slot with set_pte/pmd/pud.  Xen picks
 * the rules by the frame's real type, so the write itself would go through, but
 * the user-mode root would miss the change and the two roots would disagree
 * (found by the fuzzer: the next pin then failed in Xen).
 */
static int check_entry(const struct aspace *as, int level, const mpte_t *slot, pte_t val)
{
    pfn_t table = virt_to_pfn(slot);

    if (!aspace_exists(as)) {    /* its tables were freed: a store there would hit someone else's */
        pvmmu_error("%s at maddr 0x%llx: %p is not an address space (destroyed?)", level_name[level],
                    (unsigned long long)entry_maddr(slot), (const void *)as);
        return -XEN_EINVAL;
    }
    if (level < 4 && (pfn_eq(table, as->root) || pfn_eq(table, as->user_root))) {
        pvmmu_error("%s: the entry at maddr 0x%llx is in a root (L4) of address space %u: use set_pgd",
                    level_name[level], (unsigned long long)entry_maddr(slot), as->id);
        return -XEN_EINVAL;
    }
    if (level == 4 && !as->is_kernel && pfn_eq(table, as->root) &&
        !layout_slot_is_space(slot_index(slot))) {
        pvmmu_error("set_pgd: L4 slot %u of address space %u is %s, not the address space's own",
                    slot_index(slot), as->id,
                    l4_slot_is_xen(slot_index(slot)) ? "Xen's" : "the kernel's, shared by every space");
        return -XEN_EPERM;
    }
    if (!table_owned_by(as, table, level)) {    /* a slot kept from elsewhere: issue 13.2 */
        pvmmu_error("%s of address space %u: the entry at maddr 0x%llx is not in an L%d table of this "
                    "address space (table pfn 0x%llx is %s)", level_name[level], as->id,
                    (unsigned long long)entry_maddr(slot), level, (unsigned long long)pfn_x(table),
                    table_has_owner(table) ? "another space's table, or of another level"
                                           : "no address space's table: freed, or never hooked");
        return -XEN_EINVAL;
    }
    if (level > 1 && pte_present(val) && (pte_flags(val) & _PAGE_PSE)) {
        pvmmu_error("%s: superpage entry 0x%llx refused: a PV guest has no superpages",
                    level_name[level], (unsigned long long)val.v);
        return -XEN_EINVAL;
    }
    return 0;
}

static int make_subtree(pfn_t table, int level, void *ctx)
{
    int rc;

    (void)level;
    (void)ctx;
    rc = fresh_table_add(table);
    return rc ? rc : pin_make_table_ro(table);
}

static int readable(pfn_t table, int level, void *ctx)
{
    (void)table;
    (void)level;
    (void)ctx;
    return 0;
}

/*
 * An unhook queues the update first and the flips back to writable after it, so
 * a subtree that cannot be walked to the end (an entry in it links a frame that
 * is not ours) must be found out before anything is queued: otherwise the
 * update would go to Xen while the call reports it was not written.
 */
static int check_unhook(mpte_t old, int level)
{
    pfn_t gone = mpte_linked_pfn(old);

    return pfn_valid_value(gone) ? pt_walk_subtree(gone, level - 1, readable, NULL) : -XEN_EINVAL;
}

static int release_subtree(pfn_t table, int level, void *ctx)
{
    (void)level;
    (void)ctx;
    return pin_make_table_rw(table);
}

/*
 * `how` is MMU_NORMAL_PT_UPDATE, or MMU_PT_UPDATE_PRESERVE_AD for protection
 * changes: the accessed and dirty bits the hardware set since we last looked must
 * survive, so they are OR-ed in from the entry as it is at the moment of writing
 * (by Xen, atomically, when the table is pinned).
 */
static int write_entry(mpte_t *slot, mpte_t new, bool plain, unsigned how)
{
    if (plain) {
        if (how == MMU_PT_UPDATE_PRESERVE_AD)
            new.v |= slot->v & (_PAGE_ACCESSED | _PAGE_DIRTY);
        *(volatile mpte_t *)slot = new;
        return 0;
    }
    return mc_mmu_update(entry_maddr(slot) | how, new.v);
}

/*
 * In a pinned tree: a store into a fresh table; a hook, or an update of a slot
 * whose hook is still deferred, kept for the last moment (tables/pending.c); anything
 * else queued now, and remembered above L1 so walks see it.
 */
static int queue_or_write(mpte_t *slot, mpte_t new, bool plain, bool hooks, bool links, unsigned how)
{
    int rc;

    if (plain)
        return write_entry(slot, new, true, how);
    if (hooks || entry_is_deferred(slot))
        return entry_defer(slot, new);
    rc = write_entry(slot, new, false, how);
    if (!rc && links)
        rc = pending_entry_add(slot, new);
    return rc;
}

/* Does writing `new` over `old` link a subtree (hook), and unlink one (unhook)? */
static void link_change(int level, mpte_t old, mpte_t new, bool *hooks, bool *unhooks)
{
    bool same = mpte_present(old) && mpte_present(new) && mfn_eq(mpte_mfn(old), mpte_mfn(new));

    *hooks = level > 1 && mpte_present(new) && !same;
    *unhooks = level > 1 && mpte_present(old) && !same;
}

static int update_entry(struct aspace *as, int level, mpte_t *slot, pte_t val, unsigned how)
{
    mpte_t new, old = entry_read(slot);
    mpte_t *mirror = user_root_mirror(as, slot, level);
    bool links = level > 1, plain;
    bool hooks, unhooks;
    int rc = pte_to_mpte(val, &new);

    if (rc)
        return rc;
    link_change(level, old, new, &hooks, &unhooks);

    if (!as->pinned) {
        write_entry(slot, new, true, how);
        if (mirror)
            write_entry(mirror, new, true, how);
        return 0;
    }
    plain = table_is_fresh(virt_to_pfn(slot));
    if (hooks && unhooks && !plain && !entry_is_deferred(slot)) {
        /*
         * A replacement in a live table: the old subtree is unlinked now, so its
         * flips back to writable can follow it; the new one is linked at the last
         * moment, like every hook.
         */
        rc = update_entry(as, level, slot, PTE_NONE, how);
        return rc ? rc : update_entry(as, level, slot, val, how);
    }
    if (unhooks)
        rc = check_unhook(old, level);
    if (!rc && hooks)
        rc = pt_walk_subtree(pte_pfn(val), level - 1, make_subtree, NULL);
    if (!rc)
        rc = queue_or_write(slot, new, plain, hooks, links, how);
    if (!rc && mirror)
        rc = queue_or_write(mirror, new, table_is_fresh(as->user_root), hooks, links, how);
    if (!rc && unhooks)
        rc = pt_walk_subtree(mpte_linked_pfn(old), level - 1, release_subtree, NULL);
    if (rc) {
        pvmmu_error("%s of address space %u: entry 0x%llx at maddr 0x%llx not written (%d)",
                    level_name[level], as->id, (unsigned long long)val.v,
                    (unsigned long long)entry_maddr(slot), rc);
        return rc;
    }
    return mc_issue();
}

/*
 * The write, with the ownership of the tables it links and unlinks kept up:
 * a subtree being hooked must belong to no one and becomes this space's before
 * anything is written (so a walk in the same lazy section sees it); one
 * unhooked belongs to no one once the write has been made.
 */
static int set_entry(struct aspace *as, int level, mpte_t *slot, pte_t val, unsigned how)
{
    mpte_t new, old = entry_read(slot);
    bool hooks, unhooks;
    pfn_t gone = INVALID_PFN;
    int rc = check_entry(as, level, slot, val);

    if (!rc)
        rc = pte_to_mpte(val, &new);
    if (rc)
        return rc;
    link_change(level, old, new, &hooks, &unhooks);
    if (unhooks)
        gone = mpte_linked_pfn(old);
    if (hooks && (rc = table_owner_claim_subtree(as, pte_pfn(val), level - 1)))
        return rc;
    rc = update_entry(as, level, slot, val, how);
    if (rc && hooks)
        table_owner_release_subtree(pte_pfn(val), level - 1);
    if (!rc && unhooks && pfn_valid_value(gone))
        table_owner_release_subtree(gone, level - 1);
    return rc;
}

int set_pte(struct aspace *as, mpte_t *l1e, pte_t val)
{
    return set_entry(as, 1, l1e, val, MMU_NORMAL_PT_UPDATE);
}

int set_pmd(struct aspace *as, mpte_t *l2e, pte_t val)
{
    return set_entry(as, 2, l2e, val, MMU_NORMAL_PT_UPDATE);
}

int set_pud(struct aspace *as, mpte_t *l3e, pte_t val)
{
    return set_entry(as, 3, l3e, val, MMU_NORMAL_PT_UPDATE);
}

int set_pgd(struct aspace *as, mpte_t *l4e, pte_t val)
{
    return set_entry(as, 4, l4e, val, MMU_NORMAL_PT_UPDATE);
}

int set_pte_preserve_ad(struct aspace *as, mpte_t *l1e, pte_t val)
{
    return set_entry(as, 1, l1e, val, MMU_PT_UPDATE_PRESERVE_AD);
}

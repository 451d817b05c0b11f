/*S:500 The shadow tables themselves.
 *
 * Each cached root owns a private tree: nothing below a shadow root is shared
 * with another root, so releasing one never has to ask who else is looking
 * (see M:910 for what sharing the kernel half would buy).  Two helpers do all
 * the walking: sentry_find() follows the shadow entries down to a level, and
 * gives up where a table is missing (nothing below it to update or drop), and
 * sentry_release() drops an entry and, for an upper one, frees the table below
 * it and everything under that.  A level-1 entry holds no reference to
 * anything (lguest had to put_page() the guest's page; we hold no page
 * references), so dropping it is a store. :*/
/*M:910 The kernel half is shadowed once per cached root: 32 roots that all
 * map the same kernel page each take their own fault for it, and a kernel
 * entry changed is dropped from 32 trees.  Sharing the shadow tables below the
 * kernel's L4 slots between roots (reference-counted, freed with the last root)
 * would make a new root start with the kernel mapped, and cost one drop per
 * change.  lguest got part of this by keeping the kernel half of an evicted
 * slot, which we do too (cache.c). :*/
#include <xen/pvmmu/shadow.h>
#include "shadow/shadow_int.h"

mpte_t *sentry_find(pfn_t sroot, uint64_t va, int level)
{
    pfn_t table = sroot;
    int l;

    for (l = PT_LEVELS; l > level; l--) {
        mpte_t e = stable(table)[pt_index(va, l)];

        if (!mpte_present(e))
            return NULL;
        table = stable_below(e);
        if (!pfn_valid_value(table))
            return NULL;
    }
    return &stable(table)[pt_index(va, level)];
}

/* Drop `sentry`, an entry of a level-`level` shadow table, and free what hangs below it. */
void sentry_release(mpte_t *sentry, int level)
{
    if (level > 1 && mpte_present(*sentry)) {
        pfn_t below = stable_below(*sentry);
        unsigned i;

        if (pfn_valid_value(below)) {
            for (i = 0; i < PT_ENTRIES; i++)
                sentry_release(&stable(below)[i], level - 1);
            spool_free(below);
        }
    }
    sentry->v = 0;
}

void sroot_release_slots(pfn_t sroot, unsigned first, unsigned last)
{
    unsigned slot;

    for (slot = first; slot <= last; slot++)
        sentry_release(&stable(sroot)[slot], PT_LEVELS);
}

/* Everything the guest can reach: both halves, never the host's slots between them. */
void sroot_release_guest_slots(pfn_t sroot)
{
    sroot_release_slots(sroot, L4_USER_FIRST, L4_USER_LAST);
    sroot_release_slots(sroot, L4_KERNEL_FIRST, L4_KERNEL_LAST);
}

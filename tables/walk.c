/*T:100 The walker: every table frame of an address space, leaves first.
 *
 * Pinning, unpinning, saving and tearing down all need the same thing: every
 * frame that is a page table of this address space, once.  Three rules shape the
 * walk:
 *
 *  - only the space's own L4 slots belong to it (lib/layout.c says which:
 *    0..255 in pvmmu's own kernel).  Xen's slots are Xen's, and the kernel's
 *    point at the kernel's own tables, shared by every address space and pinned
 *    once, with the kernel;
 *  - where there are two roots, they share the tree below them, so the tree is
 *    walked once, from the kernel root, and the user root is visited as one
 *    more frame;
 *  - children come before their parents and the roots come last, so a visitor
 *    that acts on the roots (pin them, free them) sees a tree already handled.
 *
 * The walk reads entries with entry_read(), so a tree grown inside a lazy
 * section is seen as it will be, not as it was. :*/
#include <xen/pvmmu/mmu.h>
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/platform.h>
#include "tables/tables_int.h"

int pt_walk_subtree(pfn_t table, int level, pt_visit_fn visit, void *ctx)
{
    unsigned i;
    int rc;

    if (level > 1) {
        for (i = 0; i < PT_ENTRIES; i++) {
            mpte_t e = entry_read(table_entry(table, i));
            pfn_t child;

            if (!mpte_present(e))
                continue;
            child = mpte_linked_pfn(e);
            if (!pfn_valid_value(child))
                return -XEN_EINVAL; /* mpte_linked_pfn has reported it */
            rc = pt_walk_subtree(child, level - 1, visit, ctx);
            if (rc)
                return rc;
        }
    }
    return visit(table, level, ctx);
}

int pt_walk(const struct aspace *as, pt_visit_fn visit, void *ctx)
{
    unsigned slot;
    int rc;

    for (slot = 0; slot < PT_ENTRIES; slot++) {
        mpte_t e = entry_read(table_entry(as->root, slot));
        pfn_t l3;

        if (!layout_slot_is_space(slot) || !mpte_present(e))
            continue;
        l3 = mpte_linked_pfn(e);
        if (!pfn_valid_value(l3))
            return -XEN_EINVAL;
        rc = pt_walk_subtree(l3, 3, visit, ctx);
        if (rc)
            return rc;
    }
    if (aspace_has_user_root(as)) {
        rc = visit(as->user_root, 4, ctx);
        if (rc)
            return rc;
    }
    return visit(as->root, 4, ctx);
}

static int count_one(pfn_t table, int level, void *ctx)
{
    (void)table;
    (void)level;
    (*(unsigned *)ctx)++;
    return 0;
}

unsigned pt_count_frames(const struct aspace *as)
{
    unsigned n = 0;

    pt_walk(as, count_one, &n);
    return n;
}

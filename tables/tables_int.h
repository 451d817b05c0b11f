/*
 * Private to pvmmu's core: what tables/ offers the folders above it (pinning/, mmu/)
 * and not an embedder: the walker, entries on their way, an entry's machine address.
 */
#ifndef PVMMU_TABLES_INT_H
#define PVMMU_TABLES_INT_H

#include <xen/pvmmu/layout.h>
#include <xen/pvmmu/mmu.h>
#include "lib/lib_int.h"
#include "lib/aspace_int.h"
#include "lib/layout_int.h"


/* Whether `as` has a user-mode root of its own (not under a one-root layout, nor the kernel's). */
static inline bool aspace_has_user_root(const struct aspace *as)
{
    return !pfn_eq(as->user_root, as->root);
}

/*
 * The walker: visit every table frame of an address space's own slots, leaves
 * first and the roots last (user root, then kernel root), skipping Xen's slots and
 * the kernel's, which belong to the kernel's own tables.  `level` is the
 * frame's level (1 = L1).  A non-zero return from visit stops the walk and is
 * returned.
 */
typedef int (*pt_visit_fn)(pfn_t table, int level, void *ctx);
int pt_walk(const struct aspace *as, pt_visit_fn visit, void *ctx);
int pt_walk_subtree(pfn_t table, int level, pt_visit_fn visit, void *ctx);
unsigned pt_count_frames(const struct aspace *as);

/* tables/pending.c: entries on their way, which entry_read() sees before the tables do. */
int pending_entry_add(mpte_t *slot, mpte_t val);
int entry_defer(mpte_t *slot, mpte_t val);
bool entry_is_deferred(const mpte_t *slot);
/* Forget them (the batch failed, or the machine is new). */
void pending_forget(void);
/* Every vCPU's list: the machine underneath was replaced (hosted tests). */
void pending_forget_all(void);
/* tables/entry.c: the machine address of a table entry (what mmu_update names it by). */
uint64_t entry_maddr(const mpte_t *slot);

#endif

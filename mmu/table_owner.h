/*
 * mmu/table_owner.c, for the files of mmu/ only: which address space each table
 * frame belongs to, and at what level.
 */
#ifndef PVMMU_MMU_TABLE_OWNER_H
#define PVMMU_MMU_TABLE_OWNER_H

#include <xen/pvmmu/aspace.h>

/* Record one table as `as`'s, at `level` (1 = L1).  -XEN_ENOMEM: no frame for the record. */
int table_owner_claim(const struct aspace *as, pfn_t table, int level);
void table_owner_release(pfn_t table);
/* Is `table` a level-`level` table of `as`?  (The kernel space: also any table no one owns.) */
bool table_owned_by(const struct aspace *as, pfn_t table, int level);
bool table_has_owner(pfn_t table);

/*
 * A subtree being hooked: every table in it must belong to no one (-XEN_EBUSY,
 * named, if one is linked already), and then all become `as`'s.  All or nothing.
 */
int table_owner_claim_subtree(const struct aspace *as, pfn_t table, int level);
void table_owner_release_subtree(pfn_t table, int level);

/* Forget every record (the machine underneath was replaced). */
void table_owner_forget(void);

#endif

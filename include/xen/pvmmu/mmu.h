/*
 * The MMU operations, in the guest's own terms (pfns, pte_t).
 *
 * set_pte / set_pmd / set_pud / set_pgd write one entry of an L1 / L2 / L3 / L4
 * table of `as`.  While `as` is unpinned that is a plain store; once it is pinned,
 * the table is read-only and the write becomes a queued mmu_update (issued at once
 * outside lazy mode).  A new table hooked into a pinned tree is made read-only
 * first; a table unhooked from one is made writable again after the update, and
 * belongs to the caller once the batch has been issued.
 *
 * The range operations walk (and grow) the tree for the caller.
 */
#ifndef PVMMU_MMU_H
#define PVMMU_MMU_H

#include <xen/pvmmu/aspace.h>

int set_pte(struct aspace *as, mpte_t *l1e, pte_t val);
int set_pmd(struct aspace *as, mpte_t *l2e, pte_t val);
int set_pud(struct aspace *as, mpte_t *l3e, pte_t val);
int set_pgd(struct aspace *as, mpte_t *l4e, pte_t val);
/* set_pte for a protection change: keeps the accessed/dirty bits the hardware set. */
int set_pte_preserve_ad(struct aspace *as, mpte_t *l1e, pte_t val);

/* Pseudo-physical <-> machine entry conversions (tables/convert.c). */
int pte_to_mpte(pte_t pte, mpte_t *out);
int mpte_to_pte(mpte_t mpte, pte_t *out);
/* The pfn a present entry points at (INVALID_PFN: not one of ours). */
pfn_t mpte_linked_pfn(mpte_t e);

/* Read an entry as pvmmu last wrote it, including updates still queued in lazy mode. */
mpte_t entry_read(const mpte_t *slot);

/*
 * The entry of the level-`slot_level` table of `as` that translates `va`.  entry_find
 * answers 0 with *slot NULL when a table above is missing (nothing mapped), and
 * -XEN_EINVAL, reported, when a table above links a frame that is not ours (it
 * cannot be read).  entry_slot is the same walk, NULL for either.
 */
int entry_find(const struct aspace *as, uint64_t va, int slot_level, mpte_t **slot);
mpte_t *entry_slot(const struct aspace *as, uint64_t va, int slot_level);
mpte_t *table_entry(pfn_t table, unsigned index);

enum mmu_prot { PROT_NOACCESS, PROT_READ_ONLY, PROT_READ_WRITE };

/*
 * An enum is an int to C: a caller can pass any value.  Both backends refuse one
 * that is none of the three (the PV backend would build an entry that is neither
 * present nor no-access, unreachable for good; the shadow backend would index
 * past its table of flags).
 */
static inline bool mmu_prot_valid(enum mmu_prot prot)
{
    return (unsigned)prot <= PROT_READ_WRITE;
}

int mmu_map(struct aspace *as, uint64_t va, pfn_t pfn, uint64_t flags);
int mmu_map_range(struct aspace *as, uint64_t va, const pfn_t *pfns, uint64_t count, uint64_t flags);
int mmu_unmap_range(struct aspace *as, uint64_t va, uint64_t count);
int mmu_protect_range(struct aspace *as, uint64_t va, uint64_t count, enum mmu_prot prot);
/* The pte that maps va (PTE_NONE if none), as the guest sees it. */
int mmu_lookup(const struct aspace *as, uint64_t va, pte_t *out);

/* This vCPU's TLB (MMUEXT_*_LOCAL). */
int mmu_flush_tlb(void);
int mmu_invlpg(uint64_t va);
/* Every vCPU that has `as` loaded (aspace.loaded_on), none if none has (mmu/tlb.c). */
int mmu_flush_space(const struct aspace *as);
/* What mmu_flush_space sent: nothing (the space loaded nowhere), local, or to a vcpumask. */
struct mmu_flush_stats {
    uint64_t avoided;
    uint64_t local;
    uint64_t multi;
};
const struct mmu_flush_stats *mmu_flush_stats(void);
void mmu_flush_stats_reset(void);
/* One mapping of the CURRENT address space, by virtual address: one trap, no table walk. */
int mmu_update_va_mapping(uint64_t va, pte_t val, uint64_t uvmf_flags);

/* mmu/fresh.c: tables allocated in this batch, still writable until it is issued. */
bool table_is_fresh(pfn_t table);
int fresh_table_add(pfn_t table);
void fresh_table_owned(pfn_t table);
void fresh_forget(void);

/* tables/pending.c: entries on their way, which entry_read() sees before the tables do. */
int pending_entry_add(mpte_t *slot, mpte_t val);
int entry_defer(mpte_t *slot, mpte_t val);
bool entry_is_deferred(const mpte_t *slot);
/* Forget them (the batch failed, or the machine is new). */
void pending_forget(void);
/* tables/entry.c: the machine address of a table entry (what mmu_update names it by). */
uint64_t entry_maddr(const mpte_t *slot);

/* Forget all state: the machine underneath was replaced (hosted tests boot one per case). */
void mmu_forget_state(void);

#endif

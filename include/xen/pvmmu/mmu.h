/*
 * The MMU operations, in the guest's own terms (pfns, pvmmu_pte_t).
 *
 * pvmmu_set_pte / pvmmu_set_pmd / pvmmu_set_pud / pvmmu_set_pgd write one entry of an L1 / L2 / L3 / L4
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

int pvmmu_set_pte(struct pvmmu_aspace *as, pvmmu_mpte_t *l1e, pvmmu_pte_t val);
int pvmmu_set_pmd(struct pvmmu_aspace *as, pvmmu_mpte_t *l2e, pvmmu_pte_t val);
int pvmmu_set_pud(struct pvmmu_aspace *as, pvmmu_mpte_t *l3e, pvmmu_pte_t val);
int pvmmu_set_pgd(struct pvmmu_aspace *as, pvmmu_mpte_t *l4e, pvmmu_pte_t val);
/* pvmmu_set_pte for a protection change: keeps the accessed/dirty bits the hardware set. */
int pvmmu_set_pte_preserve_ad(struct pvmmu_aspace *as, pvmmu_mpte_t *l1e, pvmmu_pte_t val);

/* Pseudo-physical <-> machine entry conversions (tables/convert.c). */
/*
 * pfn form <-> machine form, through the p2m and the m2p (L1TF-safe for non-present
 * entries that keep a frame).  -XEN_EINVAL, reported, for a pfn with no machine frame
 * or an mfn that is not the guest's (foreign or stale by the m2p).
 */
int pvmmu_pte_to_mpte(pvmmu_pte_t pte, pvmmu_mpte_t *out);
int pvmmu_mpte_to_pte(pvmmu_mpte_t mpte, pvmmu_pte_t *out);
/* The pfn a present entry points at (PVMMU_INVALID_PFN: not one of ours). */
pvmmu_pfn_t pvmmu_mpte_linked_pfn(pvmmu_mpte_t e);

/* Read an entry as pvmmu last wrote it, including updates still queued in lazy mode. */
pvmmu_mpte_t pvmmu_entry_read(const pvmmu_mpte_t *slot);

/*
 * The entry of the level-`slot_level` table of `as` that translates `va`.  pvmmu_entry_find
 * answers 0 with *slot NULL when a table above is missing (nothing mapped), and
 * -XEN_EINVAL, reported, when a table above links a frame that is not ours (it
 * cannot be read).  pvmmu_entry_slot is the same walk, NULL for either.
 */
int pvmmu_entry_find(const struct pvmmu_aspace *as, uint64_t va, int slot_level, pvmmu_mpte_t **slot);
pvmmu_mpte_t *pvmmu_entry_slot(const struct pvmmu_aspace *as, uint64_t va, int slot_level);
/* Entry `index` (0..511) of the table frame `table`, through the direct map. */
pvmmu_mpte_t *pvmmu_table_entry(pvmmu_pfn_t table, unsigned index);

enum pvmmu_mmu_prot { PVMMU_PROT_NOACCESS, PVMMU_PROT_READ_ONLY, PVMMU_PROT_READ_WRITE };

/*
 * An enum is an int to C: a caller can pass any value.  Both backends refuse one
 * that is none of the three (the PV backend would build an entry that is neither
 * present nor no-access, unreachable for good; the shadow backend would index
 * past its table of flags).
 */
static inline bool pvmmu_mmu_prot_valid(enum pvmmu_mmu_prot prot)
{
    return (unsigned)prot <= PVMMU_PROT_READ_WRITE;
}

/*
 * The range operations: `count` pages from `va`, which must be page aligned and
 * inside the user half (-XEN_EINVAL otherwise, reported), walking the tree and,
 * for map, growing it with tables from pvmmu_frame_alloc.  Each runs in one lazy
 * section, so a range costs a few traps, not one per page, and flushes the TLB
 * when `as` is the loaded address space and a present translation may have
 * changed.  0 or the first error, reported; after an error the range may be done in
 * part (every entry is still one of the two values, old or new).
 *
 * map: pfns[i] at va + i pages, with `flags` (PVMMU_PAGE_RW, _USER, _NX...) and
 * PVMMU_PAGE_PRESENT; every pfn must be one the p2m backs.  mmu_map is one page.
 */
int pvmmu_mmu_map(struct pvmmu_aspace *as, uint64_t va, pvmmu_pfn_t pfn, uint64_t flags);
int pvmmu_mmu_map_range(struct pvmmu_aspace *as, uint64_t va, const pvmmu_pfn_t *pfns, uint64_t count, uint64_t flags);
/* unmap: clear the entries (whole L1s and L2s freed, pvmmu_frame_free); a hole is no error. */
int pvmmu_mmu_unmap_range(struct pvmmu_aspace *as, uint64_t va, uint64_t count);
/* protect: no access (the frame kept), read-only or read-write; the accessed/dirty bits stay. */
int pvmmu_mmu_protect_range(struct pvmmu_aspace *as, uint64_t va, uint64_t count, enum pvmmu_mmu_prot prot);
/* The pte that maps va (PVMMU_PTE_NONE if none), as the guest sees it. */
int pvmmu_mmu_lookup(const struct pvmmu_aspace *as, uint64_t va, pvmmu_pte_t *out);

/* Flush the whole TLB / one page of it, queued in the current batch (Xen flushes nothing itself). */
int pvmmu_mmu_flush_tlb(void);
int pvmmu_mmu_invlpg(uint64_t va);
/* One mapping of the CURRENT address space, by virtual address: one trap, no table walk. */
int pvmmu_mmu_update_va_mapping(uint64_t va, pvmmu_pte_t val, uint64_t uvmf_flags);

#endif

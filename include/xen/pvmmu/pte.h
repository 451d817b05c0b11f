/*
 * Page-table entries, in the two forms a PV guest must keep apart.
 *
 *   pvmmu_pte_t   what the guest means: a pfn plus flags.  Every pvmmu API takes and
 *           returns this form.
 *   pvmmu_mpte_t  what the table really holds: an mfn plus the same flags.  Only the
 *           code that reads or writes table frames sees it.
 *
 * The same representation serves all four levels (l1e: maps a 4 KiB page, l2e: an
 * L1 table, l3e: an L2 table, l4e: an L3 table); the level is always named by the
 * caller, as in pvmmu_set_pte (L1), pvmmu_set_pmd (L2), pvmmu_set_pud (L3), pvmmu_set_pgd (L4).
 *
 * A non-present entry may still carry a frame (a no-access page keeps its frame so
 * it can be made accessible again).  L1TF makes that dangerous: the CPU may
 * speculate through the address bits of a non-present entry, so Xen refuses (and
 * crashes a domain for) a non-present entry whose address points at real memory.
 * We therefore store the frame of a non-present entry with its address bits
 * inverted, which points far above any RAM; see pvmmu_pte_to_mpte() in mmu/.
 */
#ifndef PVMMU_PTE_H
#define PVMMU_PTE_H

#include <xen/pvmmu/frame.h>

#define PVMMU_PT_LEVELS 4
#define PVMMU_PT_ENTRIES 512
#define PVMMU_PT_ENTRY_SHIFT 9

#define PVMMU_PAGE_PRESENT  (1ULL << 0)
#define PVMMU_PAGE_RW       (1ULL << 1)
#define PVMMU_PAGE_USER     (1ULL << 2)
#define PVMMU_PAGE_PWT      (1ULL << 3)
#define PVMMU_PAGE_PCD      (1ULL << 4)
#define PVMMU_PAGE_ACCESSED (1ULL << 5)
#define PVMMU_PAGE_DIRTY    (1ULL << 6)
#define PVMMU_PAGE_PSE      (1ULL << 7)   /* in L2/L3: superpage; in L1: PAT */
#define PVMMU_PAGE_GLOBAL   (1ULL << 8)
#define PVMMU_PAGE_AVAIL0   (1ULL << 9)   /* software bit; pvmmu: "no-access, frame kept" */
#define PVMMU_PAGE_NX       (1ULL << 63)

#define PVMMU_PTE_ADDR_MASK  0x000ffffffffff000ULL   /* bits 12..51 */
#define PVMMU_PTE_FLAGS_MASK (~PVMMU_PTE_ADDR_MASK)

typedef struct { uint64_t v; } pvmmu_pte_t;    /* pfn | flags   (pseudo-physical form) */
typedef struct { uint64_t v; } pvmmu_mpte_t;   /* mfn | flags   (machine form, in tables) */

static inline pvmmu_pte_t pvmmu_pte_make(pvmmu_pfn_t pfn, uint64_t flags)
{
    return (pvmmu_pte_t){ (pvmmu_pfn_x(pfn) << PVMMU_PAGE_SHIFT) | (flags & PVMMU_PTE_FLAGS_MASK) };
}
static inline pvmmu_pfn_t pvmmu_pte_pfn(pvmmu_pte_t p) { return pvmmu_pfn((p.v & PVMMU_PTE_ADDR_MASK) >> PVMMU_PAGE_SHIFT); }
static inline uint64_t pvmmu_pte_flags(pvmmu_pte_t p) { return p.v & PVMMU_PTE_FLAGS_MASK; }
static inline bool pvmmu_pte_present(pvmmu_pte_t p) { return p.v & PVMMU_PAGE_PRESENT; }
static inline bool pvmmu_pte_none(pvmmu_pte_t p) { return p.v == 0; }
static const pvmmu_pte_t PVMMU_PTE_NONE = { 0 };

static inline pvmmu_mpte_t pvmmu_mpte_make(pvmmu_mfn_t mfn, uint64_t flags)
{
    return (pvmmu_mpte_t){ (pvmmu_mfn_x(mfn) << PVMMU_PAGE_SHIFT) | (flags & PVMMU_PTE_FLAGS_MASK) };
}
static inline pvmmu_mfn_t pvmmu_mpte_mfn(pvmmu_mpte_t p) { return pvmmu_mfn((p.v & PVMMU_PTE_ADDR_MASK) >> PVMMU_PAGE_SHIFT); }
static inline uint64_t pvmmu_mpte_flags(pvmmu_mpte_t p) { return p.v & PVMMU_PTE_FLAGS_MASK; }
static inline bool pvmmu_mpte_present(pvmmu_mpte_t p) { return p.v & PVMMU_PAGE_PRESENT; }

/* Which slot of a level-`level` table (1..4) translates `va`. */
static inline unsigned pvmmu_pt_index(uint64_t va, int level)
{
    return (va >> (PVMMU_PAGE_SHIFT + PVMMU_PT_ENTRY_SHIFT * (level - 1))) & (PVMMU_PT_ENTRIES - 1);
}
/* How many bytes one entry of a level-`level` table covers. */
static inline uint64_t pvmmu_pt_entry_span(int level)
{
    return 1ULL << (PVMMU_PAGE_SHIFT + PVMMU_PT_ENTRY_SHIFT * (level - 1));
}

/*
 * The x86_64 address space as a 64-bit PV guest sees it, by L4 slot, in the
 * default layout (pvmmu's own kernel, Linux; <xen/pvmmu/layout.h> describes others):
 *   0..255    user half: belongs to each address space
 *   256..271  Xen's own (read-only M2P, its self-map, ...): never touch them
 *   272..511  the guest kernel's half: shared by every address space
 */
#define PVMMU_L4_USER_FIRST 0
#define PVMMU_L4_USER_LAST 255
#define PVMMU_L4_XEN_FIRST 256
#define PVMMU_L4_XEN_LAST 271
#define PVMMU_L4_KERNEL_FIRST 272
#define PVMMU_L4_KERNEL_LAST 511

static inline bool pvmmu_l4_slot_is_xen(unsigned slot)
{
    return slot >= PVMMU_L4_XEN_FIRST && slot <= PVMMU_L4_XEN_LAST;
}
static inline bool pvmmu_l4_slot_is_user(unsigned slot) { return slot <= PVMMU_L4_USER_LAST; }

/* The user half ends where the non-canonical hole begins. */
#define PVMMU_USER_HALF_END (1ULL << 47)

/*
 * Whether `count` pages from `va` are whole pages inside the user half.  The count
 * is checked against the room left before it is multiplied: 2^52 pages times
 * 4 KiB is zero in 64 bits, and a count that wraps must not pass for an empty range.
 */
static inline bool pvmmu_va_range_in_user_half(uint64_t va, uint64_t count)
{
    return (va & (PVMMU_PAGE_SIZE - 1)) == 0 && va <= PVMMU_USER_HALF_END &&
           count <= (PVMMU_USER_HALF_END - va) / PVMMU_PAGE_SIZE;
}

/* Sign-extend a 48-bit virtual address (canonical form). */
static inline uint64_t pvmmu_va_canonical(uint64_t va)
{
    return (uint64_t)((int64_t)(va << 16) >> 16);
}

#endif

/*
 * Page-table entries, in the two forms a PV guest must keep apart.
 *
 *   pte_t   what the guest means: a pfn plus flags.  Every pvmmu API takes and
 *           returns this form.
 *   mpte_t  what the table really holds: an mfn plus the same flags.  Only the
 *           code that reads or writes table frames sees it.
 *
 * The same representation serves all four levels (l1e: maps a 4 KiB page, l2e: an
 * L1 table, l3e: an L2 table, l4e: an L3 table); the level is always named by the
 * caller, as in set_pte (L1), set_pmd (L2), set_pud (L3), set_pgd (L4).
 *
 * A non-present entry may still carry a frame (a no-access page keeps its frame so
 * it can be made accessible again).  L1TF makes that dangerous: the CPU may
 * speculate through the address bits of a non-present entry, so Xen refuses (and
 * crashes a domain for) a non-present entry whose address points at real memory.
 * We therefore store the frame of a non-present entry with its address bits
 * inverted, which points far above any RAM; see pte_to_mpte() in mmu/.
 */
#ifndef PVMMU_PTE_H
#define PVMMU_PTE_H

#include <xen/pvmmu/frame.h>

#define PT_LEVELS 4
#define PT_ENTRIES 512
#define PT_ENTRY_SHIFT 9

#define _PAGE_PRESENT  (1ULL << 0)
#define _PAGE_RW       (1ULL << 1)
#define _PAGE_USER     (1ULL << 2)
#define _PAGE_PWT      (1ULL << 3)
#define _PAGE_PCD      (1ULL << 4)
#define _PAGE_ACCESSED (1ULL << 5)
#define _PAGE_DIRTY    (1ULL << 6)
#define _PAGE_PSE      (1ULL << 7)   /* in L2/L3: superpage; in L1: PAT */
#define _PAGE_GLOBAL   (1ULL << 8)
#define _PAGE_AVAIL0   (1ULL << 9)   /* software bit; pvmmu: "no-access, frame kept" */
#define _PAGE_NX       (1ULL << 63)

#define PTE_ADDR_MASK  0x000ffffffffff000ULL   /* bits 12..51 */
#define PTE_FLAGS_MASK (~PTE_ADDR_MASK)

typedef struct { uint64_t v; } pte_t;    /* pfn | flags   (pseudo-physical form) */
typedef struct { uint64_t v; } mpte_t;   /* mfn | flags   (machine form, in tables) */

static inline pte_t pte_make(pfn_t pfn, uint64_t flags)
{
    return (pte_t){ (pfn_x(pfn) << PAGE_SHIFT) | (flags & PTE_FLAGS_MASK) };
}
static inline pfn_t pte_pfn(pte_t p) { return _pfn((p.v & PTE_ADDR_MASK) >> PAGE_SHIFT); }
static inline uint64_t pte_flags(pte_t p) { return p.v & PTE_FLAGS_MASK; }
static inline bool pte_present(pte_t p) { return p.v & _PAGE_PRESENT; }
static inline bool pte_none(pte_t p) { return p.v == 0; }
static const pte_t PTE_NONE = { 0 };

static inline mpte_t mpte_make(mfn_t mfn, uint64_t flags)
{
    return (mpte_t){ (mfn_x(mfn) << PAGE_SHIFT) | (flags & PTE_FLAGS_MASK) };
}
static inline mfn_t mpte_mfn(mpte_t p) { return _mfn((p.v & PTE_ADDR_MASK) >> PAGE_SHIFT); }
static inline uint64_t mpte_flags(mpte_t p) { return p.v & PTE_FLAGS_MASK; }
static inline bool mpte_present(mpte_t p) { return p.v & _PAGE_PRESENT; }

/* Which slot of a level-`level` table (1..4) translates `va`. */
static inline unsigned pt_index(uint64_t va, int level)
{
    return (va >> (PAGE_SHIFT + PT_ENTRY_SHIFT * (level - 1))) & (PT_ENTRIES - 1);
}
/* How many bytes one entry of a level-`level` table covers. */
static inline uint64_t pt_entry_span(int level)
{
    return 1ULL << (PAGE_SHIFT + PT_ENTRY_SHIFT * (level - 1));
}

/*
 * The x86_64 address space as a 64-bit PV guest sees it, by L4 slot:
 *   0..255    user half: belongs to each address space
 *   256..271  Xen's own (read-only M2P, its self-map, ...): never touch them
 *   272..511  the guest kernel's half: shared by every address space
 */
#define L4_USER_FIRST 0
#define L4_USER_LAST 255
#define L4_XEN_FIRST 256
#define L4_XEN_LAST 271
#define L4_KERNEL_FIRST 272
#define L4_KERNEL_LAST 511

static inline bool l4_slot_is_xen(unsigned slot)
{
    return slot >= L4_XEN_FIRST && slot <= L4_XEN_LAST;
}
static inline bool l4_slot_is_user(unsigned slot) { return slot <= L4_USER_LAST; }

/* The user half ends where the non-canonical hole begins. */
#define USER_HALF_END (1ULL << 47)

/*
 * Whether `count` pages from `va` are whole pages inside the user half.  The count
 * is checked against the room left before it is multiplied: 2^52 pages times
 * 4 KiB is zero in 64 bits, and a count that wraps must not pass for an empty range.
 */
static inline bool va_range_in_user_half(uint64_t va, uint64_t count)
{
    return (va & (PAGE_SIZE - 1)) == 0 && va <= USER_HALF_END &&
           count <= (USER_HALF_END - va) / PAGE_SIZE;
}

/* Sign-extend a 48-bit virtual address (canonical form). */
static inline uint64_t va_canonical(uint64_t va)
{
    return (uint64_t)((int64_t)(va << 16) >> 16);
}

#endif

/*
 * The ABI and geometry facts the code relies on, checked by the compiler.
 *
 * Each fact below is one that some file assumes without saying so at every use:
 * a structure Xen reads in our memory, a size two files must agree on, a range
 * of L4 slots.  If a header (ours, or Debian's Xen headers) ever changes one of
 * them, the build stops here, naming it, instead of the code going wrong
 * quietly.  The file is in lib/, so it is compiled into every build: the hosted
 * tests, the PV kernel and the bare-metal kernel.  It defines nothing.
 *
 * tools/test-abi-check.sh is its spec: it changes a fact in a copy of the
 * headers and expects this file to refuse to compile.
 */
#include <stddef.h>
#include <xen/pvmmu/abi.h>
#include <xen/pvmmu/aspace.h>
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/pte.h>
#include "lib/lib_int.h"

/* What one L4 slot covers, and which slot an address is in. */
#define L4_SLOT_SHIFT (PAGE_SHIFT + PT_ENTRY_SHIFT * (PT_LEVELS - 1))
#define L4_SLOT_SPAN (1ULL << L4_SLOT_SHIFT)
#define L4_SLOT_OF(va) (((uint64_t)(va) >> L4_SLOT_SHIFT) & (PT_ENTRIES - 1))
/* x86-64's widest physical address (MAXPHYADDR at its architectural limit). */
#define PADDR_BITS 52

/* --- The hypercall structures Xen reads from our memory (64-bit layout). --- */
/* The batch (multicalls/) hands Xen arrays of these; a different size misplaces every entry after the first. */
_Static_assert(sizeof(mmu_update_t) == 16, "mmu_update_t: ptr and val, 8 bytes each");
_Static_assert(offsetof(mmu_update_t, val) == 8, "mmu_update_t: val follows ptr");
_Static_assert(sizeof(struct mmuext_op) == 24, "struct mmuext_op: cmd (padded to 8), arg1, arg2");
_Static_assert(offsetof(struct mmuext_op, arg1) == 8 && offsetof(struct mmuext_op, arg2) == 16,
               "struct mmuext_op: arg1 at 8, arg2 at 16");
_Static_assert(sizeof(multicall_entry_t) == 64, "multicall_entry_t: op, result and six arguments");
/* mfn lists (start_info's, the frame-list pages) are read as arrays of uint64_t. */
_Static_assert(sizeof(xen_pfn_t) == sizeof(uint64_t), "xen_pfn_t is 64 bits");

/* --- Page tables. --- */
_Static_assert(PT_ENTRIES == PAGE_SIZE / sizeof(uint64_t), "a table is one page of 64-bit entries");
_Static_assert(PT_ENTRIES == 1 << PT_ENTRY_SHIFT, "an index is PT_ENTRY_SHIFT bits");
_Static_assert(sizeof(pte_t) == sizeof(uint64_t) && sizeof(mpte_t) == sizeof(uint64_t),
               "pte_t and mpte_t are one entry each: tables are arrays of mpte_t");
_Static_assert(PTE_ADDR_MASK == (((1ULL << PADDR_BITS) - 1) & ~(uint64_t)(PAGE_SIZE - 1)),
               "PTE_ADDR_MASK is bits PAGE_SHIFT..PADDR_BITS-1");
_Static_assert((PTE_ADDR_MASK & (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_PWT | _PAGE_PCD |
                                 _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_PSE | _PAGE_GLOBAL |
                                 _PAGE_AVAIL0 | _PAGE_NX)) == 0,
               "no flag bit lies in the address field");

/* --- L4 slots: the user half, Xen's, the kernel's, in that order, all 512. --- */
_Static_assert(L4_USER_FIRST == 0 && L4_USER_LAST + 1 == L4_XEN_FIRST &&
               L4_XEN_LAST + 1 == L4_KERNEL_FIRST && L4_KERNEL_LAST == PT_ENTRIES - 1,
               "the L4 slot ranges follow each other and cover the table");
_Static_assert(L4_SLOT_OF(HYPERVISOR_VIRT_START) == L4_XEN_FIRST &&
               L4_SLOT_OF(HYPERVISOR_VIRT_END - 1) == L4_XEN_LAST,
               "the range Xen reserves is exactly L4 slots L4_XEN_FIRST..L4_XEN_LAST");
_Static_assert(USER_HALF_END == (L4_USER_LAST + 1) * L4_SLOT_SPAN, "the user half is its L4 slots");

/* --- Xen's m2p: read-only, inside Xen's slots, one 64-bit pfn per mfn. --- */
_Static_assert(L4_SLOT_OF(MACH2PHYS_VIRT_START) >= L4_XEN_FIRST &&
               L4_SLOT_OF(MACH2PHYS_VIRT_END - 1) <= L4_XEN_LAST,
               "the m2p lies in the L4 slots of Xen");
_Static_assert(MACH2PHYS_NR_ENTRIES == (MACH2PHYS_VIRT_END - MACH2PHYS_VIRT_START) / sizeof(uint64_t),
               "the m2p holds one 64-bit entry per mfn (platform.c bounds its reads by this)");

/* --- The p2m (include/xen/pvmmu/p2m.h). --- */
_Static_assert(P2M_PER_LEAF == PAGE_SIZE / sizeof(*p2m_linear.entries),
               "a p2m leaf is one page of the linear table");
_Static_assert(P2M_LEAVES_PER_MID == PAGE_SIZE / sizeof(xen_pfn_t) &&
               P2M_MIDS_PER_TOP == PAGE_SIZE / sizeof(xen_pfn_t),
               "a frame-list page (mid, top) is one page of mfns, as the toolstack reads it");
_Static_assert(P2M_MAX_PFNS == P2M_PER_LEAF * P2M_LEAVES_PER_MID * P2M_MIDS_PER_TOP,
               "P2M_MAX_PFNS is what the three-level frame-list tree describes");
_Static_assert(P2M_MAX_PFNS * sizeof(uint64_t) <= L4_SLOT_SPAN,
               "the linear p2m fits the one L4 slot of its window");
_Static_assert(P2M_MAX_PFNS - 1 <= (PTE_ADDR_MASK >> PAGE_SHIFT), "every pfn fits the address field of an entry");
/* mmu/convert.c stores a non-present entry's pfn inverted (L1TF): that must land in the top half. */
_Static_assert(((PTE_ADDR_MASK >> PAGE_SHIFT) - (P2M_MAX_PFNS - 1)) >> (PADDR_BITS - 1 - PAGE_SHIFT) == 1,
               "an inverted pfn is an address in the top half of the physical space");

/* --- Address spaces. --- */
/* A table-owner record (mmu/table_owner.c) is 16 bits: the space's id, then 3 bits of level. */
_Static_assert(PT_LEVELS < (1 << 3), "the level of a table fits 3 bits");
_Static_assert(ASPACE_MAX <= (1u << 13), "an address space id fits 13 bits");

/*
 * The address-space layout: which L4 slots are the kernel's and which belong to each
 * address space, and whether a space has a separate user-mode root.  It is the
 * embedder's, described to the layer once at boot.
 *
 * A 64-bit PV guest's L4 has three kinds of slot:
 *
 *   Xen's       256..271 (the read-only m2p, Xen's own mappings): never the guest's;
 *   the kernel  a run of slots the kernel owns: its image, its direct map.  They are
 *               copied from the kernel's own L4 into every new address space, so the
 *               kernel stays mapped whichever space is loaded, and pvmmu never walks,
 *               pins or frees what they point at;
 *   the space   every other slot: each address space's own tables, which pvmmu
 *               creates, maps, pins, copies on fork and frees.
 *
 * Two layouts are common:
 *
 *   pvmmu's own kernel and Linux: the kernel in 272..511, user spaces in 0..255, and a
 *   separate user-mode root per space (a 64-bit PV kernel runs in ring 3, so Xen keeps
 *   one L4 for kernel mode and one for user mode; both point at the same L3s).  This is
 *   the default, and what the PVMMU_L4_* constants of <xen/pvmmu/pte.h> describe.
 *
 *   Mini-OS: the kernel linked at virtual 0, its direct map in slot 0, no user mode at
 *   all: kernel_first_slot = kernel_last_slot = 0, user_root = false.  A space then has
 *   one root and owns slots 1..255 and 272..511.
 */
#ifndef PVMMU_LAYOUT_H
#define PVMMU_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

struct pvmmu_layout {
    /* The L4 slots the kernel owns, inclusive; copied into every new address space. */
    unsigned kernel_first_slot, kernel_last_slot;
    /* true: each space has a separate user-mode L4 (loaded with MMUEXT_NEW_USER_BASEPTR);
     * false: one root, and switching loads no user root. */
    bool user_root;
};

/*
 * Describe the layout.  Call it before pvmmu_aspace_adopt_kernel (without it, the default
 * above stands).  0; -XEN_EINVAL, reported, for a kernel range that is empty, reaches past
 * slot 511 or overlaps Xen's slots (one run of slots below or above Xen's always leaves the
 * other side to the spaces); -XEN_EBUSY, reported,
 * once the kernel's tables are adopted (the spaces made so far follow the old layout).
 */
int pvmmu_layout_init(const struct pvmmu_layout *layout);
/* The layout in force. */
struct pvmmu_layout pvmmu_layout_get(void);

/* Whether L4 slot `l4_slot` belongs to each address space: neither the kernel's nor Xen's. */
bool pvmmu_layout_slot_is_space(unsigned l4_slot);
/*
 * Whether `count` pages from `va` are whole pages in the address space's own slots: page
 * aligned, canonical, not crossing the non-canonical hole, and every L4 slot they touch a
 * space slot.  This is what pvmmu_mmu_map_range and its siblings accept.
 */
bool pvmmu_layout_va_range_in_space(uint64_t va, uint64_t count);

#endif

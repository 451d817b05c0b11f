/*
 * Address spaces: the unit pvmmu pins, switches to, saves and tears down.
 *
 * An address space is a tree of page tables for the user half of the virtual
 * address space (L4 slots 0..255), with two roots, because a 64-bit PV kernel
 * runs in ring 3 and Xen keeps separate tables for its kernel and user modes:
 *
 *   root       the kernel-mode L4: the user half, plus the kernel half (slots
 *              272..511) copied from the kernel's own L4, plus Xen's slots
 *              (256..271), which Xen fills in itself when it validates the L4;
 *   user_root  the user-mode L4: the same user half and nothing else.
 *
 * Both roots point at the same L3s, so there is one tree below them.
 *
 * Life cycle: created (unpinned, tables written with plain stores), pinned (every
 * table frame read-only, both roots pinned in Xen, updates by hypercall), switched
 * to, unpinned, destroyed.  Every address space sits in a registry, so that
 * pvmmu_pin_all() can find the unpinned ones before a save (see pinning/registry.c).
 */
#ifndef PVMMU_ASPACE_H
#define PVMMU_ASPACE_H

#include <stdbool.h>
#include <xen/pvmmu/pte.h>

enum pvmmu_aspace_state {
    PVMMU_AS_FREE,          /* not an address space (a free slot in the pool) */
    PVMMU_AS_CONSTRUCTING,  /* being populated; may be pinned or not */
    PVMMU_AS_LIVE,          /* in use by a workload */
    PVMMU_AS_TEARING_DOWN,  /* partly released; what is left is still a valid tree */
};

struct pvmmu_aspace {
    pvmmu_pfn_t root;
    pvmmu_pfn_t user_root;
    enum pvmmu_aspace_state state;
    bool pinned;        /* table frames read-only, roots pinned in Xen */
    bool save_pinned;   /* pinned by pvmmu_pin_all(); pvmmu_unpin_all() releases exactly these */
    bool is_kernel;     /* the kernel's own tables (from Xen's domain builder) */
    unsigned id;        /* index in the pool: stable, for reports */
    struct pvmmu_aspace *next_registered;
};

/* Table entries pvmmu writes above L1: present, writable, user-accessible. */
#define PVMMU_TABLE_FLAGS (PVMMU_PAGE_PRESENT | PVMMU_PAGE_RW | PVMMU_PAGE_USER | PVMMU_PAGE_ACCESSED)

/* How many address spaces can exist at once (the pool is static: no allocator needed). */
#define PVMMU_ASPACE_MAX 8192

/* Boot: take over the tables Xen built and loaded; they become the kernel address space. */
int pvmmu_aspace_adopt_kernel(pvmmu_pfn_t kernel_l4);
struct pvmmu_aspace *pvmmu_aspace_kernel(void);
struct pvmmu_aspace *pvmmu_aspace_current(void);

/* Whether `as` is an address space of the pool that has not been destroyed. */
bool pvmmu_aspace_exists(const struct pvmmu_aspace *as);
struct pvmmu_aspace *pvmmu_aspace_create(void);
struct pvmmu_aspace *pvmmu_aspace_fork(struct pvmmu_aspace *parent);
int pvmmu_aspace_destroy(struct pvmmu_aspace *as);
int pvmmu_aspace_switch(struct pvmmu_aspace *as);

/* Pinning: Xen validates the tree and holds it read-only until unpinned. */
int pvmmu_aspace_pin(struct pvmmu_aspace *as);
int pvmmu_aspace_unpin(struct pvmmu_aspace *as);
int pvmmu_pin_all(void);
int pvmmu_unpin_all(void);
struct pvmmu_aspace *pvmmu_registry_first(void);
struct pvmmu_aspace *pvmmu_registry_next(struct pvmmu_aspace *as);
unsigned pvmmu_registry_count(void);

#endif

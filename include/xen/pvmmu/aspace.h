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
 * pin_all() can find the unpinned ones before a save (see pinning/registry.c).
 */
#ifndef PVMMU_ASPACE_H
#define PVMMU_ASPACE_H

#include <stdbool.h>
#include <xen/pvmmu/pte.h>

enum aspace_state {
    AS_FREE,          /* not an address space (a free slot in the pool) */
    AS_CONSTRUCTING,  /* being populated; may be pinned or not */
    AS_LIVE,          /* in use by a workload */
    AS_TEARING_DOWN,  /* partly released; what is left is still a valid tree */
};

struct aspace {
    pfn_t root;
    pfn_t user_root;
    enum aspace_state state;
    bool pinned;        /* table frames read-only, roots pinned in Xen */
    bool save_pinned;   /* pinned by pin_all(); unpin_all() releases exactly these */
    bool is_kernel;     /* the kernel's own tables (from Xen's domain builder) */
    unsigned id;        /* index in the pool: stable, for reports */
    /*
     * The vCPUs that have it loaded, as a Xen vcpumask (bit n: vCPU n).  Only
     * they can hold its TLB entries: loading another root flushed everyone
     * else's.  A change that needs a flush sends it to these (mmu/tlb.c).
     */
    unsigned long loaded_on;
    struct aspace *next_registered;
};

/* Table entries pvmmu writes above L1: present, writable, user-accessible. */
#define TABLE_FLAGS (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED)

/* How many address spaces can exist at once (the pool is static: no allocator needed). */
#define ASPACE_MAX 8192

/* Boot: take over the tables Xen built and loaded; they become the kernel address space. */
int aspace_adopt_kernel(pfn_t kernel_l4);
struct aspace *aspace_kernel(void);
struct aspace *aspace_current(void);

/* Whether `as` is an address space of the pool that has not been destroyed. */
bool aspace_exists(const struct aspace *as);
struct aspace *aspace_create(void);
struct aspace *aspace_fork(struct aspace *parent);
int aspace_destroy(struct aspace *as);
int aspace_switch(struct aspace *as);

/* pinning/ */
int aspace_pin(struct aspace *as);
int aspace_unpin(struct aspace *as);
int unpin_queue(struct aspace *as);
void unpin_done(struct aspace *as);
int pin_all(void);
int unpin_all(void);
struct aspace *registry_first(void);
struct aspace *registry_next(struct aspace *as);
unsigned registry_count(void);
void registry_add(struct aspace *as);
void registry_remove(struct aspace *as);
void registry_forget(void);
/* mmu/aspace.c tells the registry which space is the kernel's and which is loaded. */
void registry_set_kernel(struct aspace *as);
void registry_set_current(struct aspace *as);

/*
 * The walker: visit every table frame of an address space's user half, leaves
 * first and the roots last (user root, then kernel root), skipping Xen's slots and
 * the kernel half, which belong to the kernel's own tables.  `level` is the
 * frame's level (1 = L1).  A non-zero return from visit stops the walk and is
 * returned.
 */
typedef int (*pt_visit_fn)(pfn_t table, int level, void *ctx);
int pt_walk(const struct aspace *as, pt_visit_fn visit, void *ctx);
int pt_walk_subtree(pfn_t table, int level, pt_visit_fn visit, void *ctx);
unsigned pt_count_frames(const struct aspace *as);

/*
 * Making table frames read-only (and back) in the kernel's direct map: the step
 * Xen requires before it will accept a frame as a page table.  Queued in the
 * current batch.
 */
int pin_make_table_ro(pfn_t table);
int pin_make_table_rw(pfn_t table);
int direct_map_l1e_read(pfn_t table, uint64_t *maddr, mpte_t *cur);

/* After Xen refused part of a pin or unpin: drive the address space to one definite state. */
int reconcile_unpinned(struct aspace *as);
int reconcile_pinned(struct aspace *as);
int reconcile_release_table(pfn_t table);

#endif

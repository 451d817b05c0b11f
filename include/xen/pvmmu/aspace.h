/*
 * Address spaces: the unit pvmmu pins, switches to, saves and tears down.
 *
 * An address space is a tree of page tables for its own L4 slots (in the default
 * layout, the user half: slots 0..255; <xen/pvmmu/layout.h> lets the embedder say
 * otherwise), with two roots, because a 64-bit PV kernel runs in ring 3 and Xen
 * keeps separate tables for its kernel and user modes:
 *
 *   root       the kernel-mode L4: the space's own slots, plus the kernel's slots
 *              (272..511 by default) copied from the kernel's own L4, plus Xen's
 *              slots (256..271), which Xen fills in itself when it validates the L4;
 *   user_root  the user-mode L4: the same own slots and nothing else.
 *
 * Both roots point at the same L3s, so there is one tree below them.  Under a
 * one-root layout (Mini-OS's) user_root is root.
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

/*
 * An address space, to the embedder: a handle.  What is in it is pvmmu's
 * (lib/aspace_int.h); ask pvmmu_aspace_root() / pvmmu_aspace_is_pinned() below.
 */
struct pvmmu_aspace;

/* Table entries pvmmu writes above L1: present, writable, user-accessible. */
#define PVMMU_TABLE_FLAGS (PVMMU_PAGE_PRESENT | PVMMU_PAGE_RW | PVMMU_PAGE_USER | PVMMU_PAGE_ACCESSED)

/* How many address spaces can exist at once (the pool is static: no allocator needed). */
#define PVMMU_ASPACE_MAX 8192

/*
 * Boot: take over the tables Xen built and loaded (start_info's pt_base, as a pfn);
 * they become the kernel address space, pinned and current.  Call once, after
 * pvmmu_p2m_init and before any other address-space call.  0, -XEN_EEXIST (adopted
 * already, reported) or -XEN_ENOMEM.
 */
int pvmmu_aspace_adopt_kernel(pvmmu_pfn_t kernel_l4);
/* The kernel's address space (NULL before adopt_kernel); the one this vCPU has loaded. */
struct pvmmu_aspace *pvmmu_aspace_kernel(void);
struct pvmmu_aspace *pvmmu_aspace_current(void);

/*
 * Several vCPUs: call pvmmu_aspace_vcpu_up() on a secondary vCPU once it runs on
 * the kernel's root (VCPUOP_initialise with the kernel's cr3), before its first
 * other pvmmu call: the kernel space becomes its current one and its loaded_on
 * names it.  pvmmu_aspace_vcpu_down() before it goes down (or is parked): it must
 * be on the kernel space with nothing queued.  vCPU 0 is up from
 * pvmmu_aspace_adopt_kernel on.  0, or -XEN_EINVAL (reported).
 */
int pvmmu_aspace_vcpu_up(void);
int pvmmu_aspace_vcpu_down(void);

/* Whether `as` is an address space of the pool that has not been destroyed. */
bool pvmmu_aspace_exists(const struct pvmmu_aspace *as);
/*
 * What an embedder may ask of a space without reading its fields: its kernel-mode
 * root (the L4 a vCPU's cr3 holds while it is loaded; the same frame as the user root
 * under a one-root layout) and whether Xen holds it pinned.  PVMMU_INVALID_PFN and false
 * for what is not an address space.
 */
pvmmu_pfn_t pvmmu_aspace_root(const struct pvmmu_aspace *as);
bool pvmmu_aspace_is_pinned(const struct pvmmu_aspace *as);
/*
 * A new, empty, unpinned address space: two roots from pvmmu_frame_alloc, the kernel
 * half copied from the kernel's L4.  NULL (reported) before adopt_kernel, when the
 * pool of PVMMU_ASPACE_MAX is full, or when frames run out.
 */
struct pvmmu_aspace *pvmmu_aspace_create(void);
/*
 * Fork-style duplication: the child gets its own copy of every table and shares the
 * data frames, mapped as the parent maps them.  The child starts unpinned.  NULL
 * (reported) on any failure, with nothing of the child left.
 */
struct pvmmu_aspace *pvmmu_aspace_fork(struct pvmmu_aspace *parent);
/*
 * Unpin if pinned, free every table frame (pvmmu_frame_free), forget `as`.  Refused
 * (-XEN_EINVAL, reported) for the kernel's and the current address space and for
 * one destroyed already.  The data frames mapped in it stay the caller's.
 *
 * Other vCPUs that have `as` loaded are made to let go of it first (Linux's
 * xen_drop_mm_ref): each runs, through pvmmu_platform_call_function, a switch to the
 * kernel's space and issues its batch, so it is on the kernel's space afterwards.
 * Unpin does the same.  A switch to `as` racing with either on another vCPU
 * either came first (it is dropped like the others) or is refused with
 * -XEN_EBUSY (docs/smp-locks.md).
 */
int pvmmu_aspace_destroy(struct pvmmu_aspace *as);
/*
 * Load `as` (both roots, MMUEXT_NEW_BASEPTR and NEW_USER_BASEPTR), pinning it first
 * if it is not: Xen loads only validated tables.  In lazy mode the switch is queued
 * with the batch; pvmmu_aspace_current() names `as` once it is issued.  0 or -XEN_E*.
 */
int pvmmu_aspace_switch(struct pvmmu_aspace *as);

/*
 * Pinning: Xen validates the tree and holds it read-only until unpinned; updates then
 * go through the batch.  Pin makes every table frame read-only in the direct map and
 * pins both roots, in as few traps as the batch allows; unpin is its mirror.  After a
 * refusal from Xen the space is driven back to one definite state (all pinned or
 * none) and the error returned.  0 or -XEN_E*, reported.
 */
int pvmmu_aspace_pin(struct pvmmu_aspace *as);
int pvmmu_aspace_unpin(struct pvmmu_aspace *as);
/*
 * Around a save (docs/embedding.md): pin every unpinned address space and mark it,
 * so the toolstack sees each tree as page tables and rewrites its machine frames; and
 * after the resume or a cancelled save, unpin exactly the marked ones.
 * pvmmu_suspend_and_resume calls both; call them yourself only if you do not use it.
 */
int pvmmu_pin_all(void);
int pvmmu_unpin_all(void);
/* Every address space that exists, the kernel's included: first, next (NULL at the end), count. */
struct pvmmu_aspace *pvmmu_registry_first(void);
struct pvmmu_aspace *pvmmu_registry_next(struct pvmmu_aspace *as);
unsigned pvmmu_registry_count(void);

#endif

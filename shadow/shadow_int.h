/*
 * Private to pvmmu's core: between the files of shadow/ only (include/xen/pvmmu/shadow.h
 * is the shadow backend's API).
 */
#ifndef PVMMU_SHADOW_INT_H
#define PVMMU_SHADOW_INT_H

#include <xen/pvmmu/shadow.h>
#include "lib/lib_int.h"
#include "lib/aspace_int.h"

/* One slot of the root cache: the shadow root of one guest root (or of linear mode). */
struct shadow_root {
    bool used;
    bool linear;         /* the 1:1 root of linear mode: no guest tables behind it */
    pfn_t groot;         /* the guest's L4 (INVALID_PFN for the linear root) */
    pfn_t sroot;         /* our L4, from the pool */
    uint64_t last_used;  /* the cache's clock when it was last switched to */
};

extern struct shadow_config shadow_cfg;
extern struct shadow_stats shadow_counts;

/* pool.c: the host's frames */
int spool_init(unsigned frames, uint64_t guest_pfns);
void spool_shutdown(void);
/* Shadow paging runs on vCPU 0 only: false (and the guest killed) on any other (init.c). */
bool shadow_on_one_vcpu(const char *what);
pfn_t spool_alloc(void);
void spool_free(pfn_t spfn);
mpte_t *stable(pfn_t spfn);
pfn_t stable_below(mpte_t sentry);

/* stree.c: shadow tables */
mpte_t *sentry_find(pfn_t sroot, uint64_t va, int level);
void sentry_release(mpte_t *sentry, int level);
void sroot_release_slots(pfn_t sroot, unsigned first, unsigned last);
void sroot_release_guest_slots(pfn_t sroot);

/* kill.c */
void shadow_kill_forget(void);

/* check.c: what the host accepts from a guest entry */
bool sguest_frame_ok(pfn_t pfn, const char *what, uint64_t va);
bool sguest_entry_ok(pte_t gentry, int level, uint64_t va);
bool sguest_entry_fits(pte_t gentry, int level);
mpte_t gpte_to_spte(pte_t gpte, bool writable);
mpte_t gtable_to_sentry(pfn_t spfn, pte_t gentry);
pte_t *gtable(pfn_t gpfn);
bool va_is_kernel_half(uint64_t va);
bool va_is_host_slot(uint64_t va);

/* cache.c: the shadow roots */
void scache_init(void);
void scache_shutdown(void);
struct shadow_root *scache_current(void);
struct shadow_root *scache_find(pfn_t groot);
struct shadow_root *scache_slot(unsigned i);
bool scache_make_room(unsigned frames);
void scache_note_drop(const struct shadow_root *r);

/* guest.c: the guest kernel's tables */
void shadow_guest_set_current(struct aspace *as);
bool shadow_guest_is_space(const struct aspace *as);
struct aspace *shadow_guest_space_take(void);
void shadow_guest_space_put(struct aspace *as);
pte_t *shadow_guest_entry_alloc(struct aspace *as, uint64_t va, int level);
void shadow_guest_free_subtree(pfn_t table, int level);
pfn_t shadow_guest_copy_subtree(pfn_t from, int level);
void shadow_guest_copy_kernel_half(pfn_t root);

#endif

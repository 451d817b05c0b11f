/*
 * The shadow backend: lguest's demand-paging core, four levels deep.
 *
 * On a host that cannot validate PV page tables, the guest's tables are
 * untrusted data in guest-physical terms (pte_t: pfn | flags) and the hardware
 * walks "shadow" tables the host keeps (mpte_t: mfn | flags), filled lazily on
 * page faults.  Two halves live here:
 *
 *   the host      (shadow_init .. shadow_demand_page): what a hypervisor without
 *                 PV support runs.  The guest tells it about every entry it
 *                 changes (shadow_set_pte .. shadow_set_pgd, lguest's
 *                 LHCALL_SET_PTE / SET_PMD / SET_PGD), switches roots with
 *                 shadow_new_root (LHCALL_NEW_PGTABLE), and the #PF handler calls
 *                 shadow_demand_page.  CR3 holds shadow_cr3().
 *   the guest     (shadow_backend): a guest kernel's side of the same bargain,
 *                 behind the one MMU API of backend.h, writing its own pte_t
 *                 tables and making those calls.
 *
 * Vocabulary, as lguest has it: s for shadow, g for guest (spte / gpte, sroot /
 * groot).  A guest root is named by the pfn of its L4.  shadow/ tells the story;
 * docs/shadow.md has the figures.
 */
#ifndef PVMMU_SHADOW_H
#define PVMMU_SHADOW_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <xen/pvmmu/backend.h>
#include <xen/pvmmu/lib.h>

/* --- the host --------------------------------------------------------------- */

enum shadow_evict {
    SHADOW_EVICT_LRU,       /* throw out the root used longest ago */
    SHADOW_EVICT_RANDOM,    /* lguest's policy: any root, chosen at random */
    SHADOW_EVICT_ADAPTIVE,  /* LRU until evicted roots keep coming back, then the newest: default */
};

/* The most shadow roots the cache can be configured to keep. */
#define SHADOW_CACHE_MAX 64
/* The most frames the host can set aside for shadow tables. */
#define SHADOW_POOL_MAX 16384
/* The largest guest the host-frame bitmap covers: 64 bitmap frames, 8 GiB. */
#define SHADOW_GUEST_PFNS_MAX (64ULL * PAGE_SIZE * 8)

struct shadow_config {
    uint64_t guest_pfns;       /* the guest's memory: pfns [0, guest_pfns) */
    unsigned cache_roots;      /* shadow roots kept at once, 1..SHADOW_CACHE_MAX */
    enum shadow_evict policy;
    unsigned pool_frames;      /* frames set aside for shadow tables, at least 8: the budget */
    uint64_t seed;             /* for SHADOW_EVICT_RANDOM */
    /*
     * A fault also fills the Accessed neighbours of its L1 entry, in the
     * aligned window of this many entries (demand.c): 0 (off) or a power of
     * two up to 512.
     */
    unsigned prefetch;
};

/* The prefetch window (KVM's 8), pvmmu's default; docs/bench-shadow.md measures it at equal budgets. */
#define SHADOW_PREFETCH_WINDOW 8

/* pvmmu's choice (docs/shadow.md says why): 32 roots, adaptive LRU, a 1024-frame pool, prefetch 8. */
extern const struct shadow_config shadow_default_config;
/* lguest's: 4 roots, random eviction, no prefetch (the same pool, so only the policy differs). */
extern const struct shadow_config shadow_lguest_config;

/*
 * Take the pool, and start in linear mode (every guest page at its own pfn,
 * supervisor read-write) until the guest loads its first root.  0 or -XEN_E*.
 */
int shadow_init(const struct shadow_config *cfg);
/* Free every shadow table and the pool; the host forgets the guest. */
void shadow_shutdown(void);
/*
 * A frame of the guest's range that is the host's (its kernel image, its
 * tables): no shadow entry will ever map it, and a guest entry naming it kills
 * the guest.  Shadows that exist are thrown away, so it is safe at any time.
 */
int shadow_reserve_host_frame(pfn_t pfn);
bool shadow_is_host_frame(pfn_t pfn);
/* The host's own mapping in L4 slot 256..271 of every shadow root (lguest's Switcher). */
int shadow_set_host_l4e(unsigned slot, mpte_t e);

/* The guest's calls.  groot: the pfn of the guest L4 whose entry changed. */
void shadow_set_pte(pfn_t groot, uint64_t va, pte_t gpte);  /* an L1 entry, with its new value */
void shadow_set_pmd(pfn_t groot, uint64_t va);              /* the L2 entry covering va */
void shadow_set_pud(pfn_t groot, uint64_t va);              /* the L3 entry covering va */
void shadow_set_pgd(pfn_t groot, uint64_t va);              /* the L4 entry covering va */
/* Switch to guest root groot: its shadow root, from the cache or new.  0 or -XEN_E*. */
int shadow_new_root(pfn_t groot);
/* The guest's TLB flush: drop the current root's user mappings (lguest's flush). */
void shadow_flush_user(void);
void shadow_invlpg(uint64_t va);
/* Throw every shadow entry away, in every root: for when nothing else is safe. */
void shadow_clear_all(void);
/*
 * pin / unpin: once groot's shadow root is cached, evict it only when every
 * other root is pinned too (M:950) / make it an ordinary root again.
 */
int shadow_hold_root(pfn_t groot);
void shadow_release_root(pfn_t groot);
/* The guest freed the L4 at groot: its shadow goes, so a reused frame starts clean. */
void shadow_forget_root(pfn_t groot);

/* What CR3 must hold now (the linear root in linear mode). */
mfn_t shadow_cr3(void);
/*
 * Whether an entry of the loaded root was dropped (or the root changed) since
 * the last call: the carrier flushes the TLB before it returns to the guest.
 */
bool shadow_tlb_flush_needed(void);
bool shadow_linear_mode(void);

/* x86 page-fault error code bits, as the CPU pushes them. */
#define PF_PROT  (1u << 0)   /* the page was present: a protection fault */
#define PF_WRITE (1u << 1)
#define PF_USER  (1u << 2)
#define PF_RSVD  (1u << 3)
#define PF_INSTR (1u << 4)

enum shadow_fault {
    SHADOW_FIXED,     /* the shadow now maps it: retry the access */
    SHADOW_REFLECT,   /* the guest's own fault: deliver #PF to the guest */
    SHADOW_KILLED,    /* the guest is dead (shadow_kill_reason says why) */
};
enum shadow_fault shadow_demand_page(uint64_t va, unsigned errcode);

/* lguest's kill_guest: the first reason is kept, later ones are ignored. */
void shadow_kill_guest(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool shadow_guest_dead(void);
const char *shadow_kill_reason(void);

/* Counted, not timed. */
struct shadow_stats {
    unsigned long demand_faults;     /* shadow_demand_page calls */
    unsigned long fixed;             /* ... that installed an entry */
    unsigned long reflected;         /* ... that were the guest's own */
    unsigned long preinstalls;       /* sptes put in by shadow_set_pte (A set) */
    unsigned long prefetched;        /* sptes put in beside a fault's (A set): work, not faults */
    unsigned long invalidations;     /* shadow entries dropped because the guest changed one */
    unsigned long root_hits;         /* shadow_new_root found the root cached */
    unsigned long root_builds;       /* ... had to start one */
    unsigned long evictions;         /* cached roots thrown out to make room */
    unsigned long tables_allocated;  /* shadow table frames taken from the pool */
    unsigned long user_flushes;
    unsigned long clear_alls;
};
const struct shadow_stats *shadow_stats(void);
void shadow_reset_stats(void);
unsigned shadow_pool_free(void);
unsigned shadow_cached_roots(void);
/* The shadow root cached for groot (INVALID_MFN if none): for tests and the carrier. */
mfn_t shadow_sroot_of(pfn_t groot);

/* --- the guest ----------------------------------------------------------------- */

extern const struct mmu_backend shadow_backend;

/*
 * The guest kernel's address space: its root carries the kernel half (L4 slots
 * 272..511) that every address space created afterwards shares.  Call after
 * shadow_init.  0 or -XEN_E*.
 */
int shadow_guest_init(void);
struct aspace *shadow_guest_kernel(void);
struct aspace *shadow_guest_current(void);
/* Map one kernel-half page in every address space (the guest kernel's own mapping). */
int shadow_guest_map_kernel(uint64_t va, pfn_t pfn, uint64_t flags);
/* The guest's entry for va at `level` (1..4) of `as`, or NULL if a table above is missing. */
pte_t *shadow_guest_entry(const struct aspace *as, uint64_t va, int level);
/* Forget every guest address space (hosted tests boot a new machine per case). */
void shadow_guest_forget(void);

/* --- between the files of shadow/ only ----------------------------------------------------- */

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

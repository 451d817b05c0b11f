/*
 * The shadow backend: lguest's demand-paging core, four levels deep.
 *
 * On a host that cannot validate PV page tables, the guest's tables are
 * untrusted data in guest-physical terms (pvmmu_pte_t: pfn | flags) and the hardware
 * walks "shadow" tables the host keeps (pvmmu_mpte_t: mfn | flags), filled lazily on
 * page faults.  Two halves live here:
 *
 *   the host      (pvmmu_shadow_init .. pvmmu_shadow_demand_page): what a hypervisor without
 *                 PV support runs.  The guest tells it about every entry it
 *                 changes (pvmmu_shadow_set_pte .. pvmmu_shadow_set_pgd, lguest's
 *                 LHCALL_SET_PTE / SET_PMD / SET_PGD), switches roots with
 *                 pvmmu_shadow_new_root (LHCALL_NEW_PGTABLE), and the #PF handler calls
 *                 pvmmu_shadow_demand_page.  CR3 holds pvmmu_shadow_cr3().
 *   the guest     (pvmmu_shadow_backend): a guest kernel's side of the same bargain,
 *                 behind the one MMU API of backend.h, writing its own pvmmu_pte_t
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

/* --- the host --------------------------------------------------------------- */

enum pvmmu_shadow_evict {
    PVMMU_SHADOW_EVICT_LRU,       /* throw out the root used longest ago */
    PVMMU_SHADOW_EVICT_RANDOM,    /* lguest's policy: any root, chosen at random */
    PVMMU_SHADOW_EVICT_ADAPTIVE,  /* LRU until evicted roots keep coming back, then the newest: default */
};

/* The most shadow roots the cache can be configured to keep. */
#define PVMMU_SHADOW_CACHE_MAX 64
/* The most frames the host can set aside for shadow tables. */
#define PVMMU_SHADOW_POOL_MAX 16384
/* The largest guest the host-frame bitmap covers: 64 bitmap frames, 8 GiB. */
#define PVMMU_SHADOW_GUEST_PFNS_MAX (64ULL * PVMMU_PAGE_SIZE * 8)

struct pvmmu_shadow_config {
    uint64_t guest_pfns;       /* the guest's memory: pfns [0, guest_pfns) */
    unsigned cache_roots;      /* shadow roots kept at once, 1..PVMMU_SHADOW_CACHE_MAX */
    enum pvmmu_shadow_evict policy;
    unsigned pool_frames;      /* frames set aside for shadow tables, at least 8: the budget */
    uint64_t seed;             /* for PVMMU_SHADOW_EVICT_RANDOM */
    /*
     * A fault also fills the Accessed neighbours of its L1 entry, in the
     * aligned window of this many entries (demand.c): 0 (off) or a power of
     * two up to 512.
     */
    unsigned prefetch;
};

/* The prefetch window (KVM's 8), pvmmu's default; docs/bench-shadow.md measures it at equal budgets. */
#define PVMMU_SHADOW_PREFETCH_WINDOW 8

/* pvmmu's choice (docs/shadow.md says why): 32 roots, adaptive LRU, a 1024-frame pool, prefetch 8. */
extern const struct pvmmu_shadow_config pvmmu_shadow_default_config;
/* lguest's: 4 roots, random eviction, no prefetch (the same pool, so only the policy differs). */
extern const struct pvmmu_shadow_config pvmmu_shadow_lguest_config;

/*
 * Take the pool, and start in linear mode (every guest page at its own pfn,
 * supervisor read-write) until the guest loads its first root.  0 or -XEN_E*.
 */
int pvmmu_shadow_init(const struct pvmmu_shadow_config *cfg);
/* Free every shadow table and the pool; the host forgets the guest. */
void pvmmu_shadow_shutdown(void);
/*
 * A frame of the guest's range that is the host's (its kernel image, its
 * tables): no shadow entry will ever map it, and a guest entry naming it kills
 * the guest.  Shadows that exist are thrown away, so it is safe at any time.
 */
int pvmmu_shadow_reserve_host_frame(pvmmu_pfn_t pfn);
bool pvmmu_shadow_is_host_frame(pvmmu_pfn_t pfn);
/* The host's own mapping in L4 slot 256..271 of every shadow root (lguest's Switcher). */
int pvmmu_shadow_set_host_l4e(unsigned slot, pvmmu_mpte_t e);

/* The guest's calls.  groot: the pfn of the guest L4 whose entry changed. */
void pvmmu_shadow_set_pte(pvmmu_pfn_t groot, uint64_t va, pvmmu_pte_t gpte);  /* an L1 entry, with its new value */
void pvmmu_shadow_set_pmd(pvmmu_pfn_t groot, uint64_t va);              /* the L2 entry covering va */
void pvmmu_shadow_set_pud(pvmmu_pfn_t groot, uint64_t va);              /* the L3 entry covering va */
void pvmmu_shadow_set_pgd(pvmmu_pfn_t groot, uint64_t va);              /* the L4 entry covering va */
/* Switch to guest root groot: its shadow root, from the cache or new.  0 or -XEN_E*. */
int pvmmu_shadow_new_root(pvmmu_pfn_t groot);
/* The guest's TLB flush: drop the current root's user mappings (lguest's flush). */
void pvmmu_shadow_flush_user(void);
void pvmmu_shadow_invlpg(uint64_t va);
/* Throw every shadow entry away, in every root: for when nothing else is safe. */
void pvmmu_shadow_clear_all(void);
/*
 * pin / unpin: once groot's shadow root is cached, evict it only when every
 * other root is pinned too (M:950) / make it an ordinary root again.
 */
int pvmmu_shadow_hold_root(pvmmu_pfn_t groot);
void pvmmu_shadow_release_root(pvmmu_pfn_t groot);
/* The guest freed the L4 at groot: its shadow goes, so a reused frame starts clean. */
void pvmmu_shadow_forget_root(pvmmu_pfn_t groot);

/* What CR3 must hold now (the linear root in linear mode). */
pvmmu_mfn_t pvmmu_shadow_cr3(void);
/*
 * Whether an entry of the loaded root was dropped (or the root changed) since
 * the last call: the carrier flushes the TLB before it returns to the guest.
 */
bool pvmmu_shadow_tlb_flush_needed(void);
bool pvmmu_shadow_linear_mode(void);

/* x86 page-fault error code bits, as the CPU pushes them. */
#define PVMMU_PF_PROT  (1u << 0)   /* the page was present: a protection fault */
#define PVMMU_PF_WRITE (1u << 1)
#define PVMMU_PF_USER  (1u << 2)
#define PVMMU_PF_RSVD  (1u << 3)
#define PVMMU_PF_INSTR (1u << 4)

enum pvmmu_shadow_fault {
    PVMMU_SHADOW_FIXED,     /* the shadow now maps it: retry the access */
    PVMMU_SHADOW_REFLECT,   /* the guest's own fault: deliver #PF to the guest */
    PVMMU_SHADOW_KILLED,    /* the guest is dead (pvmmu_shadow_kill_reason says why) */
};
enum pvmmu_shadow_fault pvmmu_shadow_demand_page(uint64_t va, unsigned errcode);

/* lguest's kill_guest: the first reason is kept, later ones are ignored. */
void pvmmu_shadow_kill_guest(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool pvmmu_shadow_guest_dead(void);
const char *pvmmu_shadow_kill_reason(void);

/* Counted, not timed. */
struct pvmmu_shadow_stats {
    unsigned long demand_faults;     /* pvmmu_shadow_demand_page calls */
    unsigned long fixed;             /* ... that installed an entry */
    unsigned long reflected;         /* ... that were the guest's own */
    unsigned long preinstalls;       /* sptes put in by pvmmu_shadow_set_pte (A set) */
    unsigned long prefetched;        /* sptes put in beside a fault's (A set): work, not faults */
    unsigned long invalidations;     /* shadow entries dropped because the guest changed one */
    unsigned long root_hits;         /* pvmmu_shadow_new_root found the root cached */
    unsigned long root_builds;       /* ... had to start one */
    unsigned long evictions;         /* cached roots thrown out to make room */
    unsigned long tables_allocated;  /* shadow table frames taken from the pool */
    unsigned long user_flushes;
    unsigned long clear_alls;
};
const struct pvmmu_shadow_stats *pvmmu_shadow_stats(void);
void pvmmu_shadow_reset_stats(void);
unsigned pvmmu_shadow_pool_free(void);
unsigned pvmmu_shadow_cached_roots(void);
/* The shadow root cached for groot (PVMMU_INVALID_MFN if none): for tests and the carrier. */
pvmmu_mfn_t pvmmu_shadow_sroot_of(pvmmu_pfn_t groot);

/* --- the guest ----------------------------------------------------------------- */

extern const struct pvmmu_mmu_backend pvmmu_shadow_backend;

/*
 * The guest kernel's address space: its root carries the kernel half (L4 slots
 * 272..511) that every address space created afterwards shares.  Call after
 * pvmmu_shadow_init.  0 or -XEN_E*.
 */
int pvmmu_shadow_guest_init(void);
struct pvmmu_aspace *pvmmu_shadow_guest_kernel(void);
struct pvmmu_aspace *pvmmu_shadow_guest_current(void);
/* Map one kernel-half page in every address space (the guest kernel's own mapping). */
int pvmmu_shadow_guest_map_kernel(uint64_t va, pvmmu_pfn_t pfn, uint64_t flags);
/* The guest's entry for va at `level` (1..4) of `as`, or NULL if a table above is missing. */
pvmmu_pte_t *pvmmu_shadow_guest_entry(const struct pvmmu_aspace *as, uint64_t va, int level);
/* Forget every guest address space (hosted tests boot a new machine per case). */
void pvmmu_shadow_guest_forget(void);

#endif

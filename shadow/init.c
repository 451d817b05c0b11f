/*S:100 Shadow paging: lguest's demand-paging core, four levels deep.
 *
 * On a host without PV support nobody validates the guest's page tables, so we
 * must not let the hardware walk them.  The guest keeps its tables in its own
 * terms (pte_t: a pfn and flags), and we keep the real ones, the "shadow"
 * tables (mpte_t: a machine frame and flags), which CR3 points at.  We fill them
 * lazily: the guest runs on nearly empty shadows, faults, and we look at what
 * its tables say, check it, and copy it in.  lguest did this for two-level and
 * PAE tables; x86_64 has four levels, and that changes less than you would fear
 * and more than you would hope.  The parts, in reading order:
 *
 *  (i)    the host's frames, set aside once (pool.c), and the guest's fate
 *         (kill.c);
 *  (ii)   what we accept from a guest entry, and how it becomes a shadow entry
 *         (check.c);
 *  (iii)  looking up an entry when the guest faults: demand_page (demand.c),
 *         including the 1:1 "linear" mode before the guest has any tables;
 *  (iv)   the shadow tables themselves: finding and releasing (stree.c);
 *  (v)    the guest telling us an entry changed, flushes, and throwing
 *         everything away (update.c);
 *  (vi)   switching roots: the cache of shadow roots and what it evicts
 *         (cache.c), with the host's own L4 slots (lguest's Switcher);
 *  (vii)  the guest's side of the bargain, behind the one MMU API (guest.c,
 *         backend_shadow.c).
 *
 * This file only holds the settings and the counters. :*/
#include "lib/lib_int.h"
#include <xen/pvmmu/layout.h>
#include <xen/pvmmu/report.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/shadow.h>
#include "shadow/shadow_int.h"

/*S:110 How many roots to keep, and which to throw out.  lguest kept 4 and threw
 * out one at random.  A guest that runs more than 4 processes round-robin then
 * rebuilds nearly every switch, and each rebuild is one fault per page the
 * process touches.  We keep 32, and throw out the one used longest ago unless
 * the guest is cycling through more roots than we keep (cache.c); the pool of
 * 1024 frames (4 MiB) is what really bounds the memory, since a root with a
 * small working set costs only a handful of frames (docs/shadow.md).
 *
 * And a root that was thrown out anyway comes back cheaper: a fault fills the
 * entries beside its own that the guest's L1 says were touched (demand.c), 8
 * at a time as KVM does, so a rebuild takes a fault per 8 pages instead of
 * one per page.  lguest did not; its configuration keeps that off, and
 * docs/bench-shadow.md measures each choice alone at equal pools. :*/
const struct shadow_config shadow_default_config = {
    .guest_pfns = 0,
    .cache_roots = 32,
    .policy = SHADOW_EVICT_ADAPTIVE,
    .pool_frames = 1024,
    .seed = 1,
    .prefetch = SHADOW_PREFETCH_WINDOW,
};

const struct shadow_config shadow_lguest_config = {
    .guest_pfns = 0,
    .cache_roots = 4,
    .policy = SHADOW_EVICT_RANDOM,
    .pool_frames = 1024,
    .seed = 1,
    .prefetch = 0,
};

struct shadow_config shadow_cfg;
struct shadow_stats shadow_counts;

/*
 * The shadow backend plays the hardware for pvmmu's own kernels, whose layout it
 * knows by heart (the kernel in slots 272..511, a user root per space): it has no
 * other layout to follow yet.
 */
static bool layout_is_the_default(void)
{
    struct pvmmu_layout l = layout_get();

    return l.kernel_first_slot == L4_KERNEL_FIRST && l.kernel_last_slot == L4_KERNEL_LAST && l.user_root;
}

static bool config_ok(const struct shadow_config *cfg)
{
    if (!layout_is_the_default())
        pvmmu_error("shadow_init: the shadow backend knows only the default layout (the kernel in L4 "
                    "slots %u..%u, a user root per space); pvmmu_layout_init described another",
                    L4_KERNEL_FIRST, L4_KERNEL_LAST);
    else if (!cfg->guest_pfns || cfg->guest_pfns > SHADOW_GUEST_PFNS_MAX)
        pvmmu_error("shadow_init: guest_pfns %llu is not in 1..%llu",
                    (unsigned long long)cfg->guest_pfns, (unsigned long long)SHADOW_GUEST_PFNS_MAX);
    else if (!cfg->cache_roots || cfg->cache_roots > SHADOW_CACHE_MAX)
        pvmmu_error("shadow_init: cache_roots %u is not in 1..%u", cfg->cache_roots,
                    SHADOW_CACHE_MAX);
    /* A fault needs a root and three tables below it, and eviction can always free the rest. */
    else if (cfg->pool_frames < 8 || cfg->pool_frames > SHADOW_POOL_MAX)
        pvmmu_error("shadow_init: pool_frames %u is not in 8..%u", cfg->pool_frames,
                    SHADOW_POOL_MAX);
    else if (cfg->prefetch > PT_ENTRIES || (cfg->prefetch & (cfg->prefetch - 1)))
        pvmmu_error("shadow_init: prefetch %u is not 0 or a power of two up to %u", cfg->prefetch,
                    PT_ENTRIES);
    else if (cfg->policy != SHADOW_EVICT_LRU && cfg->policy != SHADOW_EVICT_RANDOM &&
             cfg->policy != SHADOW_EVICT_ADAPTIVE)
        pvmmu_error("shadow_init: unknown eviction policy %d", (int)cfg->policy);
    else
        return true;
    return false;
}

/*
 * Shadow paging is single-vCPU: its caches, pool and current root are one set,
 * with no lock (docs/smp-locks.md).  It runs on vCPU 0 only; a call on any
 * other kills the guest (shadow_on_one_vcpu) rather than share them unlocked.
 */
bool shadow_on_one_vcpu(const char *what)
{
    if (platform_vcpu_id() == 0)
        return true;
    shadow_kill_guest("%s on vCPU %u: shadow paging is single-vCPU (vCPU 0 only)", what,
                      platform_vcpu_id());
    return false;
}

int shadow_init(const struct shadow_config *cfg)
{
    int rc;

    if (platform_vcpu_id() != 0) {
        pvmmu_error("shadow_init on vCPU %u: shadow paging is single-vCPU (vCPU 0 only)",
                    platform_vcpu_id());
        return -XEN_EINVAL;
    }
    if (!config_ok(cfg))
        return -XEN_EINVAL;
    shadow_cfg = *cfg;
    shadow_reset_stats();
    shadow_kill_forget();
    rc = spool_init(cfg->pool_frames, cfg->guest_pfns);
    if (rc) {
        spool_shutdown();
        return rc;
    }
    scache_init();
    if (!scache_current()) {
        shadow_shutdown();
        return -XEN_ENOMEM;
    }
    return 0;
}

void shadow_shutdown(void)
{
    scache_shutdown();
    spool_shutdown();
}

const struct shadow_stats *shadow_stats(void)
{
    return &shadow_counts;
}

void shadow_reset_stats(void)
{
    mem_set(&shadow_counts, 0, sizeof(shadow_counts));
}

/*X:100 The guest calls the host.
 *
 * On a real shadow hypervisor (lguest) every change the guest makes to its page
 * tables is a hypercall, and the host, before it returns, puts CR3 right: the
 * cached shadow root of whatever the guest switched to, freshly loaded if the
 * host dropped an entry the TLB may still hold.  Here guest and host are one
 * kernel, so a hypercall is a function call, but the rule is the same, and it
 * is all this file does: every operation of the shadow backend is followed by
 * host_return().  So is every page fault (traps.c).  Nothing else ever writes
 * CR3 once the guest runs.
 *
 * It also counts what the shadow core cannot see from inside: how many of its
 * faults are spent rebuilding roots the cache threw out, rather than on first
 * touches.  A guest root whose shadow is built a second time (without the
 * guest having destroyed it in between) is a rebuilt root, and the fixed
 * faults taken while it is loaded are rebuild faults. :*/
#include "lib/lib_int.h"
#include <xen/pvmmu/shadow.h>
#include "console.h"
#include "cpu.h"
#include "host.h"
#include "lib/aspace_int.h"

static uint64_t loaded_cr3;
static struct host_counts counts;
/* Per guest root (its L4's pfn): shadowed before; and: its present shadow is a rebuild. */
static uint8_t shadowed_before[SHADOW_GUEST_PFNS_MAX / 8], rebuilt[SHADOW_GUEST_PFNS_MAX / 8];
static bool current_is_rebuild;

static bool test(const uint8_t *map, pfn_t p) { return map[pfn_x(p) / 8] >> (pfn_x(p) % 8) & 1; }
static void put(uint8_t *map, pfn_t p, bool v)
{
    map[pfn_x(p) / 8] = (uint8_t)((map[pfn_x(p) / 8] & ~(1u << (pfn_x(p) % 8))) | (unsigned)v << (pfn_x(p) % 8));
}

_Noreturn void host_stop_dead_guest(uint64_t va, uint64_t rip)
{
    wl_check(false, "metal-guest-alive", "the host killed the guest at va %#llx (rip %#llx): %s",
             (unsigned long long)va, (unsigned long long)rip, shadow_kill_reason());
    finish();
}

/* A guest call can kill the guest too (an Accessed entry naming a host frame, a host slot). */
void host_return(void)
{
    uint64_t cr3 = mfn_to_maddr(shadow_cr3());

    if (shadow_guest_dead())
        host_stop_dead_guest(0, (uint64_t)(uintptr_t)__builtin_return_address(0));

    if (shadow_tlb_flush_needed() || cr3 != loaded_cr3) {
        write_cr3(cr3);
        loaded_cr3 = cr3;
        counts.cr3_loads++;
    }
}

void host_note_fixed(void)
{
    counts.rebuild_faults += current_is_rebuild;
}

const struct host_counts *host_counts(void)
{
    return &counts;
}

static struct aspace *m_create(void)
{
    struct aspace *as = shadow_backend.create();

    host_return();
    return as;
}

static struct aspace *m_fork(struct aspace *parent)
{
    struct aspace *as = shadow_backend.fork(parent);

    host_return();
    return as;
}

static int m_destroy(struct aspace *as)
{
    pfn_t root = as ? as->root : INVALID_PFN;
    int rc = shadow_backend.destroy(as);

    /* The frame may come back as somebody else's root: that would be a first build. */
    if (!rc && pfn_x(root) < SHADOW_GUEST_PFNS_MAX) {
        put(shadowed_before, root, false);
        put(rebuilt, root, false);
    }
    host_return();
    return rc;
}

static int m_switch(struct aspace *as)
{
    unsigned long builds = shadow_stats()->root_builds;
    int rc = shadow_backend.switch_to(as);

    if (!rc && pfn_x(as->root) < SHADOW_GUEST_PFNS_MAX) {
        if (shadow_stats()->root_builds != builds) {
            put(rebuilt, as->root, test(shadowed_before, as->root));
            put(shadowed_before, as->root, true);
            counts.rebuilt_roots += test(rebuilt, as->root);
        }
        current_is_rebuild = test(rebuilt, as->root);
    }
    host_return();
    return rc;
}

#define WRAP(op, params, args)                        \
    static int m_##op params                          \
    {                                                 \
        int rc = shadow_backend.op args;              \
                                                      \
        host_return();                                \
        return rc;                                    \
    }
WRAP(pin, (struct aspace *as), (as))
WRAP(unpin, (struct aspace *as), (as))
WRAP(map_range, (struct aspace *as, uint64_t va, const pfn_t *pfns, uint64_t count, uint64_t flags),
     (as, va, pfns, count, flags))
WRAP(unmap_range, (struct aspace *as, uint64_t va, uint64_t count), (as, va, count))
WRAP(protect_range, (struct aspace *as, uint64_t va, uint64_t count, enum mmu_prot prot),
     (as, va, count, prot))
WRAP(flush_tlb, (void), ())
WRAP(invlpg, (uint64_t va), (va))
#undef WRAP

/* A lookup only reads the guest's own tables: nothing of the host's changes. */
static int m_lookup(const struct aspace *as, uint64_t va, pte_t *out)
{
    return shadow_backend.lookup(as, va, out);
}

static const struct mmu_backend metal_backend = {
    .name = "shadow (bare x86)",
    .create = m_create,
    .fork = m_fork,
    .destroy = m_destroy,
    .switch_to = m_switch,
    .pin = m_pin,
    .unpin = m_unpin,
    .map_range = m_map_range,
    .unmap_range = m_unmap_range,
    .protect_range = m_protect_range,
    .lookup = m_lookup,
    .flush_tlb = m_flush_tlb,
    .invlpg = m_invlpg,
};

const struct wl_mmu metal_mmu = {
    .ops = &metal_backend,
    .kernel = shadow_guest_kernel,
    .current = shadow_guest_current,
    .traps = false,
};

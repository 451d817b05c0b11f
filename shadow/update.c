/*S:600 The guest tells us an entry changed.
 *
 * We already fill the shadow on demand, so when the guest changes an entry we
 * can mostly just drop the shadow of it: if the guest uses the new entry, it
 * faults and demand_page() copies it in.  Dropping an upper entry drops the
 * whole shadow subtree below it (stree.c), which is exactly right: everything
 * below was built through the entry that changed.
 *
 * Which shadow roots can see the change?  A user-half entry (L4 slots 0..255)
 * belongs to one guest root, the one the guest names.  A kernel-half entry
 * (slots 272..511) is in every guest root, by the guest's own convention, so
 * every cached root is told, as lguest did for kernel PTEs.  The guest naming
 * a root we have not cached costs nothing: there is no shadow of it to fix.
 * And the host's slots (256..271) are not the guest's to change at all.
 *
 * The guest must tell us about every entry it changes, as a PV guest must use
 * hypercalls for its page tables; one that writes an entry and keeps quiet
 * only fools itself, since a stale shadow entry still only ever maps the
 * guest's own memory (pool.c).  Its TLB flush (shadow_flush_user) is the
 * catch-all that drops every user mapping of the current root, for guests that
 * cannot say precisely what they changed. :*/
/*M:920 We rely on the guest to report every change.  A guest that writes its
 * tables natively (an unmodified kernel) needs the host to notice instead:
 * write-protect every guest table frame in the shadows and emulate the writes,
 * or let L1s go out of sync and resync them at the guest's TLB flush, as KVM's
 * shadow MMU and Xen's shadow-3 do.  That is the next step for running guests
 * that are not ours. :*/
/*M:930 A guest table shared by two guest roots, changed and reported through
 * one of them, leaves the other's shadow stale.  It is the guest's own
 * confusion and can never reach the host (pool.c), but a reverse map from
 * guest table frames to the shadow entries built from them would make it
 * right, and would also let us drop a guest table's shadows when the guest
 * frees the frame. :*/
#include <xen/pvmmu/shadow.h>
#include "shadow/shadow_int.h"

typedef void (*sroot_update_fn)(struct shadow_root *r, uint64_t va, const void *arg);

/* Run fn on every cached root that can see the guest entry for va in groot. */
static void for_roots_seeing(pfn_t groot, uint64_t va, sroot_update_fn fn, const void *arg)
{
    unsigned i;

    if (va_is_host_slot(va)) {
        shadow_kill_guest("the guest tried to change an entry in the host's L4 slot %u (va 0x%llx)",
                          pt_index(va, PT_LEVELS), (unsigned long long)va);
        return;
    }
    if (!va_is_kernel_half(va)) {
        struct shadow_root *r = scache_find(groot);

        if (r)
            fn(r, va, arg);
        return;
    }
    for (i = 0; i < SHADOW_CACHE_MAX; i++) {
        struct shadow_root *r = scache_slot(i);

        if (r && !r->linear)
            fn(r, va, arg);
    }
}

static void drop_entry(struct shadow_root *r, uint64_t va, int level)
{
    mpte_t *sentry = sentry_find(r->sroot, va, level);

    if (sentry && sentry->v) {
        scache_note_drop(r);
        sentry_release(sentry, level);
        shadow_counts.invalidations++;
    }
}

/*S:620 An L1 entry gets one more chance, thanks to Avi Kivity's observation
 * that lguest quotes: most kernels set Accessed (and Dirty, for a page about to
 * be written) in a new entry themselves.  If the guest says the page is
 * Accessed, we may as well put the entry in now instead of waiting for the
 * fault; writable only if it is Dirty too, for the reason demand.c gives.
 * lguest found this shaved 10% off a copy-on-write benchmark.  It is checked
 * like any other entry, and only done where the shadow tables above it exist
 * already: the point is to save a fault, not to build tables speculatively. :*/
static void set_pte_in(struct shadow_root *r, uint64_t va, const void *arg)
{
    pte_t gpte = *(const pte_t *)arg;
    mpte_t *spte = sentry_find(r->sroot, va, 1);

    if (!spte)
        return;
    if (spte->v) {
        shadow_counts.invalidations++;
        scache_note_drop(r);
    }
    spte->v = 0;
    /*
     * A dead guest's calls may still reach us (a carrier draining the calls it
     * had queued): they may drop, never map.  Once killed, nothing new goes in
     * (found by the shadow fuzzer).
     */
    if (shadow_guest_dead() || !pte_present(gpte) || !(pte_flags(gpte) & _PAGE_ACCESSED))
        return;
    if (!sguest_entry_ok(gpte, 1, va))
        return;
    *spte = gpte_to_spte(gpte, pte_flags(gpte) & _PAGE_DIRTY);
    shadow_counts.preinstalls++;
}

static void drop_l2(struct shadow_root *r, uint64_t va, const void *arg)
{
    (void)arg;
    drop_entry(r, va, 2);
}

static void drop_l3(struct shadow_root *r, uint64_t va, const void *arg)
{
    (void)arg;
    drop_entry(r, va, 3);
}

static void drop_l4(struct shadow_root *r, uint64_t va, const void *arg)
{
    (void)arg;
    drop_entry(r, va, 4);
}

void shadow_set_pte(pfn_t groot, uint64_t va, pte_t gpte)
{
    for_roots_seeing(groot, va, set_pte_in, &gpte);
}

void shadow_set_pmd(pfn_t groot, uint64_t va)
{
    for_roots_seeing(groot, va, drop_l2, NULL);
}

void shadow_set_pud(pfn_t groot, uint64_t va)
{
    for_roots_seeing(groot, va, drop_l3, NULL);
}

void shadow_set_pgd(pfn_t groot, uint64_t va)
{
    for_roots_seeing(groot, va, drop_l4, NULL);
}

void shadow_invlpg(uint64_t va)
{
    struct shadow_root *r = scache_current();

    if (r && !va_is_host_slot(va))
        drop_entry(r, va, 1);
}

void shadow_flush_user(void)
{
    struct shadow_root *r = scache_current();

    if (!r)
        return;
    scache_note_drop(r);
    sroot_release_slots(r->sroot, L4_USER_FIRST, L4_USER_LAST);
    shadow_counts.user_flushes++;
}

/*S:650 And when nothing else is safe (a frame became the host's; the carrier
 * lost track), we throw every shadow entry of every root away, both halves,
 * keeping only the roots themselves and the host's slots.  The guest is
 * trapped in amber for a while as everything faults back in, but it is
 * correct, and correct is what "nothing else is safe" asks for. :*/
void shadow_clear_all(void)
{
    unsigned i;

    for (i = 0; i < SHADOW_CACHE_MAX; i++) {
        struct shadow_root *r = scache_slot(i);

        if (r) {
            scache_note_drop(r);
            sroot_release_guest_slots(r->sroot);
        }
    }
    shadow_counts.clear_alls++;
}

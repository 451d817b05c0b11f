/*
 * Fault injection, on whatever serves the hypercalls: the model of Xen in hosted
 * tests, real Xen in the kernel.  A scripted scenario (address spaces built,
 * pinned, switched to, grown and cut in lazy mode, pin_all / unpin_all) is run
 * once to count its hypercalls and multicall entries; then once per site with
 * that one made to fail (env_fail_nth: on real Xen by handing Xen an invalid
 * request in its place, which Xen refuses having done nothing).  After each run:
 *
 *   - the failure was reported;
 *   - nothing is left queued and lazy mode is off;
 *   - every table frame of a space pvmmu believes pinned is read-only in the
 *     direct map, and of one it believes unpinned, writable;
 *   - the layer still works, with Xen as the judge: every space can be pinned,
 *     switched to and destroyed, and every frame comes back to the allocator.
 *
 * "inject: N hypercall sites tried, N stayed consistent" (and the same for
 * multicall entries), and one check per kind that passes when all did.
 */
#include <stdarg.h>
#include <xen/pvmmu/aspace.h>
#include <xen/pvmmu/mmu.h>
#include <xen/pvmmu/multicall.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include "pinning/pinning_int.h"
#include "workloads/workloads.h"

#define SPACES WL_INJECT_SPACES
#define DATA_FRAMES WL_INJECT_FRAMES

static struct aspace *spaces[SPACES];
static pfn_t data[DATA_FRAMES];

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    char line[300];
    va_list ap;

    va_start(ap, fmt);
    pvmmu_vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    env_print(line);
}

static void scenario(void)
{
    wl_inject_scenario(spaces, data);
}

struct frame_check { const struct aspace *as; const char *problem; };

static int check_frame(pfn_t table, int level, void *ctx)
{
    struct frame_check *c = ctx;
    uint64_t maddr;
    mpte_t cur;
    bool writable;

    (void)level;
    if (direct_map_l1e_read(table, &maddr, &cur)) {
        c->problem = "a table frame's direct-map entry cannot be read";
        return 0;
    }
    writable = cur.v & _PAGE_RW;
    if (c->as->pinned && writable)
        c->problem = "believed pinned, but a table frame is writable";
    if (!c->as->pinned && !writable)
        c->problem = "believed unpinned, but a table frame is read-only";
    return 0;
}

static const char *inconsistency(void)
{
    unsigned i;

    if (mc_pending() || lazy_mmu_active())
        return "requests left queued, or lazy mode left on";
    for (i = 0; i < SPACES; i++) {
        struct frame_check c = { spaces[i], NULL };

        if (!spaces[i])
            continue;
        pt_walk(spaces[i], check_frame, &c);
        if (c.problem)
            return c.problem;
    }
    return NULL;
}

/*
 * Pin, switch to and destroy every space, with Xen judging each step: a space
 * pvmmu wrongly believes pinned fails its unpin, one wrongly believed unpinned
 * fails its pin.  Then every frame is back with the allocator.
 */
static bool still_usable(unsigned long free_before)
{
    unsigned long errors = pvmmu_error_count();
    unsigned i;

    for (i = 0; i < SPACES; i++) {
        if (!spaces[i])
            continue;
        if (!spaces[i]->pinned && aspace_pin(spaces[i]))
            return false;
        if (aspace_switch(spaces[i]) || aspace_switch(aspace_kernel()) || aspace_destroy(spaces[i]))
            return false;
        spaces[i] = NULL;
    }
    return pvmmu_error_count() == errors && env_frames_free() == free_before;
}

/* One run: the scenario with the nth site failing (0: none); NULL if all was well. */
static const char *run_once(bool entry, unsigned long nth, unsigned long *sites)
{
    unsigned long errors = pvmmu_error_count(), free_before = env_frames_free(), before;
    const char *why;

    before = env_mmu_calls(entry);
    env_fail_nth(entry, nth);
    scenario();
    env_fail_nth(entry, 0);
    if (sites)
        *sites = env_mmu_calls(entry) - before;
    if (nth && pvmmu_error_count() == errors)
        return "the failure was not reported";
    if (!nth && pvmmu_error_count() != errors)
        return "the clean run reported a failure";
    why = inconsistency();
    if (!why && !still_usable(free_before))
        why = "the layer could not be used afterwards";
    return why;
}

static void sweep(bool entry, const char *what, const char *check)
{
    unsigned long sites = 0, k, consistent = 0;
    const char *why;

    why = run_once(entry, 0, &sites);
    for (k = 1; !why && k <= sites; k++) {
        const char *site_why = run_once(entry, k, NULL);

        if (site_why)
            say("pvmmu: inject: %s %lu of %lu: %s (last report: %s)", what, k, sites, site_why,
                     pvmmu_last_error());
        else
            consistent++;
    }
    say("pvmmu: inject: %lu %s sites tried, %lu stayed consistent; the last report: %s", sites, what,
        consistent, pvmmu_last_error());
    wl_accept_errors();
    wl_check(!why && sites > 5 && consistent == sites, check,
             "%s; %lu of %lu %s sites stayed consistent", why ? why : "the sweep ran", consistent, sites, what);
}

void wl_suite_inject(const struct wl_options *opt)
{
    unsigned i;

    (void)opt;
    for (i = 0; i < DATA_FRAMES; i++)
        data[i] = frame_alloc();
    env_log_quiet(true);
    sweep(false, "hypercall", "inject-every-hypercall-fails-in-turn");
    sweep(true, "multicall entry", "inject-every-multicall-entry-fails-in-turn");
    env_log_quiet(false);
    for (i = 0; i < DATA_FRAMES; i++)
        if (pfn_valid_value(data[i]))
            frame_free(data[i]);
}

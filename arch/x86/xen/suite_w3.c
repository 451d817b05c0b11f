/*A:660 The w3 suite: what a TLB shootdown costs, counted by Xen (bench-xen's W3).
 *
 * The same work as Linux's side, bench/xentrace/wl-smp.c, so that xentrace can
 * set the two side by side (docs/bench.md, "W3").  The domain has four vCPUs; one
 * address space holds an "anchor" page at REGION_VA, mapped the whole time (so the
 * L1 under the region is never freed: Linux keeps its PTE page for the same
 * reason), and a region of 16 pages right after it.  Four variants, R rounds each
 * (smp_rounds=, 32 in the bench's config), in this order:
 *
 *   private  the space is loaded on vCPU 0 alone (the others sit in the kernel's);
 *   shared   it is loaded on all four vCPUs, and every one of them writes every
 *            page of the region, so every TLB holds its translations;
 *   exited   the other three load it, write every page and go back to the
 *            kernel's space (what this kernel's idle vCPU does when a thread is
 *            gone), before vCPU 0 changes it;
 *   unloaded vCPU 0 wrote every page, then went back to the kernel's space too,
 *            so no vCPU has it loaded when it changes (a process that is not
 *            running): the core owes no flush at all.  pvmmu's alone: a Linux
 *            process cannot munmap another's memory, so wl-smp has no such row.
 *
 * In each round vCPU 0 maps the region, then protects it read-only and, later,
 * unmaps it; each of those two calls is one measured phase, between its marker
 * and the W3_GAP marker (env_marker: sched_op 0x7e00 | id, which Xen records and
 * refuses).  Nothing else happens inside a phase: the other vCPUs spin on a word
 * in memory without a hypercall (no yield), so that whatever entries they make
 * there are Xen's to explain, not ours.
 *
 * Each phase is also a check: after the protect returns, a vCPU that had the page
 * writable must fault on a write (a write that goes through was a stale TLB
 * entry); after the unmap, a read must fault.  And the flushes the core chose,
 * counted only inside the phases (mc_shootdowns), are stat lines: shared, one
 * vcpumask flush per call; private and exited, none to any other vCPU. :*/
#include "lib/lib_int.h"
#include <xen/pvmmu/aspace.h>
#include <xen/pvmmu/mmu.h>
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include "mmu/mmu_int.h"   /* mmu_flush_stats: the flushes the core chose */
#include "workloads/workloads.h"
#include "arch/x86/common/options.h"
#include "arch/x86/common/traps.h"
#include "console.h"
#include "hypercall_arch.h"
#include "shared.h"
#include "smp.h"
#include "suites.h"

#define REGION_VA     0x300000000000ULL   /* L4 slot 96, 2 MiB aligned: the anchor page */
#define REGION_PAGES  16
#define REGION_START  (REGION_VA + PAGE_SIZE)
#define W3_VCPUS      4
#define WAIT_NS       (60ULL * 1000000000ULL)
#define USER_RW       (PVMMU_PAGE_RW | PVMMU_PAGE_USER)

/* The marker ids, as wl-smp.c's (entries.py's W3 phases). */
enum {
    M_W3_BEGIN = 0xb0,
    M_W3_MPROT = 0xb1, M_W3_MUNMAP = 0xb2,     /* shared */
    M_W3P_MPROT = 0xb3, M_W3P_MUNMAP = 0xb4,   /* private */
    M_W3X_MPROT = 0xb5, M_W3X_MUNMAP = 0xb6,   /* exited */
    M_W3U_MPROT = 0xb7, M_W3U_MUNMAP = 0xb8,   /* unloaded */
    M_W3_END = 0xbe, M_W3_GAP = 0xbf,
};

enum variant { PRIVATE, SHARED, EXITED, UNLOADED, VARIANTS };

static const char *const variant_name[VARIANTS] = { "w3p", "w3", "w3x", "w3u" };

/* One variant's run: the work done and the flushes the core chose inside its phases. */
struct w3_run {
    enum variant v;
    unsigned rounds, vcpus;          /* vcpus: how many had written the region when it changed */
    uint64_t protected_pages, unmapped_pages, touched_pages;
    uint64_t multi, local, avoided;  /* mc_shootdowns, summed over the phases */
    unsigned wrong;
    char first[160];
};

/* The state vCPU 0 and its helpers share. */
static struct w3_state {
    struct aspace *space;
    pfn_t anchor, frames[REGION_PAGES];
    uint64_t go;                   /* vCPU 0: the step the helpers may take */
    uint64_t done[SMP_MAX_VCPUS];  /* each helper: the last step it finished */
    uint64_t stop;                 /* the shared variant's helpers: stop waiting (its end, or an abort) */
    unsigned rounds;
    int rc[SMP_MAX_VCPUS];
    unsigned stale[SMP_MAX_VCPUS]; /* a write through a protected page, or a read through an unmapped one */
} w3;

static volatile uint64_t *region_page(unsigned i)
{
    return (volatile uint64_t *)(REGION_START + (uint64_t)i * PAGE_SIZE);
}

static void note(struct w3_run *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct w3_run *run, const char *fmt, ...)
{
    va_list ap;

    if (run->wrong++)
        return;
    va_start(ap, fmt);
    pvmmu_vsnprintf(run->first, sizeof(run->first), fmt, ap);
    va_end(ap);
}

/* Wait until *word reaches at least `want`: pure spinning (no hypercall) or, off the phases, yielding. */
static bool wait_at_least(const uint64_t *word, uint64_t want, bool may_yield)
{
    uint64_t deadline = xen_now_ns() + WAIT_NS;
    unsigned spins = 0;

    while (__atomic_load_n(word, __ATOMIC_ACQUIRE) < want) {
        __asm__ volatile("pause" ::: "memory");
        if (++spins % 256 == 0) {
            if (may_yield)
                hv_sched_op(SCHEDOP_yield, NULL);
            if (xen_now_ns() > deadline || __atomic_load_n(&w3.stop, __ATOMIC_ACQUIRE))
                return false;
        }
    }
    return true;
}

static void write_region(uint64_t value)
{
    unsigned i;

    for (i = 0; i < REGION_PAGES; i++)
        *region_page(i) = value;
}

static uint64_t read_region(void)
{
    uint64_t sum = 0;
    unsigned i;

    for (i = 0; i < REGION_PAGES; i++)
        sum += *region_page(i);
    return sum;
}

/* After a protect: a write must fault.  After an unmap: a read must.  1 if it did not. */
static unsigned stale_after(bool unmapped)
{
    uint64_t v;

    return unmapped ? safe_read64(region_page(0), &v) : safe_write64(region_page(0), 1);
}

/* --- the helpers (vCPUs 1..3) ------------------------------------------------------------------ */

/* Shared: load the space, then per round write (step 3r+1), read (3r+2), check the unmap (3r+3). */
static void shared_helper(void *arg)
{
    unsigned me = platform_vcpu_id(), r;
    int rc;

    (void)arg;
    rc = aspace_switch(w3.space);
    w3.rc[me] = rc;
    for (r = 0; !rc && r < w3.rounds; r++) {
        if (!wait_at_least(&w3.go, 3 * r + 1, false))
            break;
        write_region(me);
        __atomic_store_n(&w3.done[me], 3 * r + 1, __ATOMIC_RELEASE);
        if (!wait_at_least(&w3.go, 3 * r + 2, false))
            break;
        w3.stale[me] += stale_after(false);
        (void)read_region();
        __atomic_store_n(&w3.done[me], 3 * r + 2, __ATOMIC_RELEASE);
        if (!wait_at_least(&w3.go, 3 * r + 3, false))
            break;
        w3.stale[me] += stale_after(true);
        __atomic_store_n(&w3.done[me], 3 * r + 3, __ATOMIC_RELEASE);
    }
    rc = aspace_switch(aspace_kernel());
    if (rc && !w3.rc[me])
        w3.rc[me] = rc;
}

/* Exited: load the space, write every page, go back to the kernel's space: a thread that is gone. */
static void exited_helper(void *arg)
{
    unsigned me = platform_vcpu_id();
    int rc;

    (void)arg;
    rc = aspace_switch(w3.space);
    if (!rc) {
        write_region(me);
        rc = aspace_switch(aspace_kernel());
    }
    w3.rc[me] = rc;
}

/* --- vCPU 0 ------------------------------------------------------------------------------------- */

/* Take the counters before a measured call, add what it chose after. */
struct flush_snapshot {
    uint64_t multi, local, avoided;
};

static struct flush_snapshot flush_snapshot(void)
{
    const struct mc_shootdowns *s = mmu_flush_stats();

    return (struct flush_snapshot){ s->multi, s->local, s->avoided };
}

static void flush_add(struct w3_run *run, struct flush_snapshot before)
{
    struct flush_snapshot after = flush_snapshot();

    run->multi += after.multi - before.multi;
    run->local += after.local - before.local;
    run->avoided += after.avoided - before.avoided;
}

/* One measured phase: marker, the one call, the gap marker. */
static int measured(struct w3_run *run, unsigned marker, bool unmap)
{
    struct flush_snapshot before;
    int rc;

    before = flush_snapshot();
    env_marker(marker);
    rc = unmap ? mmu_unmap_range(w3.space, REGION_START, REGION_PAGES)
               : mmu_protect_range(w3.space, REGION_START, REGION_PAGES, PROT_READ_ONLY);
    env_marker(M_W3_GAP);
    flush_add(run, before);
    if (rc)
        note(run, "%s %s of %u pages at %#llx: %d", variant_name[run->v], unmap ? "unmap" : "protect", REGION_PAGES,
             (unsigned long long)REGION_START, rc);
    else if (unmap)
        run->unmapped_pages += REGION_PAGES;
    else
        run->protected_pages += REGION_PAGES;
    return rc;
}

static int map_region(struct w3_run *run)
{
    int rc;

    rc = mmu_map_range(w3.space, REGION_START, w3.frames, REGION_PAGES, USER_RW);
    if (rc)
        note(run, "mapping the region: %d", rc);
    return rc;
}

/* Wait until every helper finished `step`; off the phases, so vCPU 0 may yield to them. */
static bool helpers_reached(struct w3_run *run, uint64_t step)
{
    unsigned n;

    for (n = 1; n < W3_VCPUS; n++)
        if (!wait_at_least(&w3.done[n], step, true)) {
            note(run, "vCPU %u did not reach step %llu (it is at %llu)", n, (unsigned long long)step,
                 (unsigned long long)w3.done[n]);
            return false;
        }
    return true;
}

/* vCPU 0 loads the kernel's space or the region's: around the unloaded variant's calls, outside the phases. */
static int load(struct w3_run *run, unsigned r, bool region)
{
    int rc = aspace_switch(region ? w3.space : aspace_kernel());

    if (rc)
        note(run, "round %u: switching to the %s space: %d", r, region ? "region's" : "kernel's", rc);
    return rc;
}

/* One measured call where no other vCPU holds the region; `unload`: none at all, vCPU 0 neither. */
static int change_alone(struct w3_run *run, unsigned r, unsigned marker, bool unmap, bool unload)
{
    int rc = unload ? load(run, r, false) : 0;

    if (!rc)
        rc = measured(run, marker, unmap);
    if (!rc && unload)
        rc = load(run, r, true);
    return rc;
}

/*
 * The two measured calls where no other vCPU holds the region (private, exited,
 * unloaded): protect, vCPU 0 finds it read-only and reads it, unmap, vCPU 0 finds it gone.
 */
static int protect_then_unmap(struct w3_run *run, unsigned r, unsigned mprot_marker, unsigned munmap_marker,
                              bool unload)
{
    int rc = change_alone(run, r, mprot_marker, false, unload);

    if (rc)
        return rc;
    if (stale_after(false))
        note(run, "round %u: a write went through after the protect", r);
    (void)read_region();
    rc = change_alone(run, r, munmap_marker, true, unload);
    if (!rc && stale_after(true))
        note(run, "round %u: a read went through after the unmap", r);
    return rc;
}

/* Private (the space on vCPU 0 alone) or unloaded (on none when it changes): vCPU 0 does all the work. */
static void run_alone(struct w3_run *run)
{
    bool unload = run->v == UNLOADED;
    unsigned r;

    for (r = 0; r < w3.rounds && !run->wrong; r++) {
        if (map_region(run))
            break;
        write_region(0);
        run->touched_pages += REGION_PAGES;
        if (unload ? protect_then_unmap(run, r, M_W3U_MPROT, M_W3U_MUNMAP, true)
                   : protect_then_unmap(run, r, M_W3P_MPROT, M_W3P_MUNMAP, false))
            break;
        run->rounds++;
    }
    run->vcpus = 1;
}

static void run_shared(struct w3_run *run)
{
    unsigned n, r, started = 0;

    w3.go = 0;
    w3.stop = 0;
    for (n = 1; n < W3_VCPUS; n++) {
        w3.done[n] = 0;
        w3.stale[n] = 0;
        w3.rc[n] = 0;
        started += !smp_call_start(n, shared_helper, NULL);
    }
    if (started != W3_VCPUS - 1)
        note(run, "%u of %u helpers started", started, W3_VCPUS - 1);
    for (r = 0; r < w3.rounds && !run->wrong; r++) {
        if (map_region(run))
            break;
        write_region(0);
        __atomic_store_n(&w3.go, 3 * r + 1, __ATOMIC_RELEASE);
        if (!helpers_reached(run, 3 * r + 1))
            break;
        run->touched_pages += W3_VCPUS * REGION_PAGES;
        if (measured(run, M_W3_MPROT, false))
            break;
        if (stale_after(false))
            note(run, "round %u: vCPU 0 wrote through the page it had just protected", r);
        __atomic_store_n(&w3.go, 3 * r + 2, __ATOMIC_RELEASE);
        (void)read_region();
        if (!helpers_reached(run, 3 * r + 2))
            break;
        if (measured(run, M_W3_MUNMAP, true))
            break;
        __atomic_store_n(&w3.go, 3 * r + 3, __ATOMIC_RELEASE);
        if (!helpers_reached(run, 3 * r + 3))
            break;
        run->rounds++;
    }
    __atomic_store_n(&w3.stop, 1, __ATOMIC_RELEASE);
    for (n = 1; n < W3_VCPUS; n++) {
        int rc = smp_call_wait(n);

        if (rc || w3.rc[n])
            note(run, "vCPU %u: call %d, switch %d", n, rc, w3.rc[n]);
        if (w3.stale[n])
            note(run, "vCPU %u went through the region %u time(s) after a protect or an unmap returned", n,
                 w3.stale[n]);
    }
    run->vcpus = W3_VCPUS;
}

static void run_exited(struct w3_run *run)
{
    unsigned n, r;

    for (r = 0; r < w3.rounds && !run->wrong; r++) {
        if (map_region(run))
            break;
        for (n = 1; n < W3_VCPUS; n++) {
            w3.rc[n] = -XEN_EAGAIN;
            if (smp_call(n, exited_helper, NULL) || w3.rc[n])
                note(run, "round %u: vCPU %u: %d", r, n, w3.rc[n]);
        }
        if (run->wrong)
            break;
        run->touched_pages += (W3_VCPUS - 1) * REGION_PAGES;
        if (protect_then_unmap(run, r, M_W3X_MPROT, M_W3X_MUNMAP, false))
            break;
        run->rounds++;
    }
    run->vcpus = W3_VCPUS;
}

static void report(const struct w3_run *run)
{
    const char *v = variant_name[run->v];
    char name[48];
    bool remote_owed = run->v == SHARED;

    pvmmu_snprintf(name, sizeof(name), "%s-shootdowns", v);
    wl_check(!run->wrong && run->rounds == w3.rounds, name, "%u of %u rounds, %u wrong: %s", run->rounds, w3.rounds,
             run->wrong, run->first);
    /* The flushes: a vcpumask each where others hold the entries, none to others where they cannot. */
    pvmmu_snprintf(name, sizeof(name), "%s-flushes", v);
    wl_check(remote_owed ? run->multi == 2ULL * run->rounds : run->multi == 0, name,
             "%llu vcpumask flushes for %u protects and %u unmaps (%s)", (unsigned long long)run->multi, run->rounds,
             run->rounds, remote_owed ? "one each expected" : "none expected: no other vCPU had the space loaded");
    if (run->v == UNLOADED) {
        /* Nobody holds its entries: no flush at all, each one counted as avoided. */
        pvmmu_snprintf(name, sizeof(name), "%s-no-flush", v);
        wl_check(!run->multi && !run->local && run->avoided == 2ULL * run->rounds, name,
                 "%llu vcpumask, %llu local flushes, %llu avoided for %u protects and %u unmaps of a space no vCPU had "
                 "loaded (none, none, one each expected)", (unsigned long long)run->multi,
                 (unsigned long long)run->local, (unsigned long long)run->avoided, run->rounds, run->rounds);
    }
#define W3_STAT(field) do { pvmmu_snprintf(name, sizeof(name), "%s_" #field, v); wl_stat(name, run->field); } while (0)
    W3_STAT(rounds);
    W3_STAT(vcpus);
    W3_STAT(protected_pages);
    W3_STAT(unmapped_pages);
    W3_STAT(touched_pages);
    W3_STAT(multi);
    W3_STAT(local);
    W3_STAT(avoided);
#undef W3_STAT
}

static int setup(void)
{
    unsigned i;
    int rc = 0;

    w3.space = aspace_create();
    w3.anchor = frame_alloc();
    for (i = 0; i < REGION_PAGES; i++)
        w3.frames[i] = frame_alloc();
    if (!w3.space || !pfn_valid_value(w3.anchor))
        rc = -XEN_ENOMEM;
    for (i = 0; i < REGION_PAGES; i++)
        if (!pfn_valid_value(w3.frames[i]))
            rc = -XEN_ENOMEM;
    if (!rc)
        rc = mmu_map(w3.space, REGION_VA, w3.anchor, USER_RW);
    if (!rc)
        rc = aspace_switch(w3.space);
    if (!rc)
        *(volatile uint64_t *)REGION_VA = 0xa1;   /* the anchor is touched, as Linux's */
    return rc;
}

static void teardown(struct aspace *home)
{
    unsigned i;

    if (aspace_switch(home))
        wl_check(false, "w3-teardown", "switching back to the space vCPU 0 came from failed");
    if (w3.space && aspace_destroy(w3.space))
        wl_check(false, "w3-teardown", "destroying the space failed");
    if (pfn_valid_value(w3.anchor))
        frame_free(w3.anchor);
    for (i = 0; i < REGION_PAGES; i++)
        if (pfn_valid_value(w3.frames[i]))
            frame_free(w3.frames[i]);
}

void suite_w3(const struct kernel_options *opt)
{
    static struct w3_run runs[VARIANTS];
    struct aspace *home;
    unsigned i;
    int rc;

    /*
     * As the smp suite with one vCPU: "all" names this suite on any domain, so too few
     * vCPUs is not a failure but a line saying it did not run.  Where W3 must run (the
     * smp-w3 scenario, bench-xen) its checks and counters are required by name.
     */
    if (smp_vcpus_up() < W3_VCPUS) {
        kprintf("pvmmu: w3: not run, the domain has %u vCPU(s) up and W3 needs %u (vcpus = 4 in its config)",
                smp_vcpus_up(), W3_VCPUS);
        return;
    }
    w3 = (struct w3_state){ .rounds = opt->smp_rounds, .anchor = INVALID_PFN };
    for (i = 0; i < REGION_PAGES; i++)
        w3.frames[i] = INVALID_PFN;
    home = aspace_current();
    rc = setup();
    wl_check(!rc, "w3-setup", "a space with the anchor page at %#llx: %d", (unsigned long long)REGION_VA, rc);
    if (!rc) {
        env_marker(M_W3_BEGIN);
        runs[0] = (struct w3_run){ .v = PRIVATE };
        run_alone(&runs[0]);
        runs[1] = (struct w3_run){ .v = SHARED };
        run_shared(&runs[1]);
        runs[2] = (struct w3_run){ .v = EXITED };
        run_exited(&runs[2]);
        runs[3] = (struct w3_run){ .v = UNLOADED };
        run_alone(&runs[3]);
        env_marker(M_W3_END);
        for (i = 0; i < VARIANTS; i++)
            report(&runs[i]);
    }
    teardown(home);
}

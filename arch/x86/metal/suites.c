/*X:300 What runs on bare metal, and what cannot.
 *
 * The guest starts in the shadow's linear mode: no tables of its own yet,
 * every page of its memory at the virtual address equal to its physical one.
 * The "linear" suite checks that on the real CPU before the guest loads its
 * first root: a guest page read at its physical address takes a real page
 * fault that the host fixes (and reads what the host's direct map shows), a
 * host frame there is not mapped (the fault is reflected, the access fails),
 * and the first root really ends it, with CR3 holding the shadow root.
 *
 * Then the MMU workloads, through metal_mmu (host.c), all of them except three
 * that test Xen rather than an MMU:
 *   p2m     the frame lists Xen's toolstack reads to save a guest;
 *   hooks   that a table frame hooked into a pinned tree is read-only, which
 *           is Xen's PV rule: shadow guest tables are plain memory by design;
 *   errors  Xen's refusals and the PV backend's own.
 * Each gets a `skip` line, never a PASS. :*/
#include "lib/lib_int.h"
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/shadow.h>
#include "workloads/workloads.h"
#include "console.h"
#include "cpu.h"
#include "host.h"
#include "machine.h"
#include "suites.h"

/* The MMU workloads in workloads/run.c's order: run here, or skipped, and why. */
static const struct {
    const char *name;
    void (*run)(const struct wl_options *opt);
    const char *skip;
} workloads[] = {
    { "p2m", NULL, "p2m frame lists are for Xen's toolstack; here the p2m is the identity" },
    { "spaces", wl_suite_spaces, NULL },
    { "fork", wl_suite_fork, NULL },
    { "protect", wl_suite_protect, NULL },
    { "hooks", NULL, "read-only table frames are Xen's PV rule; shadow guest tables are plain memory" },
    { "unmap", wl_suite_unmap, NULL },
    { "errors", NULL, "its refusals are Xen's and the PV backend's" },
    { "w1", wl_suite_w1, NULL },
    { "w2", wl_suite_w2, NULL },
    { "w1-demand", wl_suite_w1_demand, NULL },
    { "w2-demand", wl_suite_w2_demand, NULL },
};

/*
 * Copy the name that starts at p (up to a comma or the end) into name, and
 * return where the next one starts; NULL when the list is used up.
 */
static const char *take_name(const char *p, char name[OPTIONS_SUITES_MAX])
{
    unsigned n = 0;

    if (!*p)
        return NULL;
    while (*p && *p != ',') {
        if (n < OPTIONS_SUITES_MAX - 1)
            name[n++] = *p;
        p++;
    }
    name[n] = '\0';
    return *p ? p + 1 : p;
}

static bool same(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

static bool listed(const char *list, const char *wanted)
{
    char name[OPTIONS_SUITES_MAX];

    while ((list = take_name(list, name)))
        if (same(name, wanted))
            return true;
    return false;
}

/* What the linear checks keep across the switch to the first root. */
struct linear_probe {
    pfn_t page;   /* a guest frame, read and written at its own address */
};

static void linear_before(struct linear_probe *probe)
{
    const struct shadow_stats *s = shadow_stats();
    uint64_t va, host_va = machine.image_first_pfn << PAGE_SHIFT, *host_view, value = 0;
    unsigned long fixed = s->fixed, reflected;
    bool read, wrote;

    probe->page = frame_alloc();
    va = pfn_x(probe->page) << PAGE_SHIFT;
    host_view = pfn_to_virt(probe->page);
    *host_view = 0x11ea7;
    read = env_read64(va, &value);
    wrote = env_write64(va + 8, 0x5ad0);
    wl_check(shadow_linear_mode() && read && value == 0x11ea7 && wrote && host_view[1] == 0x5ad0 &&
                 s->fixed == fixed + 1,
             "linear-guest-page-at-its-address",
             "pfn 0x%llx: read %s 0x%llx, write %s, host sees 0x%llx, %lu faults fixed (1 expected)",
             (unsigned long long)pfn_x(probe->page), read ? "gave" : "faulted",
             (unsigned long long)value, wrote ? "done" : "faulted", (unsigned long long)host_view[1],
             s->fixed - fixed);

    reflected = s->reflected;
    read = env_read64(host_va, &value);
    wl_check(!read && s->reflected == reflected + 1, "linear-host-frame-not-mapped",
             "the image's first frame (pfn 0x%llx) %s", (unsigned long long)machine.image_first_pfn,
             read ? "was readable at its address" : "faulted, but not as a reflected fault");
    read = env_read64(machine.top_pfn << PAGE_SHIFT, &value);
    wl_check(!read, "linear-beyond-memory-not-mapped", "pfn 0x%llx (the top of RAM) was readable",
             (unsigned long long)machine.top_pfn);
}

static void linear_after(struct linear_probe *probe)
{
    uint64_t value;
    bool read = env_read64(pfn_x(probe->page) << PAGE_SHIFT, &value);

    wl_check(!shadow_linear_mode() && !read && read_cr3() == mfn_to_maddr(shadow_cr3()),
             "linear-mode-ends-at-the-first-root",
             "linear mode %s, the old address %s, CR3 %#llx, shadow root %#llx",
             shadow_linear_mode() ? "on" : "off", read ? "still reads" : "faults",
             (unsigned long long)read_cr3(), (unsigned long long)mfn_to_maddr(shadow_cr3()));
    frame_free(probe->page);
}

/*
 * The negative control, never part of "all", since it ends the run: the guest
 * maps one of the host's frames (the image's first) and reads it.  The host
 * must refuse the entry at the fault and stop the guest, so the line after the
 * read is never reached; the runner boots it on its own and expects exactly
 * that FAIL (tests/metal/run.sh).
 */
static void kill_check(void)
{
    struct aspace *as = metal_mmu.ops->create();
    pfn_t host = _pfn(machine.image_first_pfn);
    uint64_t value = 0;

    if (!as || metal_mmu.ops->map_range(as, WL_VA, &host, 1, _PAGE_RW | _PAGE_USER) ||
        metal_mmu.ops->switch_to(as)) {
        wl_check(false, "kill-setup", "could not build and load an address space");
        return;
    }
    env_read64(WL_VA, &value);
    wl_check(false, "kill-host-frame-refused", "the guest read the host's pfn 0x%llx (0x%llx) and lives",
             (unsigned long long)pfn_x(host), (unsigned long long)value);
}

/*
 * The guest kernel: its root (whose kernel half every address space shares),
 * loaded.  The linear checks, when asked for, stand on either side of it.
 */
void guest_start(const struct kernel_options *opt)
{
    bool linear = listed(opt->suites, "all") || listed(opt->suites, "linear");
    struct linear_probe probe;
    int rc;

    if (linear) {
        kputs("pvmmu: suite linear");
        linear_before(&probe);
    }
    rc = shadow_guest_init();
    if (!rc)
        rc = metal_mmu.ops->switch_to(shadow_guest_kernel());
    wl_check(!rc, "metal-guest-kernel-root", "shadow_guest_init or the switch returned %d", rc);
    if (linear)
        linear_after(&probe);
}

static bool known(const char *name)
{
    unsigned i;

    for (i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++)
        if (same(name, workloads[i].name))
            return true;
    return same(name, "all") || same(name, "linear") || same(name, "kill");
}

/*
 * The suites are called one by one rather than through wl_run: its list would
 * include the three that cannot run here, and its closing batching counters
 * are the PV backend's.  A name nobody knows is a FAIL, as there.
 */
void suites_run(const struct kernel_options *opt)
{
    bool all = listed(opt->suites, "all");
    const char *list = opt->suites;
    char name[OPTIONS_SUITES_MAX];
    struct wl_options wl;
    unsigned i;

    while ((list = take_name(list, name)))
        if (!known(name))
            wl_check(false, "suites-option", "no suite is called '%s'", name);
    options_to_workloads(opt, &wl);
    for (i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
        if (!all && !listed(opt->suites, workloads[i].name))
            continue;
        if (workloads[i].skip) {
            kprintf("skip %s: %s", workloads[i].name, workloads[i].skip);
            continue;
        }
        kprintf("pvmmu: suite %s", workloads[i].name);
        workloads[i].run(&wl);
    }
    if (listed(opt->suites, "kill")) {
        kputs("pvmmu: suite kill");
        kill_check();
    }
}

void print_shadow_stats(void)
{
    const struct shadow_stats *s = shadow_stats();
    const struct host_counts *h = host_counts();

    wl_stat("shadow_demand_faults", s->demand_faults);
    wl_stat("shadow_faults_fixed", s->fixed);
    wl_stat("shadow_faults_reflected", s->reflected);
    wl_stat("shadow_rebuild_faults", h->rebuild_faults);
    wl_stat("shadow_rebuilt_roots", h->rebuilt_roots);
    wl_stat("shadow_preinstalls", s->preinstalls);
    wl_stat("shadow_invalidations", s->invalidations);
    wl_stat("shadow_root_hits", s->root_hits);
    wl_stat("shadow_root_builds", s->root_builds);
    wl_stat("shadow_evictions", s->evictions);
    wl_stat("shadow_tables_allocated", s->tables_allocated);
    wl_stat("shadow_cached_roots", shadow_cached_roots());
    wl_stat("shadow_pool_free", shadow_pool_free());
    wl_stat("cr3_loads", h->cr3_loads);
}

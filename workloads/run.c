/*
 * The suite list: adding a suite is adding a line.  opt->suites names the ones to
 * run ("all", or a comma-separated list); an unknown name is a FAIL, not silence.
 */
#include <xen/pvmmu/multicall.h>
#include <xen/pvmmu/report.h>
#include "workloads/workloads.h"

static const struct {
    const char *name;
    void (*run)(const struct wl_options *opt);
} suites[] = {
    { "p2m", wl_suite_p2m },         { "spaces", wl_suite_spaces },
    { "fork", wl_suite_fork },       { "protect", wl_suite_protect },
    { "hooks", wl_suite_hooks },     { "unmap", wl_suite_unmap },
    { "errors", wl_suite_errors },   { "w1", wl_suite_w1 },
    { "w2", wl_suite_w2 },           { "w1-demand", wl_suite_w1_demand },
    { "w2-demand", wl_suite_w2_demand }, { "inject", wl_suite_inject },
};

#define NR_SUITES (sizeof(suites) / sizeof(suites[0]))

/* Is `name` an item of the comma-separated `list`? */
static bool listed(const char *list, const char *name)
{
    const char *p = list;

    while (*p) {
        const char *n = name;

        while (*n && *p == *n)
            p++, n++;
        if (!*n && (*p == ',' || !*p))
            return true;
        while (*p && *p != ',')
            p++;
        if (*p == ',')
            p++;
    }
    return false;
}

static void check_names(const char *list)
{
    const char *p = list;
    char name[32];
    unsigned i, len;

    while (*p) {
        bool known = false;

        for (len = 0; p[len] && p[len] != ',' && len < sizeof(name) - 1; len++)
            name[len] = p[len];
        name[len] = '\0';
        for (i = 0; i < NR_SUITES; i++)
            known |= listed(name, suites[i].name);
        wl_check(known, "suites-option", "no suite is called '%s'", name);
        p += len;
        while (*p && *p != ',')
            p++;
        if (*p == ',')
            p++;
    }
}

static void print_batching_stats(void)
{
    const struct mc_stats *s = mc_stats();

    wl_stat("traps", s->traps);
    wl_stat("multicalls", s->multicalls);
    wl_stat("direct_calls", s->direct_calls);
    wl_stat("multicall_entries", s->entries);
    wl_stat("mmu_update_requests", s->mmu_requests);
    wl_stat("mmuext_requests", s->mmuext_requests);
    wl_stat("requests_merged", s->merged);
    wl_stat("largest_batch", s->largest_batch);
    wl_stat("forced_flushes", s->forced_flushes);
    wl_stat("updates_per_trap_x100", s->traps ? (s->mmu_requests * 100) / s->traps : 0);
}

void wl_run(const struct wl_options *opt)
{
    bool all = listed(opt->suites, "all");
    unsigned i;

    if (!all)
        check_names(opt->suites);
    for (i = 0; i < NR_SUITES; i++)
        if (all || listed(opt->suites, suites[i].name))
            suites[i].run(opt);
    /* Batching is how PV updates reach Xen; another backend has no batches to count. */
    if (wl_mmu->traps)
        print_batching_stats();
}

/*A:600 The suite list.  The kernel's own suites come first, each one line of the
 * table; then the MMU workloads (workloads/run.c keeps their list) get every
 * name this table does not claim, and fail any name they do not know either. :*/
#include "lib/lib_int.h"
#include "workloads/workloads.h"
#include "console.h"
#include "suites.h"

static const struct {
    const char *name;
    void (*run)(const struct kernel_options *opt);
} kernel_suites[] = {
    { "boot", suite_boot },
    { "smp", suite_smp },
    { "w3", suite_w3 },
};

/* The next item of a comma-separated list: its start, and *len; NULL at the end. */
static const char *next_item(const char **list, size_t *len)
{
    const char *item = *list;

    if (!*item)
        return NULL;
    for (*len = 0; item[*len] && item[*len] != ','; (*len)++)
        ;
    *list = item[*len] ? item + *len + 1 : item + *len;
    return item;
}

static bool same_name(const char *item, size_t len, const char *name)
{
    size_t j = 0;

    while (j < len && name[j] == item[j])
        j++;
    return j == len && !name[j];
}

/* Is `name` one of the items of `list`? */
static bool listed(const char *list, const char *name)
{
    const char *item;
    size_t len;

    while ((item = next_item(&list, &len)))
        if (same_name(item, len, name))
            return true;
    return false;
}

bool suites_listed(const struct kernel_options *opt, const char *name)
{
    return listed(opt->suites, "all") || listed(opt->suites, name);
}

static bool kernel_suite(const char *item, size_t len)
{
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(kernel_suites); i++)
        if (same_name(item, len, kernel_suites[i].name))
            return true;
    return false;
}

/* opt->suites without the names the kernel runs itself. */
static void workload_names(const char *list, char *out, size_t size)
{
    const char *item;
    size_t len, n = 0;

    while ((item = next_item(&list, &len))) {
        if (kernel_suite(item, len) || n + len + 2 > size)
            continue;
        if (n)
            out[n++] = ',';
        mem_copy(out + n, item, len);
        n += len;
    }
    out[n] = '\0';
}

void suites_run(const struct kernel_options *opt)
{
    bool all = listed(opt->suites, "all");
    char rest[OPTIONS_SUITES_MAX];
    struct wl_options wl;
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(kernel_suites); i++) {
        if (all || listed(opt->suites, kernel_suites[i].name)) {
            kprintf("pvmmu: suite %s", kernel_suites[i].name);
            kernel_suites[i].run(opt);
        }
    }

    workload_names(opt->suites, rest, sizeof(rest));
    if (!rest[0])
        return;
    options_to_workloads(opt, &wl);
    wl.suites = rest;
    kprintf("pvmmu: workloads %s", rest);
    wl_run(&wl);
}

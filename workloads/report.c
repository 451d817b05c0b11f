/*
 * PASS / FAIL / stat lines.  A check that fails says why, in the words of the
 * check, and the latest error the core reported, if there is a new one, so a
 * failure on real Xen names the hypercall and its arguments.
 */
#include <xen/pvmmu/report.h>
#include "workloads/workloads.h"

static unsigned passed, failed;
static unsigned long errors_seen;

void wl_check(bool ok, const char *name, const char *why_fmt, ...)
{
    char why[200], line[400];
    va_list ap;

    if (ok && pvmmu_error_count() == errors_seen) {
        pvmmu_snprintf(line, sizeof(line), "PASS %s", name);
        passed++;
    } else {
        va_start(ap, why_fmt);
        pvmmu_vsnprintf(why, sizeof(why), why_fmt, ap);
        va_end(ap);
        if (pvmmu_error_count() != errors_seen)
            pvmmu_snprintf(line, sizeof(line), "FAIL %s: %s%s(last error: %s)", name,
                           ok ? "" : why, ok ? "" : " ", pvmmu_last_error());
        else
            pvmmu_snprintf(line, sizeof(line), "FAIL %s: %s", name, why);
        failed++;
    }
    errors_seen = pvmmu_error_count();
    env_print(line);
}

void wl_stat(const char *name, uint64_t value)
{
    char line[160];

    pvmmu_snprintf(line, sizeof(line), "stat: %s %llu", name, (unsigned long long)value);
    env_print(line);
}

void wl_stat_traps(const char *name, uint64_t traps)
{
    if (wl_mmu->traps)
        wl_stat(name, traps);
}

unsigned wl_passed(void)
{
    return passed;
}

unsigned wl_failed(void)
{
    return failed;
}

void wl_reset_counts(void)
{
    passed = failed = 0;
    errors_seen = pvmmu_error_count();
}

/* The errors reported since the last check were provoked on purpose: not a failure. */
void wl_accept_errors(void)
{
    errors_seen = pvmmu_error_count();
}

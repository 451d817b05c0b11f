/*
 * The MMU layer's one voice for failures (see include/xen/pvmmu/report.h).
 *
 * Like lguest's kill_guest(), a report never unwinds anything: it records, tells
 * the platform, and lets the caller return its error code.  The latest text is
 * kept whole (tests match on it); the count says whether anything went wrong.
 */
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include "lib/lib_int.h"
#include "lib/spinlock.h"

#define KEPT 8

/* Any vCPU may report at any moment: the ring and the count are shared (docs/smp-locks.md). */
static struct spinlock report_lock = SPINLOCK_INIT(LOCK_REPORT);

/* The last KEPT reports, newest at recent[(error_count - 1) % KEPT]. */
static char recent[KEPT][256];
static unsigned long error_count;

void pvmmu_error(const char *fmt, ...)
{
    va_list ap;
    char text[sizeof(recent[0])];

    va_start(ap, fmt);
    pvmmu_vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    spin_lock(&report_lock);
    mem_copy(recent[error_count % KEPT], text, sizeof(text));
    __atomic_store_n(&error_count, error_count + 1, __ATOMIC_RELEASE);
    spin_unlock(&report_lock);
    platform_log(text);
}

const char *pvmmu_last_error(void)
{
    unsigned long n = pvmmu_error_count();

    return n ? recent[(n - 1) % KEPT] : "";
}

static bool contains(const char *text, const char *needle)
{
    size_t i;

    for (; *text; text++) {
        for (i = 0; needle[i] && text[i] == needle[i]; i++)
            ;
        if (!needle[i])
            return true;
    }
    return !*needle;
}

bool pvmmu_error_seen(const char *needle)
{
    unsigned long i;
    bool seen = false;

    spin_lock(&report_lock);
    for (i = 0; i < KEPT && i < error_count && !seen; i++)
        seen = contains(recent[(error_count - 1 - i) % KEPT], needle);
    spin_unlock(&report_lock);
    return seen;
}

unsigned long pvmmu_error_count(void)
{
    return __atomic_load_n(&error_count, __ATOMIC_ACQUIRE);
}

void pvmmu_clear_errors(void)
{
    spin_lock(&report_lock);
    __atomic_store_n(&error_count, 0, __ATOMIC_RELEASE);
    spin_unlock(&report_lock);
}

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

#define KEPT 8

/* The last KEPT reports, newest at recent[(error_count - 1) % KEPT]. */
static char recent[KEPT][256];
static unsigned long error_count;

void pvmmu_error(const char *fmt, ...)
{
    va_list ap;

    char *text = recent[error_count % KEPT];

    va_start(ap, fmt);
    pvmmu_vsnprintf(text, sizeof(recent[0]), fmt, ap);
    va_end(ap);
    error_count++;
    platform_log(text);
}

const char *pvmmu_last_error(void)
{
    return error_count ? recent[(error_count - 1) % KEPT] : "";
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

    for (i = 0; i < KEPT && i < error_count; i++)
        if (contains(recent[(error_count - 1 - i) % KEPT], needle))
            return true;
    return false;
}

unsigned long pvmmu_error_count(void)
{
    return error_count;
}

void pvmmu_clear_errors(void)
{
    error_count = 0;
}

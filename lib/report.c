/*
 * The MMU layer's one voice for failures (see include/xen/pvmmu/report.h).
 *
 * Like lguest's kill_guest(), a report never unwinds anything: it records, tells
 * the platform, and lets the caller return its error code.  The latest text is
 * kept whole (tests match on it); the count says whether anything went wrong.
 */
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>

static char last_error[256];
static unsigned long error_count;

void pvmmu_error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    pvmmu_vsnprintf(last_error, sizeof(last_error), fmt, ap);
    va_end(ap);
    error_count++;
    platform_log(last_error);
}

const char *pvmmu_last_error(void)
{
    return last_error;
}

unsigned long pvmmu_error_count(void)
{
    return error_count;
}

void pvmmu_clear_errors(void)
{
    last_error[0] = '\0';
    error_count = 0;
}

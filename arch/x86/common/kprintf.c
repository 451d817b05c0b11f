/*A:210 kprintf: one formatted line through the carrier's kputs().  Shared by the PV
 * kernel and the bare-metal one (each has its own console, and its own kputs). :*/
#include <stdarg.h>
#include <xen/pvmmu/report.h>
#include "carrier.h"

void kprintf(const char *fmt, ...)
{
    char line[512];
    va_list ap;

    va_start(ap, fmt);
    pvmmu_vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    kputs(line);
}

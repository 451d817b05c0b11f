/*S:250 Killing the guest.
 *
 * A guest that hands us a table naming memory it does not have, or flags we
 * refuse, is not confused: it is broken or hostile, and either way it stops
 * here.  Like lguest's kill_guest(), the first reason is the one that counts
 * (it is the cause; what follows is usually its echo), later calls are
 * ignored, and callers simply carry on and return: nothing has to thread an
 * error code back up through four levels of table walking.  The carrier sees
 * shadow_guest_dead() and stops running the guest; every demand fault from
 * then on answers SHADOW_KILLED. :*/
#include <xen/pvmmu/report.h>
#include <xen/pvmmu/shadow.h>
#include "shadow/shadow_int.h"

static char reason[256];
static bool dead;

void shadow_kill_guest(const char *fmt, ...)
{
    va_list ap;

    if (dead)
        return;
    va_start(ap, fmt);
    pvmmu_vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    dead = true;
    pvmmu_error("shadow: guest killed: %s", reason);
}

bool shadow_guest_dead(void)
{
    return dead;
}

const char *shadow_kill_reason(void)
{
    return dead ? reason : "";
}

void shadow_kill_forget(void)
{
    dead = false;
    reason[0] = '\0';
}

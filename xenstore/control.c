/*
 * control/shutdown: how the toolstack asks a PV guest to go away or be saved.
 * `xl shutdown`, `xl reboot`, `xl save` write "poweroff", "reboot", "suspend"
 * there (and "crash" for `xl trigger ... crash`-like requests), then wait for the
 * guest to acknowledge by clearing the key before they conclude it is not
 * cooperating.  So: read, clear, then act.
 */
#include "lib/lib_int.h"
#include <xen/pvmmu/report.h>
#include "xenstore/xenstore.h"

static const char *const names[] = {
    [XS_SHUTDOWN_NONE] = "", [XS_SHUTDOWN_POWEROFF] = "poweroff", [XS_SHUTDOWN_REBOOT] = "reboot",
    [XS_SHUTDOWN_SUSPEND] = "suspend", [XS_SHUTDOWN_CRASH] = "crash", [XS_SHUTDOWN_UNKNOWN] = "(unknown)",
};

const char *xs_shutdown_name(enum xs_shutdown_request r)
{
    return r <= XS_SHUTDOWN_UNKNOWN ? names[r] : "(invalid)";
}

static enum xs_shutdown_request classify(const char *value)
{
    unsigned r;

    for (r = XS_SHUTDOWN_NONE; r < XS_SHUTDOWN_UNKNOWN; r++) {
        const char *a = value, *b = names[r];

        while (*a && *a == *b)
            a++, b++;
        if (!*a && !*b)
            return (enum xs_shutdown_request)r;
    }
    return XS_SHUTDOWN_UNKNOWN;
}

int xs_take_shutdown_request(struct xs_conn *c, enum xs_shutdown_request *out)
{
    char value[XS_MAX_VALUE];
    int rc = xs_read(c, "control/shutdown", value, sizeof(value));

    *out = XS_SHUTDOWN_NONE;
    if (rc == -XEN_ENOENT)
        return 0;   /* the key does not exist until the toolstack first asks */
    if (rc)
        return rc;
    *out = classify(value);
    if (*out == XS_SHUTDOWN_NONE)
        return 0;
    rc = xs_write(c, "control/shutdown", "");
    if (rc)
        return rc;
    if (*out == XS_SHUTDOWN_UNKNOWN)
        pvmmu_error("xenstore: ignoring unknown shutdown request '%.64s'", value);
    return 0;
}

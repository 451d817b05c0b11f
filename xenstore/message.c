/*
 * Parsing what xenstored sends.  Everything here distrusts its input: the other
 * end of the ring is another domain, and a confused or hostile one must produce
 * an error that names what was wrong, never a read past a buffer.
 */
#include "lib/lib_int.h"
#include <xen/pvmmu/report.h>
#include "xenstore/xenstore.h"

/* xenstored sends errors as errno names. */
static const struct { const char *name; int err; } errors[] = {
    { "EINVAL", -XEN_EINVAL }, { "EACCES", -XEN_EACCES }, { "EEXIST", -XEN_EEXIST },
    { "EISDIR", -XEN_EISDIR }, { "ENOENT", -XEN_ENOENT }, { "ENOMEM", -XEN_ENOMEM },
    { "ENOSPC", -XEN_ENOSPC }, { "EIO", -XEN_EIO },       { "ENOTEMPTY", -XEN_ENOTEMPTY },
    { "ENOSYS", -XEN_ENOSYS }, { "EROFS", -XEN_EROFS },   { "EBUSY", -XEN_EBUSY },
    { "EAGAIN", -XEN_EAGAIN }, { "EISCONN", -XEN_EISCONN }, { "E2BIG", -XEN_E2BIG },
    { "EPERM", -XEN_EPERM },
};

static bool same(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

/* The length of a NUL-terminated string inside [s, end), or -1 if it does not end there. */
static long bounded_strlen(const char *s, const char *end)
{
    const char *p;

    for (p = s; p < end; p++)
        if (!*p)
            return p - s;
    return -1;
}

static int parse_error(struct xs_msg *m, const char *end)
{
    unsigned i;

    if (bounded_strlen(m->payload, end) < 0) {
        pvmmu_error("xenstore: malformed XS_ERROR reply: the errno name is not terminated");
        return -XEN_EBADMSG;
    }
    for (i = 0; i < ARRAY_SIZE(errors); i++)
        if (same(m->payload, errors[i].name)) {
            m->error = errors[i].err;
            return 0;
        }
    m->error = -XEN_EIO;   /* an error we have no name for is still an error */
    return 0;
}

static int parse_watch_event(struct xs_msg *m, const char *end)
{
    long path_len = bounded_strlen(m->payload, end), token_len;

    if (path_len < 0) {
        pvmmu_error("xenstore: malformed watch event: the path is not terminated");
        return -XEN_EBADMSG;
    }
    token_len = bounded_strlen(m->payload + path_len + 1, end);
    if (token_len < 0) {
        pvmmu_error("xenstore: malformed watch event for '%.64s': the token is missing or not terminated",
                    m->payload);
        return -XEN_EBADMSG;
    }
    m->watch_path = m->payload;
    m->watch_token = m->payload + path_len + 1;
    return 0;
}

int xs_parse_message(const void *bytes, size_t n, struct xs_msg *out)
{
    const char *end;

    *out = (struct xs_msg){ 0 };
    if (n < sizeof(out->hdr)) {
        pvmmu_error("xenstore: malformed reply: %zu bytes, shorter than a header", n);
        return -XEN_EBADMSG;
    }
    mem_copy(&out->hdr, bytes, sizeof(out->hdr));
    if (out->hdr.len > XENSTORE_PAYLOAD_MAX || out->hdr.len != n - sizeof(out->hdr)) {
        pvmmu_error("xenstore: malformed reply: payload length %u (%zu bytes present, at most %u allowed)",
                    out->hdr.len, n - sizeof(out->hdr), XENSTORE_PAYLOAD_MAX);
        return -XEN_EBADMSG;
    }
    if (out->hdr.type >= XS_TYPE_COUNT) {
        pvmmu_error("xenstore: malformed reply: unknown message type %u", out->hdr.type);
        return -XEN_EBADMSG;
    }
    out->payload = (const char *)bytes + sizeof(out->hdr);
    end = out->payload + out->hdr.len;
    if (out->hdr.type == XS_ERROR)
        return parse_error(out, end);
    if (out->hdr.type == XS_WATCH_EVENT)
        return parse_watch_event(out, end);
    return 0;
}

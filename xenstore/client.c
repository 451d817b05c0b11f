/*
 * The xenstore ring: one page shared with xenstored, a request ring and a
 * response ring of 1 KiB each, with free-running indexes.  A request is a header
 * and a payload copied into `req` as space allows; a reply is read back the same
 * way from `rsp`.  Watch events arrive on `rsp` whenever they like, possibly in
 * the middle of our waiting for a reply, so they are queued as they come.
 *
 * One request is in flight at a time; that is all a kernel that polls for
 * control/shutdown needs, and it keeps reply matching trivial (the req_id must
 * still match: a reply that does not is a protocol error, not a guess).
 */
#include <xen/pvmmu/lib.h>
#include <xen/pvmmu/report.h>
#include <xen/pvmmu/xenstore.h>

/* Not strlen: a freestanding kernel has none, and the compiler may call it for __builtin_strlen. */
static size_t str_len(const char *s)
{
    size_t n = 0;

    while (s[n])
        n++;
    return n;
}

static void barrier(void)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void xs_init(struct xs_conn *c, const struct xs_transport *t)
{
    *c = (struct xs_conn){ .t = *t, .next_req_id = 1 };
}

void xs_reconnect(struct xs_conn *c, const struct xs_transport *t)
{
    unsigned long dropped = c->events_dropped;

    xs_init(c, t);
    c->events_dropped = dropped;
}

/* Wait for the other end; false after max_waits fruitless waits in a row. */
static bool wait_for_progress(struct xs_conn *c, unsigned *fruitless)
{
    if (c->t.wait(c->t.ctx)) {
        *fruitless = 0;
        return true;
    }
    return ++*fruitless < c->t.max_waits;
}

static int write_bytes(struct xs_conn *c, const void *data, size_t len, const char *what)
{
    struct xenstore_domain_interface *r = c->t.ring;
    const char *p = data;
    unsigned fruitless = 0;

    while (len) {
        XENSTORE_RING_IDX cons = r->req_cons, prod = r->req_prod;
        size_t space, chunk;

        barrier();
        if (prod - cons > XENSTORE_RING_SIZE) {
            pvmmu_error("xenstore: request ring indexes out of step (cons %u prod %u) sending %s", cons, prod, what);
            c->broken = true;
            return -XEN_EIO;
        }
        space = XENSTORE_RING_SIZE - (prod - cons);
        if (!space) {
            c->t.notify(c->t.ctx);
            if (!wait_for_progress(c, &fruitless)) {
                pvmmu_error("xenstore: no room on the ring for %s after %u waits", what, c->t.max_waits);
                return -XEN_ETIMEDOUT;
            }
            continue;
        }
        chunk = space < len ? space : len;
        if (chunk > XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(prod))
            chunk = XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(prod);
        mem_copy(r->req + MASK_XENSTORE_IDX(prod), p, chunk);
        barrier();
        r->req_prod = prod + (XENSTORE_RING_IDX)chunk;
        p += chunk;
        len -= chunk;
    }
    c->t.notify(c->t.ctx);
    return 0;
}

/* Copy exactly `len` bytes off the response ring, waiting (bounded) for them. */
static int read_bytes(struct xs_conn *c, void *out, size_t len, bool may_wait, const char *what)
{
    struct xenstore_domain_interface *r = c->t.ring;
    char *p = out;
    unsigned fruitless = 0;

    while (len) {
        XENSTORE_RING_IDX cons = r->rsp_cons, prod = r->rsp_prod;
        size_t avail, chunk;

        barrier();
        if (prod - cons > XENSTORE_RING_SIZE) {
            pvmmu_error("xenstore: response ring indexes out of step (cons %u prod %u) awaiting %s", cons, prod, what);
            c->broken = true;
            return -XEN_EIO;
        }
        avail = prod - cons;
        if (!avail) {
            if (!may_wait)
                return -XEN_EAGAIN;
            if (!wait_for_progress(c, &fruitless)) {
                pvmmu_error("xenstore: no reply to %s after %u waits", what, c->t.max_waits);
                return -XEN_ETIMEDOUT;
            }
            continue;
        }
        chunk = avail < len ? avail : len;
        if (chunk > XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(cons))
            chunk = XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(cons);
        mem_copy(p, r->rsp + MASK_XENSTORE_IDX(cons), chunk);
        barrier();
        r->rsp_cons = cons + (XENSTORE_RING_IDX)chunk;
        p += chunk;
        len -= chunk;
        may_wait = true;   /* a message once begun is read to its end */
    }
    c->t.notify(c->t.ctx);
    return 0;
}

static void copy_string(char *dst, size_t size, const char *src)
{
    size_t i;

    for (i = 0; i + 1 < size && src[i]; i++)
        dst[i] = src[i];
    dst[i] = '\0';
}

static void queue_event(struct xs_conn *c, const struct xs_msg *m)
{
    struct xs_event *e;

    if (c->nr_events == XS_MAX_EVENTS) {
        /* Watches fire again on any change; losing the oldest event loses no state. */
        c->first_event = (c->first_event + 1) % XS_MAX_EVENTS;
        c->nr_events--;
        c->events_dropped++;
    }
    e = &c->events[(c->first_event + c->nr_events++) % XS_MAX_EVENTS];
    copy_string(e->path, sizeof(e->path), m->watch_path);
    copy_string(e->token, sizeof(e->token), m->watch_token);
}

/*
 * Read one whole message into buf (header + payload).  may_wait false: return
 * -XEN_EAGAIN at once if nothing has started arriving.
 */
static int read_message(struct xs_conn *c, char *buf, size_t size, struct xs_msg *m, bool may_wait,
                        const char *what)
{
    struct xsd_sockmsg hdr;
    int rc = read_bytes(c, &hdr, sizeof(hdr), may_wait, what);

    if (rc)
        return rc;
    if (hdr.len > XENSTORE_PAYLOAD_MAX || sizeof(hdr) + hdr.len > size) {
        pvmmu_error("xenstore: malformed reply to %s: payload length %u", what, hdr.len);
        c->broken = true;
        return -XEN_EBADMSG;
    }
    mem_copy(buf, &hdr, sizeof(hdr));
    rc = read_bytes(c, buf + sizeof(hdr), hdr.len, true, what);
    if (!rc)
        rc = xs_parse_message(buf, sizeof(hdr) + hdr.len, m);
    if (rc == -XEN_EBADMSG)
        c->broken = true;
    return rc;
}

/* Send one request (payload = the given strings, each NUL-terminated) and read its reply. */
static int transact(struct xs_conn *c, uint32_t type, const char *what, const char *a, const char *b,
                    char *reply, size_t reply_size, struct xs_msg *m)
{
    struct xsd_sockmsg hdr = { .type = type, .req_id = c->next_req_id++ };
    size_t alen = str_len(a) + 1, blen = b ? str_len(b) + (type == XS_WATCH) : 0;
    int rc;

    if (c->broken) {
        pvmmu_error("xenstore: %s not sent: the connection is broken (an earlier malformed reply)", what);
        return -XEN_EIO;
    }
    hdr.len = (uint32_t)(alen + blen);
    rc = write_bytes(c, &hdr, sizeof(hdr), what);
    if (!rc)
        rc = write_bytes(c, a, alen, what);
    if (!rc && b)
        rc = write_bytes(c, b, blen, what);
    while (!rc) {
        rc = read_message(c, reply, reply_size, m, true, what);
        if (rc)
            break;
        if (m->hdr.type == XS_WATCH_EVENT) {
            queue_event(c, m);
            continue;
        }
        if (m->hdr.req_id != hdr.req_id) {
            pvmmu_error("xenstore: reply to %s carries request id %u, expected %u", what, m->hdr.req_id,
                        hdr.req_id);
            c->broken = true;
            return -XEN_EBADMSG;
        }
        if (m->hdr.type == XS_ERROR)
            return m->error;
        if (m->hdr.type != type) {
            pvmmu_error("xenstore: reply to %s has type %u", what, m->hdr.type);
            c->broken = true;
            return -XEN_EBADMSG;
        }
        return 0;
    }
    return rc;
}

static char reply_buf[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX + 1];

int xs_read(struct xs_conn *c, const char *path, char *value, size_t size)
{
    struct xs_msg m;
    char what[80];
    int rc;

    pvmmu_snprintf(what, sizeof(what), "READ %s", path);
    rc = transact(c, XS_READ, what, path, NULL, reply_buf, sizeof(reply_buf), &m);
    if (rc)
        return rc;
    if (m.hdr.len >= size) {
        pvmmu_error("xenstore: value of %s is %u bytes, longer than the %zu expected", path, m.hdr.len, size - 1);
        return -XEN_E2BIG;
    }
    mem_copy(value, m.payload, m.hdr.len);
    value[m.hdr.len] = '\0';
    return 0;
}

int xs_write(struct xs_conn *c, const char *path, const char *value)
{
    struct xs_msg m;
    char what[80];

    pvmmu_snprintf(what, sizeof(what), "WRITE %s", path);
    return transact(c, XS_WRITE, what, path, value, reply_buf, sizeof(reply_buf), &m);
}

int xs_watch(struct xs_conn *c, const char *path, const char *token)
{
    struct xs_msg m;
    char what[80];

    pvmmu_snprintf(what, sizeof(what), "WATCH %s", path);
    return transact(c, XS_WATCH, what, path, token, reply_buf, sizeof(reply_buf), &m);
}

int xs_next_event(struct xs_conn *c, struct xs_event *out)
{
    struct xs_msg m;
    int rc = 0;

    while (!c->broken && !rc) {
        rc = read_message(c, reply_buf, sizeof(reply_buf), &m, false, "a watch event");
        if (!rc && m.hdr.type == XS_WATCH_EVENT)
            queue_event(c, &m);
        else if (!rc) {
            pvmmu_error("xenstore: unexpected message of type %u with nothing in flight", m.hdr.type);
            c->broken = true;
            rc = -XEN_EBADMSG;
        }
    }
    if (rc && rc != -XEN_EAGAIN)
        return rc;
    if (!c->nr_events)
        return 0;
    *out = c->events[c->first_event];
    c->first_event = (c->first_event + 1) % XS_MAX_EVENTS;
    c->nr_events--;
    return 1;
}

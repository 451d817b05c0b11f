/*
 * The xenstore ring: one page shared with xenstored, a request ring and a
 * response ring of 1 KiB each, with free-running indexes.  A request is a header
 * and a payload copied into `req` as space allows; a reply is read back the same
 * way from `rsp`.  Watch events arrive on `rsp` whenever they like, possibly in
 * the middle of our waiting for a reply, so they are queued as they come.
 *
 * One request is awaited at a time; that is all a kernel that polls for
 * control/shutdown needs.  But a wait is bounded, and xenstored (in a busy dom0)
 * may answer after we have stopped waiting, so the stream is kept exact across
 * timeouts, as Linux's xenbus does with its read and write state:
 *  - a request is kept whole in c->out until all of it is on the ring; one a full
 *    ring cut short is finished before the next (xenstored reads it by its length);
 *  - a message is read into c->in and a timeout keeps what was read, so its rest
 *    is read on from there, never taken for a new header;
 *  - every request carries its own req_id; one given up on is remembered, and its
 *    late reply, whenever it comes (in any order), is dropped by that id.
 * A reply with an id we never gave, a malformed message, or ring indexes out of
 * step mean the stream itself cannot be trusted: only then is the connection
 * broken, with the reason kept for every refusal after.
 */
#include <stdarg.h>
#include "lib/lib_int.h"
#include <xen/pvmmu/report.h>
#include "xenstore/xenstore.h"

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

/* n bytes of the request ring from index `from`, across its wrap. */
static void request_ring_bytes(const struct xenstore_domain_interface *r, XENSTORE_RING_IDX from, void *dst,
                               size_t n)
{
    char *d = dst;
    size_t i;

    for (i = 0; i < n; i++)
        d[i] = r->req[MASK_XENSTORE_IDX(from + (XENSTORE_RING_IDX)i)];
}

/*
 * Whether request `id` is among those still unread on the request ring: the new
 * xenstored reads the saved page from req_cons on, so it will answer exactly
 * these.  Their headers follow one another from req_cons; the last may be cut.
 */
static bool unread_on_request_ring(const struct xs_conn *c, uint32_t id)
{
    const struct xenstore_domain_interface *r = c->t.ring;
    XENSTORE_RING_IDX pos = r->req_cons, prod = r->req_prod;
    struct xsd_sockmsg hdr;

    if (prod - pos > XENSTORE_RING_SIZE)
        return false;
    while (prod - pos >= sizeof(hdr)) {
        request_ring_bytes(r, pos, &hdr, sizeof(hdr));
        if (hdr.req_id == id)
            return true;
        if (hdr.len > XENSTORE_PAYLOAD_MAX || sizeof(hdr) + hdr.len >= prod - pos)
            return false;   /* not a header, or the last request on the ring */
        pos += (XENSTORE_RING_IDX)(sizeof(hdr) + hdr.len);
    }
    return false;
}

/* The id of the request in c->out (valid while out_len is not 0). */
static uint32_t request_being_written(const struct xs_conn *c)
{
    struct xsd_sockmsg hdr;

    mem_copy(&hdr, c->out, sizeof(hdr));
    return hdr.req_id;
}

/*
 * A new domain, a new connection, on the same ring page, saved with whatever was
 * on it.  The old xenstored's half-read state is gone with the old connection:
 *
 * - Bytes of the old stream on the response ring would be taken for a new
 *   header, so they are dropped, as Linux's xenbus does when it resumes.
 * - Requests still unread on the request ring will be read and answered by the
 *   new xenstored, with the ids they carry: those stay given up on (their
 *   replies dropped when they come), and numbering goes on from where it was,
 *   so no new request can share an id with an old one.  Requests the old
 *   xenstored read will never be answered now: forgotten.
 * - A request a full ring cut short is finished first if its start is still
 *   unread (the new xenstored will read it from its header); if the old one
 *   read its start, its rest would be a new header to the new one: dropped.
 */
void xs_reconnect(struct xs_conn *c, const struct xs_transport *t)
{
    const struct xenstore_domain_interface *r = t->ring;
    unsigned i = 0;

    c->t = *t;
    c->broken = false;
    c->broken_why[0] = '\0';
    c->in_got = 0;
    c->first_event = c->nr_events = 0;
    if (c->out_len && r->req_prod - r->req_cons < c->out_sent)
        c->out_len = c->out_sent = 0;
    while (i < c->nr_abandoned) {
        uint32_t id = c->abandoned[i];

        if (unread_on_request_ring(c, id) || (c->out_len && id == request_being_written(c)))
            i++;
        else
            c->abandoned[i] = c->abandoned[--c->nr_abandoned];
    }
    c->t.ring->rsp_cons = c->t.ring->rsp_prod;
}

/*
 * Mark the connection broken: the stream is out of step (or the other end is
 * not speaking the protocol), so nothing read from it after is trusted.  Said
 * once, with `why`, and repeated in every refusal after.
 */
static int __attribute__((format(printf, 3, 4))) break_connection(struct xs_conn *c, const char *what,
                                                                   const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    pvmmu_vsnprintf(c->broken_why, sizeof(c->broken_why), fmt, ap);
    va_end(ap);
    c->broken = true;
    pvmmu_error("xenstore: connection broken during %s: %s", what, c->broken_why);
    return -XEN_EBADMSG;
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

/* --- writing: one request at a time, kept whole in c->out until all of it is on the ring --- */

/* Put as much of the rest of c->out on the request ring as it has room for.  -XEN_EAGAIN: full. */
static int push_request(struct xs_conn *c, const char *what)
{
    struct xenstore_domain_interface *r = c->t.ring;

    while (c->out_sent < c->out_len) {
        XENSTORE_RING_IDX cons = r->req_cons, prod = r->req_prod;
        size_t space, chunk, left = c->out_len - c->out_sent;

        barrier();
        if (prod - cons > XENSTORE_RING_SIZE)
            return break_connection(c, what, "request ring indexes out of step (cons %u prod %u)", cons, prod);
        space = XENSTORE_RING_SIZE - (prod - cons);
        if (!space)
            return -XEN_EAGAIN;
        chunk = space < left ? space : left;
        if (chunk > XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(prod))
            chunk = XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(prod);
        mem_copy(r->req + MASK_XENSTORE_IDX(prod), c->out + c->out_sent, chunk);
        barrier();   /* the bytes before the index that publishes them */
        r->req_prod = prod + (XENSTORE_RING_IDX)chunk;
        c->out_sent += chunk;
    }
    return 0;
}

/*
 * Finish writing c->out, waiting (bounded) for room.  On a timeout what is
 * already on the ring stays there and the rest stays in c->out: xenstored reads
 * a request as its header says, so the next one must not start until this one
 * is whole (transact finishes it first).
 */
static int finish_request(struct xs_conn *c, const char *what)
{
    unsigned fruitless = 0;
    int rc;

    for (;;) {
        rc = push_request(c, what);
        c->t.notify(c->t.ctx);
        if (rc != -XEN_EAGAIN)
            break;
        if (!wait_for_progress(c, &fruitless)) {
            pvmmu_error("xenstore: no room on the ring for %s after %u waits (%zu of its %zu bytes sent)", what,
                        c->t.max_waits, c->out_sent, c->out_len);
            return -XEN_ETIMEDOUT;
        }
    }
    if (!rc)
        c->out_len = c->out_sent = 0;
    return rc;
}

/* --- reading: one message at a time into c->in, resumed where a timeout left it ---------- */

/* Move bytes off the response ring into c->in until it holds `upto`.  -XEN_EAGAIN: the ring ran dry. */
static int pull_bytes(struct xs_conn *c, size_t upto, const char *what)
{
    struct xenstore_domain_interface *r = c->t.ring;
    bool moved = false;
    int rc = 0;

    while (c->in_got < upto) {
        XENSTORE_RING_IDX cons = r->rsp_cons, prod = r->rsp_prod;
        size_t avail, chunk;

        barrier();
        if (prod - cons > XENSTORE_RING_SIZE) {
            rc = break_connection(c, what, "response ring indexes out of step (cons %u prod %u)", cons, prod);
            break;
        }
        avail = prod - cons;
        if (!avail) {
            rc = -XEN_EAGAIN;
            break;
        }
        chunk = avail < upto - c->in_got ? avail : upto - c->in_got;
        if (chunk > XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(cons))
            chunk = XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(cons);
        mem_copy(c->in + c->in_got, r->rsp + MASK_XENSTORE_IDX(cons), chunk);
        barrier();   /* the bytes copied before the index that frees their room */
        r->rsp_cons = cons + (XENSTORE_RING_IDX)chunk;
        c->in_got += chunk;
        moved = true;
    }
    if (moved)
        c->t.notify(c->t.ctx);   /* xenstored may be waiting for room to write the rest */
    return rc;
}

/* What xs_parse_message just reported, without its "xenstore: " (the break says it again). */
static const char *parser_said(void)
{
    const char *said = pvmmu_last_error(), *prefix = "xenstore: ";
    size_t i;

    for (i = 0; prefix[i] && said[i] == prefix[i]; i++)
        ;
    return prefix[i] ? said : said + i;
}

/*
 * Read on into the message in c->in: its header, then as much payload as the
 * header says.  0 with `m` parsed (pointing into c->in, valid until the next
 * read) once the message is whole; -XEN_EAGAIN while it is not.
 */
static int read_on(struct xs_conn *c, struct xs_msg *m, const char *what)
{
    struct xsd_sockmsg hdr;
    int rc = pull_bytes(c, sizeof(hdr), what);

    if (rc)
        return rc;
    mem_copy(&hdr, c->in, sizeof(hdr));
    if (hdr.len > XENSTORE_PAYLOAD_MAX)
        return break_connection(c, what, "a message's payload length %u is over XENSTORE_PAYLOAD_MAX (%u)",
                                hdr.len, XENSTORE_PAYLOAD_MAX);
    rc = pull_bytes(c, sizeof(hdr) + hdr.len, what);
    if (rc)
        return rc;
    c->in_got = 0;   /* whole: the next byte starts the next message */
    if (xs_parse_message(c->in, sizeof(hdr) + hdr.len, m))
        return break_connection(c, what, "%s", parser_said());
    return 0;
}

/* The next whole message; may_wait false: -XEN_EAGAIN at once when there is none yet. */
static int next_message(struct xs_conn *c, struct xs_msg *m, bool may_wait, const char *what)
{
    unsigned fruitless = 0;
    int rc;

    while ((rc = read_on(c, m, what)) == -XEN_EAGAIN && may_wait)
        if (!wait_for_progress(c, &fruitless)) {
            pvmmu_error("xenstore: no reply to %s after %u waits (%zu bytes of a message read so far)", what,
                        c->t.max_waits, c->in_got);
            return -XEN_ETIMEDOUT;
        }
    return rc;
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

/* --- matching replies to requests by req_id ------------------------------------------ */

static void give_up(struct xs_conn *c, uint32_t req_id)
{
    c->abandoned[c->nr_abandoned++] = req_id;   /* room was made before the request was sent */
}

/* Whether req_id is one given up on; if so its reply has now come, and it is forgotten. */
static bool forget_abandoned(struct xs_conn *c, uint32_t req_id)
{
    unsigned i;

    for (i = 0; i < c->nr_abandoned; i++)
        if (c->abandoned[i] == req_id) {
            c->abandoned[i] = c->abandoned[--c->nr_abandoned];
            return true;
        }
    return false;
}

/*
 * What a whole message is, with request `id` in flight (0: none).  1: its
 * reply.  0: something else, dealt with (a watch event queued, a late reply to
 * a request given up on dropped).  A reply to no request we have is the stream
 * out of step: broken.
 */
static int route(struct xs_conn *c, const struct xs_msg *m, uint32_t id, const char *what)
{
    if (m->hdr.type == XS_WATCH_EVENT) {
        queue_event(c, m);
        return 0;
    }
    if (id && m->hdr.req_id == id)
        return 1;
    if (forget_abandoned(c, m->hdr.req_id))
        return 0;
    if (!id)
        return break_connection(c, what, "a reply (type %u) carries request id %u, and no request is in flight",
                                m->hdr.type, m->hdr.req_id);
    return break_connection(c, what, "a reply carries request id %u, expected %u (or one given up on)",
                            m->hdr.req_id, id);
}

/*
 * Before a new request: finish the one a full ring cut short (its reply, when it
 * comes, is dropped: it was given up on), and make sure there is room to give up
 * on the new one, by reading what xenstored still owes.
 */
static int get_in_step(struct xs_conn *c, const char *what)
{
    struct xs_msg m;
    int rc;

    if (c->out_len) {
        rc = finish_request(c, "the rest of a request given up on");
        if (rc)
            return rc;
    }
    while (c->nr_abandoned == XS_MAX_ABANDONED) {
        rc = next_message(c, &m, true, "the replies to requests given up on");
        if (!rc)
            rc = route(c, &m, 0, "the replies to requests given up on");
        if (rc) {
            pvmmu_error("xenstore: %s not sent: xenstored still owes replies to %u requests given up on", what,
                        c->nr_abandoned);
            return rc;
        }
    }
    return 0;
}

/* Lay out one request in c->out: header, then the strings (each NUL-terminated where the wire wants). */
static int build_request(struct xs_conn *c, uint32_t type, uint32_t id, const char *what, const char *a,
                         const char *b)
{
    struct xsd_sockmsg hdr = { .type = type, .req_id = id };
    size_t alen = str_len(a) + 1, blen = b ? str_len(b) + (type == XS_WATCH) : 0;

    if (alen + blen > XENSTORE_PAYLOAD_MAX) {
        pvmmu_error("xenstore: %s not sent: its payload of %zu bytes is over XENSTORE_PAYLOAD_MAX (%u)", what,
                    alen + blen, XENSTORE_PAYLOAD_MAX);
        return -XEN_E2BIG;
    }
    hdr.len = (uint32_t)(alen + blen);
    mem_copy(c->out, &hdr, sizeof(hdr));
    mem_copy(c->out + sizeof(hdr), a, alen);
    if (b)
        mem_copy(c->out + sizeof(hdr) + alen, b, blen);
    c->out_len = sizeof(hdr) + alen + blen;
    c->out_sent = 0;
    return 0;
}

/* Send the request in c->out as `id`; if it times out, give it up so its reply is dropped. */
static int send_request(struct xs_conn *c, uint32_t id, const char *what)
{
    int rc = finish_request(c, what);

    if (rc == -XEN_ETIMEDOUT && !c->out_sent)
        c->out_len = 0;   /* nothing of it reached the ring: no reply will come */
    else if (rc == -XEN_ETIMEDOUT)
        give_up(c, id);   /* the rest goes first next time; xenstored will answer it */
    return rc;
}

/* Send one request (payload = the given strings) and read its reply into `m`. */
static int transact(struct xs_conn *c, uint32_t type, const char *what, const char *a, const char *b,
                    struct xs_msg *m)
{
    uint32_t id;
    int rc;

    if (c->broken) {
        pvmmu_error("xenstore: %s not sent: the connection is broken (%s)", what, c->broken_why);
        return -XEN_EIO;
    }
    rc = get_in_step(c, what);
    if (rc)
        return rc;
    id = c->next_req_id++;
    rc = build_request(c, type, id, what, a, b);
    if (!rc)
        rc = send_request(c, id, what);
    while (!rc) {
        rc = next_message(c, m, true, what);
        if (rc == -XEN_ETIMEDOUT)
            give_up(c, id);
        if (!rc)
            rc = route(c, m, id, what);
        if (rc == 1 && m->hdr.type == XS_ERROR)
            return m->error;
        if (rc == 1 && m->hdr.type != type)
            return break_connection(c, what, "the reply to request id %u has type %u", id, m->hdr.type);
        if (rc == 1)
            return 0;
    }
    return rc;
}

int xs_read(struct xs_conn *c, const char *path, char *value, size_t size)
{
    struct xs_msg m;
    char what[80];
    int rc;

    pvmmu_snprintf(what, sizeof(what), "READ %s", path);
    rc = transact(c, XS_READ, what, path, NULL, &m);
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
    return transact(c, XS_WRITE, what, path, value, &m);
}

int xs_watch(struct xs_conn *c, const char *path, const char *token)
{
    struct xs_msg m;
    char what[80];

    pvmmu_snprintf(what, sizeof(what), "WATCH %s", path);
    return transact(c, XS_WATCH, what, path, token, &m);
}

int xs_next_event(struct xs_conn *c, struct xs_event *out)
{
    struct xs_msg m;
    int rc = 0;

    while (!c->broken && !rc) {
        rc = next_message(c, &m, false, "a poll for watch events");
        if (!rc)
            rc = route(c, &m, 0, "a poll for watch events");
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

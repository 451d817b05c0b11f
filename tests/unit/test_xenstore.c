/*
 * The xenstore client against a small xenstored played in-process: it serves
 * the ring whenever the client notifies, from a tiny table of keys, and can
 * misbehave on request (stay silent, send garbage, answer the wrong request,
 * fire watches in the middle of a reply), or be slow the way a busy dom0 is:
 * hold its replies back past the client's timeout (HOLD: they wait in `held`
 * until the test releases them, a few bytes or all), or stop reading requests
 * (stalled) so that the request ring fills.
 */
#include <stdlib.h>
#include "pvmmu_test.h"
#include "xenstore/xenstore.h"

static struct xenstore_domain_interface ring;
static struct xs_conn conn;

static struct {
    char key[8][64], value[8][2048];
    unsigned n;
    enum { OK, SILENT, HUGE_LEN, WRONG_ID, EVENT_FIRST, UNTERMINATED_EVENT, HOLD } mode;
    char watch_path[64], watch_token[64];
    unsigned requests;
    bool stalled;                 /* reads no requests: the request ring fills */
    char held[8192];              /* HOLD: replies written but not yet on the ring */
    char out[8192];               /* replies let go, waiting for room on the ring */
    size_t nr_out;
    size_t nr_held, leak;         /* leak: bytes of the next held reply let through at once */
    char req[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX + 1];   /* the request being read */
    size_t req_got;
} d;

/* Move what the daemon has written onto the response ring, as far as it has room. */
static void flush(void)
{
    size_t n = 0;

    while (n < d.nr_out && ring.rsp_prod - ring.rsp_cons < XENSTORE_RING_SIZE)
        ring.rsp[MASK_XENSTORE_IDX(ring.rsp_prod++)] = d.out[n++];
    memmove(d.out, d.out + n, d.nr_out - n);
    d.nr_out -= n;
}

static void append(char *queue, size_t *len, const void *data, size_t n)
{
    memcpy(queue + *len, data, n);
    *len += n;
}

static void put(const void *data, size_t len)
{
    if (d.mode == HOLD) {
        append(d.held, &d.nr_held, data, len);
        return;
    }
    append(d.out, &d.nr_out, data, len);
    flush();
}

/* Let the first n held bytes go (the late part of a reply arriving). */
static void release(size_t n)
{
    append(d.out, &d.nr_out, d.held, n);
    memmove(d.held, d.held + n, d.nr_held - n);
    d.nr_held -= n;
    flush();
}

static void reply(uint32_t type, uint32_t id, const void *payload, uint32_t len)
{
    struct xsd_sockmsg h = { .type = type, .req_id = id, .len = len };

    if (d.mode == HUGE_LEN)
        h.len = 100000;
    if (d.mode == WRONG_ID)
        h.req_id = id + 7;
    put(&h, sizeof(h));
    put(payload, len);
    if (d.mode == HOLD && d.leak) {
        release(d.leak);
        d.leak = 0;
    }
}

static void event(const char *path, const char *token)
{
    char buf[200];
    size_t pl = strlen(path) + 1, tl = strlen(token) + 1;

    memcpy(buf, path, pl);
    memcpy(buf + pl, token, tl);
    if (d.mode == UNTERMINATED_EVENT)
        tl--;
    {
        struct xsd_sockmsg h = { .type = XS_WATCH_EVENT, .len = (uint32_t)(pl + tl) };

        put(&h, sizeof(h));
        put(buf, pl + tl);
    }
}

static int find(const char *key)
{
    unsigned i;

    for (i = 0; i < d.n; i++)
        if (!strcmp(d.key[i], key))
            return (int)i;
    return -1;
}

static void set(const char *key, const char *value)
{
    int i = find(key);

    if (i < 0) {
        i = (int)d.n++;
        strcpy(d.key[i], key);
    }
    strcpy(d.value[i], value);
    if (d.watch_path[0] && !strcmp(key, d.watch_path))
        event(key, d.watch_token);
}

/*
 * Take request bytes off the ring into `d.req` until it holds `upto`, as
 * xenstored does (a request may be longer than the ring).  Whether it does.
 */
static bool take_request_bytes(size_t upto)
{
    while (d.req_got < upto && ring.req_cons != ring.req_prod)
        d.req[d.req_got++] = ring.req[MASK_XENSTORE_IDX(ring.req_cons++)];
    return d.req_got >= upto;
}

/* Serve every whole request on the ring. */
static void serve(void *ctx)
{
    (void)ctx;
    flush();
    while (!d.stalled && take_request_bytes(sizeof(struct xsd_sockmsg))) {
        struct xsd_sockmsg h;
        char *body = d.req + sizeof(h);

        memcpy(&h, d.req, sizeof(h));
        if (h.len > XENSTORE_PAYLOAD_MAX)
            fail_msg("the client sent a request with payload length %u", h.len);
        if (!take_request_bytes(sizeof(h) + h.len))
            return;
        body[h.len] = '\0';
        d.req_got = 0;
        d.requests++;
        if (d.mode == SILENT)
            continue;
        if (d.mode == EVENT_FIRST)
            event("control/shutdown", "tok");
        if (h.type == XS_READ) {
            int k = find(body);

            if (k < 0)
                reply(XS_ERROR, h.req_id, "ENOENT", 7);
            else
                reply(XS_READ, h.req_id, d.value[k], (uint32_t)strlen(d.value[k]));
        } else if (h.type == XS_WRITE) {
            size_t kl = strlen(body);

            reply(XS_WRITE, h.req_id, "OK", 3);
            set(body, body + kl + 1);
        } else if (h.type == XS_WATCH) {
            strcpy(d.watch_path, body);
            strcpy(d.watch_token, body + strlen(body) + 1);
            reply(XS_WATCH, h.req_id, "OK", 3);
            event(d.watch_path, d.watch_token);   /* xenstored fires a new watch once at once */
        }
    }
}

static unsigned waits;
static bool wait_once(void *ctx)
{
    waits++;
    serve(ctx);
    return ring.rsp_prod != ring.rsp_cons;
}

static int setup(void **state)
{
    struct xs_transport t = { &ring, serve, wait_once, NULL, 5 };

    (void)state;
    memset(&ring, 0, sizeof(ring));
    memset(&d, 0, sizeof(d));
    waits = 0;
    xs_init(&conn, &t);
    pvmmu_clear_errors();
    return 0;
}

static void test_read_and_write_round_trip(void **state)
{
    char v[64];

    (void)state;
    assert_int_equal(xs_write(&conn, "data/x", "hello"), 0);
    assert_int_equal(xs_read(&conn, "data/x", v, sizeof(v)), 0);
    assert_string_equal(v, "hello");
}

static void test_a_missing_key_is_enoent(void **state)
{
    char v[8];

    (void)state;
    assert_int_equal(xs_read(&conn, "nope", v, sizeof(v)), -XEN_ENOENT);
}

static void test_a_value_too_long_for_the_buffer_is_refused_by_name(void **state)
{
    char v[4];

    (void)state;
    xs_write(&conn, "data/long", "0123456789");
    assert_int_equal(xs_read(&conn, "data/long", v, sizeof(v)), -XEN_E2BIG);
    assert_error_contains("data/long");
}

static void test_many_requests_wrap_the_rings(void **state)
{
    char v[64], want[64];
    int i;

    (void)state;
    for (i = 0; i < 300; i++) {
        snprintf(want, sizeof(want), "value-%d", i);
        assert_int_equal(xs_write(&conn, "data/w", want), 0);
        assert_int_equal(xs_read(&conn, "data/w", v, sizeof(v)), 0);
        assert_string_equal(v, want);
    }
}

static void test_a_silent_xenstored_times_out_naming_the_request(void **state)
{
    char v[8];

    (void)state;
    d.mode = SILENT;
    assert_int_equal(xs_read(&conn, "control/shutdown", v, sizeof(v)), -XEN_ETIMEDOUT);
    assert_error_contains("no reply to READ control/shutdown after 5 waits");
}

/*
 * A daemon misbehaving as `mode` says breaks the connection: the read fails
 * naming why, and every refusal after says the same reason, by name.
 */
static void assert_breaks_the_connection_saying(int mode, const char *why)
{
    char v[8];

    d.mode = mode;
    assert_int_equal(xs_read(&conn, "k", v, sizeof(v)), -XEN_EBADMSG);
    assert_error_contains(why);
    assert_true(conn.broken);
    d.mode = OK;
    assert_int_equal(xs_read(&conn, "k", v, sizeof(v)), -XEN_EIO);
    assert_error_contains("the connection is broken (");
    assert_error_contains(why);
}

static void test_a_huge_payload_length_breaks_the_connection_and_is_named(void **state)
{
    (void)state;
    assert_breaks_the_connection_saying(HUGE_LEN, "payload length 100000 is over XENSTORE_PAYLOAD_MAX");
}

/*
 * Guards: a reply with a req_id we never gave (not the one awaited, not one given
 * up on) is the stream out of step: the connection is broken, saying so.
 */
static void test_a_reply_to_no_request_of_ours_breaks_the_connection_saying_why(void **state)
{
    (void)state;
    xs_write(&conn, "k", "v");
    assert_breaks_the_connection_saying(WRONG_ID, "a reply carries request id 9, expected 2");
}

/*
 * Keys a and b, and a read of a that times out: the daemon holds its reply back
 * but for the first `leak` bytes, then (mode OK) answers at once again.
 */
static void time_out_reading_a(size_t leak)
{
    char v[64];

    set("data/a", "a-value");
    set("data/b", "b-value");
    d.mode = HOLD;
    d.leak = leak;
    assert_int_equal(xs_read(&conn, "data/a", v, sizeof(v)), -XEN_ETIMEDOUT);
    d.mode = OK;
}

static void assert_reads(const char *key, const char *want)
{
    char v[64];

    assert_int_equal(xs_read(&conn, key, v, sizeof(v)), 0);
    assert_string_equal(v, want);
}

/*
 * Guards (issue 9): a reply that comes after we stopped waiting for it is
 * dropped by its req_id when it comes, not taken for the next request's reply
 * (which broke every request after a single timeout).
 */
static void test_a_late_reply_is_dropped_not_taken_for_the_next_ones(void **state)
{
    (void)state;
    time_out_reading_a(0);
    release(d.nr_held);                                   /* a's reply, late */
    assert_reads("data/b", "b-value");
    assert_false(conn.broken);
}

/*
 * Guards (issue 9): a timeout in the middle of a reply, at any byte of its header
 * or payload, keeps what was read; the rest, when it comes, completes that
 * message, and is never taken for the start of the next one.
 */
static void test_a_reply_cut_by_a_timeout_at_any_byte_is_read_on_in_step(void **state)
{
    size_t whole = sizeof(struct xsd_sockmsg) + strlen("a-value"), split;

    for (split = 1; split < whole; split++) {
        setup(state);
        time_out_reading_a(split);                        /* this much came before the timeout */
        assert_int_equal(ring.rsp_cons, split);           /* read, and kept */
        release(d.nr_held);
        assert_reads("data/b", "b-value");
        assert_false(conn.broken);
    }
}

/*
 * Guards (issue 9): replies in another order than their requests.  The reply to a
 * request given up on may come after the next request's reply; it is matched by
 * req_id and dropped, even when nothing is in flight (a poll for watch events),
 * and the connection stays good.
 */
static void test_replies_out_of_order_are_matched_by_request_id(void **state)
{
    struct xs_event e;

    (void)state;
    time_out_reading_a(0);
    assert_reads("data/b", "b-value");                    /* b is answered first... */
    pvmmu_clear_errors();
    release(d.nr_held);                                   /* ...then a */
    assert_int_equal(xs_next_event(&conn, &e), 0);
    assert_no_errors();
    assert_reads("data/a", "a-value");
}

/*
 * Guards: a reconnect (resume in a new domain) starts a new stream.  What the
 * old one left on the response ring, here the rest of a reply cut by a timeout,
 * is dropped, not read as the header of the first reply on the new connection.
 */
static void test_a_reconnect_drops_what_the_old_stream_left_on_the_ring(void **state)
{
    struct xs_transport t = conn.t;

    (void)state;
    time_out_reading_a(5);
    release(d.nr_held);                                   /* the old reply's tail, on the saved page */
    xs_reconnect(&conn, &t);
    assert_reads("data/b", "b-value");
    assert_false(conn.broken);
}

/* XS_MAX_ABANDONED reads of data/a whose replies xenstored holds back: all given up on. */
static void give_up_on_as_many_reads_as_can_be_owed(void)
{
    char v[64];
    unsigned i;

    set("data/a", "a-value");
    d.mode = HOLD;
    for (i = 0; i < XS_MAX_ABANDONED; i++)
        assert_int_equal(xs_read(&conn, "data/a", v, sizeof(v)), -XEN_ETIMEDOUT);
}

/* The save and restore of a domain: a new xenstored connection on the saved ring page. */
static void restore_into_a_new_domain(void)
{
    struct xs_transport t = conn.t;

    d.stalled = false;
    d.req_got = d.nr_out = d.nr_held = 0;   /* the old connection's half-read request and replies are gone */
    xs_reconnect(&conn, &t);
}

/*
 * Guards: a request still unread on the saved ring is read and answered by the new
 * xenstored, under the id it carries.  That reply is not the answer to a new
 * request: ids go on from where they were, and the old one stays given up on.
 */
static void test_a_request_left_on_the_saved_ring_is_answered_after_a_restore_and_not_taken_for_a_new_one(
    void **state)
{
    char v[64];

    (void)state;
    set("data/a", "a-value");
    set("data/b", "b-value");
    d.stalled = true;
    assert_int_equal(xs_read(&conn, "data/a", v, sizeof(v)), -XEN_ETIMEDOUT);
    restore_into_a_new_domain();
    assert_reads("data/b", "b-value");
    assert_int_equal(d.requests, 2);        /* the old read was answered too, and its reply dropped */
    assert_int_equal(conn.nr_abandoned, 0);
    assert_false(conn.broken);
}

/* Guards: what the old xenstored had read will never be answered now: not owed after a restore. */
static void test_requests_the_old_xenstored_read_are_not_owed_after_a_restore(void **state)
{
    (void)state;
    give_up_on_as_many_reads_as_can_be_owed();
    d.mode = OK;
    restore_into_a_new_domain();
    assert_int_equal(conn.nr_abandoned, 0);
    assert_reads("data/a", "a-value");
}

/*
 * Guards: a request a full ring cut short, with its start still unread on the saved
 * ring, is finished first after a restore, so the new xenstored reads it whole and
 * the next request after it in step.
 */
static void test_a_request_cut_short_before_a_save_is_finished_after_the_restore(void **state)
{
    char big[1500 + 1], v[sizeof(big)];

    (void)state;
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    set("data/b", "b-value");
    d.stalled = true;
    assert_int_equal(xs_write(&conn, "data/big", big), -XEN_ETIMEDOUT);
    restore_into_a_new_domain();
    assert_reads("data/b", "b-value");
    assert_int_equal(xs_read(&conn, "data/big", v, sizeof(v)), 0);
    assert_string_equal(v, big);
    assert_false(conn.broken);
}

/*
 * Guards (issue 9): a request cut short by a full request ring.  xenstored reads
 * a request by the length in its header, so the rest must follow before any new
 * request starts; the cut request is finished first, its reply dropped, and the
 * next request answered.
 */
static void test_a_request_cut_short_by_a_full_ring_is_finished_before_the_next(void **state)
{
    char big[1500 + 1], v[sizeof(big)];

    (void)state;
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    d.stalled = true;
    assert_int_equal(xs_write(&conn, "data/big", big), -XEN_ETIMEDOUT);
    assert_error_contains("of its 1525 bytes sent");
    assert_int_equal(ring.req_prod - ring.req_cons, XENSTORE_RING_SIZE);   /* a part is on the ring */
    d.stalled = false;
    assert_int_equal(xs_read(&conn, "data/big", v, sizeof(v)), 0);
    assert_string_equal(v, big);
    assert_int_equal(d.requests, 2);
    assert_false(conn.broken);
}

/*
 * Guards: requests given up on are remembered until their replies come, in a
 * table of XS_MAX_ABANDONED.  With it full, a new request is not sent (a timeout
 * naming why, not a broken connection); once the replies come, requests flow.
 */
static void test_with_too_many_replies_owed_no_new_request_is_sent(void **state)
{
    char v[64];

    (void)state;
    give_up_on_as_many_reads_as_can_be_owed();
    assert_int_equal(xs_read(&conn, "data/a", v, sizeof(v)), -XEN_ETIMEDOUT);
    assert_error_contains("READ data/a not sent: xenstored still owes replies to 8 requests given up on");
    assert_int_equal(d.requests, XS_MAX_ABANDONED);
    assert_false(conn.broken);
    release(d.nr_held);
    d.mode = OK;
    assert_reads("data/a", "a-value");
}

/* Guards: a request longer than xs_wire.h allows is refused before a byte of it is sent. */
static void test_a_request_over_the_payload_max_is_refused_unsent(void **state)
{
    static char huge[XENSTORE_PAYLOAD_MAX + 1];

    (void)state;
    memset(huge, 'y', sizeof(huge) - 1);
    assert_int_equal(xs_write(&conn, "data/huge", huge), -XEN_E2BIG);
    assert_error_contains("WRITE data/huge not sent: its payload of 4106 bytes is over XENSTORE_PAYLOAD_MAX");
    assert_int_equal(ring.req_prod, 0);
}

static void test_watch_events_in_the_middle_of_a_reply_are_queued(void **state)
{
    struct xs_event e;
    char v[8];

    (void)state;
    assert_int_equal(xs_watch(&conn, "control/shutdown", "tok"), 0);
    assert_int_equal(xs_next_event(&conn, &e), 1);         /* the initial firing */
    assert_string_equal(e.path, "control/shutdown");
    d.mode = EVENT_FIRST;
    xs_read(&conn, "nope", v, sizeof(v));
    assert_int_equal(xs_next_event(&conn, &e), 1);
    assert_string_equal(e.token, "tok");
    assert_int_equal(xs_next_event(&conn, &e), 0);
}

static void test_an_unterminated_watch_event_is_refused(void **state)
{
    struct xs_event e;

    (void)state;
    d.mode = UNTERMINATED_EVENT;
    assert_int_equal(xs_watch(&conn, "control/shutdown", "tok"), 0);
    assert_int_equal(xs_next_event(&conn, &e), -XEN_EBADMSG);
    assert_error_contains("token is missing or not terminated");
}

static void test_shutdown_requests_are_acknowledged_then_named(void **state)
{
    static const struct { const char *value; enum xs_shutdown_request r; } cases[] = {
        { "poweroff", XS_SHUTDOWN_POWEROFF }, { "reboot", XS_SHUTDOWN_REBOOT },
        { "suspend", XS_SHUTDOWN_SUSPEND },   { "crash", XS_SHUTDOWN_CRASH },
        { "halt-and-catch-fire", XS_SHUTDOWN_UNKNOWN },
    };
    enum xs_shutdown_request r;
    char v[32];
    unsigned i;

    (void)state;
    assert_int_equal(xs_take_shutdown_request(&conn, &r), 0);   /* no key yet: nothing asked */
    assert_int_equal(r, XS_SHUTDOWN_NONE);
    for (i = 0; i < ARRAY_SIZE(cases); i++) {
        set("control/shutdown", cases[i].value);
        assert_int_equal(xs_take_shutdown_request(&conn, &r), 0);
        assert_int_equal(r, cases[i].r);
        assert_int_equal(xs_read(&conn, "control/shutdown", v, sizeof(v)), 0);
        assert_string_equal(v, "");                               /* acknowledged */
    }
    assert_error_contains("ignoring unknown shutdown request 'halt-and-catch-fire'");
}

static void test_the_parser_refuses_short_and_overlong_messages(void **state)
{
    struct { struct xsd_sockmsg h; char p[8]; } msg = { { XS_READ, 1, 0, 3 }, "abc" };
    struct xs_msg m;

    (void)state;
    assert_int_equal(xs_parse_message(&msg, 10, &m), -XEN_EBADMSG);
    assert_int_equal(xs_parse_message(&msg, sizeof(msg.h) + 3, &m), 0);
    assert_int_equal(xs_parse_message(&msg, sizeof(msg.h) + 4, &m), -XEN_EBADMSG);
    msg.h.type = 999;
    assert_int_equal(xs_parse_message(&msg, sizeof(msg.h) + 3, &m), -XEN_EBADMSG);
    assert_error_contains("unknown message type 999");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup(fn, setup)
        T(test_read_and_write_round_trip),
        T(test_a_missing_key_is_enoent),
        T(test_a_value_too_long_for_the_buffer_is_refused_by_name),
        T(test_many_requests_wrap_the_rings),
        T(test_a_silent_xenstored_times_out_naming_the_request),
        T(test_a_huge_payload_length_breaks_the_connection_and_is_named),
        T(test_a_reply_to_no_request_of_ours_breaks_the_connection_saying_why),
        T(test_a_late_reply_is_dropped_not_taken_for_the_next_ones),
        T(test_a_reply_cut_by_a_timeout_at_any_byte_is_read_on_in_step),
        T(test_replies_out_of_order_are_matched_by_request_id),
        T(test_a_reconnect_drops_what_the_old_stream_left_on_the_ring),
        T(test_a_request_left_on_the_saved_ring_is_answered_after_a_restore_and_not_taken_for_a_new_one),
        T(test_requests_the_old_xenstored_read_are_not_owed_after_a_restore),
        T(test_a_request_cut_short_before_a_save_is_finished_after_the_restore),
        T(test_a_request_cut_short_by_a_full_ring_is_finished_before_the_next),
        T(test_with_too_many_replies_owed_no_new_request_is_sent),
        T(test_a_request_over_the_payload_max_is_refused_unsent),
        T(test_watch_events_in_the_middle_of_a_reply_are_queued),
        T(test_an_unterminated_watch_event_is_refused),
        T(test_shutdown_requests_are_acknowledged_then_named),
        T(test_the_parser_refuses_short_and_overlong_messages),
    };
    return cmocka_run_group_tests_name("xenstore", tests, NULL, NULL);
}

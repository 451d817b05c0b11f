/*
 * The xenstore client against a small xenstored played in-process: it serves
 * the ring whenever the client notifies, from a tiny table of keys, and can
 * misbehave on request (stay silent, send garbage, answer the wrong request,
 * fire watches in the middle of a reply).
 */
#include <stdlib.h>
#include "pvmmu_test.h"
#include <xen/pvmmu/xenstore.h>

static struct xenstore_domain_interface ring;
static struct xs_conn conn;

static struct {
    char key[8][64], value[8][256];
    unsigned n;
    enum { OK, SILENT, HUGE_LEN, WRONG_ID, EVENT_FIRST, UNTERMINATED_EVENT } mode;
    char watch_path[64], watch_token[64];
    unsigned requests;
} d;

static void put(const void *data, size_t len)
{
    const char *p = data;

    while (len--) {
        ring.rsp[MASK_XENSTORE_IDX(ring.rsp_prod)] = *p++;
        ring.rsp_prod++;
    }
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

/* Serve every whole request on the ring. */
static void serve(void *ctx)
{
    (void)ctx;
    while (ring.req_prod - ring.req_cons >= sizeof(struct xsd_sockmsg)) {
        struct xsd_sockmsg h;
        char body[4200];
        unsigned i;

        for (i = 0; i < sizeof(h); i++)
            ((char *)&h)[i] = ring.req[MASK_XENSTORE_IDX(ring.req_cons + i)];
        if (ring.req_prod - ring.req_cons < sizeof(h) + h.len)
            return;
        for (i = 0; i < h.len; i++)
            body[i] = ring.req[MASK_XENSTORE_IDX(ring.req_cons + sizeof(h) + i)];
        body[h.len] = '\0';
        ring.req_cons += sizeof(h) + h.len;
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

static void test_a_huge_payload_length_breaks_the_connection_and_is_named(void **state)
{
    char v[8];

    (void)state;
    d.mode = HUGE_LEN;
    assert_int_equal(xs_read(&conn, "k", v, sizeof(v)), -XEN_EBADMSG);
    assert_error_contains("payload length 100000");
    assert_true(conn.broken);
    d.mode = OK;
    assert_int_equal(xs_read(&conn, "k", v, sizeof(v)), -XEN_EIO);
    assert_error_contains("connection is broken");
}

static void test_a_reply_to_another_request_is_a_protocol_error(void **state)
{
    char v[8];

    (void)state;
    xs_write(&conn, "k", "v");
    d.mode = WRONG_ID;
    assert_int_equal(xs_read(&conn, "k", v, sizeof(v)), -XEN_EBADMSG);
    assert_error_contains("request id");
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
        T(test_a_reply_to_another_request_is_a_protocol_error),
        T(test_watch_events_in_the_middle_of_a_reply_are_queued),
        T(test_an_unterminated_watch_event_is_refused),
        T(test_shutdown_requests_are_acknowledged_then_named),
        T(test_the_parser_refuses_short_and_overlong_messages),
    };
    return cmocka_run_group_tests_name("xenstore", tests, NULL, NULL);
}

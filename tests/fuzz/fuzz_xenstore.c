/*
 * The xenstore client fed arbitrary bytes, three times over: as one message to
 * the parser; as whatever a hostile xenstored could leave on the response ring
 * (any indexes, any contents) while the client waits for a reply or polls for
 * watch events; and as the script of a slow xenstored (below).  Whatever arrives,
 * the client must answer with an error or a value inside its buffer, never read
 * or write out of bounds, never hang.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include "lib/lib_int.h"
#include <xen/pvmmu/report.h>
#include "xenstore/xenstore.h"
#include "tests/fuzz/fuzz.h"

static struct xenstore_domain_interface ring;

static void notify(void *ctx)
{
    (void)ctx;
    ring.req_cons = ring.req_prod;   /* a xenstored that takes every request, answers nothing more */
}

static bool no_more(void *ctx)
{
    (void)ctx;
    return false;
}

/*
 * A slow but honest xenstored, and the client's requests, both read from one
 * script: each byte is the client's next request, or what the daemon does at
 * one of the client's waits.  The daemon reads requests a few bytes at a time
 * (or not at all: the request ring fills), answers them in any order, lets its
 * replies onto the ring split at any byte, fires watches, or lets a wait pass
 * with nothing; at times (SLOW_LIE) it sends a reply to a request id never
 * given.  The client times out on the way, often.  What must hold (issue 9):
 *  - a value read is the answer to that very request (READ k<n> answers "v:k<n>"),
 *    never a late reply to an earlier one;
 *  - every request the daemon reads is whole and well formed, with a fresh
 *    req_id: never half a request followed by the next;
 *  - the daemon never owes more replies than the client can match;
 *  - the connection is broken only after a lie.
 */
enum { SLOW_TAKE_REQUEST, SLOW_ANSWER, SLOW_DELIVER, SLOW_EVENT, SLOW_NOTHING, SLOW_LIE, SLOW_DELIVER_ALL,
       SLOW_OPS };

static struct {
    const uint8_t *script, *end;
    char req[XS_MAX_MESSAGE];         /* the request the daemon is reading */
    size_t req_got;
    uint32_t last_req_id;
    struct { uint32_t id, type; char path[16]; } owed[XS_MAX_ABANDONED + 1];
    unsigned nr_owed;
    char out[8192];                   /* replies written, not yet on the ring */
    size_t nr_out;
    bool lied;
} slow;

/* Queue one message for the ring; false (nothing queued) if the outbox is full. */
static bool slow_send(uint32_t type, uint32_t id, const void *payload, uint32_t len)
{
    struct xsd_sockmsg h = { .type = type, .req_id = id, .len = len };

    if (slow.nr_out + sizeof(h) + len > sizeof(slow.out))
        return false;
    memcpy(slow.out + slow.nr_out, &h, sizeof(h));
    memcpy(slow.out + slow.nr_out + sizeof(h), payload, len);
    slow.nr_out += sizeof(h) + len;
    return true;
}

/* The client sends READ "k<n>", WRITE "k<n>" and a value of 'x's, WATCH "w" "t". */
static bool slow_payload_as_sent(uint32_t type, const char *p, size_t len)
{
    size_t key = strnlen(p, len), i;

    if (type == XS_WATCH)
        return len == 4 && !memcmp(p, "w\0t", 4);
    if (key == len || p[0] != 'k' || (type == XS_READ && len != key + 1))
        return false;
    for (i = key + 1; i < len; i++)
        if (p[i] != 'x')
            return false;
    return true;
}

/* Check a whole request the way xenstored would need it, and owe it a reply. */
static void slow_got_request(void)
{
    struct xsd_sockmsg h;

    memcpy(&h, slow.req, sizeof(h));
    if (h.type != XS_READ && h.type != XS_WRITE && h.type != XS_WATCH)
        fuzz_fail("xenstore", "a request of a type never sent: half a request was followed by another");
    if (h.req_id <= slow.last_req_id)
        fuzz_fail("xenstore", "a request id used twice");
    if (slow.nr_owed == ARRAY_SIZE(slow.owed))
        fuzz_fail("xenstore", "more requests unanswered than the client can match replies to");
    if (!slow_payload_as_sent(h.type, slow.req + sizeof(h), h.len))
        fuzz_fail("xenstore", "a request's payload is not what the client sent: another request is inside it");
    slow.last_req_id = h.req_id;
    slow.owed[slow.nr_owed].id = h.req_id;
    slow.owed[slow.nr_owed].type = h.type;
    snprintf(slow.owed[slow.nr_owed].path, sizeof(slow.owed[0].path), "%.15s", slow.req + sizeof(h));
    slow.nr_owed++;
    slow.req_got = 0;
}

/* Read up to n request bytes off the ring, as xenstored does: a request may be longer than the ring. */
static void slow_take_request(size_t n)
{
    struct xsd_sockmsg h;

    while (n-- && ring.req_cons != ring.req_prod) {
        slow.req[slow.req_got++] = ring.req[MASK_XENSTORE_IDX(ring.req_cons++)];
        if (slow.req_got < sizeof(h))
            continue;
        memcpy(&h, slow.req, sizeof(h));
        if (h.len > XENSTORE_PAYLOAD_MAX)
            fuzz_fail("xenstore", "a request longer than XENSTORE_PAYLOAD_MAX: half a request was followed by another");
        if (slow.req_got == sizeof(h) + h.len)
            slow_got_request();
    }
}

/* Answer the owed request `i` (any of them: replies out of order); a READ k<n> with "v:k<n>". */
static void slow_answer(unsigned i)
{
    char value[24];
    bool sent;

    if (!slow.nr_owed)
        return;
    i %= slow.nr_owed;
    snprintf(value, sizeof(value), "v:%s", slow.owed[i].path);
    if (slow.owed[i].type == XS_READ)
        sent = slow_send(XS_READ, slow.owed[i].id, value, (uint32_t)strlen(value));   /* no NUL on the wire */
    else
        sent = slow_send(slow.owed[i].type, slow.owed[i].id, "OK", 3);
    if (sent)
        slow.owed[i] = slow.owed[--slow.nr_owed];   /* else: answered at a later step */
}

/* Let up to n bytes of the replies onto the ring, as far as it has room: a message may split anywhere. */
static void slow_deliver(size_t n)
{
    size_t done = 0;

    while (done < n && done < slow.nr_out && ring.rsp_prod - ring.rsp_cons < XENSTORE_RING_SIZE)
        ring.rsp[MASK_XENSTORE_IDX(ring.rsp_prod++)] = slow.out[done++];
    memmove(slow.out, slow.out + done, slow.nr_out - done);
    slow.nr_out -= done;
}

/* One of the client's waits: the daemon does what the script says; true if the client has news. */
static bool slow_wait(void *ctx)
{
    XENSTORE_RING_IDX req_cons = ring.req_cons, rsp_prod = ring.rsp_prod;
    uint8_t b;

    (void)ctx;
    if (slow.script == slow.end)
        return false;   /* the script is over: xenstored is silent for good */
    b = *slow.script++;
    switch (b % SLOW_OPS) {
    case SLOW_TAKE_REQUEST: slow_take_request((size_t)(b / SLOW_OPS) * 8); break;
    case SLOW_ANSWER: slow_answer(b / SLOW_OPS); break;
    case SLOW_DELIVER: slow_deliver((size_t)(b / SLOW_OPS) + 1); break;
    case SLOW_EVENT: slow_send(XS_WATCH_EVENT, 0, "w\0t", 4); break;
    case SLOW_NOTHING: break;
    case SLOW_LIE:
        slow.lied = true;
        slow_send(XS_READ, 0x80000000u | b, "v:lie", 5);
        break;
    case SLOW_DELIVER_ALL: slow_deliver(sizeof(slow.out)); break;
    }
    return ring.req_cons != req_cons || ring.rsp_prod != rsp_prod;
}

static void slow_notify(void *ctx)
{
    (void)ctx;   /* the daemon acts only at waits: its timing is the script's */
}

/* The client's side of the script: a request, checked against the oracle above. */
static void slow_client_step(struct xs_conn *c, uint8_t b, unsigned n)
{
    static char big[1600];
    char key[16], want[24], value[64];
    struct xs_event e;

    snprintf(key, sizeof(key), "k%u", n);
    switch (b % 4) {
    case 0:
        snprintf(want, sizeof(want), "v:%s", key);
        if (xs_read(c, key, value, sizeof(value)) == 0 && strcmp(value, want))
            fuzz_fail("xenstore", "a value read is the answer to another request");
        break;
    case 1:
        memset(big, 'x', sizeof(big) - 1);
        big[(size_t)(b / 4) * 25] = '\0';   /* up to 1575 bytes: longer than the ring */
        xs_write(c, key, big);
        break;
    case 2: xs_watch(c, "w", "t"); break;
    case 3:
        while (xs_next_event(c, &e) == 1)
            ;
        break;
    }
    if (!slow.lied && c->broken)
        fuzz_fail("xenstore", "an honest (slow) xenstored broke the connection");
}

static void fuzz_slow_xenstored(const uint8_t *data, size_t size)
{
    struct xs_transport t = { &ring, slow_notify, slow_wait, NULL, 3 };
    static struct xs_conn c;
    unsigned n = 0;

    memset(&ring, 0, sizeof(ring));
    memset(&slow, 0, sizeof(slow));
    slow.script = data;
    slow.end = data + size;
    xs_init(&c, &t);
    while (slow.script != slow.end)
        slow_client_step(&c, *slow.script++, n++);
    pvmmu_clear_errors();
}

void fuzz_xenstore(const uint8_t *data, size_t size)
{
    struct xs_transport t = { &ring, notify, no_more, NULL, 2 };
    struct xs_conn c;
    struct xs_msg m;
    struct xs_event e;
    char value[64];
    size_t n = size < XENSTORE_RING_SIZE ? size : XENSTORE_RING_SIZE;
    uint32_t cons = 0;

    if (xs_parse_message(data, size, &m) == 0 && m.hdr.len && !m.payload)
        fuzz_fail("xenstore", "a parsed message with a length has no payload");

    memset(&ring, 0, sizeof(ring));
    if (size >= 4)
        memcpy(&cons, data, 4);          /* hostile indexes too */
    memcpy(ring.rsp, data, n);
    ring.rsp_cons = cons & 0x7ff;
    ring.rsp_prod = (uint32_t)n;
    xs_init(&c, &t);
    if (xs_read(&c, "control/shutdown", value, sizeof(value)) == 0 && strlen(value) >= sizeof(value))
        fuzz_fail("xenstore", "a value longer than its buffer");
    while (xs_next_event(&c, &e) == 1)
        if (strnlen(e.path, sizeof(e.path)) == sizeof(e.path) || strnlen(e.token, sizeof(e.token)) == sizeof(e.token))
            fuzz_fail("xenstore", "an unterminated watch event was queued");
    pvmmu_clear_errors();
    fuzz_slow_xenstored(data, size);
}

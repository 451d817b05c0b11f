/*
 * The xenstore client fed arbitrary bytes, twice over: as one message to the
 * parser, and as whatever a hostile xenstored could leave on the response ring
 * (any indexes, any contents) while the client waits for a reply or polls for
 * watch events.  Whatever arrives, the client must answer with an error or a
 * value inside its buffer, never read or write out of bounds, never hang.
 */
#include <stdlib.h>
#include <string.h>
#include <xen/pvmmu/report.h>
#include <xen/pvmmu/xenstore.h>
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
}

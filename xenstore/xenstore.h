/*
 * A small xenstore client: read, write and watch over the shared ring that
 * start_info names (store_mfn, store_evtchn), as a PV guest must to hear the
 * toolstack ask it to suspend, power off or reboot.
 *
 * Portable: the carrier supplies the ring page, a notify (send on the event
 * channel) and a bounded wait (block until an event or a timeout).  Every wait
 * is bounded: a xenstored that never answers gives an error naming the request,
 * not a hang, and a timeout leaves the connection in step: a request cut short
 * by a full ring is finished before the next one, a reply part-read is read on
 * from where it stopped, and the late reply to a request given up on is dropped
 * by its req_id when it comes.  Every reply is parsed strictly (xs_parse_message,
 * fuzzed): a malformed one is an error naming what was wrong, and the connection
 * is marked broken (saying why) rather than read out of step.
 */
#ifndef PVMMU_XENSTORE_CLIENT_H
#define PVMMU_XENSTORE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/pvmmu/abi.h>
#include <xen/io/xs_wire.h>

struct xs_transport {
    struct xenstore_domain_interface *ring;
    void (*notify)(void *ctx);
    bool (*wait)(void *ctx);      /* false: timed out with nothing new */
    void *ctx;
    unsigned max_waits;           /* consecutive fruitless waits before giving up */
};

/*
 * How long we wait on a dom0 daemon (xenstored, xenconsoled) before giving up.
 * Generous: under QEMU's software emulation on a loaded machine dom0 can go
 * seconds without being scheduled.  The xenstore waits of the save loop and the
 * console's wait for room both use it (arch/x86/xen/saves.c, console.c).
 */
#define DOM0_PATIENCE_NS 30000000000ULL

#define XS_MAX_VALUE 256
#define XS_MAX_EVENTS 8
/* Requests given up on whose replies are still to come; with this many, no new one is sent. */
#define XS_MAX_ABANDONED 8
/* A whole message: header and the longest payload xs_wire.h allows (+1 for a terminator). */
#define XS_MAX_MESSAGE (sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX + 1)

struct xs_event {
    char path[XS_MAX_VALUE];
    char token[XS_MAX_VALUE];
};

struct xs_conn {
    struct xs_transport t;
    uint32_t next_req_id;
    bool broken;                  /* the stream is out of step: nothing more is trusted */
    char broken_why[128];         /* ...and why, for every refusal after */
    /* The request being written, whole, so one cut short by a full ring can be finished. */
    char out[XS_MAX_MESSAGE];
    size_t out_len, out_sent;
    /* The message being read, kept across timeouts so that its rest is read in step. */
    char in[XS_MAX_MESSAGE];
    size_t in_got;
    uint32_t abandoned[XS_MAX_ABANDONED];    /* req_ids given up on: their replies are dropped */
    unsigned nr_abandoned;
    struct xs_event events[XS_MAX_EVENTS];   /* a circular queue */
    unsigned first_event, nr_events;
    unsigned long events_dropped;
};

/* A message as read off the ring, parsed and checked. */
struct xs_msg {
    struct xsd_sockmsg hdr;
    const char *payload;          /* hdr.len bytes, inside the caller's buffer */
    const char *watch_path;       /* for XS_WATCH_EVENT */
    const char *watch_token;
    int error;                    /* for XS_ERROR: the -XEN_E* value it names */
};

void xs_init(struct xs_conn *c, const struct xs_transport *t);
/* Resume in a new domain: a new ring, nothing in flight, watches to be set again. */
void xs_reconnect(struct xs_conn *c, const struct xs_transport *t);

int xs_read(struct xs_conn *c, const char *path, char *value, size_t size);
int xs_write(struct xs_conn *c, const char *path, const char *value);
int xs_watch(struct xs_conn *c, const char *path, const char *token);
/* Take the oldest queued watch event (reading the ring first).  1: got one, 0: none, <0: error. */
int xs_next_event(struct xs_conn *c, struct xs_event *out);

/* Parse `n` bytes holding one whole message (header + payload).  0 or -XEN_E* with a report. */
int xs_parse_message(const void *bytes, size_t n, struct xs_msg *out);

/* control/shutdown: what the toolstack asks for. */
enum xs_shutdown_request { XS_SHUTDOWN_NONE, XS_SHUTDOWN_POWEROFF, XS_SHUTDOWN_REBOOT,
                           XS_SHUTDOWN_SUSPEND, XS_SHUTDOWN_CRASH, XS_SHUTDOWN_UNKNOWN };
/*
 * Read control/shutdown; if it holds a request, acknowledge it by writing ""
 * back (the toolstack waits for that) and say which.  An unknown request is
 * reported, acknowledged and ignored.
 */
int xs_take_shutdown_request(struct xs_conn *c, enum xs_shutdown_request *out);
const char *xs_shutdown_name(enum xs_shutdown_request r);

#endif

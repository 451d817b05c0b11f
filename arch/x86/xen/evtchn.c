#include "evtchn.h"
#include "hypercall_arch.h"
#include "shared.h"

#define BITS_PER_WORD (sizeof(xen_ulong_t) * 8)

long evtchn_notify(evtchn_port_t port)
{
    struct evtchn_send send = { .port = port };
    return hv_event_channel_op(EVTCHNOP_send, &send);
}

/* Take the port's pending bit; true if it was set. */
static bool take_pending(evtchn_port_t port)
{
    xen_ulong_t bit = (xen_ulong_t)1 << (port % BITS_PER_WORD);
    xen_ulong_t old = __atomic_fetch_and(&xen_shared->evtchn_pending[port / BITS_PER_WORD], ~bit,
                                         __ATOMIC_SEQ_CST);
    return old & bit;
}

bool evtchn_poll(evtchn_port_t port, uint64_t deadline_ns)
{
    struct sched_poll poll = { .nr_ports = 1, .timeout = deadline_ns };

    set_xen_guest_handle(poll.ports, &port);
    if (take_pending(port))
        return true;
    /* Returns when the port is pending or at the deadline; either way, look at the bit. */
    hv_sched_op(SCHEDOP_poll, &poll);
    return take_pending(port);
}

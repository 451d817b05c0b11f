/*
 * Event channels, polled: the kernel never takes an event upcall (vcpu 0's
 * upcall mask stays set), it sends notifications and waits for a port to
 * become pending with SCHEDOP_poll, which works with upcalls masked.
 */
#ifndef PVMMU_ARCH_EVTCHN_H
#define PVMMU_ARCH_EVTCHN_H

#include <stdbool.h>
#include <stdint.h>
#include <xen/pvmmu/abi.h>
#include <xen/event_channel.h>

/* Tell the other end of `port` to look.  0 or Xen's error (the console uses this: no printing here). */
long evtchn_notify(evtchn_port_t port);
/* Wait until `port` is pending or Xen's clock passes deadline_ns; clears it.  True if it fired. */
bool evtchn_poll(evtchn_port_t port, uint64_t deadline_ns);

#endif

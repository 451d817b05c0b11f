/*
 * The Xen public ABI, exactly as Debian's libxen-dev ships it.
 *
 * This is the ONE place that chooses the interface version: every pvmmu file that
 * needs a Xen structure includes this header instead of <xen/xen.h> directly, so the
 * kernel, the hosted tests and the model all agree on one layout.  0x00040d00 is the
 * 4.13 interface, the newest one whose guest-visible MMU structures are unchanged in
 * the 4.17 hypervisor we test against.
 */
#ifndef PVMMU_ABI_H
#define PVMMU_ABI_H

#ifndef __XEN_INTERFACE_VERSION__
#define __XEN_INTERFACE_VERSION__ 0x00040d00
#endif

/* Xen's public headers expect the fixed-width integer types to be in scope. */
#include <stdint.h>
#include <xen/xen.h>
#include <xen/memory.h>
#include <xen/errno.h>

#endif

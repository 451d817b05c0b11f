#include <stdarg.h>
#include <stdbool.h>
#include <xen/pvmmu/abi.h>
#include <xen/pvmmu/platform.h>
#include <xen/io/console.h>
#include <xen/pvmmu/report.h>
#include "xenstore/xenstore.h"   /* DOM0_PATIENCE_NS */
#include "boot.h"
#include "console.h"
#include "evtchn.h"
#include "hypercall_arch.h"
#include "layout.h"
#include "shared.h"
#include "smp.h"

/* One poll while waiting for xenconsoled; the whole wait is DOM0_PATIENCE_NS (xenstore.h). */
#define POLL_NS 50000000ULL

static struct xencons_interface *ring;   /* NULL: use console_io */
static evtchn_port_t ring_port;
static uint64_t dropped;
static bool stalled;                      /* the backend stalled: don't wait again until it moves */

extern char _image_end[];

/*
 * A domU's console page is one of the bootstrap pages, which Xen's builder maps
 * 1:1 from VIRT_BASE (pfn p at VIRT_BASE + p * 4096).  start_info names it by
 * mfn; the read-only m2p turns that into our pfn.  start_info is input: the
 * page must lie after the kernel image and no further than the page tables and
 * the one-page stack that end the bootstrap region (boot_region_end), and the
 * m2p and mfn_list must agree on it, or the ring pointer would point anywhere.
 */

static bool console_pfn(const start_info_t *si, uint64_t *pfn)
{
    const uint64_t *mfn_list = (const uint64_t *)si->mfn_list;
    uint64_t mfn = si->console.domU.mfn, end;
    uint64_t image_pages = ((uint64_t)(uintptr_t)_image_end - VIRT_BASE + PAGE_SIZE - 1) >> PAGE_SHIFT;

    /* end <= nr_pages, so a pfn below it has an mfn_list entry. */
    if (!boot_region_end(si, &end) || !m2p_read_raw(_mfn(mfn), pfn) || *pfn < image_pages || *pfn >= end)
        return false;
    return mfn_list[*pfn] == mfn;
}

void console_init(const start_info_t *si)
{
    uint64_t pfn;

    if (si->flags & SIF_INITDOMAIN)
        return;
    if (!console_pfn(si, &pfn)) {    /* then console_io carries the output (to Xen's log) */
        kprintf("console: start_info's console mfn 0x%llx is not one of our bootstrap pages; "
                "writing through console_io", (unsigned long long)si->console.domU.mfn);
        return;
    }
    ring = (struct xencons_interface *)(VIRT_BASE + (pfn << PAGE_SHIFT));
    ring_port = si->console.domU.evtchn;
}

static bool ring_has_room(void)
{
    return ring->out_prod - ring->out_cons < sizeof(ring->out);
}

/*
 * Wait for the backend to consume something; false if it did not within
 * DOM0_PATIENCE_NS (as long as for xenstored: under QEMU on a loaded machine
 * dom0 can go seconds unscheduled, and a dropped verdict line fails a whole
 * run).  A backend that stalled once is not waited for again (every line would
 * cost the full wait), but it is not written off either: as soon as it has made
 * room again, output flows again.
 */
static bool wait_for_room(void)
{
    uint64_t start = xen_now_ns();

    /* No shared_info (between suspend and resume): no clock, no event bits. Drop. */
    if (!xen_shared)
        return false;

    evtchn_notify(ring_port);
    if (stalled) {
        stalled = !ring_has_room();
        return !stalled;
    }
    while (!ring_has_room()) {
        if (xen_now_ns() - start > DOM0_PATIENCE_NS) {
            stalled = true;
            return false;
        }
        evtchn_poll(ring_port, xen_now_ns() + POLL_NS);
        evtchn_notify(ring_port);
    }
    return true;
}

static void ring_write(const char *s, size_t len)
{
    XENCONS_RING_IDX prod = ring->out_prod;
    size_t i;

    for (i = 0; i < len; i++) {
        if (prod - ring->out_cons >= sizeof(ring->out)) {
            __atomic_thread_fence(__ATOMIC_RELEASE);
            ring->out_prod = prod;
            if (!wait_for_room()) {
                dropped += len - i;
                return;
            }
        }
        ring->out[MASK_XENCONS_IDX(prod, ring->out)] = s[i];
        prod++;
    }
    /* The bytes must be in the ring before the backend can see the new producer index. */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    ring->out_prod = prod;
    evtchn_notify(ring_port);
}

void console_write(const char *s, size_t len)
{
    if (ring)
        ring_write(s, len);
    else
        hv_console_io(CONSOLEIO_write, (unsigned int)len, s);
}

/* One line at a time, whichever vCPU prints it (smp.c's console lock). */
void kputs(const char *line)
{
    size_t n = 0;

    while (line[n])
        n++;
    smp_console_lock();
    console_write(line, n);
    console_write("\n", 1);
    smp_console_unlock();
}

void console_flush(void)
{
    uint64_t deadline = xen_now_ns() + DOM0_PATIENCE_NS;

    if (!ring || !xen_shared)
        return;
    smp_console_lock();
    while (ring->out_cons != ring->out_prod && xen_now_ns() < deadline) {
        evtchn_notify(ring_port);
        evtchn_poll(ring_port, xen_now_ns() + POLL_NS);
    }
    smp_console_unlock();
}

/* After a resume the console keeps its page (same pfn) but gets a new event channel. */
void console_resumed(const start_info_t *si)
{
    if (ring)
        ring_port = si->console.domU.evtchn;
}

uint64_t console_dropped(void)
{
    return dropped;
}

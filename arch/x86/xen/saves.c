/*A:700 Save and restore, the kernel's part.
 *
 * The portable sequence is suspend/suspend.c (docs/suspend.md); the kernel
 * supplies its steps (start_info, shared_info, console, xenstore, the hypercall)
 * and the loop that waits for the toolstack:
 *
 *   1. the persist workload builds address spaces in every state (workloads/persist.c);
 *   2. we watch control/shutdown and print "pvmmu: ready for save K of N": the rig
 *      (or a person) runs `xl save` then `xl restore`;
 *   3. xl save writes "suspend" there; we acknowledge and run suspend_and_resume();
 *   4. back in a new domain, the workload checks every page's translation and
 *      contents, writes new ones, and we wait for the next save.
 *
 * Every wait is bounded: a toolstack that never asks ends the wait with a FAIL. :*/
#include <xen/pvmmu/lib.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include <xen/pvmmu/suspend.h>
#include <xen/pvmmu/xenstore.h>
#include "workloads/workloads.h"
#include "balloon_xen.h"
#include "boot.h"
#include "console.h"
#include "evtchn.h"
#include "hypercall_arch.h"
#include "layout.h"
#include "saves.h"
#include "shared.h"

#define WAIT_SLICE_NS 100000000ULL   /* one xenstore wait: 100 ms */
/* Give up on a xenstore request after DOM0_PATIENCE_NS without a sign of xenstored, as the console does. */
#define XS_MAX_WAITS ((unsigned)(DOM0_PATIENCE_NS / WAIT_SLICE_NS))
#define REQUEST_TIMEOUT_NS (600ULL * 1000000000ULL)

static start_info_t *si;
static struct xs_conn xs;
static struct xs_transport xs_t;

/* --- the xenstore transport: the ring page and its event channel ------------------- */

static void xs_notify(void *ctx)
{
    (void)ctx;
    evtchn_notify(si->store_evtchn);
}

static bool xs_wait(void *ctx)
{
    (void)ctx;
    return evtchn_poll(si->store_evtchn, xen_now_ns() + WAIT_SLICE_NS);
}

/* The store page is one of the builder's 1:1 pages: pfn from the m2p, address from VIRT_BASE. */
static bool xs_connect(void)
{
    uint64_t pfn;

    if (!m2p_read_raw(_mfn(si->store_mfn), &pfn) || pfn >= boot.kernel_end) {
        pvmmu_error("xenstore: store_mfn 0x%llx is not one of our bootstrap pages",
                    (unsigned long long)si->store_mfn);
        return false;
    }
    xs_t = (struct xs_transport){
        .ring = (struct xenstore_domain_interface *)(VIRT_BASE + (pfn << PAGE_SHIFT)),
        .notify = xs_notify, .wait = xs_wait, .ctx = NULL, .max_waits = XS_MAX_WAITS,
    };
    return true;
}

/* --- the steps suspend_and_resume() calls ------------------------------------------ */

static uint64_t start_info_mfn(void)
{
    return mfn_x(boot_pfn_to_mfn(virt_to_pfn(si)));
}

/* The saver translates these two fields; it wants pfns, and shared_info is the old domain's. */
static int prepare(void *ctx)
{
    long r;
    int rc = start_info_rings_to_pfns(si);

    (void)ctx;
    if (rc)
        return rc;
    r = shared_info_unmap();
    if (r) {
        pvmmu_error("suspend: unmapping shared_info failed: %ld", r);
        start_info_rings_to_mfns(si);    /* nothing half done: the next save starts from mfns */
    }
    return (int)r;
}

static long suspend_hypercall(void *ctx)
{
    (void)ctx;
    return hv_suspend(start_info_mfn());
}

/* A new domain: a new shared_info, new event channels, store and console mfns given back as mfns. */
static int resumed(void *ctx)
{
    long rc = shared_info_map(si->shared_info);

    (void)ctx;
    if (rc) {
        pvmmu_error("resume: mapping the new shared_info (maddr 0x%llx) failed: %ld",
                    (unsigned long long)si->shared_info, rc);
        return (int)rc;
    }
    console_resumed(si);
    if (!xs_connect())
        return -XEN_EINVAL;
    xs_reconnect(&xs, &xs_t);
    rc = xs_watch(&xs, "control/shutdown", "shutdown");
    return rc ? (int)rc : balloon_xen_rewatch(&xs);
}

/* Same domain: put the mfns back and map shared_info again. */
static int cancelled(void *ctx)
{
    long rc;
    int converted = start_info_rings_to_mfns(si);

    (void)ctx;
    rc = shared_info_map(si->shared_info);
    if (rc)
        pvmmu_error("suspend cancelled: mapping shared_info again failed: %ld", rc);
    return converted ? converted : (int)rc;
}

static shared_info_t *shared(void *ctx)
{
    (void)ctx;
    return xen_shared;
}

static const struct suspend_steps steps = {
    .prepare = prepare, .suspend_hypercall = suspend_hypercall, .resumed = resumed,
    .cancelled = cancelled, .shared_info = shared, .ctx = NULL,
};

/* --- the loop ------------------------------------------------------------------------ */

/*
 * Wait for the toolstack's next request on control/shutdown (bounded).  A change
 * of memory/target on the way is followed (ballooning) and ends the wait too, with
 * *ballooned set: the rig's "ready for save K" steps include `xl mem-set`s.
 */
static enum xs_shutdown_request next_request(bool *ballooned)
{
    uint64_t deadline = xen_now_ns() + REQUEST_TIMEOUT_NS;
    enum xs_shutdown_request req = XS_SHUTDOWN_NONE;
    struct xs_event ev;

    *ballooned = false;
    while (xen_now_ns() < deadline) {
        int got = xs_next_event(&xs, &ev);

        if (got > 0 && balloon_xen_event(&ev)) {
            int changed = balloon_xen_follow_target(&xs);

            if (changed < 0)
                return XS_SHUTDOWN_UNKNOWN;
            if (changed) {
                *ballooned = true;
                return XS_SHUTDOWN_NONE;
            }
            continue;
        }
        if (got < 0 || xs_take_shutdown_request(&xs, &req) < 0)
            return XS_SHUTDOWN_UNKNOWN;
        if (req == XS_SHUTDOWN_UNKNOWN) {
            /* Reported (and acknowledged) by the client; ignored, as the protocol wants. */
            wl_accept_errors();
            continue;
        }
        if (req != XS_SHUTDOWN_NONE)
            return req;
        if (!got)
            evtchn_poll(si->store_evtchn, xen_now_ns() + WAIT_SLICE_NS);
    }
    return XS_SHUTDOWN_NONE;
}

/*
 * The negative control (pin_all=0): the save goes ahead without pin_all, and the
 * unpinned address spaces must come back with stale machine frames in their
 * tables.  It passes when the damage is seen; seeing none would mean the check
 * cannot tell, and then it proves nothing.
 */
static void negative_control(unsigned cycle, const struct suspend_report *report, int rc)
{
    unsigned wrong = wl_persist_check(cycle - 1, true);

    wl_accept_errors();   /* the stale frames are reported as they are met: expected here */
    wl_check(!rc && report->outcome == SUSPEND_RESUMED && wrong > 0, "pin-all-negative-control",
             "save %u without pin_all: outcome %d, rc %d, %u address spaces damaged (expected some)",
             cycle, report->outcome, rc, wrong);
    wl_stat("negative_control_spaces_damaged", wrong);
}

/* Returns false when the cycles must stop (after the negative control: its address spaces are corrupt). */
static bool one_cycle(unsigned cycle, bool pin_all)
{
    struct suspend_report report;
    unsigned wrong;
    int rc;

    rc = suspend_and_resume(&steps, !pin_all, &report);
    kprintf("pvmmu: %s (save %u)", report.outcome == SUSPEND_RESUMED ? "resumed in a new domain" :
                                   report.outcome == SUSPEND_CANCELLED ? "suspend cancelled" : "suspend failed",
            cycle);
    if (!pin_all) {
        negative_control(cycle, &report, rc);
        return false;
    }
    wl_check(!rc && report.outcome != SUSPEND_FAILED, "save-resume", "save %u: suspend_and_resume returned %d",
             cycle, rc);
    wl_stat("save_spaces_pinned_by_pin_all", report.spaces_pinned);
    wl_stat("save_pin_all_traps", report.pin_all_traps);
    wl_stat("save_unpin_all_traps", report.unpin_all_traps);
    wrong = wl_persist_check(cycle - 1, false);
    wl_check(!wrong, "save-address-spaces-survive", "save %u: %u pages differ after the resume", cycle, wrong);
    balloon_xen_check_after_resume(cycle);
    wl_check(wl_persist_continue(cycle), "save-workloads-go-on", "save %u: new contents do not read back", cycle);
    return true;
}

/* What the toolstack asked instead of a save: honour it (it was acknowledged already). */
static unsigned honour(enum xs_shutdown_request req, unsigned cycle, unsigned saves)
{
    static const unsigned reason[] = {
        [XS_SHUTDOWN_POWEROFF] = SHUTDOWN_poweroff, [XS_SHUTDOWN_REBOOT] = SHUTDOWN_reboot,
        [XS_SHUTDOWN_CRASH] = SHUTDOWN_crash,
    };

    if (req == XS_SHUTDOWN_POWEROFF || req == XS_SHUTDOWN_REBOOT || req == XS_SHUTDOWN_CRASH) {
        kprintf("pvmmu: shutdown requested through xenstore: %s", xs_shutdown_name(req));
        wl_check(true, req == XS_SHUTDOWN_POWEROFF ? "shutdown-request-poweroff"
                       : req == XS_SHUTDOWN_REBOOT ? "shutdown-request-reboot" : "shutdown-request-crash",
                 "-");
        return reason[req];
    }
    wl_check(false, "save-request", "waiting for save %u of %u: got '%s' instead", cycle, saves,
             req == XS_SHUTDOWN_NONE ? "nothing within 600 s" : xs_shutdown_name(req));
    return SHUTDOWN_poweroff;
}

unsigned serve_saves(const struct kernel_options *opt)
{
    unsigned cycle;

    si = (start_info_t *)boot.si;
    if (!opt->saves)
        return SHUTDOWN_poweroff;
    if (boot.initdomain) {
        wl_check(false, "save-setup", "saves=%u asked, but the initial domain has no toolstack to save it",
                 opt->saves);
        return SHUTDOWN_poweroff;
    }
    if (!xs_connect()) {
        wl_check(false, "save-setup", "no xenstore ring");
        return SHUTDOWN_poweroff;
    }
    xs_init(&xs, &xs_t);
    wl_check(wl_persist_setup() && !xs_watch(&xs, "control/shutdown", "shutdown") && !balloon_xen_start(&xs),
             "save-setup", "persist workload, balloon or xenstore watch failed");
    for (cycle = 1; cycle <= opt->saves; cycle++) {
        enum xs_shutdown_request req;
        bool ballooned;

        kprintf("pvmmu: ready for save %u of %u", cycle, opt->saves);
        console_flush();
        req = next_request(&ballooned);
        if (ballooned) {
            /* An xl mem-set took this step: the address spaces must still be as they were. */
            wl_check(!wl_persist_check(cycle - 1, false), "balloon-address-spaces-intact",
                     "step %u: pages differ after ballooning", cycle);
            wl_check(wl_persist_continue(cycle), "balloon-workloads-go-on", "step %u: new contents do not read back",
                     cycle);
            continue;
        }
        if (req != XS_SHUTDOWN_SUSPEND)
            return honour(req, cycle, opt->saves);
        if (!one_cycle(cycle, opt->pin_all))
            break;
    }
    return SHUTDOWN_poweroff;
}

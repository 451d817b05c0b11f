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
 * With busy=1 the wait itself is work: a live migration (xl migrate) copies the
 * guest while it runs and asks it to suspend only at the end, so between
 * "ready for save" and that request the busy workload (workloads/busy.c) keeps
 * creating, forking, remapping, protecting and destroying address spaces, and
 * log-dirty must follow its tables.  After the resume every address space it
 * keeps is checked against its model, and how many steps ran is the proof that
 * the copy happened under load.
 *
 * Every wait is bounded: a toolstack that never asks ends the wait with a FAIL. :*/
#include "lib/lib_int.h"
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include <xen/pvmmu/suspend.h>
#include "xenstore/xenstore.h"
#include "workloads/workloads.h"
#include "balloon_xen.h"
#include "boot.h"
#include "console.h"
#include "evtchn.h"
#include "hypercall_arch.h"
#include "layout.h"
#include "saves.h"
#include "shared.h"
#include "smp.h"
#include "suites.h"

#define WAIT_SLICE_NS 100000000ULL   /* one xenstore wait: 100 ms */
/* Give up on a xenstore request after DOM0_PATIENCE_NS without a sign of xenstored, as the console does. */
#define XS_MAX_WAITS ((unsigned)(DOM0_PATIENCE_NS / WAIT_SLICE_NS))
#define REQUEST_TIMEOUT_NS (600ULL * 1000000000ULL)

static start_info_t *si;
static const struct kernel_options *saves_opt;
static bool listed_smp;   /* the smp suite ran before the saves: it runs again after each resume or cancel */
static unsigned opt_high_pfn;
static struct xs_conn xs;
static struct xs_transport xs_t;

/* The busy workload while we wait (busy=1): steps run during this wait, and the time the guest was stopped. */
static bool busy;
static unsigned long busy_steps;
static uint64_t suspended_at_ns, stopped_ns;

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

int xenstore_read_early(const char *path, char *value, size_t size)
{
    if (boot.initdomain)
        return -XEN_ENODEV;
    si = (start_info_t *)boot.si;
    if (!xs_connect())
        return -XEN_EINVAL;
    xs_init(&xs, &xs_t);
    return xs_read(&xs, path, value, size);
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
    suspended_at_ns = xen_now_ns();   /* while Xen's clock is still readable: shared_info goes next */
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
    /* Xen's system time runs on across a move to the same host: the downtime as the guest saw it. */
    stopped_ns = xen_now_ns() - suspended_at_ns;
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

/* --- a frame at a high pfn (high_pfn=): the p2m past what the tree can describe ------------- */

/*
 * One of our frames renamed to pfn `high`: the m2p told (MMU_MACHPHYS_UPDATE), the p2m
 * entry moved, its old pfn forgotten.  It stays mapped where the direct map had it, so after
 * a restore that address shows whatever frame the restorer gave the high pfn.  A guest
 * whose pfns reach past 2^27 has a p2m only the virtual list can describe.
 */
#define HIGH_PATTERN 0x9f6e5d4c3b2a1908ULL

static uint64_t *high_page;
static pfn_t high_was;

static bool high_frame_move(pfn_t high)
{
    pfn_t low = frame_alloc();
    mfn_t mfn = p2m_lookup(low);
    mmu_update_t req;
    unsigned i;

    if (!pfn_valid_value(low) || !mfn_valid_value(mfn))
        return false;
    high_page = pfn_to_virt(low);
    for (i = 0; i < PAGE_SIZE / 8; i++)
        high_page[i] = HIGH_PATTERN ^ i;
    req = (mmu_update_t){ mfn_to_maddr(mfn) | MMU_MACHPHYS_UPDATE, pfn_x(high) };
    if (mmu_update_checked(&req, 1, "high_pfn: MMU_MACHPHYS_UPDATE"))
        return false;
    if (p2m_set(high, mfn) || p2m_set(low, INVALID_MFN))
        return false;
    high_was = low;
    kprintf("pvmmu: frame of pfn 0x%llx (mfn 0x%llx) moved to pfn 0x%llx: the p2m now reaches %llu pfns",
            (unsigned long long)pfn_x(low), (unsigned long long)mfn_x(mfn), (unsigned long long)pfn_x(high),
            (unsigned long long)p2m_extent());
    return true;
}

/* After a resume: the high pfn has a frame, the m2p agrees, and it holds what we wrote. */
static void high_frame_check(unsigned cycle, pfn_t high)
{
    mfn_t mfn = p2m_lookup(high);
    enum m2p_status status;
    unsigned i, wrong = 0;

    for (i = 0; high_page && i < PAGE_SIZE / 8; i++)
        wrong += high_page[i] != (HIGH_PATTERN ^ i);
    wl_check(high_page && mfn_valid_value(mfn) && pfn_eq(m2p_lookup(mfn, &status), high) &&
             !mfn_valid_value(p2m_lookup(high_was)) && !wrong, "high-pfn-survives",
             "save %u: pfn 0x%llx -> mfn 0x%llx (m2p: %s), %u words differ", cycle,
             (unsigned long long)pfn_x(high), (unsigned long long)mfn_x(mfn),
             mfn_valid_value(mfn) ? m2p_status_name(status) : "-", wrong);
}

/* --- the loop ------------------------------------------------------------------------ */

/*
 * While nothing is asked: one busy step, or (without busy, or once it failed)
 * a wait on the store's event channel.  A step is a few MMU requests, a few
 * milliseconds; every one of its results is checked (workloads/busy.c).
 */
static void meanwhile(void)
{
    if (busy && wl_busy_step())
        busy_steps++;
    else
        evtchn_poll(si->store_evtchn, xen_now_ns() + WAIT_SLICE_NS);
}

/*
 * Wait for the toolstack's next request on control/shutdown (bounded).  Busy, the
 * node is read when a watch event came and every WAIT_SLICE_NS besides (a read is
 * a round trip to xenstored: not after every step); idle, after every wait.  A
 * change of memory/target on the way is followed (ballooning) and ends the wait
 * too, with *ballooned set: the rig's "ready for save K" steps include `xl mem-set`s.
 */
static enum xs_shutdown_request next_request(bool *ballooned)
{
    uint64_t deadline = xen_now_ns() + REQUEST_TIMEOUT_NS, next_read = 0;
    enum xs_shutdown_request req = XS_SHUTDOWN_NONE;
    struct xs_event ev;

    busy_steps = 0;
    *ballooned = false;
    while (xen_now_ns() < deadline) {
        int got = xs_next_event(&xs, &ev);

        if (got < 0)
            return XS_SHUTDOWN_UNKNOWN;
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
        if (busy && !got && xen_now_ns() < next_read) {
            meanwhile();
            continue;
        }
        next_read = xen_now_ns() + WAIT_SLICE_NS;
        if (xs_take_shutdown_request(&xs, &req) < 0)
            return XS_SHUTDOWN_UNKNOWN;
        if (req == XS_SHUTDOWN_UNKNOWN) {
            /* Reported (and acknowledged) by the client; ignored, as the protocol wants. */
            wl_accept_errors();
            continue;
        }
        if (req != XS_SHUTDOWN_NONE)
            return req;
        if (!got)
            meanwhile();
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

/* After a move under load: how much work ran while it was copied, and whether all of it arrived. */
static void busy_after_move(unsigned cycle)
{
    const struct wl_busy_counts *c = wl_busy_counts();
    unsigned wrong = wl_busy_check();

    kprintf("pvmmu: busy %u: %lu steps while the toolstack copied, stopped %llu ms; so far %lu created, "
            "%lu forked, %lu destroyed, %lu frames written, %lu pages mapped, %lu unmapped, %lu protected, "
            "%lu touched, %lu pin toggles", cycle, busy_steps, (unsigned long long)(stopped_ns / 1000000),
            c->created, c->forked, c->destroyed, c->frames_written, c->pages_mapped, c->pages_unmapped,
            c->protected_pages, c->pages_touched, c->pin_toggles);
    wl_stat("busy_steps_during_move", busy_steps);
    wl_stat("busy_guest_stopped_ms", stopped_ns / 1000000);
    wl_check(busy_steps > 0, "busy-under-load", "move %u: no busy step ran between 'ready' and the suspend request",
             cycle);
    wl_check(!wrong, "busy-spaces-survive", "move %u: %u mappings or frames of the busy address spaces differ",
             cycle, wrong);
}

/* Returns false when the cycles must stop (after the negative control: its address spaces are corrupt). */
static bool one_cycle(unsigned cycle, bool pin_all)
{
    struct suspend_report report;
    unsigned wrong;
    int rc;

    /*
     * The secondaries are parked and down before anything of the suspend starts:
     * the saver records only online vCPUs, and nothing but vCPU 0 may touch
     * shared_info or the address spaces while they are pinned and unmapped.
     */
    if (smp_vcpus_possible() > 1) {
        rc = smp_park();
        wl_check(!rc, "smp-park", "save %u: parking the secondary vCPUs failed (%d)", cycle, rc);
        if (rc)
            return false;
    }
    rc = suspend_and_resume(&steps, !pin_all, &report);
    kprintf("pvmmu: %s (save %u)", report.outcome == SUSPEND_RESUMED ? "resumed in a new domain" :
                                   report.outcome == SUSPEND_CANCELLED ? "suspend cancelled" : "suspend failed",
            cycle);
    if (smp_vcpus_possible() > 1) {
        int up = smp_unpark(report.outcome == SUSPEND_RESUMED);

        wl_check(!up && smp_vcpus_up() == smp_vcpus_possible(), "smp-unpark",
                 "save %u: %u of %u vCPUs back (%d)", cycle, smp_vcpus_up(), smp_vcpus_possible(), up);
        /* After a resume, and after xl save -c too: the secondaries were parked and came back either way. */
        if (report.outcome != SUSPEND_FAILED && saves_opt && listed_smp)
            suite_smp_after_save(saves_opt, cycle, report.outcome == SUSPEND_RESUMED);
    }
    if (report.outcome == SUSPEND_RESUMED && xen_shared)
        p2m_tools_report(xen_shared, "after the resume");
    if (!pin_all) {
        negative_control(cycle, &report, rc);
        return false;
    }
    wl_check(!rc && report.outcome != SUSPEND_FAILED, "save-resume", "save %u: suspend_and_resume returned %d",
             cycle, rc);
    wl_stat("save_spaces_pinned_by_pin_all", report.spaces_pinned);
    wl_stat("save_pin_all_traps", report.pin_all_traps);
    wl_stat("save_unpin_all_traps", report.unpin_all_traps);
    if (opt_high_pfn)
        high_frame_check(cycle, _pfn(opt_high_pfn));
    wrong = wl_persist_check(cycle - 1, false);
    wl_check(!wrong, "save-address-spaces-survive", "save %u: %u pages differ after the resume", cycle, wrong);
    balloon_xen_check_after_resume(cycle);
    wl_check(wl_persist_continue(cycle), "save-workloads-go-on", "save %u: new contents do not read back", cycle);
    if (busy)
        busy_after_move(cycle);
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
    saves_opt = opt;
    listed_smp = suites_listed(opt, "smp");
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
    opt_high_pfn = opt->high_pfn;
    if (opt_high_pfn) {
        wl_check(high_frame_move(_pfn(opt_high_pfn)) && !p2m_publish(xen_shared), "high-pfn-moved",
                 "moving a frame to pfn 0x%x and publishing the p2m failed (%s)", opt->high_pfn,
                 pvmmu_error_count() ? pvmmu_last_error() : "no report");
        p2m_tools_report(xen_shared, "after the move to high_pfn");
    }
    xs_init(&xs, &xs_t);
    /* high_pfn='s hole where the moved frame was is in the balloon's range: it is not the balloon's (its bitmap). */
    wl_check(wl_persist_setup() && !xs_watch(&xs, "control/shutdown", "shutdown") && !balloon_xen_start(&xs),
             "save-setup", "persist workload, balloon or xenstore watch failed");
    if (opt->busy) {
        busy = wl_busy_setup();
        wl_check(busy, "busy-setup", "the busy workload could not build its address spaces");
    }
    for (cycle = 1; cycle <= opt->saves; cycle++) {
        enum xs_shutdown_request req;
        bool ballooned;

        bool smp_busy = busy && listed_smp && smp_vcpus_possible() > 1;

        if (smp_busy)
            suite_smp_copy_start();   /* the secondaries work while the toolstack copies (before the suspend) */
        kprintf("pvmmu: ready for save %u of %u", cycle, opt->saves);
        console_flush();
        req = next_request(&ballooned);
        if (smp_busy)
            suite_smp_copy_stop(cycle);
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

/*A:710 Ballooning, the kernel's part: the toolstack's number, and Xen's count.
 *
 * `xl mem-set NAME SIZE` writes memory/target; we watch it (xenstore fires a
 * watch once when it is set, too), read it on every event, and hand the portable
 * balloon (balloon/balloon.c) the number of pages to hold.  The frames it may give
 * back are the frame allocator's, [frames_first(), boot.nr_pages).
 *
 * Each change is reported in one line the rig looks for,
 *
 *     pvmmu: balloon: target T KiB, now N pages, gave back G
 *
 * (G: pages out now), and checked three ways: the balloon's own count against the
 * target; the p2m and the direct map against that count (balloon_check_holes);
 * and Xen's count of our pages (XENMEM_current_reservation), which must move by
 * exactly what we gave back or took back.  Pages brought back are written and
 * read back through their new mapping before anyone else gets them. :*/
#include "balloon/balloon.h"
#include <xen/pvmmu/platform.h>
#include "lib/lib_int.h"
#include <xen/pvmmu/report.h>
#include "workloads/workloads.h"
#include "balloon_xen.h"
#include "boot.h"
#include "console.h"
#include "frames.h"
#include "shared.h"

#define TARGET_KEY "memory/target"

static bool started;

/* Xen's count of our pages (d->tot_pages), or a negative error. */
static long xen_pages(void)
{
    domid_t self = DOMID_SELF;
    long rc = hv_memory_op(XENMEM_current_reservation, &self);

    if (rc < 0)
        pvmmu_error("balloon: memory_op(XENMEM_current_reservation) failed: %ld", rc);
    return rc;
}

/*
 * The balloon's record of the pfns it gave back: one bit per pfn of its range, in
 * frames of our own (consecutive, so one buffer in the direct map), taken before it
 * starts and never given back.  4 KiB covers 128 MiB of range.
 */
/*
 * How far it may grow: memory/static-max (xl writes maxmem there, in KiB), within
 * what the direct map and the allocator cover (boot.span, from Xen's max_pages).
 * The boot size when the key is missing or malformed, or maxmem = memory.
 */
static uint64_t growth_end(struct xs_conn *xs)
{
    char value[XS_MAX_VALUE];
    uint64_t kib, pages;

    if (xs_read(xs, "memory/static-max", value, sizeof(value)) || balloon_parse_target_kib(value, &kib))
        return boot.nr_pages;
    pages = balloon_kib_to_pages(kib);
    if (pages > boot.span)
        pages = boot.span;
    return pages > boot.nr_pages ? pages : boot.nr_pages;
}

int balloon_xen_start(struct xs_conn *xs)
{
    pfn_t first = _pfn(frames_first()), end = _pfn(growth_end(xs));
    uint64_t words = balloon_bitmap_words(first, end);
    uint64_t frames = (words * 8 + PAGE_SIZE - 1) / PAGE_SIZE;
    pfn_t run = frames_alloc_run(frames);
    int rc;

    if (!pfn_valid_value(run)) {
        pvmmu_error("balloon: no %llu consecutive frames for its record of the pfns it gives back",
                    (unsigned long long)frames);
        return -XEN_ENOMEM;
    }
    rc = balloon_init(first, end, boot.nr_pages, pfn_to_virt(run), frames * PAGE_SIZE / 8);
    if (rc)
        return rc;
    started = true;
    kprintf("pvmmu: balloon: over pfns 0x%llx..0x%llx, %llu pages, at most %llu, Xen counts %ld",
            (unsigned long long)frames_first(), (unsigned long long)pfn_x(end) - 1,
            (unsigned long long)balloon_pages_now(), (unsigned long long)balloon_ceiling(), xen_pages());
    return balloon_xen_rewatch(xs);
}

int balloon_xen_rewatch(struct xs_conn *xs)
{
    return started ? xs_watch(xs, TARGET_KEY, BALLOON_WATCH_TOKEN) : 0;
}

bool balloon_xen_event(const struct xs_event *ev)
{
    const char *a = ev->token, *b = BALLOON_WATCH_TOKEN;

    while (*a && *a == *b)
        a++, b++;
    return !*a && !*b;
}

/*
 * Past the boot size (maxmem > memory): the guest holds more pages than start_info's
 * nr_pages, so pfns past it are populated, and the p2m the toolstack reads reaches
 * them: shared_info's max_pfn is the p2m's extent, past nr_pages, and every pfn
 * from nr_pages up to the extent is either a frame or a pfn the balloon has not
 * populated.
 */
static void check_grown(uint64_t kib, const struct balloon_report *r)
{
    uint64_t pfn, populated = 0, strays = 0, extent = p2m_extent();

    for (pfn = boot.nr_pages; pfn < extent; pfn++) {
        bool has = mfn_valid_value(p2m_lookup(_pfn(pfn)));

        populated += has;
        strays += has == balloon_gave_back(_pfn(pfn));
    }
    kprintf("pvmmu: balloon: grown past the boot size: %llu pages (nr_pages %llu), %llu pfns past it populated, "
            "p2m extent %llu, shared_info max_pfn %llu", (unsigned long long)r->now_pages,
            (unsigned long long)boot.nr_pages, (unsigned long long)populated, (unsigned long long)extent,
            (unsigned long long)xen_shared->arch.max_pfn);
    /* All the way: a ceiling short of the toolstack's target (the room covered at boot) is a failure here. */
    wl_check(r->now_pages == balloon_kib_to_pages(kib) && populated > 0 && extent > boot.nr_pages &&
             xen_shared->arch.max_pfn == extent && !strays, "balloon-grew",
             "holding %llu of the %llu pages asked; %llu pfns past nr_pages %llu populated, extent %llu, max_pfn "
             "%llu, %llu pfns neither a frame nor recorded out", (unsigned long long)r->now_pages,
             (unsigned long long)balloon_kib_to_pages(kib), (unsigned long long)populated,
             (unsigned long long)boot.nr_pages,
             (unsigned long long)extent, (unsigned long long)xen_shared->arch.max_pfn,
             (unsigned long long)strays);
}

static void check_step(bool down, uint64_t kib, const struct balloon_report *r, long xen_before, uint64_t ns)
{
    long xen_after = xen_pages();
    long moved = xen_before >= 0 && xen_after >= 0 ? xen_before - xen_after : 0;
    uint64_t wrong = balloon_check_holes();

    kprintf("pvmmu: balloon: target %llu KiB, now %llu pages, gave back %llu",
            (unsigned long long)kib, (unsigned long long)r->now_pages, (unsigned long long)balloon_pages_out());
    kprintf("pvmmu: balloon: this step asked %llu pages%s: gave back %llu, brought back %llu (%llu verified), "
            "Xen counts %ld pages (was %ld), %llu us",
            (unsigned long long)r->asked, r->capped ? " (target capped at the boot size)" : "",
            (unsigned long long)r->given_back, (unsigned long long)r->brought_back,
            (unsigned long long)r->verified, xen_after, xen_before, (unsigned long long)(ns / 1000));
    wl_check(!r->short_of_target && r->now_pages == r->target_pages, down ? "balloon-down" : "balloon-up",
             "target %llu pages, holding %llu (asked %llu, given back %llu, brought back %llu)",
             (unsigned long long)r->target_pages, (unsigned long long)r->now_pages,
             (unsigned long long)r->asked, (unsigned long long)r->given_back,
             (unsigned long long)r->brought_back);
    wl_check(!wrong, down ? "balloon-pages-gone" : "balloon-holes-consistent",
             "%llu pfns disagree with the balloon's count", (unsigned long long)wrong);
    wl_check(moved == (long)r->given_back - (long)r->brought_back, "balloon-xen-agrees",
             "Xen's count moved by %ld, we gave back %llu and took back %llu", moved,
             (unsigned long long)r->given_back, (unsigned long long)r->brought_back);
    if (!down)
        wl_check(r->verified == r->brought_back, "balloon-pages-usable", "%llu of %llu pages read back",
                 (unsigned long long)r->verified, (unsigned long long)r->brought_back);
    if (!down && r->now_pages > boot.nr_pages)
        check_grown(kib, r);
    wl_stat("balloon_pages_out", balloon_pages_out());
    wl_stat("balloon_step_us", ns / 1000);
}

/*
 * A value that is not a count of KiB: the toolstack's mistake (or anyone's who may
 * write there), reported by name, and nothing changes.  It counts as a step, so the
 * rig can ask for one and see it refused.
 */
static int refuse_target(const char *value)
{
    uint64_t before = balloon_pages_now();
    bool named = pvmmu_error_seen(TARGET_KEY);

    kprintf("pvmmu: balloon: ignoring %s '%.40s': not a count of KiB", TARGET_KEY, value);
    wl_accept_errors();   /* reported, and not ours */
    wl_check(named && balloon_pages_now() == before, "balloon-bad-target-refused",
             "'%.40s': %s, %llu pages before, %llu after", value, named ? "named" : "not named in the error",
             (unsigned long long)before, (unsigned long long)balloon_pages_now());
    return 1;
}

int balloon_xen_follow_target(struct xs_conn *xs)
{
    char value[XS_MAX_VALUE];
    struct balloon_report r;
    uint64_t kib, pages, t0;
    long xen_before;
    bool down;
    int rc = xs_read(xs, TARGET_KEY, value, sizeof(value));

    if (rc == -XEN_ENOENT || !started)
        return 0;
    if (rc)
        return rc;
    if (balloon_parse_target_kib(value, &kib))
        return refuse_target(value);
    pages = balloon_kib_to_pages(kib);
    if (pages > balloon_ceiling())
        pages = balloon_ceiling();
    if (pages == balloon_pages_now())
        return 0;
    down = pages < balloon_pages_now();
    xen_before = xen_pages();
    t0 = xen_now_ns();
    rc = balloon_set_target(pages, &r);
    check_step(down, kib, &r, xen_before, xen_now_ns() - t0);
    return rc ? rc : 1;
}

void balloon_xen_check_after_resume(unsigned cycle)
{
    uint64_t wrong;

    if (!started || !balloon_pages_out())
        return;
    wrong = balloon_check_holes();
    wl_check(!wrong, "balloon-holes-survive-restore", "save %u: %llu of %llu pages given back disagree", cycle,
             (unsigned long long)wrong, (unsigned long long)balloon_pages_out());
}

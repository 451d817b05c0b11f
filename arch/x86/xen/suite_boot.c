/*A:610 The "boot" suite: what the kernel built before any MMU workload runs, checked
 * on the real thing.  Each check can fail, and says how. :*/
#include "lib/lib_int.h"
#include <xen/pvmmu/abi.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/pte.h>
#include <xen/pvmmu/report.h>
#include "workloads/workloads.h"
#include "boot.h"
#include "directmap.h"
#include "frames.h"
#include "layout.h"
#include "arch/x86/common/options.h"
#include "p2m_window.h"
#include "shared.h"
#include "suites.h"
#include "arch/x86/common/traps.h"

/*
 * Two image pages were given up at boot: the one that now shows Xen's
 * shared_info, and directmap.c's scratch page, unmapped once the tables were
 * built.  Every other kernel page shows its own frame in the image's mapping.
 */
static bool image_shows_own_frame(uint64_t pfn)
{
    uint64_t va = VIRT_BASE + (pfn << PAGE_SHIFT), word;

    return va != (uint64_t)(uintptr_t)xen_shared && safe_read64((const uint64_t *)va, &word);
}

/*
 * Every pfn, through the direct map: the page is readable, and Xen's m2p maps
 * the mfn Xen gave us for it back to it.  For the pfns the image's 1:1 mapping
 * also shows (the kernel's own), both views must hold the same bytes: proof
 * that the direct map points at the right frames, not merely at some frames.
 */
static void check_direct_map(void)
{
    uint64_t pfn, unreadable = 0, m2p_wrong = 0, views_differ = 0, first_bad = INVALID_PFN_RAW;

    for (pfn = 0; pfn < boot.nr_pages; pfn++) {
        const uint64_t *dm = pfn_to_virt(_pfn(pfn));
        uint64_t word, back;

        if (!safe_read64(dm, &word)) {
            unreadable++;
        } else if (pfn < boot.kernel_end && image_shows_own_frame(pfn)) {
            if (mem_cmp(dm, (const void *)(VIRT_BASE + (pfn << PAGE_SHIFT)), PAGE_SIZE))
                views_differ++;
        }
        if (!m2p_read_raw(_mfn(boot.mfn_list[pfn]), &back) || back != pfn)
            m2p_wrong++;
        if ((unreadable || m2p_wrong || views_differ) && first_bad == INVALID_PFN_RAW)
            first_bad = pfn;
    }
    wl_check(!unreadable, "boot-direct-map-reads-every-frame",
             "%llu of %llu frames unreadable, the first pfn 0x%llx", (unsigned long long)unreadable,
             (unsigned long long)boot.nr_pages, (unsigned long long)first_bad);
    wl_check(!m2p_wrong, "boot-m2p-matches-mfn-list",
             "%llu of %llu pfns: m2p[mfn_list[pfn]] != pfn, the first pfn 0x%llx",
             (unsigned long long)m2p_wrong, (unsigned long long)boot.nr_pages, (unsigned long long)first_bad);
    wl_check(!views_differ, "boot-direct-map-matches-image-map",
             "%llu of %llu kernel pages differ between the two mappings", (unsigned long long)views_differ,
             (unsigned long long)boot.kernel_end);
}

/*
 * m2p_read_raw bounds the mfn itself (issue 13.8): 2^61 entries of 8 bytes wrap
 * around to the m2p's first entry, which an unbounded read would return as if
 * it were the answer; one past the table's end is not the m2p either.
 */
static void check_m2p_read_bounded(void)
{
    uint64_t wrapped = 0, past = 0;
    bool read_wrapped = m2p_read_raw(_mfn(1ULL << 61), &wrapped);
    bool read_past = m2p_read_raw(_mfn(MACH2PHYS_NR_ENTRIES), &past);

    wl_check(!read_wrapped && !read_past, "boot-m2p-read-bounded",
             "m2p_read_raw answered for mfn 2^61 (%s, 0x%llx) or mfn 0x%llx past the table (%s, 0x%llx)",
             read_wrapped ? "read" : "refused", (unsigned long long)wrapped,
             (unsigned long long)MACH2PHYS_NR_ENTRIES, read_past ? "read" : "refused",
             (unsigned long long)past);
}

/* A table frame is read-only in the direct map: writing it back unchanged must fault, as a write. */
static void check_tables_read_only(void)
{
    volatile uint64_t *l4 = pfn_to_virt(boot.l4);
    uint64_t before = expected_faults(), value = l4[511];
    bool wrote = safe_write64(&l4[511], value);
    struct fault_info f = last_expected_fault();

    wl_check(!wrote && expected_faults() == before + 1 && f.vector == 14 && (f.error_code & 3) == 3 &&
                 f.address == (uint64_t)(uintptr_t)&l4[511],
             "boot-tables-read-only-in-direct-map",
             "write to the L4 at %p: %s, vector %llu, error code 0x%llx, address 0x%llx", (void *)&l4[511],
             wrote ? "did not fault" : "faulted", (unsigned long long)f.vector,
             (unsigned long long)f.error_code, (unsigned long long)f.address);
}

/*
 * A direct write to an L1 table (here the direct map's own L1 entry for a data
 * frame, clearing its dirty bit).  We turned writable_pagetables off, so Xen
 * should not emulate it and the write should fault.  As the hardware domain,
 * though, Xen's read-only page-fault path emulates it anyway (and validates it,
 * like an mmu_update).  Either is safe; what must never happen is a change
 * other than the one asked for.  The stat says which one this Xen did.
 */
static void check_l1_direct_write(void)
{
    pfn_t data = frame_alloc();
    uint64_t maddr = pfn_valid_value(data) ? direct_map_l1e_maddr(data) : 0, before, after, faults;
    uint64_t l1_pfn = direct_map.first_table + 1 + direct_map.nr_l2 + pfn_x(data) / PT_ENTRIES;
    volatile uint64_t *entry = (uint64_t *)pfn_to_virt(_pfn(l1_pfn)) + (maddr & (PAGE_SIZE - 1)) / 8;
    mmu_update_t restore;
    bool wrote;

    if (!pfn_valid_value(data)) {
        wl_check(false, "boot-l1-direct-write", "no frame to try it with");
        return;
    }
    before = *entry;
    faults = expected_faults();
    wrote = safe_write64(entry, before & ~_PAGE_DIRTY);
    after = *entry;
    wl_check(wrote ? after == (before & ~_PAGE_DIRTY) : (after == before && expected_faults() == faults + 1),
             "boot-l1-direct-write-faults-or-is-validated",
             "l1e 0x%llx -> 0x%llx after a %s write of 0x%llx", (unsigned long long)before,
             (unsigned long long)after, wrote ? "silent" : "faulting",
             (unsigned long long)(before & ~_PAGE_DIRTY));
    wl_stat("l1_direct_writes_emulated", wrote);
    restore = (mmu_update_t){ maddr | MMU_NORMAL_PT_UPDATE, before };
    mmu_update_checked(&restore, 1, "boot: restoring a direct-map l1e");
    frame_free(data);
}

/* Nothing maps the first user page: a read there is an expected fault, not a crash. */
static void check_expected_fault(void)
{
    const uint64_t *nowhere = (const uint64_t *)0x1000;
    uint64_t before = expected_faults(), value = 0xdead;
    bool read = safe_read64(nowhere, &value);
    struct fault_info f = last_expected_fault();

    wl_check(!read && value == 0 && expected_faults() == before + 1 && f.vector == 14 &&
                 !(f.error_code & 1) && f.address == 0x1000,
             "boot-expected-fault-caught",
             "read of 0x1000: %s, vector %llu, error code 0x%llx, address 0x%llx",
             read ? "did not fault" : "faulted", (unsigned long long)f.vector,
             (unsigned long long)f.error_code, (unsigned long long)f.address);
}

#define ALLOC_N 64

/* Distinct, ours, zeroed; all of them back after freeing; a double free refused. */
static void check_frame_allocator(void)
{
    static pfn_t got[ALLOC_N];
    uint64_t free_before = frames_free_count(), dup = 0, dirty = 0, bad = 0, errors;
    bool refused;
    unsigned i, j, n = 0;

    for (i = 0; i < ALLOC_N; i++) {
        got[i] = frame_alloc();
        if (!pfn_valid_value(got[i]))
            break;
        n++;
        if (pfn_x(got[i]) >= boot.nr_pages || pfn_is_kernel_table(pfn_x(got[i])) ||
            pfn_x(got[i]) < direct_map.end)
            bad++;
        for (j = 0; j < i; j++)
            dup += pfn_eq(got[i], got[j]);
        const uint64_t *w = pfn_to_virt(got[i]);
        for (j = 0; j < PAGE_SIZE / 8; j++)
            dirty += w[j] != 0;
        /* Leave a mark, so a frame handed out twice without zeroing would show. */
        mem_set(pfn_to_virt(got[i]), 0xa5, PAGE_SIZE);
    }
    wl_check(n == ALLOC_N && !dup && !bad && !dirty, "boot-frames-distinct-and-zeroed",
             "%u of %u allocated, %llu duplicates, %llu not the allocator's, %llu non-zero words", n, ALLOC_N,
             (unsigned long long)dup, (unsigned long long)bad, (unsigned long long)dirty);
    for (i = 0; i < n; i++)
        frame_free(got[i]);
    wl_check(frames_free_count() == free_before, "boot-frames-all-returned",
             "%llu free before, %llu after", (unsigned long long)free_before,
             (unsigned long long)frames_free_count());

    /* The refusal is reported through pvmmu_error on purpose: accept it before the check. */
    errors = pvmmu_error_count();
    if (n)
        frame_free(got[0]);
    refused = pvmmu_error_count() == errors + 1 && pvmmu_error_seen("double free");
    wl_accept_errors();
    wl_check(n && refused && frames_free_count() == free_before, "boot-frames-double-free-refused",
             "a second frame_free(pfn 0x%llx) was %s (free count %llu, was %llu)",
             n ? (unsigned long long)pfn_x(got[0]) : 0ULL, refused ? "reported" : "not reported",
             (unsigned long long)frames_free_count(), (unsigned long long)free_before);
}

/*
 * The p2m window, the platform's way: a page of it shows a frame read-only
 * (reads match the direct map, writes fault), then writable (writes land).
 */
static void check_p2m_window(void)
{
    uint64_t *win = p2m_window_reserve(PAGE_SIZE);
    pfn_t frame = frame_alloc();
    uint64_t *dm = pfn_valid_value(frame) ? pfn_to_virt(frame) : NULL, v = 0, faults;
    bool ro_ok = false, rw_ok = false;

    if (win && dm) {
        dm[7] = 0x1234567890abcdefULL;
        faults = expected_faults();
        ro_ok = !p2m_window_map(win, frame, false) && safe_read64(&win[7], &v) &&
                v == dm[7] && !safe_write64(&win[7], 1) && expected_faults() == faults + 1;
        rw_ok = !p2m_window_map(win, frame, true) && safe_write64(&win[8], 42) && dm[8] == 42;
    }
    wl_check(win && dm && ro_ok, "boot-p2m-window-read-only",
             "window %p frame 0x%llx: read 0x%llx", (void *)win,
             dm ? (unsigned long long)pfn_x(frame) : 0ULL, (unsigned long long)v);
    wl_check(win && dm && rw_ok, "boot-p2m-window-writable", "window %p: a write did not reach the frame",
             (void *)win);
    wl_stat("p2m_window_tables", p2m_window_tables());
    /* The window page keeps the frame mapped; the frame stays with it, not freed. */
}

/* The parser on a sample with a good word, a bad number, an unknown key and a bare word. */
static unsigned warnings;
static void count_warning(const char *message, void *ctx)
{
    (void)message;
    (void)ctx;
    warnings++;
}

static void check_options(const struct kernel_options *live)
{
    static const char sample[] = " spaces=300  pages=abc bogus=1 suites=boot,fork lonely pages=0x10 ";
    struct kernel_options o;
    unsigned ignored;

    options_default(&o);
    warnings = 0;
    ignored = options_parse(sample, sizeof(sample), &o, count_warning, NULL);
    wl_check(ignored == 3 && warnings == 3 && o.spaces == 300 && o.pages == 16 &&
                 !mem_cmp(o.suites, "boot,fork", 10),
             "boot-options-parsed", "ignored %u (warned %u), spaces %u, pages %u, suites '%s'", ignored,
             warnings, o.spaces, o.pages, o.suites);
    wl_stat("opt_spaces", live->spaces);
    wl_stat("opt_pages", live->pages);
    wl_stat("opt_storm_rounds", live->storm_rounds);
    wl_stat("opt_storm_pages", live->storm_pages);
}

void suite_boot(const struct kernel_options *opt)
{
    check_direct_map();
    check_m2p_read_bounded();
    check_tables_read_only();
    check_expected_fault();
    check_l1_direct_write();
    check_frame_allocator();
    check_p2m_window();
    check_options(opt);
    wl_stat("nr_pages", boot.nr_pages);
    wl_stat("kernel_pfns", boot.kernel_end);
    wl_stat("bootstrap_pfns_released", boot.released);
    wl_stat("direct_map_tables", direct_map.end - direct_map.first_table);
    wl_stat("direct_map_build_traps", direct_map.traps);
    wl_stat("frames_free", frames_free_count());
    wl_stat("expected_faults", expected_faults());
}

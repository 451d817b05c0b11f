/*
 * start_info, as the kernel consumes it at boot and after a restore, with every
 * field the input's: nr_pages, mfn_list's contents, pt_base, nr_pt_frames,
 * flags, the console's mfn and event channel, cmd_line (full, unterminated).
 * The kernel's own files run, unchanged, on the hosted machine
 * (tests/fuzz/arch_hosted.h): kmain's order is kept.
 *
 *   - console_init: a domU's console ring must be one of our own bootstrap
 *     pages, as the m2p and mfn_list agree (the check xs_connect makes of the
 *     store page); output may land in that page only, never in a page the m2p
 *     merely names, and an mfn beyond the m2p must not be read through.
 *   - options_parse: cmd_line is read within its 1024 bytes.
 *   - boot_tables_adopt (arch/x86/xen/boot_tables.c): it accepts only facts that
 *     make sense, or refuses with a report.  Accepted means: pt_base is at or
 *     above VIRT_BASE, the tables start after the image, pt_first + nr_pt_frames
 *     + 1 (the stack) is kernel_end without wrapping around, kernel_end is below
 *     nr_pages, and the L4 at pt_base is the frame mfn_list names there.
 *   - p2m_init (p2m/table.c) from mfn_list and nr_pages: accepts or reports;
 *     accepted, every pfn below nr_pages looks up as mfn_list says.
 *   - after a restore, console_resumed takes the new event channel and keeps
 *     the page (Xen's restore gives the console's mfn back, not a new page).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/lib_int.h"
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/report.h>
#include "tests/fuzz/arch_hosted.h"
#include "arch/x86/xen/boot.h"
#include "arch/x86/xen/console.h"
#include "arch/x86/common/options.h"
#include "tests/fuzz/arch_hosted_hooks.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/pv_ops.h"
#include "tests/harness/harness.h"
#include "tests/model/model.h"

#define NR_PAGES FUZZ_BOOT_PAGES    /* the hosted machine's pfns with memory */
#define LIST_MAX 4096               /* mfn_list has nr_pages entries: never more than this */

static uint64_t mfn_list[LIST_MAX];
static start_info_t si;

#define fail(...) fuzz_failf("start_info", __VA_ARGS__)

static uint64_t virt_base(void)
{
    return VIRT_BASE;
}

static uint64_t any_u64(struct cursor *c)
{
    uint64_t v = 0;
    unsigned i;

    for (i = 0; i < 8; i++)
        v = v << 8 | next(c);
    return v;
}

/* An mfn: a page of ours by mfn_list, another domain's, one beyond the m2p, wild. */
static uint64_t any_mfn(struct cursor *c, uint64_t nr_pages)
{
    unsigned a = next(c), b = next(c) << 8 | next(c);

    switch (a % 8) {
    case 0: return mfn_x(harness_foreign_mfn(b));
    case 1: return m2p_max_mfn() + 1 + b;
    case 2: return b % 2 ? INVALID_MFN_RAW : (uint64_t)b << 40;
    default: return mfn_list[b % nr_pages];
    }
}

/* --- the fields ---------------------------------------------------------------------- */

static void build_start_info(struct cursor *c)
{
    unsigned shape = next(c), pfn;
    uint64_t pt_pfn;

    memset(&si, 0, sizeof(si));
    memcpy(si.magic, "xen-3.0-x86_64", 15);
    si.nr_pages = FUZZ_IMAGE_PAGES + 8 + (next(c) << 8 | next(c)) % (LIST_MAX - FUZZ_IMAGE_PAGES - 8);
    for (pfn = 0; pfn < si.nr_pages; pfn++)   /* as the builder made it, until the input says otherwise */
        mfn_list[pfn] = pfn < NR_PAGES ? mfn_x(harness_pfn_to_mfn(_pfn(pfn))) : mfn_x(harness_foreign_mfn(pfn));
    for (unsigned n = next(c) % 8; n; n--) {
        pfn = (next(c) << 8 | next(c)) % si.nr_pages;
        mfn_list[pfn] = any_mfn(c, si.nr_pages);
    }
    si.mfn_list = (uint64_t)(uintptr_t)mfn_list;
    si.flags = shape & 1 ? SIF_INITDOMAIN : 0;
    pt_pfn = (next(c) << 8 | next(c)) % (NR_PAGES + 64);
    switch ((shape >> 1) & 3) {
    case 0: si.pt_base = virt_base() + pt_pfn * PAGE_SIZE; break;
    case 1: si.pt_base = virt_base() + pt_pfn * PAGE_SIZE + next(c); break;   /* not page aligned */
    case 2: si.pt_base = any_u64(c); break;
    case 3: si.pt_base = virt_base() - (1 + next(c)) * PAGE_SIZE; break;      /* below VIRT_BASE */
    }
    switch ((shape >> 3) & 3) {
    case 0: si.nr_pt_frames = 1 + next(c) % 8; break;
    case 1: si.nr_pt_frames = 0; break;
    case 2: si.nr_pt_frames = (uint64_t)0 - pt_pfn - (next(c) % 4); break;   /* pt_first + nr_pt wraps */
    case 3: si.nr_pt_frames = any_u64(c); break;
    }
    si.console.domU.mfn = (shape >> 5) & 1 ? any_mfn(c, si.nr_pages) : mfn_x(harness_pfn_to_mfn(_pfn(FUZZ_IMAGE_PAGES + next(c) % 8)));
    si.console.domU.evtchn = next(c);
    si.store_mfn = any_mfn(c, si.nr_pages);
    si.store_evtchn = next(c);
    for (pfn = 0; pfn < sizeof(si.cmd_line); pfn++)
        si.cmd_line[pfn] = (char)next(c);
}

/* --- the console ---------------------------------------------------------------------- */

/*
 * The pfn the console's mfn is by the m2p, if mfn_list agrees it is that page of
 * ours and it is one of the builder's bootstrap pages (they end with the page
 * tables and a one-page stack: beyond them VIRT_BASE maps nothing); else -1.
 */
static int64_t own_console_pfn(void)
{
    uint64_t mfn = si.console.domU.mfn, pfn, pt_first;

    if (!model_m2p_read(_mfn(mfn), &pfn) || pfn >= si.nr_pages || mfn_list[pfn] != mfn)
        return -1;
    if (si.pt_base < virt_base() || si.nr_pt_frames >= si.nr_pages)
        return -1;
    pt_first = (si.pt_base - virt_base()) / PAGE_SIZE;
    if (pt_first >= si.nr_pages - si.nr_pt_frames || pfn > pt_first + si.nr_pt_frames)
        return -1;
    return pfn >= FUZZ_IMAGE_PAGES && pfn < FUZZ_IMAGE_PAGES + FUZZ_BOOT_PAGES ? (int64_t)pfn : -1;
}

/* One past the bootstrap stack that follows the page tables, or 0 when the fields wrap or make no sense. */
static uint64_t bootstrap_end(void)
{
    uint64_t pt_first;

    if (si.pt_base < virt_base() || si.nr_pt_frames >= si.nr_pages)
        return 0;
    pt_first = (si.pt_base - virt_base()) / PAGE_SIZE;
    return pt_first >= si.nr_pages - si.nr_pt_frames ? 0 : pt_first + si.nr_pt_frames + 1;
}

static void check_console_output(void)
{
    static const char line[] = "pvmmu: console check\n";
    int64_t own = si.flags & SIF_INITDOMAIN ? -1 : own_console_pfn();
    size_t off;

    /*
     * xen.h's bootstrap layout promises that everything up to the bootstrap stack
     * after the page tables is mapped from VIRT_BASE, and console_init relies on
     * it.  A start_info whose bootstrap region reaches past the pages this
     * harness maps describes a mapping the harness does not have: nothing to
     * check (the kernel's own refusals of it are checked by boot_tables_adopt).
     */
    if (bootstrap_end() > FUZZ_IMAGE_PAGES + FUZZ_BOOT_PAGES)
        return;
    console_init(&si);
    console_write(line, sizeof(line) - 1);
    for (off = 0; off < (size_t)FUZZ_BOOT_PAGES * PAGE_SIZE; off++) {
        int64_t pfn = FUZZ_IMAGE_PAGES + (int64_t)(off / PAGE_SIZE);

        if (fuzz_boot_region[off] && pfn != own)
            fail("console output landed in pfn 0x%llx, which is not our console page (console mfn 0x%llx, "
                 "flags %#x)", (unsigned long long)pfn, (unsigned long long)si.console.domU.mfn, si.flags);
    }
    if (own >= 0 && !fuzz_console_ring())
        fail("a domU with its console page (pfn 0x%llx) writes no ring", (unsigned long long)own);
}

/* After a restore: the same page, the new event channel; the ring is not moved. */
static void check_resume(struct cursor *c)
{
    const void *before = fuzz_console_ring();

    si.console.domU.evtchn = next(c);
    si.console.domU.mfn = any_mfn(c, si.nr_pages);
    console_resumed(&si);
    if (fuzz_console_ring() != before)
        fail("console_resumed moved the ring");
}

/* --- the bootstrap tables, and the p2m ------------------------------------------------ */

static void check_adopt(void)
{
    unsigned long errors = pvmmu_error_count();
    unsigned __int128 end;
    uint64_t pfn;
    int rc;

    memset(&boot, 0, sizeof(boot));
    rc = boot_tables_adopt(&si);
    if (getenv("PVMMU_FUZZ_TRACE"))
        fprintf(stderr, "adopt: nr_pages %llu pt_base 0x%llx nr_pt 0x%llx flags %#x: %d %s\n",
                (unsigned long long)si.nr_pages, (unsigned long long)si.pt_base,
                (unsigned long long)si.nr_pt_frames, si.flags, rc, rc ? pvmmu_last_error() : "");
    if (rc) {
        if (pvmmu_error_count() == errors)
            fail("boot_tables_adopt refused (%d) without a report", rc);
        return;
    }
    end = (unsigned __int128)boot.pt_first + boot.nr_pt + 1;
    if (si.pt_base < virt_base())
        fail("accepted pt_base 0x%llx below VIRT_BASE", (unsigned long long)si.pt_base);
    if (boot.pt_first < FUZZ_IMAGE_PAGES)
        fail("accepted tables at pfn 0x%llx, inside the image", (unsigned long long)boot.pt_first);
    if (boot.nr_pt == 0 || end != boot.kernel_end || boot.kernel_end >= si.nr_pages)
        fail("accepted pt_first 0x%llx + nr_pt_frames 0x%llx + 1 = kernel_end 0x%llx with nr_pages %llu: "
             "the kernel's pages would be [0, 0x%llx)", (unsigned long long)boot.pt_first,
             (unsigned long long)boot.nr_pt, (unsigned long long)boot.kernel_end,
             (unsigned long long)si.nr_pages, (unsigned long long)boot.kernel_end);
    if (!model_m2p_read(_mfn(mfn_list[boot.pt_first]), &pfn) || pfn != boot.pt_first)
        fail("accepted an L4 at pfn 0x%llx that the m2p does not put there", (unsigned long long)boot.pt_first);
}

static void check_p2m_init(void)
{
    uint64_t max = si.nr_pages * 2, pfn;
    unsigned long errors = pvmmu_error_count();
    int rc = p2m_init(mfn_list, si.nr_pages, max);

    if (rc) {
        if (pvmmu_error_count() == errors)
            fail("p2m_init refused (%d) without a report", rc);
        return;
    }
    for (pfn = 0; pfn < si.nr_pages; pfn++)
        if (mfn_x(p2m_lookup(_pfn(pfn))) != mfn_list[pfn])
            fail("after p2m_init, pfn 0x%llx looks up as mfn 0x%llx; mfn_list says 0x%llx",
                 (unsigned long long)pfn, (unsigned long long)mfn_x(p2m_lookup(_pfn(pfn))),
                 (unsigned long long)mfn_list[pfn]);
}

static void ignore_warning(const char *message, void *ctx)
{
    (void)message;
    (void)ctx;
}

void fuzz_start_info(const uint8_t *data, size_t size)
{
    struct cursor c = { data, data + size };
    struct kernel_options options;

    harness_boot(NR_PAGES);
    m2p_init();
    fuzz_arch_reset();
    fuzz_arch_copy_m2p();
    pvmmu_clear_errors();
    build_start_info(&c);
    check_console_output();
    options_default(&options);
    options_parse((const char *)si.cmd_line, sizeof(si.cmd_line), &options, ignore_warning, NULL);
    check_adopt();
    check_p2m_init();
    check_resume(&c);
    pvmmu_clear_errors();
}

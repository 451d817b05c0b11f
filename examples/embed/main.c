/*
 * The example: a PV kernel that uses pvmmu through its installed library alone.
 *
 *   boot      console, traps, shared_info, the direct map and the frames (mm.c);
 *   pvmmu     its p2m from start_info's list, published; the layout (kernel in
 *             L4 slot 0, one root); the kernel's tables adopted;
 *   scenario  a space created, pages mapped in two of its slots (1, and 300
 *             above Xen's) and refused in the kernel's and Xen's, pinned, switched to, written and read through its
 *             mappings, one page made read-only (a write faults), one unmapped
 *             (a read faults); a second space left unpinned;
 *   save      "ready for save", xl save / xl restore through xenstore's
 *             control/shutdown and pvmmu_suspend_and_resume; then every mapping
 *             and every byte checked against what was there before.
 *
 * Its console lines are the rig's protocol (tests/rig/requires.sh): "PASS name" /
 * "FAIL name: why" per check and a last "pvmmu: N passed, N failed".
 */
#include <xen/pvmmu/aspace.h>
#include <xen/pvmmu/layout.h>
#include <xen/pvmmu/mmu.h>
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include <xen/pvmmu/suspend.h>
#include "embed.h"

#define SLOT_VA(slot) pvmmu_va_canonical((uint64_t)(slot) << 39)
#define LOW_VA SLOT_VA(1)          /* the space's own, below Xen's slots */
#define HIGH_VA SLOT_VA(300)       /* and above them */
#define NR_LOW 16
#define NR_HIGH 4
#define NR_SIDE 8
#define PROTECTED 3                /* which low page is made read-only */
#define UNMAPPED 5                 /* and which one is unmapped */
#define DATA_FLAGS PVMMU_PAGE_RW

static unsigned passed, failed;
static start_info_t *si;
static bool skip_pin_all;          /* pin_all=0 on the command line: the negative control */

static void check(bool ok, const char *name, const char *why)
{
    if (ok) {
        print("PASS %s", name);
        passed++;
    } else {
        print("FAIL %s: %s%s%s", name, why, pvmmu_error_count() ? "; last report: " : "",
              pvmmu_error_count() ? pvmmu_last_error() : "");
        failed++;
    }
}

static _Noreturn void finish(unsigned reason)
{
    print("pvmmu: %u passed, %u failed", passed, failed);
    console_flush();
    hv_shutdown(reason);
}

static _Noreturn void boot_failed(const char *step, long rc)
{
    char why[64];

    pvmmu_snprintf(why, sizeof(why), "returned %ld", rc);
    check(false, step, why);
    finish(SHUTDOWN_crash);
}

/* A ring page of start_info's, by its mfn: one of the bootstrap pages, at pfn * 4096. */
static void *ring_of(uint64_t mfn)
{
    uint64_t pfn;

    if (!pvmmu_m2p_read_raw(pvmmu_mfn(mfn), &pfn) || pfn >= si->nr_pages)
        return NULL;
    return (void *)(pfn << PAGE_SHIFT);
}

/* --- the pages and what they hold ------------------------------------------------------- */
static pvmmu_pfn_t low[NR_LOW], high[NR_HIGH], side[NR_SIDE];
static pvmmu_pte_t low_pte[NR_LOW], high_pte[NR_HIGH], side_pte[NR_SIDE];
static struct pvmmu_aspace *space, *side_space;

static uint64_t pattern(uint64_t salt, unsigned page, unsigned word)
{
    return (0x9e3779b97f4a7c15ULL * (page * 512ULL + word + 1)) ^ salt;
}

static uint64_t *va_of(uint64_t base, unsigned page)
{
    return (uint64_t *)(uintptr_t)(base + (uint64_t)page * PAGE_SIZE);
}

static bool alloc_all(pvmmu_pfn_t *pfns, unsigned n)
{
    unsigned i;

    for (i = 0; i < n; i++) {
        pfns[i] = pvmmu_frame_alloc();
        if (!pvmmu_pfn_valid_value(pfns[i]))
            return false;
    }
    return true;
}

/* Every page from `base` holds its pattern, read through `base` (skip: a page not to read). */
static bool holds(uint64_t base, unsigned n, uint64_t salt, int skip)
{
    unsigned p, w;

    for (p = 0; p < n; p++)
        for (w = 0; w < 512 && (int)p != skip; w++)
            if (va_of(base, p)[w] != pattern(salt, p, w))
                return false;
    return true;
}

/* Every pte as recorded, bit for bit; the first that differs is printed. */
static bool ptes_are(const struct pvmmu_aspace *as, uint64_t base, const pvmmu_pte_t *want, unsigned n)
{
    unsigned i;
    pvmmu_pte_t got;

    for (i = 0; i < n; i++) {
        int rc = pvmmu_mmu_lookup(as, base + (uint64_t)i * PAGE_SIZE, &got);

        if (rc || got.v != want[i].v) {
            print("pvmmu: page %u at %#llx: pte %#llx (lookup %d), was %#llx", i,
                  (unsigned long long)(base + (uint64_t)i * PAGE_SIZE), (unsigned long long)got.v, rc,
                  (unsigned long long)want[i].v);
            return false;
        }
    }
    return true;
}

static void record_ptes(const struct pvmmu_aspace *as, uint64_t base, pvmmu_pte_t *out, unsigned n)
{
    unsigned i;

    for (i = 0; i < n; i++)
        if (pvmmu_mmu_lookup(as, base + (uint64_t)i * PAGE_SIZE, &out[i]))
            out[i] = PVMMU_PTE_NONE;
}

static void scenario(void)
{
    uint64_t word = 0;
    pvmmu_pte_t pte;
    unsigned p, w;

    space = pvmmu_aspace_create();
    check(space && !pvmmu_aspace_is_pinned(space), "embed-create", "pvmmu_aspace_create failed");
    if (!space || !alloc_all(low, NR_LOW) || !alloc_all(high, NR_HIGH) || !alloc_all(side, NR_SIDE)) {
        check(false, "embed-frames", "out of frames");
        return;
    }
    check(!pvmmu_mmu_map_range(space, LOW_VA, low, NR_LOW, DATA_FLAGS) &&
          !pvmmu_mmu_map_range(space, HIGH_VA, high, NR_HIGH, DATA_FLAGS) &&
          !pvmmu_mmu_lookup(space, LOW_VA + 2 * PAGE_SIZE, &pte) && pvmmu_pfn_eq(pvmmu_pte_pfn(pte), low[2]),
          "embed-map", "mapping the pages in slots 1 and 300");
    /* The layout holds: slot 0 is the kernel's and 256 Xen's; neither is a space's to map in. */
    check(pvmmu_mmu_map(space, SLOT_VA(0) + 0x200000, low[0], DATA_FLAGS) == -XEN_EINVAL &&
          pvmmu_mmu_map(space, SLOT_VA(256), low[0], DATA_FLAGS) == -XEN_EINVAL &&
          !pvmmu_layout_slot_is_space(0) && pvmmu_layout_slot_is_space(1) && pvmmu_layout_slot_is_space(300),
          "embed-layout", "a mapping in the kernel's slot 0 or Xen's slot 256 was not refused");
    pvmmu_clear_errors();   /* those two refusals were reported, as they should be */
    check(!pvmmu_aspace_pin(space) && pvmmu_aspace_is_pinned(space), "embed-pin", "pvmmu_aspace_pin failed");
    check(!pvmmu_aspace_switch(space) && pvmmu_aspace_current() == space, "embed-switch",
          "pvmmu_aspace_switch failed");

    /* Written through the space's mappings, read through the direct map; and the other way. */
    for (p = 0; p < NR_LOW; p++)
        for (w = 0; w < 512; w++)
            va_of(LOW_VA, p)[w] = pattern(1, p, w);
    for (p = 0; p < NR_HIGH; p++)
        for (w = 0; w < 512; w++)
            ((uint64_t *)pvmmu_pfn_to_virt(high[p]))[w] = pattern(2, p, w);
    {
        bool ok = holds(HIGH_VA, NR_HIGH, 2, -1);

        for (p = 0; p < NR_LOW && ok; p++)
            for (w = 0; w < 512 && ok; w++)
                ok = ((uint64_t *)pvmmu_pfn_to_virt(low[p]))[w] == pattern(1, p, w);
        check(ok, "embed-write-read", "what was written through one mapping is not what the other reads");
    }

    check(!pvmmu_mmu_protect_range(space, (uint64_t)(uintptr_t)va_of(LOW_VA, PROTECTED), 1, PVMMU_PROT_READ_ONLY) &&
          !pvmmu_mmu_lookup(space, (uint64_t)(uintptr_t)va_of(LOW_VA, PROTECTED), &pte) &&
          pvmmu_pte_present(pte) && !(pvmmu_pte_flags(pte) & PVMMU_PAGE_RW) &&
          !probe_write(va_of(LOW_VA, PROTECTED), 42) && va_of(LOW_VA, PROTECTED)[0] == pattern(1, PROTECTED, 0),
          "embed-protect", "the read-only page is not read-only, or a write to it did not fault");
    check(!pvmmu_mmu_unmap_range(space, (uint64_t)(uintptr_t)va_of(LOW_VA, UNMAPPED), 1) &&
          !pvmmu_mmu_lookup(space, (uint64_t)(uintptr_t)va_of(LOW_VA, UNMAPPED), &pte) && pvmmu_pte_none(pte) &&
          !probe_read(va_of(LOW_VA, UNMAPPED), &word),
          "embed-unmap", "the unmapped page is still mapped, or a read of it did not fault");

    /* A second space, left unpinned: only pvmmu_pin_all makes the toolstack see its tables. */
    side_space = pvmmu_aspace_create();
    for (p = 0; p < NR_SIDE; p++)
        for (w = 0; w < 512; w++)
            ((uint64_t *)pvmmu_pfn_to_virt(side[p]))[w] = pattern(3, p, w);
    check(side_space && !pvmmu_mmu_map_range(side_space, LOW_VA, side, NR_SIDE, DATA_FLAGS) &&
          !pvmmu_aspace_is_pinned(side_space), "embed-side-space", "an unpinned second space");
    /*
     * Xen puts flags of its own into a table's entries when it validates the table (a
     * 64-bit PV guest's kernel mappings get _PAGE_USER and Xen's "guest kernel" bit, pte
     * bit 52): a space written with plain stores reads back otherwise once pinned.  The
     * save's pin_all would do that to this space, so it is pinned and unpinned once here
     * first, and its entries are recorded in Xen's form; the save then changes none.
     */
    if (side_space && !pvmmu_mmu_lookup(side_space, LOW_VA, &pte)) {
        pvmmu_pte_t before = pte;

        check(!pvmmu_aspace_pin(side_space) && !pvmmu_aspace_unpin(side_space) &&
              !pvmmu_mmu_lookup(side_space, LOW_VA, &pte) && pvmmu_pfn_eq(pvmmu_pte_pfn(pte), side[0]),
              "embed-side-validated", "pinning and unpinning the second space once");
        print("pvmmu: second space, page 0: pte %#llx as written, %#llx once Xen validated it",
              (unsigned long long)before.v, (unsigned long long)pte.v);
    }

    record_ptes(space, LOW_VA, low_pte, NR_LOW);
    record_ptes(space, HIGH_VA, high_pte, NR_HIGH);
    record_ptes(side_space, LOW_VA, side_pte, NR_SIDE);
}

/* --- the save: xenstore's control/shutdown and pvmmu's sequence -------------------------- */
static int prepare(void *ctx)
{
    int rc = pvmmu_start_info_rings_to_pfns(si);

    (void)ctx;
    if (!rc && shared_unmap()) {
        pvmmu_start_info_rings_to_mfns(si);
        rc = -XEN_EFAULT;
    }
    return rc;
}

static long suspend_hypercall(void *ctx)
{
    (void)ctx;
    return hv_suspend(pvmmu_mfn_x(pfn_to_mfn(pvmmu_pfn((uintptr_t)si >> PAGE_SHIFT))));
}

/* A new domain: its shared_info, and new event channels for the two rings (same pages). */
static int resumed(void *ctx)
{
    (void)ctx;
    if (shared_map(si->shared_info))
        return -XEN_EFAULT;
    console_set_port(si->console.domU.evtchn);
    xs_init(ring_of(si->store_mfn), si->store_evtchn);
    return 0;
}

static int cancelled(void *ctx)
{
    int rc = pvmmu_start_info_rings_to_mfns(si);

    (void)ctx;
    return shared_map(si->shared_info) ? -XEN_EFAULT : rc;
}

static shared_info_t *shared_of(void *ctx)
{
    (void)ctx;
    return shared;
}

static const struct pvmmu_suspend_steps steps = {
    .prepare = prepare, .suspend_hypercall = suspend_hypercall, .resumed = resumed,
    .cancelled = cancelled, .shared_info = shared_of, .ctx = NULL,
};

/* Poll control/shutdown (10 minutes at most); "suspend" is acknowledged by writing "" back. */
static bool wait_for_suspend_request(void)
{
    char value[32];
    unsigned i;

    for (i = 0; i < 6000; i++) {
        if (!xs_read("control/shutdown", value, sizeof(value)) && value[0]) {
            if (str_cmp(value, "suspend") == 0)
                return xs_write("control/shutdown", "") == 0;
            print("pvmmu: control/shutdown says '%s': not a save", value);
            return false;
        }
        evtchn_wait(si->store_evtchn, 100000000);
    }
    return false;
}

static bool side_ok;

static void save_and_check(void)
{
    struct pvmmu_suspend_report report;
    pvmmu_pte_t pte;
    uint64_t word;
    int rc;

    print("pvmmu: ready for save 1 of 1");
    if (!wait_for_suspend_request()) {
        check(false, "embed-save", "no suspend request in control/shutdown");
        return;
    }
    rc = pvmmu_suspend_and_resume(&steps, skip_pin_all, &report);
    print("pvmmu: %s (save 1)", report.outcome == PVMMU_SUSPEND_RESUMED ? "resumed in a new domain" :
                                report.outcome == PVMMU_SUSPEND_CANCELLED ? "suspend cancelled" : "suspend failed");
    check(!rc && report.outcome == PVMMU_SUSPEND_RESUMED, "embed-save", "pvmmu_suspend_and_resume failed");

    check(pvmmu_aspace_current() == space && pvmmu_aspace_is_pinned(space), "embed-current-after-restore",
          "the space is no longer the current one, or no longer pinned");
    check(ptes_are(space, LOW_VA, low_pte, NR_LOW) && ptes_are(space, HIGH_VA, high_pte, NR_HIGH),
          "embed-mappings-after-restore", "a mapping of the current space changed");
    check(holds(LOW_VA, NR_LOW, 1, UNMAPPED) && holds(HIGH_VA, NR_HIGH, 2, -1), "embed-contents-after-restore",
          "a page read through its mapping is not what it held before the save");
    check(!probe_write(va_of(LOW_VA, PROTECTED), 42) && !probe_read(va_of(LOW_VA, UNMAPPED), &word),
          "embed-protection-after-restore", "the read-only page became writable or the unmapped one readable");

    /* Its tables are stale without pin_all: then it is not loaded (its kernel slot would be stale too). */
    side_ok = !pvmmu_aspace_is_pinned(side_space) && ptes_are(side_space, LOW_VA, side_pte, NR_SIDE);
    check(side_ok, "embed-side-mappings-after-restore", "the unpinned space's mappings changed (or it stayed pinned)");
    check(side_ok && !pvmmu_aspace_switch(side_space) && holds(LOW_VA, NR_SIDE, 3, -1),
          "embed-side-contents-after-restore", "the unpinned space, switched to, does not show its pages as they were");

    /* And it goes on working: a write through the first space, seen in the direct map. */
    rc = pvmmu_aspace_switch(space);
    if (!rc)
        va_of(HIGH_VA, 1)[7] = 0x5a5a;
    check(!rc && ((uint64_t *)pvmmu_pfn_to_virt(high[1]))[7] == 0x5a5a && !pvmmu_mmu_lookup(space, HIGH_VA, &pte),
          "embed-write-after-restore", "a write through the space after the restore");
}

static void teardown(void)
{
    /* A space whose tables came back stale is left alone: walking them would only report more. */
    check(!pvmmu_aspace_switch(pvmmu_aspace_kernel()) && !pvmmu_aspace_destroy(space) && side_ok &&
          !pvmmu_aspace_destroy(side_space) && pvmmu_registry_count() == 1, "embed-teardown",
          "destroying the two spaces");
}

static bool prefix_is(const char *s, const char *prefix)
{
    while (*prefix && *s == *prefix)
        s++, prefix++;
    return !*prefix;
}

static bool has_word(const char *line, const char *word)
{
    size_t n = str_len(word), i;

    for (i = 0; line[i]; i++)
        if ((i == 0 || line[i - 1] == ' ') && prefix_is(line + i, word) &&
            (line[i + n] == 0 || line[i + n] == ' '))
            return true;
    return false;
}

void embed_main(start_info_t *start_info);
void embed_main(start_info_t *start_info)
{
    static const struct pvmmu_layout layout = {
        .kernel_first_slot = 0, .kernel_last_slot = 0, .user_root = false,
    };
    char cmdline[MAX_GUEST_CMDLINE + 1];
    long rc, traps_rc;

    si = start_info;
    memcpy(cmdline, si->cmd_line, MAX_GUEST_CMDLINE);
    cmdline[MAX_GUEST_CMDLINE] = 0;
    skip_pin_all = has_word(cmdline, "pin_all=0");
    /* The trap table first: finding the console ring reads the m2p, which may fault. */
    traps_rc = traps_init();
    rc = shared_map(si->shared_info);
    console_init(ring_of(si->console.domU.mfn), si->console.domU.evtchn);
    print("pvmmu: %s, domU, %lu pages, start_info flags %#x (the embed example; command line '%s')",
          si->magic, si->nr_pages, si->flags, cmdline);
    if (traps_rc)
        boot_failed("embed-boot-traps", traps_rc);
    if (rc)
        boot_failed("embed-boot-shared-info", rc);
    xs_init(ring_of(si->store_mfn), si->store_evtchn);
    rc = mm_init(si);
    if (rc)
        boot_failed("embed-boot-memory", rc);

    /*
     * pvmmu: the layout, its p2m (from now on the only one: mm.c reads through
     * pvmmu_p2m_lookup), published at once (xl save reads it before it asks us to
     * suspend), and the kernel's tables adopted as the first address space.
     */
    rc = pvmmu_layout_init(&layout);
    if (!rc)
        rc = pvmmu_p2m_init((const uint64_t *)si->mfn_list, boot.nr_pages, boot.nr_pages);
    boot.p2m_handed_over = rc == 0;
    if (!rc)
        rc = pvmmu_p2m_publish(shared);
    if (!rc)
        rc = pvmmu_aspace_adopt_kernel(boot.l4);
    check(!rc, "embed-boot", "layout, p2m init and publish, adopting the kernel's tables");
    if (rc)
        finish(SHUTDOWN_crash);
    print("pvmmu: up: %llu pages, allocator from pfn %#llx, %llu frames free",
          (unsigned long long)boot.nr_pages, (unsigned long long)boot.first_free,
          (unsigned long long)frames_free());

    scenario();
    if (space && side_space) {
        save_and_check();
        teardown();
    }
    finish(SHUTDOWN_poweroff);   /* the verdict line carries the failures */
}

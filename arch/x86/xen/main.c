/*A:000 kmain: from start_info to the last line of output.
 *
 *   1. shared_info, the console and the trap table: from here on, anything that
 *      goes wrong can be said, and an unexpected fault is reported, not silent;
 *   2. the command line;
 *   3. memory: adopt Xen's bootstrap tables, give back the builder's padding,
 *      build the direct map, hand the remaining frames to the allocator;
 *   4. the portable core: its p2m (from start_info's mfn_list), the m2p, the
 *      frame lists published for the toolstack, and the kernel's tables adopted
 *      as the first address space;
 *   5. the secondary vCPUs brought up (smp.c);
 *   6. the suites; with saves=N (a domU), N rounds of xl save / xl restore served
 *      (saves.c); the tally, and shutdown: poweroff, or crash if the platform
 *      could not even be set up. :*/
#include <xen/pvmmu/aspace.h>
#include "lib/lib_int.h"
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/report.h>
#include "workloads/workloads.h"
#include "boot.h"
#include "console.h"
#include "directmap.h"
#include "frames.h"
#include "hypercall_arch.h"
#include "arch/x86/common/options.h"
#include "saves.h"
#include "shared.h"
#include "smp.h"
#include "suites.h"
#include "arch/x86/common/traps.h"

static struct kernel_options options;
static char cmdline[MAX_GUEST_CMDLINE + 1];

static void print_warning(const char *message, void *ctx)
{
    (void)ctx;
    kprintf("pvmmu: %s", message);
}

/*
 * smp_boot's question: does the toolstack want vCPU `vcpu` online?  xl writes
 * cpu/N/availability for each of maxvcpus= vCPUs, "online" for the first vcpus= and
 * "offline" for the rest.  With no toolstack (the initial domain) or no key, every
 * vCPU the domain has is used; a value that is neither is reported by name, and the
 * vCPU left down.
 */
static bool vcpu_wanted_online(unsigned vcpu)
{
    char path[32], value[16] = "";
    int rc;

    pvmmu_snprintf(path, sizeof(path), "cpu/%u/availability", vcpu);
    rc = xenstore_read_early(path, value, sizeof(value));
    if (rc == -XEN_ENODEV)
        return true;
    if (rc) {
        kprintf("pvmmu: xenstore %s: %d: vCPU %u used as the domain has it", path, rc, vcpu);
        return true;
    }
    if (!mem_cmp(value, "online", sizeof("online")))
        return true;
    if (mem_cmp(value, "offline", sizeof("offline")))
        pvmmu_error("smp: xenstore %s is '%s', neither 'online' nor 'offline': vCPU %u left down", path, value, vcpu);
    return false;
}

/* The last line, then off.  The console is drained first: a domU's ring may still hold output. */
static _Noreturn void finish(unsigned reason)
{
    kprintf("pvmmu: %u passed, %u failed", wl_passed(), wl_failed());
    console_flush();
    hv_shutdown(reason);
}

/* A step of bring-up failed: say which, count it as a failure, and stop. */
static _Noreturn void boot_failed(const char *step, int rc)
{
    wl_check(false, step, "returned %d (%s)", rc, pvmmu_error_count() ? pvmmu_last_error() : "no report");
    finish(SHUTDOWN_crash);
}

/*
 * How far the guest may grow (xl mem-set above `memory`, up to `maxmem`).  Nothing
 * at boot says how far: xl creates the domain with max_pages = memory + 1 MiB
 * (libxl__build_pre sets it from the target, not from maxmem; seen on the rig:
 * "Xen's max_pages 33024, nr_pages 32768" for memory=128 maxmem=256) and raises it
 * only at xl mem-set; maxmem is in xenstore (memory/static-max), which the kernel
 * reads only later.  So the direct map and the allocator cover twice the boot size
 * from the start (the p2m's room too), or Xen's max_pages if that is more, at most
 * GROW_FACTOR times: the pfns past nr_pages unmapped and not free, so that the
 * balloon can populate them (docs/balloon.md).  The cost: one L1 per 2 MiB of
 * room, 0.2% of the boot size.
 */
#define GROW_FACTOR 4

static void choose_span(void)
{
    domid_t self = DOMID_SELF;
    long max_pages = hv_memory_op(XENMEM_maximum_reservation, &self);
    uint64_t cap = boot.nr_pages * GROW_FACTOR;

    boot.span = boot.nr_pages * 2;
    if (max_pages > (long)boot.span)
        boot.span = (uint64_t)max_pages < cap ? (uint64_t)max_pages : cap;
    if (boot.span > P2M_MAX_PFNS)
        boot.span = P2M_MAX_PFNS;
    if (boot.span > boot.nr_pages)
        kprintf("pvmmu: room to grow: Xen's max_pages %ld, nr_pages %llu: pfns up to 0x%llx covered",
                max_pages, (unsigned long long)boot.nr_pages, (unsigned long long)boot.span - 1);
}

static int setup_memory(void)
{
    int rc = boot_tables_adopt(boot.si);

    if (!rc)
        choose_span();
    if (!rc)
        rc = boot_tables_release();
    if (!rc)
        rc = direct_map_build();
    if (!rc)
        rc = frames_init(direct_map.end);
    return rc;
}

/*
 * Which p2m shape the toolstack gets: p2m_tools=list|tree forces one; auto is the
 * list when the domain builder set SIF_VIRT_P2M_4TOOLS.  Read now, once: a restore
 * hands us a start_info whose flags are 0.
 */
static void choose_p2m_tools(void)
{
    bool sif = boot.si->flags & SIF_VIRT_P2M_4TOOLS;
    enum p2m_tools_format format =
        options.p2m_tools == OPTIONS_P2M_TOOLS_LIST ? P2M_TOOLS_LIST :
        options.p2m_tools == OPTIONS_P2M_TOOLS_TREE ? P2M_TOOLS_TREE :
        sif ? P2M_TOOLS_LIST : P2M_TOOLS_TREE;

    p2m_tools_choose(format, boot.l4);
    kprintf("pvmmu: p2m for the toolstack: %s (p2m_tools=%s, SIF_VIRT_P2M_4TOOLS %s)",
            p2m_tools_format_name(format),
            options.p2m_tools == OPTIONS_P2M_TOOLS_LIST ? "list" :
            options.p2m_tools == OPTIONS_P2M_TOOLS_TREE ? "tree" : "auto", sif ? "set" : "not set");
}

/* What shared_info tells the toolstack now: the rig's log shows it beside xl's own words. */
void p2m_tools_report(const shared_info_t *sh, const char *when)
{
    kprintf("pvmmu: p2m published (%s) as the %s: max_pfn %llu, frame_list_list 0x%llx, p2m_cr3 0x%llx, "
            "p2m_vaddr 0x%llx, p2m_generation %llu", when, p2m_tools_format_name(p2m_tools_format()),
            (unsigned long long)sh->arch.max_pfn, (unsigned long long)sh->arch.pfn_to_mfn_frame_list_list,
            (unsigned long long)sh->arch.p2m_cr3, (unsigned long long)sh->arch.p2m_vaddr,
            (unsigned long long)sh->arch.p2m_generation);
}

static int setup_core(void)
{
    uint64_t max_pfns = boot.nr_pages * 2 < P2M_MAX_PFNS ? boot.nr_pages * 2 : P2M_MAX_PFNS;
    int rc;

    if (boot.span > max_pfns)
        max_pfns = boot.span;   /* the balloon may populate up to there */

    /* Room up to high_pfn: the saves will move a frame there (saves.c). */
    if (options.high_pfn >= max_pfns)
        max_pfns = (uint64_t)options.high_pfn + 1;
    rc = p2m_init(boot.mfn_list, boot.nr_pages, max_pfns);

    boot.p2m_ready = rc == 0;
    if (!rc)
        choose_p2m_tools();
    /*
     * Published at once, not only before a save: xl save reads the frame lists
     * before it even asks us to suspend.
     */
    if (!rc)
        rc = p2m_publish(xen_shared);
    if (!rc)
        p2m_tools_report(xen_shared, "boot");
    if (!rc)
        rc = aspace_adopt_kernel(boot.l4);
    return rc;
}

void kmain(start_info_t *si);
void kmain(start_info_t *si)
{
    long shared_rc = shared_info_map(si->shared_info);
    long traps_rc;
    unsigned reason;
    int rc;

    boot.si = si;
    console_init(si);
    traps_rc = traps_init();
    kprintf("pvmmu: %s, %s, %lu pages, start_info flags %#x", si->magic,
            si->flags & SIF_INITDOMAIN ? "initial domain" : "domU", si->nr_pages, si->flags);
    if (shared_rc)
        boot_failed("boot-map-shared-info", (int)shared_rc);
    if (traps_rc)
        boot_failed("boot-set-trap-table", (int)traps_rc);
    /*
     * Page tables change by hypercall only: with writable_pagetables off, Xen
     * does not emulate a stray write to a read-only L1 (it faults), so a table
     * that is still writable where it should not be shows up in the tests.
     */
    rc = (int)hv_vm_assist(VMASST_CMD_disable, VMASST_TYPE_writable_pagetables);
    if (rc)
        boot_failed("boot-vm-assist-writable-pagetables-off", rc);

    options_default(&options);
    options_parse((const char *)si->cmd_line, sizeof(si->cmd_line), &options, print_warning, NULL);
    /* start_info's cmd_line need not be terminated when it is full. */
    mem_copy(cmdline, si->cmd_line, sizeof(cmdline) - 1);
    kprintf("pvmmu: command line '%s', suites %s", cmdline, options.suites);

    rc = setup_memory();
    if (rc)
        boot_failed("boot-memory", rc);
    rc = setup_core();
    if (rc)
        boot_failed("boot-core", rc);
    workloads_attach();
    kprintf("pvmmu: up: %llu pages, kernel pfns 0..0x%llx, %llu frames free",
            (unsigned long long)boot.nr_pages, (unsigned long long)boot.kernel_end,
            (unsigned long long)frames_free_count());

    /* The other vCPUs, on the kernel's tables now that the core knows them (smp.c). */
    smp_boot(vcpu_wanted_online);
    suites_run(&options);
    reason = serve_saves(&options);
    wl_stat("console_bytes_dropped", console_dropped());
    finish(reason);
}

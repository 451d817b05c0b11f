/*X:000 The bare-metal kernel: pvmmu's shadow backend on a real (emulated) CPU.
 *
 * There is no hypervisor under this kernel: it is one.  Its host half owns the
 * machine (the IDT, CR3, every frame it took at boot) and keeps the shadow
 * tables; its guest half is the MMU workloads, which build address spaces in
 * their own guest-physical terms and touch them, and whose every touch of a
 * page the shadow has not caught up with is a real #PF.  The two halves share
 * a binary, and the line between them is drawn in memory: L4 slots 256..271
 * and every frame taken before the guest starts are the host's, and the shadow
 * core refuses a guest entry that names one.
 *
 * The order below is the order of dependencies:
 *   1. the console and the IDT: from here on, anything that goes wrong is said;
 *   2. the machine: QEMU's memory map and command line (machine.c);
 *   3. the host's memory: its direct map (directmap.c), then the frame
 *      allocator (frames.c), then the core's p2m, the identity over RAM;
 *   4. the shadow host: shadow_init, every frame in use so far reserved as the
 *      host's, the host's two L4 slots in every shadow root, and CR3 on the
 *      shadow's linear root;
 *   5. the guest: linear-mode checks, its first root, the workloads;
 *   6. the figures and the tally, and QEMU's exit. :*/
#include "lib/lib_int.h"
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include <xen/pvmmu/shadow.h>
#include "workloads/workloads.h"
#include "arch/x86/common/options.h"
#include "arch/x86/common/traps.h"
#include "console.h"
#include "host.h"
#include "layout.h"
#include "machine.h"
#include "suites.h"

static struct kernel_options options;

static void print_warning(const char *message, void *ctx)
{
    (void)ctx;
    kprintf("pvmmu: %s", message);
}

static _Noreturn void boot_failed(const char *step, const char *why)
{
    wl_check(false, step, "%s%s%s", why, pvmmu_error_count() ? ": " : "",
             pvmmu_error_count() ? pvmmu_last_error() : "");
    finish();
}

/*
 * The p2m the core looks every frame up in: pfn == mfn for RAM, nothing for
 * the holes, so a guest entry naming a hole is refused like one naming memory
 * it does not have.  The list p2m_init reads is built in early frames.
 */
static const char *p2m_setup(void)
{
    uint64_t frames = (machine.top_pfn * 8 + PAGE_SIZE - 1) / PAGE_SIZE, i, pfn;
    uint64_t *list = NULL;

    for (i = 0; i < frames; i++) {
        pfn_t f = early_frame();

        if (!pfn_valid_value(f))
            return "out of early frames for the p2m's list";
        if (!i)
            list = pfn_to_virt(f);
    }
    for (pfn = 0; pfn < machine.top_pfn; pfn++)
        list[pfn] = pfn_is_ram(pfn) ? pfn : INVALID_MFN_RAW;
    frames_init(machine.early_next_pfn);
    return p2m_init(list, machine.top_pfn, machine.top_pfn) ? "p2m_init failed" : NULL;
}

/*
 * Everything taken so far is the host's: the image, its tables, the p2m, the
 * shadow's own pool.  The guest's frames are whatever the allocator hands out
 * from now on.
 */
static int reserve_host_frames(uint64_t *count)
{
    uint64_t pfn;
    int rc = 0;

    for (pfn = 0; !rc && pfn < machine.top_pfn; pfn++)
        if (pfn_is_ram(pfn) && frame_in_use(pfn)) {
            rc = shadow_reserve_host_frame(_pfn(pfn));
            ++*count;
        }
    return rc;
}

static const char *shadow_host_setup(void)
{
    struct shadow_config cfg = shadow_default_config;
    const uint64_t *l4 = pfn_to_virt(host_l4());
    uint64_t reserved = 0;

    cfg.guest_pfns = machine.top_pfn;
    if (shadow_init(&cfg))
        return "shadow_init failed";
    if (reserve_host_frames(&reserved))
        return "shadow_reserve_host_frame failed";
    if (shadow_set_host_l4e(HOST_SLOT_DIRECT, (mpte_t){ l4[HOST_SLOT_DIRECT] }) ||
        shadow_set_host_l4e(HOST_SLOT_P2M, (mpte_t){ l4[HOST_SLOT_P2M] }))
        return "shadow_set_host_l4e failed";
    host_return();
    kprintf("pvmmu: shadow host up: %llu host frames reserved, pool of %u frames, %u roots cached "
            "at most, CR3 on the linear root",
            (unsigned long long)reserved, cfg.pool_frames, cfg.cache_roots);
    return NULL;
}

void metal_main(uint64_t start_info);
void metal_main(uint64_t start_info)
{
    const char *why;

    console_init();
    traps_init();
    kputs("pvmmu: bare x86, shadow paging (PVH entry)");
    why = machine_probe(start_info);
    if (why)
        boot_failed("boot-machine", why);
    options_default(&options);
    options_parse(machine.cmdline, sizeof(machine.cmdline), &options, print_warning, NULL);
    kprintf("pvmmu: %llu MiB of RAM in %u ranges, top pfn 0x%llx, image pfns 0x%llx..0x%llx, "
            "command line '%s', suites %s",
            (unsigned long long)(machine.ram_pages >> 8), machine.nr_ram,
            (unsigned long long)machine.top_pfn, (unsigned long long)machine.image_first_pfn,
            (unsigned long long)machine.image_end_pfn - 1, machine.cmdline, options.suites);

    why = direct_map_build();
    if (!why)
        why = p2m_setup();
    if (why)
        boot_failed("boot-memory", why);
    why = shadow_host_setup();
    if (why)
        boot_failed("boot-shadow-host", why);
    kprintf("pvmmu: up: %llu frames free for the guest", (unsigned long long)frames_free_count());

    wl_mmu = &metal_mmu;
    traps_set_page_fault_hook(wl_demand_fault);
    guest_start(&options);
    suites_run(&options);
    print_shadow_stats();
    wl_stat("guest_demand_faults_served", demand_faults_served());
    wl_stat("expected_faults", expected_faults());
    finish();
}

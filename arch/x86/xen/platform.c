/*A:440 The platform the portable core runs on (include/xen/pvmmu/platform.h), as
 * this kernel provides it.  The frame allocator is frames.c, the p2m window
 * p2m_window.c, platform_vcpu_id smp.c; the rest is here. :*/
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/pte.h>
#include <xen/pvmmu/report.h>
#include "boot.h"
#include "console.h"
#include "directmap.h"
#include "layout.h"
#include "arch/x86/common/traps.h"

void *pfn_to_virt(pfn_t pfn)
{
    return (void *)(DIRECT_MAP_BASE + (pfn_x(pfn) << PAGE_SHIFT));
}

/* Direct-map addresses, and the image's 1:1 bootstrap pages (the core sees a few of those). */
pfn_t virt_to_pfn(const void *va)
{
    uint64_t v = (uint64_t)(uintptr_t)va;

    if (v >= DIRECT_MAP_BASE && v - DIRECT_MAP_BASE < (boot.span << PAGE_SHIFT))
        return _pfn((v - DIRECT_MAP_BASE) >> PAGE_SHIFT);
    if (v >= VIRT_BASE && v - VIRT_BASE < (boot.kernel_end << PAGE_SHIFT))
        return _pfn((v - VIRT_BASE) >> PAGE_SHIFT);
    return INVALID_PFN;
}

/* L1 number pfn / 512 of the direct map, slot pfn % 512 (directmap.c lays them out in order). */
uint64_t direct_map_l1e_maddr(pfn_t pfn)
{
    uint64_t l1 = direct_map.first_table + 1 + direct_map.nr_l2 + pfn_x(pfn) / PT_ENTRIES;

    return mfn_to_maddr(boot_pfn_to_mfn(_pfn(l1))) + (pfn_x(pfn) % PT_ENTRIES) * sizeof(uint64_t);
}

/*
 * Xen's read-only m2p; a hole in it faults, and the exception table turns that
 * into false.  An mfn past the table's virtual area is refused before any read:
 * its entry would lie beyond MACH2PHYS_VIRT_END, in memory that is not the m2p,
 * or wrap around 2^64 (mfn 2^61 lands on entry 0) and answer a plausible pfn.
 */
bool m2p_read_raw(mfn_t mfn, uint64_t *pfn_out)
{
    const uint64_t *m2p = (const uint64_t *)MACH2PHYS_VIRT_START;

    if (mfn_x(mfn) >= MACH2PHYS_NR_ENTRIES)
        return false;
    return safe_read64(&m2p[mfn_x(mfn)], pfn_out);
}

static bool log_quiet;

/* Reports the caller provokes on purpose by the hundred (fault injection) stay off the console. */
void platform_log_quiet(bool quiet)
{
    log_quiet = quiet;
}

void platform_log(const char *line)
{
    if (!log_quiet)
        kprintf("log: %s", line);
}

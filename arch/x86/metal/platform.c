/*
 * The platform the portable core runs on (include/xen/pvmmu/platform.h), on
 * bare x86.  Machine frames and pfns are the same numbers here: there is no
 * hypervisor between us and the RAM, so the p2m is the identity over RAM and
 * the "m2p" needs no table at all.  The frame allocator is frames.c, the
 * direct map directmap.c, the p2m window p2m_window.c.
 */
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include "console.h"
#include "layout.h"
#include "machine.h"

void *pfn_to_virt(pfn_t pfn)
{
    return (void *)(HOST_BASE + (pfn_x(pfn) << PAGE_SHIFT));
}

pfn_t virt_to_pfn(const void *va)
{
    uint64_t v = (uint64_t)(uintptr_t)va;

    if (v >= HOST_BASE && v - HOST_BASE < (machine.top_pfn << PAGE_SHIFT))
        return _pfn((v - HOST_BASE) >> PAGE_SHIFT);
    return INVALID_PFN;
}

/*
 * The m2p answers "which pfn is machine frame mfn": itself, for any frame
 * below the top of RAM.  The core believes the answer only when its p2m agrees
 * (p2m/m2p.c), which is what turns a frame in a hole into "stale" rather than
 * ours.
 */
bool m2p_read_raw(mfn_t mfn, uint64_t *pfn_out)
{
    if (mfn_x(mfn) >= machine.top_pfn)
        return false;
    *pfn_out = mfn_x(mfn);
    return true;
}

void platform_log(const char *line)
{
    kprintf("log: %s", line);
}

/* One CPU. */
unsigned platform_vcpu_id(void)
{
    return 0;
}

/*
 * No other vCPU runs here (bare metal runs one CPU), so pvmmu has no one to ask: its masks can
 * only name this vCPU, which the hook is never asked about.  A mask naming any
 * other is reported, and nothing runs.
 */
void platform_call_function(unsigned long vcpumask, void (*fn)(void *data), void *data)
{
    (void)fn;
    (void)data;
    if (vcpumask)
        pvmmu_error("platform_call_function(mask 0x%lx): no other vCPU runs in this kernel", vcpumask);
}

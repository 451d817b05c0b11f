/*
 * The part of the workloads' environment (workloads/workloads.h, env_*) that
 * both kernels give the same way: accesses that may fault, through the
 * exception table (traps.h); output on the kernel's console; the allocator's
 * count; and the direct map, which each kernel has at its own base but both
 * reach through the platform's pfn_to_virt.  The rest is each kernel's own:
 * arch/x86/xen/workload_env.c, arch/x86/metal/env.c.
 */
#include <xen/pvmmu/platform.h>
#include "workloads/workloads.h"
#include "carrier.h"
#include "traps.h"

bool env_write64(uint64_t va, uint64_t value)
{
    return safe_write64((volatile uint64_t *)va, value);
}

bool env_read64(uint64_t va, uint64_t *value)
{
    return safe_read64((const volatile uint64_t *)va, value);
}

void env_print(const char *line)
{
    kputs(line);
}

unsigned long env_frames_free(void)
{
    return frames_free_count();
}

uint64_t env_direct_map_va(uint64_t pfn)
{
    return (uint64_t)(uintptr_t)pfn_to_virt(_pfn(pfn));
}

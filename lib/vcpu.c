/*B:050 Several vCPUs: whose state is whose.
 *
 * State that belongs to a vCPU (its multicall batch and lazy depth, the tables
 * and entries on their way in that batch, the address space it has loaded) is
 * kept in arrays of PVMMU_MAX_VCPUS and indexed by platform_vcpu_id(), as
 * Linux keeps its per-CPU multicall buffers.  An id past the arrays is a broken
 * platform hook: using some other vCPU's slot would mix two batches silently,
 * so it is reported and stops here. :*/
#include "lib/lib_int.h"
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>

unsigned vcpu_slot(void)
{
    unsigned id = platform_vcpu_id();

    if (id >= PVMMU_MAX_VCPUS) {
        pvmmu_error("platform_vcpu_id() is %u, but pvmmu keeps state for %u vCPUs (PVMMU_MAX_VCPUS)",
                    id, PVMMU_MAX_VCPUS);
        __builtin_trap();
    }
    return id;
}

/*
 * pvmmu's hooks (<xen/pvmmu/platform.h>), as this kernel provides them.  The
 * direct map, the frames and the p2m window are mm.c's; the rest is here.
 */
#include <xen/pvmmu/platform.h>
#include "embed.h"

long pvmmu_hv_mmu_update(mmu_update_t *reqs, unsigned int count, unsigned int *done, domid_t dom)
{
    return hv_mmu_update(reqs, count, done, dom);
}

long pvmmu_hv_mmuext_op(struct mmuext_op *ops, unsigned int count, unsigned int *done, domid_t dom)
{
    return hv_call(__HYPERVISOR_mmuext_op, (unsigned long)ops, count, (unsigned long)done, dom);
}

long pvmmu_hv_update_va_mapping(uint64_t va, uint64_t val, uint64_t flags)
{
    return hv_update_va_mapping(va, val, flags);
}

long pvmmu_hv_multicall(multicall_entry_t *calls, unsigned int count)
{
    return hv_call(__HYPERVISOR_multicall, (unsigned long)calls, count, 0, 0);
}

long pvmmu_hv_memory_op(unsigned int cmd, void *arg)
{
    return hv_call(__HYPERVISOR_memory_op, cmd, (unsigned long)arg, 0, 0);
}

/*
 * Xen's read-only m2p, at MACH2PHYS_VIRT_START in its slots of every L4.  It is
 * sparse and a hole faults: probe_read's exception-table entry turns the fault
 * into false.  An mfn past the table is refused before any read.
 */
bool pvmmu_m2p_read_raw(pvmmu_mfn_t mfn, uint64_t *pfn_out)
{
    const uint64_t *m2p = (const uint64_t *)MACH2PHYS_VIRT_START;

    if (pvmmu_mfn_x(mfn) >= MACH2PHYS_NR_ENTRIES)
        return false;
    return probe_read(&m2p[pvmmu_mfn_x(mfn)], pfn_out);
}

void pvmmu_platform_log(const char *line)
{
    print("log: %s", line);
}

unsigned pvmmu_platform_vcpu_id(void)
{
    return 0;
}

/*
 * This kernel runs on vCPU 0 alone, so no space is ever loaded on another vCPU
 * and pvmmu never has anyone to ask to let go.  Were it asked, say so.
 */
void pvmmu_platform_call_function(unsigned long vcpumask, void (*fn)(void *data), void *data)
{
    (void)fn;
    (void)data;
    if (vcpumask)
        print("log: platform_call_function(mask 0x%lx): this kernel runs no other vCPU", vcpumask);
}

void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    while (n--)
        *d++ = *s++;
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;

    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

/*
 * Typed hypercall wrappers: the MMU layer's five (include/xen/pvmmu/hypercall.h,
 * served in hosted tests by the model of Xen) and the kernel's own.
 *
 * They only translate types; checking the result is the caller's job, because
 * only the caller knows what the call was for and can say so in its report.
 */
#include "hypercall_arch.h"
#include "hypercall_raw.h"

long hv_mmu_update(mmu_update_t *reqs, unsigned int count, unsigned int *done, domid_t dom)
{
    return hypercall4(__HYPERVISOR_mmu_update, reqs, count, done, dom);
}

long hv_mmuext_op(struct mmuext_op *ops, unsigned int count, unsigned int *done, domid_t dom)
{
    return hypercall4(__HYPERVISOR_mmuext_op, ops, count, done, dom);
}

long hv_update_va_mapping(uint64_t va, uint64_t val, uint64_t flags)
{
    return hypercall3(__HYPERVISOR_update_va_mapping, va, val, flags);
}

long hv_multicall(multicall_entry_t *calls, unsigned int count)
{
    return hypercall2(__HYPERVISOR_multicall, calls, count);
}

long hv_memory_op(unsigned int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_memory_op, cmd, arg);
}

long hv_console_io(unsigned int cmd, unsigned int count, const char *buf)
{
    return hypercall3(__HYPERVISOR_console_io, cmd, count, buf);
}

long hv_sched_op(unsigned int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_sched_op, cmd, arg);
}

long hv_event_channel_op(unsigned int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_event_channel_op, cmd, arg);
}

long hv_set_trap_table(const trap_info_t *table)
{
    return hypercall1(__HYPERVISOR_set_trap_table, table);
}

long hv_xen_version(unsigned int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_xen_version, cmd, arg);
}

long hv_vm_assist(unsigned int cmd, unsigned int type)
{
    return hypercall2(__HYPERVISOR_vm_assist, cmd, type);
}

long hv_suspend(uint64_t start_info_mfn)
{
    struct sched_shutdown sd = { .reason = SHUTDOWN_suspend };

    return hypercall3(__HYPERVISOR_sched_op, SCHEDOP_shutdown, &sd, start_info_mfn);
}

_Noreturn void hv_shutdown(unsigned int reason)
{
    struct sched_shutdown sd = { .reason = reason };

    for (;;) {
        hv_sched_op(SCHEDOP_shutdown, &sd);
        /* Only a refused shutdown gets here: there is nothing better to do than ask again. */
        hv_sched_op(SCHEDOP_yield, 0);
    }
}

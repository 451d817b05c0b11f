/*
 * The hypercalls the kernel itself makes, beyond the MMU layer's narrow set
 * (include/xen/pvmmu/platform.h).  Each returns what Xen returns: 0 (or a
 * count) on success, a negative XEN_E* value on failure.
 */
#ifndef PVMMU_ARCH_HYPERCALL_ARCH_H
#define PVMMU_ARCH_HYPERCALL_ARCH_H

#include <xen/pvmmu/platform.h>
#include <xen/sched.h>
#include <xen/event_channel.h>
#include <xen/version.h>

long hv_console_io(unsigned int cmd, unsigned int count, const char *buf);
long hv_sched_op(unsigned int cmd, void *arg);
long hv_event_channel_op(unsigned int cmd, void *arg);
long hv_set_trap_table(const trap_info_t *table);
long hv_xen_version(unsigned int cmd, void *arg);
long hv_vm_assist(unsigned int cmd, unsigned int type);
/* VCPUOP_* (<xen/vcpu.h>) on vCPU `vcpu` of this domain: initialise, up, down, is_up (1 up, 0 down). */
long hv_vcpu_op(unsigned int cmd, unsigned int vcpu, void *arg);

/*
 * SCHEDOP_shutdown(SHUTDOWN_suspend), with the mfn of start_info in the third
 * argument register (rdx), where the toolstack looks for it.  0: resumed in a
 * new domain; 1: the suspend was cancelled (or was a checkpoint); <0: refused.
 */
long hv_suspend(uint64_t start_info_mfn);

/* Stop this domain for `reason` (SHUTDOWN_poweroff, _crash, ...).  Does not return. */
_Noreturn void hv_shutdown(unsigned int reason);

#endif

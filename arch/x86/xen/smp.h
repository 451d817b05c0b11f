/*
 * Secondary vCPUs (docs/smp-xen.md): brought up at boot, driven by call-function
 * requests over per-vCPU IPI event channels, parked around a save.
 *
 * vCPU 0 runs the kernel; the others sit in a loop waiting for work.  All the
 * calls below are made by vCPU 0 (smp_call_* may also be made by any vCPU that is
 * not the target), and each checks and reports every hypercall it makes.
 */
#ifndef PVMMU_ARCH_SMP_H
#define PVMMU_ARCH_SMP_H

#include <stdbool.h>
#include <stdint.h>

/* How many vCPUs this kernel drives at most: each secondary has a stack of its own in .bss. */
#define SMP_MAX_VCPUS 8

/* The work a call-function request runs on its target vCPU. */
typedef void (*smp_fn)(void *arg);

/*
 * Probe the domain's vCPUs (VCPUOP_is_up: -ENOENT past the last) and bring up
 * every secondary the toolstack wants online: online(n) says (the kernel asks
 * xenstore's cpu/N/availability), and the kernel uses vCPUs 0..k-1, up to the first
 * one that is not; the rest stay down (no hotplug).  Each gets its own stack, the
 * kernel's trap table and page tables, an IPI channel.  Returns how many vCPUs run
 * now (1 with none to bring up); failures are reported (pvmmu_error) with the
 * hypercall and its arguments, and that vCPU stays down.
 */
unsigned smp_boot(bool (*online)(unsigned vcpu));
/* vCPUs the kernel uses (the online ones, up to SMP_MAX_VCPUS), and how many run now. */
unsigned smp_vcpus_possible(void);
/* vCPUs the domain has (its max_vcpus: xl's maxvcpus), used or not. */
unsigned smp_vcpus_max(void);
/* The guard page below secondary `vcpu`'s stack (not present once smp_boot ran); 0 for vCPU 0. */
uint64_t smp_stack_guard(unsigned vcpu);
unsigned smp_vcpus_up(void);
bool smp_vcpu_is_up(unsigned vcpu);

/*
 * Run fn(arg) on `vcpu` and wait (bounded) until it returned: 0, -XEN_EBUSY if that
 * vCPU is already running a request, -XEN_ENOENT if it is not up, -XEN_ETIMEDOUT.
 * start/wait split it so several vCPUs can work at once.
 */
int smp_call(unsigned vcpu, smp_fn fn, void *arg);
int smp_call_start(unsigned vcpu, smp_fn fn, void *arg);
int smp_call_wait(unsigned vcpu);

/*
 * The core's call-function requests (platform_call_function, smp.c) reach this
 * vCPU in a mailbox of their own; run the one waiting, if any, and say how many
 * ran (0 or 1).  An idle secondary and every wait of smp.c call it; a long
 * smp_call request calls it between its core calls (never in the middle of one,
 * nor inside a lazy section: the request switches this vCPU to the kernel's space
 * and issues its batch), so that an unpin or destroy elsewhere can make it let go.
 * smp_core_calls_served: how many ran, on every vCPU.
 */
unsigned smp_serve_calls(void);
uint64_t smp_core_calls_served(void);

/*
 * Around a save (saves.c): park every secondary (it finishes its request, says so,
 * and vCPU 0 takes it down with VCPUOP_down), then bring them back.  After a resume
 * in a new domain the parked vCPUs have no context (the saver skips offline vCPUs):
 * they get new IPI channels and are initialised afresh; after a cancelled suspend they
 * are simply brought up again.  0 or the first error (reported).
 */
int smp_park(void);
int smp_unpark(bool new_domain);
/* How many times the secondaries were brought back fresh after a restore / up again after a cancel. */
unsigned smp_restarts(void);

/*
 * A ticket lock of the kernel's that yields the CPU now and then while it waits
 * (Xen multiplexes vCPUs: the holder may be the one waiting for a CPU).  Not one
 * of the core's ranked locks: the kernel's own hooks (frames.c) take it, with
 * core locks possibly held, so it must never be held while calling the core.
 * smp_lock_take is true if it had to wait.
 */
struct smp_lock {
    uint32_t next, serving;
};
#define SMP_LOCK_INIT { 0, 0 }
bool smp_lock_take(struct smp_lock *l);
void smp_lock_give(struct smp_lock *l);

/*
 * One kernel lock a suite may take around its own calls into the core, to
 * serialise them for its own reasons (to measure them one at a time, say).  The
 * core does NOT need it: it is SMP-safe on its own locks (docs/smp-locks.md), and
 * neither the smp suite nor smp.c takes it any more.  Kept for suites that still
 * do.  Waiting for it answers the core's call-functions (smp_serve_calls), so a
 * holder that destroys a space the waiter has loaded is not stuck.  Letting go
 * records this vCPU's current space for smp_park (as the end of each request on
 * a secondary does).
 */
void smp_core_lock(void);
void smp_core_unlock(void);
/* Times the lock was taken, and taken only after waiting for another vCPU. */
uint64_t smp_core_lock_taken(void);
uint64_t smp_core_lock_contended(void);

/*
 * The console's lock: one line at a time from any vCPU.  Recursive on one vCPU,
 * so a fault report from inside a print does not deadlock.
 */
void smp_console_lock(void);
void smp_console_unlock(void);

#endif

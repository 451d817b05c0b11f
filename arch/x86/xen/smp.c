/*A:160 Secondary vCPUs: brought up, given work, parked.
 *
 * A PV domain's other vCPUs exist from the start (xl's vcpus= / maxvcpus=) but
 * are down and have no context: nothing runs on them until the kernel hands
 * Xen one with VCPUOP_initialise and says VCPUOP_up.  The context is the
 * struct vcpu_guest_context a toolstack would build (<xen/arch-x86/xen.h>),
 * filled the way the domain builder fills vCPU 0's:
 *
 *   - rip, rsp, rdi: secondary_main, the top of the vCPU's own stack (in .bss,
 *     KERNEL_STACK_SIZE each), and its id as the first argument;
 *   - cs/ss/ds/es/fs/gs: Xen's flat ring-3 selectors (a 64-bit PV kernel runs
 *     in ring 3, in Xen's own GDT: no GDT of ours is needed, gdt_ents 0);
 *   - VGCF_in_kernel (Xen refuses a kernel-mode context without a user cr3
 *     otherwise), kernel_ss:kernel_sp, the stack a trap from user mode would
 *     use (pvmmu has no user mode, but Xen wants a valid pair);
 *   - trap_ctxt: the same trap table vCPU 0 gave set_trap_table (traps.c),
 *     indexed by vector as Xen keeps it;
 *   - ctrlreg[3]: xen_pfn_to_cr3 of the kernel's L4 mfn (pinned already, so
 *     Xen takes one more type reference), ctrlreg[1] 0: no user tables;
 *   - no event or failsafe callback, as on vCPU 0: events stay masked
 *     (vcpu_info's upcall mask is set before the vCPU runs) and every wait is
 *     SCHEDOP_poll on a port.
 * VGCF_online is left clear, so the vCPU stays down until VCPUOP_up, as Linux
 * does it.  Every result is checked and a failure reported with its arguments.
 *
 * Which vCPU am I?  The stack says: each secondary's stack is one slot of one
 * array, so rsp names the vCPU with a subtraction and a division, and anything
 * else is vCPU 0's boot stack.  Nothing to set up with a hypercall, nothing a
 * restore can lose, and it works in a trap handler before anything else does
 * (Xen bounces a trap onto the stack it interrupted).  The lowest page of each
 * slot is a guard: smp_boot unmaps it (the kernel's tables are shared by every
 * address space, so once is enough, and a save keeps the entry not present), so
 * a secondary that overflows its stack faults there, and Xen, which cannot
 * bounce that fault onto the same stack, crashes the domain instead of letting
 * it write into the next vCPU's stack.
 *
 * Work arrives by call-function: the caller writes fn/arg, bumps `posted` and
 * sends an event on the target's IPI channel (EVTCHNOP_bind_ipi, one per
 * secondary); the target, waiting in SCHEDOP_poll on that port, runs fn(arg)
 * and sets `done`.  The pending bit makes a lost wakeup impossible: a send
 * before the poll leaves the port pending, and the poll returns at once. :*/
#include "lib/lib_int.h"
#include <xen/pvmmu/abi.h>
#include <xen/vcpu.h>
#include <xen/pvmmu/aspace.h>
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include "boot.h"
#include "console.h"
#include "evtchn.h"
#include "hypercall_arch.h"
#include "layout.h"
#include "shared.h"
#include "smp.h"
#include "lib/aspace_int.h"

#define IDLE_POLL_NS   1000000000ULL   /* an idle secondary looks at its request words every second anyway */
#define CALL_TIMEOUT_NS (120ULL * 1000000000ULL)   /* under TCG with 4 vCPUs on 2 CPUs, calls can be slow */
#define START_TIMEOUT_NS (60ULL * 1000000000ULL)

enum vcpu_state { VCPU_DOWN, VCPU_STARTING, VCPU_UP, VCPU_PARKED };

struct vcpu {
    unsigned id;
    enum vcpu_state state;      /* written by the vCPU itself once it runs; read by vCPU 0 */
    evtchn_port_t ipi;          /* bound to this vCPU: a send wakes its poll */
    smp_fn fn;                  /* the request: valid once `posted` moved past `done` */
    void *arg;
    uint64_t posted, done;
    bool park;                  /* vCPU 0 asks it to stop (smp_park) */
    bool parked_down;           /* vCPU 0 took it down after it stopped */
    struct aspace *current;     /* its own current space after its last request, for smp_park */
    unsigned starts;            /* times it ran secondary_main */
};

static struct vcpu vcpus[SMP_MAX_VCPUS];
static uint8_t stacks[SMP_MAX_VCPUS - 1][KERNEL_STACK_SIZE] __attribute__((aligned(4096)));
static vcpu_guest_context_t ctxt;   /* vCPU 0's scratch for VCPUOP_initialise: 5 KiB, not on a stack */
static unsigned possible = 1;   /* the vCPUs used: 0..possible-1 */
static unsigned max_vcpus = 1;  /* the domain's, VCPUOP_is_up's answer */
static unsigned restarts;

/* From traps.c: the trap table, as the trap_ctxt of a vcpu_guest_context. */
void traps_fill_context(trap_info_t ctxt_traps[256]);

unsigned platform_vcpu_id(void)
{
    uintptr_t sp, off;

    __asm__ volatile("movq %%rsp, %0" : "=r"(sp));
    off = sp - (uintptr_t)stacks;
    return off < sizeof(stacks) ? 1 + (unsigned)(off / KERNEL_STACK_SIZE) : 0;
}

static inline void cpu_relax(void)
{
    __asm__ volatile("pause" ::: "memory");
}

static enum vcpu_state state_of(const struct vcpu *v)
{
    return __atomic_load_n(&v->state, __ATOMIC_ACQUIRE);
}

static void set_state(struct vcpu *v, enum vcpu_state s)
{
    __atomic_store_n(&v->state, s, __ATOMIC_RELEASE);
}

/* --- locks ---------------------------------------------------------------------------- */

/*
 * A ticket lock that yields the physical CPU now and then (smp.h).  True if it had
 * to wait.  With `serve`, the wait also answers the core's call-functions sent to
 * this vCPU: only for a lock taken between core calls (smp_core_lock), never for one
 * a frame hook takes with core locks held.
 */
static bool ticket_take(struct smp_lock *l, bool serve)
{
    uint32_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
    unsigned spins = 0;

    while (__atomic_load_n(&l->serving, __ATOMIC_ACQUIRE) != me) {
        if (serve)
            smp_serve_calls();
        cpu_relax();
        if (++spins % 128 == 0)
            hv_sched_op(SCHEDOP_yield, NULL);
    }
    return spins > 0;
}

bool smp_lock_take(struct smp_lock *l)
{
    return ticket_take(l, false);
}

void smp_lock_give(struct smp_lock *l)
{
    __atomic_store_n(&l->serving, l->serving + 1, __ATOMIC_RELEASE);
}

static struct smp_lock console_tl;
static unsigned console_owner = ~0u, console_depth;

void smp_console_lock(void)
{
    unsigned me = platform_vcpu_id();

    if (__atomic_load_n(&console_owner, __ATOMIC_RELAXED) == me) {
        console_depth++;
        return;
    }
    smp_lock_take(&console_tl);
    __atomic_store_n(&console_owner, me, __ATOMIC_RELAXED);
    console_depth = 1;
}

void smp_console_unlock(void)
{
    if (--console_depth)
        return;
    __atomic_store_n(&console_owner, ~0u, __ATOMIC_RELAXED);
    smp_lock_give(&console_tl);
}

/*
 * A kernel lock a suite may take around its own calls into the core (smp.h).  The
 * core does not need it: it has its own locks, and keeps a current space, a batch
 * and a lazy depth per vCPU (docs/smp-locks.md); the smp suite and this file call
 * the core without it.  Letting go records the vCPU's current space, as the end of
 * every request does (secondary_main), for smp_park.
 */
static struct smp_lock core_tl;
static uint64_t core_taken, core_contended;

/*
 * Its wait answers call-functions: the holder may be destroying a space this vCPU
 * has loaded, and waits (holding this lock) until this vCPU lets go of it.
 */
void smp_core_lock(void)
{
    core_contended += ticket_take(&core_tl, true);
    core_taken++;
}

void smp_core_unlock(void)
{
    vcpus[platform_vcpu_id()].current = aspace_current();
    smp_lock_give(&core_tl);
}

uint64_t smp_core_lock_taken(void)
{
    return core_taken;
}

uint64_t smp_core_lock_contended(void)
{
    return core_contended;
}

/* --- a secondary's life ----------------------------------------------------------------- */

static void park_here(struct vcpu *me)
{
    /* The core counts it out (a save's pin_all waits for that), and back in after. */
    if (aspace_vcpu_down())
        kprintf("pvmmu: vCPU %u: the core refused to let it go down (see the error above)", me->id);
    set_state(me, VCPU_PARKED);
    /*
     * No shared_info here, no poll: vCPU 0 takes this vCPU down (VCPUOP_down does
     * not wait for it to stop running) and then unmaps shared_info for the save.
     */
    while (__atomic_load_n(&me->park, __ATOMIC_ACQUIRE)) {
        cpu_relax();
        hv_sched_op(SCHEDOP_yield, NULL);
    }
    if (aspace_vcpu_up())
        kprintf("pvmmu: vCPU %u: the core refused to take it back (see the error above)", me->id);
    me->current = aspace_current();
    set_state(me, VCPU_UP);
}

static _Noreturn void secondary_main(unsigned id)
{
    struct vcpu *me = &vcpus[id];
    int rc;

    me->starts++;
    /*
     * Loaded on the kernel's tables by VCPUOP_initialise: say so to the core
     * (its current space here, aspace_kernel()->loaded_on), so a change there
     * flushes this vCPU too.
     */
    rc = aspace_vcpu_up();
    me->current = aspace_current();
    kprintf("pvmmu: vCPU %u up (start %u): stack %#llx, IPI port %u, platform_vcpu_id %u%s", id, me->starts,
            (unsigned long long)(uintptr_t)stacks[id - 1], me->ipi, platform_vcpu_id(),
            rc ? ", but loading the kernel's tables through the core failed" : "");
    set_state(me, VCPU_UP);
    for (;;) {
        uint64_t posted = __atomic_load_n(&me->posted, __ATOMIC_ACQUIRE);

        if (__atomic_load_n(&me->park, __ATOMIC_ACQUIRE)) {
            park_here(me);
            continue;
        }
        if (smp_serve_calls())
            continue;
        if (posted != me->done) {
            me->fn(me->arg);
            /* Between core calls: what this vCPU has loaded now, for smp_park to check. */
            me->current = aspace_current();
            __atomic_store_n(&me->done, posted, __ATOMIC_RELEASE);
            continue;
        }
        evtchn_poll(me->ipi, xen_now_ns() + IDLE_POLL_NS);
    }
}

/* --- bringing one up -------------------------------------------------------------------- */

static int bind_ipi(struct vcpu *v)
{
    struct evtchn_bind_ipi bind = { .vcpu = v->id };
    long rc = hv_event_channel_op(EVTCHNOP_bind_ipi, &bind);

    if (rc) {
        pvmmu_error("smp: EVTCHNOP_bind_ipi(vcpu %u) failed: %ld", v->id, rc);
        return (int)rc;
    }
    v->ipi = bind.port;
    return 0;
}

static void fill_context(unsigned id)
{
    uint64_t top = (uint64_t)(uintptr_t)stacks[id - 1] + KERNEL_STACK_SIZE;

    mem_set(&ctxt, 0, sizeof(ctxt));
    ctxt.flags = VGCF_in_kernel;
    ctxt.user_regs.rip = (uint64_t)(uintptr_t)secondary_main;
    ctxt.user_regs.rsp = top - 8;          /* as if called: the C ABI's alignment at entry */
    ctxt.user_regs.rdi = id;
    ctxt.user_regs.cs = FLAT_KERNEL_CS;
    ctxt.user_regs.ss = FLAT_KERNEL_SS;
    ctxt.user_regs.ds = ctxt.user_regs.es = ctxt.user_regs.fs = ctxt.user_regs.gs = FLAT_KERNEL_DS;
    ctxt.user_regs.rflags = 0x200;         /* IF, as the builder gives vCPU 0; Xen forces it anyway */
    traps_fill_context(ctxt.trap_ctxt);
    ctxt.kernel_ss = FLAT_KERNEL_SS;
    ctxt.kernel_sp = top;
    ctxt.ctrlreg[3] = xen_pfn_to_cr3(mfn_x(p2m_lookup(aspace_kernel()->root)));
}

static bool wait_state(struct vcpu *v, enum vcpu_state want, const char *what)
{
    uint64_t deadline = xen_now_ns() + START_TIMEOUT_NS;

    while (state_of(v) != want) {
        hv_sched_op(SCHEDOP_yield, NULL);
        if (xen_now_ns() > deadline) {
            pvmmu_error("smp: vCPU %u did not %s within %llu s (state %d)", v->id, what,
                        (unsigned long long)(START_TIMEOUT_NS / 1000000000ULL), state_of(v));
            return false;
        }
    }
    return true;
}

/*
 * Start vCPU `id`: initialise it (unless fresh is false: it kept its context) and
 * up it.  -XEN_EEXIST from the initialise means Xen kept a context after all (a
 * restore that carried it): then it is only brought up, and resumes where it was.
 */
static int start_vcpu(struct vcpu *v, bool fresh)
{
    long rc;

    v->current = aspace_kernel();
    /* Events stay masked on every vCPU: without a callback, an upcall would jump to address 0. */
    xen_shared->vcpu_info[v->id].evtchn_upcall_mask = 1;
    if (fresh) {
        fill_context(v->id);
        set_state(v, VCPU_STARTING);
        rc = hv_vcpu_op(VCPUOP_initialise, v->id, &ctxt);
        if (rc == -XEN_EEXIST) {
            kprintf("pvmmu: vCPU %u kept its context (VCPUOP_initialise: -EEXIST): brought up as it was", v->id);
        } else if (rc) {
            pvmmu_error("smp: VCPUOP_initialise(vcpu %u, rip %#llx, rsp %#llx, cr3 %#llx) failed: %ld", v->id,
                        (unsigned long long)ctxt.user_regs.rip, (unsigned long long)ctxt.user_regs.rsp,
                        (unsigned long long)ctxt.ctrlreg[3], rc);
            set_state(v, VCPU_DOWN);
            return (int)rc;
        }
    }
    rc = hv_vcpu_op(VCPUOP_up, v->id, NULL);
    if (rc) {
        pvmmu_error("smp: VCPUOP_up(vcpu %u) failed: %ld", v->id, rc);
        return (int)rc;
    }
    return wait_state(v, VCPU_UP, "come up") ? 0 : -XEN_ETIMEDOUT;
}

uint64_t smp_stack_guard(unsigned vcpu)
{
    return vcpu >= 1 && vcpu < SMP_MAX_VCPUS ? (uint64_t)(uintptr_t)stacks[vcpu - 1] : 0;
}

/* Unmap the lowest page of vCPU `vcpu`'s stack slot (above); a vCPU whose guard cannot be set stays down. */
static int guard_stack(unsigned vcpu)
{
    uint64_t va = smp_stack_guard(vcpu);
    long rc = hv_update_va_mapping(va, 0, UVMF_INVLPG | UVMF_LOCAL);

    if (rc)
        pvmmu_error("smp: update_va_mapping(%#llx, 0, INVLPG|LOCAL), vCPU %u's stack guard, failed: %ld",
                    (unsigned long long)va, vcpu, rc);
    return (int)rc;
}

unsigned smp_boot(bool (*online)(unsigned vcpu))
{
    unsigned n;
    long rc = 0;

    for (n = 0; n < SMP_MAX_VCPUS; n++)
        vcpus[n].id = n;
    vcpus[0].state = VCPU_UP;
    vcpus[0].current = aspace_current();
    /* VCPUOP_is_up: 1 up, 0 down, -ENOENT past the domain's last vCPU. */
    for (n = 1; n < SMP_MAX_VCPUS; n++) {
        rc = hv_vcpu_op(VCPUOP_is_up, n, NULL);
        if (rc < 0)
            break;
        if (rc == 1) {
            pvmmu_error("smp: vCPU %u is up before we started it", n);
            break;
        }
    }
    max_vcpus = n;
    if (rc < 0 && rc != -XEN_ENOENT)
        pvmmu_error("smp: VCPUOP_is_up(vcpu %u) failed: %ld", n, rc);
    if (n == SMP_MAX_VCPUS && hv_vcpu_op(VCPUOP_is_up, n, NULL) != -XEN_ENOENT)
        kprintf("pvmmu: the domain has more than %u vCPUs: only %u are used", SMP_MAX_VCPUS, SMP_MAX_VCPUS);
    /* xl makes vcpus= of maxvcpus= online: a prefix.  A hole ends what is used (no hotplug). */
    for (possible = 1; possible < max_vcpus && online(possible); possible++)
        ;
    if (possible < max_vcpus)
        kprintf("pvmmu: vCPUs %u..%u are not online (cpu/N/availability): left down", possible, max_vcpus - 1);
    for (n = 1; n < possible; n++)
        if (!guard_stack(n) && !bind_ipi(&vcpus[n]))
            start_vcpu(&vcpus[n], true);
    kprintf("pvmmu: %u of %u vCPUs up (the domain has %u)", smp_vcpus_up(), possible, max_vcpus);
    return smp_vcpus_up();
}

unsigned smp_vcpus_possible(void)
{
    return possible;
}

unsigned smp_vcpus_max(void)
{
    return max_vcpus;
}

bool smp_vcpu_is_up(unsigned vcpu)
{
    return vcpu < possible && state_of(&vcpus[vcpu]) == VCPU_UP;
}

unsigned smp_vcpus_up(void)
{
    unsigned n, up = 0;

    for (n = 0; n < possible; n++)
        up += smp_vcpu_is_up(n);
    return up;
}

/* --- call-function ---------------------------------------------------------------------- */

int smp_call_start(unsigned vcpu, smp_fn fn, void *arg)
{
    struct vcpu *v = &vcpus[vcpu];
    long rc;

    if (vcpu == 0 || vcpu == platform_vcpu_id() || !smp_vcpu_is_up(vcpu)) {
        pvmmu_error("smp: call on vCPU %u: not a secondary that is up (from vCPU %u)", vcpu, platform_vcpu_id());
        return -XEN_ENOENT;
    }
    if (__atomic_load_n(&v->done, __ATOMIC_ACQUIRE) != v->posted) {
        pvmmu_error("smp: call on vCPU %u: it is still running the last one", vcpu);
        return -XEN_EBUSY;
    }
    v->fn = fn;
    v->arg = arg;
    __atomic_store_n(&v->posted, v->posted + 1, __ATOMIC_RELEASE);
    rc = evtchn_notify(v->ipi);
    if (rc) {
        pvmmu_error("smp: EVTCHNOP_send(port %u, the IPI of vCPU %u) failed: %ld", v->ipi, vcpu, rc);
        return (int)rc;
    }
    return 0;
}

int smp_call_wait(unsigned vcpu)
{
    struct vcpu *v = &vcpus[vcpu];
    uint64_t deadline = xen_now_ns() + CALL_TIMEOUT_NS;
    unsigned spins = 0;

    while (__atomic_load_n(&v->done, __ATOMIC_ACQUIRE) != v->posted) {
        smp_serve_calls();   /* the vCPU waited for may be asking this one to let go of a space */
        cpu_relax();
        if (++spins % 64)
            continue;
        hv_sched_op(SCHEDOP_yield, NULL);
        if (xen_now_ns() > deadline) {
            pvmmu_error("smp: vCPU %u did not finish its call within %llu s", vcpu,
                        (unsigned long long)(CALL_TIMEOUT_NS / 1000000000ULL));
            return -XEN_ETIMEDOUT;
        }
    }
    return 0;
}

int smp_call(unsigned vcpu, smp_fn fn, void *arg)
{
    int rc = smp_call_start(vcpu, fn, arg);

    return rc ? rc : smp_call_wait(vcpu);
}

/*
 * The core's call-function hook (include/xen/pvmmu/platform.h): before it unpins
 * or destroys a space other vCPUs have loaded, it has them let go.  Its requests
 * have a mailbox per vCPU of their own, apart from smp_call's, so that they reach
 * a vCPU busy with a long smp_call request too: such a request answers them
 * between its core calls (smp_serve_calls), an idle secondary from its loop, vCPU
 * 0 from its waits, and the caller itself while it waits here (the hook's
 * contract: two vCPUs making each other let go must not wait for each other for
 * ever).  One caller at a time per target (`busy`), taken in increasing vCPU
 * order and only ever spun on while serving, so no two callers deadlock.
 */
struct core_call {
    bool busy;                  /* a caller owns this mailbox */
    void (*fn)(void *data);
    void *data;
    uint64_t posted, done;      /* posted by the caller, done by the target */
};

static struct core_call core_calls[SMP_MAX_VCPUS];
static uint64_t core_calls_served[SMP_MAX_VCPUS];

unsigned smp_serve_calls(void)
{
    unsigned me = platform_vcpu_id();
    struct core_call *c = &core_calls[me];
    uint64_t posted = __atomic_load_n(&c->posted, __ATOMIC_ACQUIRE);

    if (posted == c->done)
        return 0;
    c->fn(c->data);
    core_calls_served[me]++;
    if (me)
        vcpus[me].current = aspace_current();
    __atomic_store_n(&c->done, posted, __ATOMIC_RELEASE);
    return 1;
}

uint64_t smp_core_calls_served(void)
{
    uint64_t sum = 0;
    unsigned n;

    for (n = 0; n < SMP_MAX_VCPUS; n++)
        sum += __atomic_load_n(&core_calls_served[n], __ATOMIC_RELAXED);
    return sum;
}

/* Spin (serving this vCPU's own requests, yielding now and then) until done() or the deadline. */
static bool serve_until(bool (*done)(unsigned n), unsigned n, uint64_t deadline)
{
    unsigned spins = 0;

    while (!done(n)) {
        smp_serve_calls();
        cpu_relax();
        if (++spins % 64 == 0) {
            hv_sched_op(SCHEDOP_yield, NULL);
            if (xen_now_ns() > deadline)
                return false;
        }
    }
    return true;
}

static bool mailbox_taken(unsigned n)
{
    return !__atomic_exchange_n(&core_calls[n].busy, true, __ATOMIC_ACQUIRE);
}

static bool request_done(unsigned n)
{
    return __atomic_load_n(&core_calls[n].done, __ATOMIC_ACQUIRE) == core_calls[n].posted;
}

void platform_call_function(unsigned long vcpumask, void (*fn)(void *data), void *data)
{
    unsigned long started = 0;
    unsigned n, me = platform_vcpu_id();
    uint64_t deadline = xen_now_ns() + CALL_TIMEOUT_NS;

    if (vcpumask >> SMP_MAX_VCPUS)
        pvmmu_error("smp: call-function to vCPU mask 0x%lx: this kernel has at most %u vCPUs", vcpumask,
                    SMP_MAX_VCPUS);
    for (n = 0; n < SMP_MAX_VCPUS; n++) {
        struct core_call *c = &core_calls[n];
        long rc;

        if (!(vcpumask & (1UL << n)))
            continue;
        if (n == me || !smp_vcpu_is_up(n)) {
            pvmmu_error("smp: call-function on vCPU %u from vCPU %u: %s", n, me,
                        n == me ? "the caller itself" : "not up");
            continue;
        }
        if (!serve_until(mailbox_taken, n, deadline)) {
            pvmmu_error("smp: call-function on vCPU %u: another caller kept its mailbox past the deadline", n);
            continue;
        }
        c->fn = fn;
        c->data = data;
        __atomic_store_n(&c->posted, c->posted + 1, __ATOMIC_RELEASE);
        started |= 1UL << n;
        /* vCPU 0 has no IPI channel: it never sleeps in a poll, and serves its requests from its waits. */
        rc = n ? evtchn_notify(vcpus[n].ipi) : 0;
        if (rc)
            pvmmu_error("smp: EVTCHNOP_send(port %u, the IPI of vCPU %u) failed: %ld", vcpus[n].ipi, n, rc);
    }
    for (n = 0; n < SMP_MAX_VCPUS; n++) {
        if (!(started & (1UL << n)))
            continue;
        if (!serve_until(request_done, n, deadline))
            pvmmu_error("smp: vCPU %u did not run a call-function within %llu s", n,
                        (unsigned long long)(CALL_TIMEOUT_NS / 1000000000ULL));
        __atomic_store_n(&core_calls[n].busy, false, __ATOMIC_RELEASE);
    }
}

/* --- parking around a save ---------------------------------------------------------------- */

int smp_park(void)
{
    unsigned n;

    for (n = 1; n < possible; n++) {
        struct vcpu *v = &vcpus[n];
        long rc;

        if (state_of(v) != VCPU_UP)
            continue;
        if (v->current != aspace_kernel()) {
            pvmmu_error("smp: vCPU %u cannot be parked with address space %u loaded", n, v->current->id);
            return -XEN_EBUSY;
        }
        __atomic_store_n(&v->park, true, __ATOMIC_RELEASE);
        rc = evtchn_notify(v->ipi);
        if (rc) {
            pvmmu_error("smp: EVTCHNOP_send(port %u, the IPI of vCPU %u) failed: %ld", v->ipi, n, rc);
            return (int)rc;
        }
        if (!wait_state(v, VCPU_PARKED, "park"))
            return -XEN_ETIMEDOUT;
        rc = hv_vcpu_op(VCPUOP_down, n, NULL);
        if (rc) {
            pvmmu_error("smp: VCPUOP_down(vcpu %u) failed: %ld", n, rc);
            return (int)rc;
        }
        rc = hv_vcpu_op(VCPUOP_is_up, n, NULL);
        if (rc != 0) {
            pvmmu_error("smp: vCPU %u is still up after VCPUOP_down (VCPUOP_is_up: %ld)", n, rc);
            return -XEN_EINVAL;
        }
        v->parked_down = true;
    }
    return 0;
}

int smp_unpark(bool new_domain)
{
    unsigned n;
    int first = 0;

    for (n = 1; n < possible; n++) {
        struct vcpu *v = &vcpus[n];
        int rc = 0;

        if (!v->parked_down)
            continue;
        v->parked_down = false;
        /* A new domain has none of the old event channels. */
        if (new_domain)
            rc = bind_ipi(v);
        __atomic_store_n(&v->park, false, __ATOMIC_RELEASE);
        if (new_domain)
            v->posted = v->done = 0;
        if (!rc)
            rc = start_vcpu(v, new_domain);
        if (!rc)
            restarts++;
        if (rc && !first)
            first = rc;
    }
    return first;
}

unsigned smp_restarts(void)
{
    return restarts;
}

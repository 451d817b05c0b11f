/*
 * What every PV kernel has before it has an MMU layer: hypercalls, shared_info and
 * its clock, event channels, the console ring, a xenstore client (a small one:
 * read and write, nothing else) and the exception table.  Written for this example
 * from Xen's public headers; nothing here comes from pvmmu but its formatter.
 */
#include <stdarg.h>
#include "embed.h"
#include <xen/io/console.h>
#include <xen/io/xs_wire.h>
#include <xen/pvmmu/report.h>

/* --- hypercalls: stub nr of the page Xen filled (head.S) ------------------------------ */
extern char hypercall_page[4096];

long hv_call(unsigned nr, unsigned long a1, unsigned long a2, unsigned long a3, unsigned long a4)
{
    register unsigned long rdi __asm__("rdi") = a1;
    register unsigned long rsi __asm__("rsi") = a2;
    register unsigned long rdx __asm__("rdx") = a3;
    register unsigned long r10 __asm__("r10") = a4;
    long ret;

    __asm__ volatile("call *%[stub]"
                     : "=a"(ret), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10)
                     : [stub] "r"(hypercall_page + nr * 32)
                     : "memory", "rcx", "r11", "r8", "r9");
    return ret;
}

long hv_update_va_mapping(uint64_t va, uint64_t val, uint64_t flags)
{
    return hv_call(__HYPERVISOR_update_va_mapping, va, val, flags, 0);
}

long hv_mmu_update(mmu_update_t *reqs, unsigned count, unsigned *done, domid_t dom)
{
    return hv_call(__HYPERVISOR_mmu_update, (unsigned long)reqs, count, (unsigned long)done, dom);
}

_Noreturn void hv_shutdown(unsigned reason)
{
    struct sched_shutdown sd = { .reason = reason };

    for (;;)
        hv_call(__HYPERVISOR_sched_op, SCHEDOP_shutdown, (unsigned long)&sd, 0, 0);
}

/* SCHEDOP_shutdown(SHUTDOWN_suspend) with start_info's mfn in %rdx: 0 resumed elsewhere, 1 cancelled. */
long hv_suspend(uint64_t start_info_mfn)
{
    struct sched_shutdown sd = { .reason = SHUTDOWN_suspend };

    return hv_call(__HYPERVISOR_sched_op, SCHEDOP_shutdown, (unsigned long)&sd, start_info_mfn, 0);
}

/* --- shared_info, mapped over a page of the image ------------------------------------- */
static uint8_t shared_page[4096] __attribute__((aligned(4096)));
shared_info_t *shared;

long shared_map(uint64_t maddr)
{
    long rc = hv_update_va_mapping((uintptr_t)shared_page, maddr | 0x63 /* present, writable, accessed, dirty */,
                                   UVMF_INVLPG | UVMF_LOCAL);

    if (!rc)
        shared = (shared_info_t *)shared_page;
    return rc;
}

long shared_unmap(void)
{
    long rc = hv_update_va_mapping((uintptr_t)shared_page, 0, UVMF_INVLPG | UVMF_LOCAL);

    if (!rc)
        shared = NULL;
    return rc;
}

/* Xen's system time: its last stamp plus the TSC ticks since, scaled; 0 with no shared_info. */
uint64_t now_ns(void)
{
    const volatile struct vcpu_time_info *t;
    uint32_t version, lo, hi;
    uint64_t base, stamp, delta;

    if (!shared)
        return 0;
    t = &shared->vcpu_info[0].time;
    do {
        version = t->version;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        base = t->system_time;
        stamp = t->tsc_timestamp;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
    } while ((version & 1) || version != t->version);
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    delta = (((uint64_t)hi << 32) | lo) - stamp;
    delta = t->tsc_shift >= 0 ? delta << t->tsc_shift : delta >> -t->tsc_shift;
    return base + (uint64_t)(((unsigned __int128)delta * t->tsc_to_system_mul) >> 32);
}

/* --- event channels: send, and wait for one with SCHEDOP_poll (events stay masked) ----- */
void evtchn_send(evtchn_port_t port)
{
    struct evtchn_send send = { .port = port };

    hv_call(__HYPERVISOR_event_channel_op, EVTCHNOP_send, (unsigned long)&send, 0, 0);
}

void evtchn_wait(evtchn_port_t port, uint64_t ns)
{
    struct sched_poll poll = { .nr_ports = 1, .timeout = now_ns() + ns };
    xen_ulong_t bit = (xen_ulong_t)1 << (port % (sizeof(xen_ulong_t) * 8));

    if (!shared)
        return;
    set_xen_guest_handle(poll.ports, &port);
    hv_call(__HYPERVISOR_sched_op, SCHEDOP_poll, (unsigned long)&poll, 0, 0);
    __atomic_fetch_and(&shared->evtchn_pending[port / (sizeof(xen_ulong_t) * 8)], ~bit, __ATOMIC_SEQ_CST);
}

/* --- the console ring (xenconsoled reads it; the rig streams what it logs) ------------- */
static struct xencons_interface *cons;
static evtchn_port_t cons_port;

void console_init(void *ring, evtchn_port_t port)
{
    cons = ring;
    cons_port = port;
}

/* After a restore the ring keeps its page but has a new event channel. */
void console_set_port(evtchn_port_t port)
{
    cons_port = port;
}

static void console_write(const char *s, size_t len)
{
    size_t i;
    unsigned waits = 0;

    if (!cons) {   /* no ring yet: Xen's own log */
        hv_call(__HYPERVISOR_console_io, CONSOLEIO_write, len, (unsigned long)s, 0);
        return;
    }
    for (i = 0; i < len; i++) {
        while (cons->out_prod - cons->out_cons >= sizeof(cons->out)) {
            if (!shared || waits++ > 200)   /* nobody reading for 10 s: drop */
                return;
            evtchn_send(cons_port);
            evtchn_wait(cons_port, 50000000);
        }
        cons->out[MASK_XENCONS_IDX(cons->out_prod, cons->out)] = s[i];
        __atomic_thread_fence(__ATOMIC_RELEASE);
        cons->out_prod++;
    }
    evtchn_send(cons_port);
}

/* Wait (10 s at most) until xenconsoled has read everything: the verdict must get out. */
void console_flush(void)
{
    unsigned waits = 0;

    while (cons && shared && cons->out_cons != cons->out_prod && waits++ < 200) {
        evtchn_send(cons_port);
        evtchn_wait(cons_port, 50000000);
    }
}

/* One line, with the newline added. */
void print(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = pvmmu_vsnprintf(line, sizeof(line) - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n > sizeof(line) - 2)
        n = sizeof(line) - 2;
    line[n++] = '\n';
    console_write(line, (size_t)n);
}

/* --- xenstore: one request at a time, answered before the next ------------------------- */
static struct xenstore_domain_interface *xs;
static evtchn_port_t xs_port;
static uint32_t xs_req_id;

void xs_init(void *ring, evtchn_port_t port)
{
    xs = ring;
    xs_port = port;
}

size_t str_len(const char *s)
{
    size_t n = 0;

    while (s[n])
        n++;
    return n;
}

int str_cmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

static void xs_put(const void *data, size_t len)
{
    const char *p = data;
    size_t i;

    for (i = 0; i < len; i++) {
        while (xs->req_prod - xs->req_cons >= XENSTORE_RING_SIZE) {
            evtchn_send(xs_port);
            evtchn_wait(xs_port, 10000000);
        }
        xs->req[MASK_XENSTORE_IDX(xs->req_prod)] = p[i];
        __atomic_thread_fence(__ATOMIC_RELEASE);
        xs->req_prod++;
    }
}

/* len bytes of the reply into data (NULL: skip them); false if xenstored is silent for 10 s. */
static bool xs_get(void *data, size_t len)
{
    char *p = data;
    size_t i;
    unsigned waits;

    for (i = 0; i < len; i++) {
        for (waits = 0; xs->rsp_cons == xs->rsp_prod; waits++) {
            if (waits > 1000)
                return false;
            evtchn_send(xs_port);
            evtchn_wait(xs_port, 10000000);
        }
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (p)
            p[i] = xs->rsp[MASK_XENSTORE_IDX(xs->rsp_cons)];
        __atomic_thread_fence(__ATOMIC_RELEASE);
        xs->rsp_cons++;
    }
    return true;
}

/* Send type with the two parts as its payload; the reply's payload into out (NUL-terminated). */
static int xs_request(enum xsd_sockmsg_type type, const char *a, const char *b, size_t b_len,
                      char *out, size_t out_size)
{
    struct xsd_sockmsg msg = { .type = type, .req_id = ++xs_req_id, .tx_id = 0 };
    size_t a_len = str_len(a) + 1, n;

    if (!xs)
        return -XEN_ENODEV;
    msg.len = (uint32_t)(a_len + b_len);
    xs_put(&msg, sizeof(msg));
    xs_put(a, a_len);
    if (b_len)
        xs_put(b, b_len);
    evtchn_send(xs_port);
    if (!xs_get(&msg, sizeof(msg)))
        return -XEN_ETIMEDOUT;
    n = msg.len < out_size - 1 ? msg.len : out_size - 1;
    if (!xs_get(out, n) || !xs_get(NULL, msg.len - n))
        return -XEN_ETIMEDOUT;
    out[n] = 0;
    return msg.type == XS_ERROR ? -XEN_ENOENT : 0;
}

int xs_read(const char *path, char *value, size_t size)
{
    return xs_request(XS_READ, path, NULL, 0, value, size);
}

int xs_write(const char *path, const char *value)
{
    char reply[16];

    return xs_request(XS_WRITE, path, value, str_len(value), reply, sizeof(reply));
}

/* --- traps and the exception table ------------------------------------------------------ */
struct trap_frame {
    uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax, rbx;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss;
};

struct extable_entry { uint64_t fault_rip, fixup_rip; };
extern const struct extable_entry __start_extable[], __stop_extable[];

extern char trap_0[], trap_6[], trap_13[], trap_14[];
static const trap_info_t trap_table[] = {
    { 0, 4, FLAT_KERNEL_CS, (unsigned long)trap_0 },     /* 4: events masked on entry */
    { 6, 4, FLAT_KERNEL_CS, (unsigned long)trap_6 },
    { 13, 4, FLAT_KERNEL_CS, (unsigned long)trap_13 },
    { 14, 4, FLAT_KERNEL_CS, (unsigned long)trap_14 },
    { 0, 0, 0, 0 },
};

long traps_init(void)
{
    return hv_call(__HYPERVISOR_set_trap_table, (unsigned long)trap_table, 0, 0, 0);
}

/* An instruction the exception table lists resumes at its fixup; any other fault ends the run. */
void trap_handler(struct trap_frame *f);
void trap_handler(struct trap_frame *f)
{
    const struct extable_entry *e;

    for (e = __start_extable; e < __stop_extable; e++) {
        if (e->fault_rip == f->rip) {
            f->rip = e->fixup_rip;
            return;
        }
    }
    print("pvmmu: unexpected fault: vector %llu error code %#llx rip %#llx address %#llx",
          (unsigned long long)f->vector, (unsigned long long)f->error_code, (unsigned long long)f->rip,
          shared ? (unsigned long long)shared->vcpu_info[0].arch.cr2 : 0ULL);
    print("pvmmu: crashed");
    console_flush();
    hv_shutdown(SHUTDOWN_crash);
}

/* A load or store that may fault: false if it did (the exception table's fixup ran). */
bool probe_read(const volatile uint64_t *p, uint64_t *out)
{
    uint64_t v;
    int ok = 1;

    __asm__ volatile("1: movq (%[p]), %[v]\n2:\n"
                     ".pushsection .fixup, \"ax\"\n3: xorl %[ok], %[ok]\n xorl %k[v], %k[v]\n jmp 2b\n.popsection\n"
                     ".pushsection .extable, \"a\"\n .quad 1b, 3b\n.popsection"
                     : [v] "=&r"(v), [ok] "+r"(ok) : [p] "r"(p) : "memory");
    *out = v;
    return ok;
}

bool probe_write(volatile uint64_t *p, uint64_t value)
{
    int ok = 1;

    __asm__ volatile("1: movq %[v], (%[p])\n2:\n"
                     ".pushsection .fixup, \"ax\"\n3: xorl %[ok], %[ok]\n jmp 2b\n.popsection\n"
                     ".pushsection .extable, \"a\"\n .quad 1b, 3b\n.popsection"
                     : [ok] "+r"(ok) : [p] "r"(p), [v] "r"(value) : "memory");
    return ok;
}

/*
 * The console ring (arch/x86/xen/console.c, run hosted through
 * tests/fuzz/arch_hosted.c) against a backend that does what the input says.
 * The ring page is shared with xenconsoled, which may be slow, stalled, or
 * corrupt: any in_cons/in_prod/out_cons/out_prod at start, and while the
 * kernel waits for room, any of: consume some bytes, consume nothing, move
 * out_cons anywhere (behind the producer, ahead of it, by 2^31), rewrite
 * out_prod.  shared_info may be gone (between suspend and resume).
 *
 * Whatever the backend does, console_write returns (its waits are bounded by
 * the clock: at most STALL_NS of polls per full ring, and none again while the
 * backend stays stalled), writes only inside the ring's out[] array (the
 * sanitizer watches the page around it), and never counts a byte dropped that
 * it did not drop.
 *
 * While the backend is honest (it only consumes what was produced), nothing is
 * lost or garbled: each write puts a prefix of its bytes into the ring and
 * counts the rest dropped, out_prod moves by exactly that prefix, and every
 * byte the backend consumes is the one written at that index.
 */
#include <stdio.h>
#include <string.h>
#include <xen/pvmmu/abi.h>
#include <xen/io/console.h>
#include "arch/x86/xen/console.h"
#include "tests/fuzz/arch_hosted.h"
#include "tests/fuzz/arch_hosted_hooks.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/pv_ops.h"
#include "tests/harness/harness.h"

#define CONSOLE_PFN (FUZZ_IMAGE_PAGES + 5)
#define GUEST_PAGES 64
#define MAX_WRITES 64
#define MAX_LEN 2112   /* longer than the ring: a write that must wait half way */

/* A write the kernel was asked for: where it started in the ring, and its bytes by rule. */
struct write_rec { XENCONS_RING_IDX start; unsigned len, id; };

static struct {
    struct xencons_interface *ring;
    struct cursor *c;
    bool honest;                      /* the backend has only ever consumed what was produced */
    unsigned poll_action;             /* what the backend does on each poll (from the input) */
    struct write_rec w[MAX_WRITES];
    unsigned nr_w;
    unsigned long consumed;
} b;

static void fail(const char *why)
{
    fuzz_fail("console", why);
}

static char byte_of(unsigned id, unsigned j)
{
    return (char)('A' + (id * 7 + j) % 26);
}

/* The byte the kernel must have written at ring index i: from the newest write that started at or before it. */
static bool expected_at(XENCONS_RING_IDX i, char *out)
{
    unsigned k;

    for (k = b.nr_w; k-- > 0;) {
        XENCONS_RING_IDX off = i - b.w[k].start;

        if (off < 0x80000000u) {
            if (off >= b.w[k].len)
                return false;
            *out = byte_of(b.w[k].id, off);
            return true;
        }
    }
    return false;
}

/* An honest backend takes up to n bytes, and checks each. */
static void consume(unsigned n)
{
    struct xencons_interface *r = b.ring;

    while (n-- && r->out_cons != r->out_prod) {
        char want;

        if (b.honest && expected_at(r->out_cons, &want) && r->out[MASK_XENCONS_IDX(r->out_cons, r->out)] != want)
            fail("the backend read a byte other than the one written at that index");
        r->out_cons++;
        b.consumed++;
    }
}

/* The backend's move: honest, or not. */
static void backend_acts(unsigned action)
{
    struct xencons_interface *r = b.ring;

    switch (action % 8) {
    case 0: case 1: case 2: consume(1 + action / 8 * 16); break;
    case 3: break;                                             /* stalled */
    case 4: r->out_cons = r->out_prod + 1 + next(b.c); b.honest = false; break;   /* ahead of the producer */
    case 5: r->out_cons = r->out_prod - 2048 - next(b.c) * 64; b.honest = false; break;  /* too far behind */
    case 6: r->out_cons += 0x80000000u; b.honest = false; break;
    case 7: r->out_prod = (XENCONS_RING_IDX)(next(b.c) << 24 | next(b.c)); b.honest = false; break;
    }
}

static void on_poll(void *ctx)
{
    (void)ctx;
    backend_acts(b.poll_action);
}

static void one_write(unsigned len)
{
    static char buf[MAX_LEN];
    struct xencons_interface *r = b.ring;
    unsigned long polls = fuzz_arch.polls;
    uint64_t dropped = console_dropped();
    XENCONS_RING_IDX start = r->out_prod;
    unsigned id = b.nr_w, j, put;

    for (j = 0; j < len; j++)
        buf[j] = byte_of(id, j);
    if (b.nr_w == MAX_WRITES)
        return;
    b.w[b.nr_w++] = (struct write_rec){ start, len, id };
    console_write(buf, len);
    if (console_dropped() < dropped || console_dropped() - dropped > len)
        fail("console_write counted bytes dropped that it was not given");
    /* Each wait is 30 polls at most, and one that gives up makes the next ones immediate. */
    if (fuzz_arch.polls - polls > 32 * (len + 1))
        fail("console_write polled without bound");
    if (!b.honest)
        return;
    put = (XENCONS_RING_IDX)(r->out_prod - start);
    if (put + (console_dropped() - dropped) != len)
        fail("a write's bytes are neither in the ring nor counted dropped");
    if ((XENCONS_RING_IDX)(r->out_prod - r->out_cons) > sizeof(r->out))
        fail("the producer ran more than a ring ahead of the consumer");
}

/*
 * A start_info as the builder makes it, around the console page: console_init
 * believes the page only when the m2p (the model's, read through the platform's
 * m2p_read_raw) and mfn_list agree on it, and it is a bootstrap page, below the
 * page tables.  A machine is booted for the m2p once, and again whenever another
 * target has replaced it.
 */
static void console_start_info(start_info_t *si)
{
    static unsigned long generation;

    if (!generation || generation != harness_machine_generation()) {
        harness_boot(GUEST_PAGES);
        generation = harness_machine_generation();
    }
    si->nr_pages = harness_nr_pages();
    si->mfn_list = (uint64_t)(uintptr_t)harness_mfn_list();
    si->pt_base = VIRT_BASE + (CONSOLE_PFN + 1) * 4096ULL;
    si->nr_pt_frames = 1;
    si->console.domU.mfn = mfn_x(harness_pfn_to_mfn(_pfn(CONSOLE_PFN)));
    si->console.domU.evtchn = 3;
}

void fuzz_console(const uint8_t *data, size_t size)
{
    struct cursor c = { data, data + size };
    start_info_t si = { 0 };

    fuzz_arch_reset();
    console_start_info(&si);
    console_init(&si);
    memset(&b, 0, sizeof(b));
    b.c = &c;
    b.ring = fuzz_boot_page(CONSOLE_PFN);
    if ((const void *)b.ring != fuzz_console_ring())
        fail("console_init chose another page than the console's");
    b.honest = true;
    b.ring->out_cons = b.ring->out_prod = (XENCONS_RING_IDX)(next(&c) << 24 | next(&c) << 8);
    b.ring->in_cons = (XENCONS_RING_IDX)next(&c);
    b.ring->in_prod = (XENCONS_RING_IDX)next(&c) << 16;
    fuzz_arch.on_poll = on_poll;
    while (c.p < c.end) {
        unsigned op = next(&c);

        switch (op % 6) {
        case 0: case 1: one_write(next(&c) % 64 + ((op & 0xc0) == 0xc0 ? 2048 : 0)); break;
        case 2: backend_acts(next(&c)); break;
        case 3: b.poll_action = next(&c); break;
        case 4: console_flush(); break;
        case 5:
            if (op & 0x80) {
                si.console.domU.evtchn = next(&c);
                console_resumed(&si);
                if (fuzz_console_ring() != (const void *)b.ring)
                    fail("console_resumed moved the ring");
            }
            fuzz_arch_set_shared(op & 0x40);
            break;
        }
    }
}

/*
 * What the kernel files a fuzz target runs hosted (tests/fuzz/arch_hosted.h)
 * need of the rest of the kernel: the builder's 1:1 region, Xen's m2p, and the
 * event channel, clock and console hypercall, played by the target.
 *
 * The console (arch/x86/xen/console.c) is compiled here, as part of this file,
 * so that its state (the ring it chose, what it dropped, whether the backend
 * stalled) can be forgotten between inputs: the kernel runs console_init once
 * per boot, the fuzzer once per input.
 */
#include <string.h>
#include "tests/fuzz/arch_hosted.h"
#include "arch/x86/xen/console.c"
#include "tests/fuzz/arch_hosted_hooks.h"
#include "tests/model/model.h"
#include "arch/x86/xen/evtchn.h"
#include "arch/x86/xen/hypercall_arch.h"
#include "arch/x86/xen/shared.h"

char fuzz_boot_region[FUZZ_BOOT_PAGES * 4096] __attribute__((aligned(4096)));
uint64_t fuzz_m2p_table[FUZZ_M2P_ENTRIES];

static shared_info_t fake_shared;
shared_info_t *xen_shared = &fake_shared;

struct fuzz_arch_hooks fuzz_arch;

static void console_forget(void);

void fuzz_arch_copy_m2p(void)
{
    uint64_t mfn, pfn;

    for (mfn = 0; mfn < FUZZ_M2P_ENTRIES; mfn++)
        fuzz_m2p_table[mfn] = model_m2p_read(_mfn(mfn), &pfn) ? pfn : ~0ULL;
}

void fuzz_arch_reset(void)
{
    memset(fuzz_boot_region, 0, sizeof(fuzz_boot_region));
    fuzz_arch = (struct fuzz_arch_hooks){ 0 };
    xen_shared = &fake_shared;
    console_forget();
}

void fuzz_arch_set_shared(bool mapped)
{
    xen_shared = mapped ? &fake_shared : NULL;
}

static void console_forget(void)
{
    ring = NULL;
    ring_port = 0;
    dropped = 0;
    stalled = false;
}

const void *fuzz_console_ring(void)
{
    return ring;
}

void *fuzz_boot_page(uint64_t pfn)
{
    if (pfn < FUZZ_IMAGE_PAGES || pfn >= FUZZ_IMAGE_PAGES + FUZZ_BOOT_PAGES)
        return NULL;
    return fuzz_boot_region + (pfn - FUZZ_IMAGE_PAGES) * 4096;
}

/* The kernel's kprintf: console_init says why it will not use a console page; the target ignores it. */
void kprintf(const char *fmt, ...)
{
    (void)fmt;
}

/* Every read of the clock is a second later: a wait of 30 s gives up after 30 polls. */
uint64_t xen_now_ns(void)
{
    return fuzz_arch.now_ns += 1000000000ULL;
}

long evtchn_notify(evtchn_port_t port)
{
    (void)port;
    fuzz_arch.notifies++;
    return 0;
}

bool evtchn_poll(evtchn_port_t port, uint64_t deadline_ns)
{
    (void)port;
    (void)deadline_ns;
    fuzz_arch.polls++;
    if (fuzz_arch.on_poll)
        fuzz_arch.on_poll(fuzz_arch.ctx);
    return true;
}

long hv_console_io(unsigned int cmd, unsigned int count, const char *buf)
{
    (void)cmd;
    (void)buf;
    fuzz_arch.console_io_bytes += count;
    return 0;
}

/* The console's lock (arch/x86/xen/smp.c): the hosted targets run on one thread. */
void smp_console_lock(void)
{
}

void smp_console_unlock(void)
{
}

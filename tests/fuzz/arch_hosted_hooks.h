/* The fuzz target's side of tests/fuzz/arch_hosted.c: what happened, and what to do on a poll. */
#ifndef PVMMU_FUZZ_ARCH_HOSTED_HOOKS_H
#define PVMMU_FUZZ_ARCH_HOSTED_HOOKS_H

#include <stdbool.h>
#include <stdint.h>

struct fuzz_arch_hooks {
    uint64_t now_ns;
    unsigned long notifies, polls, console_io_bytes;
    void (*on_poll)(void *ctx);   /* the backend's move while the kernel waits */
    void *ctx;
};
extern struct fuzz_arch_hooks fuzz_arch;

/* A clean region, hooks and console (no ring chosen, nothing dropped), shared_info mapped. */
void fuzz_arch_reset(void);
/* The hosted m2p (FUZZ_M2P_ENTRIES of it) as the model's m2p says. */
void fuzz_arch_copy_m2p(void);
/* shared_info mapped, or not (between suspend and resume: no clock, no events). */
void fuzz_arch_set_shared(bool mapped);
/* The memory of bootstrap pfn `pfn`, NULL if the region has none there. */
void *fuzz_boot_page(uint64_t pfn);

/* The ring console_init chose (NULL: none, output goes to console_io). */
const void *fuzz_console_ring(void);

#endif

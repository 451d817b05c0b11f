/*
 * The example kernel's own declarations, shared by its four files:
 *   xen.c    hypercalls, shared_info and the clock, event channels, the console
 *            ring, xenstore, traps and the exception table
 *   mm.c     the memory: the direct map in L4 slot 0, the frame allocator, the p2m window
 *   hooks.c  what pvmmu asks of its carrier (<xen/pvmmu/platform.h>)
 *   main.c   boot, the scenario, the save
 * Only pvmmu's installed headers are included anywhere, never its sources.
 */
#ifndef EMBED_H
#define EMBED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/pvmmu/abi.h>
#include <xen/pvmmu/frame.h>
#include <xen/sched.h>
#include <xen/event_channel.h>

/* --- the layout (embed.lds, mm.c) ---------------------------------------------------
 * L4 slot 0 is the kernel's: the image from virtual 0, then the direct map of every
 * pfn at pfn * 4096 (Xen's bootstrap mapping is its first part), then, at 256 GiB,
 * the window of pvmmu's linear p2m.  Every other slot but Xen's 256..271 belongs to
 * the address spaces pvmmu creates.
 */
#define PAGE_SIZE 4096UL
#define PAGE_SHIFT 12
#define MAX_PAGES (1UL << 20)                     /* 4 GiB: the allocator's bitmap and the L1 list */
#define P2M_WINDOW_BASE 0x0000004000000000UL      /* 256 GiB, still in slot 0 */
#define P2M_WINDOW_SIZE 0x0000004000000000UL
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* --- xen.c --------------------------------------------------------------------------- */
long hv_call(unsigned nr, unsigned long a1, unsigned long a2, unsigned long a3, unsigned long a4);
long hv_update_va_mapping(uint64_t va, uint64_t val, uint64_t flags);
long hv_mmu_update(mmu_update_t *reqs, unsigned count, unsigned *done, domid_t dom);
_Noreturn void hv_shutdown(unsigned reason);
long hv_suspend(uint64_t start_info_mfn);

extern shared_info_t *shared;
long shared_map(uint64_t maddr);
long shared_unmap(void);
uint64_t now_ns(void);

void evtchn_send(evtchn_port_t port);
void evtchn_wait(evtchn_port_t port, uint64_t ns);

void console_init(void *ring, evtchn_port_t port);
void console_set_port(evtchn_port_t port);
void console_flush(void);
void print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void xs_init(void *ring, evtchn_port_t port);
int xs_read(const char *path, char *value, size_t size);
int xs_write(const char *path, const char *value);

long traps_init(void);
bool probe_read(const volatile uint64_t *p, uint64_t *out);
bool probe_write(volatile uint64_t *p, uint64_t value);

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
size_t str_len(const char *s);
int str_cmp(const char *a, const char *b);

/* --- mm.c ------------------------------------------------------------------------------ */
struct boot_info {
    start_info_t *si;
    uint64_t nr_pages;
    pvmmu_pfn_t l4;             /* Xen's bootstrap L4: the one root */
    uint64_t first_free;        /* the allocator's first pfn */
    bool p2m_handed_over;       /* from now on pvmmu's table is the p2m */
};
extern struct boot_info boot;
pvmmu_mfn_t pfn_to_mfn(pvmmu_pfn_t pfn);
int mm_init(start_info_t *si);
uint64_t frames_free(void);

#endif

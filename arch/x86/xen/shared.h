/*
 * Xen's shared_info page: event-channel bits, vcpu_info (the upcall mask, CR2 of
 * the last page fault), time, and the p2m anchor the toolstack reads.  Xen gives
 * its machine address in start_info; shared_info_map() maps it into the kernel
 * image at a page reserved for it.
 */
#ifndef PVMMU_ARCH_SHARED_H
#define PVMMU_ARCH_SHARED_H

#include <stdint.h>
#include <xen/pvmmu/abi.h>

extern shared_info_t *xen_shared;

/* 0 or the failing update_va_mapping's result. */
long shared_info_map(uint64_t maddr);

/* Unmap it (before a suspend: it belongs to the old domain).  0 or the error. */
long shared_info_unmap(void);

/* Xen's system time in nanoseconds (since Xen booted), from the calling vCPU's time info. */
uint64_t xen_now_ns(void);

#endif

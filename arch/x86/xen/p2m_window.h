/* The p2m window (p2m_window.c); the core's interface to it is in platform.h. */
#ifndef PVMMU_ARCH_P2M_WINDOW_H
#define PVMMU_ARCH_P2M_WINDOW_H

#include <stdint.h>

/* Page-table frames the window has taken so far (its L3, L2s and L1s). */
uint64_t p2m_window_tables(void);

#endif

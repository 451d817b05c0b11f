/*A:200 The console: where every line of pvmmu's output goes.
 *
 * Started as Xen's initial domain (the rig's quick way) we own no console ring;
 * Xen's console_io hypercall prints straight to the serial line.  Started by a
 * toolstack as a domU, we write to the console ring page and kick its event
 * channel; xenconsoled copies it out (and logs it). :*/
#ifndef PVMMU_ARCH_CONSOLE_H
#define PVMMU_ARCH_CONSOLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <xen/pvmmu/abi.h>

void console_init(const start_info_t *si);
void console_write(const char *s, size_t len);
/* One line of output; the newline is added. */
void kputs(const char *line);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Wait (bounded) until the backend has taken everything written. */
void console_flush(void);
/* After a resume in a new domain: the console's new event channel. */
void console_resumed(const start_info_t *si);
/* Bytes dropped because the backend stopped reading (0 when all is well). */
uint64_t console_dropped(void);
/* With quiet set, the core's reports (platform_log) are not printed (platform.c). */
void platform_log_quiet(bool quiet);

#endif

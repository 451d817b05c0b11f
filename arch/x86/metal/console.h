/*
 * The console: COM1, which QEMU's -serial stdio connects to the terminal (and
 * to the rig's log), and the way out: QEMU's isa-debug-exit device.
 */
#ifndef PVMMU_METAL_CONSOLE_H
#define PVMMU_METAL_CONSOLE_H

#include <stddef.h>

void console_init(void);
void console_write(const char *s, size_t len);
/* One line of output; the newline is added. */
void kputs(const char *line);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The tally line, then QEMU exits with status (code << 1) | 1: 0 when every
 * check passed, 1 otherwise.  The rig reads the console; the status is a
 * second opinion.
 */
_Noreturn void finish(void);

#endif

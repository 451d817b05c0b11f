/*
 * How the MMU layer says something went wrong.
 *
 * Every failure is reported with the operation and its arguments, once, through
 * pvmmu_error(); the text is kept so that callers (and tests) can show or check it,
 * and a count is kept so that a workload can tell "nothing failed".  Functions that
 * fail also return a negative errno value: reporting is for people, the return
 * value is for code.
 */
#ifndef PVMMU_REPORT_H
#define PVMMU_REPORT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

void pvmmu_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *pvmmu_last_error(void);
unsigned long pvmmu_error_count(void);
void pvmmu_clear_errors(void);
/* Whether one of the last few reports (since the last clear) contains `needle`. */
bool pvmmu_error_seen(const char *needle);

/* A small freestanding formatter (%s %c %d %u %ld %lu %lld %llu %x %lx %llx %p, 0-padding, width, %.Ns). */
int pvmmu_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int pvmmu_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif

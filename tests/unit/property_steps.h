/*
 * What the property tests share (test_property.c, test_smp_property.c): one
 * xorshift64* generator, so that a seed replays the same sequence, and the log
 * of the steps taken, printed when a sequence fails.  Included by one test
 * file each: the state is that file's own.
 */
#ifndef PVMMU_TESTS_PROPERTY_STEPS_H
#define PVMMU_TESTS_PROPERTY_STEPS_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

static uint64_t rng;
static char log_text[8192];
static size_t log_len;

static uint64_t next_random(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545F4914F6CDD1DULL;
}

static unsigned pick(unsigned n)
{
    return (unsigned)(next_random() % n);
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    if (log_len < sizeof(log_text) - 100)
        log_len += (size_t)vsnprintf(log_text + log_len, sizeof(log_text) - log_len, fmt, ap);
    va_end(ap);
}

#endif

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "tests/fuzz/fuzz.h"

void fuzz_fail(const char *target, const char *why)
{
    fprintf(stderr, "fuzz: %s: %s\n", target, why);
    abort();
}

void fuzz_failf(const char *target, const char *fmt, ...)
{
    char why[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    fuzz_fail(target, why);
}

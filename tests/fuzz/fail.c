#include <stdio.h>
#include <stdlib.h>
#include "tests/fuzz/fuzz.h"

void fuzz_fail(const char *target, const char *why)
{
    fprintf(stderr, "fuzz: %s: %s\n", target, why);
    abort();
}

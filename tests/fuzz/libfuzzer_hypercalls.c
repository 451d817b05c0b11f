/* libFuzzer's entry for the hypercalls target (tests/fuzz/fuzz_hypercalls.c). */
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_hypercalls(data, size);
    return 0;
}

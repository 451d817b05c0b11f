/* libFuzzer's entry for the shadow target (tests/fuzz/fuzz_shadow.c). */
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_shadow(data, size);
    return 0;
}

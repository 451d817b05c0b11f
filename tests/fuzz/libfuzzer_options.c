/* libFuzzer's entry for the options target (tests/fuzz/fuzz_options.c). */
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_options(data, size);
    return 0;
}

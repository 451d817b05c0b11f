/* libFuzzer's entry for the start_info target (tests/fuzz/fuzz_start_info.c). */
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_start_info(data, size);
    return 0;
}

/* libFuzzer's entry for the pv_backend target (tests/fuzz/fuzz_pv_backend.c). */
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_pv_backend(data, size);
    return 0;
}

/* libFuzzer's entry for the m2p target (tests/fuzz/fuzz_m2p.c). */
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_m2p(data, size);
    return 0;
}

/* libFuzzer's entry for the xenstore target (tests/fuzz/fuzz_xenstore.c). */
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_xenstore(data, size);
    return 0;
}

/* libFuzzer's entry for the console target (tests/fuzz/fuzz_console.c). */
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_console(data, size);
    return 0;
}

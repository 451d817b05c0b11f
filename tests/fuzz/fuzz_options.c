/*
 * The kernel command-line parser (arch/x86/common/options.c: portable, it includes
 * nothing of the kernel's) on arbitrary bytes: xl's extra= is typed by a person,
 * so anything may come.  Whatever it is, the parser must stay inside the buffer
 * it was given, leave every option either at its default or at a value it
 * accepted, keep `suites` a terminated string, and warn rather than stop.
 */
#include <string.h>
#include "arch/x86/common/options.h"
#include "tests/fuzz/fuzz.h"

static void count_warning(const char *message, void *ctx)
{
    if (!message || !*message)
        fuzz_fail("options", "an empty warning");
    (*(unsigned *)ctx)++;
}

void fuzz_options(const uint8_t *data, size_t size)
{
    struct kernel_options opt;
    unsigned warnings = 0;

    options_default(&opt);
    options_parse((const char *)data, size, &opt, count_warning, &warnings);
    if (!memchr(opt.suites, '\0', sizeof(opt.suites)))
        fuzz_fail("options", "suites is not terminated");
    if (!opt.suites[0])
        fuzz_fail("options", "suites was emptied");
}

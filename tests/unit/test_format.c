/* The freestanding formatter the kernel prints with (lib/format.c). */
#include "pvmmu_test.h"

static const char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static const char *fmt(const char *f, ...)
{
    static char buf[128];
    va_list ap;

    va_start(ap, f);
    pvmmu_vsnprintf(buf, sizeof(buf), f, ap);
    va_end(ap);
    return buf;
}

static void test_conversions_match_c(void **state)
{
    (void)state;
    assert_string_equal(fmt("%d %i %u", -5, 7, 42u), "-5 7 42");
    assert_string_equal(fmt("%x %lx %llx", 0xabu, 0xbeefUL, 0x1234567890ULL), "ab beef 1234567890");
    assert_string_equal(fmt("%#llx %#x", 0x1234ULL, 255u), "0x1234 0xff");
    assert_string_equal(fmt("%08x|%5u|%#010lx", 0xabu, 42u, 0xbeefUL), "000000ab|   42|0x0000beef");
    assert_string_equal(fmt("%s|%.3s|%c|%%", "ok", "abcdef", 'z'), "ok|abc|z|%");
    assert_string_equal(fmt("%lld", (long long)INT64_MIN), "-9223372036854775808");
}

static void test_output_is_cut_and_terminated_but_the_full_length_is_returned(void **state)
{
    char small[8];

    (void)state;
    assert_int_equal(pvmmu_snprintf(small, sizeof(small), "%s", "0123456789"), 10);
    assert_string_equal(small, "0123456");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conversions_match_c),
        cmocka_unit_test(test_output_is_cut_and_terminated_but_the_full_length_is_returned),
    };
    return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}

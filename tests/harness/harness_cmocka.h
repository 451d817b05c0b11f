/*
 * What every cmocka test of the model or of the core against it starts with.
 * Include after <cmocka.h>.
 */
#ifndef PVMMU_TEST_HARNESS_CMOCKA_H
#define PVMMU_TEST_HARNESS_CMOCKA_H

#include "tests/harness/harness.h"
#include "tests/model/model.h"

#ifndef HARNESS_TEST_PAGES
#define HARNESS_TEST_PAGES 600
#endif

static inline int harness_setup(void **state)
{
    (void)state;
    harness_boot(HARNESS_TEST_PAGES);
    return 0;
}

static inline int harness_teardown(void **state)
{
    (void)state;
    harness_shutdown();
    return 0;
}

/* Fails the test, naming the first broken invariant. */
#define assert_model_invariants()                                     \
    do {                                                              \
        char why_[256];                                               \
        if (!model_check_invariants(why_, sizeof(why_)))              \
            fail_msg("model invariant broken: %s", why_);             \
    } while (0)

/* The refusal must come from the named Xen check (a substring of its sentence). */
#define assert_refused_by(text)                                                   \
    do {                                                                          \
        if (!strstr(model_last_refusal(), (text)))                                \
            fail_msg("expected a refusal by \"%s\", got \"%s\"", (text),         \
                     model_last_refusal());                                       \
    } while (0)

#define HARNESS_TEST(fn) cmocka_unit_test_setup_teardown(fn, harness_setup, harness_teardown)

#endif

/*
 * Replays the fuzzers' kept corpora (tests/fuzz/corpus/<target>/), so that every
 * input that once found a bug, and every seed, runs in `make check`.
 */
#include <dirent.h>
#include <stdlib.h>
#include "pvmmu_test.h"
#include "tests/fuzz/fuzz.h"

static unsigned replay(const char *target, void (*fn)(const uint8_t *, size_t))
{
    char dir[256], path[512];
    static uint8_t buf[1 << 20];
    struct dirent *d;
    unsigned files = 0;
    DIR *dp;

    snprintf(dir, sizeof(dir), "tests/fuzz/corpus/%s", target);
    dp = opendir(dir);
    if (!dp)
        fail_msg("no corpus at %s (run make check from the top of the tree)", dir);
    while ((d = readdir(dp))) {
        FILE *f;
        size_t n;

        if (d->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
        f = fopen(path, "rb");
        assert_non_null(f);
        n = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        fn(buf, n);
        files++;
    }
    closedir(dp);
    return files;
}

static void test_xenstore_corpus_replays_clean(void **state)
{
    (void)state;
    assert_true(replay("xenstore", fuzz_xenstore) > 0);
}

static void test_pv_backend_corpus_replays_clean(void **state)
{
    (void)state;
    assert_true(replay("pv_backend", fuzz_pv_backend) > 0);
}

static void test_options_corpus_replays_clean(void **state)
{
    (void)state;
    assert_true(replay("options", fuzz_options) > 0);
}

static void test_shadow_corpus_replays_clean(void **state)
{
    (void)state;
    assert_true(replay("shadow", fuzz_shadow) > 0);
}

static void test_hypercalls_corpus_replays_clean(void **state)
{
    (void)state;
    assert_true(replay("hypercalls", fuzz_hypercalls) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xenstore_corpus_replays_clean),
        cmocka_unit_test(test_pv_backend_corpus_replays_clean),
        cmocka_unit_test(test_options_corpus_replays_clean),
        cmocka_unit_test(test_shadow_corpus_replays_clean),
        cmocka_unit_test(test_hypercalls_corpus_replays_clean),
    };
    return cmocka_run_group_tests_name("fuzz corpora", tests, NULL, NULL);
}

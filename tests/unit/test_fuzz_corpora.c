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

struct target { const char *name, *test; void (*fn)(const uint8_t *, size_t); };

/* Every target's corpus replays without a crash, and none is empty. */
static void test_corpus_replays_clean(void **state)
{
    const struct target *t = *state;

    assert_true(replay(t->name, t->fn) > 0);
}

#define TARGET(name) { #name, "the " #name " corpus replays clean", fuzz_##name }
static struct target targets[] = {
    TARGET(xenstore), TARGET(pv_backend), TARGET(options), TARGET(shadow), TARGET(hypercalls),
    TARGET(m2p), TARGET(start_info), TARGET(console),
};

int main(void)
{
    struct CMUnitTest tests[ARRAY_SIZE(targets)];
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(targets); i++)
        tests[i] = (struct CMUnitTest)cmocka_unit_test_prestate(test_corpus_replays_clean, &targets[i]);
    for (i = 0; i < ARRAY_SIZE(targets); i++)
        tests[i].name = targets[i].test;
    return _cmocka_run_group_tests("fuzz corpora", tests, ARRAY_SIZE(targets), NULL, NULL);
}

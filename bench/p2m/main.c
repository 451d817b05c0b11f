/*
 * bench-p2m: how many instructions one p2m lookup costs, counted, not timed.
 *
 * Two loops walk the same array of pfns, in the same shuffled order: one looks
 * each pfn up, the other only adds the pfn to a sum.  Run under callgrind, the
 * difference of their instruction counts divided by the number of pfns is the
 * price of a lookup hit, exactly: the loop's own work (load the pfn, add, count,
 * branch) cancels out.  The empty asm with a memory clobber stops the compiler
 * from keeping the table's base and bound in registers across iterations, so
 * each lookup pays for reading them, as a lookup in the middle of real code
 * does, and from vectorising or deleting the plain loop.
 *
 * The guest is the hosted harness's, so the window is a real mapping of leaf
 * frames, built by p2m_init() the same way the kernel builds it.
 */
#include <stdio.h>
#include <stdlib.h>

#include <xen/pvmmu/p2m.h>
#include "tests/harness/harness.h"

#define NR_PAGES 8192UL

__attribute__((noinline)) static uint64_t loop_lookups(const uint64_t *pfns, unsigned long n)
{
    uint64_t sum = 0;
    unsigned long i;

    for (i = 0; i < n; i++) {
        __asm__ __volatile__("" ::: "memory");
        sum += mfn_x(p2m_lookup(_pfn(pfns[i])));
    }
    return sum;
}

__attribute__((noinline)) static uint64_t loop_empty(const uint64_t *pfns, unsigned long n)
{
    uint64_t sum = 0;
    unsigned long i;

    for (i = 0; i < n; i++) {
        __asm__ __volatile__("" ::: "memory");
        sum += pfns[i];
    }
    return sum;
}

/* A fixed shuffle of hit pfns (a full-period LCG step), so the order is no cache-friendly stride. */
static void fill_pfns(uint64_t *pfns, unsigned long n, unsigned long nr_pages)
{
    uint64_t x = 12345;
    unsigned long i;

    for (i = 0; i < n; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        pfns[i] = (x >> 33) % nr_pages;
    }
}

int main(int argc, char **argv)
{
    unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 100000, i;
    uint64_t *pfns = malloc(n * sizeof(*pfns)), expected = 0, got, plain;
    const uint64_t *mfn_list;

    if (!pfns)
        return 1;
    harness_boot(NR_PAGES);
    if (p2m_init(harness_mfn_list(), harness_nr_pages(), 4 * NR_PAGES)) {
        fprintf(stderr, "bench-p2m: p2m_init failed\n");
        return 1;
    }
    mfn_list = harness_mfn_list();
    fill_pfns(pfns, n, harness_nr_pages());
    for (i = 0; i < n; i++)
        expected += mfn_list[pfns[i]];
    got = loop_lookups(pfns, n);
    plain = loop_empty(pfns, n);
    printf("lookups %lu sum %llx plain %llx\n", n, (unsigned long long)got, (unsigned long long)plain);
    harness_shutdown();
    free(pfns);
    if (got != expected) {
        fprintf(stderr, "bench-p2m: lookups gave the wrong mfns\n");
        return 1;
    }
    return 0;
}

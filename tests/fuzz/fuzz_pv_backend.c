/*
 * The PV backend driven by arbitrary operation sequences against the model of
 * Xen.  Unlike the property test, the fuzzer may ask for anything, valid or not:
 * pin twice, unpin what is loaded, destroy twice, use a destroyed space, leave lazy
 * mode it never entered, map outside the user half, map a frame the p2m does not
 * have, ask for 2^52 pages.  pvmmu may refuse (and must say why), but:
 *
 *   - no request it sends may be one the model refuses: pvmmu's own checks must
 *     stop everything Xen would stop, before Xen sees it;
 *   - the model's global invariants hold after every operation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/pvmmu/mmu.h>
#include <xen/pvmmu/multicall.h>
#include <xen/pvmmu/p2m.h>
#include <xen/pvmmu/platform.h>
#include <xen/pvmmu/report.h>
#include "tests/fuzz/fuzz.h"
#include "tests/harness/harness.h"
#include "tests/model/model.h"

#define SPACES 4

static struct aspace *spaces[SPACES];
static pfn_t data_frames[32];
/* The booted machine, photographed once: every input starts from it. */
static struct harness_snapshot *booted;

static void boot(void)
{
    unsigned i;

    harness_boot(1024);
    mmu_forget_state();
    if (p2m_init(harness_mfn_list(), 1024, 1024) || m2p_init() || aspace_adopt_kernel(harness_kernel_l4()))
        fuzz_fail("pv_backend", "boot failed");
    for (i = 0; i < 32; i++)
        data_frames[i] = frame_alloc();
    harness_snapshot_free(booted);
    booted = harness_snapshot_take();
}

/*
 * The machine as boot() left it, without booting: the snapshot puts back every
 * frame, type, pin and allocation, and the layer forgets what it knew of the
 * last input and adopts the kernel's tables again, as boot() had it do.  The
 * p2m and m2p are not touched by any operation here, so they stay as booted.
 * A machine that is no longer the photographed one (something else booted the
 * harness in between, as the corpus replay in make check does) is booted anew.
 */
static void fresh_machine(void)
{
    if (!harness_snapshot_restore(booted)) {
        boot();
        return;
    }
    mmu_forget_state();
    if (aspace_adopt_kernel(harness_kernel_l4()))
        fuzz_fail("pv_backend", "adopting the kernel's tables again failed");
}

struct cursor { const uint8_t *p, *end; };

static unsigned next(struct cursor *c)
{
    return c->p < c->end ? *c->p++ : 0;
}

/* A virtual address from two bytes: mostly inside a few user regions, sometimes anywhere. */
static uint64_t any_va(struct cursor *c)
{
    unsigned a = next(c), b = next(c);

    if (a == 0xff)
        return (uint64_t)b << 40 | 0xffff800000000000ULL;   /* not the user half */
    return 0x0000100000000000ULL + ((uint64_t)(a & 3) << 30) + (uint64_t)b * PAGE_SIZE - (a & 4 ? 64 * PAGE_SIZE : 0);
}

/*
 * A page count: mostly 1..80, and now and then one so big that times 4 KiB it
 * wraps around 2^64 (or nearly), which pvmmu must refuse before it reads a single
 * frame number past the 80 it was given (AddressSanitizer is watching).
 */
static uint64_t any_count(struct cursor *c)
{
    unsigned n = next(c);

    if (n == 0xff)
        return 1ULL << 52;
    if (n == 0xfe)
        return UINT64_MAX;
    return n % 80 + 1;
}

static void one_op(struct cursor *c)
{
    unsigned op = next(c), s = next(c) % SPACES;
    uint64_t n = any_count(c);
    struct aspace *as = spaces[s];
    uint64_t va = any_va(c);
    pfn_t pfns[80];
    unsigned i;

    for (i = 0; i < 80; i++)
        pfns[i] = data_frames[(op + i) % 32];
    /* Sometimes the last frame of a range is one the p2m does not have: none may be mapped. */
    if (op & 0x80)
        pfns[(n <= 80 ? n : 80) - 1] = _pfn(1024 + op);
    if (getenv("PVMMU_FUZZ_TRACE"))
        fprintf(stderr, "op %u space %u (%p) n %llu va 0x%llx lazy %u\n", op % 14, s, (void *)as,
                (unsigned long long)n, (unsigned long long)va, lazy_mmu_depth());
    switch (op % 14) {
    case 0: if (!as) spaces[s] = aspace_create(); break;
    case 1: if (as) mmu_map_range(as, va, pfns, n, _PAGE_RW | _PAGE_USER); break;
    case 2: if (as) mmu_protect_range(as, va, n, (enum mmu_prot)(next(c) % 3)); break;
    case 3: if (as) mmu_unmap_range(as, va, n); break;
    case 4: if (as) aspace_pin(as); break;
    case 5: if (as) aspace_unpin(as); break;
    case 6: aspace_switch(as ? as : aspace_kernel()); break;
    /* A destroyed space is sometimes kept and used again: every call on it must be refused. */
    case 7: if (as && !aspace_destroy(as) && next(c) % 4) spaces[s] = NULL; break;
    case 8: if (as && !spaces[(s + 1) % SPACES]) spaces[(s + 1) % SPACES] = aspace_fork(as); break;
    case 9: pin_all(); break;
    case 10: unpin_all(); break;
    case 11: lazy_mmu_enter(); break;
    case 12: lazy_mmu_leave(); break;
    case 13: /* a table entry cleared at its level; sometimes with the wrong level's function */
        if (as) {
            static int (*const set_level[])(struct aspace *, mpte_t *, pte_t) = {
                set_pte, set_pte, set_pmd, set_pud, set_pgd,
            };
            unsigned level = 1 + next(c) % 4, wrong = next(c) % 8 == 0;
            mpte_t *e = entry_slot(as, va, (int)level);

            if (e && (level < 4 || !wrong))
                set_level[wrong ? 1 : level](as, e, PTE_NONE);
        }
        break;
    }
}

void fuzz_pv_backend(const uint8_t *data, size_t size)
{
    struct cursor c = { data, data + size };
    char why[256];

    memset(spaces, 0, sizeof(spaces));
    fresh_machine();
    while (c.p < c.end) {
        model_reset_counters();
        one_op(&c);
        if (!lazy_mmu_active() && mc_pending())
            mc_flush();
        if (model_last_refusal()[0]) {
            snprintf(why, sizeof(why), "the model refused a request: %s (pvmmu: %s)", model_last_refusal(),
                     pvmmu_last_error());
            fuzz_fail("pv_backend", why);
        }
        if (!model_check_invariants(why, sizeof(why)))
            fuzz_fail("pv_backend", why);
    }
    while (lazy_mmu_active())
        lazy_mmu_leave();
    pvmmu_clear_errors();
}

/*
 * Frame numbers, and why they have types.
 *
 * A PV guest lives with two numberings of the same memory:
 *
 *   pfn  pseudo-physical frame number: the guest's own, dense, 0..max_pfn-1.
 *        What the guest's allocator hands out and what it keeps in its tables'
 *        minds.
 *   mfn  machine frame number: where the frame really is.  What the hardware
 *        walks, so what page-table entries and CR3 must hold.
 *
 * The p2m maps pfn -> mfn (the guest owns it), the m2p maps mfn -> pfn (Xen owns
 * it, the guest may read it).  Mixing the two up is the commonest bug in PV MMU
 * code, and it is silent: both are just integers.  So, as Xen does in typesafe.h,
 * each is a one-member struct: passing an mfn where a pfn is expected does not
 * compile.  The structs cost nothing once optimised.
 */
#ifndef PVMMU_FRAME_H
#define PVMMU_FRAME_H

#include <stdbool.h>
#include <stdint.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)

typedef struct { uint64_t pfn; } pfn_t;
typedef struct { uint64_t mfn; } mfn_t;

static inline pfn_t _pfn(uint64_t n) { return (pfn_t){ n }; }
static inline mfn_t _mfn(uint64_t n) { return (mfn_t){ n }; }
static inline uint64_t pfn_x(pfn_t p) { return p.pfn; }
static inline uint64_t mfn_x(mfn_t m) { return m.mfn; }

/* Xen's own "no frame here" value (~0UL in its m2p and in our p2m). */
#define INVALID_MFN_RAW (~0ULL)
#define INVALID_PFN_RAW (~0ULL)
#define INVALID_MFN _mfn(INVALID_MFN_RAW)
#define INVALID_PFN _pfn(INVALID_PFN_RAW)

static inline bool mfn_valid_value(mfn_t m) { return m.mfn != INVALID_MFN_RAW; }
static inline bool pfn_valid_value(pfn_t p) { return p.pfn != INVALID_PFN_RAW; }
static inline bool mfn_eq(mfn_t a, mfn_t b) { return a.mfn == b.mfn; }
static inline bool pfn_eq(pfn_t a, pfn_t b) { return a.pfn == b.pfn; }

/* A machine address: an mfn shifted, plus an offset into the frame. */
static inline uint64_t mfn_to_maddr(mfn_t m) { return m.mfn << PAGE_SHIFT; }
static inline mfn_t maddr_to_mfn(uint64_t ma) { return _mfn(ma >> PAGE_SHIFT); }

#endif

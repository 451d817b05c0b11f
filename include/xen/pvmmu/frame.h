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

#define PVMMU_PAGE_SHIFT 12
#define PVMMU_PAGE_SIZE (1UL << PVMMU_PAGE_SHIFT)

typedef struct { uint64_t pfn; } pvmmu_pfn_t;
typedef struct { uint64_t mfn; } pvmmu_mfn_t;

static inline pvmmu_pfn_t pvmmu_pfn(uint64_t n) { return (pvmmu_pfn_t){ n }; }
static inline pvmmu_mfn_t pvmmu_mfn(uint64_t n) { return (pvmmu_mfn_t){ n }; }
static inline uint64_t pvmmu_pfn_x(pvmmu_pfn_t p) { return p.pfn; }
static inline uint64_t pvmmu_mfn_x(pvmmu_mfn_t m) { return m.mfn; }

/* Xen's own "no frame here" value (~0UL in its m2p and in our p2m). */
#define PVMMU_INVALID_MFN_RAW (~0ULL)
#define PVMMU_INVALID_PFN_RAW (~0ULL)
#define PVMMU_INVALID_MFN pvmmu_mfn(PVMMU_INVALID_MFN_RAW)
#define PVMMU_INVALID_PFN pvmmu_pfn(PVMMU_INVALID_PFN_RAW)

static inline bool pvmmu_mfn_valid_value(pvmmu_mfn_t m) { return m.mfn != PVMMU_INVALID_MFN_RAW; }
static inline bool pvmmu_pfn_valid_value(pvmmu_pfn_t p) { return p.pfn != PVMMU_INVALID_PFN_RAW; }
static inline bool pvmmu_mfn_eq(pvmmu_mfn_t a, pvmmu_mfn_t b) { return a.mfn == b.mfn; }
static inline bool pvmmu_pfn_eq(pvmmu_pfn_t a, pvmmu_pfn_t b) { return a.pfn == b.pfn; }

/* A machine address: an mfn shifted, plus an offset into the frame. */
static inline uint64_t pvmmu_mfn_to_maddr(pvmmu_mfn_t m) { return m.mfn << PVMMU_PAGE_SHIFT; }
static inline pvmmu_mfn_t pvmmu_maddr_to_mfn(uint64_t ma) { return pvmmu_mfn(ma >> PVMMU_PAGE_SHIFT); }

#endif

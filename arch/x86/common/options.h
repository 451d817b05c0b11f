/*
 * Kernel command-line options: start_info's cmd_line, which is what xl's
 * `extra=` says (or, started by Xen directly, the rest of the module line).
 *
 * Portable on purpose (no kernel headers, no libc): the parser is fed whatever
 * a user typed, so it is built hosted too, to be fuzzed.  Options are
 * key=value words separated by spaces.  A word that is not a known key=value
 * with a good value is ignored, and `warn` is told why, in one line:
 *
 *     ignoring option 'spaces=abc': not a number
 *
 * Everything else keeps its default.
 */
#ifndef PVMMU_ARCH_OPTIONS_H
#define PVMMU_ARCH_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#define OPTIONS_SUITES_MAX 128

struct kernel_options {
    unsigned spaces;          /* address spaces in the "spaces" suite */
    unsigned pages;           /* data pages per address space */
    unsigned storm_rounds;    /* map/unmap rounds in the "unmap" suite */
    unsigned storm_pages;     /* pages per round */
    unsigned w1_iterations;   /* W1 iterations */
    unsigned w2_pages;        /* W2 pages */
    unsigned fault_around;    /* demand mode: pages mapped per fault */
    unsigned saves;           /* save/restore cycles to wait for after the suites (domU only) */
    unsigned pin_all;         /* 1: pin_all around each save; 0: the negative control (expect corruption) */
    unsigned p2m_tools;       /* OPTIONS_P2M_TOOLS_*: the p2m shape the toolstack is given */
    unsigned high_pfn;        /* saves: move one frame to this pfn first (0: none); past 2^27 needs the list */
    unsigned busy;            /* 1: MMU work goes on while the toolstack copies the guest (live migration) */
    unsigned smp_rounds;      /* smp suite: rounds of private-space work per vCPU, and of shootdown checks */
    unsigned smp_shootdown;   /* 1; 0: the smp suite's negative control (changes flush only vCPU 0) */
    char suites[OPTIONS_SUITES_MAX];   /* comma-separated suite names, or "all" */
};

/* p2m_tools=auto|list|tree: auto is the list when start_info has SIF_VIRT_P2M_4TOOLS. */
enum { OPTIONS_P2M_TOOLS_AUTO, OPTIONS_P2M_TOOLS_LIST, OPTIONS_P2M_TOOLS_TREE };

typedef void (*options_warn_fn)(const char *message, void *ctx);

/* The defaults (the same as the workloads' own), suites "all". */
void options_default(struct kernel_options *opt);

/*
 * Parse `cmdline` (at most `len` bytes, NUL-terminated or not) into *opt,
 * which holds the defaults or earlier values.  Returns how many words were
 * ignored (each one reported through warn, which may be NULL).
 */
unsigned options_parse(const char *cmdline, size_t len, struct kernel_options *opt,
                       options_warn_fn warn, void *ctx);

/* The names of the known options, in table order (NULL past the last). */
const char *options_name(unsigned i);

/* options_wl.c: the sizes and counts, as the workloads take them. */
struct wl_options;
void options_to_workloads(const struct kernel_options *opt, struct wl_options *wl);

#endif

/*A:630 The command line's sizes and counts, handed to the workloads.  Its own file,
 * shared by the PV kernel and the bare-metal one, so that an option added to
 * options.c reaches the workloads on both the same way; options.c itself stays
 * free of any other header (the fuzzer links it alone). :*/
#include "workloads/workloads.h"
#include "options.h"

void options_to_workloads(const struct kernel_options *opt, struct wl_options *wl)
{
    wl_default_options(wl);
    wl->spaces = opt->spaces;
    wl->pages = opt->pages;
    wl->storm_rounds = opt->storm_rounds;
    wl->storm_pages = opt->storm_pages;
    wl->w1_iterations = opt->w1_iterations;
    wl->w2_pages = opt->w2_pages;
    wl->fault_around = opt->fault_around;
}

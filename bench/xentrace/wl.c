/* Workload for Linux PV domU hypercall measurement: Linux's side of W1/W2
 * (pvmmu's is workloads/w1w2.c).  Taken as is from ../shared/xen-trace/wl.c,
 * the lab whose Linux figures the issue quotes, so that both measure the same.
 * Phase markers: sched_op(cmd=0x7e00|id) issued via /dev/xen/privcmd
 * (unknown sched_op cmd -> -ENOSYS, harmless; Xen records cmd in the
 * TRC_PV_HYPERCALL_V2 record, so markers delimit phases exactly in the trace). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <sys/ioctl.h>
#include <sys/resource.h>

struct privcmd_hypercall { uint64_t op; uint64_t arg[5]; };
#define IOCTL_PRIVCMD_HYPERCALL _IOC(_IOC_NONE, 'P', 0, sizeof(struct privcmd_hypercall))
#define HYP_sched_op 29

#define POPULATE 0x80   /* marker offset of the MAP_POPULATE run (entries.py: W1_populate, ...) */

static int pfd = -1;
static unsigned offset;  /* 0, or POPULATE */
static double t0;
static double now(void) { struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts); return ts.tv_sec + ts.tv_nsec / 1e9; }
/* markers are recorded in memory and printed only at the end, so that no
 * console output (hypercalls of its own) falls inside a measured phase */
static struct { unsigned id; const char *name; double t; long r; } mk[64];
static int nmk;
static void mark(unsigned id, const char *name)
{
    struct privcmd_hypercall h;
    if (id >= 0x11 && id < 0x7f)          /* the workload phases: this run's block */
        id += offset;
    h = (struct privcmd_hypercall){ HYP_sched_op, { 0x7e00 | id, 0, 0, 0, 0 } };
    long r = -999;
    if (pfd >= 0) r = ioctl(pfd, IOCTL_PRIVCMD_HYPERCALL, &h);
    mk[nmk].id = 0x7e00 | id; mk[nmk].name = name; mk[nmk].t = now(); mk[nmk].r = r; nmk++;
}
static void dump(void)
{
    for (int i = 0; i < nmk; i++)
        printf("@@WL mark 0x%x %-12s t=%.6f phase_to_next=%.6f s (hcall ret %ld)\n", mk[i].id, mk[i].name,
               mk[i].t - t0, i + 1 < nmk ? mk[i + 1].t - mk[i].t : 0.0, mk[i].r);
    fflush(stdout);
}

/* The work done, per workload, counted in main(); printed by dump_work after the run. */
static struct { long forks, mmapped, touched, munmapped, faults; } w1;
static struct { long mmapped, touched, mprot_ro, mprot_rw, retouched, munmapped, faults; } w2;
/* Minor faults so far: the pages the kernel mapped one at a time (on demand, one per
 * trapped fault; MAP_POPULATE faults them in too, without a trap, and counts them).  Read
 * only outside the measured phases, before a workload's first marker and after its
 * last, so that the reading adds no entry to any phase. */
static long minflt(int who) { struct rusage r; return getrusage(who, &r) ? -1 : r.ru_minflt; }
static void dump_work(const char *suffix)
{
    printf("@@WL work w1%s spaces=%ld mmapped=%ld touched=%ld munmapped=%ld faulted_in=%ld\n", suffix, w1.forks,
           w1.mmapped, w1.touched, w1.munmapped, w1.faults);
    printf("@@WL work w2%s spaces=1 mmapped=%ld touched=%ld protected_ro=%ld protected_rw=%ld retouched=%ld "
           "munmapped=%ld faulted_in=%ld\n", suffix, w2.mmapped, w2.touched, w2.mprot_ro, w2.mprot_rw, w2.retouched,
           w2.munmapped, w2.faults);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    int idle_s = argc > 1 ? atoi(argv[1]) : 5;
    int nfork = argc > 2 ? atoi(argv[2]) : 100;
    int populate = argc > 3 && !strcmp(argv[3], "populate");
    int flags = MAP_PRIVATE | MAP_ANONYMOUS | (populate ? MAP_POPULATE : 0);
    size_t w1sz = 4UL << 20, w2sz = 64UL << 20, pg = 4096;
    long w1pages = w1sz / pg, w2pages = w2sz / pg;
    offset = populate ? POPULATE : 0;
    pfd = open("/dev/xen/privcmd", O_RDWR);
    if (pfd < 0) perror("open /dev/xen/privcmd (markers disabled)");
    t0 = now();
    mark(0x00, "BEGIN");
    mark(0x01, "IDLE_START");
    sleep(idle_s);
    mark(0x02, "IDLE_END");
    mark(0x03, "NULL_A");          /* two back-to-back markers: marker overhead */
    mark(0x04, "NULL_B");

    long faults = minflt(RUSAGE_CHILDREN);
    mark(0x11, "W1_START");
    for (int i = 0; i < nfork; i++) {
        pid_t p = fork();
        if (p < 0) { perror("fork"); exit(1); }
        if (p == 0) {
            /* Its work is reported by its exit status (no output, no shared page to
             * fault on inside the phase): 0 = mmapped, touched every page, munmapped. */
            volatile char *m = mmap(NULL, w1sz, PROT_READ | PROT_WRITE, flags, -1, 0);
            if (m == MAP_FAILED) _exit(2);
            for (size_t o = 0; o < w1sz; o += pg) m[o] = 1;
            if (munmap((void *)m, w1sz)) _exit(3);
            _exit(0);
        }
        int st;
        waitpid(p, &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st)) { fprintf(stderr, "child failed %d\n", st); continue; }
        w1.forks++, w1.mmapped += w1pages, w1.touched += w1pages, w1.munmapped += w1pages;
    }
    mark(0x12, "W1_END");
    w1.faults = minflt(RUSAGE_CHILDREN) - faults;   /* the children's, every one waited for */

    faults = minflt(RUSAGE_SELF);
    mark(0x21, "W2_MMAP");
    volatile char *m = mmap(NULL, w2sz, PROT_READ | PROT_WRITE, flags, -1, 0);
    if (m == MAP_FAILED) { perror("mmap"); exit(1); }
    w2.mmapped = w2pages;
    mark(0x22, "W2_TOUCH");
    long n = 0;                   /* a register, not memory: no fault of its own */
    for (size_t o = 0; o < w2sz; o += pg) m[o] = 1, n++;
    w2.touched = n;
    mark(0x23, "W2_MPROT_RO");
    if (mprotect((void *)m, w2sz, PROT_READ)) perror("mprotect ro"); else w2.mprot_ro = w2pages;
    mark(0x24, "W2_MPROT_RW");
    if (mprotect((void *)m, w2sz, PROT_READ | PROT_WRITE)) perror("mprotect rw"); else w2.mprot_rw = w2pages;
    mark(0x25, "W2_RETOUCH");
    n = 0;
    for (size_t o = 0; o < w2sz; o += pg) m[o] = 2, n++;
    w2.retouched = n;
    mark(0x26, "W2_MUNMAP");
    if (munmap((void *)m, w2sz)) perror("munmap"); else w2.munmapped = w2pages;
    mark(0x27, "W2_END");
    w2.faults = minflt(RUSAGE_SELF) - faults;       /* all of W2's phases */
    mark(0x7f, "DONE");
    dump();
    dump_work(populate ? "_populate" : "");
    return 0;
}

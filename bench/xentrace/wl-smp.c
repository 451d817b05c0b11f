/* wl-smp: Linux's side of W3, the SMP TLB-shootdown comparison (pvmmu's side is
 * its kernel suite `w3`).  Its own file: wl.c is the lab's, taken as is.
 *
 * The W3 spec (both sides implement exactly this):
 * - The domain has 4 vCPUs, all pinned to pCPU 1 (cpus = "1"), tsc_mode native, 256 MiB.
 * - The region: 16 pages (64 KiB) of user RW anonymous memory at a fixed address inside a
 *   2 MiB-aligned reserved area (AREA, one PTE page's span), whose FIRST page is an
 *   "anchor" mapping that stays mapped and touched the whole time, so that the page table
 *   covering the region is never freed by munmap (pvmmu keeps its L1 too: same work).
 *   The region is the 16 pages right after the anchor (MAP_FIXED).
 * - Markers, sched_op(cmd = 0x7e00 | id) through privcmd as wl.c's (and without wl.c's
 *   POPULATE offset):
 *     0xb1 W3_MPROT,  0xb2 W3_MUNMAP    shared: the space loaded on all 4 vCPUs
 *     0xb3 W3P_MPROT, 0xb4 W3P_MUNMAP   private: the space loaded only on the shooter's vCPU
 *     0xb5 W3X_MPROT, 0xb6 W3X_MUNMAP   exited: the other threads touched the region, then exited
 *     (0xb7, 0xb8: W3U, pvmmu's alone: a space no vCPU has loaded; a process cannot munmap another's)
 *     0xbf W3_GAP                       ends a measured phase (not a phase: nothing counted)
 *     0xb0 W3_BEGIN, 0xbe W3_END        start and end of the whole workload (not phases)
 *   Each measured phase is exactly: marker(phase); ONE syscall by the shooter
 *   (mprotect(region, 16 pages, PROT_READ) or munmap(region, 16 pages)); marker(0xbf).
 *   Everything else is outside the phases.
 * - R rounds of each variant (R = argv[1], default 32), in this order: private, shared, exited.
 *   Per round:
 *   * private: in a child process (forked after the parent pinned itself to CPU 0, so that its
 *     mm was never on another CPU; single-threaded, pinned to CPU 0): mmap the region
 *     MAP_FIXED RW, the shooter writes one word in every page; W3P_MPROT phase; the shooter
 *     reads every page; W3P_MUNMAP phase.
 *   * shared: this process with 3 more threads pinned to CPUs 1, 2, 3 (created once, before
 *     the shared rounds) + the shooter (main thread, CPU 0): mmap the region MAP_FIXED RW;
 *     each of the 4 threads writes one word in every page (so every vCPU's TLB holds them);
 *     barrier; W3_MPROT phase; the 3 others read every page; barrier; W3_MUNMAP phase;
 *     barrier.
 *   * exited: per round, 3 threads pinned to CPUs 1..3 are created, write every page and
 *     exit; the shooter pthread_joins them; then the W3X_MPROT phase, the shooter reads
 *     every page, the W3X_MUNMAP phase.  (Linux keeps those idle CPUs in mm_cpumask, lazily;
 *     Xen PV's xen_flush_tlb_multi flushes them anyway.)
 * - Afterwards, outside every phase, one line per variant with the work by its own counters:
 *   `@@WL work w3 vcpus=4 rounds=R protected=P munmapped=U touched=T` (P, U in pages: 16 per
 *   round each; T = pages written by all threads), then w3p (vcpus=1) and w3x (vcpus=4),
 *   where vcpus is how many vCPUs touched the region in that variant; and the `@@WL mark`
 *   lines as wl.c's (markers kept in memory, printed at the end).  Every syscall is checked;
 *   an error is printed by name with errno and ends the run with status 1.
 *
 * What can fall inside a phase besides the shooter's syscall and Xen's work for it: the
 * waiting threads SPIN in user space on a shared atomic (no syscall, no futex, no
 * sched_yield inside or around the phases), so the only entries the other vCPUs make in a
 * phase are those the kernel makes for them anyway: timer ticks (the tick's timer
 * hypercall and the iret back to the spinning thread).  The 4 vCPUs share one pCPU, so a
 * spinning vCPU burns its time slice until Xen preempts it; a phase may last a time slice
 * or more, and catch a tick of another vCPU.  Markers are timed with RDTSC (tsc_mode
 * native: not trapped), not clock_gettime, so that no timing adds an entry; and a forked
 * child first touches everything a phase uses (text, stack, errno, the shared marker
 * log), so that no fault of fork's copy-on-write or of a not-yet-mapped text page lands
 * inside a phase.  Where each thread ran is checked with sched_getcpu() outside the phases
 * and printed (`@@WL placement`). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <x86intrin.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

struct privcmd_hypercall { uint64_t op; uint64_t arg[5]; };
#define IOCTL_PRIVCMD_HYPERCALL _IOC(_IOC_NONE, 'P', 0, sizeof(struct privcmd_hypercall))
#define HYP_sched_op 29

enum { W3_BEGIN = 0xb0, W3_MPROT = 0xb1, W3_MUNMAP = 0xb2, W3P_MPROT = 0xb3, W3P_MUNMAP = 0xb4,
       W3X_MPROT = 0xb5, W3X_MUNMAP = 0xb6, W3_END = 0xbe, W3_GAP = 0xbf };

#define PG 4096UL
#define NPAGES 16
#define REGION_SZ (NPAGES * PG)
#define NCPUS 4                                  /* the shooter on CPU 0, the others on 1..3 */
#define AREA_SZ (2UL << 20)                      /* one PTE page's span */
#define AREA ((char *)0x200000000UL)             /* 8 GiB: 2 MiB-aligned, far from mmap(NULL)'s */
#define ANCHOR AREA
#define REGION (AREA + PG)

static void die(const char *what)
{
    fprintf(stderr, "wl-smp: %s: %s (errno %d)\n", what, strerror(errno), errno);
    fflush(stderr);
    _exit(1);
}
static void die_rc(const char *what, int rc)   /* the pthread calls return their error */
{
    errno = rc;
    die(what);
}

/* What the threads and the private children share: the marker log and the work counters.
 * MAP_SHARED, so that a child's markers and counters reach the parent. */
struct mk { unsigned id; const char *name; uint64_t tsc; long r; int err; };
/* cpus_touched: the CPUs the threads that touched the region were seen on (sched_getcpu);
 * checks, off_cpu: how many times a thread looked, and found itself off its pinned CPU. */
struct work { long rounds, protected, munmapped, touched, checks, off_cpu; unsigned cpus_touched; };
struct shared {
    int nmk, maxmk;
    struct work w3, w3p, w3x;
    struct mk mk[];
};
static struct shared *sh;
static size_t sh_size;
static int pfd = -1;

/* The marker: its record is written after the hypercall, into memory already touched. */
static void mark(unsigned id, const char *name)
{
    struct privcmd_hypercall h = { HYP_sched_op, { 0x7e00 | id, 0, 0, 0, 0 } };
    long r = ioctl(pfd, IOCTL_PRIVCMD_HYPERCALL, &h);
    int err = errno;
    if (sh->nmk < sh->maxmk)
        sh->mk[sh->nmk] = (struct mk){ 0x7e00 | id, name, __rdtsc(), r, err };
    sh->nmk++;
}

/* Where a thread that touched the region ran, checked right after, outside the phases: a
 * thread off its CPU would make the variant something else than its name says. */
static void placed(struct work *w, int want)
{
    int cpu = sched_getcpu();
    if (cpu < 0)
        die("sched_getcpu");
    __atomic_fetch_or(&w->cpus_touched, 1u << cpu, __ATOMIC_RELAXED);
    __atomic_fetch_add(&w->checks, 1, __ATOMIC_RELAXED);
    if (cpu != want) {
        __atomic_fetch_add(&w->off_cpu, 1, __ATOMIC_RELAXED);
        fprintf(stderr, "wl-smp: a thread pinned to CPU %d runs on CPU %d\n", want, cpu);
    }
}

static void pin_self(int cpu)
{
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(cpu, &s);
    if (sched_setaffinity(0, sizeof s, &s))
        die("sched_setaffinity");
}

static long write_pages(void) { long n = 0; for (unsigned i = 0; i < NPAGES; i++) ((volatile long *)(REGION + i * PG))[0] = 1, n++; return n; }
static void read_pages(void) { for (unsigned i = 0; i < NPAGES; i++) (void)((volatile long *)(REGION + i * PG))[0]; }

static void map_region(void)
{
    if (mmap(REGION, REGION_SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
        die("mmap region");
    ((volatile long *)ANCHOR)[0]++;               /* the anchor: touched the whole time */
}

/* The measured phases: marker, one syscall, W3_GAP.  The error check is a compare; its
 * message, if any, comes after the closing marker. */
static void phase_mprotect(unsigned id, const char *name)
{
    mark(id, name);
    int rc = mprotect(REGION, REGION_SZ, PROT_READ);
    mark(W3_GAP, "W3_GAP");
    if (rc)
        die("mprotect region");
}
static void phase_munmap(unsigned id, const char *name)
{
    mark(id, name);
    int rc = munmap(REGION, REGION_SZ);
    mark(W3_GAP, "W3_GAP");
    if (rc)
        die("munmap region");
}

/* Everything a phase touches, touched now: the whole text (fork copies no page-table entry
 * of a file mapping, so a child would fault in each code page on first use), a stack
 * depth well beyond a phase's, errno (the marker's -ENOSYS writes it: copy-on-write after
 * fork), the shared log and counters; with the text, the binary's read-only data, data and bss.  Outside the phases, in the parent and in each child. */
extern char __executable_start[], end[];
static void __attribute__((noinline)) warm(void)
{
    volatile char stack[16384];
    for (size_t o = 0; o < sizeof stack; o += PG)
        stack[o] = 0;
    for (char *p = (char *)((uintptr_t)__executable_start & ~(PG - 1)); p < end; p += PG)
        (void)*(volatile char *)p;
    for (size_t o = 0; o < sh_size; o += PG)
        ((volatile char *)sh)[o] = ((volatile char *)sh)[o];
    errno = 0;
    if (ioctl(pfd, 0, NULL) != -1)               /* no such command: fails, writes errno */
        die("ioctl(privcmd, 0) succeeded");
    errno = 0;
}

/* A spinning barrier: no syscall, so a waiting thread adds no entry of its own. */
static struct { int count, gen; } bar;
static void barrier(void)
{
    int g = __atomic_load_n(&bar.gen, __ATOMIC_ACQUIRE);
    if (__atomic_add_fetch(&bar.count, 1, __ATOMIC_ACQ_REL) == NCPUS) {
        __atomic_store_n(&bar.count, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&bar.gen, g + 1, __ATOMIC_RELEASE);
    } else {
        while (__atomic_load_n(&bar.gen, __ATOMIC_ACQUIRE) == g)
            _mm_pause();
    }
}

static int rounds;
static int shared_quit;

/* One of the 3 other threads of the shared variant: slot = its CPU. */
static void *shared_thread(void *arg)
{
    int slot = (int)(intptr_t)arg;
    for (;;) {
        barrier();                                        /* B1: region mapped (or quit) */
        if (__atomic_load_n(&shared_quit, __ATOMIC_ACQUIRE))
            return NULL;
        __atomic_fetch_add(&sh->w3.touched, write_pages(), __ATOMIC_RELAXED);
        placed(&sh->w3, slot);
        barrier();                                        /* B2: all wrote -> W3_MPROT */
        barrier();                                        /* B3: W3_MPROT done */
        read_pages();
        barrier();                                        /* B4: all read -> W3_MUNMAP */
    }
}

/* One of the 3 threads of an exited round: writes every page, then exits. */
static void *exited_thread(void *arg)
{
    int slot = (int)(intptr_t)arg;
    __atomic_fetch_add(&sh->w3x.touched, write_pages(), __ATOMIC_RELAXED);
    placed(&sh->w3x, slot);
    return NULL;
}

static void spawn(pthread_t *t, int cpu, void *(*fn)(void *))
{
    pthread_attr_t a;
    cpu_set_t s;
    int rc;
    CPU_ZERO(&s);
    CPU_SET(cpu, &s);
    if ((rc = pthread_attr_init(&a)))
        die_rc("pthread_attr_init", rc);
    /* Pinned from its first instruction: it never runs on the shooter's CPU. */
    if ((rc = pthread_attr_setaffinity_np(&a, sizeof s, &s)))
        die_rc("pthread_attr_setaffinity_np", rc);
    if ((rc = pthread_create(t, &a, fn, (void *)(intptr_t)cpu)))
        die_rc("pthread_create", rc);
    pthread_attr_destroy(&a);
}

static void join(pthread_t t)
{
    int rc = pthread_join(t, NULL);
    if (rc)
        die_rc("pthread_join", rc);
}

static void private_round(void)
{
    pid_t p = fork();
    if (p < 0)
        die("fork");
    if (p == 0) {
        warm();
        map_region();
        long n = write_pages();
        placed(&sh->w3p, 0);
        phase_mprotect(W3P_MPROT, "W3P_MPROT");
        read_pages();
        phase_munmap(W3P_MUNMAP, "W3P_MUNMAP");
        sh->w3p.rounds++, sh->w3p.touched += n, sh->w3p.protected += NPAGES, sh->w3p.munmapped += NPAGES;
        fflush(NULL);
        _exit(0);
    }
    int st;
    if (waitpid(p, &st, 0) != p)
        die("waitpid");
    if (!WIFEXITED(st) || WEXITSTATUS(st)) {
        fprintf(stderr, "wl-smp: private round's child failed (status 0x%x)\n", st);
        exit(1);
    }
}

static void shared_round(void)
{
    map_region();
    barrier();                                            /* B1: the others may write */
    __atomic_fetch_add(&sh->w3.touched, write_pages(), __ATOMIC_RELAXED);
    placed(&sh->w3, 0);
    barrier();                                            /* B2: every TLB holds them */
    phase_mprotect(W3_MPROT, "W3_MPROT");
    barrier();                                            /* B3 */
    barrier();                                            /* B4: the others read them */
    phase_munmap(W3_MUNMAP, "W3_MUNMAP");
    sh->w3.rounds++, sh->w3.protected += NPAGES, sh->w3.munmapped += NPAGES;
}

static void exited_round(void)
{
    pthread_t t[NCPUS];
    map_region();
    for (int c = 1; c < NCPUS; c++)
        spawn(&t[c], c, exited_thread);
    for (int c = 1; c < NCPUS; c++)
        join(t[c]);
    /* pthread_join returns once the kernel has cleared the thread's tid, in the middle of
     * its exit; the rest of that exit, its vCPU going idle and the RCU callbacks that free
     * the task later would land in the phase.  Sleep so that most are over first (outside
     * the phase, as the sleep's own entries); 20 ms left them in a third of the rounds. */
    struct timespec settle = { 0, 100 * 1000 * 1000 };
    if (nanosleep(&settle, NULL))
        die("nanosleep");
    phase_mprotect(W3X_MPROT, "W3X_MPROT");
    read_pages();
    placed(&sh->w3x, 0);
    phase_munmap(W3X_MUNMAP, "W3X_MUNMAP");
    sh->w3x.rounds++, sh->w3x.protected += NPAGES, sh->w3x.munmapped += NPAGES;
}

static double now(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts))
        die("clock_gettime");
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void print_work(const char *name, const struct work *w)
{
    printf("@@WL work %s vcpus=%d rounds=%ld protected=%ld munmapped=%ld touched=%ld\n", name,
           __builtin_popcount(w->cpus_touched), w->rounds, w->protected, w->munmapped, w->touched);
}
static int print_placement(const char *name, const struct work *w)
{
    printf("@@WL placement %s cpus=", name);
    for (int c = 0, first = 1; c < 32; c++)
        if (w->cpus_touched & 1u << c)
            printf(first ? "%d" : ",%d", c), first = 0;
    printf(" checks=%ld off_their_cpu=%ld\n", w->checks, w->off_cpu);
    return w->off_cpu != 0;
}

int main(int argc, char **argv)
{
    rounds = argc > 1 ? atoi(argv[1]) : 32;
    if (rounds <= 0) {
        fprintf(stderr, "usage: wl-smp [ROUNDS]\n");
        return 1;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (ncpu < NCPUS) {
        fprintf(stderr, "wl-smp: %ld CPUs online, W3 needs %d\n", ncpu, NCPUS);
        return 1;
    }
    pfd = open("/dev/xen/privcmd", O_RDWR);
    if (pfd < 0)
        die("open /dev/xen/privcmd");
    int maxmk = 12 * rounds + 8;       /* 4 per round and variant, BEGIN, END */
    sh_size = (sizeof *sh + maxmk * sizeof sh->mk[0] + PG - 1) & ~(PG - 1);
    sh = mmap(NULL, sh_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED)
        die("mmap shared log");
    sh->maxmk = maxmk;
    /* The reserved area, then its anchor page; the region is mapped over the reservation
     * (and into the hole munmap leaves) each round. */
    if (mmap(AREA, AREA_SZ, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE, -1, 0) != AREA)
        die("mmap reserved area");
    if (mmap(ANCHOR, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != ANCHOR)
        die("mmap anchor");
    ((volatile long *)ANCHOR)[0] = 1;
    pin_self(0);
    warm();
    /* Warm the syscall wrappers a phase runs too (mprotect, munmap): no-ops on the anchor and
     * on the empty region. */
    if (mprotect(ANCHOR, PG, PROT_READ | PROT_WRITE))
        die("mprotect anchor");
    if (munmap(REGION, REGION_SZ))
        die("munmap empty region");

    double t0 = now();
    uint64_t tsc0 = __rdtsc();
    mark(W3_BEGIN, "W3_BEGIN");
    for (int r = 0; r < rounds; r++)
        private_round();

    pthread_t t[NCPUS];
    for (int c = 1; c < NCPUS; c++)
        spawn(&t[c], c, shared_thread);
    for (int r = 0; r < rounds; r++)
        shared_round();
    __atomic_store_n(&shared_quit, 1, __ATOMIC_RELEASE);
    barrier();                                            /* B1 of no round: they return */
    for (int c = 1; c < NCPUS; c++)
        join(t[c]);

    for (int r = 0; r < rounds; r++)
        exited_round();
    mark(W3_END, "W3_END");
    double secs = now() - t0;
    double hz = (__rdtsc() - tsc0) / secs;

    int bad = 0;
    if (sh->nmk > sh->maxmk) {
        fprintf(stderr, "wl-smp: %d markers, room for %d\n", sh->nmk, sh->maxmk);
        bad = 1;
    }
    for (int i = 0; i < sh->nmk && i < sh->maxmk; i++) {
        struct mk *m = &sh->mk[i];
        printf("@@WL mark 0x%x %-12s t=%.6f phase_to_next=%.6f s (hcall ret %ld)\n", m->id, m->name,
               (m->tsc - tsc0) / hz, i + 1 < sh->nmk ? (sh->mk[i + 1].tsc - m->tsc) / hz : 0.0,
               m->r < 0 ? -(long)m->err : m->r);
        /* Xen answers an unknown sched_op with -ENOSYS; anything else and the marker was
         * not the hypercall the trace is cut by. */
        if (m->r != -1 || m->err != ENOSYS) {
            fprintf(stderr, "wl-smp: marker 0x%x: ioctl returned %ld (errno %d), not -ENOSYS\n", m->id, m->r, m->err);
            bad = 1;
        }
    }
    print_work("w3", &sh->w3);
    print_work("w3p", &sh->w3p);
    print_work("w3x", &sh->w3x);
    /* Where the threads that touched the region ran (sched_getcpu, after each touch). */
    bad |= print_placement("w3", &sh->w3);
    bad |= print_placement("w3p", &sh->w3p);
    bad |= print_placement("w3x", &sh->w3x);
    printf("@@WL w3 rounds=%d markers=%d wall=%.3f s tsc=%.0f Hz\n", rounds, sh->nmk, secs, hz);
    return bad;
}

/*
 * migtap REPORT: copy stdin to stdout unchanged (a live migration's stream, on its way
 * from `xl migrate` to `xl migrate-receive`) and write what the stream showed to REPORT:
 *
 *   migtap: rounds R, pages P (with data D), last round L, bytes B; per round: N1 N2 ...
 *
 * dom0-init runs it as the receiving command's first stage:
 *   xl migrate -s "" NAME "migtap /tmp/NAME.tap | xl migrate-receive"
 * The copy comes first: a stream the parser cannot follow is still copied whole.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include "tests/rig/migtap/stream.h"

static struct migtap tap;

static int write_all(const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(1, p, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void report(const char *path, const char *copy_error)
{
    FILE *f = fopen(path, "w");
    unsigned r;

    if (!f)
        return;
    fprintf(f, "migtap: rounds %u, pages %llu (with data %llu), last round %llu, bytes %llu", tap.rounds,
            (unsigned long long)tap.pages, (unsigned long long)tap.data_pages,
            (unsigned long long)(tap.rounds ? tap.round_pages[(tap.rounds < MIGTAP_MAX_ROUNDS ? tap.rounds
                                                                : MIGTAP_MAX_ROUNDS) - 1] : 0),
            (unsigned long long)tap.bytes);
    fprintf(f, "; per round:");
    for (r = 0; r < tap.rounds && r < MIGTAP_MAX_ROUNDS; r++)
        fprintf(f, " %llu", (unsigned long long)tap.round_pages[r]);
    if (tap.state == MT_BROKEN)
        fprintf(f, "; parse stopped: %s", tap.why);
    else if (tap.state != MT_DONE)
        fprintf(f, "; the stream ended before its END record");
    if (copy_error)
        fprintf(f, "; %s", copy_error);
    fprintf(f, "\n");
    fclose(f);
}

int main(int argc, char **argv)
{
    static uint8_t chunk[65536];
    const char *error = NULL;
    int reported = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: migtap REPORT < stream > stream\n");
        return 2;
    }
    migtap_init(&tap);
    for (;;) {
        ssize_t n = read(0, chunk, sizeof(chunk));

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            error = "reading the stream failed";
        if (n <= 0)
            break;
        if (write_all(chunk, (size_t)n)) {
            error = "writing the stream on failed";
            break;
        }
        migtap_feed(&tap, chunk, (size_t)n);
        /* The receiver answers once the stream's END is in: the report must be there by then. */
        if (!reported && tap.state == MT_DONE) {
            report(argv[1], NULL);
            reported = 1;
        }
    }
    if (!reported || error)
        report(argv[1], error);
    return error ? 1 : 0;
}

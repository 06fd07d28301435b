/*
 * progress.c - says how far a long copy has got.
 *
 * The crash kernel's console is often a slow serial line read by a person
 * waiting for the machine to come back, so a plain line every few seconds
 * (done, total, rate, time left) says enough without flooding it.
 */
#include <stdio.h>
#include <time.h>

#include "progress.h"

enum { REPORT_EVERY_SECONDS = 3 };

double monotonic_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_start(struct progress_state *p, const char *what)
{
    p->what = what;
    p->started = p->last = monotonic_seconds();
}

void progress_print(void *ctx, const struct lb_progress *progress)
{
    struct progress_state *p = ctx;
    double now = monotonic_seconds(), elapsed = now - p->started;
    int done = progress->bytes_done >= progress->bytes_total;
    double mib = (double)progress->bytes_done / (1 << 20);
    double total = (double)progress->bytes_total / (1 << 20);
    double rate = elapsed > 0 ? mib / elapsed : 0;

    if (!done && now - p->last < REPORT_EVERY_SECONDS)
        return;
    p->last = now;
    if (done)
        fprintf(stderr, "lifeboat: %s: %.0f MiB in %.1f s (%.0f MiB/s)\n", p->what, mib, elapsed,
                rate);
    else
        fprintf(stderr, "lifeboat: %s: %.0f of %.0f MiB (%.0f%%), %.0f MiB/s, %.0f s left\n",
                p->what, mib, total, total > 0 ? 100 * mib / total : 0, rate,
                rate > 0 ? (total - mib) / rate : 0);
}

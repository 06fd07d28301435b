/*
 * progress.c - says how far a long copy has got.
 *
 * On a terminal: one line redrawn in place, with a bar, the rate and the time
 * left.  Elsewhere - the crash kernel's console is often a slow serial line
 * read by a person waiting for the machine to come back, or a log - a plain
 * line every few seconds says enough without flooding it.
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "render/progress.h"

enum { REPORT_EVERY_SECONDS = 3, BAR = 30 };

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
    p->tty = isatty(STDERR_FILENO);
}

static void draw_bar(const struct progress_state *p, double frac, double mib, double total,
                     double rate, double left, int done)
{
    char bar[BAR + 1];
    int filled = (int)(frac * BAR);

    for (int i = 0; i < BAR; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[BAR] = '\0';
    fprintf(stderr, "\r%s [%s] %3.0f%% %.0f/%.0f MiB %.0f MiB/s %s%.0f s ", p->what, bar,
            100 * frac, mib, total, rate, done ? "in " : "ETA ",
            done ? monotonic_seconds() - p->started : left);
    if (done)
        fputc('\n', stderr);
}

void progress_print(void *ctx, const struct lb_progress *progress)
{
    struct progress_state *p = ctx;
    double now = monotonic_seconds(), elapsed = now - p->started;
    int done = progress->bytes_done >= progress->bytes_total;
    double mib = (double)progress->bytes_done / (1 << 20);
    double total = (double)progress->bytes_total / (1 << 20);
    double rate = elapsed > 0 ? mib / elapsed : 0;
    double frac = total > 0 ? mib / total : 1;
    double left = rate > 0 ? (total - mib) / rate : 0;

    if (!done && now - p->last < (p->tty ? 0.2 : REPORT_EVERY_SECONDS))
        return;
    p->last = now;
    if (p->tty)
        draw_bar(p, frac > 1 ? 1 : frac, mib, total, rate, left, done);
    else if (done)
        fprintf(stderr, "lifeboat: %s: %.0f MiB in %.1f s (%.0f MiB/s)\n", p->what, mib, elapsed,
                rate);
    else
        fprintf(stderr, "lifeboat: %s: %.0f of %.0f MiB (%.0f%%), %.0f MiB/s, %.0f s left\n",
                p->what, mib, total, 100 * frac, rate, left);
}

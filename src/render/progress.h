/*
 * progress.h - progress lines for long copies, on a terminal or a console.
 */
#ifndef LIFEBOAT_PROGRESS_H
#define LIFEBOAT_PROGRESS_H

#include "lbdump.h"

struct progress_state {
    const char *what;
    double started;
    double last;
    int tty; /* stderr is a terminal: redraw one line */
};

double monotonic_seconds(void);
void progress_start(struct progress_state *p, const char *what);
/* An lb_progress_fn: one line on stderr every few seconds, and one at the end. */
void progress_print(void *ctx, const struct lb_progress *progress);

#endif

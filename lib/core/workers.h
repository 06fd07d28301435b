/*
 * workers.h - a fixed team of threads that splits a loop among itself.
 */
#ifndef LBDUMP_WORKERS_H
#define LBDUMP_WORKERS_H

#include <stddef.h>

struct lb_workers;

typedef void (*lb_work_fn)(void *ctx, int worker, size_t index);

/* Starts n - 1 threads (the caller is worker 0), or as many as will start (lb_workers_count);
 * NULL without memory. */
struct lb_workers *lb_workers_new(int n);
void lb_workers_free(struct lb_workers *w);
/* The threads that run items, the caller's included: fewer than asked if some did not start. */
int lb_workers_count(const struct lb_workers *w);
/*
 * Calls fn(ctx, worker, i) for every i below count, spread over the team, in
 * two halves so the caller can work in between: start hands the items to the
 * other workers and returns; finish takes what is left as worker 0 and
 * returns when every item is done.  One run at a time.
 */
void lb_workers_start(struct lb_workers *w, size_t count, lb_work_fn fn, void *ctx);
void lb_workers_finish(struct lb_workers *w);

#endif

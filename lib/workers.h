/*
 * workers.h - a fixed team of threads that splits a loop among itself.
 */
#ifndef LBDUMP_WORKERS_H
#define LBDUMP_WORKERS_H

#include <stddef.h>

struct lb_workers;

typedef void (*lb_work_fn)(void *ctx, int worker, size_t index);

/* Starts n - 1 threads (the caller is worker 0); NULL if they cannot be started. */
struct lb_workers *lb_workers_new(int n);
void lb_workers_free(struct lb_workers *w);
/* Calls fn(ctx, worker, i) for every i below count, spread over the team; returns when done. */
void lb_workers_run(struct lb_workers *w, size_t count, lb_work_fn fn, void *ctx);

#endif

/*
 * workers.c - the thread team that compresses pages on every CPU the crash
 * kernel has.  Each call hands out one batch, a few items at a time to
 * whichever worker asks next: pages differ tenfold in cost (a random page
 * against a zero one), so a fixed share (item i to worker i % n) left one
 * worker idle while another had all the text.  No item is handed out twice.
 * The order of the output is kept by the caller, which writes after the run.
 */
#include <pthread.h>
#include <stdlib.h>

#include "core/workers.h"

struct lb_workers {
    int n;
    pthread_t *threads;
    pthread_mutex_t lock;
    pthread_cond_t start, done;
    unsigned long generation;
    int running; /* workers still busy with this generation */
    int quit;
    size_t count;
    size_t claim; /* items taken at a time in this run */
    size_t next;  /* the first item not handed out yet (atomic) */
    lb_work_fn fn;
    void *ctx;
};

struct worker_arg {
    struct lb_workers *w;
    int id;
};

/*
 * Items taken at a time: few enough to even out, enough to share a line
 * less; one at a time when there are too few for every worker to take a few
 * (a window of the scan a thread: four at a time, the first to ask took
 * them all).
 */
enum { CLAIM = 4 };

static void share(struct lb_workers *w, int id)
{
    size_t from, claim = w->claim;

    while ((from = __atomic_fetch_add(&w->next, claim, __ATOMIC_RELAXED)) < w->count)
        for (size_t i = from; i < from + claim && i < w->count; i++)
            w->fn(w->ctx, id, i);
}

static void *worker_main(void *p)
{
    struct worker_arg *arg = p;
    struct lb_workers *w = arg->w;
    unsigned long seen = 0;
    int id = arg->id;

    free(arg);
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->quit && w->generation == seen)
            pthread_cond_wait(&w->start, &w->lock);
        if (w->quit)
            break;
        seen = w->generation;
        pthread_mutex_unlock(&w->lock);
        share(w, id);
        pthread_mutex_lock(&w->lock);
        if (--w->running == 0)
            pthread_cond_signal(&w->done);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

struct lb_workers *lb_workers_new(int n)
{
    struct lb_workers *w = calloc(1, sizeof(*w));

    if (!w)
        return NULL;
    w->n = n < 1 ? 1 : n;
    w->threads = calloc((size_t)w->n, sizeof(*w->threads));
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->start, NULL);
    pthread_cond_init(&w->done, NULL);
    if (!w->threads) {
        lb_workers_free(w);
        return NULL;
    }
    for (int i = 1; i < w->n; i++) {
        struct worker_arg *arg = malloc(sizeof(*arg));
        if (arg) {
            arg->w = w;
            arg->id = i;
        }
        if (!arg || pthread_create(&w->threads[i], NULL, worker_main, arg) != 0) {
            free(arg);
            w->n = i; /* run with the threads that did start */
            break;
        }
    }
    return w;
}

int lb_workers_count(const struct lb_workers *w)
{
    return w->n;
}

void lb_workers_free(struct lb_workers *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->quit = 1;
    pthread_cond_broadcast(&w->start);
    pthread_mutex_unlock(&w->lock);
    for (int i = 1; i < w->n; i++)
        pthread_join(w->threads[i], NULL);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->start);
    pthread_cond_destroy(&w->done);
    free(w->threads);
    free(w);
}

void lb_workers_start(struct lb_workers *w, size_t count, lb_work_fn fn, void *ctx)
{
    pthread_mutex_lock(&w->lock);
    w->count = count;
    w->claim = count >= (size_t)w->n * CLAIM * CLAIM ? CLAIM : 1;
    w->next = 0;
    w->fn = fn;
    w->ctx = ctx;
    w->running = w->n - 1;
    w->generation++;
    pthread_cond_broadcast(&w->start);
    pthread_mutex_unlock(&w->lock);
}

void lb_workers_finish(struct lb_workers *w)
{
    share(w, 0);
    pthread_mutex_lock(&w->lock);
    while (w->running > 0)
        pthread_cond_wait(&w->done, &w->lock);
    pthread_mutex_unlock(&w->lock);
}

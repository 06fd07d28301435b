/*
 * kdump_scan.c - windows of frames classified on the workers, a group at a
 * time, so that the scan of the struct pages of a big machine takes every
 * CPU rather than the one that stores.
 *
 * A group is as many windows as there are threads; each window is scanned
 * by whichever thread takes it, with that thread's own classifier (a clone
 * of the pipe's: its own buffer and walk), into the window's own scan.  The
 * caller then uses the scans in the group's order, so the file is what one
 * thread would have written, byte for byte.  Memory: one scan (64 KiB and
 * its batches) and one classifier a thread, whatever the machine's size.
 * Invariants:
 *   1. A scan's result depends on its window and its walk in alone: which
 *      thread scanned it, and when, changes nothing.
 *   2. The group's scans are done, every one, before the caller uses any
 *      (lb_workers_finish), and no batch is with the workers meanwhile.
 */
#include <stdlib.h>
#include <string.h>

#include "write/kdump_writer.h"

/*
 * A clone the memory left cannot hold: the windows are scanned one at a time
 * on the thread that stores, as with one thread.  Slower on a big machine, the
 * same file (invariant 1); a dump is never lost for want of a faster scan.
 */
static void fewer_scans(struct kdump *k)
{
    for (size_t i = 1; i < MAX_THREADS; i++) { /* the clones; [0] is the pipe's */
        lb_classifier_close(k->classifiers[i]);
        k->classifiers[i] = NULL;
    }
    k->nscans = 1;
}

int lb_kdump_scans_setup(struct kdump *k, struct lb_error *err)
{
    struct lb_classifier *c = k->p->classifier;

    k->nscans = k->workers ? (size_t)k->threads : 1;
    k->scans = calloc(k->nscans, sizeof(*k->scans));
    k->classifiers[0] = c;
    for (size_t i = 1; k->scans && c && i < k->nscans; i++)
        if (!(k->classifiers[i] = lb_classifier_clone(c))) {
            fewer_scans(k);
            break;
        }
    if (!k->scans) { /* a window at a time, on the thread that stores */
        k->nscans = 1;
        k->scans = calloc(1, sizeof(*k->scans));
    }
    if (k->scans)
        return 0;
    lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory for the scan of a window");
    return -1;
}

void lb_kdump_scans_teardown(struct kdump *k)
{
    fewer_scans(k);
    free(k->scans);
    k->scans = NULL;
}

/* The frames of the batches with nothing to save (most of a big machine), counted by class. */
static void count_left_out(struct scan *s)
{
    memset(s->left_out, 0, sizeof(s->left_out));
    s->left_in_memory = 0;
    for (size_t b = 0; b < s->nbatch; b++)
        if (s->base[b + 1] == s->base[b])
            for (size_t i = s->from[b]; i < s->from[b + 1]; i++)
                if (s->present[i]) {
                    s->left_out[s->cls[i]]++;
                    s->left_in_memory++;
                }
}

/*
 * The second pass's batches of a window: a batch ends when it holds p->batch
 * frames to save or spans lb_kdump_span() frames: at -d 31 the kept frames
 * are scattered, and a batch of a fixed span held too few of them to be
 * worth the workers.  Each spans p->batch frames at least, but the last:
 * MAX_BATCHES.
 */
static void split_batches(const struct kdump *k, struct scan *s)
{
    size_t batch = k->p->batch, span = lb_kdump_span(k);

    s->nbatch = 0;
    s->base[0] = s->w->rank;
    s->from[0] = 0;
    for (size_t i = 0, kept = 0; i < s->n; i++) {
        kept += s->present[i] && s->cls[i] == LB_CLASS_KEEP;
        if (kept == batch || i + 1 - s->from[s->nbatch] == span || i + 1 == s->n) {
            s->base[s->nbatch + 1] = s->base[s->nbatch] + kept;
            s->from[++s->nbatch] = i + 1;
            kept = 0;
        }
    }
    count_left_out(s);
}

static void scan_with(const struct kdump *k, struct lb_classifier *c, struct scan *s)
{
    s->in_memory = lb_kdump_frames_present(k->p->src, s->start, s->n, s->present);
    if (c) {
        lb_classifier_restore(c, &s->in);
        lb_classify(c, s->start, s->n, s->cls);
        lb_classifier_save(c, &s->out);
    } else {
        memset(s->cls, LB_CLASS_KEEP, s->n);
    }
    lb_source_mark_absent(k->p->src, s->start, s->n, s->cls);
    if (s->w) {
        lb_kdump_second_pass_classes(s->w, s->cls, s->present, s->n);
        split_batches(k, s);
    }
    s->slots = 0;
    for (size_t i = 0; i < s->n; i++)
        s->slots += s->present[i] && s->cls[i] == LB_CLASS_KEEP;
}

/* A worker's item: window i of the group, with the worker's classifier (invariant 1). */
static void scan_one(void *ctx, int worker, size_t i)
{
    struct kdump *k = ctx;

    scan_with(k, k->classifiers[worker], &k->scans[i]);
}

void lb_kdump_scan(struct kdump *k, size_t n)
{
    LB_INVARIANT(2, k->examining == NULL);
    if (k->workers && n > 1) {
        lb_workers_start(k->workers, n, scan_one, k);
        lb_workers_finish(k->workers); /* invariant 2 */
        return;
    }
    for (size_t i = 0; i < n; i++)
        scan_with(k, k->classifiers[0], &k->scans[i]);
}

void lb_kdump_scan_alone(struct kdump *k, struct scan *s)
{
    scan_with(k, k->classifiers[0], s);
}

/*
 * kdump_codec.c - compress auto: the codec a batch is compressed with,
 * chosen while dumping from what the batches before it cost.
 *
 * A dump goes as fast as the slower of two things: the compressing threads
 * and the target.  LZO is the cheapest codec and writes the most; zstd
 * writes a quarter less and costs two to four times the CPU.  So when the
 * workers are the limit LZO is fastest, and when the target is, zstd at the
 * level whose CPU the target's wait pays for.  Every DECIDE_EVERY batches the
 * cost of those batches (CPU time compressing, bytes stored, time the sink
 * took to take them: its CPU time, a page cache's copy, apart from the time
 * it waited, a disk's or a network's) is projected onto each candidate by its cost relative
 * to the codec measured, and the fastest candidate is taken: among those
 * within a few percent of it, the one that writes least.
 *
 * Invariants:
 *   1. The codec changes only at a decision, and only for a candidate
 *      projected at least SWITCH_GAIN faster, or as fast and smaller: noise
 *      between two near candidates does not make it flap.  Every candidate
 *      is projected before any is compared.
 *   2. Every page's descriptor names the codec its data has (kdump_batch.c
 *      stores b->codec with each page), so a dump may mix codecs and any
 *      reader that knows them all reads it.
 */
#include <time.h>

#include "write/kdump_writer.h"

enum { DECIDE_EVERY = 8, DECIDE_MIN_PAGES = 512 };

/*
 * Costs relative to LZO per page.  Sizes measured with 'save -t 1' on a
 * Debian 7.3 guest's -d 31 dump (kernel text, slab, page tables): zstd 1
 * wrote 0.75 of LZO's bytes, zstd 3 0.73.  The CPU ratios are estimates
 * between what the host shows (whole saves: zstd 1 1.35x LZO's user time,
 * zstd 3 1.55x, reading and hashing included) and what issue 26 measured
 * under emulation (~5x per page).  Only the ratios are assumed: the costs
 * themselves are measured as the dump goes.
 */
static const struct candidate {
    enum lb_codec codec;
    int level;
    double cpu, size;
} candidates[] = {
    {LB_CODEC_LZO, 0, 1.0, 1.0},
    {LB_CODEC_ZSTD, 1, 2.5, 0.75},
    {LB_CODEC_ZSTD, 3, 3.5, 0.73},
};
enum { NCANDIDATES = sizeof(candidates) / sizeof(candidates[0]) };

#define SWITCH_GAIN 1.10 /* invariant 1 */
#define NEAR_BEST   1.03 /* as fast as the fastest, for choosing the smallest */

static uint64_t clock_ns(clockid_t clock)
{
    struct timespec t;

    clock_gettime(clock, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

uint64_t lb_kdump_now_ns(void)
{
    return clock_ns(CLOCK_MONOTONIC);
}

uint64_t lb_kdump_thread_cpu_ns(void)
{
    return clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

/* The highest zstd level auto tries: --level caps it (at least 1). */
static int level_cap(const struct kdump *k)
{
    int level = k->p->opts->codec_level;

    return level == 0 ? 3 : level < 1 ? 1 : level;
}

static void apply(struct kdump *k, size_t choice)
{
    k->choice = choice;
    k->codec = candidates[choice].codec;
    k->level = candidates[choice].level;
}

void lb_kdump_codec_start(struct kdump *k)
{
    const struct lb_write_options *o = k->p->opts;

    k->auto_codec = o->codec == LB_CODEC_AUTO;
    if (k->auto_codec) {
        apply(k, 0); /* LZO first: cheapest while nothing is known */
        return;
    }
    k->codec = o->codec;
    k->level = o->codec_level ? o->codec_level : 1;
}

/* What the measured batches would have cost with candidate c, in ns and bytes. */
static void project(const struct kdump *k, size_t c, double *time, double *bytes)
{
    const struct candidate *now = &candidates[k->choice], *then = &candidates[c];
    const struct codec_meter *m = &k->meter;
    double size = then->size / now->size;
    /* the CPU's work: compressing, and handing the target its bytes (a page cache's copy) */
    double cpu = (double)m->cpu_ns * then->cpu / now->cpu + (double)m->sink_cpu_ns * size;
    double wait = (double)m->sink_ns * size; /* the target's own time: waited for */
    int threads = k->threads < 1 ? 1 : k->threads;

    *bytes = (double)m->bytes * size;
    /* With workers the target takes one batch while the next is compressed: the slower
     * decides.  On one thread they take turns. */
    if (k->workers)
        *time = cpu / threads > wait ? cpu / threads : wait;
    else
        *time = cpu + wait;
}

static size_t decide(const struct kdump *k)
{
    double time[NCANDIDATES], bytes[NCANDIDATES];
    size_t fastest = k->choice, best;
    int cap = level_cap(k);

    for (size_t c = 0; c < NCANDIDATES; c++)
        project(k, c, &time[c], &bytes[c]);
    for (size_t c = 0; c < NCANDIDATES; c++)
        if (candidates[c].level <= cap && time[c] < time[fastest])
            fastest = c;
    best = fastest;
    for (size_t c = 0; c < NCANDIDATES; c++)
        if (candidates[c].level <= cap && time[c] <= time[fastest] * NEAR_BEST &&
            bytes[c] < bytes[best])
            best = c;
    if (best == k->choice)
        return best;
    /* invariant 1 */
    if (time[k->choice] > time[best] * SWITCH_GAIN ||
        (time[best] <= time[k->choice] && bytes[best] < bytes[k->choice]))
        return best;
    return k->choice;
}

/*
 * Decides once DECIDE_EVERY batches compressed DECIDE_MIN_PAGES and the
 * target took a data buffer's worth (until then what it costs is not known:
 * the writer hands it data a buffer at a time).  After a change the measures
 * start again, in the new codec's units; otherwise half of them carry over,
 * so one lumpy period (a target's burst, a page cache taking a buffer at
 * once) weighs less than what came before it.
 */
void lb_kdump_codec_next(struct kdump *k)
{
    struct codec_meter *m = &k->meter;

    if (!k->auto_codec || ++m->batches < DECIDE_EVERY || m->pages < DECIDE_MIN_PAGES ||
        m->bytes < DATA_BUFFER)
        return;
    size_t choice = decide(k);
    if (choice != k->choice) {
        apply(k, choice);
        k->p->stats->codec_changes++;
        *m = (struct codec_meter){0};
        return;
    }
    *m = (struct codec_meter){.pages = m->pages / 2,
                              .cpu_ns = m->cpu_ns / 2,
                              .bytes = m->bytes / 2,
                              .sink_ns = m->sink_ns / 2,
                              .sink_cpu_ns = m->sink_cpu_ns / 2};
}

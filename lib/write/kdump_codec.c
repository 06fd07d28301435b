/*
 * kdump_codec.c - compress auto: the codec a batch is compressed with,
 * chosen while dumping from what the batches before it cost.
 *
 * A dump goes as fast as the slower of two things: the CPUs and the target.
 * LZO is the cheapest codec and writes the most; zstd writes a quarter less
 * and costs two to five times the CPU.  So when the CPUs are the limit LZO is
 * fastest, and when the target is, zstd at the level whose CPU the target's
 * time pays for.  Every DECIDE_EVERY batches the cost of those batches is
 * measured: CPU time compressing, bytes stored, the sink's CPU time (a page
 * cache's copy) and the time it waited (a disk's or a network's), and the
 * time they took end to end.  A period in which the sink waited had the
 * target as its limit: its bytes over its time are the target's speed (the
 * target does not change with the codec; see measure_target).
 * Each candidate is projected from these by its cost relative to the codec
 * measured: its CPU time, and its bytes at the target's speed, overlapping
 * (the kernel writes back while the next pages are compressed: sink.c paces
 * it); the slower of the two is its time.  The fastest candidate is taken:
 * among those within a few percent of it, the one that writes least.
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

/*
 * A decision waits for DECIDE_MIN_BYTES in its measures (half of them carry
 * over when the codec stays: 4 MiB new then, 8 after a change): the sink
 * waits for the disk every 4 MiB (every MiB in the first 16: sink.c), so a
 * shorter period could miss the disk's limit.
 */
enum { DECIDE_EVERY = 8, DECIDE_MIN_PAGES = 512, DECIDE_MIN_BYTES = 8 << 20 };

/* The sink waited this share of a period: the target was its limit. */
#define TARGET_BOUND 0.05

/*
 * Costs relative to LZO per page.  Sizes measured with 'save -t 1' on a
 * Debian 7.3 guest's -d 31 dump (kernel text, slab, page tables): zstd 1
 * wrote 0.75 of LZO's bytes, zstd 3 0.73.  CPU per page compressed, on 3000
 * non-zero pages of each of tests/bench's guests: zstd 1 2.4x and 3.6x LZO's
 * (LZO1X-1(12), codec.c) natively, 4x to 6x under QEMU TCG; zstd 3 1.3x
 * zstd 1's.  Only the ratios are assumed: the costs themselves are measured
 * as the dump goes.
 */
static const struct candidate {
    enum lb_codec codec;
    int level;
    double cpu, size;
} candidates[AUTO_CANDIDATES] = {
    {LB_CODEC_LZO, 0, 1.0, 1.0},
    {LB_CODEC_ZSTD, 1, 3.0, 0.75},
    {LB_CODEC_ZSTD, 3, 4.0, 0.73},
};
enum { NCANDIDATES = AUTO_CANDIDATES };

/*
 * The ratios above are a start.  One page in PROBE_ONE_IN is compressed with
 * every candidate as well, timed, on the thread that compresses it; once
 * PROBE_MIN_PAGES are in, the candidates' CPU and size are compared on those
 * pages, the same pages for each, which the periods of the dump, each with
 * one codec on other pages, could not: under emulation (QEMU TCG) zstd 1
 * costs 4-6x LZO, natively 2.4-3.6x, and a guess either way moved auto to a
 * codec and back.  The probes cost ~3% of LZO's CPU time.
 */
enum { PROBE_ONE_IN = 256, PROBE_MIN_PAGES = 16 };

static int level_cap(const struct kdump *k);

int lb_kdump_codec_sampled(uint64_t pfn)
{
    /* a multiplicative hash: spread over memory, the same pages on any number of threads */
    return (pfn * 0x9e3779b97f4a7c15ull) >> 56 == 0;
}

int lb_kdump_codec_timed(uint64_t pfn)
{
    return ((pfn * 0x9e3779b97f4a7c15ull) >> 40 & 31) == 0; /* other bits than the probes' */
}

void lb_kdump_codec_probe(const struct kdump *k, struct lb_codec_ctx *codec, const uint8_t *page,
                          struct codec_probe *probe)
{
    uint8_t out[LB_CODEC_BOUND];
    int cap = level_cap(k);

    for (size_t c = 0; c < NCANDIDATES; c++) {
        const struct candidate *try = &candidates[c];
        if (try->level > cap)
            continue; /* never chosen (decide): not paid for */
        uint64_t began = lb_kdump_now_ns();
        /* as compress_auto does: a random-looking page is not tried with zstd */
        size_t n = try->codec != LB_CODEC_LZO && lb_codec_looks_random(page)
                       ? 0
                       : lb_codec_compress_as(codec, try->codec, try->level, page, out);
        probe->ns[c] += lb_kdump_elapsed_ns(k, began);
        probe->bytes[c] += n ? n : LB_PAGE_SIZE;
    }
    probe->pages++;
}

static void add_probe(struct codec_probe *to, const struct codec_probe *from, unsigned shift)
{
    to->pages += from->pages >> shift;
    for (size_t c = 0; c < NCANDIDATES; c++) {
        to->ns[c] += from->ns[c] >> shift;
        to->bytes[c] += from->bytes[c] >> shift;
    }
}

void lb_kdump_codec_meter_probe(struct kdump *k, const struct codec_probe *probe)
{
    add_probe(&k->meter.probe, probe, 0);
}

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

uint64_t lb_kdump_elapsed_ns(const struct kdump *k, uint64_t began)
{
    uint64_t took = lb_kdump_now_ns() - began;

    return took > k->clock_ns ? took - k->clock_ns : 0;
}

/*
 * What a reading of the clock costs: the least of a few back to back.  A
 * time measured includes about one, which the page measured did not cost:
 * under QEMU, where a crash kernel's clock is HPET's and each reading a
 * system call, several microseconds, more than LZO takes for a page.
 */
static uint64_t clock_cost_ns(void)
{
    uint64_t least = UINT64_MAX;

    for (int i = 0; i < 8; i++) {
        uint64_t a = lb_kdump_now_ns(), b = lb_kdump_now_ns();
        least = b - a < least ? b - a : least;
    }
    return least;
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
        k->age_every = 1;
        k->clock_ns = clock_cost_ns();
        return;
    }
    k->codec = o->codec;
    k->level = o->codec_level ? o->codec_level : 1;
}

/*
 * The target's time per byte.  A period it was the limit of measures it.  In
 * a period it was not, it took what it was given without waiting: it is at
 * least that fast, perhaps much faster, which only a codec that writes more
 * would show.  So what was known of it ages by a quarter every age_every such
 * periods: a codec chosen for a slow target (a slow start: a disk spinning
 * up, a connection warming) is given up within a few periods once the CPU is
 * the limit, and if the target is slow after all the next period says so;
 * each time one says so right after a move, age_every doubles, so at the
 * edge, where two codecs are as fast, auto moves ever more seldom.
 */
enum { MAX_AGE_EVERY = 64 };

static void measure_target(struct kdump *k)
{
    const struct codec_meter *m = &k->meter;
    double per_byte = m->bytes ? (double)m->wall_ns / (double)m->bytes : 0;

    if ((double)m->sink_ns >= TARGET_BOUND * (double)m->wall_ns) {
        k->target_ns_per_byte = per_byte;
        k->unaged = 0;
    } else if (++k->unaged >= k->age_every) {
        k->target_ns_per_byte =
            0.75 * (per_byte < k->target_ns_per_byte ? per_byte : k->target_ns_per_byte);
        k->unaged = 0;
    }
}

/* A move straight back (to a dearer codec after one to a cheaper, or the reverse): age slower. */
static void moved(struct kdump *k, size_t choice)
{
    int move = choice > k->choice ? 1 : -1; /* candidates[] goes from cheapest to dearest */

    if (move == -k->last_move && k->age_every < MAX_AGE_EVERY)
        k->age_every *= 2;
    k->last_move = move;
}

/* What the measured batches would have cost with candidate c, in ns and bytes. */
static void project(const struct kdump *k, size_t c, double *time, double *bytes)
{
    const struct candidate *now = &candidates[k->choice], *then = &candidates[c];
    const struct codec_meter *m = &k->meter;
    const struct codec_probe *pr = &m->probe;
    int probed = pr->pages >= PROBE_MIN_PAGES && pr->ns[k->choice] && pr->bytes[k->choice];
    double cpu_ratio =
        probed ? (double)pr->ns[c] / (double)pr->ns[k->choice] : then->cpu / now->cpu;
    double size =
        probed ? (double)pr->bytes[c] / (double)pr->bytes[k->choice] : then->size / now->size;
    double compress = (double)m->cpu_ns * cpu_ratio;
    double sink_cpu = (double)m->sink_cpu_ns * size; /* handing the target its bytes */
    double cpu, target;

    *bytes = (double)m->bytes * size;
    /* With workers, compression is shared out; on one thread the rest of its work (reading,
     * hashing: the same for any codec) is the period's time less what was measured. */
    if (k->workers) {
        cpu = compress / (k->threads < 1 ? 1 : k->threads) + sink_cpu;
    } else {
        double known = (double)(m->cpu_ns + m->sink_cpu_ns + m->sink_ns);
        cpu = compress + sink_cpu + ((double)m->wall_ns > known ? (double)m->wall_ns - known : 0);
    }
    target = *bytes * k->target_ns_per_byte;
    *time = cpu > target ? cpu : target;
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
 * target took DECIDE_MIN_BYTES (until then what it costs is not known: the
 * writer hands it data a buffer at a time, and the sink waits every 4 MiB).
 * After a change the measures start again, in the new codec's units;
 * otherwise half of them carry over, so one lumpy period (a target's burst,
 * a page cache taking a buffer at once) weighs less than what came before.
 */
void lb_kdump_codec_next(struct kdump *k)
{
    struct codec_meter *m = &k->meter;

    if (!k->auto_codec || ++m->batches < DECIDE_EVERY || m->pages < DECIDE_MIN_PAGES ||
        m->bytes < DECIDE_MIN_BYTES)
        return;
    /* the pages timed stand for all of them (kdump_batch.c's compress_auto()); none timed,
     * nothing is known of the CPU yet */
    if (m->timed_pages)
        m->cpu_ns = (uint64_t)((double)m->timed_ns * (double)m->pages / (double)m->timed_pages);
    else if (!m->cpu_ns)
        return;
    measure_target(k);
    size_t choice = decide(k);
    /* The probes compare the candidates on the same pages whatever the codec: they carry
     * over whole, and age only once there are plenty (halved, a few would never add up). */
    struct codec_probe probe = m->probe;
    if (probe.pages > 4 * PROBE_MIN_PAGES) {
        probe = (struct codec_probe){0};
        add_probe(&probe, &m->probe, 1);
    }
    if (choice != k->choice) {
        moved(k, choice);
        apply(k, choice);
        k->p->stats->codec_changes++;
        *m = (struct codec_meter){.probe = probe};
        return;
    }
    k->last_move = 0;
    *m = (struct codec_meter){.pages = m->pages / 2,
                              .cpu_ns = m->cpu_ns / 2,
                              .timed_pages = m->timed_pages / 2,
                              .timed_ns = m->timed_ns / 2,
                              .bytes = m->bytes / 2,
                              .sink_ns = m->sink_ns / 2,
                              .sink_cpu_ns = m->sink_cpu_ns / 2,
                              .wall_ns = m->wall_ns / 2,
                              .probe = probe};
}

/*
 * predict.c - how big a dump of a source would be, without writing it
 * (lb_predict_size): what 'estimate' and the rehearsal say, and 'status'
 * holds against a target's free space.
 *
 * The frames are classified from struct pages exactly as the writers'
 * first pass does (the pipeline's classifier, its check and its fallback),
 * so the count of frames kept is the dump's own.  What each kept frame will
 * cost cannot be known without reading it, so a bounded sample of them is
 * read and compressed with the dump's codec: the share found zero, repeated
 * within the sample, or compressible to so many bytes is taken for all.
 * The sample is systematic (every k-th kept frame, k doubling whenever the
 * sample is full), so it spreads over the whole frame space in one pass and
 * never holds more than `sample` frame numbers.  Repeats between sampled
 * frames undercount the writer's (dedup.c finds repeats among all frames),
 * so the prediction errs large, which is the side a "will it fit" errs on.
 *
 * The kdump format's headers, bitmaps and page descriptors are laid out as
 * the writer lays them out (kdump_header.c), from the count of kept frames.
 */
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "write/dedup.h"
#include "write/kdump_writer.h"

/* A sample's frame numbers, every `stride`-th kept frame, halved (stride doubled) when full. */
struct sampler {
    uint64_t *pfns;
    size_t n, cap;
    uint64_t stride, seen;
};

static void sampler_offer(struct sampler *s, uint64_t pfn)
{
    if (s->seen++ % s->stride)
        return;
    if (s->n == s->cap) { /* keep every other one: the stride doubles, the spread stays even */
        for (size_t i = 0; i < s->n / 2; i++)
            s->pfns[i] = s->pfns[2 * i];
        s->n /= 2;
        s->stride *= 2;
        if ((s->seen - 1) % s->stride)
            return;
    }
    s->pfns[s->n++] = pfn;
}

/* The first window at or after start that some segment has frames in; max if none. */
static uint64_t window_after(struct lb_source *src, uint64_t start, uint64_t max)
{
    size_t nruns, i = lb_frame_run_at(src, start);
    const struct lb_frame_run *runs = lb_source_frame_runs(src, &nruns);
    uint64_t next = i < nruns ? (runs[i].first > start ? runs[i].first : start) : max;

    return next < max ? next / LB_WINDOW * LB_WINDOW : max;
}

/* Every window with memory classified, classes counted, kept frames offered to the sample. */
static void classify_all(struct lb_pipe *p, uint64_t max, struct sampler *s,
                         struct lb_size_prediction *out)
{
    uint8_t present[LB_WINDOW];

    for (uint64_t start = window_after(p->src, 0, max); start < max;
         start = window_after(p->src, start + LB_WINDOW, max)) {
        size_t n = max - start < LB_WINDOW ? (size_t)(max - start) : LB_WINDOW;
        out->pages_total += lb_kdump_frames_present(p->src, start, n, present);
        lb_pipe_classify(p, start, n);
        for (size_t i = 0; i < n; i++) {
            if (!present[i])
                continue;
            out->pages_class[p->cls[i] < LB_CLASS_COUNT ? p->cls[i] : LB_CLASS_KEEP]++;
            if (p->cls[i] == LB_CLASS_KEEP)
                sampler_offer(s, start + i);
        }
    }
}

/* Is hash among the sample's stored pages?  Adds it if not (table: 2 * cap slots, 0 empty). */
static int seen_before(uint64_t *table, size_t slots, uint64_t hash)
{
    size_t i;

    hash |= 1; /* 0 marks an empty slot */
    for (i = hash % slots; table[i]; i = (i + 1) % slots)
        if (table[i] == hash)
            return 1;
    table[i] = hash;
    return 0;
}

/* The codec a prediction measures with: the dump's; for AUTO, LZO, the larger of the two it
 * chooses between (it takes zstd only when the target is the limit and zstd is smaller), so
 * the prediction of "will it fit" errs on the side of room. */
static struct lb_codec_ctx *prediction_codec(const struct lb_write_options *o)
{
    enum lb_codec codec = o->codec == LB_CODEC_AUTO ? LB_CODEC_LZO : o->codec;

    return codec == LB_CODEC_NONE ? NULL : lb_codec_new(codec, o->codec_level ? o->codec_level : 1);
}

/* Reads and compresses the sampled frames: what they would cost the dump's data. */
static int measure_sample(struct lb_pipe *p, const struct sampler *s,
                          struct lb_size_prediction *out, struct lb_error *err)
{
    const struct lb_write_options *o = p->opts;
    struct lb_codec_ctx *codec = NULL;
    uint8_t *page = malloc(LB_PAGE_SIZE), *packed = malloc(LB_CODEC_BOUND);
    uint64_t *hashes = calloc(2 * s->cap + 1, sizeof(*hashes));
    int r = -1;

    if (!page || !packed || !hashes) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory for the sample's pages");
        goto out;
    }
    if (o->format == LB_FORMAT_KDUMP && o->codec != LB_CODEC_NONE &&
        !(codec = prediction_codec(o))) {
        lb_error_set(err, "cannot set up %s compression", lb_codec_name(o->codec));
        goto out;
    }
    for (size_t i = 0; i < s->n; i++) {
        uint8_t status;
        lb_source_read_pages(p->src, s->pfns[i], 1, page, &status);
        out->sampled++;
        if (status != LB_PAGE_OK) {
            out->sampled_unreadable++;
            continue;
        }
        if (lb_page_is_zero(page)) {
            out->sampled_zero++;
            /* ELF keeps a zero page unless -d 1; kdump stores the one zero page once */
            if (o->format == LB_FORMAT_ELF && !(o->dump_level & 1))
                out->sampled_bytes += LB_PAGE_SIZE;
            continue;
        }
        if (o->format == LB_FORMAT_KDUMP &&
            seen_before(hashes, 2 * s->cap + 1, lb_page_hash(page))) {
            out->sampled_repeated++;
            continue;
        }
        size_t len = codec ? lb_codec_compress(codec, page, packed) : 0;
        out->sampled_bytes += len ? len : LB_PAGE_SIZE; /* 0: stored as it is */
    }
    r = 0;
out:
    lb_codec_free(codec);
    free(hashes);
    free(packed);
    free(page);
    return r;
}

/* The one zero page a kdump file stores (lb_kdump_store_zero_page): compressed if it can be. */
static uint64_t zero_page_cost(const struct lb_write_options *o)
{
    struct lb_codec_ctx *codec = prediction_codec(o);
    uint8_t *zero = calloc(1, LB_PAGE_SIZE), *packed = malloc(LB_CODEC_BOUND);
    size_t len = codec && zero && packed ? lb_codec_compress(codec, zero, packed) : 0;

    lb_codec_free(codec);
    free(zero);
    free(packed);
    return len ? len : LB_PAGE_SIZE;
}

/* The headers, bitmaps and descriptors of a kdump file keeping `kept` frames, its zero page. */
static uint64_t kdump_metadata(struct lb_pipe *p, uint64_t kept)
{
    struct kdump *k = calloc(1, sizeof(*k));
    uint64_t bytes;

    if (!k)
        return 0;
    k->p = p;
    lb_kdump_layout(k);
    bytes =
        lb_kdump_round_up(k->l.pd_at + (kept + 1) * sizeof(struct kdump_page_desc), LB_PAGE_SIZE) +
        zero_page_cost(p->opts);
    free(k);
    return bytes;
}

int lb_predict_size(struct lb_source *src, const struct lb_write_options *opts, size_t sample,
                    struct lb_size_prediction *out, struct lb_error *err)
{
    struct lb_write_stats stats;
    struct lb_pipe *p = malloc(sizeof(*p));
    struct sampler s = {.cap = sample < 2 ? 2 : sample, .stride = 1};
    size_t nruns;
    const struct lb_frame_run *runs = lb_source_frame_runs(src, &nruns);
    uint64_t max = nruns ? runs[nruns - 1].first + runs[nruns - 1].count : 0;
    int r = -1;

    memset(out, 0, sizeof(*out));
    memset(&stats, 0, sizeof(stats));
    s.pfns = malloc(s.cap * sizeof(*s.pfns));
    if (!p || !s.pfns) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory for the prediction");
        goto out;
    }
    if (lb_pipe_open(p, src, opts, &stats, err) < 0)
        goto out;
    classify_all(p, max, &s, out);
    out->dump_level_applied = stats.dump_level_applied;
    memcpy(out->filter_note, stats.filter_note, sizeof(out->filter_note));
    if (measure_sample(p, &s, out, err) == 0) {
        uint64_t kept = out->pages_class[LB_CLASS_KEEP];
        double per_frame = out->sampled ? (double)out->sampled_bytes / (double)out->sampled : 0;
        out->metadata = opts->format == LB_FORMAT_KDUMP ? kdump_metadata(p, kept)
                                                        : LB_PAGE_SIZE * (1 + nruns / 64);
        out->bytes = out->metadata + (uint64_t)(per_frame * (double)kept);
        r = 0;
    }
    lb_pipe_close(p);
out:
    free(s.pfns);
    free(p);
    return r;
}

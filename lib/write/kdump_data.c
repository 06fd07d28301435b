/*
 * kdump_data.c - the page-data area of a kdump file: a buffer in front of
 * the sink, the codecs (one per worker), the one stored zero page.
 */
#include <stdlib.h>
#include <string.h>

#include "write/kdump_writer.h"

int lb_kdump_append(struct kdump *k, const uint8_t *data, size_t len, struct lb_error *err)
{
    if (k->dlen + len > DATA_BUFFER && lb_kdump_flush(k, err) < 0)
        return -1;
    memcpy(k->dbuf + k->dlen, data, len);
    k->dlen += len;
    k->data_pos += len;
    return 0;
}

int lb_kdump_flush(struct kdump *k, struct lb_error *err)
{
    /* compress auto weighs the time the target takes the data, apart from the CPU time
     * handing it over takes (kdump_codec.c) */
    uint64_t began = k->auto_codec ? lb_kdump_now_ns() : 0;
    uint64_t cpu = k->auto_codec ? lb_kdump_thread_cpu_ns() : 0;

    if (k->dlen && lb_out_write(k->p, k->dbuf, k->dlen, k->dbuf_at, err) < 0)
        return -1;
    if (k->auto_codec) {
        uint64_t wall = lb_kdump_now_ns() - began;
        cpu = lb_kdump_thread_cpu_ns() - cpu;
        k->meter.sink_cpu_ns += cpu < wall ? cpu : wall;
        k->meter.sink_ns += cpu < wall ? wall - cpu : 0;
        k->meter.bytes += k->dlen;
    }
    k->p->stats->bytes_written += k->dlen;
    k->dbuf_at += k->dlen;
    k->dlen = 0;
    return 0;
}

void lb_kdump_count_stored(struct kdump *k, enum lb_codec codec, int level)
{
    struct lb_write_stats *st = k->p->stats;

    st->pages_by_codec[codec]++;
    if (codec == LB_CODEC_ZSTD)
        st->zstd_pages_by_level[level < 1                ? 0
                                : level < LB_ZSTD_LEVELS ? level
                                                         : LB_ZSTD_LEVELS - 1]++;
}

/* The one zero page every zero frame points at. */
int lb_kdump_store_zero_page(struct kdump *k, struct lb_error *err)
{
    static uint8_t zero[LB_PAGE_SIZE]; /* read only; in .bss rather than the binary */
    uint8_t out[LB_CODEC_BOUND];
    size_t n = k->codecs[0] ? lb_codec_compress_as(k->codecs[0], k->codec, k->level, zero, out) : 0;

    k->zero_offset = k->data_pos;
    k->zero_size = n ? (uint32_t)n : LB_PAGE_SIZE;
    k->zero_flags = n ? lb_codec_flag(k->codec) : 0;
    lb_kdump_count_stored(k, n ? k->codec : LB_CODEC_NONE, k->level);
    return lb_kdump_append(k, n ? out : zero, k->zero_size, err);
}

/*
 * zstd 1: on the benchmark guest's -d 31 dump 13% faster than zstd 3 for 2%
 * more output, still 13% below makedumpfile -c (zlib 1, which is what
 * makedumpfile uses, and our zlib default).  Below 1, zstd stops coding
 * literals and the dump grows past makedumpfile -c's.
 */
static int default_level(enum lb_codec codec)
{
    (void)codec;
    return 1;
}

/*
 * What the workers compare repeats with (kdump_batch.c): a view of the source
 * each and a page to read into.  Without them (a source with no views, no
 * memory, one thread) the thread that stores compares them all, as with one
 * thread: slower, the same file.  A redacted source is read by the thread
 * that stores alone (its ranges are the redaction's).
 */
static void setup_guesses(struct kdump *k)
{
    if (!k->workers || !k->dedup || k->p->src->redaction ||
        !(k->guess_pages = malloc((size_t)k->threads * LB_PAGE_SIZE)))
        return;
    for (int i = 1; i < k->threads; i++)
        k->views[i] = lb_source_view(k->p->src);
}

int lb_kdump_setup(struct kdump *k, struct lb_error *err)
{
    const struct lb_write_options *o = k->p->opts;
    int threads = o->threads < 1 ? 1 : o->threads > MAX_THREADS ? MAX_THREADS : o->threads;
    int level = o->codec_level ? o->codec_level : default_level(o->codec);

    k->threads = threads;
    lb_kdump_codec_start(k);
    if (!k->auto_codec)
        k->level = level;
    if (o->codec != LB_CODEC_NONE)
        for (int i = 0; i < threads; i++)
            if (!(k->codecs[i] = lb_codec_new(o->codec, level))) {
                lb_error_set(err, "cannot set up %s compression", lb_codec_name(o->codec));
                return -1;
            }
    if (threads > 1 && !(k->workers = lb_workers_new(threads))) {
        lb_error_set(err, "cannot start %d compression threads", threads);
        return -1;
    }
    if (k->workers) { /* those that started: auto shares compression among them */
        k->threads = lb_workers_count(k->workers);
        for (int i = k->threads; i < threads; i++) { /* memory is short: give back the rest */
            lb_codec_free(k->codecs[i]);
            k->codecs[i] = NULL;
        }
    }
    /* Without it every page is stored, which is correct, only larger and slower. */
    k->dedup = lb_dedup_new(DEDUP_ORDER);
    setup_guesses(k);
    k->dbuf = malloc(DATA_BUFFER);
    if (!k->dbuf)
        goto no_memory;
    /* Two batches are alive at once (kdump_batch.c), each with a page and a compressed
     * slot for each frame it keeps. */
    for (int i = 0; i < LB_MAP_SLOTS; i++) {
        struct batch *b = &k->batches[i];
        b->k = k;
        b->buf = malloc(k->p->batch * LB_PAGE_SIZE);
        b->cbuf = malloc(k->p->batch * LB_CODEC_BOUND);
        if (!b->buf || !b->cbuf)
            goto no_memory;
    }
    return lb_kdump_scans_setup(k, err);
no_memory:
    lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory for compression buffers");
    return -1;
}

void lb_kdump_teardown(struct kdump *k)
{
    for (size_t i = 0; i < k->nwindows; i++)
        free(k->windows[i].kept);
    free(k->windows);
    lb_kdump_scans_teardown(k);
    lb_workers_free(k->workers);
    lb_dedup_free(k->dedup);
    for (int i = 1; i < MAX_THREADS; i++)
        lb_source_view_close(k->views[i]);
    free(k->guess_pages);
    for (int i = 0; i < MAX_THREADS; i++)
        lb_codec_free(k->codecs[i]);
    free(k->dbuf);
    for (int i = 0; i < LB_MAP_SLOTS; i++) {
        free(k->batches[i].buf);
        free(k->batches[i].cbuf);
    }
}

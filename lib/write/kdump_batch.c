/*
 * kdump_batch.c - batches of frames (at most LB_SPAN each) on their way to
 * the file: read them, find the zero ones and the repeats, compress the rest,
 * and store data and descriptors in frame order.
 *
 * With worker threads, batches overlap: while the workers examine (zero
 * check, hash, compression) one batch, the caller's thread stores the one
 * before it, then joins the workers; so the source is read and the output
 * written while pages are being compressed, and nobody waits for the other.
 * Invariants:
 *   1. At most two batches are alive, in two slots, each with its own pages,
 *      status, hashes and compressed data, and its own mapping of the source.
 *   2. At most one batch is with the workers (k->examining); it is finished
 *      before another is handed to them and before it is stored.
 *   3. Batches are stored in the order they were begun, each on the caller's
 *      thread, so repeats are found against everything stored before.
 */
#include <string.h>

#include "write/kdump_writer.h"

/* Frame i's page (a kept one): in the source's mapping, or in its slot of buf. */
static const uint8_t *page_of(const struct batch *b, size_t i)
{
    return b->mapped ? b->mapped + i * LB_PAGE_SIZE : b->buf + (size_t)b->cslot[i] * LB_PAGE_SIZE;
}

static int is_stored_page(const struct batch *b, size_t i)
{
    return b->cls[i] == LB_CLASS_KEEP && b->status[i] == LB_PAGE_OK;
}

/* Slot of the batch-local table of hashes for hash h (its size: twice the largest batch's). */
static size_t local_slot(const int16_t *local, const struct batch *b, uint64_t h)
{
    size_t s = (size_t)h & (2 * LB_SPAN - 1);

    while (local[s] >= 0 && b->hash[local[s]] != h)
        s = (s + 1) & (2 * LB_SPAN - 1);
    return s;
}

/*
 * Finds the frames of the batch whose content is stored already, earlier in
 * the dump or earlier in this batch: they are not compressed, and their
 * descriptors will point at the first copy.
 */
static void find_twins(struct kdump *k, struct batch *b)
{
    int16_t local[2 * LB_SPAN];

    memset(local, 0xff, sizeof(local));
    for (size_t i = 0; i < b->n; i++) {
        k->twin[i] = NO_TWIN;
        if (!k->dedup || !is_stored_page(b, i))
            continue;
        const uint8_t *page = page_of(b, i);
        uint64_t h = b->hash[i];
        size_t s = local_slot(local, b, h);
        if (local[s] >= 0 && lb_page_equal(page_of(b, (size_t)local[s]), page))
            k->twin[i] = local[s];
        else if (lb_dedup_find(k->dedup, k->p->src, page, h, &b->guess[i], &k->placed[i]))
            k->twin[i] = STORED_TWIN;
        else if (local[s] < 0)
            local[s] = (int16_t)i;
    }
}

/*
 * Where frame i's compressed data goes: on the workers, a slot for each kept
 * frame, in order (see fetch); on one thread, the first slot, as each page
 * is compressed just before its data is stored (save_frame): what one thread
 * touches stays one page's worth, whatever the batch's size.
 */
static uint8_t *compressed(const struct batch *b, size_t i)
{
    return b->parallel ? b->cbuf + (size_t)b->cslot[i] * LB_CODEC_BOUND : b->cbuf;
}

/*
 * compress auto measures what compressing costs, a thread at a time (so no
 * thread waits for another to count), on one page in 32
 * (lb_kdump_codec_timed()): where the clock is not read in user space (a
 * crash kernel on HPET, as under QEMU), a read is a system call, and two a
 * page cost more than LZO's compression of it (timing one in eight, auto's
 * one-CPU dump took 6% longer than LZO's; a dump's thousands of timed pages
 * are plenty).
 * A page that looks random in a sample is stored as is without a zstd try;
 * LZO gives up on one about as fast as the sample test (codec.c), so its
 * batches are not tested.
 */
static void compress_auto(struct batch *b, struct lb_codec_ctx *codec, int worker, size_t i)
{
    const uint8_t *page = page_of(b, i);
    int timed = lb_kdump_codec_timed(b->pfn + i);
    uint64_t began = timed ? lb_kdump_now_ns() : 0;

    b->clen[i] = b->codec != LB_CODEC_LZO && lb_codec_looks_random(page)
                     ? 0
                     : lb_codec_compress_as(codec, b->codec, b->level, page, compressed(b, i));
    if (timed) {
        b->cpu_ns[worker] += lb_kdump_elapsed_ns(b->k, began);
        b->timed[worker]++;
    }
    b->tried[worker]++;
    if (lb_kdump_codec_sampled(b->pfn + i))
        lb_kdump_codec_probe(b->k, codec, page, &b->probe[worker]);
}

/*
 * On a worker: the page compared with the stored frame of its hash now, so
 * the thread that stores seldom reads one (dedup.c); and a likely repeat is
 * not compressed (if it is stored after all, save_frame compresses it).
 */
static void guess_repeat(struct batch *b, int worker, size_t i, const uint8_t *page)
{
    struct kdump *k = b->k;
    struct lb_source *src = worker ? k->views[worker] : k->p->src;

    if (k->guess_pages && src)
        lb_dedup_guess(k->dedup, src, page, b->hash[i],
                       k->guess_pages + (size_t)worker * LB_PAGE_SIZE, &b->guess[i]);
}

static void compress_one(struct batch *b, int worker, size_t i)
{
    struct lb_codec_ctx *codec = b->k->codecs[worker];

    if (codec && b->k->auto_codec)
        compress_auto(b, codec, worker, i);
    else if (codec)
        b->clen[i] = lb_codec_compress(codec, page_of(b, i), compressed(b, i));
}

/*
 * Everything a page needs that depends on it alone: is it zero, its hash,
 * and, on the workers, its compression.  Workers compress before repeats are
 * known, so a repeat's compression is wasted there; on one thread (worker
 * -1) only what find_twins leaves is compressed (see store()).
 */
static void examine_one(void *ctx, int worker, size_t i)
{
    struct batch *b = ctx;
    const uint8_t *page = page_of(b, i);

    b->clen[i] = 0;
    b->guess[i] = (struct lb_dedup_guess){0};
    if (!is_stored_page(b, i))
        return;
    if (lb_page_is_zero(page)) {
        lb_pipe_mark_zero(b->k->p, &b->status[i], &b->cls[i]);
        return;
    }
    if (b->k->dedup)
        b->hash[i] = lb_page_hash(page);
    if (worker < 0) /* on one thread: see above */
        return;
    if (b->k->dedup)
        guess_repeat(b, worker, i, page);
    if (!b->guess[i].same)
        compress_one(b, worker, i);
}

/* Stores one saved frame: its data and its descriptor. */
static int save_frame(struct kdump *k, struct batch *b, size_t i, size_t *npds,
                      struct lb_error *err)
{
    struct kdump_page_desc *pd = &k->pds[(*npds)++];
    int r = 0;

    memset(pd, 0, sizeof(*pd));
    if (b->status[i] == LB_PAGE_EXCLUDED)
        return 0; /* an empty descriptor: not saved (see lb_kdump_batch_store()) */
    if (b->status[i] == LB_PAGE_ZERO) {
        pd->offset = k->zero_offset;
        pd->size = k->zero_size;
        pd->flags = k->zero_flags;
        return 0;
    }
    if (k->twin[i] != NO_TWIN) {
        const struct lb_stored *first =
            &k->placed[k->twin[i] == STORED_TWIN ? i : (size_t)k->twin[i]];
        pd->offset = first->offset;
        pd->size = first->size;
        pd->flags = first->flags;
        k->p->stats->pages_repeated++;
        return 0;
    }
    if (!b->parallel || b->guess[i].same) /* see compressed() and guess_repeat() */
        compress_one(b, 0, i);
    pd->offset = k->data_pos;
    lb_kdump_count_stored(k, b->clen[i] ? b->codec : LB_CODEC_NONE, b->level);
    if (b->clen[i]) {
        pd->size = (uint32_t)b->clen[i];
        pd->flags = lb_codec_flag(b->codec); /* kdump_codec.c's invariant 2 */
        r = lb_kdump_append(k, compressed(b, i), b->clen[i], err);
    } else {
        pd->size = LB_PAGE_SIZE;
        r = lb_kdump_append(k, page_of(b, i), LB_PAGE_SIZE, err);
    }
    if (r < 0) { /* its data never went: the descriptor stays empty, "not saved" */
        memset(pd, 0, sizeof(*pd));
        return r;
    }
    k->placed[i] = (struct lb_stored){pd->offset, pd->size, pd->flags};
    if (k->dedup)
        lb_dedup_remember(k->dedup, b->pfn + i, b->hash[i], &k->placed[i]);
    return r;
}

/*
 * The batch's pages: mapped (/proc/vmcore), or read a run of kept frames at
 * a time into buf, where each kept frame has a slot, in frame order.  A batch
 * spans up to four times the frames it keeps (kdump_windows.c), and its
 * buffers hold only those: what a batch touches stays p->batch pages.
 */
static void fetch(struct kdump *k, struct batch *b)
{
    size_t kept = 0;

    for (size_t i = 0; i < b->n; i++)
        if (b->cls[i] == LB_CLASS_KEEP)
            b->cslot[i] = (uint16_t)kept++;
    b->mapped = lb_source_map_pages(k->p->src, (int)(b - k->batches), b->pfn, b->n);
    for (size_t i = 0; i < b->n;) {
        size_t run = 0;
        if (b->cls[i] != LB_CLASS_KEEP || b->mapped) {
            b->status[i] = b->cls[i] == LB_CLASS_KEEP ? LB_PAGE_OK : LB_PAGE_EXCLUDED;
            i++;
            continue;
        }
        while (i + run < b->n && b->cls[i + run] == LB_CLASS_KEEP)
            run++;
        lb_source_read_pages(k->p->src, b->pfn + i, run, b->buf + b->cslot[i] * LB_PAGE_SIZE,
                             b->status + i);
        for (size_t j = i; j < i + run; j++)
            k->p->stats->pages_unreadable += b->status[j] == LB_PAGE_FAILED;
        i += run;
    }
}

/* Invariant 2: the batch with the workers is done with them. */
static void finish_examining(struct kdump *k)
{
    if (k->examining) {
        lb_workers_finish(k->workers);
        k->examining = NULL;
    }
}

void lb_kdump_batch_drain(struct kdump *k)
{
    finish_examining(k);
}

struct batch *lb_kdump_batch_begin(struct kdump *k, const struct batch *spec)
{
    struct batch *b = &k->batches[k->next_slot];
    size_t work = 0;

    k->next_slot = (k->next_slot + 1) % LB_MAP_SLOTS;
    /* Invariant 1: this slot's batch, if any, was stored before this one was begun. */
    LB_INVARIANT(2, k->examining != b); /* not with the workers while it is refilled */
    b->pfn = spec->pfn;
    b->n = spec->n;
    b->cls = spec->cls;
    b->bits = spec->bits;
    b->bit0 = spec->bit0;
    b->rank = spec->rank;
    b->rank_end = spec->rank_end;
    b->in_memory = 0;
    b->codec = k->codec;
    b->level = k->level;
    memset(b->cpu_ns, 0, sizeof(b->cpu_ns));
    memset(b->tried, 0, sizeof(b->tried));
    memset(b->timed, 0, sizeof(b->timed));
    memset(b->probe, 0, sizeof(b->probe));
    for (size_t i = 0; i < b->n; i++) {
        b->in_memory += spec->present[i];
        if (!spec->present[i])
            b->cls[i] = LB_CLASS_COUNT; /* not memory: neither read nor counted */
    }
    fetch(k, b);
    for (size_t i = 0; i < b->n; i++)
        work += is_stored_page(b, i);
    /* Waking the threads costs more than a few pages' work (most batches at -d 31). */
    b->parallel = k->workers && work >= LB_MIN_BATCH;
    if (b->parallel) {
        finish_examining(k);
        lb_workers_start(k->workers, b->n, examine_one, b);
        k->examining = b;
    }
    return b;
}

/* compress auto: what this batch's compression cost goes to the next decision (kdump_codec.c). */
static void meter(struct kdump *k, const struct batch *b)
{
    uint64_t now;

    if (!k->auto_codec)
        return;
    now = lb_kdump_now_ns();
    k->meter.wall_ns += now - k->metered_at;
    k->metered_at = now;
    for (size_t t = 0; t <= MAX_THREADS; t++) {
        k->meter.timed_ns += b->cpu_ns[t];
        k->meter.timed_pages += b->timed[t];
        k->meter.pages += b->tried[t];
        lb_kdump_codec_meter_probe(k, &b->probe[t]);
    }
    lb_kdump_codec_next(k);
}

/*
 * The batch's descriptors, from its first slot, after the data they point at is handed to the
 * sink where a byte not written yet is stale (a device: the last dump's, which
 * a descriptor ahead of its data, the process killed then, would give as this
 * crash's page).  Elsewhere the data may follow from the buffer: a file's
 * unwritten bytes read as zeros, which a dump marked incomplete reads as "not
 * saved" (kdump_source.c).
 */
static int write_descriptors(struct kdump *k, const struct batch *b, size_t npds,
                             struct lb_error *err)
{
    if (!npds)
        return 0;
    if (lb_out_holds_stale(k->p) && lb_kdump_flush(k, err) < 0)
        return -1;
    return lb_out_write(k->p, k->pds, npds * sizeof(k->pds[0]),
                        k->l.pd_at + b->rank * sizeof(k->pds[0]), err);
}

int lb_kdump_batch_store(struct kdump *k, struct batch *b, struct lb_error *err)
{
    struct lb_pipe *p = k->p;
    size_t npds = 0;

    if (k->examining == b)
        finish_examining(k);
    if (!b->parallel)
        for (size_t i = 0; i < b->n; i++)
            examine_one(b, -1, i);
    find_twins(k, b);
    for (size_t i = 0; i < b->n; i++) {
        uint8_t cls = b->cls[i];
        if (cls == LB_CLASS_COUNT)
            continue;
        p->stats->pages_class[cls]++;
        /* Every frame counted in the first pass takes its slot, or the slots of the
         * frames after it would be wrong.  An unreadable one is saved as zeros (and
         * counted, which marks the dump incomplete).  One the source has no data for
         * (a dump cut short, read again) gets an empty descriptor, which in a dump
         * marked incomplete reads as "not saved", and is counted too; but a page of the
         * running kernel that faulted is a hole (lb_source_holes()), zeros as in ELF. */
        if (cls == LB_CLASS_KEEP && b->status[i] == LB_PAGE_FAILED)
            b->status[i] = LB_PAGE_ZERO;
        if (cls == LB_CLASS_KEEP && b->status[i] == LB_PAGE_EXCLUDED && p->src->live)
            b->status[i] = LB_PAGE_ZERO;
        if (cls == LB_CLASS_KEEP && b->status[i] == LB_PAGE_EXCLUDED)
            p->stats->pages_unreadable++;
        /* Zero frames stay in the bitmap, all pointing at one stored zero page, as
         * makedumpfile does: readers then see zeros, not a hole. */
        else if (!(cls == LB_CLASS_KEEP && b->status[i] == LB_PAGE_OK) &&
                 b->status[i] != LB_PAGE_ZERO)
            continue;
        if (b->rank + npds >= b->rank_end)
            break; /* the window's slots are full: only if the source changed under us */
        b->bits[(b->bit0 + i) / 8] |= (uint8_t)(1u << ((b->bit0 + i) % 8));
        p->stats->pages_saved += b->status[i] != LB_PAGE_EXCLUDED;
        if (save_frame(k, b, i, &npds, err) < 0) {
            /* The descriptors of the frames before this one may point at data on disk. */
            struct lb_error ignored;
            write_descriptors(k, b, npds, &ignored);
            return -1;
        }
    }
    if (write_descriptors(k, b, npds, err) < 0)
        return -1;
    meter(k, b);
    lb_pipe_advance(p, b->in_memory * LB_PAGE_SIZE);
    return 0;
}

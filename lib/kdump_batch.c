/*
 * kdump_batch.c - one batch of frames (at most LB_BATCH): read them, find the
 * zero ones and the repeats, compress the rest (on the worker threads when
 * there are some), and store data and descriptors in frame order.
 */
#include <string.h>

#include "kdump_writer.h"

static int is_stored_page(const struct kdump *k, size_t i)
{
    return k->batch_cls[i] == LB_CLASS_KEEP && k->p->status[i] == LB_PAGE_OK;
}

/* Slot of the batch-local table of hashes for hash h (its size: twice the batch's). */
static size_t local_slot(const int16_t *local, const struct kdump *k, uint64_t h)
{
    size_t s = (size_t)h & (2 * LB_BATCH - 1);

    while (local[s] >= 0 && k->hash[local[s]] != h)
        s = (s + 1) & (2 * LB_BATCH - 1);
    return s;
}

/*
 * Finds the frames of the batch whose content is stored already, earlier in
 * the dump or earlier in this batch: they are not compressed, and their
 * descriptors will point at the first copy.
 */
static void find_twins(struct kdump *k, size_t n)
{
    const uint8_t *data = k->p->data;
    int16_t local[2 * LB_BATCH];

    memset(local, 0xff, sizeof(local));
    for (size_t i = 0; i < n; i++) {
        k->twin[i] = NO_TWIN;
        if (!k->dedup || !is_stored_page(k, i))
            continue;
        const uint8_t *page = data + i * LB_PAGE_SIZE;
        uint64_t h = k->hash[i];
        size_t s = local_slot(local, k, h);
        if (local[s] >= 0 &&
            memcmp(data + (size_t)local[s] * LB_PAGE_SIZE, page, LB_PAGE_SIZE) == 0)
            k->twin[i] = local[s];
        else if (lb_dedup_find(k->dedup, k->p->src, page, h, &k->placed[i]))
            k->twin[i] = STORED_TWIN;
        else if (local[s] < 0)
            local[s] = (int16_t)i;
    }
}

static void compress_one(struct kdump *k, int worker, size_t i)
{
    if (k->codecs[worker])
        k->clen[i] = lb_codec_compress(k->codecs[worker], k->p->data + i * LB_PAGE_SIZE,
                                       k->cbuf + i * LB_CODEC_BOUND);
}

/*
 * Everything a page needs that depends on it alone: is it zero, its hash,
 * and, on worker threads, its compression.  Threads compress before repeats
 * are known, so a repeat's compression is wasted there; otherwise (worker
 * -1) only what find_twins leaves is compressed (see do_batch).
 */
static void examine_one(void *ctx, int worker, size_t i)
{
    struct kdump *k = ctx;
    const uint8_t *page = k->p->data + i * LB_PAGE_SIZE;

    k->clen[i] = 0;
    if (!is_stored_page(k, i))
        return;
    if (lb_page_is_zero(page)) {
        pipe_zero_found(k->p, i, k->batch_cls);
        return;
    }
    if (k->dedup)
        k->hash[i] = lb_page_hash(page);
    if (worker >= 0) /* on a worker thread: see above */
        compress_one(k, worker, i);
}

/* Stores one saved frame: its data and its descriptor. */
static int save_frame(struct kdump *k, size_t i, uint64_t pfn, size_t *npds, struct lb_error *err)
{
    struct kdump_page_desc *pd = &k->pds[(*npds)++];
    struct lb_pipe *p = k->p;
    int r = 0;

    memset(pd, 0, sizeof(*pd));
    if (p->status[i] == LB_PAGE_ZERO) {
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
        p->stats->pages_repeated++;
        return 0;
    }
    pd->offset = k->data_pos;
    if (k->clen[i]) {
        pd->size = (uint32_t)k->clen[i];
        pd->flags = lb_codec_flag(p->opts->codec);
        r = lb_kdump_append(k, k->cbuf + i * LB_CODEC_BOUND, k->clen[i], err);
    } else {
        pd->size = LB_PAGE_SIZE;
        r = lb_kdump_append(k, p->data + i * LB_PAGE_SIZE, LB_PAGE_SIZE, err);
    }
    k->placed[i] = (struct lb_stored){pd->offset, pd->size, pd->flags};
    if (r == 0 && k->dedup)
        lb_dedup_remember(k->dedup, pfn, k->hash[i], &k->placed[i]);
    return r;
}

int lb_kdump_batch(struct kdump *k, uint64_t pfn, size_t n, const uint8_t *present, uint8_t *cls,
                   uint8_t *bits, size_t bit0, struct lb_error *err)
{
    struct lb_pipe *p = k->p;
    size_t npds = 0;

    for (size_t i = 0; i < n; i++)
        if (!present[i])
            cls[i] = LB_CLASS_COUNT; /* not memory: neither read nor counted */
    pipe_fetch(p, pfn, n, cls);
    k->batch_cls = cls;
    size_t work = 0;
    for (size_t i = 0; i < n; i++)
        work += is_stored_page(k, i);
    /* Waking the threads costs more than a few pages' work (most batches at -d 31) */
    int parallel = k->workers && work >= LB_MIN_BATCH;
    if (parallel)
        lb_workers_run(k->workers, n, examine_one, k);
    else
        for (size_t i = 0; i < n; i++)
            examine_one(k, -1, i);
    find_twins(k, n);
    if (!parallel)
        for (size_t i = 0; i < n; i++)
            if (is_stored_page(k, i) && k->twin[i] == NO_TWIN)
                compress_one(k, 0, i);
    for (size_t i = 0; i < n; i++) {
        if (cls[i] == LB_CLASS_COUNT)
            continue;
        p->stats->pages_class[cls[i]]++;
        /* Every frame counted in the first pass takes its slot, or the slots of the
         * frames after it would be wrong.  An unreadable one is saved as zeros (and
         * counted, which marks the dump incomplete). */
        if (cls[i] == LB_CLASS_KEEP && p->status[i] == LB_PAGE_FAILED)
            p->status[i] = LB_PAGE_ZERO;
        /* Zero frames stay in the bitmap, all pointing at one stored zero page, as
         * makedumpfile does: readers then see zeros, not a hole. */
        if (!(cls[i] == LB_CLASS_KEEP && p->status[i] == LB_PAGE_OK) &&
            p->status[i] != LB_PAGE_ZERO)
            continue;
        if (k->rank + npds >= k->rank_end)
            break; /* the window's slots are full: only if the source changed under us */
        bits[(bit0 + i) / 8] |= (uint8_t)(1u << ((bit0 + i) % 8));
        p->stats->pages_saved++;
        if (save_frame(k, i, pfn + i, &npds, err) < 0) {
            /* The descriptors of the frames before this one may point at data on disk. */
            struct lb_error ignored;
            out_write(k->p, k->pds, npds * sizeof(k->pds[0]),
                      k->l.pd_at + k->rank * sizeof(k->pds[0]), &ignored);
            return -1;
        }
    }
    if (npds && out_write(k->p, k->pds, npds * sizeof(k->pds[0]),
                          k->l.pd_at + k->rank * sizeof(k->pds[0]), err) < 0)
        return -1;
    k->rank += npds;
    return 0;
}

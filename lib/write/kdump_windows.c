/*
 * kdump_windows.c - the two passes over the frame space, a window of
 * LB_WINDOW frames at a time, so memory stays bounded however large the
 * machine was.
 *
 * The first classifies frames from struct pages (no page is read): the 1st
 * bitmap, how many descriptor slots each window needs, and (into a file) the
 * 2nd bitmap.  The second classifies each window again from the state the
 * first saved, and saves its batches, most needed first (kdump_priority.c).
 * A frame the second pass cannot save still takes its slot (kdump_batch.c),
 * and a window whose second pass keeps other frames than the first (as many:
 * the slots) has its bits written again before any of its descriptors.
 */
#include <stdlib.h>
#include <string.h>

#include "write/kdump_writer.h"

size_t lb_kdump_frames_present(struct lb_source *src, uint64_t start, size_t n, uint8_t *present)
{
    size_t count = 0, nruns;
    const struct lb_frame_run *runs = lb_source_frame_runs(src, &nruns);

    memset(present, 0, n);
    for (size_t i = lb_frame_run_at(src, start); i < nruns && runs[i].first < start + n; i++) {
        uint64_t lo = runs[i].first > start ? runs[i].first : start;
        uint64_t hi =
            runs[i].first + runs[i].count < start + n ? runs[i].first + runs[i].count : start + n;
        memset(present + (lo - start), 1, hi - lo);
        count += hi - lo;
    }
    return count;
}

/* Bit i of bitmap for on[i] (0 or 1), eight frames a byte. */
static void set_bits(uint8_t *bitmap, const uint8_t *on, size_t n)
{
    size_t i = 0;

    for (; i + 8 <= n; i += 8) {
        uint64_t eight;
        memcpy(&eight, on + i, 8); /* one 0/1 byte a frame: gather bit 0 of each */
        bitmap[i / 8] = (uint8_t)(((eight & 0x0101010101010101ull) * 0x0102040810204080ull) >> 56);
    }
    if (i < n)
        bitmap[i / 8] = 0;
    for (; i < n; i++)
        if (on[i])
            bitmap[i / 8] |= (uint8_t)(1u << (i % 8));
}

/* The first window at or after start that some segment has frames in; max if none. */
static uint64_t next_window(struct lb_source *src, uint64_t start, uint64_t max)
{
    size_t nruns, i = lb_frame_run_at(src, start);
    const struct lb_frame_run *runs = lb_source_frame_runs(src, &nruns);
    uint64_t next = i < nruns ? (runs[i].first > start ? runs[i].first : start) : max;

    return next < max ? next / LB_WINDOW * LB_WINDOW : max;
}

/*
 * Bitmap bytes for frames with no memory must read as zeros.  In a new file
 * or a stream being reassembled they are holes already; a block device holds
 * stale data, so there they are written.
 */
static int zero_bitmaps(struct kdump *k, uint64_t from, uint64_t to, struct lb_error *err)
{
    static uint8_t zeros[LB_WINDOW / 8]; /* read only; in .bss rather than the binary */

    if (lb_out_gaps_read_zero(k->p))
        return 0;
    /* A window's last byte is its own (its bits past the window are zeros already): from
     * the next whole byte on, or the frames at the top of memory would lose their bits. */
    for (uint64_t at = (from + 7) / 8; at < (to + 7) / 8; at += sizeof(zeros)) {
        size_t n = (to + 7) / 8 - at < sizeof(zeros) ? (size_t)((to + 7) / 8 - at) : sizeof(zeros);
        if (lb_out_write(k->p, zeros, n, k->l.bitmap1_at + at, err) < 0 ||
            lb_out_write(k->p, zeros, n, k->l.bitmap2_at + at, err) < 0)
            return -1;
    }
    return 0;
}

/* Room in the window table for one more. */
static struct window *new_window(struct kdump *k, struct lb_error *err)
{
    if (k->nwindows == k->windows_cap) {
        size_t cap = k->windows_cap ? 2 * k->windows_cap : 64;
        struct window *grown = realloc(k->windows, cap * sizeof(*grown));
        if (!grown) {
            lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory for the window table");
            return NULL;
        }
        k->windows = grown;
        k->windows_cap = cap;
    }
    struct window *w = &k->windows[k->nwindows++];
    memset(w, 0, sizeof(*w));
    return w;
}

/*
 * A window scanned from a walk begun afresh is what the walk up from below
 * gives it, unless a block found below (a free block or huge page, decided
 * by its first struct page) reaches into it: then it is scanned again, from
 * the walk as it stands.  Only gigantic pages (1 GiB) reach past a window's
 * bounds, which are aligned to more than any buddy block.
 */
static int walk_reaches_into(const struct lb_classify_state *walk, uint64_t start)
{
    return walk->pending_end > start && start >= walk->last_end;
}

/* FNV-1a: whether the second pass keeps the frames the first pass wrote bits for. */
static uint64_t digest(const uint8_t *bytes, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;

    for (size_t i = 0; i < n; i++)
        h = (h ^ bytes[i]) * 0x100000001b3ull;
    return h;
}

/*
 * Empty descriptors for a window's slots, where the output holds stale data
 * (a block device): a frame whose data never came must read "not saved".  A
 * file's are holes, or room its reservation made, which reads as zeros; an
 * encryption's replayed records leave gaps, which read as zeros too.
 */
static int empty_descriptors(struct kdump *k, const struct window *w, struct lb_error *err)
{
    static uint8_t zeros[64 << 10]; /* read only; in .bss rather than the binary */
    uint64_t at = k->l.pd_at + w->rank * sizeof(struct kdump_page_desc),
             end = at + w->slots * sizeof(struct kdump_page_desc);

    for (; !lb_out_gaps_read_zero(k->p) && at < end; at += sizeof(zeros))
        if (lb_out_write(k->p, zeros, end - at < sizeof(zeros) ? (size_t)(end - at) : sizeof(zeros),
                         at, err) < 0)
            return -1;
    return 0;
}

/*
 * Records a scanned window: its bitmaps, its slots, the walk it starts from.
 *
 * Into a file, the 2nd bitmap is written whole now, from the slots: readers
 * find a frame's descriptor by counting bits, so every bit must be in place
 * before any descriptor is, or a dump cut short (a power cut, the process
 * killed) while a window saved early (kdump_priority.c) had bits and one
 * below it had none would give its frames the descriptors of other frames.
 * The descriptors of frames not yet saved are empty until their data is
 * written: "not saved" in a dump marked incomplete.  A stream writes each
 * byte once (readers of streams keep the first copy): there the window's
 * bits come when it is done.
 */
static int count_window(struct kdump *k, struct scan *s, const struct lb_classify_state *walk,
                        struct lb_error *err)
{
    struct lb_pipe *p = k->p;
    size_t bytes = (s->n + 7) / 8;
    uint64_t at = s->start / 8;
    struct window *w;

    p->stats->pages_total += s->in_memory;
    set_bits(k->bitmap, s->present, s->n);
    if (lb_out_write(k->p, k->bitmap, bytes, k->l.bitmap1_at + at, err) < 0 ||
        !(w = new_window(k, err)))
        return -1;
    w->start = s->start;
    w->rank = k->slots;
    w->state = *walk;
    w->slots = s->slots;
    k->slots += w->slots;
    for (size_t i = 0; i < s->n; i++) /* the frames given a slot */
        s->present[i] = s->present[i] && s->cls[i] == LB_CLASS_KEEP;
    set_bits(k->bitmap, s->present, s->n);
    w->bits_digest = digest(k->bitmap, bytes);
    if (!lb_out_write_once(p) &&
        (empty_descriptors(k, w, err) < 0 ||
         lb_out_write(k->p, k->bitmap, bytes, k->l.bitmap2_at + at, err) < 0))
        return -1;
    if (p->src->live && (w->kept = malloc(bytes))) /* see lb_kdump_second_pass_classes() */
        memcpy(w->kept, k->bitmap, bytes);
    return 0;
}

/*
 * The windows are scanned a group at a time on the workers (kdump_scan.c),
 * then counted in frame order: the walk each one starts from is the one the
 * window below left.
 */
int lb_kdump_first_pass(struct kdump *k, struct lb_error *err)
{
    struct lb_pipe *p = k->p;
    struct lb_classify_state walk = {0};
    uint64_t max = k->l.max_mapnr, done = 0, start = next_window(p->src, 0, max);

    if (p->classifier)
        lb_classifier_save(p->classifier, &walk);
    while (start < max) {
        size_t group = 0;
        for (; group < k->nscans && start < max;
             group++, start = next_window(p->src, start + LB_WINDOW, max)) {
            struct scan *s = &k->scans[group];
            s->start = start;
            s->n = max - start < LB_WINDOW ? (size_t)(max - start) : LB_WINDOW;
            s->w = NULL;
            memset(&s->in, 0, sizeof(s->in));
        }
        lb_kdump_scan(k, group);
        for (size_t i = 0; i < group; i++) {
            struct scan *s = &k->scans[i];
            if (zero_bitmaps(k, done, s->start, err) < 0)
                return -1;
            done = s->start + s->n;
            if (p->classifier && walk_reaches_into(&walk, s->start)) {
                s->in = walk;
                lb_kdump_scan_alone(k, s);
            }
            if (count_window(k, s, &walk, err) < 0)
                return -1;
            if (p->classifier)
                walk = s->out;
        }
    }
    return zero_bitmaps(k, done, max, err);
}

/*
 * A live source (the running kernel) changes between the passes, and a page
 * freed or allocated meanwhile changes class.  The window must keep exactly
 * the frames its slots were counted for, or every later descriptor would be
 * another frame's (readers find them by counting bits).  So for a live
 * source the first pass keeps which frames it counted (a bit each: 32 MiB a
 * TiB, on the running system, never in the crash kernel) and they are the
 * ones saved: a frame kept then is saved as it is now, one kept only now
 * (allocated since: the dump's own buffers, most of it) is left out and
 * counted as free, which it was a moment before.  Choosing by position
 * instead once dropped the task structs at the top of a busy window, and
 * with them the task list.  A source that does not change never differs;
 * if the first pass had no memory for its bits, the count alone decides:
 * frames kept beyond it are left out from the window's end, and with fewer,
 * frames of other classes are kept, the lowest first, to fill the slots.
 */
void lb_kdump_second_pass_classes(const struct window *w, uint8_t *cls, const uint8_t *present,
                                  size_t n)
{
    uint64_t kept = 0;

    if (w->kept) {
        for (size_t i = 0; i < n; i++)
            if (present[i] && (w->kept[i / 8] >> (i % 8) & 1))
                cls[i] = LB_CLASS_KEEP;
            else if (cls[i] == LB_CLASS_KEEP)
                cls[i] = LB_CLASS_FREE;
        return;
    }
    for (size_t i = 0; i < n; i++)
        kept += present[i] && cls[i] == LB_CLASS_KEEP;
    for (size_t i = n; kept > w->slots && i-- > 0;)
        if (present[i] && cls[i] == LB_CLASS_KEEP) {
            cls[i] = LB_CLASS_FREE;
            kept--;
        }
    for (size_t i = 0; kept < w->slots && i < n; i++)
        if (present[i] && cls[i] != LB_CLASS_KEEP && cls[i] != LB_CLASS_ABSENT) {
            cls[i] = LB_CLASS_KEEP;
            kept++;
        }
}

/*
 * Sets the 2nd-bitmap bits of every frame of w that the first pass gave a
 * slot.  Readers find a frame's descriptor by counting bits, so a window cut
 * short, or skipped below one that was written, must still have all its bits:
 * the descriptors of frames whose data never reached the file stay zero,
 * which in an incomplete dump means "not saved" (crash and lifeboat read it
 * so).  The bitmap and descriptor table had their space before any page data,
 * so these writes need no new space.
 */
static void mark_window(struct kdump *k, const struct window *w)
{
    struct lb_pipe *p = k->p;
    uint8_t present[LB_WINDOW];
    struct lb_error ignored;
    size_t n =
        k->l.max_mapnr - w->start < LB_WINDOW ? (size_t)(k->l.max_mapnr - w->start) : LB_WINDOW;

    lb_kdump_frames_present(p->src, w->start, n, present);
    if (p->classifier)
        lb_classifier_restore(p->classifier, &w->state);
    lb_pipe_classify(p, w->start, n);
    lb_kdump_second_pass_classes(w, p->cls, present, n);
    memset(k->bitmap, 0, sizeof(k->bitmap));
    for (size_t i = 0; i < n; i++)
        if (present[i] && p->cls[i] == LB_CLASS_KEEP)
            k->bitmap[i / 8] |= (uint8_t)(1u << (i % 8));
    lb_out_write(k->p, k->bitmap, (n + 7) / 8, k->l.bitmap2_at + w->start / 8, &ignored);
}

/*
 * After a failure in window cut, in a stream (a file has every bit from the
 * first pass): every window below the highest one written gets its bits.
 */
static void mark_unsaved(struct kdump *k, const struct window *cut)
{
    uint64_t highest = cut->start;

    if (!lb_out_write_once(k->p))
        return;
    for (size_t i = 0; i < k->nwindows; i++)
        if (k->windows[i].done && k->windows[i].start > highest)
            highest = k->windows[i].start;
    for (size_t i = 0; i < k->nwindows; i++)
        if (!k->windows[i].done && k->windows[i].start <= highest)
            mark_window(k, &k->windows[i]);
}

/*
 * The bits of the frames the second pass keeps, written before any of their
 * descriptors, where they differ from the first pass's: the same number (the
 * slots), but a struct page read that failed in one pass and not the other,
 * or a live source's frames counted without their bits (no memory for them),
 * can keep other frames.  Stored by those bits, the frames of a dump said to
 * be complete would otherwise be read through each other's descriptors.
 */
static int rewrite_bits(struct kdump *k, struct window *w, const struct scan *s,
                        struct lb_error *err)
{
    size_t bytes = (s->n + 7) / 8;

    memset(k->bitmap, 0, bytes);
    for (size_t i = 0; i < s->n; i++)
        if (s->present[i] && s->cls[i] == LB_CLASS_KEEP)
            k->bitmap[i / 8] |= (uint8_t)(1u << (i % 8));
    if (digest(k->bitmap, bytes) == w->bits_digest)
        return 0;
    w->bits_digest = digest(k->bitmap, bytes);
    return lb_out_write(k->p, k->bitmap, bytes, k->l.bitmap2_at + w->start / 8, err);
}

/*
 * Saves a window, as its scan found it.  Its frames' slots follow frame
 * order, but the data need not: knowing how many frames each batch saves,
 * the batches holding what matters most go first (see
 * lb_kdump_second_pass()).
 */
static int save_window(struct kdump *k, struct window *w, struct scan *s, struct lb_error *err)
{
    uint8_t done[MAX_BATCHES] = {0};
    size_t nbatch = s->nbatch, n = s->n;
    const uint64_t *base = s->base;
    const size_t *from = s->from;

    if (!lb_out_write_once(k->p) && rewrite_bits(k, w, s, err) < 0)
        return -1;
    memset(k->bitmap, 0, sizeof(k->bitmap));
    for (size_t b = 0; b < nbatch; b++)
        done[b] = base[b + 1] == base[b]; /* nothing to save: counted by the scan */
    for (int c = 0; c < LB_CLASS_COUNT; c++)
        k->p->stats->pages_class[c] += s->left_out[c];
    lb_pipe_advance(k->p, s->left_in_memory * LB_PAGE_SIZE);
    /* Each batch is begun (read, handed to the workers) before the one before it is stored. */
    struct batch *pending = NULL;
    for (int tier = TIER_LOG; tier <= TIER_REST; tier++) {
        if (!lb_kdump_in_tier(k, w->start, n, tier))
            continue;
        for (size_t b = 0; b < nbatch; b++) {
            size_t at = from[b], bn = from[b + 1] - from[b];
            if (done[b] || !lb_kdump_in_tier(k, w->start + at, bn, tier))
                continue;
            struct batch spec = {.pfn = w->start + at,
                                 .n = bn,
                                 .present = s->present + at,
                                 .cls = s->cls + at,
                                 .bits = k->bitmap,
                                 .bit0 = at,
                                 .rank = base[b],
                                 .rank_end = base[b + 1]};
            struct batch *begun = lb_kdump_batch_begin(k, &spec);
            done[b] = 1;
            if (pending && lb_kdump_batch_store(k, pending, err) < 0)
                goto fail;
            pending = begun;
        }
    }
    if (pending && lb_kdump_batch_store(k, pending, err) < 0)
        goto fail;
    w->done = 1;
    /* Data first, then (in a stream) the bits that point at it; then the whole window may be
     * made durable, so that a power cut keeps it (the header said "incomplete" from the
     * start). */
    if (lb_kdump_flush(k, err) < 0)
        goto fail;
    if (lb_out_write_once(k->p) &&
        lb_out_write(k->p, k->bitmap, (n + 7) / 8, k->l.bitmap2_at + w->start / 8, err) < 0)
        return -1;
    return lb_out_checkpoint(k->p, err);
fail:
    lb_kdump_batch_drain(k);
    mark_unsaved(k, w);
    return -1;
}

/* The next window to save, most needed first, from *tier and *i on; NULL when none is left. */
static struct window *next_to_save(struct kdump *k, int *tier, size_t *i)
{
    for (; *tier <= TIER_REST; (*tier)++, *i = 0)
        for (; *i < k->nwindows; (*i)++) {
            struct window *w = &k->windows[*i];
            if (!w->done && !w->queued && lb_kdump_in_tier(k, w->start, LB_WINDOW, *tier)) {
                w->queued = 1;
                return w;
            }
        }
    return NULL;
}

/*
 * The windows in the order they are saved, a group at a time: scanned on the
 * workers, then saved one after another, each with its batches compressed on
 * the workers and stored in order.
 */
int lb_kdump_second_pass(struct kdump *k, struct lb_error *err)
{
    int tier = TIER_LOG;
    size_t next = 0;

    k->metered_at = lb_kdump_now_ns(); /* compress auto's clock: the data's time starts here */
    for (;;) {
        size_t group = 0;
        struct window *w;
        while (group < k->nscans && (w = next_to_save(k, &tier, &next))) {
            struct scan *s = &k->scans[group++];
            s->start = w->start;
            s->n = k->l.max_mapnr - w->start < LB_WINDOW ? (size_t)(k->l.max_mapnr - w->start)
                                                         : LB_WINDOW;
            s->w = w;
            s->in = w->state;
        }
        if (!group)
            return 0;
        lb_kdump_scan(k, group);
        for (size_t i = 0; i < group; i++)
            if (save_window(k, k->scans[i].w, &k->scans[i], err) < 0)
                return -1;
    }
}

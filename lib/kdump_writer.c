/*
 * kdump_writer.c - writes the kdump-compressed format (see kdump_format.h).
 *
 * Two passes over the frame space, a window at a time.  The first classifies
 * frames from struct pages (no page is read) to lay out the file: the 1st
 * bitmap, and the size of the page-descriptor table (one slot per frame that
 * may be saved).  The second reads the frames, points every zero one at a
 * single stored zero page and every repeat at its first copy (dedup.c),
 * compresses the rest on the worker threads, and appends them in frame
 * order, writing each window's 2nd bitmap and descriptors when the window is
 * done.
 *
 * The header goes out first marked incomplete, and is rewritten complete at
 * the very end: a dump cut short (target full, power lost) is still a valid
 * file whose 2nd bitmap says exactly which frames it holds.  A flattened
 * stream writes every byte once (crash keeps the first copy of a region, as
 * makedumpfile -R keeps the last): its header comes last, once its status is
 * known, and its 2nd bitmap only with each window's real bits.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "arch/arch.h"
#include "codec.h"
#include "dedup.h"
#include "kdump_format.h"
#include "pipeline.h"
#include "workers.h"

/* DEDUP_ORDER: 16384 remembered pages in 512 KiB. */
enum { DATA_BUFFER = 256 << 10, MAX_THREADS = 64, DEDUP_ORDER = 14 };
enum { NO_TWIN = -1, STORED_TWIN = LB_BATCH };

struct layout {
    uint64_t max_mapnr;
    uint64_t sub_blocks, bitmap_bytes;
    uint64_t bitmap1_at, bitmap2_at, pd_at, data_at;
};

/* A window of frames with memory: where its descriptors start, and how to classify it again. */
struct window {
    uint64_t start;
    uint64_t rank; /* descriptors of the windows below it */
    uint64_t slots;
    struct lb_classify_state state;
    uint8_t done;
};

enum { MAX_PRIORITY = 72 };
/*
 * The order data is saved in, most needed first.  Each tier is its own: a
 * window is saved whole once begun, so with the log and the per-cpu areas in
 * one tier, a per-cpu window below the log's could fill a small target first
 * and leave no log at all (seen with KASLR putting the kernel image high).
 */
enum tier { TIER_LOG = 1, TIER_PER_CPU, TIER_KERNEL, TIER_REST };

struct kdump {
    struct lb_pipe *p;
    uint64_t prio_lo[MAX_PRIORITY], prio_hi[MAX_PRIORITY]; /* physical ranges to save first */
    int prio_tier[MAX_PRIORITY];                           /* enum tier: lower first */
    size_t nprio;
    struct window *windows;
    size_t nwindows, windows_cap;
    struct layout l;
    uint64_t slots;       /* page descriptors the table has room for */
    uint64_t rank;        /* the next descriptor's slot */
    uint64_t rank_end;    /* the current window's last slot + 1 */
    uint64_t data_pos;    /* where the next page data goes */
    uint64_t zero_offset; /* the one stored zero page, or 0 */
    uint32_t zero_size, zero_flags;
    uint8_t bitmap[LB_WINDOW / 8];
    struct kdump_page_desc pds[LB_BATCH];
    uint8_t *dbuf; /* page data not yet written */
    size_t dlen;
    uint64_t dbuf_at;
    /* compression */
    struct lb_workers *workers;
    struct lb_codec_ctx *codecs[MAX_THREADS];
    uint8_t *cbuf; /* LB_BATCH slots of LB_CODEC_BOUND */
    size_t clen[LB_BATCH];
    uint8_t *batch_cls;
    /* repeats: see dedup.c */
    struct lb_dedup *dedup;
    uint64_t hash[LB_BATCH];
    int16_t twin[LB_BATCH];            /* NO_TWIN, STORED_TWIN or an earlier frame of the batch */
    struct lb_stored placed[LB_BATCH]; /* where each frame's data is, once known */
};

static uint64_t round_up(uint64_t n, uint64_t to)
{
    return (n + to - 1) / to * to;
}

/* ---- layout ------------------------------------------------------------- */

static uint64_t max_frame(struct lb_source *src)
{
    size_t n;
    const struct lb_frame_run *runs = lb_source_frame_runs(src, &n);

    return n ? runs[n - 1].first + runs[n - 1].count : 0;
}

/* Frames of the window that some segment has data for, as 0/1 bytes. */
static size_t present_frames(struct lb_source *src, uint64_t start, size_t n, uint8_t *present)
{
    size_t count = 0, nruns;
    const struct lb_frame_run *runs = lb_source_frame_runs(src, &nruns);

    memset(present, 0, n);
    for (size_t i = frame_run_at(src, start); i < nruns && runs[i].first < start + n; i++) {
        uint64_t lo = runs[i].first > start ? runs[i].first : start;
        uint64_t hi =
            runs[i].first + runs[i].count < start + n ? runs[i].first + runs[i].count : start + n;
        memset(present + (lo - start), 1, hi - lo);
        count += hi - lo;
    }
    return count;
}

static void compute_layout(struct kdump *k, size_t vmcoreinfo_len, size_t notes_len)
{
    struct layout *l = &k->l;
    uint64_t sub = sizeof(struct kdump_sub_header) + vmcoreinfo_len + notes_len;

    l->max_mapnr = max_frame(k->p->src);
    l->sub_blocks = round_up(sub, LB_PAGE_SIZE) / LB_PAGE_SIZE;
    l->bitmap_bytes = round_up((l->max_mapnr + 7) / 8, LB_PAGE_SIZE);
    l->bitmap1_at = (1 + l->sub_blocks) * LB_PAGE_SIZE;
    l->bitmap2_at = l->bitmap1_at + l->bitmap_bytes;
    l->pd_at = l->bitmap2_at + l->bitmap_bytes;
}

/* ---- headers ------------------------------------------------------------ */

static const uint8_t *vmcoreinfo_text(struct lb_source *src, size_t *len)
{
    size_t notes_len, pos = 0;
    const uint8_t *notes = lb_source_notes(src, &notes_len);
    struct lb_note note;
    struct lb_error ignored;

    while (lb_note_next(notes, notes_len, &pos, &note, &ignored) == 1)
        if (strcmp(note.name, "VMCOREINFO") == 0) {
            *len = strnlen((const char *)note.desc, note.desc_len);
            return note.desc;
        }
    *len = 0;
    return NULL;
}

static int count_cpus(struct lb_source *src)
{
    size_t notes_len, pos = 0;
    const uint8_t *notes = lb_source_notes(src, &notes_len);
    struct lb_note note;
    struct lb_error ignored;
    int n = 0;

    while (lb_note_next(notes, notes_len, &pos, &note, &ignored) == 1)
        n += note.type == NT_PRSTATUS;
    return n;
}

/* utsname from the crashed kernel's init_uts_ns, else what VMCOREINFO tells. */
static void fill_utsname(struct kdump *k, struct kdump_header *h)
{
    const struct lb_vmcoreinfo *vi = k->p->kernel ? lb_kernel_vmcoreinfo(k->p->kernel) : NULL;
    uint64_t uts, name_off = 0;
    char name[6][65];
    struct lb_error ignored;

    memcpy(h->utsname[0], "Linux", 6);
    memcpy(h->utsname[4], k->p->src->arch->name, strlen(k->p->src->arch->name) + 1);
    if (!vi)
        return;
    const char *release = lb_vmcoreinfo_get(vi, "OSRELEASE");
    if (release)
        memcpy(h->utsname[2], release, strnlen(release, 64));
    lb_vmcoreinfo_get_u64(vi, "OFFSET(uts_namespace.name)", 10, &name_off);
    if (lb_vmcoreinfo_get_u64(vi, "SYMBOL(init_uts_ns)", 16, &uts) == 0 &&
        lb_kernel_read(k->p->kernel, uts + name_off, name, sizeof(name), &ignored) == 0 &&
        release && strncmp(name[2], release, 64) == 0) {
        for (int i = 0; i < 6; i++) {
            name[i][64] = '\0';
            memcpy(h->utsname[i], name[i], strlen(name[i]) + 1);
        }
    }
}

static int write_header(struct kdump *k, int complete, struct lb_error *err)
{
    struct lb_pipe *p = k->p;
    struct kdump_header h = {0};
    struct kdump_sub_header sub = {0};
    const struct lb_vmcoreinfo *vi = p->kernel ? lb_kernel_vmcoreinfo(p->kernel) : NULL;
    size_t vlen, nlen;
    const uint8_t *vtext = vmcoreinfo_text(p->src, &vlen);
    const uint8_t *notes = lb_source_notes(p->src, &nlen);
    uint64_t crash_time = 0;
    int64_t phys_base = 0;

    memcpy(h.signature, KDUMP_SIGNATURE, 8);
    h.header_version = KDUMP_HEADER_VERSION;
    fill_utsname(k, &h);
    if (vi) {
        lb_vmcoreinfo_get_u64(vi, "CRASHTIME", 10, &crash_time);
        lb_vmcoreinfo_get_s64(vi, "NUMBER(phys_base)", &phys_base);
    }
    h.timestamp_sec = (int64_t)crash_time;
    h.status = lb_codec_flag(p->opts->codec) | (complete ? 0 : KDUMP_INCOMPLETE);
    h.block_size = LB_PAGE_SIZE;
    h.sub_hdr_size = (int32_t)k->l.sub_blocks;
    h.bitmap_blocks = (uint32_t)(2 * k->l.bitmap_bytes / LB_PAGE_SIZE);
    h.max_mapnr = k->l.max_mapnr > UINT32_MAX ? UINT32_MAX : (uint32_t)k->l.max_mapnr;
    h.nr_cpus = count_cpus(p->src);
    sub.phys_base = (uint64_t)phys_base;
    sub.dump_level = (int32_t)p->opts->dump_level;
    sub.offset_vmcoreinfo = LB_PAGE_SIZE + sizeof(sub);
    sub.size_vmcoreinfo = vlen;
    sub.offset_note = sub.offset_vmcoreinfo + vlen;
    sub.size_note = nlen;
    sub.end_pfn_64 = k->l.max_mapnr;
    sub.max_mapnr_64 = k->l.max_mapnr;
    return out_write(k->p, &h, sizeof(h), 0, err) < 0 ||
                   out_write(k->p, &sub, sizeof(sub), LB_PAGE_SIZE, err) < 0 ||
                   (vlen && out_write(k->p, vtext, vlen, sub.offset_vmcoreinfo, err) < 0) ||
                   (nlen && out_write(k->p, notes, nlen, sub.offset_note, err) < 0)
               ? -1
               : 0;
}

/*
 * The bitmaps cover every frame up to the highest one with data: a header
 * that puts one page at 4 PiB would make them 256 GiB.  A machine's physical
 * address space is never 16384 times its memory, so bitmaps larger than the
 * source file itself say the source lies.
 */
static int bitmaps_fit(struct kdump *k, struct lb_error *err)
{
    uint64_t bitmaps = 2 * k->l.bitmap_bytes, source = k->p->src->file_size;

    if (bitmaps <= (source > (64 << 20) ? source : (64 << 20)))
        return 0;
    lb_error_set(err,
                 "the source's highest frame is 0x%llx (%llu GiB of physical addresses) for %llu "
                 "MiB of file: the kdump bitmaps alone would take %llu MiB; the program headers "
                 "are damaged (ELF output, -f elf, has no bitmaps)",
                 (unsigned long long)k->l.max_mapnr, (unsigned long long)(k->l.max_mapnr >> 18),
                 (unsigned long long)(source >> 20), (unsigned long long)(bitmaps >> 20));
    return -1;
}

/* ---- pass 1: bitmaps and the size of the descriptor table --------------- */

static void set_bits(uint8_t *bitmap, const uint8_t *on, size_t n)
{
    memset(bitmap, 0, (n + 7) / 8);
    for (size_t i = 0; i < n; i++)
        if (on[i])
            bitmap[i / 8] |= (uint8_t)(1u << (i % 8));
}

/* The first window at or after start that some segment has frames in; max if none. */
static uint64_t next_window(struct lb_source *src, uint64_t start, uint64_t max)
{
    size_t nruns, i = frame_run_at(src, start);
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

    if (out_has_holes(k->p))
        return 0;
    /* A window's last byte is its own (its bits past the window are zeros already): from
     * the next whole byte on, or the frames at the top of memory would lose their bits. */
    for (uint64_t at = (from + 7) / 8; at < (to + 7) / 8; at += sizeof(zeros)) {
        size_t n = (to + 7) / 8 - at < sizeof(zeros) ? (size_t)((to + 7) / 8 - at) : sizeof(zeros);
        if (out_write(k->p, zeros, n, k->l.bitmap1_at + at, err) < 0 ||
            out_write(k->p, zeros, n, k->l.bitmap2_at + at, err) < 0)
            return -1;
    }
    return 0;
}

static int first_pass(struct kdump *k, struct lb_error *err)
{
    struct lb_pipe *p = k->p;
    static uint8_t zeros[LB_WINDOW / 8]; /* read only; in .bss rather than the binary */
    uint8_t present[LB_WINDOW];
    uint64_t max = k->l.max_mapnr, done = 0;

    for (uint64_t start = next_window(p->src, 0, max); start < max;
         start = next_window(p->src, start + LB_WINDOW, max)) {
        size_t n = max - start < LB_WINDOW ? (size_t)(max - start) : LB_WINDOW;
        size_t bytes = (n + 7) / 8;
        uint64_t at = start / 8;

        if (zero_bitmaps(k, done, start, err) < 0)
            return -1;
        done = start + n;
        present_frames(p->src, start, n, present);
        set_bits(k->bitmap, present, n);
        for (size_t i = 0; i < n; i++)
            p->stats->pages_total += present[i];
        /* The 2nd bitmap starts empty: in a file, so a cut dump claims nothing it lacks; a
         * stream writes each byte once (readers of streams keep the first copy), and
         * there the window's real bits come when it is done. */
        if (out_write(k->p, k->bitmap, bytes, k->l.bitmap1_at + at, err) < 0 ||
            (!out_write_once(p) && out_write(k->p, zeros, bytes, k->l.bitmap2_at + at, err) < 0))
            return -1;
        if (k->nwindows == k->windows_cap) {
            size_t cap = k->windows_cap ? 2 * k->windows_cap : 64;
            struct window *grown = realloc(k->windows, cap * sizeof(*grown));
            if (!grown) {
                lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory for the window table");
                return -1;
            }
            k->windows = grown;
            k->windows_cap = cap;
        }
        struct window *w = &k->windows[k->nwindows++];
        memset(w, 0, sizeof(*w));
        w->start = start;
        w->rank = k->slots;
        if (p->classifier)
            lb_classifier_save(p->classifier, &w->state);
        pipe_classify(p, start, n);
        for (size_t i = 0; i < n; i++)
            w->slots += present[i] && p->cls[i] == LB_CLASS_KEEP;
        k->slots += w->slots;
    }
    return zero_bitmaps(k, done, max, err);
}

/* ---- pass 2: the pages -------------------------------------------------- */

static int flush_data(struct kdump *k, struct lb_error *err)
{
    if (k->dlen && out_write(k->p, k->dbuf, k->dlen, k->dbuf_at, err) < 0)
        return -1;
    k->p->stats->bytes_written += k->dlen;
    k->dbuf_at += k->dlen;
    k->dlen = 0;
    return 0;
}

static int append_data(struct kdump *k, const uint8_t *data, size_t len, struct lb_error *err)
{
    if (k->dlen + len > DATA_BUFFER && flush_data(k, err) < 0)
        return -1;
    memcpy(k->dbuf + k->dlen, data, len);
    k->dlen += len;
    k->data_pos += len;
    return 0;
}

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
        r = append_data(k, k->cbuf + i * LB_CODEC_BOUND, k->clen[i], err);
    } else {
        pd->size = LB_PAGE_SIZE;
        r = append_data(k, p->data + i * LB_PAGE_SIZE, LB_PAGE_SIZE, err);
    }
    k->placed[i] = (struct lb_stored){pd->offset, pd->size, pd->flags};
    if (r == 0 && k->dedup)
        lb_dedup_remember(k->dedup, pfn, k->hash[i], &k->placed[i]);
    return r;
}

static int do_batch(struct kdump *k, uint64_t pfn, size_t n, const uint8_t *present, uint8_t *cls,
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

    present_frames(p->src, w->start, n, present);
    if (p->classifier)
        lb_classifier_restore(p->classifier, &w->state);
    pipe_classify(p, w->start, n);
    memset(k->bitmap, 0, sizeof(k->bitmap));
    for (size_t i = 0; i < n; i++)
        if (present[i] && p->cls[i] == LB_CLASS_KEEP)
            k->bitmap[i / 8] |= (uint8_t)(1u << (i % 8));
    out_write(k->p, k->bitmap, (n + 7) / 8, k->l.bitmap2_at + w->start / 8, &ignored);
}

/* After a failure in window cut: every window below the highest one written gets its bits. */
static void mark_unsaved(struct kdump *k, const struct window *cut)
{
    uint64_t highest = cut->start;

    for (size_t i = 0; i < k->nwindows; i++)
        if (k->windows[i].done && k->windows[i].start > highest)
            highest = k->windows[i].start;
    for (size_t i = 0; i < k->nwindows; i++)
        if (!k->windows[i].done && k->windows[i].start <= highest)
            mark_window(k, &k->windows[i]);
}

/* Does frames pfn..pfn+n-1 hold a range of this tier (TIER_REST: anything)? */
static int in_tier(const struct kdump *k, uint64_t pfn, size_t n, int tier)
{
    uint64_t lo = pfn << LB_PAGE_SHIFT, hi = (pfn + n) << LB_PAGE_SHIFT;

    if (tier == TIER_REST)
        return 1;
    for (size_t i = 0; i < k->nprio; i++)
        if (k->prio_tier[i] == tier && k->prio_lo[i] < hi && k->prio_hi[i] > lo)
            return 1;
    return 0;
}

/*
 * Saves a window.  Its frames' slots follow frame order, but the data need
 * not: knowing how many frames each batch saves, the batches holding what
 * matters most go first (see second_pass()).
 */
static int save_window(struct kdump *k, struct window *w, struct lb_error *err)
{
    struct lb_pipe *p = k->p;
    uint8_t present[LB_WINDOW], done[LB_WINDOW / LB_MIN_BATCH] = {0};
    uint64_t base[LB_WINDOW / LB_MIN_BATCH + 1];
    size_t n =
        k->l.max_mapnr - w->start < LB_WINDOW ? (size_t)(k->l.max_mapnr - w->start) : LB_WINDOW;
    size_t batch = p->batch, nbatch = (n + batch - 1) / batch;

    present_frames(p->src, w->start, n, present);
    memset(k->bitmap, 0, sizeof(k->bitmap));
    if (p->classifier)
        lb_classifier_restore(p->classifier, &w->state);
    pipe_classify(p, w->start, n);
    base[0] = w->rank;
    for (size_t b = 0; b < nbatch; b++) {
        base[b + 1] = base[b];
        for (size_t i = b * batch; i < n && i < (b + 1) * batch; i++)
            base[b + 1] += present[i] && p->cls[i] == LB_CLASS_KEEP;
    }
    for (int tier = TIER_LOG; tier <= TIER_REST; tier++)
        for (size_t b = 0; b < nbatch; b++) {
            size_t at = b * batch, bn = n - at < batch ? n - at : batch, in_memory = 0;
            if (done[b] || !in_tier(k, w->start + at, bn, tier))
                continue;
            k->rank = base[b];
            k->rank_end = base[b + 1];
            if (do_batch(k, w->start + at, bn, present + at, p->cls + at, k->bitmap, at, err) < 0) {
                mark_unsaved(k, w);
                return -1;
            }
            done[b] = 1;
            for (size_t i = 0; i < bn; i++)
                in_memory += present[at + i];
            pipe_advance(p, in_memory * LB_PAGE_SIZE);
        }
    w->done = 1;
    /* Data first, then the bits that point at it. */
    if (flush_data(k, err) < 0) {
        mark_unsaved(k, w);
        return -1;
    }
    return out_write(k->p, k->bitmap, (n + 7) / 8, k->l.bitmap2_at + w->start / 8, err);
}

static void add_priority(struct kdump *k, uint64_t phys, uint64_t size, enum tier tier)
{
    if (k->nprio < MAX_PRIORITY && size) {
        k->prio_lo[k->nprio] = phys;
        k->prio_hi[k->nprio] = phys + size;
        k->prio_tier[k->nprio++] = tier;
    }
}

/*
 * Each CPU's per-cpu area (its runqueue, current task, stacks' bookkeeping):
 * crash will not start without them.  Found through kallsyms' __per_cpu_offset.
 */
static void per_cpu_priority(struct kdump *k)
{
    static const char *const names[] = {"__per_cpu_offset", "__per_cpu_start", "__per_cpu_end"};
    struct lb_kallsyms *ks;
    uint64_t offsets, start, end, off, phys;
    struct lb_error ignored;

    if (lb_kallsyms_load_only(k->p->kernel, names, 3, &ks, &ignored) < 0)
        return;
    if (lb_kallsyms_address(ks, "__per_cpu_offset", &offsets) == 0 &&
        lb_kallsyms_address(ks, "__per_cpu_start", &start) == 0 &&
        lb_kallsyms_address(ks, "__per_cpu_end", &end) == 0 && end > start &&
        end - start < (64u << 20))
        for (int cpu = 0; cpu < 64; cpu++) {
            if (lb_kernel_read(k->p->kernel, offsets + 8 * (uint64_t)cpu, &off, 8, &ignored) < 0 ||
                !off)
                break;
            if (lb_kernel_vtop(k->p->kernel, start + off, &phys, &ignored) == 0)
                add_priority(k, phys, end - start, TIER_PER_CPU);
        }
    lb_kallsyms_free(ks);
}

/*
 * What a reader of a cut-short dump needs most goes first: the printk ring, then
 * the per-cpu areas (small), then the kernel image (page tables, symbols, the
 * data every tool starts from), then the rest.  The file's layout does not care about the order; a
 * target that fills up then still leaves a dump whose log and kernel
 * structures can be read.
 */
static void find_priorities(struct kdump *k)
{
    struct lb_pipe *p = k->p;
    uint64_t virt, phys, size, ring[3], ring_size[3];

    if (!p->kernel)
        return;
    size_t n = lb_log_ring_phys(p->kernel, ring, ring_size, 3);
    for (size_t i = 0; i < n; i++)
        add_priority(k, ring[i], ring_size[i], TIER_LOG);
    if (lb_kernel_image(p->kernel, &virt, &phys, &size) == 0)
        add_priority(k, phys, size, TIER_KERNEL);
    per_cpu_priority(k);
}

static int second_pass(struct kdump *k, struct lb_error *err)
{
    for (int tier = TIER_LOG; tier <= TIER_REST; tier++)
        for (size_t i = 0; i < k->nwindows; i++) {
            struct window *w = &k->windows[i];
            if (w->done || !in_tier(k, w->start, LB_WINDOW, tier))
                continue;
            if (save_window(k, w, err) < 0)
                return -1;
        }
    return 0;
}

/* The one zero page every zero frame points at. */
static int store_zero_page(struct kdump *k, struct lb_error *err)
{
    static uint8_t zero[LB_PAGE_SIZE]; /* read only; in .bss rather than the binary */
    uint8_t out[LB_CODEC_BOUND];
    size_t n = k->codecs[0] ? lb_codec_compress(k->codecs[0], zero, out) : 0;

    k->zero_offset = k->data_pos;
    k->zero_size = n ? (uint32_t)n : LB_PAGE_SIZE;
    k->zero_flags = n ? lb_codec_flag(k->p->opts->codec) : 0;
    return append_data(k, n ? out : zero, k->zero_size, err);
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

static int setup_codecs(struct kdump *k, struct lb_error *err)
{
    const struct lb_write_options *o = k->p->opts;
    int threads = o->threads < 1 ? 1 : o->threads > MAX_THREADS ? MAX_THREADS : o->threads;
    int level = o->codec_level ? o->codec_level : default_level(o->codec);

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
    /* Without it every page is stored, which is correct, only larger and slower. */
    k->dedup = lb_dedup_new(DEDUP_ORDER);
    k->dbuf = malloc(DATA_BUFFER);
    k->cbuf = malloc(k->p->batch * LB_CODEC_BOUND);
    if (!k->dbuf || !k->cbuf) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory for compression buffers");
        return -1;
    }
    return 0;
}

static void teardown(struct kdump *k)
{
    free(k->windows);
    lb_workers_free(k->workers);
    lb_dedup_free(k->dedup);
    for (int i = 0; i < MAX_THREADS; i++)
        lb_codec_free(k->codecs[i]);
    free(k->dbuf);
    free(k->cbuf);
}

int write_kdump(struct lb_pipe *p, struct lb_error *err)
{
    struct kdump *k = calloc(1, sizeof(*k));
    size_t vlen, nlen;
    int once = out_write_once(p); /* a stream, an encryption: the header goes last */
    int r = -1, whole = 0, header_written = !once;

    if (!k) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory");
        return -1;
    }
    k->p = p;
    vmcoreinfo_text(p->src, &vlen);
    lb_source_notes(p->src, &nlen);
    compute_layout(k, vlen, nlen);
    if (bitmaps_fit(k, err) < 0)
        goto out;
    find_priorities(k);
    /* A file's header goes first, marked incomplete, and is rewritten at the end; a
     * stream's goes once, at the end, when its status is known. */
    if (setup_codecs(k, err) < 0 || (!once && write_header(k, 0, err) < 0) ||
        first_pass(k, err) < 0)
        goto out;
    p->progress.bytes_total = p->stats->pages_total * LB_PAGE_SIZE;
    k->l.data_at =
        round_up(k->l.pd_at + (k->slots + 1) * sizeof(struct kdump_page_desc), LB_PAGE_SIZE);
    k->data_pos = k->dbuf_at = k->l.data_at;
    /* Written once, the headers, bitmaps and descriptors go out last: their room is taken
     * now, so a target that fills with data still takes them (an encrypted dump's chunks). */
    if (once && out_reserve(p, 0, k->l.data_at, err) < 0)
        goto out;
    if (store_zero_page(k, err) < 0)
        goto out;
    if (second_pass(k, err) < 0 || flush_data(k, err) < 0)
        goto out;
    /* A source cut short gives a dump cut short: said in its header as in the source's. */
    whole = !p->stats->pages_unreadable && !lb_source_incomplete(p->src);
    header_written = 1; /* a file's went first; a stream's goes now, once */
    r = !whole && !once ? 0 : write_header(k, whole, err);
out:
    if (r < 0 && !header_written) { /* a stream says once what it holds, cut short */
        struct lb_error ignored;
        write_header(k, 0, &ignored);
    }
    p->stats->output_size = k->data_pos > k->l.data_at ? k->data_pos : k->l.data_at;
    p->stats->incomplete = r < 0 || !whole;
    teardown(k);
    free(k);
    return r;
}

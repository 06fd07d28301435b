/*
 * pipeline.c - the part of writing a dump that every format shares.
 *
 * Frames are classified a window at a time and read a batch at a time, so
 * memory is bounded by the window and batch sizes however large the machine
 * was.  Filtering needs the crashed kernel's struct pages; if those cannot be
 * had (VMCOREINFO missing or damaged), or the classifier fails its check of
 * itself (classify_check.c: a kernel it does not understand), the dump is
 * still written with every page but the zero ones, and the reason is kept in
 * stats->filter_note and, after a failed check, in a note of the output: a
 * damaged dictionary or a kernel too new costs the filter, never a page.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel/classify_check.h"
#include "write/pipeline.h"

/* Progress is said every 4 MiB of frames: the capture's supervisor takes it as a sign of life. */
enum { PROGRESS_EVERY = 4 << 20, NEEDS_MEM_MAP = 2 | 4 | 8 | 16 };

int lb_out_write(struct lb_pipe *p, const void *buf, size_t len, uint64_t offset,
                 struct lb_error *err)
{
    return p->sink->ops->write(p->sink, buf, len, offset, err);
}

int lb_out_reserve(struct lb_pipe *p, uint64_t offset, uint64_t len, struct lb_error *err)
{
    return p->sink->ops->reserve ? p->sink->ops->reserve(p->sink, offset, len, err) : 0;
}

int lb_out_checkpoint(struct lb_pipe *p, struct lb_error *err)
{
    return p->sink->ops->checkpoint ? p->sink->ops->checkpoint(p->sink, 0, err) : 0;
}

int lb_out_sync(struct lb_pipe *p, struct lb_error *err)
{
    return p->sink->ops->checkpoint ? p->sink->ops->checkpoint(p->sink, 1, err) : 0;
}

int lb_out_has_holes(const struct lb_pipe *p)
{
    return (p->sink->caps & LB_SINK_HOLES) != 0;
}

int lb_out_gaps_read_zero(const struct lb_pipe *p)
{
    return (p->sink->caps & (LB_SINK_HOLES | LB_SINK_GAPS_READ_ZERO)) != 0;
}

int lb_out_write_once(const struct lb_pipe *p)
{
    return (p->sink->caps & LB_SINK_WRITE_ONCE) != 0;
}

int lb_out_holds_stale(const struct lb_pipe *p)
{
    return !lb_out_gaps_read_zero(p) && !lb_out_write_once(p);
}

/* Appends a note to buf at *len (the space was counted by the caller). */
static void add_note(uint8_t *buf, size_t *len, const char *name, uint32_t type, const void *desc,
                     size_t desc_len)
{
    Elf64_Nhdr h = {.n_namesz = (Elf64_Word)(strlen(name) + 1),
                    .n_descsz = (Elf64_Word)desc_len,
                    .n_type = type};

    memcpy(buf + *len, &h, sizeof(h));
    memset(buf + *len + sizeof(h), 0, (h.n_namesz + 3) / 4 * 4 + (desc_len + 3) / 4 * 4);
    memcpy(buf + *len + sizeof(h), name, h.n_namesz);
    *len += sizeof(h) + (h.n_namesz + 3) / 4 * 4;
    memcpy(buf + *len, desc, desc_len);
    *len += (desc_len + 3) / 4 * 4;
}

/*
 * -d asked for pages to be left out by type, and that cannot be trusted: the
 * dump keeps every page but the zero ones, says why (stats->filter_note: the
 * console, the metadata) and carries why in a note of its own ('info').
 */
static void fall_back(struct lb_pipe *p, struct lb_write_stats *stats, const char *reason)
{
    uint32_t levels[2];
    size_t src_len, reason_len = strnlen(reason, sizeof(stats->filter_note) - 1);
    const uint8_t *src_notes = lb_source_notes(p->src, &src_len);
    uint8_t desc[sizeof(levels) + sizeof(stats->filter_note)];

    lb_classifier_close(p->classifier);
    p->classifier = NULL;
    stats->dump_level_applied = p->opts->dump_level & 1;
    snprintf(stats->filter_note, sizeof(stats->filter_note),
             "pages not filtered by type, every page kept but zero pages (-d %u, not -d %u): %s",
             stats->dump_level_applied, p->opts->dump_level, reason);
    levels[0] = p->opts->dump_level;
    levels[1] = stats->dump_level_applied;
    p->notes = malloc(src_len + 3 + sizeof(Elf64_Nhdr) + sizeof(LB_NOTE_NAME) + 3 + sizeof(levels) +
                      reason_len + 3);
    if (!p->notes)
        return; /* the console and the metadata still say it */
    if (src_len)
        memcpy(p->notes, src_notes, src_len);
    p->notes_len = (src_len + 3) / 4 * 4;
    memset(p->notes + src_len, 0, p->notes_len - src_len);
    memcpy(desc, levels, sizeof(levels));
    memcpy(desc + sizeof(levels), reason, reason_len);
    add_note(p->notes, &p->notes_len, LB_NOTE_NAME, LB_NOTE_FILTER, desc,
             sizeof(levels) + reason_len);
}

/*
 * The classifier checks itself before it may drop a page.  At -d 0 and 1 a
 * failed check only costs the classifier (hwpoisoned and offline frames are
 * then kept too), which is what those levels ask anyway.
 */
static void check_classifier(struct lb_pipe *p, struct lb_write_stats *stats)
{
    struct lb_classify_check check;
    struct lb_error why = {0};
    char reason[sizeof(why.msg) + 64];

    /* Loaded once, here: the kdump writer's priorities want the per-cpu symbols too. */
    lb_kallsyms_load_only(p->kernel, lb_classify_check_symbols, lb_classify_check_nsymbols,
                          &p->kallsyms, &why);
    if (lb_classify_check(p->kernel, p->kallsyms, &check, &why) == 0) {
        stats->filter_checked = check.frames;
        snprintf(stats->filter_checks, sizeof(stats->filter_checks), "%s", check.summary);
        return;
    }
    /* Whatever failed, out of memory included: without the check, nothing is dropped. */
    snprintf(reason, sizeof(reason), "the page classifier failed its check of this kernel: %s",
             why.msg);
    if (p->opts->dump_level & NEEDS_MEM_MAP) {
        fall_back(p, stats, reason);
        return;
    }
    lb_classifier_close(p->classifier);
    p->classifier = NULL;
}

const uint8_t *lb_pipe_notes(const struct lb_pipe *p, size_t *len)
{
    if (p->notes) {
        *len = p->notes_len;
        return p->notes;
    }
    return lb_source_notes(p->src, len);
}

int lb_pipe_open(struct lb_pipe *p, struct lb_source *src, const struct lb_write_options *opts,
                 struct lb_write_stats *stats, struct lb_error *err)
{
    struct lb_error why = {0};

    memset(p, 0, offsetof(struct lb_pipe, cls));
    p->src = src;
    p->opts = opts;
    p->stats = stats;
    /* One thread (a crash kernel's) reads in small batches, which take little memory; more
     * threads take bigger ones, so waking them is worth it.  A kdump file's batches decide
     * its order (a batch that holds the log goes first, whole) and which repeats are found,
     * so they are the same on any number of threads: the file is. */
    p->batch = opts->threads > 1 || opts->format == LB_FORMAT_KDUMP ? LB_BATCH : LB_MIN_BATCH;
    p->data = p->buf = malloc(p->batch * LB_PAGE_SIZE);
    if (!p->buf) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory for the page buffer");
        return -1;
    }
    /* The kernel's memory gives headers their utsname; without it they do with less.  The
     * classifier runs at every level: hwpoisoned and offline frames are never read. */
    stats->dump_level_applied = opts->dump_level;
    if (lb_kernel_open(src, &p->kernel, &why) == 0 &&
        lb_classifier_open(p->kernel, opts->dump_level, &p->classifier, &why) == 0) {
        check_classifier(p, stats);
        return 0;
    }
    if (opts->dump_level & NEEDS_MEM_MAP)
        fall_back(p, stats, why.msg);
    return 0;
}

void lb_pipe_close(struct lb_pipe *p)
{
    lb_classifier_close(p->classifier);
    lb_kallsyms_free(p->kallsyms);
    lb_kernel_close(p->kernel);
    free(p->notes);
    free(p->buf);
}

void lb_pipe_classify(struct lb_pipe *p, uint64_t start, size_t n)
{
    if (p->classifier)
        lb_classify(p->classifier, start, n, p->cls);
    else
        memset(p->cls, LB_CLASS_KEEP, n);
    lb_source_mark_absent(p->src, start, n, p->cls);
}

int lb_page_is_zero(const uint8_t *page)
{
    const uint64_t *w = (const uint64_t *)page;

    for (size_t i = 0; i < LB_PAGE_SIZE / 8; i += 8)
        if (w[i] | w[i + 1] | w[i + 2] | w[i + 3] | w[i + 4] | w[i + 5] | w[i + 6] | w[i + 7])
            return 0;
    return 1;
}

void lb_pipe_fetch(struct lb_pipe *p, uint64_t pfn, size_t n, const uint8_t *cls)
{
    size_t i = 0;

    /* Frames left out are never touched, so mapping them costs nothing. */
    if ((p->data = lb_source_map_pages(p->src, 0, pfn, n))) {
        for (i = 0; i < n; i++)
            p->status[i] = cls[i] == LB_CLASS_KEEP ? LB_PAGE_OK : LB_PAGE_EXCLUDED;
        return;
    }
    p->data = p->buf;
    /* Runs of kept frames are read with one call, so ELF sources read with one pread. */
    while (i < n) {
        size_t run = 0;
        if (cls[i] != LB_CLASS_KEEP) {
            p->status[i++] = LB_PAGE_EXCLUDED;
            continue;
        }
        while (i + run < n && cls[i + run] == LB_CLASS_KEEP)
            run++;
        lb_source_read_pages(p->src, pfn + i, run, p->buf + i * LB_PAGE_SIZE, p->status + i);
        i += run;
    }
    for (i = 0; i < n; i++)
        if (p->status[i] == LB_PAGE_FAILED)
            p->stats->pages_unreadable++;
}

void lb_pipe_mark_zero(const struct lb_pipe *p, uint8_t *status, uint8_t *cls)
{
    *status = LB_PAGE_ZERO;
    if (p->opts->dump_level & 1)
        *cls = LB_CLASS_ZERO;
}

void lb_pipe_zero_found(struct lb_pipe *p, size_t i, uint8_t *cls)
{
    lb_pipe_mark_zero(p, &p->status[i], &cls[i]);
}

void lb_pipe_read(struct lb_pipe *p, uint64_t pfn, size_t n, uint8_t *cls)
{
    lb_pipe_fetch(p, pfn, n, cls);
    for (size_t i = 0; i < n; i++)
        if (p->status[i] == LB_PAGE_OK && lb_page_is_zero(p->data + i * LB_PAGE_SIZE))
            lb_pipe_zero_found(p, i, cls);
}

void lb_pipe_advance(struct lb_pipe *p, uint64_t bytes)
{
    p->progress.bytes_done += bytes;
    if (p->progress.bytes_done >= p->next_report) {
        lb_pipe_report(p);
        p->next_report = p->progress.bytes_done + PROGRESS_EVERY;
    }
}

void lb_pipe_report(struct lb_pipe *p)
{
    if (p->opts->progress)
        p->opts->progress(p->opts->progress_ctx, &p->progress);
}

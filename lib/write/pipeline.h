/*
 * pipeline.h - inside the dump engine: what every writer does to frames
 * before it stores them: know which exist, classify them, read them, find
 * the zero ones, count them, report progress.
 */
#ifndef LBDUMP_PIPELINE_H
#define LBDUMP_PIPELINE_H

#include "source/source.h"

enum {
    LB_WINDOW = 1 << 15, /* frames classified at a time (128 MiB of memory) */
    LB_BATCH = 256,      /* frames read at a time at most (see lb_pipe_open) */
    /* frames a kdump batch may span, its kept frames sparse (kdump_windows.c) */
    LB_SPAN = 4 * LB_BATCH,
    LB_MIN_BATCH = 64,
    LB_PAGE_ZERO = 3, /* a read status: read, and all zero */
};

struct lb_pipe {
    struct lb_source *src;
    const struct lb_write_options *opts;
    struct lb_write_stats *stats;
    struct lb_kernel *kernel;
    struct lb_classifier *classifier;
    struct lb_kallsyms *kallsyms; /* the few symbols the writers look up, or NULL */
    struct lb_progress progress;
    uint64_t next_report;
    struct lb_sink *sink; /* the output */
    uint8_t *notes;       /* the output's notes, when they differ from the source's */
    size_t notes_len;
    uint8_t cls[LB_WINDOW];
    size_t batch; /* frames read at a time */
    uint8_t status[LB_BATCH];
    const uint8_t *data; /* this batch's pages: in buf, or mapped from the source */
    uint8_t *buf;        /* batch pages */
};

int lb_pipe_open(struct lb_pipe *p, struct lb_source *src, const struct lb_write_options *opts,
                 struct lb_write_stats *stats, struct lb_error *err);
void lb_pipe_close(struct lb_pipe *p);
/* The notes the output carries: the source's, and the LIFEBOAT note if the filter fell back. */
const uint8_t *lb_pipe_notes(const struct lb_pipe *p, size_t *len);
/* Classes of frames start..start+n-1 (n <= LB_WINDOW) into p->cls. */
void lb_pipe_classify(struct lb_pipe *p, uint64_t start, size_t n);
/*
 * Reads frames pfn..pfn+n-1 (n <= p->batch) whose class in cls is KEEP into
 * p->data, with p->status; zero pages get LB_PAGE_ZERO, and class ZERO if -d
 * says so.  Unreadable frames are counted.
 */
void lb_pipe_read(struct lb_pipe *p, uint64_t pfn, size_t n, uint8_t *cls);
/* lb_pipe_read in two: the pages and their status, then what to do with a zero one. */
void lb_pipe_fetch(struct lb_pipe *p, uint64_t pfn, size_t n, const uint8_t *cls);
void lb_pipe_zero_found(struct lb_pipe *p, size_t i, uint8_t *cls);
/* A frame read and found all zero: its status, and its class if -d says to leave zeros out. */
void lb_pipe_mark_zero(const struct lb_pipe *p, uint8_t *status, uint8_t *cls);
int lb_page_is_zero(const uint8_t *page);
void lb_pipe_advance(struct lb_pipe *p, uint64_t bytes);
void lb_pipe_report(struct lb_pipe *p);

int lb_write_elf(struct lb_pipe *p, struct lb_error *err);
int lb_write_kdump(struct lb_pipe *p, struct lb_error *err);
/* Puts len bytes at offset of the output (its sink). */
int lb_out_write(struct lb_pipe *p, const void *buf, size_t len, uint64_t offset,
                 struct lb_error *err);
/* Makes room for len bytes at offset, where the output can (see lb_sink_ops.reserve). */
int lb_out_reserve(struct lb_pipe *p, uint64_t offset, uint64_t len, struct lb_error *err);
/* What is written so far is whole: the sink may make it durable (lb_sink_ops.checkpoint). */
int lb_out_checkpoint(struct lb_pipe *p, struct lb_error *err);
/* What is written so far is made durable now: nothing written after it may be before it. */
int lb_out_sync(struct lb_pipe *p, struct lb_error *err);
/* What the output allows: unwritten bytes read as zeros; each byte written once. */
int lb_out_has_holes(const struct lb_pipe *p);
/* Bytes never written below ones that are read as zeros: holes, or a replay's gaps. */
int lb_out_gaps_read_zero(const struct lb_pipe *p);
int lb_out_write_once(const struct lb_pipe *p);
/* Bytes not written yet hold what was there before (a raw device: the last dump's), and may be
   written again: a header must come after what it points at is durable (lb_out_sync). */
int lb_out_holds_stale(const struct lb_pipe *p);

#endif

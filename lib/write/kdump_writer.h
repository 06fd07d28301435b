/*
 * kdump_writer.h - what the files of the kdump-compressed writer share: the
 * state of one write, and each part's entry points.
 *
 *   kdump_writer.c    the order of the whole: headers, passes, the end
 *   kdump_header.c    the layout and the headers
 *   kdump_windows.c   the two passes, a window of frames at a time
 *   kdump_scan.c      windows classified on the workers, a group at a time
 *   kdump_priority.c  what goes first, for a dump cut short
 *   kdump_batch.c     a batch of frames: zeros, repeats, compression, store
 *   kdump_codec.c     compress auto: the codec of each batch
 *   kdump_data.c      the data buffer, the codecs, the stored zero page
 */
#ifndef LBDUMP_KDUMP_WRITER_H
#define LBDUMP_KDUMP_WRITER_H

#include "arch/arch.h"
#include "core/codec.h"
#include "core/kdump_format.h"
#include "core/workers.h"
#include "kernel/kernel.h"
#include "write/dedup.h"
#include "write/pipeline.h"

/* DEDUP_ORDER: 16384 remembered pages in 512 KiB. */
enum { DATA_BUFFER = 256 << 10, MAX_THREADS = 64, DEDUP_ORDER = 14 };
enum { NO_TWIN = -1, STORED_TWIN = LB_SPAN };

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
    uint8_t *kept; /* a live source: the frames the first pass kept, a bit each (else NULL) */
    uint64_t bits_digest; /* of the 2nd-bitmap bits the first pass wrote (kdump_windows.c) */
    uint8_t done;
    uint8_t queued; /* the second pass has taken it into a group of scans */
};

/* A window's batches (kdump_windows.c): each spans p->batch frames at least, but the last. */
enum { MAX_BATCHES = LB_WINDOW / LB_MIN_BATCH + 1 };

/*
 * One window as a scan found it (kdump_scan.c), on whichever thread: its
 * frames with memory, their classes, and, in the second pass, its batches.
 * The first pass classifies from a walk begun afresh (in zeroed) and the
 * caller checks that nothing carried into the window from below; the second
 * restores the walk the first saved (in = window->state).
 */
struct scan {
    uint64_t start;
    size_t n;
    struct window *w;               /* the second pass: the window saved, else NULL */
    struct lb_classify_state in;    /* where the walk up the frame space stood at start */
    struct lb_classify_state out;   /* and where it stands at the end */
    size_t in_memory;               /* frames with memory */
    uint64_t slots;                 /* of those, the ones kept */
    size_t nbatch;                  /* the second pass: its batches, from[b] to from[b + 1] */
    uint64_t base[MAX_BATCHES + 1]; /* and their first descriptors' slots */
    /* the frames of its batches with nothing to save, by class, and all of them */
    uint64_t left_out[LB_CLASS_COUNT], left_in_memory;
    size_t from[MAX_BATCHES + 1];
    uint8_t present[LB_WINDOW];
    uint8_t cls[LB_WINDOW];
};

enum { MAX_PRIORITY = 72 };
/*
 * The order data is saved in, most needed first.  Each tier is its own: a
 * window is saved whole once begun, so with the log and the per-cpu areas in
 * one tier, a per-cpu window below the log's could fill a small target first
 * and leave no log at all (seen with KASLR putting the kernel image high).
 */
enum tier { TIER_LOG = 1, TIER_PER_CPU, TIER_KERNEL, TIER_REST };

/* compress auto's candidate codecs (kdump_codec.c) */
enum { AUTO_CANDIDATES = 3 };

/* Sampled pages compressed with every candidate: their CPU time and bytes for each. */
struct codec_probe {
    uint64_t pages, ns[AUTO_CANDIDATES], bytes[AUTO_CANDIDATES];
};

/* A batch of frames on its way: read, examined (on the workers), stored (kdump_batch.c). */

struct batch {
    struct kdump *k;
    uint64_t pfn;
    size_t n;
    const uint8_t *present; /* which frames have memory (only while it is begun) */
    uint8_t *cls;           /* the window's classes of these frames */
    uint8_t *bits;          /* the window's 2nd bitmap, where this batch's bits start */
    size_t bit0;
    uint64_t rank, rank_end; /* its descriptors' slots: the first, and past the last */
    size_t in_memory;        /* frames with memory, for progress */
    int parallel;            /* examined on the workers */
    const uint8_t *mapped;   /* its pages where the source is mapped, else NULL: */
    uint8_t *buf;            /* a slot of a page for each kept frame (see cslot) */
    uint8_t status[LB_SPAN];
    size_t clen[LB_SPAN];    /* compressed size, 0 if stored as is */
    uint8_t *cbuf;           /* a slot of LB_CODEC_BOUND for each kept frame */
    uint16_t cslot[LB_SPAN]; /* frame i's slot in cbuf */
    uint64_t hash[LB_SPAN];
    struct lb_dedup_guess guess[LB_SPAN]; /* compared on a worker (dedup.c) */
    enum lb_codec codec;                  /* what its pages are compressed with, at level */
    int level;
    /* compress auto: each thread's pages tried ([0]: the caller's), the time compressing
     * those of them it timed, and what its sampled pages cost with every candidate codec
     * (kdump_codec.c) */
    uint64_t cpu_ns[MAX_THREADS + 1], tried[MAX_THREADS + 1], timed[MAX_THREADS + 1];
    struct codec_probe probe[MAX_THREADS + 1];
};

/* What the batches since compress auto's last decision cost (kdump_codec.c). */
struct codec_meter {
    uint64_t batches, pages, cpu_ns, bytes;
    uint64_t timed_pages, timed_ns; /* the pages timed, which stand for all (kdump_batch.c) */
    uint64_t sink_ns, sink_cpu_ns;  /* the sink's time waiting, and its CPU time */
    uint64_t wall_ns;               /* the time the measured batches took, end to end */
    struct codec_probe probe;       /* the candidates compared on the same pages */
};

struct kdump {
    struct lb_pipe *p;
    uint64_t prio_lo[MAX_PRIORITY], prio_hi[MAX_PRIORITY]; /* physical ranges to save first */
    int prio_tier[MAX_PRIORITY];                           /* enum tier: lower first */
    size_t nprio;
    struct window *windows;
    size_t nwindows, windows_cap;
    struct layout l;
    uint64_t slots;       /* page descriptors the table has room for */
    uint64_t data_pos;    /* where the next page data goes */
    uint64_t zero_offset; /* the one stored zero page, or 0 */
    uint32_t zero_size, zero_flags;
    uint8_t bitmap[LB_WINDOW / 8];
    struct kdump_page_desc pds[LB_SPAN];
    uint8_t *dbuf; /* page data not yet written */
    size_t dlen;
    uint64_t dbuf_at;
    /* compression */
    struct lb_workers *workers;
    struct lb_codec_ctx *codecs[MAX_THREADS];
    int threads;         /* compressing threads, the caller's included */
    enum lb_codec codec; /* what the next batch is compressed with, at level */
    int level;
    int auto_codec;             /* compress auto: codec and level change (kdump_codec.c) */
    size_t choice;              /* auto's candidate now */
    uint64_t metered_at;        /* when auto last measured a batch (ns, monotonic) */
    uint64_t clock_ns;          /* what reading the clock costs, taken off each time measured */
    double target_ns_per_byte;  /* the target's time a byte when it was the limit; 0: never */
    unsigned age_every, unaged; /* it ages every age_every periods it is not the limit */
    int last_move;              /* the last decision's change: +1 to a dearer codec, -1 cheaper */
    struct codec_meter meter;   /* auto's measures since its last decision */
    struct batch batches[LB_MAP_SLOTS];
    int next_slot;
    struct batch *examining; /* with the workers now */
    /* repeats: see dedup.c; each worker's view of the source and a page to read into, to
     * compare a page with its candidate ahead (kdump_batch.c; [0] is the caller's: src) */
    struct lb_dedup *dedup;
    struct lb_source *views[MAX_THREADS];
    uint8_t *guess_pages;
    /* the scans of a group of windows, one a thread, and each thread's classifier (kdump_scan.c) */
    struct scan *scans;
    size_t nscans;
    struct lb_classifier *classifiers[MAX_THREADS];
    int16_t twin[LB_SPAN];            /* NO_TWIN, STORED_TWIN or an earlier frame of the batch */
    struct lb_stored placed[LB_SPAN]; /* where each frame's data is, once known */
};

static inline uint64_t lb_kdump_round_up(uint64_t n, uint64_t to)
{
    return (n + to - 1) / to * to;
}

/* Frames a batch may span: LB_SPAN for batches of LB_BATCH kept frames, as many times the pipe's.
 */
static inline size_t lb_kdump_span(const struct kdump *k)
{
    return LB_SPAN / LB_BATCH * k->p->batch;
}

/* kdump_header.c */
/* Frames of the window [start, start+n) that some segment has data for, as 0/1 bytes in
 * present; their count. */
size_t lb_kdump_frames_present(struct lb_source *src, uint64_t start, size_t n, uint8_t *present);
void lb_kdump_layout(struct kdump *k);
int lb_kdump_bitmaps_fit(struct kdump *k, struct lb_error *err);
int lb_kdump_write_header(struct kdump *k, int complete, struct lb_error *err);
/* The same, its block 0 only once all written before it is durable (a device's). */
int lb_kdump_write_header_durably(struct kdump *k, int complete, struct lb_error *err);

/* kdump_priority.c */
void lb_kdump_find_priorities(struct kdump *k);
/* Does frames pfn..pfn+n-1 hold a range of this tier (TIER_REST: anything)? */
int lb_kdump_in_tier(const struct kdump *k, uint64_t pfn, size_t n, int tier);

/* kdump_scan.c: the scans, set up and freed; scans 0..n-1 (start, n, w, in given) done. */
int lb_kdump_scans_setup(struct kdump *k, struct lb_error *err);
void lb_kdump_scans_teardown(struct kdump *k);
void lb_kdump_scan(struct kdump *k, size_t n);
/* Scan s again on the caller's thread, from the walk in. */
void lb_kdump_scan_alone(struct kdump *k, struct scan *s);

/* kdump_windows.c */
int lb_kdump_first_pass(struct kdump *k, struct lb_error *err);
/* The classes the second pass saves a window by: exactly the frames its slots were counted for
 * (kdump_windows.c; here for the unit tests). */
void lb_kdump_second_pass_classes(const struct window *w, uint8_t *cls, const uint8_t *present,
                                  size_t n);
int lb_kdump_second_pass(struct kdump *k, struct lb_error *err);

/*
 * kdump_batch.c: a batch is begun (spec gives pfn, n, present, cls, bits,
 * bit0, rank, rank_end), which reads it and hands it to the workers, then
 * stored, in the order begun; at most two at once.  drain waits for the
 * workers (before giving up on a write).
 */
struct batch *lb_kdump_batch_begin(struct kdump *k, const struct batch *spec);
int lb_kdump_batch_store(struct kdump *k, struct batch *b, struct lb_error *err);
void lb_kdump_batch_drain(struct kdump *k);

/* kdump_codec.c: the codec of the first batch, then of each next one (auto: measured). */
void lb_kdump_codec_start(struct kdump *k);
void lb_kdump_codec_next(struct kdump *k);
/* Is frame pfn one of the pages auto compresses with every candidate?  (1 in 256) */
int lb_kdump_codec_sampled(uint64_t pfn);
/* Is frame pfn one of the pages whose compression auto times?  (1 in 32) */
int lb_kdump_codec_timed(uint64_t pfn);
void lb_kdump_codec_probe(const struct kdump *k, struct lb_codec_ctx *codec, const uint8_t *page,
                          struct codec_probe *probe);
void lb_kdump_codec_meter_probe(struct kdump *k, const struct codec_probe *probe);
uint64_t lb_kdump_now_ns(void);
uint64_t lb_kdump_thread_cpu_ns(void); /* this thread's CPU time */
/* The time since began (lb_kdump_now_ns()), less what reading the clock costs. */
uint64_t lb_kdump_elapsed_ns(const struct kdump *k, uint64_t began);

/* kdump_data.c */
int lb_kdump_setup(struct kdump *k, struct lb_error *err);
void lb_kdump_teardown(struct kdump *k);
int lb_kdump_append(struct kdump *k, const uint8_t *data, size_t len, struct lb_error *err);
int lb_kdump_flush(struct kdump *k, struct lb_error *err);
int lb_kdump_store_zero_page(struct kdump *k, struct lb_error *err);
/* One page's data stored with codec (LB_CODEC_NONE: as is), at level: counted in the stats. */
void lb_kdump_count_stored(struct kdump *k, enum lb_codec codec, int level);

#endif

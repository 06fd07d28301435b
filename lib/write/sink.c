/*
 * sink.c - the plain sinks: a file descriptor (a file, a device, a pipe),
 * and makedumpfile's flattened stream over one.  Writers reach their output
 * only through these (and the sinks stacked on them, age_sink.c), so a new
 * kind of output is a new sink, never a change to a writer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lbdump.h"

struct fd_sink {
    struct lb_sink base;
    int fd;
    int owned;              /* lb_sink_file: finishing syncs the descriptor, freeing closes it */
    uint64_t pos;           /* a stream's: the bytes written so far */
    uint64_t unsynced;      /* bytes written since the last checkpoint's sync */
    uint64_t unstarted;     /* bytes written since writeback was last started */
    uint64_t paced;         /* bytes written in all, for the first pacing's finer grain */
    uint64_t end;           /* the end of the highest write */
    uint64_t waited_to;     /* writeback below this was started at the last pacing */
    int no_early_writeback; /* sync_file_range refused once: not asked again */
    int writeback_errno;    /* a write error the wait for writeback took: the checkpoints' and
                             * the finish's too (their sync would not see it again) */
};

/*
 * A checkpoint syncs once this much went out since the last one: a power cut
 * loses at most that much of a dump, and a big machine's thousands of windows
 * with little to save cost no sync each.
 */
enum { CHECKPOINT_BYTES = 32 << 20 };

/*
 * Every this much written, writeback of it is started, then the writer waits
 * for the writeback started the time before: the disk always has the next
 * piece queued, and what is in flight stays under two of these, not the
 * kernel's dirty thresholds' worth.  After a checkpoint's sync the page cache
 * is clean, and a slow disk would otherwise sit idle until the writes dirtied
 * a tenth of memory again; in the crash kernel, dirty pages are memory the
 * dump cannot use; and a disk slower than the compression shows as time
 * waiting here, at once, which is what compress auto measures to choose its
 * codec (kdump_codec.c), where a page cache taking the first tens of MiB
 * would hide it until the last sync.
 */
enum { WRITEBACK_BYTES = 4 << 20 };

/*
 * The first WRITEBACK_RAMP bytes at a quarter of that: a slow disk shows as
 * waits from the second MiB on, well within compress auto's first period
 * (8 MiB, kdump_codec.c), which otherwise could end before the first wait
 * and keep LZO, the codec that writes most, on a disk that is the limit.
 */
enum { WRITEBACK_RAMP = 16 << 20, WRITEBACK_FIRST_BYTES = WRITEBACK_BYTES / 4 };

/* sync_file_range cannot be had here (a pipe, /dev/null, an old kernel): not asked again. */
static int writeback_unsupported(int error)
{
    return error == EINVAL || error == ESPIPE || error == ENOSYS || error == EOPNOTSUPP;
}

/*
 * Starts writeback of what was written since the last time (and of what was
 * rewritten below it: bitmaps, descriptors), and waits for what was started
 * then.  The wait takes the file's write error, which the next fsync would
 * then not see: it fails this write, and is kept for the checkpoints and the
 * finish; the writes that close a dump cut short still go out.
 */
static int pace_writeback(struct fd_sink *f, size_t written)
{
    f->unstarted += written;
    f->paced += written;
    if (!(f->owned || (f->base.caps & LB_SINK_WRITEBACK)) || f->no_early_writeback ||
        (f->base.caps & LB_SINK_STREAM) ||
        f->unstarted < (f->paced <= WRITEBACK_RAMP ? WRITEBACK_FIRST_BYTES : WRITEBACK_BYTES))
        return 0;
    f->unstarted = 0;
    if (sync_file_range(f->fd, 0, 0, SYNC_FILE_RANGE_WRITE) == 0 &&
        (!f->waited_to ||
         sync_file_range(f->fd, 0, (off_t)f->waited_to, SYNC_FILE_RANGE_WAIT_BEFORE) == 0)) {
        f->waited_to = f->end;
        return 0;
    }
    if (errno == EINTR)
        return 0;
    if (writeback_unsupported(errno)) {
        f->no_early_writeback = 1;
        return 0;
    }
    f->writeback_errno = errno;
    return -1;
}

static int fd_write(struct lb_sink *s, const void *buf, size_t len, uint64_t offset,
                    struct lb_error *err)
{
    struct fd_sink *f = (struct fd_sink *)s;
    const uint8_t *p = buf;
    int stream = s->caps & LB_SINK_STREAM;

    if (stream && offset != f->pos) {
        lb_error_setk(err, LB_ERR_OUTPUT_IO,
                      "write at offset %llu of a stream that is at %llu: a stream goes in order",
                      (unsigned long long)offset, (unsigned long long)f->pos);
        return -1;
    }
    while (len > 0) {
        ssize_t n = stream ? write(f->fd, p, len) : pwrite(f->fd, p, len, (off_t)offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            lb_error_setk(err, n < 0 ? lb_error_kind_of_write(errno) : LB_ERR_NO_SPACE,
                          "write of %zu bytes at output offset %llu: %s", len,
                          (unsigned long long)offset, n < 0 ? strerror(errno) : "no progress");
            return -1;
        }
        p += n;
        len -= (size_t)n;
        offset += (uint64_t)n;
    }
    f->pos = offset;
    f->end = offset > f->end ? offset : f->end;
    f->unsynced += (uint64_t)(p - (const uint8_t *)buf);
    if (pace_writeback(f, (size_t)(p - (const uint8_t *)buf)) < 0) {
        lb_error_setk(err, lb_error_kind_of_write(f->writeback_errno),
                      "writing back the output before offset %llu: %s", (unsigned long long)offset,
                      strerror(f->writeback_errno));
        return -1;
    }
    return 0;
}

/* A write error the wait for writeback took (pace_writeback), said again where syncs are. */
static int writeback_failed(const struct fd_sink *f, struct lb_error *err)
{
    if (!f->writeback_errno)
        return 0;
    lb_error_setk(err, lb_error_kind_of_write(f->writeback_errno), "writing back the output: %s",
                  strerror(f->writeback_errno));
    return -1;
}

static int fd_checkpoint(struct lb_sink *s, int now, struct lb_error *err)
{
    struct fd_sink *f = (struct fd_sink *)s;

    if (writeback_failed(f, err) < 0)
        return -1;
    if ((s->caps & LB_SINK_STREAM) || (!now && (!f->owned || f->unsynced < CHECKPOINT_BYTES)))
        return 0;
    f->unsynced = 0;
    if (fdatasync(f->fd) < 0 && errno != EINVAL) {
        lb_error_setk(err, lb_error_kind_of_write(errno), "fdatasync: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* A file with holes is given its length: the last bytes may be a hole. */
static int fd_finish(struct lb_sink *s, uint64_t size, int whole, struct lb_error *err)
{
    struct fd_sink *f = (struct fd_sink *)s;

    if (whole && (s->caps & LB_SINK_HOLES) && ftruncate(f->fd, (off_t)size) < 0) {
        lb_error_setk(err, lb_error_kind_of_write(errno), "cannot set the output's size: %s",
                      strerror(errno));
        return -1;
    }
    /* where a disk's write errors show, after the page cache (EINVAL: a file with nothing to
     * sync, such as /dev/null, where a rehearsal sizes a raw target's dump) */
    if (f->owned && fsync(f->fd) < 0 && errno != EINVAL) {
        lb_error_setk(err, lb_error_kind_of_write(errno), "fsync: %s", strerror(errno));
        return -1;
    }
    return writeback_failed(f, err); /* what was written is synced all the same */
}

static void fd_free(struct lb_sink *s)
{
    struct fd_sink *f = (struct fd_sink *)s;

    if (f->owned)
        close(f->fd);
    free(s);
}

static int fd_reserve(struct lb_sink *s, uint64_t offset, uint64_t len, struct lb_error *err)
{
    struct fd_sink *f = (struct fd_sink *)s;

    /* KEEP_SIZE: the file ends where its last write does, not where room was made */
    if (s->caps & LB_SINK_STREAM ||
        fallocate(f->fd, FALLOC_FL_KEEP_SIZE, (off_t)offset, (off_t)len) == 0)
        return 0;
    if (errno != ENOSPC && errno != EDQUOT && errno != EFBIG)
        return 0; /* no fallocate here (a device, vfat): the writes will say */
    lb_error_setk(err, LB_ERR_NO_SPACE, "no room for %llu bytes at output offset %llu: %s",
                  (unsigned long long)len, (unsigned long long)offset, strerror(errno));
    return -1;
}

static const struct lb_sink_ops fd_ops = {
    .write = fd_write,
    .finish = fd_finish,
    .free = fd_free,
    .reserve = fd_reserve,
    .checkpoint = fd_checkpoint,
};

struct lb_sink *lb_sink_fd(int fd, unsigned caps)
{
    struct fd_sink *f = calloc(1, sizeof(*f));

    if (!f)
        return NULL;
    f->base.ops = &fd_ops;
    f->base.caps = caps;
    f->fd = fd;
    return &f->base;
}

struct lb_sink *lb_sink_file(int fd, unsigned caps)
{
    struct lb_sink *s = lb_sink_fd(fd, caps);

    if (s)
        ((struct fd_sink *)s)->owned = 1;
    else
        close(fd);
    return s;
}

/* ---- the flattened stream --------------------------------------------- */

/* Records of (offset, size, bytes), every number big-endian, after a one-page header. */
struct flat_sink {
    struct lb_sink base;
    struct lb_sink *stream;
    uint64_t pos;
    int borrowed; /* lb_sink_replayed: the stream is not ours to free */
    /* Replayed, what a writer rewrites at the end (its headers, bitmaps) goes on the stream
     * after everything else: that much room is kept ahead of pos until the target is full. */
    uint64_t keep, reserved_to;
    int full, torn;
};

static void put_be64(uint8_t *out, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        out[i] = (uint8_t)v;
}

/* Room for len more bytes and the ones kept for the end; once it fails, the kept room is used. */
static int make_room(struct flat_sink *f, size_t len, struct lb_error *err)
{
    uint64_t need = f->pos + len + f->keep;

    if (!f->keep || f->full || need <= f->reserved_to || !f->stream->ops->reserve)
        return 0;
    if (need < f->reserved_to + (1 << 20))
        need = f->reserved_to + (1 << 20); /* a reservation a MiB at a time, not a write */
    if (f->stream->ops->reserve(f->stream, f->reserved_to, need - f->reserved_to, err) < 0) {
        f->full = 1;
        lb_error_prefix(err, "the rest of the room is kept for the dump's headers");
        return -1;
    }
    f->reserved_to = need;
    return 0;
}

static int flat_put(struct flat_sink *f, const void *buf, size_t len, struct lb_error *err)
{
    if (f->stream->ops->write(f->stream, buf, len, f->pos, err) < 0)
        return -1;
    f->pos += len;
    return 0;
}

static int flat_write(struct lb_sink *s, const void *buf, size_t len, uint64_t offset,
                      struct lb_error *err)
{
    struct flat_sink *f = (struct flat_sink *)s;
    uint8_t record[16];

    /* A record is whole or the stream ends: after a torn one, the next would be read as its
     * data.  Its room is made first, so a full target ends the stream between records. */
    if (f->torn) {
        lb_error_setk(err, LB_ERR_OUTPUT_IO,
                      "the flattened stream ends in a record cut short: nothing goes after it");
        return -1;
    }
    if (make_room(f, sizeof(record) + len, err) < 0)
        return -1;
    put_be64(record, offset);
    put_be64(record + 8, len);
    if (flat_put(f, record, sizeof(record), err) < 0 || flat_put(f, buf, len, err) < 0) {
        f->torn = 1;
        return -1;
    }
    return 0;
}

/* The end marker says the stream is whole; a stream cut short has none. */
static int flat_finish(struct lb_sink *s, uint64_t size, int whole, struct lb_error *err)
{
    struct flat_sink *f = (struct flat_sink *)s;
    uint8_t end[16];
    struct lb_error ignored;

    (void)size;
    memset(end, 0xff, sizeof(end)); /* offset -1, size -1 */
    if (whole && f->torn)
        lb_error_setk(err, LB_ERR_OUTPUT_IO, "the flattened stream ends in a record cut short");
    if (whole && (f->torn || flat_put(f, end, sizeof(end), err) < 0)) {
        f->stream->ops->finish(f->stream, f->pos, 0, &ignored);
        return -1;
    }
    return f->stream->ops->finish(f->stream, f->pos, whole, err);
}

static void flat_free(struct lb_sink *s)
{
    struct flat_sink *f = (struct flat_sink *)s;

    if (!f->borrowed)
        f->stream->ops->free(f->stream);
    free(f);
}

/* Replayed: bytes the writer will write again at the end, kept room for (with their records). */
static int flat_reserve(struct lb_sink *s, uint64_t offset, uint64_t len, struct lb_error *err)
{
    struct flat_sink *f = (struct flat_sink *)s;

    (void)offset;
    if (!f->borrowed)
        return 0;
    f->keep += len + len / 4096 * 16 + 4096;
    return make_room(f, 0, err);
}

/* A stream's records are whole as written: the stream under it says when they are durable. */
static int flat_checkpoint(struct lb_sink *s, int now, struct lb_error *err)
{
    struct flat_sink *f = (struct flat_sink *)s;

    return f->stream->ops->checkpoint ? f->stream->ops->checkpoint(f->stream, now, err) : 0;
}

static const struct lb_sink_ops flat_ops = {
    .write = flat_write,
    .finish = flat_finish,
    .free = flat_free,
    .reserve = flat_reserve,
    .checkpoint = flat_checkpoint,
};

static struct lb_sink *flattened(struct lb_sink *stream, int borrowed, struct lb_error *err)
{
    struct flat_sink *f = calloc(1, sizeof(*f));
    uint8_t header[LB_PAGE_SIZE] = "makedumpfile";

    if (!f) {
        if (!borrowed)
            stream->ops->free(stream);
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory");
        return NULL;
    }
    f->base.ops = &flat_ops;
    /* Readers of streams keep the first copy of a region (crash) or the last
     * (makedumpfile -R): written once, both read the same file.  No holes: a
     * file rebuilt from records ends at the last one written.  Replayed, the
     * last copy counts, as in a file, and a byte no record covers reads as
     * zero (flat_view.c): zeros need not be written before the end. */
    f->base.caps = borrowed ? LB_SINK_GAPS_READ_ZERO : LB_SINK_WRITE_ONCE;
    f->stream = stream;
    f->borrowed = borrowed;
    put_be64(header + 16, 1); /* type: flattened */
    put_be64(header + 24, 1); /* version */
    if (flat_put(f, header, sizeof(header), err) < 0) {
        flat_free(&f->base);
        return NULL;
    }
    return &f->base;
}

struct lb_sink *lb_sink_flattened(struct lb_sink *stream, struct lb_error *err)
{
    return flattened(stream, 0, err);
}

struct lb_sink *lb_sink_replayed(struct lb_sink *stream, struct lb_error *err)
{
    return flattened(stream, 1, err);
}

/* ---- a paced sink ------------------------------------------------------ */

/*
 * Writes to the sink under it at most rate bytes a second: a target shared
 * with other work (a network link, a busy disk) keeps the rest of its
 * bandwidth, and compress auto sees the target as slow as a slower one.  As
 * a disk's, its credit is bounded: time it was left idle lets at most
 * PACE_BURST_NS of writes through at once, not all the bytes of that time.
 */
enum { PACE_BURST_NS = 100000000 };

struct paced_sink {
    struct lb_sink base;
    struct lb_sink *under;
    uint64_t rate;
    uint64_t due_ns; /* when the bytes written so far are due at the rate */
};

static uint64_t monotonic_ns(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Counts len bytes at the rate and sleeps until they are due. */
static void pace(struct paced_sink *p, size_t len)
{
    uint64_t now = monotonic_ns();

    if (p->due_ns + PACE_BURST_NS < now)
        p->due_ns = now - PACE_BURST_NS; /* the credit of idle time is bounded */
    p->due_ns += (uint64_t)((double)len * 1e9 / (double)p->rate);
    if (p->due_ns > now) {
        struct timespec wait = {(time_t)((p->due_ns - now) / 1000000000u),
                                (long)((p->due_ns - now) % 1000000000u)};
        while (nanosleep(&wait, &wait) < 0 && errno == EINTR)
            ;
    }
}

static int paced_write(struct lb_sink *s, const void *buf, size_t len, uint64_t offset,
                       struct lb_error *err)
{
    struct paced_sink *p = (struct paced_sink *)s;

    if (p->under->ops->write(p->under, buf, len, offset, err) < 0)
        return -1;
    pace(p, len);
    return 0;
}

static int paced_finish(struct lb_sink *s, uint64_t size, int whole, struct lb_error *err)
{
    struct paced_sink *p = (struct paced_sink *)s;

    return p->under->ops->finish(p->under, size, whole, err);
}

static void paced_free(struct lb_sink *s)
{
    struct paced_sink *p = (struct paced_sink *)s;

    p->under->ops->free(p->under);
    free(p);
}

static int paced_reserve(struct lb_sink *s, uint64_t offset, uint64_t len, struct lb_error *err)
{
    struct paced_sink *p = (struct paced_sink *)s;

    return p->under->ops->reserve ? p->under->ops->reserve(p->under, offset, len, err) : 0;
}

static int paced_checkpoint(struct lb_sink *s, int now, struct lb_error *err)
{
    struct paced_sink *p = (struct paced_sink *)s;

    return p->under->ops->checkpoint ? p->under->ops->checkpoint(p->under, now, err) : 0;
}

static const struct lb_sink_ops paced_ops = {
    .write = paced_write,
    .finish = paced_finish,
    .free = paced_free,
    .reserve = paced_reserve,
    .checkpoint = paced_checkpoint,
};

struct lb_sink *lb_sink_paced(struct lb_sink *under, uint64_t bytes_per_second)
{
    struct paced_sink *p = calloc(1, sizeof(*p));

    if (!p) {
        under->ops->free(under);
        return NULL;
    }
    p->base.ops = &paced_ops;
    p->base.caps = under->caps;
    p->under = under;
    p->rate = bytes_per_second ? bytes_per_second : 1;
    return &p->base;
}

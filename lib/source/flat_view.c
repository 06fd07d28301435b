/*
 * flat_view.c - a flattened stream read in place.  Replaying the records in
 * order into a file (makedumpfile -R, lb_unflatten) gives the dump; here the
 * records' heads are indexed once, the data passed over, and a read at an
 * offset of that dump is served from the stream itself:
 *   1. The byte at offset x is the last record's (in stream order) that
 *      covers x; a byte no record covers reads as zero; the dump ends where
 *      the furthest record ends.
 *   2. A record torn by the end of the stream is left out whole, as if never
 *      begun: half a header rewritten is worse than the old one.  A stream
 *      without its end record (offset -1, size -1) is cut short.
 *   3. Every loop is bounded by the stream's size (a record is at least its
 *      16-byte head) or by the number of records.
 */
#include <stdlib.h>
#include <string.h>

#include "source/flat_view.h"

enum { HEAD = 4096, REC = 16 };

struct rec {
    uint64_t offset, len, pos, seq; /* pos: where its data is in the stream */
};

struct lb_flat_view {
    lb_flat_read rd;
    void *ctx;
    struct rec *rec; /* by offset, then by seq */
    uint64_t *reach; /* reach[i]: the furthest end of rec[0..i] */
    size_t n;
    uint64_t size;
    int cut;
};

static uint64_t be64(const uint8_t *b)
{
    uint64_t v = 0;

    for (int i = 0; i < 8; i++)
        v = v << 8 | b[i];
    return v;
}

static int by_offset(const void *a, const void *b)
{
    const struct rec *x = a, *y = b;

    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int add(struct lb_flat_view *v, size_t *cap, const struct rec *r, struct lb_error *err)
{
    if (v->n == *cap) {
        size_t grown_cap = *cap ? 2 * *cap : 256;
        struct rec *grown = realloc(v->rec, grown_cap * sizeof(*grown));
        if (!grown) {
            lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory for %zu records of the stream",
                          grown_cap);
            return -1;
        }
        v->rec = grown;
        *cap = grown_cap;
    }
    v->rec[v->n++] = *r;
    return 0;
}

static int index_records(struct lb_flat_view *v, uint64_t stream_size, struct lb_error *err)
{
    uint8_t head[REC];
    uint64_t at = HEAD;
    size_t cap = 0;

    v->cut = 1;
    while (stream_size - at >= REC) { /* (3) at grows by REC at least */
        if (v->rd(v->ctx, head, REC, at, err) < 0) {
            lb_error_prefix(err, "flattened stream, record at byte %llu", (unsigned long long)at);
            return -1;
        }
        struct rec r = {be64(head), be64(head + 8), at + REC, v->n};
        if (r.offset == UINT64_MAX && r.len == UINT64_MAX) {
            v->cut = 0;
            return 0;
        }
        if (r.offset >> 62 || r.len >> 40) {
            lb_error_setk(err, LB_ERR_CORRUPT,
                          "flattened stream, byte %llu: a record of %llu bytes at offset %llu "
                          "is not a sane one",
                          (unsigned long long)at, (unsigned long long)r.len,
                          (unsigned long long)r.offset);
            return -1;
        }
        if (r.len > stream_size - r.pos)
            return 0; /* (2) torn: left out */
        if (r.len && add(v, &cap, &r, err) < 0)
            return -1;
        at = r.pos + r.len;
    }
    return 0;
}

int lb_flat_view_open(lb_flat_read rd, void *ctx, uint64_t stream_size, struct lb_flat_view **out,
                      struct lb_error *err)
{
    struct lb_flat_view *v = calloc(1, sizeof(*v));
    uint8_t head[32];

    *out = NULL;
    if (!v) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory");
        return -1;
    }
    v->rd = rd;
    v->ctx = ctx;
    if (stream_size >= HEAD && rd(ctx, head, sizeof(head), 0, err) < 0) {
        lb_flat_view_close(v);
        return -1;
    }
    if (stream_size < HEAD || memcmp(head, "makedumpfile", 12) != 0 || be64(head + 16) != 1) {
        lb_error_setk(err, LB_ERR_CORRUPT,
                      "not a flattened stream: no 'makedumpfile' type 1 header in its first "
                      "%d bytes",
                      HEAD);
        lb_flat_view_close(v);
        return -1;
    }
    if (index_records(v, stream_size, err) < 0) {
        lb_flat_view_close(v);
        return -1;
    }
    if (v->n) {
        qsort(v->rec, v->n, sizeof(*v->rec), by_offset);
        if (!(v->reach = malloc(v->n * sizeof(*v->reach)))) {
            lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory");
            lb_flat_view_close(v);
            return -1;
        }
        for (size_t i = 0; i < v->n; i++) {
            uint64_t end = v->rec[i].offset + v->rec[i].len;
            v->reach[i] = i && v->reach[i - 1] > end ? v->reach[i - 1] : end;
        }
        v->size = v->reach[v->n - 1];
    }
    *out = v;
    return 0;
}

uint64_t lb_flat_view_size(const struct lb_flat_view *v)
{
    return v->size;
}

int lb_flat_view_cut(const struct lb_flat_view *v)
{
    return v->cut;
}

/* How many records start at or before x. */
static size_t starting_by(const struct lb_flat_view *v, uint64_t x)
{
    size_t lo = 0, hi = v->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v->rec[mid].offset <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/*
 * Where byte x comes from (1): *from is the record (or v->n: no record, zeros),
 * *until where that stays so.
 */
static void locate(const struct lb_flat_view *v, uint64_t x, size_t *from, uint64_t *until)
{
    size_t i = starting_by(v, x), best = v->n;

    for (size_t j = i; j > 0 && v->reach[j - 1] > x; j--) /* (3) */
        if (v->rec[j - 1].offset + v->rec[j - 1].len > x &&
            (best == v->n || v->rec[j - 1].seq > v->rec[best].seq))
            best = j - 1;
    *from = best;
    *until = best == v->n ? v->size : v->rec[best].offset + v->rec[best].len;
    /* A later record starting further on takes over from there; with none, the next one. */
    for (size_t k = i; k < v->n && v->rec[k].offset < *until; k++)
        if (best == v->n || v->rec[k].seq > v->rec[best].seq) {
            *until = v->rec[k].offset;
            break;
        }
}

int lb_flat_view_pread(struct lb_flat_view *v, void *buf, size_t len, uint64_t offset,
                       struct lb_error *err)
{
    uint8_t *p = buf;

    if (offset > v->size || len > v->size - offset) {
        lb_error_set(err,
                     "read of %zu bytes at %llu is past the end of the dump the flattened "
                     "stream holds (%llu bytes%s)",
                     len, (unsigned long long)offset, (unsigned long long)v->size,
                     v->cut ? ", cut short" : "");
        return -1;
    }
    while (len > 0) {
        size_t r;
        uint64_t until;
        locate(v, offset, &r, &until);
        size_t n = until - offset < len ? (size_t)(until - offset) : len;
        if (r == v->n)
            memset(p, 0, n);
        else if (v->rd(v->ctx, p, n, v->rec[r].pos + (offset - v->rec[r].offset), err) < 0)
            return -1;
        p += n;
        offset += n;
        len -= n;
    }
    return 0;
}

void lb_flat_view_close(struct lb_flat_view *v)
{
    if (v) {
        free(v->rec);
        free(v->reach);
        free(v);
    }
}

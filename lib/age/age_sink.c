/*
 * age_sink.c - a sink that encrypts into the age format on the sink under it.
 *
 * Writers put bytes at any offset, but an age chunk can be sealed only once:
 * sealing two contents under one nonce would give away both.  So:
 *   1. The sink says LB_SINK_WRITE_ONCE and LB_SINK_SEALED: a dump is
 *      written over it as makedumpfile's flattened records, in order
 *      (lb_write_sink), so every chunk but the one being filled is sealed
 *      and on the target: a capture killed midway (power, its deadline)
 *      leaves an age file whose chunks open up to the cut, holding a stream
 *      whose first records are the dump's headers.  Other writers (the log,
 *      the report) write in order too.
 *   2. A chunk is kept in memory, "pending", from its first byte written
 *      until every byte of it is written and something past it is too (the
 *      final chunk carries a flag, and is known only at the end); then it is
 *      sealed and written at its place, header + n * (64 KiB + 16).
 *   3. At most MAX_PENDING chunks wait; past that the lowest is sealed with
 *      zeros where nothing was written, and a later write there is an error.
 *      Writers in order leave one pending.
 *   4. finish() seals every chunk not sealed yet, zeros where never written,
 *      the last one flagged: a dump cut short is still a whole age file.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "age/age.h"

enum { MAX_PENDING = 48 };

struct pending {
    uint64_t index;
    uint32_t covered;               /* bytes of it written */
    uint8_t data[AGE_CHUNK];        /* unwritten bytes are zero */
    uint8_t written[AGE_CHUNK / 8]; /* which bytes */
};

struct run {
    uint64_t lo, hi; /* chunks lo..hi-1 are sealed */
};

struct age_sink {
    struct lb_sink base;
    struct lb_sink *lower;
    uint8_t key[AGE_KEY];
    uint64_t payload_at; /* where chunk 0 starts in the lower sink */
    uint64_t end;        /* highest byte written + 1 */
    struct pending *pend[MAX_PENDING];
    size_t npend;
    struct pending *spare[MAX_PENDING]; /* sealed ones, zeroed, for the next chunks */
    size_t nspare;
    struct run *sealed; /* sorted, disjoint, not touching */
    size_t nsealed, sealed_cap;
    uint8_t out[AGE_SEALED];
};

static size_t run_at(const struct age_sink *a, uint64_t index)
{
    size_t lo = 0, hi = a->nsealed; /* the first run ending after index */

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a->sealed[mid].hi <= index)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int is_sealed(const struct age_sink *a, uint64_t index)
{
    size_t i = run_at(a, index);

    return i < a->nsealed && a->sealed[i].lo <= index;
}

static int note_sealed(struct age_sink *a, uint64_t index, struct lb_error *err)
{
    size_t i = run_at(a, index);

    if (i > 0 && a->sealed[i - 1].hi == index) { /* extends the run before */
        a->sealed[i - 1].hi++;
        if (i < a->nsealed && a->sealed[i].lo == index + 1) {
            a->sealed[i - 1].hi = a->sealed[i].hi;
            memmove(&a->sealed[i], &a->sealed[i + 1], (a->nsealed - i - 1) * sizeof(struct run));
            a->nsealed--;
        }
        return 0;
    }
    if (i < a->nsealed && a->sealed[i].lo == index + 1) {
        a->sealed[i].lo--;
        return 0;
    }
    if (a->nsealed == a->sealed_cap) {
        size_t cap = a->sealed_cap ? 2 * a->sealed_cap : 64;
        struct run *grown = realloc(a->sealed, cap * sizeof(*grown));
        if (!grown) {
            lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory for the encrypted output");
            return -1;
        }
        a->sealed = grown;
        a->sealed_cap = cap;
    }
    memmove(&a->sealed[i + 1], &a->sealed[i], (a->nsealed - i) * sizeof(struct run));
    a->sealed[i] = (struct run){index, index + 1};
    a->nsealed++;
    return 0;
}

static int seal(struct age_sink *a, uint64_t index, const uint8_t *plain, size_t len, int last,
                struct lb_error *err)
{
    lb_age_seal_chunk(a->key, index, last, plain, len, a->out);
    if (a->lower->ops->write(a->lower, a->out, len + AGE_TAG,
                             a->payload_at + index * (uint64_t)AGE_SEALED, err) < 0) {
        lb_error_prefix(err, "encrypted chunk %llu", (unsigned long long)index);
        return -1;
    }
    return note_sealed(a, index, err);
}

/*
 * Pending slot i is done with: its buffer is wiped and kept for the next
 * chunk (a fresh 72 KiB allocation a chunk cost a third more time in page
 * faults than the encryption itself).
 */
static void release(struct age_sink *a, size_t i)
{
    struct pending *p = a->pend[i];

    memset(p->data, 0, sizeof(p->data));
    memset(p->written, 0, sizeof(p->written));
    p->covered = 0;
    a->spare[a->nspare++] = p;
    a->pend[i] = a->pend[--a->npend];
}

/* Seals pending slot i (not the last chunk) and frees the slot. */
static int seal_pending(struct age_sink *a, size_t i, struct lb_error *err)
{
    struct pending *p = a->pend[i];
    int r = seal(a, p->index, p->data, AGE_CHUNK, 0, err);

    release(a, i);
    return r;
}

/* Too many chunks wait: the lowest one that is neither chunk 0 (headers) nor the tail goes. */
static int evict(struct age_sink *a, struct lb_error *err)
{
    size_t best = a->npend;
    uint64_t tail = a->end ? (a->end - 1) / AGE_CHUNK : 0;

    for (size_t i = 0; i < a->npend; i++)
        if (a->pend[i]->index != 0 && a->pend[i]->index != tail &&
            (best == a->npend || a->pend[i]->index < a->pend[best]->index))
            best = i;
    return best == a->npend ? 0 : seal_pending(a, best, err);
}

/* Room on the target for chunks first..last, sealed later. */
static int reserve_chunks(struct age_sink *a, uint64_t first, uint64_t last, struct lb_error *err)
{
    if (!a->lower->ops->reserve)
        return 0;
    return a->lower->ops->reserve(a->lower, a->payload_at + first * (uint64_t)AGE_SEALED,
                                  (last - first + 1) * (uint64_t)AGE_SEALED, err);
}

static struct pending *pending_for(struct age_sink *a, uint64_t index, struct lb_error *err)
{
    for (size_t i = 0; i < a->npend; i++)
        if (a->pend[i]->index == index)
            return a->pend[i];
    if (is_sealed(a, index)) {
        lb_error_setk(err, LB_ERR_OUTPUT_IO,
                      "a write at byte %llu of the encrypted output comes after its chunk was "
                      "sealed (each byte can be written once)",
                      (unsigned long long)(index * AGE_CHUNK));
        return NULL;
    }
    if (a->npend == MAX_PENDING && evict(a, err) < 0)
        return NULL;
    /* A chunk held in memory has its place on the target from now on: sealing it at the
     * end (the headers' chunk among them) never needs space a full target lacks. */
    if (reserve_chunks(a, index, index, err) < 0)
        return NULL;
    struct pending *p = a->nspare ? a->spare[--a->nspare] : calloc(1, sizeof(*p));
    if (!p) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory for the encrypted output");
        return NULL;
    }
    p->index = index;
    a->pend[a->npend++] = p;
    return p;
}

static void mark_written(struct pending *p, size_t from, size_t len)
{
    for (size_t i = from; i < from + len; i++) {
        if ((i & 7) == 0 && i + 8 <= from + len) { /* a whole byte of the map at once */
            p->covered += 8 - (uint32_t)__builtin_popcount(p->written[i / 8]);
            p->written[i / 8] = 0xff;
            i += 7;
            continue;
        }
        if (!(p->written[i / 8] & (1u << (i & 7)))) {
            p->written[i / 8] |= (uint8_t)(1u << (i & 7));
            p->covered++;
        }
    }
}

static int age_write(struct lb_sink *s, const void *buf, size_t len, uint64_t offset,
                     struct lb_error *err)
{
    struct age_sink *a = (struct age_sink *)s;
    const uint8_t *p = buf;

    /* The end moves as each piece is taken: a write refused for want of room (its chunk's
     * place could not be reserved) leaves the end where the last taken byte is. */
    while (len > 0) {
        uint64_t index = offset / AGE_CHUNK;
        size_t at = (size_t)(offset % AGE_CHUNK), n = AGE_CHUNK - at < len ? AGE_CHUNK - at : len;
        struct pending *c = pending_for(a, index, err);
        if (!c)
            return -1;
        memcpy(c->data + at, p, n);
        mark_written(c, at, n);
        p += n;
        offset += n;
        len -= n;
        if (offset > a->end)
            a->end = offset;
    }
    /* Whole chunks with something written past them cannot be the last: sealed now, lowest
     * first (a stream under this sink takes them in order). */
    for (;;) {
        size_t best = a->npend;
        for (size_t i = 0; i < a->npend; i++)
            if (a->pend[i]->covered == AGE_CHUNK &&
                (a->pend[i]->index + 1) * (uint64_t)AGE_CHUNK < a->end &&
                (best == a->npend || a->pend[i]->index < a->pend[best]->index))
                best = i;
        if (best == a->npend)
            return 0;
        if (seal_pending(a, best, err) < 0)
            return -1;
    }
}

static struct pending *find_pending(struct age_sink *a, uint64_t index, size_t *slot)
{
    for (size_t i = 0; i < a->npend; i++)
        if (a->pend[i]->index == index) {
            *slot = i;
            return a->pend[i];
        }
    return NULL;
}

static int age_finish(struct lb_sink *s, uint64_t size, int whole, struct lb_error *err)
{
    static uint8_t zeros[AGE_CHUNK]; /* not const: in .bss, not 64 KiB of the binary */
    struct age_sink *a = (struct age_sink *)s;
    uint64_t last, lastlen;
    int r = 0;

    /* Cut short, the file ends where what was taken ends: past it nothing has its room. */
    if (size < a->end || !whole)
        size = a->end;
    last = size ? (size - 1) / AGE_CHUNK : 0;
    lastlen = size - last * AGE_CHUNK;
    for (uint64_t index = 0; index <= last && r == 0; index++) {
        size_t i = run_at(a, index), slot;
        if (i < a->nsealed && a->sealed[i].lo <= index) {
            index = a->sealed[i].hi - 1; /* a run of sealed chunks: skipped whole */
            continue;
        }
        struct pending *p = find_pending(a, index, &slot);
        size_t n = index == last ? (size_t)lastlen : AGE_CHUNK;
        r = seal(a, index, p ? p->data : zeros, n, index == last, err);
        if (p)
            release(a, slot);
    }
    if (r < 0) {
        struct lb_error ignored;
        a->lower->ops->finish(a->lower, 0, 0, &ignored);
        return -1;
    }
    return a->lower->ops->finish(a->lower, a->payload_at + last * AGE_SEALED + lastlen + AGE_TAG,
                                 whole, err);
}

static void age_free(struct lb_sink *s)
{
    struct age_sink *a = (struct age_sink *)s;

    for (size_t i = 0; i < a->npend; i++) {
        sodium_memzero(a->pend[i]->data, sizeof(a->pend[i]->data));
        free(a->pend[i]);
    }
    for (size_t i = 0; i < a->nspare; i++)
        free(a->spare[i]); /* zeroed when released */
    a->lower->ops->free(a->lower);
    free(a->sealed);
    sodium_memzero(a, sizeof(*a));
    free(a);
}

static int age_reserve(struct lb_sink *s, uint64_t offset, uint64_t len, struct lb_error *err)
{
    struct age_sink *a = (struct age_sink *)s;

    return len ? reserve_chunks(a, offset / AGE_CHUNK, (offset + len - 1) / AGE_CHUNK, err) : 0;
}

/* The sealed chunks are in the sink below: it makes them durable (the one being filled waits). */
static int age_checkpoint(struct lb_sink *s, int now, struct lb_error *err)
{
    struct age_sink *a = (struct age_sink *)s;

    return a->lower->ops->checkpoint ? a->lower->ops->checkpoint(a->lower, now, err) : 0;
}

static const struct lb_sink_ops age_ops = {
    .write = age_write,
    .finish = age_finish,
    .free = age_free,
    .reserve = age_reserve,
    .checkpoint = age_checkpoint,
};

int lb_sink_age(struct lb_sink *lower, const struct lb_age_recipient *r, size_t n,
                struct lb_sink **out, struct lb_error *err)
{
    struct age_sink *a = calloc(1, sizeof(*a));
    uint8_t header[AGE_HEADER_MAX];
    size_t len;

    *out = NULL;
    if (!a) {
        lower->ops->free(lower);
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory");
        return -1;
    }
    a->base.ops = &age_ops;
    a->base.caps = LB_SINK_WRITE_ONCE | LB_SINK_SEALED | (lower->caps & LB_SINK_STREAM);
    a->lower = lower;
    if (lb_age_make_header(r, n, header, sizeof(header), &len, a->key, err) < 0 ||
        lower->ops->write(lower, header, len, 0, err) < 0) {
        age_free(&a->base);
        return -1;
    }
    a->payload_at = len;
    *out = &a->base;
    return 0;
}

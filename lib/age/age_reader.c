/*
 * age_reader.c - reads an age file at random offsets, a chunk at a time, so
 * an encrypted dump is read in place: never a clear copy on disk, memory of
 * one chunk.  A file cut short (its last chunk not flagged last, or torn, or
 * a power cut's end of zeros and holes: find_end) is read up to its last
 * whole chunk and said to be cut; a chunk that fails authentication is an
 * error naming the chunk and the bytes it holds.
 */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "age/age.h"
#include "age/age_reader.h"

static const char intro[] = "age-encryption.org/v1\n";

struct age_reader {
    int fd;
    uint8_t key[AGE_KEY];
    uint64_t payload_at, nchunks, size;
    uint32_t last_len; /* plaintext bytes of the last chunk */
    int cut;
    uint64_t cached; /* chunk index in plain + 1; 0: none */
    uint8_t sealed[AGE_SEALED];
    uint8_t plain[AGE_CHUNK];
};

static int read_at(int fd, void *buf, size_t len, uint64_t at)
{
    uint8_t *p = buf;

    while (len > 0) {
        ssize_t n = pread(fd, p, len, (off_t)at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
        at += (uint64_t)n;
    }
    return 0;
}

int lb_age_is_encrypted(int fd)
{
    char magic[sizeof(intro) - 1];

    return read_at(fd, magic, sizeof(magic), 0) == 0 && memcmp(magic, intro, sizeof(magic)) == 0;
}

/* Opens chunk index as the last one or not; its plaintext length, or -1. */
static long open_chunk(struct age_reader *r, uint64_t index, size_t sealed_len, int last)
{
    if (read_at(r->fd, r->sealed, sealed_len, r->payload_at + index * AGE_SEALED) < 0 ||
        lb_age_open_chunk(r->key, index, last, r->sealed, sealed_len, r->plain) < 0)
        return -1;
    r->cached = index + 1;
    return (long)(sealed_len - AGE_TAG);
}

static int all_zero(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (p[i])
            return 0;
    return 1;
}

/*
 * A power cut leaves the file's end as its filesystem had it: the size may
 * cover blocks whose writes never finished, which read as zeros (ext4's
 * unwritten extents), as many as were in flight (sink.c: up to 8 MiB), and
 * not only at the end: writes finish in any order.  A chunk of zeros is no
 * sealed data: such a tail was never written, and ends the file where it
 * begins, a cut; at most MAX_ZERO_TAIL chunks of it are read, so a file of
 * zeros is not read whole.  Then, within POWER_CUT_CHUNKS of that end, the
 * first chunk that fails (a hole of zeros in it) is where the file was cut:
 * what follows it is dropped, still unread.  Every chunk kept is opened, so
 * nothing that fails authentication is ever returned.
 */
enum { MAX_ZERO_TAIL = 1024, POWER_CUT_CHUNKS = (16 << 20) / AGE_SEALED };

static uint64_t without_zero_tail(struct age_reader *r, uint64_t file_size)
{
    for (int i = 0; i < MAX_ZERO_TAIL && file_size > r->payload_at; i++) {
        uint64_t ct = file_size - r->payload_at,
                 len = ct % AGE_SEALED ? ct % AGE_SEALED : AGE_SEALED;
        if (read_at(r->fd, r->sealed, (size_t)len, file_size - len) < 0 ||
            !all_zero(r->sealed, (size_t)len))
            break;
        file_size -= len;
        r->cut = 1;
    }
    return file_size;
}

/* After a power cut: the first of the chunks before n, within POWER_CUT_CHUNKS, that fails. */
static uint64_t first_hole(struct age_reader *r, uint64_t n)
{
    for (uint64_t i = n > POWER_CUT_CHUNKS ? n - POWER_CUT_CHUNKS : 0; i + 1 < n; i++)
        if (open_chunk(r, i, AGE_SEALED, 0) < 0)
            return i;
    return n;
}

/* How the payload ends: a last chunk flagged so, or where it was cut. */
static int find_end(struct age_reader *r, uint64_t file_size, struct lb_error *err)
{
    uint64_t ct, n, rem;
    int torn = 0, zero_tail;

    r->cut = 0;
    file_size = without_zero_tail(r, file_size);
    zero_tail = r->cut;
    ct = file_size - r->payload_at;
    n = ct / AGE_SEALED;
    rem = ct % AGE_SEALED;

    if (rem >= AGE_TAG + 1 || ct == AGE_TAG) /* a short last chunk (empty: an empty file) */
        n++;
    else if (rem)
        torn = 1; /* less than a chunk's tag: cut while it was written */
    r->cut = torn || zero_tail;
    /* torn: the last chunk or two; after a power cut, as far as writes were in flight */
    for (int dropped = 0; n > 0 && dropped < (zero_tail ? POWER_CUT_CHUNKS : 2); dropped++) {
        uint64_t i = n - 1;
        size_t len = i == ct / AGE_SEALED ? (size_t)rem : AGE_SEALED;
        long got = r->cut ? -1 : open_chunk(r, i, len, 1);
        if (got >= 0) {
            r->nchunks = n;
            r->last_len = (uint32_t)got;
            return 0;
        }
        if (len == AGE_SEALED && open_chunk(r, i, len, 0) >= 0) {
            r->cut = 1; /* whole, but not the last: the rest is missing */
            r->nchunks = zero_tail ? first_hole(r, n) : n;
            r->last_len = AGE_CHUNK;
            return 0;
        }
        r->cut = 1; /* torn in the middle of its writing: the one before is the end */
        n--;
    }
    if (n == 0 && r->cut) {
        r->nchunks = 0;
        r->last_len = 0;
        return 0;
    }
    lb_error_set(err,
                 "the encrypted file's last chunk (%llu) fails authentication: the file "
                 "was changed, or was not encrypted with this key",
                 (unsigned long long)(n ? n - 1 : 0));
    return -1;
}

int lb_age_reader_open(int fd, const struct lb_age_identities *ids, struct age_reader **out,
                       struct lb_error *err)
{
    struct age_reader *r;
    uint8_t header[AGE_HEADER_MAX];
    struct stat st;
    ssize_t got;
    size_t at;

    *out = NULL;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        lb_error_setk(err, LB_ERR_INPUT_IO, "an encrypted dump is read from a regular file");
        return -1;
    }
    if (!(r = sodium_malloc(sizeof(*r)))) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory");
        return -1;
    }
    memset(r, 0, sizeof(*r));
    r->fd = fd;
    got = pread(fd, header, sizeof(header), 0);
    if (got < 0) {
        lb_error_setk(err, LB_ERR_INPUT_IO, "%s", strerror(errno));
        sodium_free(r);
        return -1;
    }
    if (lb_age_read_header(header, (size_t)got, ids, r->key, &at, err) < 0 ||
        (r->payload_at = at, find_end(r, (uint64_t)st.st_size, err) < 0)) {
        sodium_free(r);
        return -1;
    }
    r->size = r->nchunks ? (r->nchunks - 1) * AGE_CHUNK + r->last_len : 0;
    *out = r;
    return 0;
}

uint64_t lb_age_reader_size(const struct age_reader *r)
{
    return r->size;
}

int lb_age_reader_cut(const struct age_reader *r)
{
    return r->cut;
}

static int load_chunk(struct age_reader *r, uint64_t index, struct lb_error *err)
{
    int last = index == r->nchunks - 1;
    size_t len = (last ? r->last_len : AGE_CHUNK) + AGE_TAG;

    if (r->cached == index + 1)
        return 0;
    r->cached = 0;
    if (open_chunk(r, index, len, last && !r->cut) < 0) {
        lb_error_set(err,
                     "encrypted chunk %llu (bytes %llu-%llu of the dump) fails authentication: "
                     "the file was changed there",
                     (unsigned long long)index, (unsigned long long)(index * AGE_CHUNK),
                     (unsigned long long)(index * AGE_CHUNK + len - AGE_TAG - 1));
        return -1;
    }
    return 0;
}

int lb_age_reader_pread(struct age_reader *r, void *buf, size_t len, uint64_t offset,
                        struct lb_error *err)
{
    uint8_t *p = buf;

    if (offset > r->size || len > r->size - offset) {
        lb_error_set(err,
                     "read of %zu bytes at %llu is past the end of the encrypted dump (%llu "
                     "bytes%s)",
                     len, (unsigned long long)offset, (unsigned long long)r->size,
                     r->cut ? ", cut short" : "");
        return -1;
    }
    while (len > 0) {
        uint64_t index = offset / AGE_CHUNK;
        size_t at = (size_t)(offset % AGE_CHUNK), n = AGE_CHUNK - at < len ? AGE_CHUNK - at : len;
        if (load_chunk(r, index, err) < 0)
            return -1;
        memcpy(p, r->plain + at, n);
        p += n;
        offset += n;
        len -= n;
    }
    return 0;
}

uint64_t lb_age_reader_check(struct age_reader *r, struct lb_error *err)
{
    uint64_t bad = 0;
    struct lb_error e;

    for (uint64_t i = 0; i < r->nchunks; i++)
        if (load_chunk(r, i, bad ? &e : err) < 0)
            bad++;
    return bad;
}

void lb_age_reader_close(struct age_reader *r)
{
    if (r)
        sodium_free(r);
}

int lb_age_decrypt_fd(int in_fd, const struct lb_age_identities *ids, int out_fd,
                      struct lb_error *err)
{
    struct age_reader *r;
    int rc = 0;

    if (lb_age_reader_open(in_fd, ids, &r, err) < 0)
        return -1;
    for (uint64_t i = 0; i < r->nchunks && rc == 0; i++) {
        size_t n = i == r->nchunks - 1 ? r->last_len : AGE_CHUNK;
        if (load_chunk(r, i, err) < 0)
            rc = -1;
        else
            for (size_t done = 0; done < n && rc == 0;) {
                ssize_t w = write(out_fd, r->plain + done, n - done);
                if (w < 0 && errno == EINTR)
                    continue;
                if (w <= 0) {
                    lb_error_setk(err, lb_error_kind_of_write(errno), "write: %s", strerror(errno));
                    rc = -1;
                }
                done += w > 0 ? (size_t)w : 0;
            }
    }
    if (rc == 0 && r->cut) {
        lb_error_set(err,
                     "the encrypted file was cut short: %llu bytes decrypted, up to the end "
                     "of chunk %llu",
                     (unsigned long long)r->size, (unsigned long long)r->nchunks);
        rc = -1;
    }
    lb_age_reader_close(r);
    return rc;
}

int lb_age_read(int fd, const struct lb_age_identities *ids, void *buf, size_t cap, size_t *len,
                struct lb_error *err)
{
    struct age_reader *r;
    int rc;

    if (lb_age_reader_open(fd, ids, &r, err) < 0)
        return -1;
    *len = r->size < cap ? (size_t)r->size : cap;
    rc = lb_age_reader_pread(r, buf, *len, 0, err);
    lb_age_reader_close(r);
    return rc;
}

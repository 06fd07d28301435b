/*
 * flattened.c - makedumpfile's flattened format, read: a stream of
 * (offset, size, data) records, big-endian, after a 4096-byte header, ending
 * with a record of offset -1 and size -1.  Replaying the records into a file
 * gives the dump the writer meant; it is how dumps cross pipes and sockets.
 * A stream cut short (no end record) gives what came, and says so.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lbdump.h"

enum { HEADER = 4096, CHUNK = 1 << 20 };

/* Reads len bytes; *got says how many came before the end of the stream. */
static int read_full(int fd, void *buf, size_t len, uint64_t at, size_t *got, struct lb_error *err)
{
    uint8_t *p = buf;

    *got = 0;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            lb_error_setk(err, LB_ERR_INPUT_IO, "flattened stream, byte %llu: %s",
                          (unsigned long long)at, strerror(errno));
            return -1;
        }
        if (n == 0)
            return 0;
        p += n;
        len -= (size_t)n;
        at += (uint64_t)n;
        *got += (size_t)n;
    }
    return 0;
}

static int write_at(int out_fd, const uint8_t *buf, size_t n, uint64_t offset, struct lb_error *err)
{
    for (size_t w = 0; w < n;) {
        ssize_t k = pwrite(out_fd, buf + w, n - w, (off_t)(offset + w));
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            lb_error_setk(err, k < 0 ? lb_error_kind_of_write(errno) : LB_ERR_NO_SPACE,
                          "writing at offset %llu: %s", (unsigned long long)(offset + w),
                          k < 0 ? strerror(errno) : "no progress");
            return -1;
        }
        w += (size_t)k;
    }
    return 0;
}

static uint64_t be64(const uint8_t *b)
{
    uint64_t v = 0;

    for (int i = 0; i < 8; i++)
        v = v << 8 | b[i];
    return v;
}

int lb_unflatten(int in_fd, int out_fd, uint64_t *size, int *cut, struct lb_error *err)
{
    uint8_t header[HEADER], rec[16];
    uint8_t *buf = malloc(CHUNK);
    uint64_t at = HEADER, end = 0;
    size_t got;
    int r = -1;

    *cut = 0;
    if (!buf) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory");
        return -1;
    }
    if (read_full(in_fd, header, HEADER, 0, &got, err) < 0)
        goto out;
    if (got < HEADER || memcmp(header, "makedumpfile", 12) != 0 || be64(header + 16) != 1) {
        lb_error_set(err, "not a flattened dump: no 'makedumpfile' type 1 header at byte 0");
        goto out;
    }
    for (;;) {
        uint64_t offset, len;

        if (read_full(in_fd, rec, sizeof(rec), at, &got, err) < 0)
            goto out;
        if (got < sizeof(rec)) {
            *cut = 1; /* ends before its end record: what came is kept */
            break;
        }
        offset = be64(rec);
        len = be64(rec + 8);
        if (offset == UINT64_MAX && len == UINT64_MAX)
            break;
        if (offset >> 62 || len >> 40) {
            lb_error_set(err,
                         "flattened stream, byte %llu: record of %llu bytes at offset %llu "
                         "is not a sane one",
                         (unsigned long long)at, (unsigned long long)len,
                         (unsigned long long)offset);
            goto out;
        }
        at += sizeof(rec);
        /* A record that fits the buffer is written whole or not at all: half a header
         * rewritten at the end would be worse than the first one (flat_view.c reads so). */
        for (uint64_t done = 0; done < len;) {
            size_t n = len - done < CHUNK ? (size_t)(len - done) : CHUNK;
            if (read_full(in_fd, buf, n, at, &got, err) < 0)
                goto out;
            if (got < n) {
                *cut = 1;
                break;
            }
            if (write_at(out_fd, buf, n, offset + done, err) < 0)
                goto out;
            done += n;
            at += n;
            if (offset + done > end)
                end = offset + done;
        }
        if (*cut)
            break;
    }
    *size = end;
    r = 0;
out:
    free(buf);
    return r;
}

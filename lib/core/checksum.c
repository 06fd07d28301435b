/*
 * checksum.c - a whole file's XXH64, for metadata.json and 'lifeboat verify'.
 *
 * The kdump format has no checksum of its own, and a flipped bit in
 * compressed page data may still decode to a page: only a checksum taken
 * when the dump was written tells that the file is still what was written.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "lbdump.h"

enum { CHUNK = 1 << 20 };

int lb_checksum_fd(int fd, uint64_t size, uint64_t *sum, void (*tick)(void *), void *ctx,
                   struct lb_error *err)
{
    XXH64_state_t *state = XXH64_createState();
    uint8_t *buf = malloc(CHUNK);
    uint64_t at = 0;
    int r = -1;

    if (!state || !buf) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "checksum: out of memory");
        goto out;
    }
    XXH64_reset(state, 0);
    while (at < size) {
        size_t want = size - at < CHUNK ? (size_t)(size - at) : CHUNK;
        ssize_t n = pread(fd, buf, want, (off_t)at);
        if (n <= 0) {
            lb_error_setk(err, LB_ERR_INPUT_IO, "checksum: reading at %llu: %s",
                          (unsigned long long)at, n < 0 ? strerror(errno) : "the file ends");
            goto out;
        }
        XXH64_update(state, buf, (size_t)n);
        at += (uint64_t)n;
        if (tick)
            tick(ctx);
    }
    *sum = XXH64_digest(state);
    r = 0;
out:
    XXH64_freeState(state);
    free(buf);
    return r;
}

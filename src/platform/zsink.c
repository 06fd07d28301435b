/*
 * zsink.c - compressed output streams for the capture initramfs.
 *
 * The kernel unpacks gzip on every configuration and zstd where
 * CONFIG_RD_ZSTD is set (Debian's kernels), so those two are offered.  Both
 * stream through a fixed buffer; nothing is held whole in memory.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "platform/zsink.h"

enum { OUT_BUF = 64 << 10 };

struct zsink {
    int fd;
    enum zsink_codec codec;
    z_stream gz;
    ZSTD_CStream *zs;
    uint64_t in, out;
    uint8_t buf[OUT_BUF];
};

static int write_all(struct zsink *s, const void *data, size_t len)
{
    const uint8_t *p = data;

    while (len > 0) {
        ssize_t n = write(s->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
        s->out += (uint64_t)n;
    }
    return 0;
}

struct zsink *zsink_open(int fd, enum zsink_codec codec)
{
    struct zsink *s = calloc(1, sizeof(*s));

    if (!s)
        return NULL;
    s->fd = fd;
    s->codec = codec;
    if (codec == ZSINK_GZIP &&
        deflateInit2(&s->gz, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        goto fail;
    if (codec == ZSINK_ZSTD) {
        s->zs = ZSTD_createCStream();
        if (!s->zs || ZSTD_isError(ZSTD_CCtx_setParameter(s->zs, ZSTD_c_compressionLevel, 19)) ||
            ZSTD_isError(ZSTD_CCtx_setParameter(s->zs, ZSTD_c_checksumFlag, 1)))
            goto fail;
    }
    return s;
fail:
    ZSTD_freeCStream(s->zs);
    free(s);
    errno = EINVAL;
    return NULL;
}

static int gzip_push(struct zsink *s, const void *data, size_t len, int flush)
{
    int r;

    s->gz.next_in = (Bytef *)data;
    s->gz.avail_in = (uInt)len;
    do {
        s->gz.next_out = s->buf;
        s->gz.avail_out = OUT_BUF;
        r = deflate(&s->gz, flush);
        if (r == Z_STREAM_ERROR || write_all(s, s->buf, OUT_BUF - s->gz.avail_out) < 0)
            return -1;
    } while (s->gz.avail_out == 0 || (flush == Z_FINISH && r != Z_STREAM_END));
    return 0;
}

static int zstd_push(struct zsink *s, const void *data, size_t len, ZSTD_EndDirective mode)
{
    ZSTD_inBuffer in = {data, len, 0};
    size_t left;

    do {
        ZSTD_outBuffer out = {s->buf, OUT_BUF, 0};
        left = ZSTD_compressStream2(s->zs, &out, &in, mode);
        if (ZSTD_isError(left) || write_all(s, s->buf, out.pos) < 0)
            return -1;
    } while (mode == ZSTD_e_end ? left != 0 : in.pos < in.size);
    return 0;
}

int zsink_write(struct zsink *s, const void *data, size_t len)
{
    s->in += len;
    switch (s->codec) {
    case ZSINK_GZIP:
        return gzip_push(s, data, len, Z_NO_FLUSH);
    case ZSINK_ZSTD:
        return zstd_push(s, data, len, ZSTD_e_continue);
    default:
        return write_all(s, data, len);
    }
}

int zsink_close(struct zsink *s, uint64_t *bytes_out)
{
    int r = 0;

    if (s->codec == ZSINK_GZIP) {
        r = gzip_push(s, NULL, 0, Z_FINISH);
        deflateEnd(&s->gz);
    } else if (s->codec == ZSINK_ZSTD) {
        r = zstd_push(s, NULL, 0, ZSTD_e_end);
        ZSTD_freeCStream(s->zs);
    }
    if (bytes_out)
        *bytes_out = s->out;
    free(s);
    return r;
}

uint64_t zsink_bytes_in(const struct zsink *s)
{
    return s->in;
}

int zsink_codec_parse(const char *name, enum zsink_codec *codec)
{
    static const struct {
        const char *name;
        enum zsink_codec codec;
    } names[] = {{"none", ZSINK_NONE}, {"gzip", ZSINK_GZIP}, {"zstd", ZSINK_ZSTD}};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(name, names[i].name) == 0) {
            *codec = names[i].codec;
            return 0;
        }
    return -1;
}

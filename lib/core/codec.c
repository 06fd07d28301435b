/*
 * codec.c - per-page compression for the kdump-compressed format.
 *
 * Each page is compressed on its own (readers fetch pages one at a time),
 * with the codecs the readers decode: zstd (crash, libkdumpfile), zlib and
 * lzo (also makedumpfile).  A page that does not shrink is stored raw.
 * Each worker thread has its own codec state; nothing here is shared.
 */
#include <lzo/lzo1x.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "core/codec.h"
#include "core/kdump_format.h"

struct lb_codec_ctx {
    enum lb_codec codec;
    int level;
    ZSTD_CCtx *zstd;
    ZSTD_DCtx *zstd_d;
    void *lzo_work;
};

static const char *const names[] = {"none", "zstd", "zlib", "lzo", "auto"};

const char *lb_codec_name(enum lb_codec codec)
{
    return names[codec];
}

int lb_codec_parse(const char *name, enum lb_codec *codec)
{
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(name, names[i]) == 0) {
            *codec = (enum lb_codec)i;
            return 0;
        }
    return -1;
}

uint32_t lb_codec_flag(enum lb_codec codec)
{
    static const uint32_t flags[] = {0, KDUMP_ZSTD, KDUMP_ZLIB, KDUMP_LZO};
    return codec < LB_CODEC_AUTO ? flags[codec] : 0;
}

struct lb_codec_ctx *lb_codec_new(enum lb_codec codec, int level)
{
    struct lb_codec_ctx *c = calloc(1, sizeof(*c));

    if (!c)
        return NULL;
    c->codec = codec;
    /* zlib knows 1 to 9; zstd's negative levels mean nothing to it */
    c->level = codec == LB_CODEC_ZLIB ? (level < 1 ? 1 : level > 9 ? 9 : level) : level;
    /* AUTO compresses with either, a batch at a time (lb_codec_compress_as) */
    if ((codec == LB_CODEC_ZSTD || codec == LB_CODEC_AUTO) && !(c->zstd = ZSTD_createCCtx()))
        goto fail;
    if ((codec == LB_CODEC_LZO || codec == LB_CODEC_AUTO) &&
        (lzo_init() != LZO_E_OK || !(c->lzo_work = malloc(LZO1X_1_12_MEM_COMPRESS))))
        goto fail;
    return c;
fail:
    lb_codec_free(c);
    return NULL;
}

void lb_codec_free(struct lb_codec_ctx *c)
{
    if (!c)
        return;
    ZSTD_freeCCtx(c->zstd);
    ZSTD_freeDCtx(c->zstd_d);
    free(c->lzo_work);
    free(c);
}

/*
 * Random bytes (encrypted or compressed data, keys, entropy pools) do not
 * shrink, and zstd or zlib take as long to find that out as to compress a
 * page that does.  Such a page uses nearly every byte value in any sample of
 * it; one that compresses almost never does.  Measured on the benchmark
 * guest's 185,000 non-zero pages: of the pages showing 244 or more distinct
 * values in 1 KiB sampled from across the page, 100,000 did not shrink and 54
 * would have saved 30 KB between them.  Text and code show far fewer values
 * in the first 256 bytes of the sample, so they pay for that much only.
 */
int lb_codec_looks_random(const uint8_t *page)
{
    uint8_t seen[256] = {0};
    unsigned distinct = 0;

    for (size_t at = 0; at < LB_PAGE_SIZE; at += LB_PAGE_SIZE / 8)
        for (size_t i = at; i < at + 32; i++) {
            distinct += !seen[page[i]];
            seen[page[i]] = 1;
        }
    if (distinct < 140) /* random data: ~161 of 256 in 256 bytes */
        return 0;
    for (size_t at = 0; at < LB_PAGE_SIZE; at += LB_PAGE_SIZE / 8)
        for (size_t i = at + 32; i < at + 128; i++) {
            distinct += !seen[page[i]];
            seen[page[i]] = 1;
        }
    return distinct >= 244; /* random data: ~251 in 1 KiB */
}

size_t lb_codec_compress(struct lb_codec_ctx *c, const uint8_t *page, uint8_t *out)
{
    /* LZO gives up on random data about as fast as the sample test */
    if (c->codec != LB_CODEC_LZO && lb_codec_looks_random(page))
        return 0;
    return lb_codec_compress_as(c, c->codec, c->level, page, out);
}

size_t lb_codec_compress_as(struct lb_codec_ctx *c, enum lb_codec codec, int level,
                            const uint8_t *page, uint8_t *out)
{
    size_t n = 0;

    if ((codec == LB_CODEC_ZSTD && !c->zstd) || (codec == LB_CODEC_LZO && !c->lzo_work))
        return 0; /* not set up for it: stored as is, which is always correct */
    switch (codec) {
    case LB_CODEC_ZSTD: {
        size_t r = ZSTD_compressCCtx(c->zstd, out, LB_CODEC_BOUND, page, LB_PAGE_SIZE, level);
        n = ZSTD_isError(r) ? 0 : r;
        break;
    }
    case LB_CODEC_ZLIB: {
        uLongf len = LB_CODEC_BOUND;
        level = level < 1 ? 1 : level > 9 ? 9 : level; /* see lb_codec_new */
        n = compress2(out, &len, page, LB_PAGE_SIZE, level) == Z_OK ? len : 0;
        break;
    }
    case LB_CODEC_LZO: {
        /* LZO1X-1 with a 4096-entry dictionary (12 bits): the same format, which every LZO1X
         * decompressor reads.  The default one's 16384 entries are cleared before every call:
         * 32 KiB of stores for a 4 KiB page, which under emulation (QEMU TCG) cost ~5x the
         * compression itself, and natively ~8%; a page has only 4096 positions to remember,
         * and the output is the same size within 0.3% (tests/bench's guests). */
        lzo_uint len = LB_CODEC_BOUND;
        n = lzo1x_1_12_compress(page, LB_PAGE_SIZE, out, &len, c->lzo_work) == LZO_E_OK ? len : 0;
        break;
    }
    default:
        break;
    }
    return n > 0 && n < LB_PAGE_SIZE ? n : 0;
}

int lb_codec_decompress(struct lb_codec_ctx *c, uint32_t flags, const uint8_t *in, size_t len,
                        uint8_t *page)
{
    if (flags & KDUMP_ZSTD) {
        if (!c->zstd_d && !(c->zstd_d = ZSTD_createDCtx()))
            return -1;
        size_t r = ZSTD_decompressDCtx(c->zstd_d, page, LB_PAGE_SIZE, in, len);
        return !ZSTD_isError(r) && r == LB_PAGE_SIZE ? 0 : -1;
    }
    if (flags & KDUMP_ZLIB) {
        uLongf out = LB_PAGE_SIZE;
        return uncompress(page, &out, in, len) == Z_OK && out == LB_PAGE_SIZE ? 0 : -1;
    }
    if (flags & KDUMP_LZO) {
        lzo_uint out = LB_PAGE_SIZE;
        if (lzo_init() != LZO_E_OK)
            return -1;
        return lzo1x_decompress_safe(in, len, page, &out, NULL) == LZO_E_OK && out == LB_PAGE_SIZE
                   ? 0
                   : -1;
    }
    if (flags & KDUMP_SNAPPY)
        return -1; /* not built in: see codec.h */
    if (len != LB_PAGE_SIZE)
        return -1;
    memcpy(page, in, LB_PAGE_SIZE);
    return 0;
}

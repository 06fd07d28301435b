/*
 * codec.h - inside the dump engine: compressing and decompressing pages.
 *
 * snappy is not offered: its library is C++, and the capture binary is
 * linked statically; zstd compresses better and faster anyway.
 */
#ifndef LBDUMP_CODEC_H
#define LBDUMP_CODEC_H

#include "lbdump.h"

/* Room enough for any codec's worst case on one page. */
#define LB_CODEC_BOUND (LB_PAGE_SIZE + LB_PAGE_SIZE / 16 + 128)

struct lb_codec_ctx;

struct lb_codec_ctx *lb_codec_new(enum lb_codec codec, int level);
void lb_codec_free(struct lb_codec_ctx *c);
/*
 * Compresses one page into out; 0 if it does not shrink (store it raw).  A
 * page that looks random in a sample is not tried (except by LZO, which gives
 * up on it as fast).  An AUTO context must say which codec: compress_as.
 */
size_t lb_codec_compress(struct lb_codec_ctx *c, const uint8_t *page, uint8_t *out);
/* With codec (LZO or zstd for an AUTO context; else its own) at level, without the sample test. */
size_t lb_codec_compress_as(struct lb_codec_ctx *c, enum lb_codec codec, int level,
                            const uint8_t *page, uint8_t *out);
/* Does a sample of the page look random (so that no codec would shrink it)? */
int lb_codec_looks_random(const uint8_t *page);
/* Decompresses one page stored with kdump flags; -1 if the data is not a whole page. */
int lb_codec_decompress(struct lb_codec_ctx *c, uint32_t flags, const uint8_t *in, size_t len,
                        uint8_t *page);
uint32_t lb_codec_flag(enum lb_codec codec);

#endif

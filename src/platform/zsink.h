/*
 * zsink.h - a write stream to a file descriptor, optionally compressed with
 * gzip or zstd, for formats the kernel unpacks (the initramfs).
 */
#ifndef LIFEBOAT_ZSINK_H
#define LIFEBOAT_ZSINK_H

#include <stddef.h>
#include <stdint.h>

enum zsink_codec { ZSINK_NONE, ZSINK_GZIP, ZSINK_ZSTD };

struct zsink;

/* Returns NULL (errno set) if the codec cannot be set up. */
struct zsink *zsink_open(int fd, enum zsink_codec codec);
int zsink_write(struct zsink *sink, const void *data, size_t len);
/* Flushes the compressor's end and frees the sink; the fd stays open. */
int zsink_close(struct zsink *sink, uint64_t *bytes_out);
/* Bytes handed to the sink so far. */
uint64_t zsink_bytes_in(const struct zsink *sink);

int zsink_codec_parse(const char *name, enum zsink_codec *codec);

#endif

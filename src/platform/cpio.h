/*
 * cpio.h - writes "newc" cpio archives, the format of a Linux initramfs.
 */
#ifndef LIFEBOAT_CPIO_H
#define LIFEBOAT_CPIO_H

#include <stddef.h>
#include <stdint.h>

#include "platform/zsink.h"

struct cpio {
    struct zsink *sink;
    uint32_t next_ino;
    int failed;
};

void cpio_init(struct cpio *c, struct zsink *sink);
void cpio_dir(struct cpio *c, const char *path, uint32_t mode);
void cpio_file(struct cpio *c, const char *path, uint32_t mode, const void *data, size_t size);
void cpio_chardev(struct cpio *c, const char *path, uint32_t mode, uint32_t major, uint32_t minor);
/* Writes the trailer; returns -1 if any write so far failed. */
int cpio_finish(struct cpio *c);

#endif

/*
 * cpio.c - a newc cpio writer (the initramfs format, see the kernel's
 * Documentation/driver-api/early-userspace/buffer-format.rst).
 *
 * Each entry is a 110-byte ASCII header of thirteen 8-digit hex fields, the
 * NUL-terminated name, and the data, each padded to 4 bytes.  Times and
 * owners are fixed (0, root) so the same inputs give the same archive.
 * Errors are sticky: the caller adds entries freely and checks once, at
 * cpio_finish().
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "platform/cpio.h"

void cpio_init(struct cpio *c, struct zsink *sink)
{
    c->sink = sink;
    c->next_ino = 1;
    c->failed = 0;
}

static void put(struct cpio *c, const void *data, size_t len)
{
    if (!c->failed && len && zsink_write(c->sink, data, len) < 0)
        c->failed = 1;
}

static void pad4(struct cpio *c, size_t len)
{
    static const char zeros[4];

    put(c, zeros, (4 - len % 4) % 4);
}

static void entry(struct cpio *c, const char *path, uint32_t mode, const void *data, size_t size,
                  uint32_t rmajor, uint32_t rminor)
{
    char hdr[111];
    size_t namesize = strlen(path) + 1;

    snprintf(hdr, sizeof(hdr), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
             c->next_ino++, mode, 0u, 0u, 1u, 0u, (uint32_t)size, 0u, 0u, rmajor, rminor,
             (uint32_t)namesize, 0u);
    put(c, hdr, 110);
    put(c, path, namesize);
    pad4(c, 110 + namesize);
    put(c, data, size);
    pad4(c, size);
}

void cpio_dir(struct cpio *c, const char *path, uint32_t mode)
{
    entry(c, path, S_IFDIR | mode, NULL, 0, 0, 0);
}

void cpio_file(struct cpio *c, const char *path, uint32_t mode, const void *data, size_t size)
{
    if (size > UINT32_MAX) {
        c->failed = 1;
        return;
    }
    entry(c, path, S_IFREG | mode, data, size, 0, 0);
}

void cpio_chardev(struct cpio *c, const char *path, uint32_t mode, uint32_t major, uint32_t minor)
{
    entry(c, path, S_IFCHR | mode, NULL, 0, major, minor);
}

int cpio_finish(struct cpio *c)
{
    entry(c, "TRAILER!!!", 0, NULL, 0, 0, 0);
    return c->failed ? -1 : 0;
}

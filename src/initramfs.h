/*
 * initramfs.h - builds the capture initramfs: this very binary as /init, and
 * the capture configuration.
 */
#ifndef LIFEBOAT_INITRAMFS_H
#define LIFEBOAT_INITRAMFS_H

#include <stdint.h>

#include "capture/config.h"
#include "platform/zsink.h"

struct initramfs_stats {
    uint64_t uncompressed;
    uint64_t compressed;
};

/*
 * Writes the initramfs to fd.  binary is the static lifeboat to install as
 * /init (NULL: the running one, /proc/self/exe).  On failure writes a
 * sentence to why.
 */
int initramfs_write(int fd, const char *binary, const struct config *cfg, enum zsink_codec codec,
                    struct initramfs_stats *stats, char *why, size_t whylen);

/* Loads the config for a capture: the file, plus this machine's hostname. */
int capture_config_load(const char *path, struct config *cfg, char *why, size_t whylen);

#endif

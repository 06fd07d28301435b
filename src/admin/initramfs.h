/*
 * initramfs.h - builds the capture initramfs: this very binary as /init, and
 * the capture configuration.
 */
#ifndef LIFEBOAT_INITRAMFS_H
#define LIFEBOAT_INITRAMFS_H

#include <stdint.h>

#include "config/config.h"
#include "platform/modules.h"
#include "platform/zsink.h"

/* What goes into a capture initramfs: the configuration, and the modules it needs. */
struct capture_setup {
    struct config cfg;
    struct module_list modules;
};

struct initramfs_stats {
    uint64_t uncompressed;
    uint64_t compressed;
};

/*
 * Writes the initramfs to fd.  binary is the static lifeboat to install as
 * /init (NULL: the running one, /proc/self/exe).  On failure writes a
 * sentence to err.
 */
int initramfs_write(int fd, const char *binary, const struct capture_setup *setup,
                    enum zsink_codec codec, struct initramfs_stats *stats, struct lb_error *err);

/*
 * Prepares a capture from the configuration file: no target means
 * /var/crash; a "target path" becomes its filesystem's UUID and a directory
 * in it; the hostname is filled in; and the modules each target's device and
 * filesystem need are found.
 */
int capture_setup_load(const char *path, struct capture_setup *setup, struct lb_error *err);

#endif

/*
 * capture.h - the capture policy: which target, which directory, what is
 * written there and in what order.
 */
#ifndef LIFEBOAT_CAPTURE_H
#define LIFEBOAT_CAPTURE_H

#include "config.h"

enum capture_outcome {
    CAPTURE_COMPLETE = 0,   /* a whole dump was saved */
    CAPTURE_INCOMPLETE = 1, /* a readable but partial dump was saved */
    CAPTURE_FAILED = 2,     /* nothing was saved */
};

/*
 * Saves the dump in vmcore_path to the first configured target that works,
 * trying the next on failure.  Filesystems are mounted under mount_base.
 * Progress and every failure go to stderr.
 */
enum capture_outcome capture_run(const struct config *cfg, const char *vmcore_path,
                                 const char *mount_base);
/* The same; saved_dir gets the dump directory written last, "" if none was. */
enum capture_outcome capture_run_saving(const struct config *cfg, const char *vmcore_path,
                                        const char *mount_base, char *saved_dir, size_t len);

/* sync(2) with a deadline: a dead disk must not hold the capture forever. */
void capture_sync(unsigned seconds);

#endif

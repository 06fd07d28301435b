/*
 * blkid_helper.h - util-linux's libblkid asked what a device holds, on the
 * running system (blkid_helper.c).
 */
#ifndef LIFEBOAT_BLKID_HELPER_H
#define LIFEBOAT_BLKID_HELPER_H

#include <stddef.h>

#include "lbdump.h"

/*
 * Runs lifeboat-blkid on device: 1 and what it found ("an f2fs file system
 * (TYPE=f2fs)"), 0 if libblkid recognises nothing, -1 with err if it could
 * not be asked (not installed, failed, timed out).
 */
int blkid_helper_probe(const char *device, char *found, size_t len, struct lb_error *err);

#endif

/*
 * mount.h - bringing a target device up in the crash kernel: wait for its
 * node, mount whatever filesystem is on it.
 */
#ifndef LIFEBOAT_MOUNT_H
#define LIFEBOAT_MOUNT_H

#include <stddef.h>

#include "lbdump.h"

/*
 * Waits up to timeout seconds for the device spec names (UUID=, LABEL=, a
 * raw identity such as PARTUUID=, or a path) to appear, and writes its node
 * to device; -1 with err if it never does, or is more than one device.
 */
int wait_for_target(const char *spec, unsigned timeout, char *device, size_t len,
                    struct lb_error *err);
/*
 * Mounts device on mountpoint (created if missing), trying each block
 * filesystem the kernel knows.  On failure, err says what was tried.
 */
int mount_any(const char *device, const char *mountpoint, struct lb_error *err);

#endif

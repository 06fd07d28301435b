/*
 * mount.h - bringing a target device up in the crash kernel: wait for its
 * node, mount whatever filesystem is on it.
 */
#ifndef LIFEBOAT_MOUNT_H
#define LIFEBOAT_MOUNT_H

/* Waits up to timeout seconds for path to exist; -1 (errno ENOENT) if it never does. */
int wait_for_device(const char *path, unsigned timeout);
/*
 * Mounts device on mountpoint (created if missing), trying each block
 * filesystem the kernel knows.  On failure, why says what was tried.
 */
int mount_any(const char *device, const char *mountpoint, char *why, size_t whylen);

#endif

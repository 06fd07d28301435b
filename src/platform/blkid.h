/*
 * blkid.h - which filesystem is on a block device, and finding a filesystem
 * by UUID= or LABEL=, without libblkid.
 */
#ifndef LIFEBOAT_BLKID_H
#define LIFEBOAT_BLKID_H

#include <stddef.h>

struct fs_id {
    char type[16]; /* ext4, xfs, btrfs */
    char uuid[40]; /* as blkid prints it */
    char label[64];
};

/* Reads the superblock of device; -1 if no filesystem lifeboat knows is there. */
int fs_probe(const char *device, struct fs_id *id);
/*
 * Resolves spec (UUID=..., LABEL=..., or a /dev path) to a device node, by
 * probing every block device in /sys/class/block; -1 if none matches, -2 if
 * more than one does (never a first match: that one may be the wrong disk).
 */
int fs_find(const char *spec, char *device, size_t len);

#endif

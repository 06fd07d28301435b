/*
 * rawdev.h - a raw dump device: found by what does not change between
 * kernels, written only when it holds nothing of anyone else's, and read
 * back at the next boot (rawdev.c).
 */
#ifndef LIFEBOAT_RAWDEV_H
#define LIFEBOAT_RAWDEV_H

#include <stddef.h>

#include "lbdump.h"

/*
 * The stable name of a block device: PARTUUID=<guid> for a partition,
 * WWID=<id> or SERIAL=<serial> for a whole disk (blanks become '_').  -1 with
 * err (LB_ERR_REFUSED) when it has none: /dev/sdX and /dev/nvmeXnY are renumbered between
 * kernels, so a raw target must never be written by name.
 */
int rawdev_identity(const char *device, char *spec, size_t len, struct lb_error *err);
/* Whether spec is a stable identity rawdev_identity gives. */
int rawdev_is_identity(const char *spec);
/*
 * The one block device whose identity is spec: 0 and its /dev path, or -1
 * and err, whose kind its callers decide by: LB_ERR_NO_DATA, none is (yet: a
 * driver may still be probing); LB_ERR_REFUSED, more than one is (cloned
 * disks, RAID1 members), and an ambiguous match is never taken, however
 * long one waits.
 */
int rawdev_find(const char *spec, char *device, size_t len, struct lb_error *err);

enum rawdev_state {
    RAWDEV_FREE,    /* zeros, unknown data, or a dump already saved: may be written */
    RAWDEV_DUMP,    /* a dump not yet saved ('lifeboat savecore'): must be kept */
    RAWDEV_FOREIGN, /* a file system, partition table, swap, LUKS, LVM, RAID...: not ours */
};
/* What device holds, said in what (e.g. "an ext4 file system"). */
enum rawdev_state rawdev_probe(const char *device, char *what, size_t len);
/*
 * The same, on the running system: util-linux's libblkid probes every
 * superblock and partition table it knows first (blkid_helper.c), and what
 * it recognises is someone else's.  Without the helper, rawdev_probe's list,
 * with a warning.
 */
enum rawdev_state rawdev_probe_full(const char *device, char *what, size_t len);
/* Marks the dump on device saved, so the next crash may write over it. */
int rawdev_consume(const char *device, struct lb_error *err);

#endif

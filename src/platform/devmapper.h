/*
 * devmapper.h - device-mapper tables read and made by ioctl, without
 * libdevmapper or dmsetup: the capture binary carries no LVM userspace.
 */
#ifndef LIFEBOAT_DEVMAPPER_H
#define LIFEBOAT_DEVMAPPER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lbdump.h"

enum { DMT_MAX_SEGMENTS = 16, DMT_NAME_MAX = 128, DMT_PARAMS_MAX = 512 };

/* One line of a table, as dmsetup table prints it: START LENGTH TYPE PARAMS. */
struct dm_segment {
    uint64_t start, length; /* in 512-byte sectors */
    char type[16];          /* linear, striped, crypt, thin, raid, ... */
    char params[DMT_PARAMS_MAX];
};

struct dm_table {
    char name[DMT_NAME_MAX];
    size_t n;
    struct dm_segment seg[DMT_MAX_SEGMENTS];
};

/* The live table of the mapped device dev; -1 with err if it is none or cannot be read. */
int dm_table_read(dev_t dev, struct dm_table *t, struct lb_error *err);
/*
 * Creates the mapped device t->name with t's table, read-write, and
 * activates it; *dev is its device number.  -1 with err.
 */
int dm_table_create(const struct dm_table *t, dev_t *dev, struct lb_error *err);

#endif

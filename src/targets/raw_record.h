/*
 * raw_record.h - which disk each raw target named by a /dev path was at load
 * (raw_record.c), for savecore at the next boot, when the path may name
 * another disk.
 */
#ifndef LIFEBOAT_RAW_RECORD_H
#define LIFEBOAT_RAW_RECORD_H

#include <stddef.h>

#include "lbdump.h"

struct config;
/*
 * The identity load resolved for each raw target named by a /dev path
 * (typed: the config as written; prepared: as load made it), kept in the
 * file path for savecore at the next boot, when that path may name another
 * disk.  Written whole or not at all (err, of kind LB_ERR_NO_SPACE or
 * LB_ERR_OUTPUT_IO, says why not); no raw target by name removes it.
 */
int rawdev_record_identities(const char *path, const struct config *typed,
                             const struct config *prepared, struct lb_error *err);
/* The identity recorded in path for the target typed as name: 0, or -1 if none. */
int rawdev_recorded_identity(const char *path, const char *name, char *identity, size_t len);

#endif

/*
 * sealed_file.h - a stdio stream whose bytes go into a new file encrypted
 * (age), for the small text files beside an encrypted dump: dmesg.txt.age,
 * info.json.age.
 */
#ifndef LIFEBOAT_SEALED_FILE_H
#define LIFEBOAT_SEALED_FILE_H

#include <stdio.h>

#include "lbdump.h"

/*
 * A stream writing to the sink lower (which it owns) encrypted for
 * r[0..n-1] (n == 0: in the clear).  fclose() finishes and frees the sink;
 * it fails if the last writes or the finish did.  NULL with errno set on
 * failure (lower is then freed).
 */
FILE *sealed_file_open(struct lb_sink *lower, const struct lb_age_recipient *r, size_t n);

#endif

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
 * A stream writing to fd encrypted for r[0..n-1] (n == 0: in the clear, a
 * plain fdopen).  fclose() finishes the file (and closes fd); it fails if
 * the last writes did.  NULL with errno set on failure (fd is then closed).
 */
FILE *sealed_file_open(int fd, const struct lb_age_recipient *r, size_t n);

#endif

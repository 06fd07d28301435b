/*
 * verify.h - a dump's integrity, read back whole (verify.c).
 */
#ifndef LIFEBOAT_VERIFY_H
#define LIFEBOAT_VERIFY_H

#include <stdint.h>
#include <stdio.h>

#include "lbdump.h"

enum verify_outcome { VERIFY_OK = 0, VERIFY_CORRUPT = 1, VERIFY_INCOMPLETE = 3 };

struct verify_result {
    uint64_t frames; /* frames the dump says it holds */
    uint64_t failed; /* of those, how many did not read back as a page */
    uint64_t first_failed;
    int incomplete; /* the dump says it was cut short */
    int has_vmcoreinfo;
};

/*
 * Reads every frame src says it holds (each descriptor in range, each page
 * decoding to a whole page); says on out what is wrong and where (at most
 * a few frames by number, then a count).
 */
enum verify_outcome verify_dump(struct lb_source *src, FILE *out, struct verify_result *r);

/*
 * Compares path with the checksum the capture recorded in metadata.json
 * beside it: VERIFY_OK, VERIFY_CORRUPT, or -1 when none was recorded.
 */
int verify_checksum(const char *path, FILE *out);

#endif

/*
 * dump_output.h - writing a dump to a new file or, as "-", to a stream.
 */
#ifndef LIFEBOAT_DUMP_OUTPUT_H
#define LIFEBOAT_DUMP_OUTPUT_H

#include "lbdump.h"
#include "tools/dump_keys.h"

/*
 * Writes src to dest (a new file; "-" for a flattened stream on stdout),
 * encrypted when keys name recipients, with progress on stderr and a summary
 * after.  Exits with a message on failure; returns 1 if the dump is
 * incomplete, 0 if whole.
 */
int dump_to(struct lb_source *src, const char *dest, struct lb_write_options *opts,
            const struct dump_keys *keys);

#endif

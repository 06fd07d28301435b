/*
 * metadata.h - metadata.json, the machine-readable account of one capture.
 */
#ifndef LIFEBOAT_METADATA_H
#define LIFEBOAT_METADATA_H

#include <stdint.h>
#include <time.h>

#include "dumpdir/signature.h"
#include "lbdump.h"

struct metadata {
    const char *status; /* "writing", "complete", "incomplete" */
    const char *hostname;
    const char *release; /* from VMCOREINFO, or NULL */
    time_t crash_time;   /* from VMCOREINFO, or 0 */
    const char *dump_file;
    const char *encryption; /* "age" where the files holding memory are encrypted, or NULL */
    const struct lb_write_options *opts;
    const struct lb_write_stats *stats; /* NULL before the dump is written */
    double seconds_dump;
    uint64_t log_records;  /* records saved in dmesg.txt */
    const char *log_error; /* why the log could not be saved, or NULL */
    const char *error;     /* why the dump is incomplete, or NULL */
    const char *checksum;  /* the dump file's XXH64 as it was written (16 hex digits), or NULL */
    /* The crash's signature, or NULL: its reason and frames are written in clear only when
     * the dump is not encrypted (an encrypted dump shows the hash alone). */
    const struct crash_signature *signature;
};

struct place;
/* Writes metadata.json in place, padded to a block and over the one before (metadata.c). */
int metadata_write(struct place *place, const struct metadata *m);

#endif

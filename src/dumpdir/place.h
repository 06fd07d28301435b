/*
 * place.h - where a dump directory's files go: a directory of a mounted file
 * system (place_dir.c), or one on an SFTP server (the network build).  The
 * steps write the log, the report, the metadata and the dump through this,
 * so every target kind with directories shares them.
 */
#ifndef LIFEBOAT_PLACE_H
#define LIFEBOAT_PLACE_H

#include <stddef.h>
#include <stdint.h>

#include "lbdump.h"

struct place;

struct place_ops {
    /*
     * A new file name (never one that exists), mode 0600, as a sink that owns
     * what is under it: its finish makes the bytes durable, its free lets go.
     * holes: the writer may leave ranges unwritten (they read as zeros).
     * A place that streams gives a stream sink whatever holes says.
     */
    struct lb_sink *(*create)(struct place *p, const char *name, int holes, struct lb_error *err);
    /* The whole file name is data now (metadata.json, rewritten in place). */
    int (*put)(struct place *p, const char *name, const void *data, size_t len);
    int (*remove)(struct place *p, const char *name);
    /*
     * name's xxh64 as stored, read back; NULL where reading back would cost
     * the dump's size a second time over a network.
     */
    int (*checksum)(struct place *p, const char *name, uint64_t *sum);
    /*
     * The frames a reader finds in the dump name as stored, read back; NULL
     * where that cannot be done (across a network, or encrypted).  What a
     * dump cut short says of itself comes from this, not from what was sent.
     */
    int (*frames_held)(struct place *p, const char *name, uint64_t *frames);
};

struct place {
    const struct place_ops *ops;
    const char *shown; /* what the user calls it, for messages */
    int streams;       /* files go up in order only (HTTP PUT): the dump as a flattened stream */
};

/* The open directory dir_fd as a place (not owned: the caller closes it). */
struct place_dir {
    struct place base;
    int dir_fd;
};
void place_dir_init(struct place_dir *p, int dir_fd, const char *shown);

#endif

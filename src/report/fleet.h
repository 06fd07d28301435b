/*
 * fleet.h - the dumps a fleet sent to one place, grouped by crash signature
 * (fleet.c), for 'lifeboat report'.
 */
#ifndef LIFEBOAT_FLEET_H
#define LIFEBOAT_FLEET_H

#include <stddef.h>
#include <time.h>

#include "dumpdir/dumps.h"

struct fleet_group {
    const struct dump_entry *first_dump; /* the group's dumps are list.e[start .. start+count) */
    size_t start, count;
    size_t hosts, kernels; /* how many distinct */
    time_t first_seen, last_seen;
};

struct fleet {
    struct dump_list list;      /* sorted by signature, then oldest first */
    struct fleet_group *groups; /* most crashes first */
    size_t ngroups;
    size_t hosts; /* distinct, over all dumps */
    time_t first_seen, last_seen;
    size_t dirs_skipped; /* unreadable directories, or past the walk's bounds */
    char overfull[600];  /* the first box whose dumps went past its share, or "" */
};

enum {
    FLEET_DEPTH = 4,             /* DIR/site/host/dump at most */
    FLEET_DIRS = 100000,         /* directories visited in all */
    FLEET_DUMPS = 100000,        /* dumps read in all (~1.5 KiB of memory each) */
    FLEET_DUMPS_PER_BOX = 20000, /* of them, under one directory right under a DIR named */
};

/*
 * Reads every dump directory under the dirs (following no symbolic link,
 * FLEET_DEPTH levels deep at most) and groups them.  ids (may be NULL) are
 * keys to read encrypted dumps' reports with.  -1 with errno when memory ran
 * out; a directory that cannot be read is counted in dirs_skipped.
 */
int fleet_read(struct fleet *fleet, char *const *dirs, size_t ndirs,
               const struct lb_age_identities *ids);
/* The same with per_box for FLEET_DUMPS_PER_BOX (the tests'). */
int fleet_read_bounded(struct fleet *fleet, char *const *dirs, size_t ndirs,
                       const struct lb_age_identities *ids, size_t per_box);
void fleet_free(struct fleet *fleet);

/* The distinct hosts (which 'h') or kernels ('k') of a group, in order of name: how many were
 * put into out (at most max). */
size_t fleet_group_values(const struct fleet *fleet, const struct fleet_group *g, int which,
                          const char **out, size_t max);

#endif

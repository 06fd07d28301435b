/*
 * rehearse.h - the capture rehearsed on the running system (rehearse.c).
 */
#ifndef LIFEBOAT_REHEARSE_H
#define LIFEBOAT_REHEARSE_H

#include <stdint.h>

#include "capture/capture.h"
#include "config/config.h"

#define LIVE_SOURCE "/proc/kcore"

enum { REHEARSAL_TARGETS = CONFIG_MAX_TARGETS };

struct rehearsal_target {
    char shown[300];
    enum capture_outcome outcome;
    double seconds;      /* the target's whole turn: connect or mount, the steps, the cleanup */
    uint64_t dump_bytes; /* the live dump's size: what a crash would write there now */
    uint64_t free_bytes; /* room there before it was written; 0 if the target cannot say */
};

struct rehearsal {
    struct rehearsal_target targets[REHEARSAL_TARGETS];
    size_t ntargets;
    int chosen;     /* the target a crash now would be saved to, or -1 */
    char why[1024]; /* when none would: why */
};

/*
 * Rehearses the capture with cfg (the configuration as load made it for the
 * crash kernel): in a mount namespace of this process's own (so call it in a
 * process that ends after), file systems mounted under mount_base.  Stops at
 * the first target that takes a whole dump, as the capture does, unless
 * all.  0 if a crash now would be saved whole; -1 with r->why.
 */
int rehearse(const struct config *cfg, const char *mount_base, int all, struct rehearsal *r);

#endif

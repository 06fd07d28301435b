/*
 * steps.h - inside the capture policy: one capture's context, and the steps
 * that save a dump into a directory or onto a device (steps.c).
 */
#ifndef LIFEBOAT_STEPS_H
#define LIFEBOAT_STEPS_H

#include <stdint.h>
#include <time.h>

#include "config/config.h"
#include "lbdump.h"

enum capture_outcome {
    CAPTURE_COMPLETE = 0,   /* a whole dump was saved */
    CAPTURE_INCOMPLETE = 1, /* a readable but partial dump was saved */
    CAPTURE_FAILED = 2,     /* nothing was saved */
};

struct crash_facts {
    char release[65];
    time_t crash_time;
    char hostname[65];
};

/* One capture: what every target and step needs, and what they learn. */
struct capture {
    struct lb_source *src;
    const struct config *cfg;
    struct crash_facts facts;
    int source_fault; /* a dump failed on the crashed memory: another target would too */
    char *saved_dir;  /* where to say which dump directory was written last, or NULL */
    size_t saved_dir_len;
    /*
     * A rehearsal (lifeboat test --rehearse, rehearse.c): the same steps on
     * the running system, into a directory named .rehearsal-NAME that is
     * removed after; nothing rotated, no raw device written.  What it learns
     * for its summary: the last dump's size and the room left where it went.
     */
    int rehearsal;
    int volumes_refused;  /* a rehearsal: the volumes load recorded are not what is mapped */
    uint64_t dump_bytes;  /* of the last dump written (metadata's dump_bytes) */
    uint64_t target_free; /* bytes free on the last target before it was written; 0: unknown */
};

struct place;
/* The log, the report, the metadata and the dump, into a dump directory (place.h). */
enum capture_outcome steps_into_place(struct capture *c, struct place *place);
/* The dump alone, onto a raw device. */
enum capture_outcome steps_onto_device(struct capture *c, const char *device);
/* A rehearsal of that: the device's checks and the dump, into /dev/null; its size said. */
enum capture_outcome rehearse_onto_device(struct capture *c, const char *device);

#endif

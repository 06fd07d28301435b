/*
 * steps.h - inside the capture policy: one capture's context, and the steps
 * that save a dump into a directory or onto a device (steps.c).
 */
#ifndef LIFEBOAT_STEPS_H
#define LIFEBOAT_STEPS_H

#include <time.h>

#include "capture.h"
#include "lbdump.h"

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
};

struct place;
/* The log, the report, the metadata and the dump, into a dump directory (place.h). */
enum capture_outcome steps_into_place(struct capture *c, struct place *place);
/* The dump alone, onto a raw device. */
enum capture_outcome steps_onto_device(struct capture *c, const char *device);

#endif

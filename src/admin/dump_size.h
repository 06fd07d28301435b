/*
 * dump_size.h - how big a crash dump would be now (dump_size.c): predicted
 * from the running kernel's struct pages at the configured level and codec,
 * recorded for 'status'.
 */
#ifndef LIFEBOAT_DUMP_SIZE_H
#define LIFEBOAT_DUMP_SIZE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "admin/notice.h"
#include "config/config.h"

/* The last prediction, one "key value" a line, for 'status'. */
#define LIFEBOAT_PREDICTION LIFEBOAT_STATE "/prediction"

enum {
    DUMP_SIZE_SAMPLE = 4096, /* kept frames read and compressed for the ratio (16 MiB) */
    DUMP_SIZE_SECONDS = 300, /* the prediction's child is stopped after this */
};

struct dump_size {
    uint64_t bytes; /* predicted size of the dump */
    uint64_t frames_kept, frames_total;
    uint64_t sampled, sampled_zero, sampled_repeated;
    unsigned level_asked, level_applied;
    char codec[8];
    double seconds;       /* the prediction took */
    time_t when;          /* made at */
    char by[16];          /* "estimate", "load", "rehearsal" */
    uint64_t free_bytes;  /* the rehearsal: room the target had (0: not known) */
    unsigned free_target; /* which target that was: its number in the config, from 1 */
    time_t free_when;     /* when the rehearsal measured it */
    char free_at[300];    /* and as the rehearsal named it */
};

/*
 * Predicts the size of a dump of the running kernel with cfg's level,
 * codec and format: in a child at nice 10 and the lowest I/O priority,
 * stopped after DUMP_SIZE_SECONDS.  Root only.  0, or -1 with err.
 */
int dump_size_predict(const struct config *cfg, struct dump_size *out, struct lb_error *err);
/* "about M MiB (N frames kept of T; ratio measured on S sampled pages)" */
void dump_size_describe(const struct dump_size *d, char *buf, size_t len);
/*
 * Kept as the last prediction (LIFEBOAT_PREDICTION), said to be made by `by`;
 * without free space of its own, the last rehearsal's measure is kept on.
 */
void dump_size_record(struct dump_size *d, const char *by);
/* The last prediction recorded; -1 if none. */
int dump_size_last(struct dump_size *out);

#endif

/*
 * writer.c - lb_write(): one entry to every output format.
 */
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"

int lb_write(struct lb_source *src, int out_fd, const struct lb_write_options *opts,
             struct lb_write_stats *stats, struct lb_error *err)
{
    struct lb_pipe *p = malloc(sizeof(*p));
    int r;

    memset(stats, 0, sizeof(*stats));
    if (!p) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory");
        return -1;
    }
    if (pipe_open(p, src, opts, stats, err) < 0) {
        free(p);
        return -1;
    }
    p->fd = out_fd;
    r = out_begin(p, err);
    if (r == 0)
        r = opts->format == LB_FORMAT_ELF ? write_elf(p, err) : write_kdump(p, err);
    if (r == 0)
        r = out_end(p, err);
    p->progress.bytes_done = p->progress.bytes_total;
    pipe_report(p);
    pipe_close(p);
    free(p);
    return r;
}

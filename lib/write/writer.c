/*
 * writer.c - lb_write(): one entry to every output format, into a sink.
 */
#include <stdlib.h>
#include <string.h>

#include "write/pipeline.h"

int lb_write_sink(struct lb_source *src, struct lb_sink *sink, const struct lb_write_options *opts,
                  struct lb_write_stats *stats, struct lb_error *err)
{
    struct lb_pipe *p = malloc(sizeof(*p));
    struct lb_sink *top = sink;
    struct lb_error ignored;
    int r;

    memset(stats, 0, sizeof(*stats));
    /* Redacted before anything is read for writing; a source this process already redacted
     * for these classes (a capture redacts first, for its report too) is not walked twice.
     * A dump's note saying it is redacted is no reason to skip: it is walked again. */
    if (opts->redact && (lb_source_redacting(src) & opts->redact) != opts->redact &&
        lb_source_redact(src, opts->redact, err) < 0) {
        free(p);
        return -1;
    }
    if (!p) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory");
        return -1;
    }
    /* Sealed a chunk at a time, a dump goes in order, as records: nothing is held back for
     * the end, so a writer killed midway leaves a dump readable up to where it stopped. */
    if ((sink->caps & LB_SINK_SEALED) && !(top = lb_sink_replayed(sink, err))) {
        free(p);
        return -1;
    }
    if (lb_pipe_open(p, src, opts, stats, err) < 0) {
        if (top != sink)
            top->ops->free(top);
        free(p);
        return -1;
    }
    p->sink = top;
    stats->redacted = lb_source_redaction(src, &stats->redaction);
    r = opts->format == LB_FORMAT_ELF ? lb_write_elf(p, err) : lb_write_kdump(p, err);
    /* What was written is made readable as far as it goes, even after a failure. */
    if (top->ops->finish(top, stats->output_size, r == 0, r == 0 ? err : &ignored) < 0)
        r = -1;
    if (top != sink)
        top->ops->free(top);
    p->progress.bytes_done = p->progress.bytes_total;
    lb_pipe_report(p);
    lb_pipe_close(p);
    free(p);
    return r;
}

/* A file or device (holes where it is a new regular file), or a flattened stream. */
int lb_write(struct lb_source *src, int out_fd, const struct lb_write_options *opts,
             struct lb_write_stats *stats, struct lb_error *err)
{
    struct lb_sink *sink = lb_sink_fd(out_fd, opts->flattened ? LB_SINK_STREAM
                                              : opts->sparse  ? LB_SINK_HOLES
                                                              : 0);
    int r;

    if (!sink) {
        memset(stats, 0, sizeof(*stats));
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory");
        return -1;
    }
    if (opts->flattened && !(sink = lb_sink_flattened(sink, err))) {
        memset(stats, 0, sizeof(*stats));
        return -1;
    }
    r = lb_write_sink(src, sink, opts, stats, err);
    sink->ops->free(sink);
    return r;
}

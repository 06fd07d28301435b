/*
 * dump_output.c - the end of 'save' and 'convert': open the destination
 * (never an existing file: a dump is evidence), write, sync, report.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "render/progress.h"
#include "render/save_report.h"
#include "tools/dump_output.h"
#include "tools/remote_sink.h"

/*
 * The sinks, from the bottom: the file or stream; over a stream the
 * flattened records; then the encryption, over the records when streaming
 * (an age file holding a flattened stream), over the file otherwise.
 */
static struct lb_sink *open_sink(int fd, int stream, int holes, const struct dump_keys *keys,
                                 struct lb_error *e)
{
    /* dump_to() syncs a file at the end; meanwhile its writeback is paced (sink.c) */
    struct lb_sink *s = lb_sink_fd(fd, stream  ? LB_SINK_STREAM
                                       : holes ? LB_SINK_HOLES | LB_SINK_WRITEBACK
                                               : 0);

    if (s && keys->write_rate_mib)
        s = lb_sink_paced(s, (uint64_t)keys->write_rate_mib << 20);
    if (!s)
        errx(1, "out of memory");
    if (keys->nto && lb_sink_age(s, keys->to, keys->nto, &s, e) < 0)
        return NULL;
    if (stream && !(s = lb_sink_flattened(s, e)))
        return NULL;
    return s;
}

/* A dump written to a server: SFTP's positioned writes into a new file, or HTTPS's PUT of the
 * flattened stream. */
static int dump_to_remote(struct lb_source *src, const char *dest, struct lb_write_options *opts,
                          const struct dump_keys *keys)
{
    struct progress_state prog;
    struct lb_write_stats stats;
    struct lb_error e = {0};
    struct lb_sink *sink = remote_sink_open(dest, keys, &e);
    int r;

    if (!sink)
        errx(1, "%s", e.msg);
    if (keys->write_rate_mib && !(sink = lb_sink_paced(sink, (uint64_t)keys->write_rate_mib << 20)))
        errx(1, "out of memory");
    int stream = sink->caps & LB_SINK_STREAM; /* https: a PUT in order */
    if (keys->nto && lb_sink_age(sink, keys->to, keys->nto, &sink, &e) < 0)
        errx(1, "%s: %s", dest, e.msg);
    if (stream && !(sink = lb_sink_flattened(sink, &e)))
        errx(1, "%s: %s", dest, e.msg);
    opts->flattened = stream;
    opts->sparse = !stream;
    opts->progress = progress_print;
    opts->progress_ctx = &prog;
    progress_start(&prog, dest);
    r = lb_write_sink(src, sink, opts, &stats, &e);
    sink->ops->free(sink);
    save_report(stderr, opts, &stats);
    if (r < 0)
        errx(1, "%s: incomplete: %s", dest, e.msg);
    return stats.incomplete ? 1 : 0;
}

int dump_to(struct lb_source *src, const char *dest, struct lb_write_options *opts,
            const struct dump_keys *keys)
{
    struct progress_state prog;
    struct lb_write_stats stats;
    struct lb_error e = {0};
    struct stat st;

    if (strncmp(dest, "ssh://", 6) == 0 || strncmp(dest, "https://", 8) == 0)
        return dump_to_remote(src, dest, opts, keys);
    int stream = strcmp(dest, "-") == 0;
    int fd = stream ? STDOUT_FILENO : open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    int r;

    if (fd < 0)
        err(1, "%s%s", dest, errno == EEXIST ? " (lifeboat never overwrites a dump)" : "");
    if (stream && isatty(fd))
        errx(2, "the dump would go to a terminal: redirect standard output");
    opts->flattened = stream;
    opts->sparse = !stream && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    opts->progress = progress_print;
    opts->progress_ctx = &prog;
    progress_start(&prog, stream ? "stream" : dest);
    struct lb_sink *sink = open_sink(fd, stream, opts->sparse, keys, &e);
    if (!sink)
        errx(1, "%s: %s", dest, e.msg);
    r = lb_write_sink(src, sink, opts, &stats, &e);
    sink->ops->free(sink);
    if (!stream && fsync(fd) < 0 && r == 0) {
        lb_error_setk(&e, lb_error_kind_of_write(errno), "fsync: %s", strerror(errno));
        r = -1;
    }
    if (!stream)
        close(fd);
    save_report(stderr, opts, &stats);
    if (r < 0)
        errx(1, "%s: incomplete: %s", dest, e.msg);
    return stats.incomplete ? 1 : 0;
}

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

#include "dump_output.h"
#include "report/progress.h"
#include "report/save_report.h"

int dump_to(struct lb_source *src, const char *dest, struct lb_write_options *opts)
{
    struct progress_state prog;
    struct lb_write_stats stats;
    struct lb_error e = {0};
    struct stat st;
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
    r = lb_write(src, fd, opts, &stats, &e);
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

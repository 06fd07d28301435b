/*
 * cmd_save.c - writes a dump from /proc/vmcore or a dump file to a new file.
 *
 * The destination must not exist: a dump is evidence, and lifeboat never
 * overwrites one.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "lbdump.h"
#include "progress.h"

int cmd_save(int argc, char **argv)
{
    struct progress_state prog;
    struct lb_write_options opts = {.sparse = 1, .progress = progress_print, .progress_ctx = &prog};
    struct lb_write_stats stats;
    struct lb_source *src;
    struct lb_error e;
    int fd, r;

    if (argc != 3 || argv[1][0] == '-') {
        int help = argc == 2 && strcmp(argv[1], "--help") == 0;
        fprintf(help ? stdout : stderr, "usage: lifeboat save SOURCE DEST\n");
        return help ? 0 : 2;
    }
    if (lb_source_open(argv[1], &src, &e) < 0)
        errx(1, "%s", e.msg);
    fd = open(argv[2], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        err(1, "%s%s", argv[2], errno == EEXIST ? " (lifeboat never overwrites a dump)" : "");
    progress_start(&prog, argv[2]);
    r = lb_write_elf(src, fd, &opts, &stats, &e);
    if (fsync(fd) < 0 && r == 0) {
        snprintf(e.msg, sizeof(e.msg), "fsync: %s", strerror(errno));
        r = -1;
    }
    close(fd);
    lb_source_close(src);
    if (r < 0)
        errx(1, "%s: incomplete: %s", argv[2], e.msg);
    if (stats.pages_unreadable)
        warnx("%llu unreadable pages saved as zeros", (unsigned long long)stats.pages_unreadable);
    return 0;
}

/*
 * dumpdir.c - names and creates dump directories.
 *
 * A dump directory is born as ".partial-NAME" so that a capture cut short by
 * power loss is never mistaken for a finished one, and becomes NAME (or
 * NAME.incomplete) only after its files are on disk.  Names are claimed with
 * mkdir(2), which fails if anything has the name: two captures, or a capture
 * and an old dump, can never share a directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dumpdir.h"

enum { MAX_SUFFIX = 1000 };

static int name_taken(int parent_fd, const char *name)
{
    char other[160];
    struct stat st;

    snprintf(other, sizeof(other), "%.128s.incomplete", name);
    return fstatat(parent_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ||
           fstatat(parent_fd, other, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

int dumpdir_create(struct dumpdir *d, const char *parent, time_t when, const char *host)
{
    char stamp[32];
    struct tm tm;

    memset(d, 0, sizeof(*d));
    d->fd = -1;
    d->parent_fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d->parent_fd < 0)
        return -1;
    gmtime_r(&when, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
    for (int n = 1; n < MAX_SUFFIX; n++) {
        if (n == 1)
            snprintf(d->name, sizeof(d->name), "%s-%.64s", stamp, host);
        else
            snprintf(d->name, sizeof(d->name), "%s-%.64s-%d", stamp, host, n);
        snprintf(d->temp, sizeof(d->temp), ".partial-%.120s", d->name);
        if (name_taken(d->parent_fd, d->name))
            continue;
        if (mkdirat(d->parent_fd, d->temp, 0700) == 0) {
            d->fd = openat(d->parent_fd, d->temp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            return d->fd < 0 ? -1 : 0;
        }
        if (errno != EEXIST)
            return -1;
    }
    errno = EEXIST;
    return -1;
}

int dumpdir_finish(struct dumpdir *d, int complete)
{
    if (!complete)
        strcat(d->name, ".incomplete"); /* names are at most 84 bytes: it fits */
    if (fsync(d->fd) < 0 || renameat(d->parent_fd, d->temp, d->parent_fd, d->name) < 0)
        return -1;
    return fsync(d->parent_fd);
}

void dumpdir_close(struct dumpdir *d)
{
    if (d->fd >= 0)
        close(d->fd);
    if (d->parent_fd >= 0)
        close(d->parent_fd);
    d->fd = d->parent_fd = -1;
}

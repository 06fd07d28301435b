/*
 * dumpdir.c - names and creates dump directories.
 *
 * A dump directory is born as ".partial-NAME" so that a capture cut short by
 * power loss is never mistaken for a finished one, and becomes NAME (or
 * NAME.incomplete) only after its files are on disk.  Names are claimed with
 * mkdir(2), which fails if anything has the name: two captures, or a capture
 * and an old dump, can never share a directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
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

static int is_dump_name(const char *name)
{
    /* YYYYmmdd-HHMMSS-host: what dumpdir_create names */
    for (int i = 0; i < 15; i++)
        if (i == 8 ? name[i] != '-' : (name[i] < '0' || name[i] > '9'))
            return 0;
    return name[15] == '-';
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void remove_dump(int parent_fd, const char *name)
{
    int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *e;

    if (!d)
        return;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' || (e->d_name[1] && strcmp(e->d_name, "..")))
            unlinkat(fd, e->d_name, 0);
    closedir(d);
    if (unlinkat(parent_fd, name, AT_REMOVEDIR) == 0)
        fprintf(stderr, "lifeboat: removed the old dump %s (keep)\n", name);
}

static uint64_t free_bytes(int fd)
{
    struct statvfs st;

    return fstatvfs(fd, &st) == 0 ? (uint64_t)st.f_bavail * st.f_frsize : UINT64_MAX;
}

void dumpdir_rotate(const char *parent, unsigned keep, uint64_t min_free)
{
    int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(dup(fd)) : NULL;
    char *names[1024];
    size_t n = 0;
    struct dirent *e;

    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    while ((e = readdir(d)) && n < sizeof(names) / sizeof(names[0])) {
        if (strncmp(e->d_name, ".partial-", 9) == 0 || strstr(e->d_name, ".incomplete"))
            fprintf(stderr, "lifeboat: an earlier capture left %s: kept\n", e->d_name);
        else if (is_dump_name(e->d_name))
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(names[0]), by_name);
    for (size_t i = 0; i < n; i++) {
        /* oldest first: beyond the count to keep, or while space is short */
        if (names[i] && ((keep && i + keep < n) || free_bytes(fd) < min_free))
            remove_dump(fd, names[i]);
        free(names[i]);
    }
    if (min_free && free_bytes(fd) < min_free)
        fprintf(stderr,
                "lifeboat: %s has %llu MiB free, less than min-free %llu MiB: the dump "
                "may end incomplete\n",
                parent, (unsigned long long)(free_bytes(fd) >> 20),
                (unsigned long long)(min_free >> 20));
    close(fd);
}

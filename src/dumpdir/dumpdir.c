/*
 * dumpdir.c - names and creates dump directories.
 *
 * A dump directory is born as ".partial-NAME" so that a capture cut short by
 * power loss is never mistaken for a finished one, and becomes NAME (or
 * NAME.incomplete) only after its files are on disk.  Names are claimed with
 * mkdir(2), which fails if anything has the name: two captures, or a capture
 * and an old dump, can never share a directory.
 *
 * Invariants:
 *   1. Nothing that exists is overwritten: names are claimed by mkdir(2).
 *   2. Rotation removes only complete dumps lifeboat made, checked one by one
 *      without following a symlink, on the target's own file system, and only
 *      the files a capture writes: a planted name or link costs nothing.
 *   3. Rotation runs after a complete capture, counts the new dump, never
 *      removes it, and never counts a dump dated after it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "dumpdir/dumpdir.h"
#include "lbdump.h"

static int name_taken(int parent_fd, const char *name)
{
    char other[160];
    struct stat st;

    snprintf(other, sizeof(other), "%.128s.incomplete", name);
    return fstatat(parent_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ||
           fstatat(parent_fd, other, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

void dumpdir_name(struct dumpdir *d, time_t when, const char *host, int n)
{
    char stamp[32];
    struct tm tm;

    gmtime_r(&when, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
    if (n == 1)
        snprintf(d->name, sizeof(d->name), "%s-%.64s", stamp, host);
    else
        snprintf(d->name, sizeof(d->name), "%s-%.64s-%d", stamp, host, n);
    snprintf(d->temp, sizeof(d->temp), "%s%.120s", d->rehearsal ? ".rehearsal-" : ".partial-",
             d->name);
}

static int create_named(struct dumpdir *d, const char *parent, time_t when, const char *host,
                        int rehearsal)
{
    memset(d, 0, sizeof(*d));
    d->fd = -1;
    d->rehearsal = rehearsal;
    d->parent_fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d->parent_fd < 0)
        return -1;
    for (int n = 1; n < DUMPDIR_MAX_SUFFIX; n++) {
        dumpdir_name(d, when, host, n);
        if (name_taken(d->parent_fd, d->name))
            continue;
        if (mkdirat(d->parent_fd, d->temp, 0700) == 0) {
            /* the directory just made, never a link put in its place since */
            d->fd = openat(d->parent_fd, d->temp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            return d->fd < 0 ? -1 : 0;
        }
        if (errno != EEXIST)
            return -1;
    }
    errno = EEXIST;
    return -1;
}

int dumpdir_create(struct dumpdir *d, const char *parent, time_t when, const char *host)
{
    return create_named(d, parent, when, host, 0);
}

int dumpdir_create_rehearsal(struct dumpdir *d, const char *parent, time_t when, const char *host)
{
    return create_named(d, parent, when, host, 1);
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
    return name[15] == '-' && !strstr(name, ".incomplete");
}

/* What a capture writes into a dump directory, and nothing else. */
static int is_dump_file(const char *name)
{
    static const char *const files[] = {"vmcore", "dmesg.txt", "info.json", "metadata.json",
                                        "console.txt"};
    size_t len = strlen(name);

    if (len > 4 && strcmp(name + len - 4, ".age") == 0)
        len -= 4;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        if (strlen(files[i]) == len && strncmp(name, files[i], len) == 0)
            return 1;
    return 0;
}

/*
 * Opens name in parent if it is a complete dump lifeboat made (invariant 2):
 * a real directory (not a symlink) on the parent's file system, holding its
 * own metadata.json that says "complete", and only files a capture writes.
 * Returns its fd, or -1 with why filled in when it is not.
 */
static int open_own_dump(int parent_fd, dev_t dev, const char *name, const char **why)
{
    char meta[4097];
    struct stat st;
    struct dirent *e;
    ssize_t n;
    int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int meta_fd, dup_fd;
    DIR *d;

    *why = "not a directory of its own (a symlink?)";
    if (fd < 0)
        return -1;
    *why = "on another file system";
    if (fstat(fd, &st) < 0 || st.st_dev != dev)
        goto not_ours;
    *why = "no metadata.json saying it is complete";
    meta_fd = openat(fd, "metadata.json", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    n = meta_fd >= 0 ? pread(meta_fd, meta, sizeof(meta) - 1, 0) : -1;
    if (meta_fd >= 0)
        close(meta_fd);
    if (n <= 0)
        goto not_ours;
    meta[n] = '\0';
    if (!strstr(meta, "\"status\": \"complete\""))
        goto not_ours;
    *why = "it holds files a capture does not write";
    dup_fd = dup(fd);
    d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
    if (!d) {
        if (dup_fd >= 0)
            close(dup_fd);
        goto not_ours;
    }
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
            (!is_dump_file(e->d_name) || fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
             !S_ISREG(st.st_mode)))
            break;
    closedir(d);
    if (e)
        goto not_ours;
    return fd;
not_ours:
    close(fd);
    return -1;
}

/* What a capture writes in a dump directory; metadata last: it marks a dump. */
static const char *const capture_files[] = {"vmcore",        "dmesg.txt",    "info.json",
                                            "console.txt",   "vmcore.age",   "dmesg.txt.age",
                                            "info.json.age", "metadata.json"};

/* The files a capture writes in the directory fd, and nothing else. */
static void unlink_capture_files(int fd)
{
    for (size_t i = 0; i < sizeof(capture_files) / sizeof(capture_files[0]); i++)
        if (unlinkat(fd, capture_files[i], 0) < 0 && errno != ENOENT)
            break;
}

int dumpdir_discard(const char *path)
{
    char parent[PATH_MAX];
    const char *slash = strrchr(path, '/');
    int parent_fd, fd, r = -1;

    if (!slash || slash == path || (size_t)(slash - path) >= sizeof(parent))
        return -1;
    memcpy(parent, path, (size_t)(slash - path));
    parent[slash - path] = '\0';
    parent_fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    fd = parent_fd < 0
             ? -1
             : openat(parent_fd, slash + 1, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        unlink_capture_files(fd);
        close(fd);
        r = unlinkat(parent_fd, slash + 1, AT_REMOVEDIR); /* fails if anything else is there */
    }
    if (parent_fd >= 0)
        close(parent_fd);
    return r;
}

static int remove_dump(int parent_fd, dev_t dev, const char *name)
{
    const char *why;
    int fd = open_own_dump(parent_fd, dev, name, &why);

    if (fd < 0) {
        fprintf(stderr,
                "lifeboat: %s looks like a dump but is not one lifeboat made (%s): left "
                "alone\n",
                name, why);
        return -1;
    }
    unlink_capture_files(fd);
    close(fd);
    if (unlinkat(parent_fd, name, AT_REMOVEDIR) < 0) {
        fprintf(stderr, "lifeboat: cannot remove the old dump %s: %s\n", name, strerror(errno));
        return -1;
    }
    fprintf(stderr, "lifeboat: removed the old dump %s (keep, min-free)\n", name);
    return 0;
}

static uint64_t free_bytes(int fd)
{
    struct statvfs st;

    return fstatvfs(fd, &st) == 0 ? (uint64_t)st.f_bavail * st.f_frsize : UINT64_MAX;
}

/* Dumps in time order: the 15-character timestamp, then the rest of the name. */
static int by_time(const void *a, const void *b)
{
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    int r = strncmp(x, y, 15);
    return r ? r : strcmp(x, y);
}

/* The names of dump directories in parent, oldest first; reports leftovers. */
static char **list_dumps(int fd, size_t *count)
{
    int dup_fd = dup(fd);
    DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
    char **names = NULL, **grown;
    size_t n = 0, cap = 0;
    struct dirent *e;

    if (!d) {
        if (dup_fd >= 0)
            close(dup_fd);
        *count = 0;
        return NULL;
    }
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, ".partial-", 9) == 0 || strstr(e->d_name, ".incomplete")) {
            fprintf(stderr, "lifeboat: an earlier capture left %s: kept\n", e->d_name);
            continue;
        }
        if (!is_dump_name(e->d_name))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            if (!(grown = realloc(names, cap * sizeof(*names))))
                break;
            names = grown;
        }
        if (!(names[n] = strdup(e->d_name)))
            break;
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), by_time);
    *count = n;
    return names;
}

/* Bytes in the regular files a capture writes in the dump directory name in parent. */
static uint64_t dump_size(int parent_fd, const char *name)
{
    int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    uint64_t sum = 0;

    if (fd < 0)
        return 0;
    for (size_t i = 0; i < sizeof(capture_files) / sizeof(capture_files[0]); i++) {
        struct stat st;
        if (fstatat(fd, capture_files[i], &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
            sum += (uint64_t)st.st_blocks * 512;
    }
    close(fd);
    return sum;
}

/*
 * The rotation, done (dry: 0) after the complete dump newest, or said (dry)
 * for a dump of dry bytes a crash would add now (newest NULL): the same
 * choice either way, which is what a rehearsal is for.
 */
static void rotate(const char *parent, const char *newest, unsigned keep, uint64_t min_free,
                   uint64_t dry)
{
    int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    size_t n = 0, own = 0;
    uint64_t freed = 0; /* dry: what the dumps said to go would free */
    char **names;
    struct stat st;

    if (fd < 0 || fstat(fd, &st) < 0) {
        if (fd >= 0)
            close(fd);
        return;
    }
    names = list_dumps(fd, &n);
    /* Dumps dated after this crash cannot be older ones (invariant 3): not counted, kept. */
    while (newest && n > 0 && by_time(&names[n - 1], &newest) > 0) {
        fprintf(stderr, "lifeboat: %s is dated after this crash: left alone\n", names[n - 1]);
        free(names[--n]);
    }
    for (size_t i = 0; i < n; i++) {
        const char *why;
        int dfd = open_own_dump(fd, st.st_dev, names[i], &why);
        if (dfd < 0) {
            fprintf(stderr, "lifeboat: %s is not a dump lifeboat made (%s): left alone\n", names[i],
                    why);
            free(names[i]);
            names[i] = NULL;
            continue;
        }
        close(dfd);
        own++;
    }
    if (!newest)
        own++; /* the dump a crash would add */
    /* Oldest first, never the new one: beyond the count to keep, or while space is short. */
    for (size_t i = 0; i < n; i++) {
        uint64_t room = free_bytes(fd) + freed;
        if (!names[i] || (newest && strcmp(names[i], newest) == 0))
            continue;
        if (!(keep && own > keep) &&
            !((newest ? room : room - (room < dry ? room : dry)) < min_free))
            continue;
        if (newest) {
            LB_INVARIANT(3, strcmp(names[i], newest) != 0 && by_time(&names[i], &newest) <= 0);
            if (remove_dump(fd, st.st_dev, names[i]) == 0)
                own--;
        } else {
            fprintf(stderr,
                    "lifeboat: rehearsal: a crash now would remove the old dump %s (keep, "
                    "min-free)\n",
                    names[i]);
            freed += dump_size(fd, names[i]);
            own--;
        }
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (newest && min_free && free_bytes(fd) < min_free)
        fprintf(stderr,
                "lifeboat: %s has %llu MiB free, less than min-free %llu MiB: the next dump "
                "may end incomplete\n",
                parent, (unsigned long long)(free_bytes(fd) >> 20),
                (unsigned long long)(min_free >> 20));
    close(fd);
}

void dumpdir_rotate(const char *parent, const char *newest, unsigned keep, uint64_t min_free)
{
    rotate(parent, newest, keep, min_free, 0);
}

void dumpdir_rotate_dry(const char *parent, unsigned keep, uint64_t min_free, uint64_t bytes)
{
    rotate(parent, NULL, keep, min_free, bytes);
}

int dumpdir_remove_rehearsal(struct dumpdir *d)
{
    if (!d->rehearsal || d->fd < 0)
        return -1;
    unlink_capture_files(d->fd);
    return unlinkat(d->parent_fd, d->temp, AT_REMOVEDIR);
}

void dumpdir_remove_stale_rehearsals(const char *parent)
{
    int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int dup_fd = fd >= 0 ? dup(fd) : -1;
    DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
    struct dirent *e;

    while (d && (e = readdir(d))) {
        if (strncmp(e->d_name, ".rehearsal-", 11) != 0)
            continue;
        int sub = openat(fd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0)
            continue; /* not a directory of ours: a link, a file: left alone */
        unlink_capture_files(sub);
        close(sub);
        if (unlinkat(fd, e->d_name, AT_REMOVEDIR) == 0)
            fprintf(stderr, "lifeboat: rehearsal: removed %s, left by a rehearsal cut short\n",
                    e->d_name);
    }
    if (d)
        closedir(d);
    else if (dup_fd >= 0)
        close(dup_fd);
    if (fd >= 0)
        close(fd);
}

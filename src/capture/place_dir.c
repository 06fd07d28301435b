/*
 * place_dir.c - a dump directory on a mounted file system as a place
 * (place.h): files created with O_EXCL under the directory's descriptor,
 * each synced when it is finished.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "place.h"
#include "supervise.h"

static struct lb_sink *dir_create(struct place *p, const char *name, int holes,
                                  struct lb_error *err)
{
    struct place_dir *d = (struct place_dir *)p;
    int fd = openat(d->dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    struct lb_sink *sink;

    if (fd < 0) {
        lb_error_setk(err, lb_error_kind_of_write(errno), "cannot create %s: %s", name,
                      strerror(errno));
        return NULL;
    }
    if (!(sink = lb_sink_file(fd, holes ? LB_SINK_HOLES : 0)))
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory");
    return sink;
}

static int dir_put(struct place *p, const char *name, const void *data, size_t len)
{
    struct place_dir *d = (struct place_dir *)p;
    int fd = openat(d->dir_fd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    int r;

    if (fd < 0)
        return -1;
    r = pwrite(fd, data, len, 0) == (ssize_t)len && fsync(fd) == 0 ? 0 : -1;
    close(fd);
    return r;
}

static int dir_remove(struct place *p, const char *name)
{
    return unlinkat(((struct place_dir *)p)->dir_fd, name, 0);
}

/* A big dump on a slow disk takes a while to read: it is progress. */
static void reading_back(void *ctx)
{
    (void)ctx;
    supervise_progress();
}

static int dir_checksum(struct place *p, const char *name, uint64_t *sum)
{
    int fd = openat(((struct place_dir *)p)->dir_fd, name, O_RDONLY | O_CLOEXEC);
    struct lb_error err;
    struct stat st;
    int r = -1;

    if (fd >= 0 && fstat(fd, &st) == 0)
        r = lb_checksum_fd(fd, (uint64_t)st.st_size, sum, reading_back, NULL, &err);
    if (fd >= 0)
        close(fd);
    return r;
}

static const struct place_ops dir_ops = {dir_create, dir_put, dir_remove, dir_checksum};

void place_dir_init(struct place_dir *p, int dir_fd, const char *shown)
{
    p->base.ops = &dir_ops;
    p->base.shown = shown;
    p->base.streams = 0;
    p->dir_fd = dir_fd;
}

/*
 * place_dir.c - a dump directory on a mounted file system as a place
 * (place.h): files created with O_EXCL under the directory's descriptor,
 * each synced when it is finished.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dumpdir/place.h"
#include "platform/supervise.h"

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
    /* rewritten in place: a shorter text must not keep the old one's tail */
    r = pwrite(fd, data, len, 0) == (ssize_t)len && ftruncate(fd, (off_t)len) == 0 && fsync(fd) == 0
            ? 0
            : -1;
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

/* Read back as every reader of the dump would: the frames whose data decodes. */
static int dir_frames_held(struct place *p, const char *name, uint64_t *frames)
{
    enum { BATCH = 64 };
    int fd = openat(((struct place_dir *)p)->dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    uint8_t *buf = malloc((size_t)BATCH * LB_PAGE_SIZE), status[BATCH];
    struct lb_source *src = NULL;
    const struct lb_frame_run *runs;
    struct lb_error err;
    char path[64];
    size_t nruns;
    int r = -1;

    *frames = 0;
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    if (fd >= 0 && buf && lb_source_open(path, &src, &err) == 0) {
        runs = lb_source_frame_runs(src, &nruns);
        for (size_t i = 0; i < nruns; i++)
            for (uint64_t done = 0; done < runs[i].count; supervise_progress()) {
                size_t n = runs[i].count - done < BATCH ? (size_t)(runs[i].count - done) : BATCH;
                lb_source_read_pages(src, runs[i].first + done, n, buf, status);
                for (size_t j = 0; j < n; j++)
                    *frames += status[j] == LB_PAGE_OK;
                done += n;
            }
        lb_source_close(src);
        r = 0;
    }
    if (fd >= 0)
        close(fd);
    free(buf);
    return r;
}

static const struct place_ops dir_ops = {
    .create = dir_create,
    .put = dir_put,
    .remove = dir_remove,
    .checksum = dir_checksum,
    .frames_held = dir_frames_held,
};

void place_dir_init(struct place_dir *p, int dir_fd, const char *shown)
{
    p->base.ops = &dir_ops;
    p->base.shown = shown;
    p->base.streams = 0;
    p->dir_fd = dir_fd;
}

/*
 * sealed_file.c - see sealed_file.h.  fopencookie(3) puts stdio's buffering
 * in front of the age sink, so code that prints a report to a FILE writes an
 * encrypted file unchanged.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "platform/sealed_file.h"

struct sealed {
    struct lb_sink *sink;
    uint64_t pos;
    int failed;
};

static ssize_t sealed_write(void *cookie, const char *buf, size_t len)
{
    struct sealed *s = cookie;
    struct lb_error e;

    if (s->sink->ops->write(s->sink, buf, len, s->pos, &e) < 0) {
        s->failed = 1;
        errno = e.kind == LB_ERR_NO_SPACE ? ENOSPC : EIO;
        return -1;
    }
    s->pos += len;
    return (ssize_t)len;
}

static int sealed_close(void *cookie)
{
    struct sealed *s = cookie;
    struct lb_error e;
    int r = s->sink->ops->finish(s->sink, s->pos, !s->failed, &e) < 0 || s->failed ? -1 : 0;

    s->sink->ops->free(s->sink);
    free(s);
    if (r < 0 && !errno)
        errno = EIO;
    return r;
}

FILE *sealed_file_open(struct lb_sink *lower, const struct lb_age_recipient *r, size_t n)
{
    static const cookie_io_functions_t io = {.write = sealed_write, .close = sealed_close};
    struct sealed *s;
    struct lb_error e;
    FILE *f;

    if (!(s = calloc(1, sizeof(*s)))) {
        lower->ops->free(lower);
        errno = ENOMEM;
        return NULL;
    }
    s->sink = lower; /* in the clear: the same path, so fclose() finishes it either way */
    if (n && lb_sink_age(lower, r, n, &s->sink, &e) < 0) {
        free(s);
        errno = EIO;
        return NULL;
    }
    if (!(f = fopencookie(s, "w", io))) {
        s->sink->ops->free(s->sink);
        free(s);
        return NULL;
    }
    return f;
}

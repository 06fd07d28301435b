/*
 * devmapper.c - device-mapper tables by ioctl on /dev/mapper/control.
 *
 * LVM is a user of device-mapper: a logical volume is a mapped device whose
 * table says which sectors of which physical volumes it is made of.  What
 * the crash kernel needs to see a logical volume is that table, not LVM:
 * load reads it here, and the capture makes the same mapping again here,
 * with the three ioctls dmsetup itself would use (create, load, resume).
 *
 * Replies are bounded: the kernel says how much it wrote, and every target
 * spec and its parameters are checked against that before they are read.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "platform/devmapper.h"

enum { REPLY_MAX = 1 << 20, MAPPER_CONTROL_MINOR = 236, MISC_MAJOR = 10 };

/* The control node; made when devtmpfs has not (an old kernel, a bare /dev). */
static int open_control(struct lb_error *err)
{
    int fd = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);

    if (fd < 0 && errno == ENOENT) {
        mkdir("/dev/mapper", 0755);
        mknod("/dev/mapper/control", S_IFCHR | 0600, makedev(MISC_MAJOR, MAPPER_CONTROL_MINOR));
        fd = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
    }
    if (fd < 0)
        lb_error_setk(err, LB_ERR_SYSTEM, "cannot open /dev/mapper/control: %s (is dm_mod loaded?)",
                      strerror(errno));
    return fd;
}

static struct dm_ioctl *new_request(size_t size, const char *name)
{
    struct dm_ioctl *io = calloc(1, size);

    if (!io)
        return NULL;
    io->version[0] = DM_VERSION_MAJOR;
    io->data_size = (uint32_t)size;
    io->data_start = sizeof(*io);
    if (name)
        snprintf(io->name, sizeof(io->name), "%s", name);
    return io;
}

/* Copies the reply's target specs into t, checking each against what the kernel wrote. */
static int parse_table(const struct dm_ioctl *io, struct dm_table *t, struct lb_error *err)
{
    const char *base = (const char *)io, *data = base + io->data_start;
    size_t avail = io->data_size > io->data_start ? io->data_size - io->data_start : 0;
    size_t at = 0;

    if (io->target_count > DMT_MAX_SEGMENTS) {
        lb_error_setk(err, LB_ERR_REFUSED, "%s has %u table lines; lifeboat handles %d", t->name,
                      io->target_count, DMT_MAX_SEGMENTS);
        return -1;
    }
    for (uint32_t i = 0; i < io->target_count; i++) {
        struct dm_target_spec spec;
        struct dm_segment *s = &t->seg[t->n];
        size_t plen;

        if (at > avail || avail - at < sizeof(spec)) {
            lb_error_setk(err, LB_ERR_CORRUPT, "the table of %s ends inside line %u", t->name, i);
            return -1;
        }
        memcpy(&spec, data + at, sizeof(spec));
        plen = strnlen(data + at + sizeof(spec), avail - at - sizeof(spec));
        if (plen == avail - at - sizeof(spec) || plen >= sizeof(s->params)) {
            lb_error_setk(err, LB_ERR_CORRUPT,
                          "line %u of the table of %s is unterminated or too long", i, t->name);
            return -1;
        }
        s->start = spec.sector_start;
        s->length = spec.length;
        snprintf(s->type, sizeof(s->type), "%.*s", (int)sizeof(spec.target_type), spec.target_type);
        memcpy(s->params, data + at + sizeof(spec), plen + 1);
        t->n++;
        if (spec.next <= at && i + 1 < io->target_count) {
            lb_error_setk(err, LB_ERR_CORRUPT, "the table of %s loops at line %u", t->name, i);
            return -1;
        }
        at = spec.next; /* replies count from the start of the data */
    }
    return 0;
}

int dm_table_read(dev_t dev, struct dm_table *t, struct lb_error *err)
{
    int fd = open_control(err);
    int r = -1;

    memset(t, 0, sizeof(*t));
    if (fd < 0)
        return -1;
    for (size_t size = 16384; size <= REPLY_MAX; size *= 4) {
        struct dm_ioctl *io = new_request(size, NULL);
        if (!io) {
            lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory");
            break;
        }
        io->dev = dev;
        io->flags = DM_STATUS_TABLE_FLAG;
        if (ioctl(fd, DM_TABLE_STATUS, io) < 0) {
            lb_error_setk(err, LB_ERR_SYSTEM, "device-mapper table of %u:%u: %s", major(dev),
                          minor(dev), strerror(errno));
            free(io);
            break;
        }
        if (io->flags & DM_BUFFER_FULL_FLAG) {
            free(io);
            continue;
        }
        snprintf(t->name, sizeof(t->name), "%.*s", (int)sizeof(io->name) - 1, io->name);
        if (io->data_size > size)
            io->data_size = (uint32_t)size; /* never past what was allocated */
        r = parse_table(io, t, err);
        free(io);
        break;
    }
    close(fd);
    return r;
}

/* The request that loads t: its specs, each followed by its parameters, 8-byte aligned. */
static struct dm_ioctl *load_request(const struct dm_table *t)
{
    size_t size = sizeof(struct dm_ioctl);

    for (size_t i = 0; i < t->n; i++)
        size += (sizeof(struct dm_target_spec) + strlen(t->seg[i].params) + 1 + 7) & ~(size_t)7;
    struct dm_ioctl *io = new_request(size, t->name);
    char *at = (char *)io + sizeof(*io);

    if (!io)
        return NULL;
    io->target_count = (uint32_t)t->n;
    for (size_t i = 0; i < t->n; i++) {
        struct dm_target_spec spec = {.sector_start = t->seg[i].start, .length = t->seg[i].length};
        size_t len = (sizeof(spec) + strlen(t->seg[i].params) + 1 + 7) & ~(size_t)7;
        snprintf(spec.target_type, sizeof(spec.target_type), "%s", t->seg[i].type);
        spec.next = (uint32_t)len; /* requests count from this spec */
        memcpy(at, &spec, sizeof(spec));
        strcpy(at + sizeof(spec), t->seg[i].params);
        at += len;
    }
    return io;
}

static int dm_call(int fd, unsigned long cmd, struct dm_ioctl *io, const char *what,
                   const char *name, struct lb_error *err)
{
    if (ioctl(fd, cmd, io) == 0)
        return 0;
    lb_error_setk(err, LB_ERR_SYSTEM, "device-mapper %s of %s: %s", what, name, strerror(errno));
    return -1;
}

int dm_table_create(const struct dm_table *t, dev_t *dev, struct lb_error *err)
{
    struct dm_ioctl *io = NULL;
    int fd, r = -1;

    err->msg[0] = '\0';
    fd = open_control(err);
    if (fd < 0)
        return -1;
    io = new_request(sizeof(*io), t->name);
    if (!io || dm_call(fd, DM_DEV_CREATE, io, "create", t->name, err) < 0)
        goto out;
    free(io);
    io = load_request(t);
    if (!io || dm_call(fd, DM_TABLE_LOAD, io, "table load", t->name, err) < 0)
        goto remove;
    free(io);
    io = new_request(sizeof(*io), t->name); /* a suspend without DM_SUSPEND_FLAG resumes */
    if (!io || dm_call(fd, DM_DEV_SUSPEND, io, "resume", t->name, err) < 0)
        goto remove;
    *dev = (dev_t)io->dev;
    r = 0;
    goto out;
remove:
    free(io);
    io = new_request(sizeof(*io), t->name);
    if (io)
        ioctl(fd, DM_DEV_REMOVE, io);
out:
    if (!io && !err->msg[0])
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory");
    free(io);
    close(fd);
    return r;
}

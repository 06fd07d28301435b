/*
 * target_local.c - the targets on this machine's own disks: a file system
 * (fs, and path, which load turns into fs), a raw device, and a directory
 * that is already there (dir).
 *
 * At load a device is named by what does not change between kernels (a
 * file system's UUID, a partition's PARTUUID), since /dev names may go to
 * another disk in the crash kernel and udev's links are not there at all. *
 * Each kind here is whole in this file (config/target_kind.h): its line
 * ("target fs UUID=... /dir", "target raw PARTUUID=...", "target dir /d",
 * "target path /d") read, checked and written back, how it is described,
 * and where its dumps are on this system for 'list'.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "platform/blkid.h"
#include "platform/format.h"
#include "platform/mount.h"
#include "platform/rawdev.h"
#include "render/progress.h"
#include "targets/stack.h"
#include "targets/target.h"

/* The mount that holds real (an absolute, resolved path): its source, root and mount point. */
static int mount_of(const char *real, dev_t dev, char *source, char *root, char *point,
                    char *fstype)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[4096];
    size_t best = 0;

    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f)) {
        unsigned maj, min;
        char r[1024], p[1024], t[64], s[1024], *dash = strstr(line, " - ");
        if (!dash || sscanf(line, "%*s %*s %u:%u %1023s %1023s", &maj, &min, r, p) != 4 ||
            sscanf(dash + 3, "%63s %1023s", t, s) != 2)
            continue;
        size_t n = strlen(p);
        if (major(dev) != maj || minor(dev) != min || strncmp(real, p, n) != 0 ||
            (real[n] != '/' && real[n] != '\0' && strcmp(p, "/") != 0) || n < best)
            continue;
        best = n;
        strcpy(source, s);
        strcpy(root, r);
        strcpy(point, p);
        strcpy(fstype, t);
    }
    fclose(f);
    return best ? 0 : -1;
}

/*
 * A directory of the running system, as the crash kernel can find it: UUID
 * and path, and the mapped devices (LVM) under it into cfg.
 */
static int resolve_path(struct target *t, struct config *cfg, struct lb_error *err)
{
    char real[PATH_MAX], source[1024], root[1024], point[1024], fstype[64], dir[PATH_MAX];
    struct fs_id id;
    struct stat st;

    if (!realpath(t->path, real) || stat(real, &st) < 0) {
        lb_error_setk(err, LB_ERR_SYSTEM, "target directory %s: %s (create it first)", t->path,
                      strerror(errno));
        return -1;
    }
    if (mount_of(real, st.st_dev, source, root, point, fstype) < 0) {
        lb_error_setk(err, LB_ERR_SYSTEM,
                      "target directory %s: its mount is not in /proc/self/mountinfo", t->path);
        return -1;
    }
    if (fs_probe(source, &id) < 0) {
        lb_error_setk(err, LB_ERR_REFUSED,
                      "target directory %s is on %s (%s), which the crash kernel cannot "
                      "mount: put it on an ext4, XFS or btrfs filesystem on a disk",
                      t->path, source, fstype);
        return -1;
    }
    /* the device mounted, before any look by UUID: a RAID leg may show the same one */
    if (stack_describe(source, cfg, err) < 0)
        return -1;
    /* Inside the filesystem: the mount's root, then the path below the mount point. */
    snprintf(dir, sizeof(dir), "%.1000s%.2000s", strcmp(root, "/") ? root : "",
             strcmp(point, "/") ? real + strlen(point) : real);
    if (strlen(dir) >= sizeof(t->path)) {
        lb_error_setk(err, LB_ERR_TOO_LONG, "target directory %s: the path is too long", t->path);
        return -1;
    }
    t->kind = &target_kind_fs;
    snprintf(t->device, sizeof(t->device), "UUID=%s", id.uuid);
    if (strlen(real) < sizeof(t->shown) && !strpbrk(real, " \t#"))
        memcpy(t->shown, real, strlen(real) + 1);
    memcpy(t->path, dir[0] ? dir : "/", dir[0] ? strlen(dir) + 1 : 2);
    return 0;
}

/* err with what it is about in front, as words of its sentence (no colon); its kind stays. */
static void prefix(struct lb_error *err, const char *what)
{
    char copy[sizeof(err->msg)];

    memcpy(copy, err->msg, sizeof(copy));
    lb_error_setk(err, err->kind, "%s%s", what, copy);
}

/*
 * A device as the crash kernel will find it.  /dev names change between
 * kernels and /dev/disk/by-* links are made by udev, which the capture has
 * not: a file system is named by its UUID, a raw device by its stable
 * identity (rawdev.c), resolved here where the names still mean something.
 */
static int resolve_device(struct target *t, struct lb_error *err)
{
    char real[PATH_MAX], spec[sizeof(t->device)], holds[128];
    struct fs_id id;

    if (t->kind == &target_kind_raw && rawdev_is_identity(t->device)) {
        int r = rawdev_find(t->device, real, sizeof(real), err);
        if (r < 0 && err->kind == LB_ERR_REFUSED)
            return -1; /* more than one: said by rawdev_find */
        if (r < 0) {
            lb_error_setk(err, LB_ERR_REFUSED, "raw target %s is on no device of this machine",
                          t->device);
            return -1;
        }
    } else if (t->device[0] == '/' && !realpath(t->device, real)) {
        if (strncmp(t->device, "/dev/disk/", 10) == 0) {
            lb_error_setk(err, LB_ERR_REFUSED,
                          "target %s: %s; /dev/disk/by-* links never exist in the crash kernel "
                          "(no udev): name the device by UUID=, LABEL= or PARTUUID=",
                          t->device, strerror(errno));
            return -1;
        }
        if (t->kind == &target_kind_raw) { /* a raw device is written only once it is identified */
            lb_error_setk(
                err, LB_ERR_REFUSED,
                "raw target %s: %s: it must exist now, to be named by what does not change",
                t->device, strerror(errno));
            return -1;
        }
        fprintf(stderr,
                "lifeboat: warning: target %s does not exist now: the capture will wait "
                "for it, then try the next\n",
                t->device);
        return 0;
    } else if (t->device[0] != '/') {
        return 0; /* UUID= or LABEL=: fs_find checks it is on exactly one device */
    }
    if (t->kind == &target_kind_fs) {
        if (fs_probe(real, &id) < 0) {
            lb_error_setk(err, LB_ERR_REFUSED, "target %s holds no ext4, XFS or btrfs file system",
                          t->device);
            return -1;
        }
        snprintf(t->device, sizeof(t->device), "UUID=%s", id.uuid);
        return 0;
    }
    if (rawdev_probe_full(real, holds, sizeof(holds)) == RAWDEV_FOREIGN) {
        lb_error_setk(err, LB_ERR_REFUSED,
                      "raw target %s holds %s: lifeboat writes a raw dump only where nothing else "
                      "is (wipefs -a %s, if it may go)",
                      t->device, holds, real);
        return -1;
    }
    if (!rawdev_is_identity(t->device)) {
        if (rawdev_identity(real, spec, sizeof(spec), err) < 0) {
            prefix(err, "raw target ");
            return -1;
        }
        snprintf(t->device, sizeof(t->device), "%s", spec);
        /* the identity must name this device and no other, here too */
        if (rawdev_find(spec, real, sizeof(real), err) < 0)
            return -1;
    }
    if (rawdev_probe(real, holds, sizeof(holds)) == RAWDEV_DUMP)
        fprintf(stderr,
                "lifeboat: warning: raw target %s holds %s: a crash cannot use it until "
                "'lifeboat savecore' has\n",
                t->device, holds);
    return 0;
}

static void find_modules(struct module_list *mods, const struct target *t)
{
    char device[300];
    struct lb_error err;
    struct fs_id id = {0};

    if (t->kind == &target_kind_dir ||
        (rawdev_is_identity(t->device) ? rawdev_find(t->device, device, sizeof(device), &err)
                                       : fs_find(t->device, device, sizeof(device))) < 0)
        return; /* not on this system now: the capture will say so */
    if (t->kind == &target_kind_fs)
        fs_probe(device, &id);
    if (modules_for_target(device, id.type, mods, &err) < 0)
        fprintf(stderr, "lifeboat: warning: %s\n", err.msg);
}

/* What every block target needs once its device is named: one device, the stack, the drivers. */
static int prepare_block(struct target *t, struct config *cfg, struct module_list *mods,
                         int described, struct lb_error *err)
{
    char found[PATH_MAX];
    int where = t->kind == &target_kind_fs ? fs_find(t->device, found, sizeof(found)) : -1;

    if (where == -2) {
        lb_error_setk(err, LB_ERR_REFUSED,
                      "%s is on more than one device (RAID1 members? a cloned "
                      "disk?): the crash kernel could not tell which to write",
                      t->device);
        return -1;
    }
    if (where == 0 && !described && stack_describe(found, cfg, err) < 0)
        return -1;
    find_modules(mods, t);
    return 0;
}

static int fs_prepare(struct target *t, struct config *cfg, struct module_list *mods,
                      struct lb_error *err)
{
    if (resolve_device(t, err) < 0)
        return -1;
    return prepare_block(t, cfg, mods, 0, err);
}

static int path_prepare(struct target *t, struct config *cfg, struct module_list *mods,
                        struct lb_error *err)
{
    if (resolve_path(t, cfg, err) < 0 || resolve_device(t, err) < 0)
        return -1;
    return prepare_block(t, cfg, mods, 1, err);
}

static int raw_prepare(struct target *t, struct config *cfg, struct module_list *mods,
                       struct lb_error *err)
{
    /* the next boot's savecore reads a raw dump as a dump file: never the clear one instead */
    if (cfg->nrecipients) {
        lb_error_setk(err, LB_ERR_REFUSED,
                      "target raw %s: a raw target does not take an encrypted dump (encrypt-to "
                      "is set): use a file system target",
                      t->device);
        return -1;
    }
    if (resolve_device(t, err) < 0)
        return -1;
    return prepare_block(t, cfg, mods, 0, err);
}

static int dir_prepare(struct target *t, struct config *cfg, struct module_list *mods,
                       struct lb_error *err)
{
    (void)t, (void)cfg, (void)mods, (void)err;
    return 0; /* the capture's own directory: nothing to find */
}

/* The device behind spec, once the crash kernel has found it. */
/* The name of the mapped device at node if cfg lists it among the volumes load recorded, else
 * NULL. */
static const char *listed_volume(const char *node, const struct config *cfg)
{
    char path[96], name[128] = "";
    struct stat st;
    FILE *f;

    if (stat(node, &st) < 0 || !S_ISBLK(st.st_mode))
        return NULL;
    snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/dm/name", major(st.st_rdev),
             minor(st.st_rdev));
    if (!(f = fopen(path, "re")))
        return NULL;
    if (!fgets(name, sizeof(name), f))
        name[0] = '\0';
    fclose(f);
    name[strcspn(name, "\n")] = '\0';
    for (size_t i = 0; i < cfg->ndm; i++)
        if (strcmp(cfg->dm[i].name, name) == 0)
            return cfg->dm[i].name;
    return NULL;
}

static int wait_for(struct capture *c, const struct target *t, char *device, size_t len)
{
    struct lb_error err;
    double began = monotonic_seconds();

    if (wait_for_target(t->device, c->cfg->device_timeout, device, len, &err) < 0) {
        fprintf(stderr, "lifeboat: %s\n", err.msg);
        return -1;
    }
    if (strcmp(device, t->device) != 0)
        fprintf(stderr, "lifeboat: target %s is %s (found in %.1f s)\n", t->device, device,
                monotonic_seconds() - began);
    else
        fprintf(stderr, "lifeboat: target %s found in %.1f s\n", t->device,
                monotonic_seconds() - began);
    /* a rehearsal finds the volume mapped by this system; the crash kernel would not have it */
    const char *volume = c->rehearsal && c->volumes_refused ? listed_volume(device, c->cfg) : NULL;
    if (volume) {
        fprintf(stderr,
                "lifeboat: target %s is on %s, which the crash kernel would not set up (said "
                "above)\n",
                t->device, volume);
        return -1;
    }
    return 0;
}

struct mount_job {
    const char *device, *mountpoint;
};

static int mount_step(void *ctx)
{
    struct mount_job *j = ctx;
    struct lb_error err;

    if (mount_any(j->device, j->mountpoint, &err) < 0) {
        fprintf(stderr, "lifeboat: %s\n", err.msg);
        return 1;
    }
    return 0;
}

static enum capture_outcome fs_save(struct capture *c, const struct target *t, size_t index,
                                    const char *mount_base)
{
    char device[300], mountpoint[300];
    struct mount_job job = {device, mountpoint};

    if (wait_for(c, t, device, sizeof(device)) < 0)
        return CAPTURE_FAILED;
    if (mkdir(mount_base, 0700) < 0 && errno != EEXIST)
        fprintf(stderr, "lifeboat: cannot create %s: %s\n", mount_base, strerror(errno));
    if (format_whole(mountpoint, sizeof(mountpoint), "%s/target%zu", mount_base, index) < 0) {
        fprintf(stderr, "lifeboat: %s/target%zu: the mount point's path is too long\n", mount_base,
                index);
        return CAPTURE_FAILED;
    }
    return target_save_mounted(c, t, mount_step, &job, mountpoint, t->path);
}

static enum capture_outcome raw_save(struct capture *c, const struct target *t, size_t index,
                                     const char *mount_base)
{
    char device[300];

    (void)index, (void)mount_base;
    if (wait_for(c, t, device, sizeof(device)) < 0)
        return CAPTURE_FAILED;
    if (c->rehearsal)
        return rehearse_onto_device(c, device);
    return steps_onto_device(c, device);
}

static enum capture_outcome dir_save(struct capture *c, const struct target *t, size_t index,
                                     const char *mount_base)
{
    (void)index, (void)mount_base;
    return target_save_into_directory(c, t->path, t->path);
}

/* A word of the line into field (of size len), or -1 and err if it does not fit. */
static int copy_word(char *field, size_t len, const char *word, const char *what,
                     struct lb_error *err)
{
    if (strlen(word) >= len) {
        lb_error_setk(err, LB_ERR_REFUSED, "%s is longer than %zu characters", what, len - 1);
        return -1;
    }
    memcpy(field, word, strlen(word) + 1);
    return 0;
}

static int absolute_directory(const char *dir, struct lb_error *err)
{
    if (dir[0] == '/')
        return 0;
    lb_error_setk(err, LB_ERR_REFUSED, "directory '%s' is not an absolute path", dir);
    return -1;
}

/* "target fs UUID=...|LABEL=...|DEVICE [DIR [as SHOWN]]" */
static int fs_parse(struct target *t, char **w, int n, struct lb_error *err)
{
    if (!(n == 3 || n == 4 || (n == 6 && strcmp(w[4], "as") == 0))) {
        lb_error_setk(err, LB_ERR_REFUSED, "expected 'target %s'", target_kind_fs.usage);
        return -1;
    }
    if (copy_word(t->device, sizeof(t->device), w[2], "device", err) < 0 ||
        copy_word(t->path, sizeof(t->path), n >= 4 ? w[3] : "/", "directory", err) < 0 ||
        (n == 6 && copy_word(t->shown, sizeof(t->shown), w[5], "directory", err) < 0))
        return -1;
    if (t->shown[0] && absolute_directory(t->shown, err) < 0)
        return -1;
    if (strncmp(t->device, "UUID=", 5) != 0 && strncmp(t->device, "LABEL=", 6) != 0 &&
        t->device[0] != '/') {
        lb_error_setk(err, LB_ERR_REFUSED,
                      "'%s' is not UUID=..., LABEL=... or an absolute device path", t->device);
        return -1;
    }
    return absolute_directory(t->path, err);
}

/* "target raw PARTUUID=...|WWID=...|SERIAL=...|DEVICE" */
static int raw_parse(struct target *t, char **w, int n, struct lb_error *err)
{
    if (n != 3) {
        lb_error_setk(err, LB_ERR_REFUSED, "expected 'target %s'", target_kind_raw.usage);
        return -1;
    }
    if (copy_word(t->device, sizeof(t->device), w[2], "device", err) < 0)
        return -1;
    if (t->device[0] != '/' && !rawdev_is_identity(t->device)) {
        lb_error_setk(err, LB_ERR_REFUSED,
                      "raw device '%s' is not PARTUUID=..., WWID=..., SERIAL=... or a path",
                      t->device);
        return -1;
    }
    return 0;
}

/* "target dir DIR", "target path DIR" */
static int directory_parse(struct target *t, char **w, int n, struct lb_error *err)
{
    if (n != 3) {
        lb_error_setk(err, LB_ERR_REFUSED, "expected 'target %s'", t->kind->usage);
        return -1;
    }
    if (copy_word(t->path, sizeof(t->path), w[2], "directory", err) < 0)
        return -1;
    return absolute_directory(t->path, err);
}

static int fits(int n, size_t len)
{
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int fs_format(const struct target *t, char *buf, size_t len)
{
    if (t->shown[0])
        return fits(snprintf(buf, len, "target fs %s %s as %s\n", t->device, t->path, t->shown),
                    len);
    return fits(snprintf(buf, len, "target fs %s %s\n", t->device, t->path), len);
}

static int raw_format(const struct target *t, char *buf, size_t len)
{
    return fits(snprintf(buf, len, "target raw %s\n", t->device), len);
}

static int directory_format(const struct target *t, char *buf, size_t len)
{
    return fits(snprintf(buf, len, "target %s %s\n", t->kind->name, t->path), len);
}

static void fs_describe(const struct target *t, char *buf, size_t len)
{
    if (t->shown[0])
        snprintf(buf, len, "%s (%s %s)", t->shown, t->device, t->path);
    else
        snprintf(buf, len, "%s %s", t->device, t->path);
}

static void raw_describe(const struct target *t, char *buf, size_t len)
{
    snprintf(buf, len, "%s (raw)", t->device);
}

static void directory_describe(const struct target *t, char *buf, size_t len)
{
    snprintf(buf, len, "%s", t->path);
}

/* Where the file system on device is mounted with its root at "/", or -1. */
static int mount_point(const char *device, char *point, size_t len)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    struct stat st;
    char line[4096];
    int r = -1;

    if (!f || stat(device, &st) < 0) {
        if (f)
            fclose(f);
        return -1;
    }
    while (r < 0 && fgets(line, sizeof(line), f)) {
        unsigned maj, min;
        char root[1024], p[1024];
        if (sscanf(line, "%*s %*s %u:%u %1023s %1023s", &maj, &min, root, p) == 4 &&
            maj == major(st.st_rdev) && min == minor(st.st_rdev) && strcmp(root, "/") == 0 &&
            strlen(p) < len) {
            strcpy(point, p);
            r = 0;
        }
    }
    fclose(f);
    return r;
}

/* A file system's target directory where it is mounted now. */
static int fs_directory_here(const struct target *t, char *dir, size_t len, struct lb_error *err)
{
    char device[300], point[PATH_MAX];

    if (fs_find(t->device, device, sizeof(device)) < 0 ||
        mount_point(device, point, sizeof(point)) < 0) {
        lb_error_setk(err, LB_ERR_SYSTEM, "%s is not mounted here: its dumps are not listed",
                      t->device);
        return -1;
    }
    snprintf(dir, len, "%s%s", strcmp(point, "/") ? point : "",
             strcmp(t->path, "/") ? t->path : (strcmp(point, "/") ? "" : "/"));
    return 0;
}

static int directory_here(const struct target *t, char *dir, size_t len, struct lb_error *err)
{
    (void)err;
    snprintf(dir, len, "%s", t->path);
    return 0;
}

/* A raw device's dumps are where savecore put them, /var/crash, which list looks in anyway. */
static int raw_directory_here(const struct target *t, char *dir, size_t len, struct lb_error *err)
{
    (void)t, (void)dir, (void)len;
    lb_error_setk(err, LB_ERR_NO_DATA, "%s", ""); /* nothing to say */
    return -1;
}

static const struct target_ops fs_ops = {
    .directory_here = fs_directory_here,
    .prepare = fs_prepare,
    .save = fs_save,
};
static const struct target_ops path_ops = {
    .directory_here = directory_here,
    .prepare = path_prepare,
    .save = dir_save,
};
static const struct target_ops raw_ops = {
    .directory_here = raw_directory_here,
    .prepare = raw_prepare,
    .save = raw_save,
};
static const struct target_ops dir_ops = {
    .directory_here = directory_here,
    .prepare = dir_prepare,
    .save = dir_save,
};

const struct target_kind target_kind_fs = {
    .name = "fs",
    .usage = "fs UUID=...|LABEL=...|DEVICE [DIR]",
    .parse = fs_parse,
    .format = fs_format,
    .describe = fs_describe,
    .ops = &fs_ops,
};
const struct target_kind target_kind_path = {
    .name = "path",
    .usage = "path DIR",
    .parse = directory_parse,
    .format = directory_format,
    .describe = directory_describe,
    .ops = &path_ops,
};
const struct target_kind target_kind_raw = {
    .name = "raw",
    .usage = "raw DEVICE",
    .parse = raw_parse,
    .format = raw_format,
    .describe = raw_describe,
    .ops = &raw_ops,
};
const struct target_kind target_kind_dir = {
    .name = "dir",
    .usage = "dir DIR",
    .parse = directory_parse,
    .format = directory_format,
    .describe = directory_describe,
    .ops = &dir_ops,
};

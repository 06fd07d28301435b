/*
 * target.c - the table of target kinds, and what their savers share: the
 * dump directory in a mounted directory, and mounting with a deadline.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "dumpdir/dumpdir.h"
#include "dumpdir/place.h"
#include "platform/supervise.h"
#include "targets/target.h"

static const struct target_ops *const kinds[] = {
    &target_fs_ops,  &target_raw_ops, &target_dir_ops,   &target_path_ops,
    &target_nfs_ops, &target_ssh_ops, &target_https_ops,
};

const struct target_ops *target_ops_of(enum target_kind kind)
{
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (kinds[i]->kind == kind)
            return kinds[i];
    return NULL;
}

/* Room on the file system of dir, in bytes; 0 if unknown. */
static uint64_t room_in(const char *dir)
{
    struct statvfs st;

    return statvfs(dir, &st) == 0 ? (uint64_t)st.f_bavail * st.f_frsize : 0;
}

/* A rehearsal's end: what a crash would have kept, said; the directory removed. */
static void end_rehearsal(struct capture *c, struct dumpdir *d, const char *dir, const char *shown,
                          enum capture_outcome outcome)
{
    const struct config *cfg = c->cfg;

    if (outcome == CAPTURE_COMPLETE && (cfg->keep || cfg->min_free_mib))
        dumpdir_rotate_dry(dir, cfg->keep, (uint64_t)cfg->min_free_mib << 20, c->dump_bytes);
    if (dumpdir_remove_rehearsal(d) < 0)
        fprintf(stderr, "lifeboat: rehearsal: cannot remove %s/%s: %s\n", shown, d->temp,
                strerror(errno));
    else
        fprintf(stderr, "lifeboat: rehearsal: %s dump written in %s/%s, and removed\n",
                outcome == CAPTURE_COMPLETE ? "a complete" : "an incomplete", shown, d->temp);
}

enum capture_outcome target_save_into_directory(struct capture *c, const char *dir,
                                                const char *shown)
{
    const struct crash_facts *f = &c->facts;
    const struct config *cfg = c->cfg;
    struct dumpdir d;
    enum capture_outcome outcome;
    int made;

    if (c->rehearsal) /* a rehearsal killed midway (shutdown, OOM) left its live dump here */
        dumpdir_remove_stale_rehearsals(dir);
    made = c->rehearsal ? dumpdir_create_rehearsal(&d, dir, f->crash_time, f->hostname)
                        : dumpdir_create(&d, dir, f->crash_time, f->hostname);

    if (made < 0) {
        fprintf(stderr, "lifeboat: cannot create a dump directory in %s: %s\n", shown,
                strerror(errno));
        dumpdir_close(&d);
        return CAPTURE_FAILED;
    }
    c->target_free = room_in(dir);
    struct place_dir place;
    place_dir_init(&place, d.fd, shown);
    outcome = steps_into_place(c, &place.base);
    if (c->rehearsal) {
        end_rehearsal(c, &d, dir, shown, outcome);
    } else if (dumpdir_finish(&d, outcome == CAPTURE_COMPLETE) < 0) {
        fprintf(stderr, "lifeboat: cannot rename %s/%s: %s\n", shown, d.temp, strerror(errno));
    } else {
        fprintf(stderr, "lifeboat: %s dump saved in %s/%s\n",
                outcome == CAPTURE_COMPLETE ? "complete" : "incomplete", shown, d.name);
        if (c->saved_dir)
            snprintf(c->saved_dir, c->saved_dir_len, "%s/%s", dir, d.name);
        /* Old dumps go only once a new one is whole. */
        if (outcome == CAPTURE_COMPLETE && (cfg->keep || cfg->min_free_mib))
            dumpdir_rotate(dir, d.name, cfg->keep, (uint64_t)cfg->min_free_mib << 20);
    }
    dumpdir_close(&d);
    return outcome;
}

enum capture_outcome target_save_mounted(struct capture *c, const struct target *t,
                                         int (*mount_fn)(void *ctx), void *ctx,
                                         const char *mountpoint)
{
    enum capture_outcome outcome;
    const char *sub = t->kind == TARGET_NFS ? "" : t->path; /* NFS mounts the directory itself */
    char dir[600];
    int signo;

    /* A damaged file system, or a server gone quiet, can hang a mount: in a child, with a
     * deadline. */
    if (supervise_run("mounting the target", mount_fn, ctx, c->cfg->step_timeout, &signo) != 0)
        return CAPTURE_FAILED;
    snprintf(dir, sizeof(dir), "%s%s", mountpoint, strcmp(sub, "/") ? sub : "");
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        fprintf(stderr, "lifeboat: cannot create %s: %s\n", dir, strerror(errno));
    outcome = target_save_into_directory(c, dir, t->shown[0] ? t->shown : dir);
    supervise_sync(c->cfg->step_timeout);
    if (umount2(mountpoint, MNT_DETACH) < 0)
        fprintf(stderr, "lifeboat: warning: cannot unmount %s: %s\n", mountpoint, strerror(errno));
    return outcome;
}

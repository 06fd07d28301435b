/*
 * capture.c - saves a crashed kernel's memory to the configured targets.
 *
 * Targets are tried in the configured order; the first that takes a whole
 * dump ends the capture.  One that fails part-way keeps what it wrote (the
 * dump is readable, and named .incomplete), and the next target is still
 * tried for a whole one, unless the error's kind says the crashed memory,
 * not the target, was at fault.  The steps of one dump are in steps.c.  Every step says on the
 * console what it does and, when it fails, why: whoever reads the console after the reboot has
 * nothing else to go on.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "capture.h"
#include "dumpdir.h"
#include "lbdump.h"
#include "mount.h"
#include "stack.h"
#include "steps.h"
#include "supervise.h"

static void read_facts(struct lb_source *src, const struct config *cfg, struct crash_facts *f)
{
    struct lb_vmcoreinfo *info = NULL;
    struct lb_error err;
    const uint8_t *notes;
    size_t len;
    uint64_t when;

    memset(f, 0, sizeof(*f));
    f->crash_time = time(NULL);
    notes = lb_source_notes(src, &len);
    if (lb_vmcoreinfo_from_notes(notes, len, &info, &err) < 0) {
        fprintf(stderr, "lifeboat: warning: %s; the dump is saved without it\n", err.msg);
    } else {
        const char *release = lb_vmcoreinfo_get(info, "OSRELEASE");
        if (release)
            snprintf(f->release, sizeof(f->release), "%s", release);
        if (lb_vmcoreinfo_get_u64(info, "CRASHTIME", 10, &when) == 0)
            f->crash_time = (time_t)when;
        lb_vmcoreinfo_free(info);
    }
    if (cfg->hostname[0]) {
        snprintf(f->hostname, sizeof(f->hostname), "%s", cfg->hostname);
    } else {
        struct utsname u;
        int usable = uname(&u) == 0 && u.nodename[0] && strcmp(u.nodename, "(none)") != 0;
        snprintf(f->hostname, sizeof(f->hostname), "%s", usable ? u.nodename : "unknown");
    }
}

/* dir is where the crash kernel mounted it; shown, what the crashed system called it. */
static enum capture_outcome save_into_directory(struct capture *c, const char *dir,
                                                const char *shown)
{
    const struct crash_facts *f = &c->facts;
    const struct config *cfg = c->cfg;
    struct dumpdir d;
    enum capture_outcome outcome;

    if (dumpdir_create(&d, dir, f->crash_time, f->hostname) < 0) {
        fprintf(stderr, "lifeboat: cannot create a dump directory in %s: %s\n", dir,
                strerror(errno));
        dumpdir_close(&d);
        return CAPTURE_FAILED;
    }
    outcome = steps_into_directory(c, d.fd);
    if (dumpdir_finish(&d, outcome == CAPTURE_COMPLETE) < 0) {
        fprintf(stderr, "lifeboat: cannot rename %s/%s: %s\n", dir, d.temp, strerror(errno));
    } else {
        fprintf(stderr, "lifeboat: %s dump saved in %s/%s\n",
                outcome == CAPTURE_COMPLETE ? "complete" : "incomplete", shown, d.name);
        /* Old dumps go only once a new one is whole. */
        if (outcome == CAPTURE_COMPLETE && (cfg->keep || cfg->min_free_mib))
            dumpdir_rotate(dir, d.name, cfg->keep, (uint64_t)cfg->min_free_mib << 20);
    }
    dumpdir_close(&d);
    return outcome;
}

struct mount_job {
    const char *device, *mountpoint;
};

static int mount_step(void *ctx)
{
    struct mount_job *j = ctx;
    char why[512];

    if (mount_any(j->device, j->mountpoint, why, sizeof(why)) < 0) {
        fprintf(stderr, "lifeboat: %s\n", why);
        return 1;
    }
    return 0;
}

/* LVM under the targets: in a child, as a mount is (a dying disk can hang an ioctl too). */
static int stack_step(void *ctx)
{
    const struct config *cfg = ctx;
    char why[512];

    if (stack_assemble(cfg, cfg->device_timeout, why, sizeof(why)) < 0) {
        fprintf(stderr, "lifeboat: %s\n", why);
        return 1;
    }
    return 0;
}

static int sync_step(void *ctx)
{
    (void)ctx;
    sync();
    return 0;
}

void capture_sync(unsigned seconds)
{
    int signo;

    if (supervise_run("sync", sync_step, NULL, seconds, &signo) != 0)
        fprintf(stderr, "lifeboat: sync did not finish: the target may not have all of it\n");
}

static enum capture_outcome save_to_fs(struct capture *c, const struct target *t,
                                       const char *device, const char *mountpoint)
{
    struct mount_job job = {device, mountpoint};
    enum capture_outcome outcome;
    char dir[512];
    int signo;

    /* A damaged file system can hang its mount: in a child, with a deadline. */
    if (supervise_run("mounting the target", mount_step, &job, c->cfg->step_timeout, &signo) != 0)
        return CAPTURE_FAILED;
    snprintf(dir, sizeof(dir), "%s%s", mountpoint, strcmp(t->path, "/") ? t->path : "");
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        fprintf(stderr, "lifeboat: cannot create %s: %s\n", dir, strerror(errno));
    outcome = save_into_directory(c, dir, t->shown[0] ? t->shown : dir);
    capture_sync(c->cfg->step_timeout);
    if (umount2(mountpoint, MNT_DETACH) < 0)
        fprintf(stderr, "lifeboat: warning: cannot unmount %s: %s\n", mountpoint, strerror(errno));
    return outcome;
}

static enum capture_outcome save_to_target(struct capture *c, size_t i, const char *mount_base)
{
    const struct config *cfg = c->cfg;
    const struct target *t = &cfg->targets[i];
    char mountpoint[300], device[300], why[512];

    if (t->kind == TARGET_DIR || t->kind == TARGET_PATH)
        return save_into_directory(c, t->path, t->path);
    if (wait_for_target(t->device, cfg->device_timeout, device, sizeof(device), why, sizeof(why)) <
        0) {
        fprintf(stderr, "lifeboat: %s\n", why);
        return CAPTURE_FAILED;
    }
    if (strcmp(device, t->device) != 0)
        fprintf(stderr, "lifeboat: target %s is %s\n", t->device, device);
    if (t->kind == TARGET_RAW)
        return steps_onto_device(c, device);
    if (mkdir(mount_base, 0700) < 0 && errno != EEXIST)
        fprintf(stderr, "lifeboat: cannot create %s: %s\n", mount_base, strerror(errno));
    snprintf(mountpoint, sizeof(mountpoint), "%s/target%zu", mount_base, i);
    return save_to_fs(c, t, device, mountpoint);
}

enum capture_outcome capture_run(const struct config *cfg, const char *vmcore_path,
                                 const char *mount_base)
{
    enum capture_outcome best = CAPTURE_FAILED;
    struct capture c = {.cfg = cfg};
    struct lb_error err;

    if (cfg->ntargets == 0) {
        fprintf(stderr, "lifeboat: no target configured: nothing to save to\n");
        return CAPTURE_FAILED;
    }
    if (lb_source_open(vmcore_path, &c.src, &err) < 0) {
        fprintf(stderr, "lifeboat: %s\n", err.msg);
        return CAPTURE_FAILED;
    }
    read_facts(c.src, cfg, &c.facts);
    int signo;
    if (cfg->ndm && supervise_run("setting up the logical volumes", stack_step, (void *)cfg,
                                  cfg->device_timeout + cfg->step_timeout, &signo) != 0)
        fprintf(stderr, "lifeboat: a target on a logical volume will not be found\n");
    fprintf(stderr, "lifeboat: capturing the crash of %s (kernel %s)\n", c.facts.hostname,
            c.facts.release[0] ? c.facts.release : "unknown");
    for (size_t i = 0; i < cfg->ntargets && best != CAPTURE_COMPLETE; i++) {
        enum capture_outcome outcome = save_to_target(&c, i, mount_base);
        if (outcome < best)
            best = outcome;
        if (outcome == CAPTURE_COMPLETE || i + 1 == cfg->ntargets)
            continue;
        if (c.source_fault && best == CAPTURE_INCOMPLETE) {
            /* decided by the error's kind: the next target would read the same memory */
            fprintf(stderr, "lifeboat: the crashed machine's memory, not the target, cut the "
                            "dump short: the next targets would do no better\n");
            break;
        }
        fprintf(stderr, "lifeboat: trying the next target\n");
    }
    lb_source_close(c.src);
    return best;
}

/*
 * capture.c - saves a crashed kernel's memory to the configured targets.
 *
 * Targets are tried in the configured order; the first that takes a whole
 * dump ends the capture.  One that fails part-way keeps what it wrote (the
 * dump is readable, and named .incomplete), and the next target is still
 * tried for a whole one.  Every step says on the console what it does and,
 * when it fails, why: whoever reads the console after the reboot has nothing
 * else to go on.
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
#include "kernel_log.h"
#include "lbdump.h"
#include "metadata.h"
#include "mount.h"
#include "progress.h"
#include "save_report.h"
#include "triage_report.h"

struct crash_facts {
    char release[65];
    time_t crash_time;
    char hostname[65];
};

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

static struct lb_write_options dump_options(const struct config *cfg, struct progress_state *prog)
{
    struct lb_write_options opts = {.format = cfg->format,
                                    .dump_level = cfg->dump_level,
                                    .codec = cfg->codec,
                                    .threads = (int)sysconf(_SC_NPROCESSORS_ONLN),
                                    .sparse = 1,
                                    .write_behind = 1,
                                    .progress = progress_print,
                                    .progress_ctx = prog};
    return opts;
}

/*
 * The kernel log goes first: it is small, it is what most people read first,
 * and it is what is left if the dump itself cannot be finished.
 */
static void write_kernel_log(struct lb_source *src, int dir_fd, struct metadata *m)
{
    static char why[600];
    struct lb_log_stats stats = {0};
    struct lb_error err = {""};
    int fd = openat(dir_fd, "dmesg.txt", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    int r;

    if (!f) {
        snprintf(why, sizeof(why), "cannot create dmesg.txt: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
    } else {
        r = kernel_log_write(src, f, &stats, &err);
        if (fflush(f) != 0 || fsync(fd) != 0) {
            snprintf(err.msg, sizeof(err.msg), "writing dmesg.txt: %s", strerror(errno));
            r = -1;
        }
        fclose(f);
        if (r < 0)
            snprintf(why, sizeof(why), "kernel log: %s", err.msg);
        else
            why[0] = '\0';
    }
    m->log_records = stats.records;
    m->log_error = why[0] ? why : NULL;
    if (why[0])
        fprintf(stderr, "lifeboat: %s\n", why);
    else
        fprintf(stderr, "lifeboat: kernel log saved (%llu records)\n",
                (unsigned long long)stats.records);
}

/*
 * The triage report (info.json) goes right after the log.  It reads symbols,
 * BTF and task lists out of the crashed memory, which costs megabytes and
 * trusts more of it, so it runs in a child process: if the child runs out of
 * memory or trips on a corrupt structure, the capture goes on without it.
 */
static void write_report(struct lb_source *src, int dir_fd)
{
    pid_t child = fork();
    int status;

    if (child == 0) {
        struct lb_triage t;
        int fd = openat(dir_fd, "info.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

        if (!f)
            _exit(2);
        lb_triage(src, &t);
        triage_report_json(f, "vmcore", src, &t);
        _exit(fflush(f) == 0 && fsync(fd) == 0 ? 0 : 3);
    }
    if (child < 0 || waitpid(child, &status, 0) < 0 || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        fprintf(stderr, "lifeboat: the triage report could not be written (%s); going on\n",
                child < 0 ? "no process for it" : "it failed");
    else
        fprintf(stderr, "lifeboat: triage report saved (info.json)\n");
}

/* Writes the dump into an open dump directory; returns the outcome. */
static enum capture_outcome write_dump_dir(struct lb_source *src, const struct crash_facts *f,
                                           const struct config *cfg, struct dumpdir *d)
{
    struct progress_state prog;
    struct lb_write_options opts = dump_options(cfg, &prog);
    struct lb_write_stats stats = {0};
    struct lb_error err = {""};
    struct metadata m = {.status = "writing",
                         .hostname = f->hostname,
                         .release = f->release[0] ? f->release : NULL,
                         .crash_time = f->crash_time,
                         .dump_file = "vmcore",
                         .opts = &opts};
    int fd, r;
    double t0;

    write_kernel_log(src, d->fd, &m);
    write_report(src, d->fd);
    if (metadata_write(d->fd, &m) < 0)
        fprintf(stderr, "lifeboat: warning: cannot write metadata.json: %s\n", strerror(errno));
    fd = openat(d->fd, "vmcore", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "lifeboat: cannot create vmcore: %s\n", strerror(errno));
        return CAPTURE_FAILED;
    }
    progress_start(&prog, "vmcore");
    t0 = monotonic_seconds();
    r = lb_write(src, fd, &opts, &stats, &err);
    if (fsync(fd) < 0 && r == 0) {
        snprintf(err.msg, sizeof(err.msg), "fsync of vmcore: %s", strerror(errno));
        r = -1;
    }
    close(fd);
    m.seconds_dump = monotonic_seconds() - t0;
    m.stats = &stats;
    save_report(stderr, &opts, &stats);
    if (r < 0) {
        fprintf(stderr, "lifeboat: dump incomplete: %s\n", err.msg);
        m.error = err.msg;
    } else if (stats.incomplete) {
        m.error = "some frames could not be read";
        r = -1;
    }
    m.status = r < 0 ? "incomplete" : "complete";
    if (metadata_write(d->fd, &m) < 0)
        fprintf(stderr, "lifeboat: warning: cannot write metadata.json: %s\n", strerror(errno));
    return r < 0 ? CAPTURE_INCOMPLETE : CAPTURE_COMPLETE;
}

static enum capture_outcome save_into_directory(struct lb_source *src, const struct crash_facts *f,
                                                const struct config *cfg, const char *dir)
{
    struct dumpdir d;
    enum capture_outcome outcome;

    if (dumpdir_create(&d, dir, f->crash_time, f->hostname) < 0) {
        fprintf(stderr, "lifeboat: cannot create a dump directory in %s: %s\n", dir,
                strerror(errno));
        dumpdir_close(&d);
        return CAPTURE_FAILED;
    }
    outcome = write_dump_dir(src, f, cfg, &d);
    if (dumpdir_finish(&d, outcome == CAPTURE_COMPLETE) < 0) {
        fprintf(stderr, "lifeboat: cannot rename %s/%s: %s\n", dir, d.temp, strerror(errno));
    } else {
        fprintf(stderr, "lifeboat: %s dump saved in %s/%s\n",
                outcome == CAPTURE_COMPLETE ? "complete" : "incomplete", dir, d.name);
        /* Old dumps go only once a new one is whole. */
        if (outcome == CAPTURE_COMPLETE && (cfg->keep || cfg->min_free_mib))
            dumpdir_rotate(dir, d.name, cfg->keep, (uint64_t)cfg->min_free_mib << 20);
    }
    dumpdir_close(&d);
    return outcome;
}

static enum capture_outcome save_to_raw(struct lb_source *src, const struct config *cfg,
                                        const char *device)
{
    struct progress_state prog;
    struct lb_write_options opts = dump_options(cfg, &prog);
    struct lb_write_stats stats;
    struct lb_error err;
    int fd = open(device, O_WRONLY | O_EXCL | O_CLOEXEC);
    int r;

    if (fd < 0) {
        fprintf(stderr, "lifeboat: cannot open %s: %s\n", device, strerror(errno));
        return CAPTURE_FAILED;
    }
    opts.sparse = 0; /* a device has no holes: what is not written is stale data */
    progress_start(&prog, device);
    r = lb_write(src, fd, &opts, &stats, &err);
    if (fsync(fd) < 0 && r == 0) {
        snprintf(err.msg, sizeof(err.msg), "fsync: %s", strerror(errno));
        r = -1;
    }
    close(fd);
    if (r < 0) {
        fprintf(stderr, "lifeboat: %s: dump incomplete: %s\n", device, err.msg);
        return CAPTURE_INCOMPLETE;
    }
    fprintf(stderr, "lifeboat: complete dump written to %s (%llu bytes)\n", device,
            (unsigned long long)stats.output_size);
    return CAPTURE_COMPLETE;
}

static enum capture_outcome save_to_fs(struct lb_source *src, const struct crash_facts *f,
                                       const struct config *cfg, const struct target *t,
                                       const char *device, const char *mountpoint)
{
    char why[512], dir[512];
    enum capture_outcome outcome;

    if (mount_any(device, mountpoint, why, sizeof(why)) < 0) {
        fprintf(stderr, "lifeboat: %s\n", why);
        return CAPTURE_FAILED;
    }
    snprintf(dir, sizeof(dir), "%s%s", mountpoint, t->path);
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        fprintf(stderr, "lifeboat: cannot create %s: %s\n", dir, strerror(errno));
    outcome = save_into_directory(src, f, cfg, dir);
    sync();
    if (umount(mountpoint) < 0)
        fprintf(stderr, "lifeboat: warning: cannot unmount %s: %s\n", mountpoint, strerror(errno));
    return outcome;
}

static enum capture_outcome save_to_target(struct lb_source *src, const struct crash_facts *f,
                                           const struct config *cfg, size_t i,
                                           const char *mount_base)
{
    const struct target *t = &cfg->targets[i];
    char mountpoint[300];

    char device[300];

    if (t->kind == TARGET_DIR || t->kind == TARGET_PATH)
        return save_into_directory(src, f, cfg, t->path);
    if (wait_for_target(t->device, cfg->device_timeout, device, sizeof(device)) < 0) {
        fprintf(stderr, "lifeboat: target %s did not appear within %u s\n", t->device,
                cfg->device_timeout);
        return CAPTURE_FAILED;
    }
    if (strcmp(device, t->device) != 0)
        fprintf(stderr, "lifeboat: target %s is %s\n", t->device, device);
    if (t->kind == TARGET_RAW)
        return save_to_raw(src, cfg, device);
    if (mkdir(mount_base, 0700) < 0 && errno != EEXIST)
        fprintf(stderr, "lifeboat: cannot create %s: %s\n", mount_base, strerror(errno));
    snprintf(mountpoint, sizeof(mountpoint), "%s/target%zu", mount_base, i);
    return save_to_fs(src, f, cfg, t, device, mountpoint);
}

enum capture_outcome capture_run(const struct config *cfg, const char *vmcore_path,
                                 const char *mount_base)
{
    enum capture_outcome best = CAPTURE_FAILED;
    struct crash_facts facts;
    struct lb_source *src;
    struct lb_error err;

    if (cfg->ntargets == 0) {
        fprintf(stderr, "lifeboat: no target configured: nothing to save to\n");
        return CAPTURE_FAILED;
    }
    if (lb_source_open(vmcore_path, &src, &err) < 0) {
        fprintf(stderr, "lifeboat: %s\n", err.msg);
        return CAPTURE_FAILED;
    }
    read_facts(src, cfg, &facts);
    fprintf(stderr, "lifeboat: capturing the crash of %s (kernel %s)\n", facts.hostname,
            facts.release[0] ? facts.release : "unknown");
    for (size_t i = 0; i < cfg->ntargets && best != CAPTURE_COMPLETE; i++) {
        enum capture_outcome outcome = save_to_target(src, &facts, cfg, i, mount_base);
        if (outcome < best)
            best = outcome;
        if (outcome != CAPTURE_COMPLETE && i + 1 < cfg->ntargets)
            fprintf(stderr, "lifeboat: trying the next target\n");
    }
    lb_source_close(src);
    return best;
}

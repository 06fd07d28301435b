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
#include <signal.h>
#include <sys/mman.h>
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
#include "supervise.h"
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

/*
 * How long a step may go without progress before it is stopped.  The log and
 * the report report none: theirs is a deadline for the whole step.
 */
enum {
    LOG_SECONDS = 60,
    REPORT_SECONDS = 120,
    DUMP_IDLE_SECONDS = 120,
    MOUNT_SECONDS = 60,
    SYNC_SECONDS = 60,
};

/* What the steps' child processes hand back: in memory shared with them. */
struct step_results {
    uint64_t log_records;
    char log_error[600];
    struct lb_write_stats stats;
    char dump_error[sizeof(((struct lb_error *)0)->msg)];
};

struct step {
    struct lb_source *src;
    const struct config *cfg;
    int dir_fd;
    const char *device; /* raw target: the device, else NULL */
    struct lb_write_options opts;
    struct step_results *out;
};

static void progress_and_supervise(void *ctx, const struct lb_progress *progress)
{
    progress_print(ctx, progress);
    supervise_progress();
}

static struct lb_write_options dump_options(const struct config *cfg, struct progress_state *prog)
{
    struct lb_write_options opts = {.format = cfg->format,
                                    .dump_level = cfg->dump_level,
                                    .codec = cfg->codec,
                                    .threads = (int)sysconf(_SC_NPROCESSORS_ONLN),
                                    .sparse = 1,
                                    .progress = progress_and_supervise,
                                    .progress_ctx = prog};
    return opts;
}

/*
 * The kernel log goes first: it is small, it is what most people read first,
 * and it is what is left if the dump itself cannot be finished.
 */
static int log_step(void *ctx)
{
    struct step *s = ctx;
    char *why = s->out->log_error;
    struct lb_log_stats stats = {0};
    struct lb_error err = {""};
    int fd = openat(s->dir_fd, "dmesg.txt", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    int r;

    if (!f) {
        snprintf(why, sizeof(s->out->log_error), "cannot create dmesg.txt: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return 1;
    }
    r = kernel_log_write(s->src, f, &stats, &err);
    if (fflush(f) != 0 || fsync(fd) != 0) {
        snprintf(err.msg, sizeof(err.msg), "writing dmesg.txt: %s", strerror(errno));
        r = -1;
    }
    fclose(f);
    s->out->log_records = stats.records;
    if (r < 0) {
        snprintf(why, sizeof(s->out->log_error), "kernel log: %s", err.msg);
        return 1;
    }
    return 0;
}

/*
 * The triage report (info.json) goes right after the log.  It reads symbols,
 * BTF and task lists out of the crashed memory, which costs megabytes and
 * trusts more of it: if it runs out of memory, trips on a corrupt structure
 * or loops, the capture goes on without it.
 */
static int report_step(void *ctx)
{
    struct step *s = ctx;
    struct lb_triage t;
    int fd = openat(s->dir_fd, "info.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

    if (!f)
        return 2;
    lb_triage(s->src, &t);
    triage_report_json(f, "vmcore", s->src, &t);
    return fflush(f) == 0 && fsync(fd) == 0 ? 0 : 3;
}

/* The dump, into the directory's vmcore or onto the raw device. */
static int dump_step(void *ctx)
{
    struct step *s = ctx;
    struct progress_state prog;
    struct lb_error err = {""};
    int fd = s->device ? open(s->device, O_WRONLY | O_EXCL | O_CLOEXEC)
                       : openat(s->dir_fd, "vmcore", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    int r;

    if (fd < 0) {
        snprintf(s->out->dump_error, sizeof(s->out->dump_error), "cannot create %s: %s",
                 s->device ? s->device : "vmcore", strerror(errno));
        return 2;
    }
    s->opts.progress_ctx = &prog;
    progress_start(&prog, s->device ? s->device : "vmcore");
    r = lb_write(s->src, fd, &s->opts, &s->out->stats, &err);
    if (fsync(fd) < 0 && r == 0) {
        snprintf(err.msg, sizeof(err.msg), "fsync: %s", strerror(errno));
        r = -1;
    }
    close(fd);
    save_report(stderr, &s->opts, &s->out->stats);
    if (r < 0)
        snprintf(s->out->dump_error, sizeof(s->out->dump_error), "%s", err.msg);
    return r < 0 ? 1 : 0;
}

/*
 * Runs the dump step; a bus error there is /proc/vmcore's mapping failing on
 * memory the old kernel could not give: once more with plain reads, which
 * turn such pages into failed pages instead of a dead process.
 */
static enum capture_outcome run_dump(struct step *s)
{
    int signo, r = supervise_run("the dump", dump_step, s, DUMP_IDLE_SECONDS, &signo);

    if (r == SUPERVISE_SIGNALED && signo == SIGBUS) {
        fprintf(stderr, "lifeboat: reading the dump through a mapping faulted: again with reads\n");
        if (!s->device)
            unlinkat(s->dir_fd, "vmcore", 0); /* this capture's own, in its .partial directory */
        lb_source_read_only(s->src);
        r = supervise_run("the dump", dump_step, s, DUMP_IDLE_SECONDS, &signo);
    }
    if (r < 0 && !s->out->dump_error[0])
        snprintf(s->out->dump_error, sizeof(s->out->dump_error), "the dump process %s",
                 r == SUPERVISE_TIMED_OUT  ? "made no progress and was stopped"
                 : r == SUPERVISE_SIGNALED ? "died"
                                           : "could not be started");
    if (r == 0 && s->out->stats.incomplete)
        snprintf(s->out->dump_error, sizeof(s->out->dump_error), "some frames could not be read");
    if (r == 2)
        return CAPTURE_FAILED; /* nothing was written */
    return r == 0 && !s->out->stats.incomplete ? CAPTURE_COMPLETE : CAPTURE_INCOMPLETE;
}

static struct step_results *shared_results(void)
{
    void *p = mmap(NULL, sizeof(struct step_results), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* Writes the dump into an open dump directory; returns the outcome. */
static enum capture_outcome write_dump_dir(struct lb_source *src, const struct crash_facts *f,
                                           const struct config *cfg, struct dumpdir *d)
{
    struct step s = {.src = src, .cfg = cfg, .dir_fd = d->fd, .out = shared_results()};
    struct metadata m = {.status = "writing",
                         .hostname = f->hostname,
                         .release = f->release[0] ? f->release : NULL,
                         .crash_time = f->crash_time,
                         .dump_file = "vmcore",
                         .opts = &s.opts};
    enum capture_outcome outcome;
    int signo, r;
    double t0;

    if (!s.out) {
        fprintf(stderr, "lifeboat: no memory to run the capture's steps\n");
        return CAPTURE_FAILED;
    }
    s.opts = dump_options(cfg, NULL);
    r = supervise_run("the kernel log", log_step, &s, LOG_SECONDS, &signo);
    if (r != 0 && !s.out->log_error[0])
        snprintf(s.out->log_error, sizeof(s.out->log_error), "kernel log: the process %s",
                 r == SUPERVISE_TIMED_OUT ? "took too long and was stopped" : "died");
    m.log_records = s.out->log_records;
    m.log_error = s.out->log_error[0] ? s.out->log_error : NULL;
    if (m.log_error)
        fprintf(stderr, "lifeboat: %s\n", m.log_error);
    else
        fprintf(stderr, "lifeboat: kernel log saved (%llu records)\n",
                (unsigned long long)m.log_records);
    if (supervise_run("the triage report", report_step, &s, REPORT_SECONDS, &signo) != 0)
        fprintf(stderr, "lifeboat: the triage report could not be written; going on\n");
    else
        fprintf(stderr, "lifeboat: triage report saved (info.json)\n");
    if (metadata_write(d->fd, &m) < 0)
        fprintf(stderr, "lifeboat: warning: cannot write metadata.json: %s\n", strerror(errno));
    t0 = monotonic_seconds();
    outcome = run_dump(&s);
    m.seconds_dump = monotonic_seconds() - t0;
    m.stats = &s.out->stats;
    if (outcome != CAPTURE_COMPLETE) {
        fprintf(stderr, "lifeboat: dump incomplete: %s\n", s.out->dump_error);
        m.error = s.out->dump_error;
    }
    m.status = outcome == CAPTURE_COMPLETE ? "complete" : "incomplete";
    if (metadata_write(d->fd, &m) < 0)
        fprintf(stderr, "lifeboat: warning: cannot write metadata.json: %s\n", strerror(errno));
    munmap(s.out, sizeof(*s.out));
    return outcome == CAPTURE_COMPLETE ? CAPTURE_COMPLETE : CAPTURE_INCOMPLETE;
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
    struct step s = {
        .src = src, .cfg = cfg, .dir_fd = -1, .device = device, .out = shared_results()};
    enum capture_outcome outcome;

    if (!s.out) {
        fprintf(stderr, "lifeboat: no memory to run the capture's steps\n");
        return CAPTURE_FAILED;
    }
    s.opts = dump_options(cfg, NULL);
    s.opts.sparse = 0; /* a device has no holes: what is not written is stale data */
    outcome = run_dump(&s);
    if (outcome != CAPTURE_COMPLETE)
        fprintf(stderr, "lifeboat: %s: dump %s: %s\n", device,
                outcome == CAPTURE_FAILED ? "failed" : "incomplete", s.out->dump_error);
    else
        fprintf(stderr, "lifeboat: complete dump written to %s (%llu bytes)\n", device,
                (unsigned long long)s.out->stats.output_size);
    munmap(s.out, sizeof(*s.out));
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

static int sync_step(void *ctx)
{
    (void)ctx;
    sync();
    return 0;
}

void capture_sync(void)
{
    int signo;

    if (supervise_run("sync", sync_step, NULL, SYNC_SECONDS, &signo) != 0)
        fprintf(stderr, "lifeboat: sync did not finish: the target may not have all of it\n");
}

static enum capture_outcome save_to_fs(struct lb_source *src, const struct crash_facts *f,
                                       const struct config *cfg, const struct target *t,
                                       const char *device, const char *mountpoint)
{
    struct mount_job job = {device, mountpoint};
    enum capture_outcome outcome;
    char dir[512];
    int signo;

    /* A damaged file system can hang its mount: in a child, with a deadline. */
    if (supervise_run("mounting the target", mount_step, &job, MOUNT_SECONDS, &signo) != 0)
        return CAPTURE_FAILED;
    snprintf(dir, sizeof(dir), "%s%s", mountpoint, t->path);
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        fprintf(stderr, "lifeboat: cannot create %s: %s\n", dir, strerror(errno));
    outcome = save_into_directory(src, f, cfg, dir);
    capture_sync();
    if (umount2(mountpoint, MNT_DETACH) < 0)
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

/*
 * steps.c - the steps of saving one dump, each in a child process.
 *
 * The kernel log first (small, and what most people read first), then the
 * triage report, then the dump.  Each reads the crashed kernel's memory, and
 * each runs in a child under supervise.c with a deadline: a fault, a loop or
 * a hung disk costs that step, and the capture goes on.  What a child has to
 * say (records saved, statistics, the error and its kind) comes back through
 * memory shared with it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/kernel_log.h"
#include "metadata.h"
#include "platform/sealed_file.h"
#include "report/progress.h"
#include "rawdev.h"
#include "report/save_report.h"
#include "steps.h"
#include "supervise.h"
#include "report/triage_report.h"

/*
 * Each step may go cfg->step_timeout seconds without progress before it is
 * stopped.  The log and the report report none: theirs is a deadline for the
 * whole step.
 */

/* What the steps' child processes hand back: in memory shared with them. */
struct step_results {
    uint64_t log_records;
    char log_error[600];
    struct lb_write_stats stats;
    char dump_error[sizeof(((struct lb_error *)0)->msg)];
    enum lb_error_kind dump_kind; /* why the dump failed, where it did */
    char checksum[17];            /* of vmcore as written, for metadata.json */
};

struct step {
    struct lb_source *src;
    const struct config *cfg;
    const char *vmcore, *dmesg, *info; /* the files' names: ".age" when encrypted */
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
    struct lb_error err = {0};
    int fd = openat(s->dir_fd, s->dmesg, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? sealed_file_open(fd, s->cfg->recipients, s->cfg->nrecipients) : NULL;
    int r;

    if (!f) {
        snprintf(why, sizeof(s->out->log_error), "cannot create %s: %s", s->dmesg, strerror(errno));
        return 1;
    }
    r = kernel_log_write(s->src, f, &stats, &err);
    if (fclose(f) != 0) { /* it syncs: the log is on disk before the dump begins */
        snprintf(err.msg, sizeof(err.msg), "writing %s: %s", s->dmesg, strerror(errno));
        r = -1;
    }
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
    int fd = openat(s->dir_fd, s->info, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? sealed_file_open(fd, s->cfg->recipients, s->cfg->nrecipients) : NULL;

    if (!f)
        return 2;
    lb_triage(s->src, &t);
    triage_report_json(f, s->vmcore, s->src, &t);
    return fclose(f) == 0 ? 0 : 3;
}

static void reading_back(void *ctx)
{
    (void)ctx;
    supervise_progress(); /* a big dump on a slow disk takes a while to read: it is progress */
}

/*
 * The file read back as written: what 'lifeboat verify' compares with,
 * later.  It costs a second pass over the dump (from the page cache, when
 * the crash kernel's memory kept it).
 */
static void checksum_vmcore(struct step *s)
{
    int fd = openat(s->dir_fd, s->vmcore, O_RDONLY | O_CLOEXEC);
    struct lb_error err;
    struct stat st;
    uint64_t sum;

    if (fd >= 0 && fstat(fd, &st) == 0 &&
        lb_checksum_fd(fd, (uint64_t)st.st_size, &sum, reading_back, NULL, &err) == 0)
        snprintf(s->out->checksum, sizeof(s->out->checksum), "%016llx", (unsigned long long)sum);
    if (fd >= 0)
        close(fd);
}

/* The file (or device) as a sink: encrypted when the configuration names recipients. */
static struct lb_sink *dump_sink(struct step *s, int fd, struct lb_error *err)
{
    struct lb_sink *sink = lb_sink_fd(fd, s->opts.sparse ? LB_SINK_HOLES : 0);

    if (!sink) {
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory");
        return NULL;
    }
    if (s->cfg->nrecipients &&
        lb_sink_age(sink, s->cfg->recipients, s->cfg->nrecipients, &sink, err) < 0)
        return NULL;
    return sink;
}

/* The dump, into the directory's vmcore or onto the raw device. */
static int dump_step(void *ctx)
{
    struct step *s = ctx;
    struct progress_state prog;
    struct lb_error err = {0};
    struct lb_sink *sink;
    int fd = s->device
                 ? open(s->device, O_WRONLY | O_EXCL | O_CLOEXEC)
                 : openat(s->dir_fd, s->vmcore, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    int r;

    if (fd < 0 || !(sink = dump_sink(s, fd, &err))) {
        if (fd < 0)
            snprintf(s->out->dump_error, sizeof(s->out->dump_error), "cannot create %s: %s",
                     s->device ? s->device : s->vmcore, strerror(errno));
        else
            snprintf(s->out->dump_error, sizeof(s->out->dump_error), "%s", err.msg);
        s->out->dump_kind = fd < 0 ? lb_error_kind_of_write(errno) : err.kind;
        return 2;
    }
    s->opts.progress_ctx = &prog;
    progress_start(&prog, s->device ? s->device : s->vmcore);
    prog.tty = 0; /* a serial console or the journal: lines, never a bar redrawn with '\r' */
    r = lb_write_sink(s->src, sink, &s->opts, &s->out->stats, &err);
    sink->ops->free(sink);
    if (fsync(fd) < 0 && r == 0) { /* where a disk's write errors show, after the page cache */
        lb_error_setk(&err, lb_error_kind_of_write(errno), "fsync: %s", strerror(errno));
        r = -1;
    }
    close(fd);
    if (!s->device)
        checksum_vmcore(s);
    save_report(stderr, &s->opts, &s->out->stats);
    if (r < 0) {
        snprintf(s->out->dump_error, sizeof(s->out->dump_error), "%s", err.msg);
        s->out->dump_kind = err.kind;
    }
    return r < 0 ? 1 : 0;
}

/*
 * Runs the dump step; a bus error there is /proc/vmcore's mapping failing on
 * memory the old kernel could not give: once more with plain reads, which
 * turn such pages into failed pages instead of a dead process.
 */
static enum capture_outcome run_dump(struct capture *c, struct step *s)
{
    int signo, r = supervise_run("the dump", dump_step, s, c->cfg->step_timeout, &signo);

    if (r == SUPERVISE_SIGNALED && signo == SIGBUS) {
        fprintf(stderr, "lifeboat: reading the dump through a mapping faulted: again with reads\n");
        if (!s->device)
            unlinkat(s->dir_fd, s->vmcore, 0); /* this capture's own, in its .partial directory */
        lb_source_read_only(s->src);
        r = supervise_run("the dump", dump_step, s, c->cfg->step_timeout, &signo);
    }
    if (r < 0 && !s->out->dump_error[0])
        snprintf(s->out->dump_error, sizeof(s->out->dump_error), "the dump process %s",
                 r == SUPERVISE_TIMED_OUT  ? "made no progress and was stopped"
                 : r == SUPERVISE_SIGNALED ? "died"
                                           : "could not be started");
    if (r == 0 && s->out->stats.incomplete) {
        snprintf(s->out->dump_error, sizeof(s->out->dump_error), "some frames could not be read");
        s->out->dump_kind = LB_ERR_INPUT_IO;
    }
    /* The crashed machine's memory, not the target, stopped it: another target would not
     * do better.  (A process that died or hung may have met either: not decided here.) */
    if ((r == 1 || (r == 0 && s->out->stats.incomplete)) &&
        (s->out->dump_kind == LB_ERR_CORRUPT || s->out->dump_kind == LB_ERR_NO_DATA ||
         s->out->dump_kind == LB_ERR_INPUT_IO))
        c->source_fault = 1;
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

enum capture_outcome steps_into_directory(struct capture *c, int dir_fd)
{
    const struct crash_facts *f = &c->facts;
    int sealed = c->cfg->nrecipients > 0;
    struct step s = {.src = c->src,
                     .cfg = c->cfg,
                     .vmcore = sealed ? "vmcore.age" : "vmcore",
                     .dmesg = sealed ? "dmesg.txt.age" : "dmesg.txt",
                     .info = sealed ? "info.json.age" : "info.json",
                     .dir_fd = dir_fd,
                     .out = shared_results()};
    struct metadata m = {.status = "writing",
                         .hostname = f->hostname,
                         .release = f->release[0] ? f->release : NULL,
                         .crash_time = f->crash_time,
                         .dump_file = s.vmcore,
                         .encryption = sealed ? "age" : NULL,
                         .opts = &s.opts};
    enum capture_outcome outcome;
    int signo, r;
    double t0;

    if (!s.out) {
        fprintf(stderr, "lifeboat: no memory to run the capture's steps\n");
        return CAPTURE_FAILED;
    }
    s.opts = dump_options(c->cfg, NULL);
    r = supervise_run("the kernel log", log_step, &s, c->cfg->step_timeout, &signo);
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
    if (supervise_run("the triage report", report_step, &s, c->cfg->step_timeout, &signo) != 0)
        fprintf(stderr, "lifeboat: the triage report could not be written; going on\n");
    else
        fprintf(stderr, "lifeboat: triage report saved (%s)\n", s.info);
    if (metadata_write(dir_fd, &m) < 0)
        fprintf(stderr, "lifeboat: warning: cannot write metadata.json: %s\n", strerror(errno));
    t0 = monotonic_seconds();
    outcome = run_dump(c, &s);
    m.seconds_dump = monotonic_seconds() - t0;
    m.stats = &s.out->stats;
    if (outcome != CAPTURE_COMPLETE) {
        fprintf(stderr, "lifeboat: dump incomplete: %s\n", s.out->dump_error);
        m.error = s.out->dump_error;
    }
    m.status = outcome == CAPTURE_COMPLETE ? "complete" : "incomplete";
    m.checksum = s.out->checksum[0] ? s.out->checksum : NULL;
    if (metadata_write(dir_fd, &m) < 0)
        fprintf(stderr, "lifeboat: warning: cannot write metadata.json: %s\n", strerror(errno));
    munmap(s.out, sizeof(*s.out));
    return outcome == CAPTURE_COMPLETE ? CAPTURE_COMPLETE : CAPTURE_INCOMPLETE;
}

enum capture_outcome steps_onto_device(struct capture *c, const char *device)
{
    char holds[128];
    enum rawdev_state state = rawdev_probe(device, holds, sizeof(holds));

    /* Never over someone else's data, nor over the last crash's dump (rawdev.c, 2.). */
    if (state != RAWDEV_FREE) {
        fprintf(stderr, "lifeboat: %s holds %s: not written\n", device, holds);
        return CAPTURE_FAILED;
    }
    /* The next boot's savecore reads a raw dump as a kdump file: never the clear dump instead. */
    if (c->cfg->nrecipients) {
        fprintf(stderr,
                "lifeboat: %s: a raw target does not take an encrypted dump (encrypt-to "
                "is set): not written\n",
                device);
        return CAPTURE_FAILED;
    }
    struct step s = {
        .src = c->src, .cfg = c->cfg, .dir_fd = -1, .device = device, .out = shared_results()};
    enum capture_outcome outcome;

    if (!s.out) {
        fprintf(stderr, "lifeboat: no memory to run the capture's steps\n");
        return CAPTURE_FAILED;
    }
    s.opts = dump_options(c->cfg, NULL);
    s.opts.sparse = 0; /* a device has no holes: what is not written is stale data */
    outcome = run_dump(c, &s);
    if (outcome != CAPTURE_COMPLETE)
        fprintf(stderr, "lifeboat: %s: dump %s: %s\n", device,
                outcome == CAPTURE_FAILED ? "failed" : "incomplete", s.out->dump_error);
    else
        fprintf(stderr, "lifeboat: complete dump written to %s (%llu bytes)\n", device,
                (unsigned long long)s.out->stats.output_size);
    munmap(s.out, sizeof(*s.out));
    return outcome;
}

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
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dumpdir/metadata.h"
#include "dumpdir/place.h"
#include "dumpdir/signature.h"
#include "dumpdir/steps.h"
#include "platform/rawdev.h"
#include "platform/sealed_file.h"
#include "platform/supervise.h"
#include "render/kernel_log.h"
#include "render/progress.h"
#include "render/save_report.h"
#include "render/triage_report.h"

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
    enum lb_error_kind dump_kind;     /* why the dump failed, where it did */
    char checksum[17];                /* of vmcore as written, for metadata.json */
    struct crash_signature signature; /* from the triage report, for metadata.json */
};

struct step {
    struct lb_source *src;
    const struct config *cfg;
    const char *vmcore, *dmesg, *info; /* the files' names: ".age" when encrypted */
    struct place *place;
    const char *device; /* raw target: the device, else NULL */
    int dry;            /* a rehearsal: the device's checks, the dump into /dev/null */
    struct lb_write_options opts;
    struct step_results *out;
    int retry; /* the dump again: the first attempt's file goes first */
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
                                    .redact = cfg->redact,
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
    struct lb_sink *sink = s->place->ops->create(s->place, s->dmesg, 0, &err);
    FILE *f = sink ? sealed_file_open(sink, s->cfg->recipients, s->cfg->nrecipients) : NULL;
    int r;

    if (!f) {
        snprintf(why, sizeof(s->out->log_error), "%s",
                 sink ? "out of memory for the kernel log" : err.msg);
        return 1;
    }
    r = kernel_log_write(s->src, f, &stats, &err);
    if (fclose(f) != 0) { /* it syncs: the log is stored before the dump begins */
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

/* The crash's signature (report/signature.c), for a collector to group crashes by. */
static void sign_crash(const struct lb_triage *t, struct crash_signature *sig)
{
    const char *symbols[LB_TRIAGE_FRAMES];

    for (size_t i = 0; i < t->nframes && i < LB_TRIAGE_FRAMES; i++)
        symbols[i] = t->frames[i].name;
    signature_of(t->cause, t->panic, symbols,
                 t->nframes < LB_TRIAGE_FRAMES ? t->nframes : LB_TRIAGE_FRAMES, sig);
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
    struct lb_error err;
    struct lb_sink *sink = s->place->ops->create(s->place, s->info, 0, &err);
    FILE *f = sink ? sealed_file_open(sink, s->cfg->recipients, s->cfg->nrecipients) : NULL;

    if (!f)
        return 2;
    /* Redacted, the report names no task and no host either; unredacted, none is written. */
    if (s->cfg->redact && lb_source_redact(s->src, s->cfg->redact, &err) < 0) {
        fprintf(stderr, "lifeboat: no triage report: %s\n", err.msg);
        fclose(f);
        return 2;
    }
    lb_triage(s->src, &t);
    triage_report_json(f, s->vmcore, s->src, &t);
    sign_crash(&t, &s->out->signature);
    return fclose(f) == 0 ? 0 : 3;
}

/*
 * The file read back as stored: what 'lifeboat verify' compares with,
 * later.  It costs a second pass over the dump (from the page cache, when
 * the crash kernel's memory kept it); a place across a network skips it.
 */
static void checksum_vmcore(struct step *s)
{
    uint64_t sum;

    if (s->place->ops->checksum && s->place->ops->checksum(s->place, s->vmcore, &sum) == 0)
        snprintf(s->out->checksum, sizeof(s->out->checksum), "%016llx", (unsigned long long)sum);
}

/*
 * A dump cut short holds what reached the target before the cut, not what
 * the writer sent (buffered data a full disk refused): the metadata, list
 * and the boot notice say what reading it back finds, as verify would.
 */
static void count_frames_held(struct step *s)
{
    uint64_t frames;

    if (s->place->ops->frames_held && s->place->ops->frames_held(s->place, s->vmcore, &frames) == 0)
        s->out->stats.pages_saved = frames;
}

/* Encrypted when the configuration names recipients; sink is then the age sink's. */
static struct lb_sink *sealed(struct step *s, struct lb_sink *sink, struct lb_error *err)
{
    if (sink && s->cfg->nrecipients &&
        lb_sink_age(sink, s->cfg->recipients, s->cfg->nrecipients, &sink, err) < 0)
        return NULL;
    return sink;
}

/* The raw device: finishing the sink syncs it. */
static struct lb_sink *open_device(const char *device, struct lb_error *err)
{
    int fd = open(device, O_WRONLY | O_EXCL | O_CLOEXEC);
    struct lb_sink *sink;

    if (fd < 0) {
        lb_error_setk(err, lb_error_kind_of_write(errno), "cannot open %s: %s", device,
                      strerror(errno));
        return NULL;
    }
    if (!(sink = lb_sink_file(fd, 0)))
        lb_error_setk(err, LB_ERR_NO_MEMORY, "out of memory");
    return sink;
}

/* The dump, into the directory's vmcore or onto the raw device. */
static int dump_step(void *ctx)
{
    struct step *s = ctx;
    struct progress_state prog;
    struct lb_error err = {0};
    struct lb_sink *sink;
    int r;

    if (s->retry && !s->device) /* this capture's own first attempt, in its .partial directory */
        s->place->ops->remove(s->place, s->vmcore);
    /* A device's header from the first attempt would stand over the second's first pass: the
     * device is made free again first (as savecore leaves it), so that a power cut there leaves
     * no header over half-written bits (none written: nothing to do).  Here, in the child: a
     * device that hangs costs this step, never PID 1. */
    struct lb_error ignored;
    if (s->retry && s->device && !s->dry)
        rawdev_consume(s->device, &ignored);
    sink = s->device ? open_device(s->dry ? "/dev/null" : s->device, &err)
                     : s->place->ops->create(s->place, s->vmcore, s->opts.sparse, &err);
    sink = sealed(s, sink, &err);
    /* a place that takes streams only: makedumpfile's flattened records over the (sealed) stream */
    if (sink && !s->device && s->place->streams)
        sink = lb_sink_flattened(sink, &err);
    if (!sink) {
        snprintf(s->out->dump_error, sizeof(s->out->dump_error), "%s", err.msg);
        s->out->dump_kind = err.kind;
        return 2;
    }
    s->opts.progress_ctx = &prog;
    progress_start(&prog, s->device ? s->device : s->vmcore);
    prog.tty = 0; /* a serial console or the journal: lines, never a bar redrawn with '\r' */
    r = lb_write_sink(s->src, sink, &s->opts, &s->out->stats, &err);
    sink->ops->free(sink);
    if (!s->device)
        checksum_vmcore(s);
    if (!s->device && (r < 0 || s->out->stats.incomplete))
        count_frames_held(s);
    save_report(stderr, &s->opts, &s->out->stats);
    /* What the dump took of the reservation: the number behind cpus and crashkernel= */
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        fprintf(stderr, "lifeboat: the dump step's peak memory: %ld KiB, on %d thread%s\n",
                ru.ru_maxrss, s->opts.threads, s->opts.threads == 1 ? "" : "s");
    if (r < 0) {
        snprintf(s->out->dump_error, sizeof(s->out->dump_error), "%s", err.msg);
        s->out->dump_kind = err.kind;
    }
    /* a device the writer put no header on holds no dump of this crash (kdump_writer.c) */
    return r == 0 ? 0 : s->device && !s->out->stats.output_size ? 2 : 1;
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
        s->retry = 1;
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

struct metadata_job {
    struct place *place;
    const struct metadata *m;
};

static int metadata_step(void *ctx)
{
    struct metadata_job *j = ctx;
    return metadata_write(j->place, j->m) == 0 ? 0 : 1;
}

/* In a child as well: on a network place it is a transfer, and PID 1 risks nothing. */
static void put_metadata(struct capture *c, struct place *place, const struct metadata *m)
{
    struct metadata_job job = {place, m};
    int signo;

    if (supervise_run("writing metadata.json", metadata_step, &job, c->cfg->step_timeout, &signo) !=
        0)
        fprintf(stderr, "lifeboat: warning: cannot write metadata.json in %s\n", place->shown);
}

enum capture_outcome steps_into_place(struct capture *c, struct place *place)
{
    const struct crash_facts *f = &c->facts;
    int sealed = c->cfg->nrecipients > 0;
    struct step s = {.src = c->src,
                     .cfg = c->cfg,
                     .vmcore = place->streams ? (sealed ? "vmcore.flat.age" : "vmcore.flat")
                               : sealed       ? "vmcore.age"
                                              : "vmcore",
                     .dmesg = sealed ? "dmesg.txt.age" : "dmesg.txt",
                     .info = sealed ? "info.json.age" : "info.json",
                     .place = place,
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
    t0 = monotonic_seconds(); /* each step's time is said: what a capture spends, where */
    r = supervise_run("the kernel log", log_step, &s, c->cfg->step_timeout, &signo);
    if (r != 0 && !s.out->log_error[0])
        snprintf(s.out->log_error, sizeof(s.out->log_error), "kernel log: the process %s",
                 r == SUPERVISE_TIMED_OUT ? "took too long and was stopped" : "died");
    m.log_records = s.out->log_records;
    m.log_error = s.out->log_error[0] ? s.out->log_error : NULL;
    if (m.log_error)
        fprintf(stderr, "lifeboat: %s\n", m.log_error);
    else
        fprintf(stderr, "lifeboat: kernel log saved (%llu records) in %.1f s\n",
                (unsigned long long)m.log_records, monotonic_seconds() - t0);
    t0 = monotonic_seconds();
    if (supervise_run("the triage report", report_step, &s, c->cfg->step_timeout, &signo) != 0)
        fprintf(stderr, "lifeboat: the triage report could not be written; going on\n");
    else
        fprintf(stderr, "lifeboat: triage report saved (%s) in %.1f s\n", s.info,
                monotonic_seconds() - t0);
    m.signature = s.out->signature.hash[0] ? &s.out->signature : NULL;
    put_metadata(c, place, &m);
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
    put_metadata(c, place, &m);
    c->dump_bytes = s.out->stats.output_size;
    munmap(s.out, sizeof(*s.out));
    return outcome == CAPTURE_COMPLETE ? CAPTURE_COMPLETE : CAPTURE_INCOMPLETE;
}

/* The device's size in bytes, 0 if unknown. */
static uint64_t device_bytes(const char *device)
{
    int fd = open(device, O_RDONLY | O_CLOEXEC);
    uint64_t size = 0;

    if (fd >= 0) {
        if (ioctl(fd, BLKGETSIZE64, &size) < 0)
            size = 0;
        close(fd);
    }
    return size;
}

static enum capture_outcome onto_device(struct capture *c, const char *device, int dry)
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
        .src = c->src, .cfg = c->cfg, .device = device, .dry = dry, .out = shared_results()};
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
    else if (!dry)
        fprintf(stderr, "lifeboat: complete dump written to %s (%llu bytes)\n", device,
                (unsigned long long)s.out->stats.output_size);
    c->dump_bytes = s.out->stats.output_size;
    c->target_free = device_bytes(device);
    if (dry && outcome == CAPTURE_COMPLETE) {
        /* a raw device holds the next boot's savecore's input: a rehearsal never writes it */
        fprintf(stderr,
                "lifeboat: rehearsal: %s is free and would take the dump (%llu MiB of %llu "
                "MiB); not written\n",
                device, (unsigned long long)(c->dump_bytes >> 20),
                (unsigned long long)(c->target_free >> 20));
        if (c->target_free && c->dump_bytes > c->target_free) {
            fprintf(stderr, "lifeboat: %s: the dump would not fit: it would be cut short\n",
                    device);
            outcome = CAPTURE_INCOMPLETE;
        }
    }
    munmap(s.out, sizeof(*s.out));
    return outcome;
}

enum capture_outcome steps_onto_device(struct capture *c, const char *device)
{
    return onto_device(c, device, 0);
}

enum capture_outcome rehearse_onto_device(struct capture *c, const char *device)
{
    return onto_device(c, device, 1);
}

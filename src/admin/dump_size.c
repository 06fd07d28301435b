/*
 * dump_size.c - will the dump fit?  The size a crash dump would have now,
 * predicted from the running kernel (/proc/kcore) by the engine
 * (lb_predict_size: the frames classified from struct pages as the capture
 * classifies them, a bounded sample read and compressed with its codec).
 *
 * One function for 'estimate', 'load' and the rehearsal.  It runs in a
 * child, so its manners (nice 10, the lowest best-effort I/O priority) and
 * its deadline are its own and not the caller's: a prediction must not take
 * the machine from its work, nor hang a load behind a kcore that reads
 * slowly.  The last one is kept in LIFEBOAT_PREDICTION, so 'status' can hold
 * the target's free space against it without scanning memory every call.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "admin/dump_size.h"

#define LIVE_KCORE "/proc/kcore"

/* What the child hands back through its pipe. */
struct answer {
    int ok;
    struct lb_size_prediction p;
    char why[sizeof(((struct lb_error *)0)->msg) + 64];
};

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* In the child: out of the machine's way, then the engine's prediction. */
static void predict_in_child(const struct config *cfg, struct answer *a)
{
    enum { IOPRIO_WHO_PROCESS = 1, IOPRIO_CLASS_BE = 2, IOPRIO_CLASS_SHIFT = 13 };
    struct lb_write_options opts = {
        .format = cfg->format, .dump_level = cfg->dump_level, .codec = cfg->codec, .threads = 1};
    struct lb_source *src;
    struct lb_error err = {0};

    if (getpriority(PRIO_PROCESS, 0) < 10)
        setpriority(PRIO_PROCESS, 0, 10);
    syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, (IOPRIO_CLASS_BE << IOPRIO_CLASS_SHIFT) | 7);
    if (access(LIVE_KCORE, F_OK) < 0) {
        snprintf(a->why, sizeof(a->why),
                 "no %s here (a kernel built without CONFIG_PROC_KCORE, or a container that hides "
                 "it): the size of a dump cannot be predicted",
                 LIVE_KCORE);
        return;
    }
    if (lb_source_open_live(LIVE_KCORE, &src, &err) < 0) {
        snprintf(a->why, sizeof(a->why), "%s", err.msg);
        return;
    }
    a->ok = lb_predict_size(src, &opts, DUMP_SIZE_SAMPLE, &a->p, &err) == 0;
    if (!a->ok)
        snprintf(a->why, sizeof(a->why), "predicting the dump's size from %s: %s", LIVE_KCORE,
                 err.msg);
    lb_source_close(src);
}

/* Reads the child's answer, waiting DUMP_SIZE_SECONDS at most; 0 if it came whole. */
static int read_answer(int fd, struct answer *a)
{
    size_t got = 0;
    struct timespec t0;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (got < sizeof(*a)) {
        double left = DUMP_SIZE_SECONDS - seconds_since(&t0);
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (left <= 0)
            return -1;
        int ready = poll(&pfd, 1, (int)(left * 1000) + 1);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready <= 0)
            return -1;
        ssize_t n = read(fd, (char *)a + got, sizeof(*a) - got);
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    return 0;
}

static void fill(struct dump_size *out, const struct config *cfg,
                 const struct lb_size_prediction *p)
{
    memset(out, 0, sizeof(*out));
    out->bytes = p->bytes;
    out->frames_kept = p->pages_class[LB_CLASS_KEEP];
    out->frames_total = p->pages_total;
    out->sampled = p->sampled;
    out->sampled_zero = p->sampled_zero;
    out->sampled_repeated = p->sampled_repeated;
    out->level_asked = cfg->dump_level;
    out->level_applied = p->dump_level_applied;
    snprintf(out->codec, sizeof(out->codec), "%s",
             cfg->format == LB_FORMAT_ELF ? "elf" : lb_codec_name(cfg->codec));
    out->when = time(NULL);
}

int dump_size_predict(const struct config *cfg, struct dump_size *out, struct lb_error *err)
{
    static struct answer a; /* large (a prediction's note): not on the stack */
    struct timespec t0;
    int fds[2], status;
    pid_t pid;

    if (geteuid() != 0) {
        lb_error_setk(err, LB_ERR_REFUSED, "predicting the dump's size needs root: it reads %s",
                      LIVE_KCORE);
        return -1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (pipe2(fds, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
        lb_error_setk(err, LB_ERR_SYSTEM, "a child to predict the dump's size: %s",
                      strerror(errno));
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        memset(&a, 0, sizeof(a));
        predict_in_child(cfg, &a);
        _exit(write(fds[1], &a, sizeof(a)) == (ssize_t)sizeof(a) ? 0 : 1);
    }
    close(fds[1]);
    memset(&a, 0, sizeof(a));
    int whole = read_answer(fds[0], &a) == 0;
    close(fds[0]);
    if (!whole)
        kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!whole) {
        lb_error_setk(err, LB_ERR_SYSTEM,
                      "predicting the dump's size from %s: no answer in %d s (stopped), or it died",
                      LIVE_KCORE, DUMP_SIZE_SECONDS);
        return -1;
    }
    if (!a.ok) {
        lb_error_setk(err, LB_ERR_SYSTEM, "%s", a.why);
        return -1;
    }
    fill(out, cfg, &a.p);
    out->seconds = seconds_since(&t0);
    return 0;
}

void dump_size_describe(const struct dump_size *d, char *buf, size_t len)
{
    char level[64] = "";

    if (d->level_applied != d->level_asked)
        snprintf(level, sizeof(level), ", -d %u as the filter falls back from -d %u",
                 d->level_applied, d->level_asked);
    snprintf(buf, len,
             "about %llu MiB (%llu frames kept of %llu; ratio measured on %llu sampled pages, "
             "%llu zero, %llu repeated; %s%s)",
             (unsigned long long)((d->bytes + (1 << 20) - 1) >> 20),
             (unsigned long long)d->frames_kept, (unsigned long long)d->frames_total,
             (unsigned long long)d->sampled, (unsigned long long)d->sampled_zero,
             (unsigned long long)d->sampled_repeated, d->codec, level);
}

void dump_size_record(struct dump_size *d, const char *by)
{
    static struct dump_size last;
    FILE *f;

    snprintf(d->by, sizeof(d->by), "%s", by);
    if (!d->free_bytes && dump_size_last(&last) == 0 && last.free_bytes) {
        d->free_bytes = last.free_bytes;
        d->free_target = last.free_target;
        d->free_when = last.free_when;
        memcpy(d->free_at, last.free_at, sizeof(d->free_at));
    } else if (d->free_bytes && !d->free_when) {
        d->free_when = d->when;
    }
    /* (a link planted where the file goes is not followed: O_NOFOLLOW, made anew) */
    unlink(LIFEBOAT_PREDICTION ".tmp");
    int fd = open(LIFEBOAT_PREDICTION ".tmp", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  0600);
    if (fd < 0 || !(f = fdopen(fd, "w"))) {
        if (fd >= 0)
            close(fd);
        return;
    }
    fprintf(f, "bytes %llu\nkept %llu\ntotal %llu\nsampled %llu\nzero %llu\nrepeated %llu\n",
            (unsigned long long)d->bytes, (unsigned long long)d->frames_kept,
            (unsigned long long)d->frames_total, (unsigned long long)d->sampled,
            (unsigned long long)d->sampled_zero, (unsigned long long)d->sampled_repeated);
    fprintf(f, "level %u %u\ncodec %s\nwhen %lld\nby %s\n", d->level_asked, d->level_applied,
            d->codec, (long long)d->when, d->by);
    if (d->free_bytes)
        fprintf(f, "free %llu %u %lld %s\n", (unsigned long long)d->free_bytes, d->free_target,
                (long long)d->free_when, d->free_at);
    int written = fflush(f) == 0 && fsync(fileno(f)) == 0;
    if (fclose(f) == 0 && written)
        rename(LIFEBOAT_PREDICTION ".tmp", LIFEBOAT_PREDICTION);
    else
        unlink(LIFEBOAT_PREDICTION ".tmp");
}

int dump_size_last(struct dump_size *out)
{
    FILE *f = fopen(LIFEBOAT_PREDICTION, "re");
    char line[400];
    unsigned long long v;
    long long when;
    int have = 0;

    memset(out, 0, sizeof(*out));
    while (f && fgets(line, sizeof(line), f)) {
        if (sscanf(line, "bytes %llu", &v) == 1)
            out->bytes = v, have = 1;
        else if (sscanf(line, "kept %llu", &v) == 1)
            out->frames_kept = v;
        else if (sscanf(line, "total %llu", &v) == 1)
            out->frames_total = v;
        else if (sscanf(line, "sampled %llu", &v) == 1)
            out->sampled = v;
        else if (sscanf(line, "zero %llu", &v) == 1)
            out->sampled_zero = v;
        else if (sscanf(line, "repeated %llu", &v) == 1)
            out->sampled_repeated = v;
        else if (sscanf(line, "level %u %u", &out->level_asked, &out->level_applied) == 2)
            continue;
        else if (sscanf(line, "codec %7s", out->codec) == 1)
            continue;
        else if (sscanf(line, "when %lld", &when) == 1)
            out->when = (time_t)when;
        else if (sscanf(line, "by %15s", out->by) == 1)
            continue;
        else if (sscanf(line, "free %llu %u %lld %299[^\n]", &v, &out->free_target, &when,
                        out->free_at) == 4)
            out->free_bytes = v, out->free_when = (time_t)when;
    }
    if (f)
        fclose(f);
    return have ? 0 : -1;
}

/*
 * cmd_save.c - writes a dump from /proc/vmcore or any dump file to a new
 * file: filtered (-d, as makedumpfile's --dump-level), compressed, in the
 * format the analysis tools read; or, as "-", a flattened stream for a pipe.
 *
 * From /proc/kcore (or --live) it is a live dump of the running kernel,
 * taken beside the machine's work and out of its way: at nice 10 and the
 * lowest best-effort I/O priority, one compression thread unless -t says
 * more, its reads of kcore paced by --rate; the engine's memory is bounded
 * (a window at a time) as for any dump.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "tools/dump_options.h"
#include "tools/dump_output.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: lifeboat save [-d LEVEL] [-f kdump|elf] [-c CODEC] [-l LEVEL] [-t THREADS]\n"
            "                     SOURCE DEST|-\n"
            "       lifeboat save --live [--rate MIB] [OPTIONS] DEST|-\n"
            "  -d, --dump-level N  leave out pages as makedumpfile -d does: 1 zero, 2 cache,\n"
            "                      4 private cache, 8 user data, 16 free (default "
            "31)\n" DUMP_OPTIONS_HELP
            "  --live              a live dump of the running kernel (SOURCE /proc/kcore): root\n"
            "                      only; at nice 10, lowest best-effort I/O priority, one thread\n"
            "  --rate MIB          read the running kernel at most MIB MiB a second\n"
            "DEST - writes makedumpfile's flattened format to standard output.\n");
}

/* Out of the way of the machine's work: CPU and I/O priority lowered, reads paced. */
static void live_manners(struct lb_source *src, struct lb_write_options *opts,
                         const struct dump_keys *keys)
{
    enum { IOPRIO_WHO_PROCESS = 1, IOPRIO_CLASS_BE = 2, IOPRIO_CLASS_SHIFT = 13 };

    errno = 0;
    if (getpriority(PRIO_PROCESS, 0) < 10 && errno == 0 && setpriority(PRIO_PROCESS, 0, 10) < 0)
        warn("setpriority(10)");
    if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0,
                (IOPRIO_CLASS_BE << IOPRIO_CLASS_SHIFT) | 7) < 0)
        warn("ioprio_set(best-effort, 7)");
    if (opts->threads < 0)
        opts->threads = 1;
    if (keys->rate_mib)
        lb_source_set_rate(src, (uint64_t)keys->rate_mib << 20);
    char pace[48] = "reads unpaced";
    if (keys->rate_mib)
        snprintf(pace, sizeof(pace), "reads paced to %ld MiB/s", keys->rate_mib);
    fprintf(stderr,
            "lifeboat: live dump of the running kernel: nice 10, I/O best-effort 7, %d "
            "thread%s, %s\n",
            opts->threads, opts->threads == 1 ? "" : "s", pace);
}

/* A counter of /proc/self/io ("rchar", "wchar"): bytes this process read and wrote. */
static unsigned long long io_count(const char *name)
{
    FILE *f = fopen("/proc/self/io", "re");
    char line[128];
    unsigned long long v = 0;
    size_t n = strlen(name);

    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, name, n) == 0 && line[n] == ':')
            v = strtoull(line + n + 1, NULL, 10);
    if (f)
        fclose(f);
    return v;
}

/* What the live dump cost the machine: time, CPU, peak memory, bytes read and written. */
static void live_cost(const struct timespec *start)
{
    struct timespec now;
    struct rusage ru;

    clock_gettime(CLOCK_MONOTONIC, &now);
    getrusage(RUSAGE_SELF, &ru);
    double secs =
        (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
    double rd = (double)io_count("rchar") / 1048576.0, wr = (double)io_count("wchar") / 1048576.0;
    fprintf(stderr,
            "lifeboat: live dump cost: %.1f s, CPU %.1f s user + %.1f s system, peak memory %ld "
            "MiB, read %.0f MiB (%.1f MiB/s), wrote %.0f MiB (%.1f MiB/s)\n",
            secs, (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
            (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6, ru.ru_maxrss / 1024, rd,
            secs > 0 ? rd / secs : 0, wr, secs > 0 ? wr / secs : 0);
}

int cmd_save(int argc, char **argv)
{
    struct lb_write_options opts = dump_options_default(31);
    struct lb_source *src;
    struct lb_error e = {0};
    struct dump_keys keys = {0};
    int threads = opts.threads, first, r;
    struct timespec start;

    opts.threads = -1; /* not given: see below */
    first = dump_options_parse(argc, argv, &opts, &keys, 1, usage);
    clock_gettime(CLOCK_MONOTONIC, &start);
    if (first + 2 - keys.live != argc) {
        usage(stderr);
        return 2;
    }
    if ((keys.live ? dump_open_live(&src, &e) : dump_open(argv[first], keys.identity, &src, &e)) <
        0)
        errx(1, "%s", e.msg);
    if (lb_source_running(src))
        live_manners(src, &opts, &keys);
    else if (keys.rate_mib)
        warnx("--rate paces a live dump only: %s is not the running kernel", argv[first]);
    if (opts.threads < 0)
        opts.threads = threads;
    r = dump_to(src, argv[argc - 1], &opts, &keys);
    if (lb_source_holes(src))
        fprintf(stderr, "lifeboat: %llu pages faulted when read and are holes in the dump\n",
                (unsigned long long)lb_source_holes(src));
    if (lb_source_running(src))
        live_cost(&start);
    lb_source_close(src);
    return r;
}

/*
 * cmd_save.c - writes a dump from /proc/vmcore or any dump file to a new
 * file: filtered (-d, as makedumpfile's --dump-level), compressed, in the
 * format the analysis tools read.
 *
 * The destination must not exist: a dump is evidence, and lifeboat never
 * overwrites one.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "lbdump.h"
#include "progress.h"
#include "save_report.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: lifeboat save [-d LEVEL] [-f kdump|elf] [-c CODEC] [-l LEVEL] [-t THREADS]\n"
            "                     SOURCE DEST\n"
            "  -d, --dump-level N  leave out pages as makedumpfile -d does: 1 zero, 2 cache,\n"
            "                      4 private cache, 8 user data, 16 free (default 31)\n"
            "  -f, --format F      kdump (compressed, default) or elf\n"
            "  -c, --codec C       zstd (default), zlib, lzo or none (kdump only)\n"
            "  -l, --level N       compression level (default: the codec's fastest)\n"
            "  -t, --threads N     compression threads (default: online CPUs)\n");
}

static long number_arg(const char *opt, const char *arg, long max)
{
    char *end;
    long v = strtol(arg, &end, 0);

    if (*arg == '\0' || *end || v < 0 || v > max)
        errx(2, "%s %s: expected a number from 0 to %ld", opt, arg, max);
    return v;
}

int cmd_save(int argc, char **argv)
{
    static const struct option longopts[] = {{"dump-level", required_argument, NULL, 'd'},
                                             {"format", required_argument, NULL, 'f'},
                                             {"codec", required_argument, NULL, 'c'},
                                             {"level", required_argument, NULL, 'l'},
                                             {"threads", required_argument, NULL, 't'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    struct progress_state prog;
    struct lb_write_options opts = {.format = LB_FORMAT_KDUMP,
                                    .dump_level = 31,
                                    .codec = LB_CODEC_ZSTD,
                                    .threads = (int)sysconf(_SC_NPROCESSORS_ONLN),
                                    .progress = progress_print,
                                    .progress_ctx = &prog};
    struct lb_write_stats stats;
    struct lb_source *src;
    struct lb_error e = {""};
    struct stat st;
    int fd, r, opt;

    while ((opt = getopt_long(argc, argv, "d:f:c:l:t:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            opts.dump_level = (unsigned)number_arg("--dump-level", optarg, 31);
            break;
        case 'f':
            if (strcmp(optarg, "kdump") && strcmp(optarg, "elf"))
                errx(2, "--format %s: expected kdump or elf", optarg);
            opts.format = strcmp(optarg, "elf") == 0 ? LB_FORMAT_ELF : LB_FORMAT_KDUMP;
            break;
        case 'c':
            if (lb_codec_parse(optarg, &opts.codec) < 0)
                errx(2, "--codec %s: expected zstd, zlib, lzo or none", optarg);
            break;
        case 'l':
            opts.codec_level = (int)number_arg("--level", optarg, 22);
            break;
        case 't':
            opts.threads = (int)number_arg("--threads", optarg, 64);
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind + 2 != argc) {
        usage(stderr);
        return 2;
    }
    if (lb_source_open(argv[optind], &src, &e) < 0)
        errx(1, "%s", e.msg);
    fd = open(argv[optind + 1], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        err(1, "%s%s", argv[optind + 1],
            errno == EEXIST ? " (lifeboat never overwrites a dump)" : "");
    opts.sparse = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    progress_start(&prog, argv[optind + 1]);
    r = lb_write(src, fd, &opts, &stats, &e);
    if (fsync(fd) < 0 && r == 0) {
        snprintf(e.msg, sizeof(e.msg), "fsync: %s", strerror(errno));
        r = -1;
    }
    close(fd);
    lb_source_close(src);
    save_report(stderr, &opts, &stats);
    if (r < 0)
        errx(1, "%s: incomplete: %s", argv[optind + 1], e.msg);
    return stats.incomplete ? 1 : 0;
}

/*
 * cmd_initramfs.c - writes the capture initramfs to a file, for inspection or
 * for loading with another tool.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "admin/initramfs.h"
#include "cmd/commands.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: lifeboat initramfs -o FILE [-c CONFIG] [-b BINARY] "
                 "[--compress gzip|zstd|none]\n");
}

int cmd_initramfs(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'}, {"config", required_argument, NULL, 'c'},
        {"binary", required_argument, NULL, 'b'}, {"compress", required_argument, NULL, 'z'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    const char *out = NULL, *conf = LIFEBOAT_CONF, *binary = NULL;
    enum zsink_codec codec = ZSINK_GZIP;
    struct initramfs_stats st;
    static struct capture_setup setup;
    struct lb_error failed;
    int opt, fd;

    while ((opt = getopt_long(argc, argv, "o:c:b:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            out = optarg;
            break;
        case 'c':
            conf = optarg;
            break;
        case 'b':
            binary = optarg;
            break;
        case 'z':
            if (zsink_codec_parse(optarg, &codec) < 0)
                errx(2, "--compress %s: expected gzip, zstd or none", optarg);
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!out || optind != argc) {
        usage(stderr);
        return 2;
    }
    if (capture_setup_load(conf, &setup, &failed) < 0)
        errx(1, "%s", failed.msg);
    /* A new file only: never through a planted symlink, never over something that exists. */
    fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        err(1, "%s%s", out, errno == EEXIST ? " (exists: lifeboat writes only a new file)" : "");
    if (initramfs_write(fd, binary, &setup, codec, &st, &failed) < 0) {
        unlink(out);
        errx(1, "%s", failed.msg);
    }
    if (fsync(fd) < 0 || close(fd) < 0)
        err(1, "%s", out);
    printf("lifeboat: wrote %s: %llu KiB (%llu KiB uncompressed)\n", out,
           (unsigned long long)(st.compressed >> 10), (unsigned long long)(st.uncompressed >> 10));
    return 0;
}

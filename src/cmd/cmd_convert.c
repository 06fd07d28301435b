/*
 * cmd_convert.c - a dump in another format, every frame kept as it is.
 *
 * ELF and kdump-compressed convert both ways (-f); a flattened stream
 * (makedumpfile -F, 'lifeboat save ... -'), read from a file or from
 * standard input as "-", becomes the file it describes, as makedumpfile -R
 * does.  Nothing is filtered: use 'save -d' for that.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "tools/dump_options.h"
#include "tools/dump_output.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: lifeboat convert [-f kdump|elf] [-c CODEC] [-l LEVEL] [-t THREADS] "
            "SOURCE|- DEST|-\n" DUMP_OPTIONS_HELP
            "A flattened SOURCE (or - for standard input) is turned into the file it holds.\n");
}

static int is_flattened(const char *path)
{
    char magic[12];
    int fd = open(path, O_RDONLY | O_CLOEXEC), yes;

    if (fd < 0)
        return 0;
    yes = read(fd, magic, sizeof(magic)) == (ssize_t)sizeof(magic) &&
          memcmp(magic, "makedumpfile", 12) == 0;
    close(fd);
    return yes;
}

static int unflatten(const char *from, const char *to)
{
    int in = strcmp(from, "-") == 0 ? STDIN_FILENO : open(from, O_RDONLY | O_CLOEXEC);
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    struct lb_error e;
    uint64_t size;
    int cut;

    if (in < 0)
        err(1, "%s", from);
    if (out < 0)
        err(1, "%s%s", to, errno == EEXIST ? " (lifeboat never overwrites a dump)" : "");
    if (lb_unflatten(in, out, &size, &cut, &e) < 0) {
        unlink(to);
        errx(1, "%s: %s", from, e.msg);
    }
    if (ftruncate(out, (off_t)size) < 0 || fsync(out) < 0 || close(out) < 0)
        err(1, "%s", to);
    /* A stream cut short (a capture killed midway, an encrypted dump decrypted as far as it
     * goes) is still evidence: kept, and said to be incomplete. */
    if (cut) {
        fprintf(stderr,
                "lifeboat: %s: %llu bytes reassembled from a flattened stream cut short (no "
                "end record): an incomplete dump\n",
                to, (unsigned long long)size);
        return 1;
    }
    fprintf(stderr, "lifeboat: %s: %llu bytes reassembled from the flattened stream\n", to,
            (unsigned long long)size);
    return 0;
}

int cmd_convert(int argc, char **argv)
{
    struct lb_write_options opts = dump_options_default(0);
    struct lb_source *src;
    struct lb_error e = {0};
    struct dump_keys keys = {0};
    int first = dump_options_parse(argc, argv, &opts, &keys, 0, usage), r;

    if (first + 2 != argc) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[first], "-") == 0 || is_flattened(argv[first]))
        return unflatten(argv[first], argv[first + 1]);
    if (dump_open(argv[first], keys.identity, &src, &e) < 0)
        errx(1, "%s", e.msg);
    r = dump_to(src, argv[first + 1], &opts, &keys);
    lb_source_close(src);
    return r;
}

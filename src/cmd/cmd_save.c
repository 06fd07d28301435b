/*
 * cmd_save.c - writes a dump from /proc/vmcore or any dump file to a new
 * file: filtered (-d, as makedumpfile's --dump-level), compressed, in the
 * format the analysis tools read; or, as "-", a flattened stream for a pipe.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "dump_options.h"
#include "dump_output.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: lifeboat save [-d LEVEL] [-f kdump|elf] [-c CODEC] [-l LEVEL] [-t THREADS]\n"
            "                     SOURCE DEST|-\n"
            "  -d, --dump-level N  leave out pages as makedumpfile -d does: 1 zero, 2 cache,\n"
            "                      4 private cache, 8 user data, 16 free (default "
            "31)\n" DUMP_OPTIONS_HELP
            "DEST - writes makedumpfile's flattened format to standard output.\n");
}

int cmd_save(int argc, char **argv)
{
    struct lb_write_options opts = dump_options_default(31);
    struct lb_source *src;
    struct lb_error e = {0};
    struct dump_keys keys = {0};
    int first = dump_options_parse(argc, argv, &opts, &keys, 1, usage), r;

    if (first + 2 != argc) {
        usage(stderr);
        return 2;
    }
    if (dump_open(argv[first], keys.identity, &src, &e) < 0)
        errx(1, "%s", e.msg);
    r = dump_to(src, argv[first + 1], &opts, &keys);
    lb_source_close(src);
    return r;
}

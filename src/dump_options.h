/*
 * dump_options.h - the options 'save' and 'convert' share: format, codec,
 * level, threads, dump level.
 */
#ifndef LIFEBOAT_DUMP_OPTIONS_H
#define LIFEBOAT_DUMP_OPTIONS_H

#include <getopt.h>

#include "lbdump.h"

#define DUMP_OPTIONS_SHORT "d:f:c:l:t:"
#define DUMP_OPTIONS_LONG                                                                          \
    {"dump-level", required_argument, NULL, 'd'}, {"format", required_argument, NULL, 'f'},        \
        {"codec", required_argument, NULL, 'c'}, {"level", required_argument, NULL, 'l'},          \
    {                                                                                              \
        "threads", required_argument, NULL, 't'                                                    \
    }

#define DUMP_OPTIONS_HELP                                                                          \
    "  -f, --format F      kdump (compressed, default) or elf\n"                                   \
    "  -c, --codec C       zstd (default), zlib, lzo or none (kdump only)\n"                       \
    "  -l, --level N       compression level (default: the codec's fastest)\n"                     \
    "  -t, --threads N     compression threads (default: online CPUs)\n"

/* Defaults: kdump, zstd, all online CPUs, dump_level as given. */
struct lb_write_options dump_options_default(unsigned dump_level);
/* Applies option opt with arg; returns 0, or 1 if opt is not one of these. Exits on a bad value. */
int dump_option(int opt, const char *arg, struct lb_write_options *o);

#endif

/*
 * dump_options.c - parses the options shared by the commands that write dumps.
 */
#include <err.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/dump_options.h"

static long number_in(const char *opt, const char *arg, long min, long max)
{
    char *end;
    long v = strtol(arg, &end, 0);

    if (*arg == '\0' || *end || v < min || v > max)
        errx(2, "%s %s: expected a number from %ld to %ld", opt, arg, min, max);
    return v;
}

static long number_arg(const char *opt, const char *arg, long max)
{
    return number_in(opt, arg, 0, max);
}

struct lb_write_options dump_options_default(unsigned dump_level)
{
    struct lb_write_options o = {.format = LB_FORMAT_KDUMP,
                                 .dump_level = dump_level,
                                 .codec = LB_CODEC_AUTO,
                                 .threads = (int)sysconf(_SC_NPROCESSORS_ONLN)};
    return o;
}

static int dump_option(int opt, const char *arg, struct lb_write_options *o)
{
    switch (opt) {
    case 'd':
        o->dump_level = (unsigned)number_arg("--dump-level", arg, 31);
        return 0;
    case 'f':
        if (strcmp(arg, "kdump") && strcmp(arg, "elf"))
            errx(2, "--format %s: expected kdump or elf", arg);
        o->format = strcmp(arg, "elf") == 0 ? LB_FORMAT_ELF : LB_FORMAT_KDUMP;
        return 0;
    case 'c':
        if (lb_codec_parse(arg, &o->codec) < 0)
            errx(2, "--codec %s: expected auto, zstd, zlib, lzo or none", arg);
        return 0;
    case 'l':
        /* zstd's negative levels trade size for speed; the other codecs clamp */
        o->codec_level = (int)number_in("--level", arg, -7, 22);
        return 0;
    case 'r': {
        struct lb_error e;
        if (lb_redact_parse(arg, &o->redact, &e) < 0)
            errx(2, "--redact %s: %s", arg, e.msg);
        return 0;
    }
    case 't':
        o->threads = (int)number_arg("--threads", arg, 64);
        return 0;
    default:
        return 1;
    }
}

int dump_options_parse(int argc, char **argv, struct lb_write_options *o, struct dump_keys *keys,
                       int allow_level, void (*usage)(FILE *out))
{
    static const struct option longopts[] = {DUMP_OPTIONS_LONG,
                                             {"live", no_argument, NULL, 'L'},
                                             {"rate", required_argument, NULL, 'R'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    int opt;

    while ((opt = getopt_long(argc, argv, DUMP_OPTIONS_SHORT "h", longopts, NULL)) != -1) {
        if (opt == 'h') {
            usage(stdout);
            exit(0);
        }
        if (opt == 'e') {
            dump_keys_add_recipient(keys, optarg);
            continue;
        }
        if (opt == 'i') {
            keys->identity = optarg;
            continue;
        }
        if (opt == 'W') {
            keys->write_rate_mib = number_in("--write-rate", optarg, 1, 1 << 20);
            continue;
        }
        if ((opt == 'L' || opt == 'R') && allow_level) { /* save's own */
            if (opt == 'L')
                keys->live = 1;
            else
                keys->rate_mib = number_in("--rate", optarg, 1, 1 << 20);
            continue;
        }
        if (opt == 'S' || opt == 'K' || opt == 'H' || opt == 'A' || opt == 'T') {
            const char **dst = opt == 'S'   ? &keys->ssh_identity
                               : opt == 'K' ? &keys->known_hosts
                               : opt == 'H' ? &keys->host_key
                               : opt == 'A' ? &keys->ca_file
                                            : &keys->token_file;
            *dst = optarg;
            continue;
        }
        if ((opt == 'd' && !allow_level) || dump_option(opt, optarg, o) != 0) {
            usage(stderr);
            exit(2);
        }
    }
    return optind;
}

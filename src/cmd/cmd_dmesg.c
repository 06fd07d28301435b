/*
 * cmd_dmesg.c - the crashed kernel's log, from the dump alone.
 *
 * The default output is byte for byte what vmcore-dmesg prints for the same
 * dump, so scripts and eyes used to it keep working.  --json gives one JSON
 * object a record with everything the ring holds: sequence number, level,
 * facility, caller, device.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/commands.h"
#include "lbdump.h"
#include "render/json.h"
#include "render/kernel_log.h"
#include "tools/dump_keys.h"

static int print_json(void *ctx, const struct lb_log_record *rec)
{
    FILE *out = ctx;

    fprintf(out, "{\"seq\": %llu, \"ts_nsec\": %llu, ", (unsigned long long)rec->seq,
            (unsigned long long)rec->ts_nsec);
    if (rec->level >= 0)
        fprintf(out, "\"level\": %d, \"facility\": %d, ", rec->level, rec->facility);
    if (rec->caller_id)
        fprintf(out, "\"caller\": \"%c%u\", ", rec->caller_id & 0x80000000u ? 'C' : 'T',
                rec->caller_id & 0x7fffffffu);
    if (rec->subsystem[0]) {
        fputs("\"subsystem\": ", out);
        json_cstring(out, rec->subsystem);
        fputs(", \"device\": ", out);
        json_cstring(out, rec->device);
        fputs(", ", out);
    }
    fputs("\"text\": ", out);
    json_string(out, (const char *)rec->text, rec->text_len);
    fputs("}\n", out);
    return 0;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: lifeboat dmesg [--json] [--identity FILE] DUMP | --live\n"
                 "Prints the kernel log saved in DUMP (as vmcore-dmesg does), or with --json\n"
                 "one JSON object a record; --live: the running kernel's, from /proc/kcore.\n");
}

int cmd_dmesg(int argc, char **argv)
{
    static const struct option longopts[] = {{"json", no_argument, NULL, 'j'},
                                             {"live", no_argument, NULL, 'L'},
                                             {"identity", required_argument, NULL, 'i'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *identity = NULL;
    struct lb_log_stats stats;
    struct lb_source *src;
    struct lb_error e;
    int opt, json = 0, live = 0, r;

    while ((opt = getopt_long(argc, argv, "hi:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'j':
            json = 1;
            break;
        case 'L':
            live = 1;
            break;
        case 'i':
            identity = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind + 1 - live != argc) {
        usage(stderr);
        return 2;
    }
    const char *path = live ? "/proc/kcore" : argv[optind];
    if ((live ? dump_open_live(&src, &e) : dump_open(path, identity, &src, &e)) < 0)
        errx(1, "%s", e.msg);
    r = json ? kernel_log_walk(src, print_json, stdout, &stats, &e)
             : kernel_log_write(src, stdout, &stats, &e);
    int cut = lb_source_incomplete(src);
    lb_source_close(src);
    /* A dump cut short may hold no log yet: said as that, not as a damaged one. */
    if (r < 0)
        errx(1, "%s: %s%s", path, e.msg,
             cut ? " (the dump is incomplete: it was cut short before that part was saved)" : "");
    if (stats.skipped)
        warnx("%llu log records were unreadable or not committed and are left out",
              (unsigned long long)stats.skipped);
    if (fflush(stdout) != 0)
        err(1, "stdout");
    return 0;
}

/*
 * cmd_report.c - a collector's view of the dumps a fleet sent.
 *
 *     lifeboat report [--json | --html] [--identity FILE] DIR...
 *
 * Every dump under the DIRs (a target directory, an NFS export, the tree an
 * SFTP or WebDAV server keeps; report/fleet.c walks them), grouped by crash
 * signature, most frequent first: to standard output as text, JSON, or one
 * static HTML page with a timeline (render/fleet_report.c).  Reads only:
 * run it as a user who may read the dumps and nothing more.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd/commands.h"
#include "lbdump.h"
#include "report/fleet.h"
#include "report/fleet_report.h"

static const char usage[] = "usage: lifeboat report [--json | --html] [--identity FILE] DIR...";

int cmd_report(int argc, char **argv)
{
    static const struct option longopts[] = {{"json", no_argument, NULL, 'j'},
                                             {"html", no_argument, NULL, 'H'},
                                             {"identity", required_argument, NULL, 'i'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *identity = NULL;
    struct lb_age_identities *ids = NULL;
    struct fleet fleet;
    struct lb_error e;
    int opt, form = 't';

    while ((opt = getopt_long(argc, argv, "hi:", longopts, NULL)) != -1) {
        if (opt == 'j' || opt == 'H') {
            if (form != 't' && form != opt)
                errx(2, "--json and --html are one or the other\n%s", usage);
            form = opt;
        } else if (opt == 'i') {
            identity = optarg;
        } else {
            fprintf(opt == 'h' ? stdout : stderr, "%s\n", usage);
            return opt == 'h' ? 0 : 2;
        }
    }
    if (optind == argc)
        errx(2, "%s", usage);
    if (identity && lb_age_identities_load(identity, &ids, &e) < 0)
        errx(1, "%s", e.msg);
    if (fleet_read(&fleet, argv + optind, (size_t)(argc - optind), ids) < 0)
        err(1, "reading the dumps");
    if (fleet.dirs_skipped && fleet.list.n == 0)
        warnx("no directory named could be read");
    if (form == 'j')
        fleet_report_json(stdout, &fleet);
    else if (form == 'H')
        fleet_report_html(stdout, &fleet);
    else
        fleet_report_text(stdout, &fleet);
    fleet_free(&fleet);
    lb_age_identities_free(ids);
    if (fflush(stdout) != 0 || ferror(stdout))
        err(1, "standard output");
    return 0;
}

/*
 * cmd_savecore.c - 'lifeboat savecore': at boot, the dumps a crash left on
 * raw targets become dump directories (see capture/savecore.c).  The
 * lifeboat service runs it before it loads the crash kernel again.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>

#include "admin/notice.h"
#include "capture/savecore.h"
#include "cmd/commands.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: lifeboat savecore [-c CONFIG] [-d DIR]\n"
                 "Saves each dump left on a raw target of CONFIG (default " LIFEBOAT_CONF ")\n"
                 "into a dump directory in DIR (default /var/crash); once the copy, read\n"
                 "back, holds every frame the device holds, marks the device saved so that\n"
                 "the next crash may use it.  Raw targets named by a /dev path are found by\n"
                 "the identity 'lifeboat load' recorded for them.\n");
}

int cmd_savecore(int argc, char **argv)
{
    static const struct option longopts[] = {{"config", required_argument, NULL, 'c'},
                                             {"dir", required_argument, NULL, 'd'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *conf = LIFEBOAT_CONF, *dir = "/var/crash";
    struct config cfg;
    struct lb_error failed;
    struct lb_error err;
    enum savecore_result r;
    int opt;

    while ((opt = getopt_long(argc, argv, "c:d:h", longopts, NULL)) != -1) {
        if (opt == 'c') {
            conf = optarg;
        } else if (opt == 'd') {
            dir = optarg;
        } else {
            usage(opt == 'h' ? stdout : stderr);
            return opt == 'h' ? 0 : 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    if (config_load(conf, &cfg, &failed) < 0)
        errx(2, "%s", failed.msg);
    r = savecore(&cfg, dir, LIFEBOAT_RAW_IDENTITIES, &err);
    notice_raw_dump_kept(r == SAVECORE_FAILED ? err.msg : NULL);
    return r == SAVECORE_FAILED ? 1 : 0;
}

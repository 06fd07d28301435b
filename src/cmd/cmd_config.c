/*
 * cmd_config.c - 'lifeboat config check': is the configuration right, and
 * what will the crash kernel get from it?
 *
 * It resolves the configuration as 'lifeboat load' does (targets by path
 * become UUIDs, the modules for each target's device are found) and prints
 * the result, so a mistake shows now and not after a crash.  Every error
 * names the file, the line and what is wrong.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "admin/initramfs.h"
#include "cmd/commands.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: lifeboat config check [-c CONFIG]\n"
            "Checks CONFIG (default " LIFEBOAT_CONF ") and prints what the capture will use.\n");
}

int cmd_config(int argc, char **argv)
{
    static const struct option longopts[] = {{"config", required_argument, NULL, 'c'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    static struct capture_setup setup;
    const char *conf = LIFEBOAT_CONF;
    static char text[CONFIG_TEXT_MAX];
    struct lb_error err;
    int opt;

    while ((opt = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        if (opt == 'c') {
            conf = optarg;
        } else {
            usage(opt == 'h' ? stdout : stderr);
            return opt == 'h' ? 0 : 2;
        }
    }
    if (optind + 1 != argc || strcmp(argv[optind], "check") != 0) {
        usage(stderr);
        return 2;
    }
    if (capture_setup_load(conf, &setup, &err) < 0)
        errx(1, "%s", err.msg);
    if (config_format(&setup.cfg, text, sizeof(text)) < 0)
        errx(1, "%s: the configuration is too large for the capture", conf);
    printf("%s: ok; the capture will use:\n%s", conf, text);
    for (size_t i = 0; i < setup.modules.n; i++)
        printf("module %s\n", setup.modules.path[i]);
    return 0;
}

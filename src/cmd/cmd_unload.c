/*
 * cmd_unload.c - removes the loaded crash kernel.
 */
#include <err.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "admin/notice.h"
#include "cmd/commands.h"
#include "platform/kexec.h"

int cmd_unload(int argc, char **argv)
{
    int r;

    if (argc > 1) {
        fprintf(strcmp(argv[1], "--help") == 0 ? stdout : stderr, "usage: lifeboat unload\n");
        return strcmp(argv[1], "--help") == 0 ? 0 : 2;
    }
    if (geteuid() != 0)
        errx(1, "unloading the crash kernel needs root");
    r = kexec_crash_unload();
    if (r < 0)
        errx(1, "kexec_file_load(unload): %s", strerror(-r));
    notice_disarm(); /* a clean stop: this boot did not crash */
    printf("lifeboat: crash kernel unloaded\n");
    return 0;
}

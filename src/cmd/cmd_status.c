/*
 * cmd_status.c - would a crash right now be captured?
 *
 * Exit status 0 means yes, 1 no, so monitoring can run it as it is.  Yes
 * takes all of: memory reserved, a crash kernel loaded, the reservation at
 * least what the capture needs (estimate.c), and the configured targets
 * passing the checks load makes (made again now: a disk may have gone).
 * The last crash's notice, when there is one, comes first.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "estimate.h"
#include "notice.h"
#include "platform/kexec.h"

static int reservation(struct crash_reservation *res)
{
    if (crash_reservation_read(res) < 0) {
        printf("reservation: unsupported (no /sys/kernel/kexec_crash_size: the kernel lacks "
               "CONFIG_CRASH_DUMP)\n");
        return -1;
    }
    if (res->size == 0) {
        printf("reservation: none (add crashkernel= to the kernel command line and reboot; "
               "'lifeboat estimate' says how much)\n");
        return -1;
    }
    printf("reservation: %llu MiB", (unsigned long long)(res->size >> 20));
    if (res->end > res->start)
        printf(" at 0x%llx-0x%llx", (unsigned long long)res->start, (unsigned long long)res->end);
    printf("\n");
    return 0;
}

int cmd_status(int argc, char **argv)
{
    static const struct option longopts[] = {{"config", required_argument, NULL, 'c'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    static struct capture_setup setup;
    const char *conf = LIFEBOAT_CONF;
    struct crash_reservation res = {0};
    char why[1024], kernel[PATH_MAX];
    struct estimate e;
    int opt, ok = 1;

    while ((opt = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        if (opt != 'c') {
            fprintf(opt == 'h' ? stdout : stderr, "usage: lifeboat status [-c CONFIG]\n");
            return opt == 'h' ? 0 : 2;
        }
        conf = optarg;
    }
    if (optind != argc) {
        fprintf(stderr, "usage: lifeboat status [-c CONFIG]\n");
        return 2;
    }
    notice_print_last(stdout);
    if (reservation(&res) < 0)
        ok = 0;
    printf("crash kernel: %s\n", res.loaded ? "loaded" : "not loaded (run 'lifeboat load')");
    if (!res.loaded)
        ok = 0;
    if (capture_setup_load(conf, &setup, why, sizeof(why)) < 0) {
        printf("target: %s\n", why);
        ok = 0;
    } else {
        for (size_t i = 0; i < setup.cfg.ntargets; i++) {
            const struct target *t = &setup.cfg.targets[i];
            if (t->kind == TARGET_FS && t->shown[0])
                printf("target: %s (%s %s)\n", t->shown, t->device, t->path);
            else
                printf("target: %s%s%s\n", t->kind == TARGET_DIR ? t->path : t->device,
                       t->kind == TARGET_FS ? " " : "", t->kind == TARGET_FS ? t->path : "");
        }
        if (res.size && estimate_running_kernel(kernel, sizeof(kernel), why, sizeof(why)) == 0 &&
            estimate_capture(kernel, &setup, &e, why, sizeof(why)) == 0 &&
            res.size < e.crashkernel) {
            printf("reservation: too small: the capture needs crashkernel=%lluM ('lifeboat "
                   "estimate')\n",
                   (unsigned long long)(e.crashkernel >> 20));
            ok = 0;
        }
    }
    printf("crash capture: %s\n", ok ? "yes" : "no");
    return ok ? 0 : 1;
}

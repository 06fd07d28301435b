/*
 * cmd_status.c - would a crash right now be captured?
 *
 * Exit status 0 means yes (memory reserved and a crash kernel loaded), 1 no,
 * so monitoring can run it as it is.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "platform/kexec.h"

int cmd_status(int argc, char **argv)
{
    struct crash_reservation res;

    if (argc > 1) {
        fprintf(strcmp(argv[1], "--help") == 0 ? stdout : stderr, "usage: lifeboat status\n");
        return strcmp(argv[1], "--help") == 0 ? 0 : 2;
    }
    if (crash_reservation_read(&res) < 0) {
        printf("reservation: unsupported (no /sys/kernel/kexec_crash_size: the kernel lacks "
               "CONFIG_CRASH_DUMP)\ncrash capture: no\n");
        return 1;
    }
    if (res.size == 0) {
        printf("reservation: none (add crashkernel=256M to the kernel command line and "
               "reboot)\n");
    } else {
        printf("reservation: %llu MiB", (unsigned long long)(res.size >> 20));
        if (res.end > res.start)
            printf(" at 0x%llx-0x%llx", (unsigned long long)res.start, (unsigned long long)res.end);
        printf("\n");
    }
    printf("crash kernel: %s\n", res.loaded ? "loaded" : "not loaded (run 'lifeboat load')");
    printf("crash capture: %s\n", res.size && res.loaded ? "yes" : "no");
    return res.size && res.loaded ? 0 : 1;
}

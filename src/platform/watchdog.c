/*
 * watchdog.c - finds a hardware watchdog that is already counting.
 *
 * iTCO, IPMI and the like keep running across kexec: if the first kernel
 * armed one, it resets the machine in the middle of the dump unless the
 * capture feeds it.  The supervisor feeds it only when the capture makes
 * progress, so a stuck capture still ends in a reset.  The file is never
 * closed with the magic 'V': the watchdog stays armed to the end.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "platform/watchdog.h"

int watchdog_open_running(void)
{
    for (int n = 0; n < 4; n++) {
        char path[64], state[16] = "";
        int fd;

        snprintf(path, sizeof(path), "/sys/class/watchdog/watchdog%d/state", n);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        ssize_t len = read(fd, state, sizeof(state) - 1);
        close(fd);
        if (len <= 0 || strncmp(state, "active", 6) != 0)
            continue;
        snprintf(path, sizeof(path), "/dev/watchdog%d", n);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
            fprintf(stderr, "lifeboat: watchdog%d is running: fed while the capture advances\n", n);
            return fd;
        }
    }
    return -1;
}

/*
 * mount.c - mounts a target filesystem without knowing its type.
 *
 * The crash kernel has only the filesystems built in or loaded from the
 * initramfs, and those are listed in /proc/filesystems.  Trying each in turn
 * is what mount(8) does for "auto", without needing libblkid in the capture
 * binary: a wrong type fails at once with EINVAL.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>

#include "platform/blkid.h"
#include "platform/mount.h"
#include "platform/rawdev.h"

static uint64_t monotonic_ns(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

int wait_for_target(const char *spec, unsigned timeout, char *device, size_t len,
                    struct lb_error *err)
{
    const uint64_t max_tick = 250 * 1000 * 1000;
    uint64_t tick = 10 * 1000 * 1000, deadline = monotonic_ns() + (uint64_t)timeout * 1000000000u;

    /* Drivers probe in the background: poll until the device shows up, each look reading
     * every block device's first blocks.  The first looks come quickly (a disk is often there
     * within tens of ms of init: every one of them is time before the dump starts), then
     * every 250 ms; timeout 0 is one look. */
    for (;;) {
        int r = rawdev_is_identity(spec) ? rawdev_find(spec, device, len, err)
                                         : fs_find(spec, device, len);
        if (r == 0)
            return 0;
        if (r == -2) /* fs_find's: more than one */
            lb_error_setk(err, LB_ERR_REFUSED,
                          "%s is on more than one device: an ambiguous target is not used", spec);
        if (r == -2 || (r < 0 && rawdev_is_identity(spec) && err->kind == LB_ERR_REFUSED))
            return -1; /* by its kind: waiting longer would not make it one device */
        uint64_t now = monotonic_ns();
        if (now >= deadline)
            break;
        uint64_t sleep_ns = tick < deadline - now ? tick : deadline - now;
        struct timespec pause = {(time_t)(sleep_ns / 1000000000u), (long)(sleep_ns % 1000000000u)};
        nanosleep(&pause, NULL);
        tick = tick * 2 < max_tick ? tick * 2 : max_tick;
    }
    lb_error_setk(err, LB_ERR_SYSTEM, "target %s did not appear within %u s", spec, timeout);
    return -1;
}

int mount_any(const char *device, const char *mountpoint, struct lb_error *err)
{
    FILE *f = fopen("/proc/filesystems", "re");
    char line[128], tried[256] = "";
    int last = ENODEV;

    if (mkdir(mountpoint, 0700) < 0 && errno != EEXIST) {
        lb_error_setk(err, LB_ERR_SYSTEM, "cannot create mount point %s: %s", mountpoint,
                      strerror(errno));
        return -1;
    }
    if (!f) {
        lb_error_setk(err, LB_ERR_SYSTEM, "cannot read /proc/filesystems: %s", strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        char type[64];

        /* Lines are "nodev\tNAME" for virtual filesystems, "\tNAME" for block ones. */
        if (strncmp(line, "nodev", 5) == 0 || sscanf(line, " %63s", type) != 1)
            continue;
        if (mount(device, mountpoint, type, MS_NOATIME | MS_NODEV | MS_NOSUID | MS_NOEXEC, NULL) ==
            0) {
            fclose(f);
            return 0;
        }
        last = errno;
        if (strlen(tried) + strlen(type) + 2 < sizeof(tried))
            snprintf(tried + strlen(tried), sizeof(tried) - strlen(tried), "%s%s",
                     tried[0] ? "," : "", type);
        if (last != EINVAL && last != ENODEV && last != ENOTBLK)
            break;
    }
    fclose(f);
    lb_error_setk(err, LB_ERR_SYSTEM, "cannot mount %s (tried %s): %s", device,
                  tried[0] ? tried : "nothing", strerror(last));
    errno = last;
    return -1;
}

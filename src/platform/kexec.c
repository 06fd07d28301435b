/*
 * kexec.c - talks to the kernel's kexec interface.
 *
 * kexec_file_load(2) is used rather than kexec_load(2): the kernel parses and
 * verifies the image itself, which is what lets it work under lockdown and
 * Secure Boot, and it needs no purgatory built by us.  The reservation is
 * read from sysfs (size, loaded) and /proc/iomem (where; root sees addresses).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "platform/kexec.h"

#ifndef KEXEC_FILE_UNLOAD
#define KEXEC_FILE_UNLOAD   0x00000001
#define KEXEC_FILE_ON_CRASH 0x00000002
#define KEXEC_ON_CRASH      0x00000001 /* kexec_load's flag */
#endif

static int read_u64_file(const char *path, uint64_t *value)
{
    FILE *f = fopen(path, "re");
    int ok;

    if (!f)
        return -1;
    ok = fscanf(f, "%" SCNu64, value) == 1;
    fclose(f);
    return ok ? 0 : -1;
}

static void read_iomem_range(struct crash_reservation *r)
{
    FILE *f = fopen("/proc/iomem", "re");
    char line[256];
    uint64_t start, end;

    if (!f)
        return;
    while (fgets(line, sizeof(line), f))
        if (strstr(line, ": Crash kernel") &&
            sscanf(line, " %" SCNx64 "-%" SCNx64, &start, &end) == 2 && end > start) {
            r->start = start;
            r->end = end;
            break;
        }
    fclose(f);
}

int crash_reservation_read(struct crash_reservation *r)
{
    uint64_t loaded = 0;

    memset(r, 0, sizeof(*r));
    if (read_u64_file("/sys/kernel/kexec_crash_size", &r->size) < 0)
        return -1;
    if (read_u64_file("/sys/kernel/kexec_crash_loaded", &loaded) == 0)
        r->loaded = loaded != 0;
    read_iomem_range(r);
    return 0;
}

int kexec_crash_load(int kernel_fd, int initramfs_fd, const char *cmdline)
{
    long r = syscall(SYS_kexec_file_load, kernel_fd, initramfs_fd, strlen(cmdline) + 1, cmdline,
                     (unsigned long)KEXEC_FILE_ON_CRASH);

    return r < 0 ? -errno : 0;
}

/* Without kexec_file_load (Debian's arm64 kernels), kexec_load with no segments unloads. */
int kexec_crash_unload(void)
{
    long r = syscall(SYS_kexec_file_load, -1, -1, 0UL, NULL,
                     (unsigned long)(KEXEC_FILE_UNLOAD | KEXEC_FILE_ON_CRASH));

    if (r < 0 && errno == ENOSYS)
        r = syscall(SYS_kexec_load, 0UL, 0UL, NULL, (unsigned long)KEXEC_ON_CRASH);
    return r < 0 ? -errno : 0;
}

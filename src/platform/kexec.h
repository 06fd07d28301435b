/*
 * kexec.h - the crash kernel slot: kexec_file_load(2) and the crashkernel=
 * reservation as the running kernel reports it.
 */
#ifndef LIFEBOAT_KEXEC_H
#define LIFEBOAT_KEXEC_H

#include <stdint.h>

struct crash_reservation {
    uint64_t size;       /* bytes reserved by crashkernel=, 0 if none */
    uint64_t start, end; /* physical range, inclusive; 0,0 if not visible */
    int loaded;          /* a crash kernel is loaded */
};

int crash_reservation_read(struct crash_reservation *r);

/* Loads kernel + initramfs as the crash kernel; returns 0 or -errno. */
int kexec_crash_load(int kernel_fd, int initramfs_fd, const char *cmdline);
/* Unloads the crash kernel; returns 0 or -errno. */
int kexec_crash_unload(void);

#endif

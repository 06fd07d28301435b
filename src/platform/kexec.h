/*
 * kexec.h - the crash kernel slot: kexec_file_load(2) and the crashkernel=
 * reservation as the running kernel reports it.
 */
#ifndef LIFEBOAT_KEXEC_H
#define LIFEBOAT_KEXEC_H

#include <stddef.h>
#include <stdint.h>

#include "lbdump.h"

struct crash_reservation {
    uint64_t size;       /* bytes reserved by crashkernel=, 0 if none */
    uint64_t start, end; /* physical range, inclusive; 0,0 if not visible */
    int loaded;          /* a crash kernel is loaded */
};

int crash_reservation_read(struct crash_reservation *r);

/* Loads kernel + initramfs as the crash kernel; returns 0 or -errno. */
int kexec_crash_load(int kernel_fd, int initramfs_fd, const char *cmdline);
/*
 * arm64 without kexec_file_load: the same with kexec_load(2), the ELF core
 * header, device tree and purgatory made here (kexec_arm64.c).  -1 with err.
 */
int kexec_arm64_crash_load(int kernel_fd, int initramfs_fd, const char *cmdline,
                           struct lb_error *err);
/* Unloads the crash kernel; returns 0 or -errno. */
int kexec_crash_unload(void);

#endif

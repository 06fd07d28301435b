/*
 * estimate.h - the crashkernel= a capture needs, measured (estimate.c):
 * shared by 'estimate', and by 'load' and 'status', which hold the
 * reservation against it.
 */
#ifndef LIFEBOAT_ESTIMATE_H
#define LIFEBOAT_ESTIMATE_H

#include <stddef.h>
#include <stdint.h>

#include "admin/initramfs.h"

struct estimate {
    uint64_t init_size;            /* the kernel's own, from its bzImage header */
    uint64_t initramfs_compressed; /* the capture initramfs, built to be measured */
    uint64_t initramfs_unpacked;
    uint64_t span; /* the machine's memory, for frame bookkeeping */
    uint64_t bookkeeping;
    int cpus;                    /* the crash kernel's CPUs (nr_cpus=); 0 counts as 1 */
    uint64_t per_cpu;            /* what each CPU past the first costs: the kernel's, a worker's */
    uint64_t one_cpu;            /* what it adds up to with one CPU */
    uint64_t total, crashkernel; /* with cpus; that, with margin, rounded */
    /*
     * The same split for crashkernel=PLAIN crashkernel=CMA,cma (crashkernel.c): the
     * plain part holds what kexec_file_load places (the kernel's init_size, the
     * initramfs, its own segments), the CMA part the rest; cma is 0 if the split
     * would save nothing.
     */
    uint64_t plain_need, plain, cma;
};

enum {
    ESTIMATE_KERNEL_BOOT_MIB = 4,
    ESTIMATE_USERSPACE_MIB = 10,
    ESTIMATE_MARGIN_MIB = 4,
    ESTIMATE_ROUND_MIB = 8,
    ESTIMATE_SEGMENTS_MIB = 2,          /* purgatory, boot parameters, ELF core header; alignment */
    ESTIMATE_KERNEL_PER_CPU_KIB = 1024, /* measured: see estimate.c */
    ESTIMATE_WORKER_KIB = 256,
    ESTIMATE_PARALLEL_KIB = 4096,
};

/* Builds setup's initramfs in memory and adds it up with kernel; -1 with err. */
int estimate_capture(const char *kernel, const struct capture_setup *setup, struct estimate *e,
                     struct lb_error *err);
/*
 * The same in two steps, for an initramfs already built (load): the
 * kernel's part (-1 with err), then the initramfs's and the rest.
 */
int estimate_kernel(const char *kernel, struct estimate *e, struct lb_error *err);
void estimate_add_up(struct estimate *e, const struct initramfs_stats *st);
/*
 * The most CPUs, up to wanted, whose capture fits in reservation bytes (at
 * least 1); e (added up) is set to that many.
 */
int estimate_fit_cpus(struct estimate *e, uint64_t reservation, int wanted);
/*
 * Whether a reservation of plain bytes (and cma more from CMA) holds the capture e
 * (added up): 0 yes, -1 no with err (LB_ERR_REFUSED).
 */
int estimate_check(const struct estimate *e, uint64_t plain, uint64_t cma, struct lb_error *err);
/* The running kernel's image (kernel_image_running: /boot, else /usr/lib/modules); -1 with err. */
int estimate_running_kernel(char *path, size_t len, struct lb_error *err);
/*
 * The kernel to estimate for when none is named: the running kernel's image
 * (/boot/vmlinuz-RELEASE or /usr/lib/modules/RELEASE/vmlinuz); where there is
 * none — a chroot, where cloud images are built, runs the builder's kernel —
 * the newest installed one, which the image will boot, and note says so.
 * -1 with note when no kernel image is installed at all.
 */
int estimate_default_kernel(char *path, size_t len, char *note, size_t notelen);

#endif

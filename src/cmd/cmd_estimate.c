/*
 * cmd_estimate.c - how much crashkernel= this machine needs (estimate.c
 * says how it is measured).
 *
 * It never depends on a target: a target that cannot be checked now (not
 * made yet, not mounted) costs the drivers it would add, and is said, but
 * the number is still given; that is what a package's postinst and a new
 * machine's provisioning need before anything else is set up.
 */
#include <err.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "commands.h"
#include "estimate.h"

enum { MIB = 1 << 20 };

int cmd_estimate(int argc, char **argv)
{
    static const struct option longopts[] = {{"kernel", required_argument, NULL, 'k'},
                                             {"config", required_argument, NULL, 'c'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    static struct capture_setup setup;
    const char *kernel = NULL, *conf = LIFEBOAT_CONF;
    char default_kernel[PATH_MAX], why[1024], note[PATH_MAX + 300];
    struct estimate e;
    int opt;

    while ((opt = getopt_long(argc, argv, "k:c:h", longopts, NULL)) != -1) {
        if (opt == 'k') {
            kernel = optarg;
        } else if (opt == 'c') {
            conf = optarg;
        } else {
            fprintf(opt == 'h' ? stdout : stderr,
                    "usage: lifeboat estimate [-k KERNEL] [-c CONFIG]\n"
                    "KERNEL: the running kernel's image, else (a chroot) the newest installed\n");
            return opt == 'h' ? 0 : 2;
        }
    }
    if (!kernel) {
        if (estimate_default_kernel(default_kernel, sizeof(default_kernel), note, sizeof(note)) < 0)
            errx(1, "%s", note);
        if (note[0])
            fprintf(stderr, "lifeboat: %s\n", note);
        kernel = default_kernel;
    }
    if (capture_setup_load(conf, &setup, why, sizeof(why)) < 0) {
        fprintf(stderr, "lifeboat: warning: %s; estimated without that target's drivers\n", why);
        if (config_load(conf, &setup.cfg, why, sizeof(why)) < 0)
            errx(1, "%s", why);
        setup.modules.n = 0;
    }
    if (estimate_capture(kernel, &setup, &e, why, sizeof(why)) < 0)
        errx(1, "%s", why);
    printf("kernel %s: %llu MiB to start (its header's init_size or image_size) + %d MiB while "
           "booting\n",
           kernel, (unsigned long long)(e.init_size / MIB), ESTIMATE_KERNEL_BOOT_MIB);
    printf("capture initramfs: %llu KiB compressed, %llu KiB unpacked\n",
           (unsigned long long)(e.initramfs_compressed >> 10),
           (unsigned long long)(e.initramfs_unpacked >> 10));
    printf("capture: %d MiB (the triage report, then the dump: bounded, one after the other)\n",
           ESTIMATE_USERSPACE_MIB);
    printf("frame bookkeeping for %llu MiB of memory: %llu KiB\n",
           (unsigned long long)(e.span / MIB), (unsigned long long)(e.bookkeeping >> 10));
    printf("margin: %llu KiB (%d MiB at least, rounded up to %d MiB)\n",
           (unsigned long long)((e.crashkernel - e.total) >> 10), ESTIMATE_MARGIN_MIB,
           ESTIMATE_ROUND_MIB);
    printf("each CPU past the first: %llu KiB (the kernel's %d KiB, a dump worker's %d KiB)\n",
           (unsigned long long)(e.per_cpu >> 10), ESTIMATE_KERNEL_PER_CPU_KIB, ESTIMATE_WORKER_KIB);
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    int cpus = setup.cfg.cpus             ? (int)setup.cfg.cpus
               : online > CONFIG_MAX_CPUS ? CONFIG_MAX_CPUS
               : online < 1               ? 1
                                          : (int)online;
    /* The last line is the one to use (scripts take it): the config's CPUs, else one, the
     * smallest; load gives a capture the CPUs that its reservation feeds. */
    struct estimate all = e;
    if (!setup.cfg.cpus && cpus > 1) {
        estimate_fit_cpus(&all, UINT64_MAX, cpus);
        printf("with this machine's %d CPUs (cpus auto, if reserved): crashkernel=%lluM\n", cpus,
               (unsigned long long)(all.crashkernel / MIB));
    }
    if (setup.cfg.cpus)
        estimate_fit_cpus(&e, UINT64_MAX, cpus);
    printf("crashkernel=%lluM\n", (unsigned long long)(e.crashkernel / MIB));
    return 0;
}

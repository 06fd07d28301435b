/*
 * cmd_estimate.c - how much crashkernel= this machine needs (estimate.c
 * says how it is measured).
 *
 * It never depends on a target: a target that cannot be checked now (not
 * made yet, not mounted) costs the drivers it would add, and is said, but
 * the number is still given; that is what a package's postinst and a new
 * machine's provisioning need before anything else is set up.
 *
 * With 'reservation cma' in the config, or --cma, and a kernel that takes it
 * (crashkernel.c says how that is decided), the last line is the split form,
 * crashkernel=CMA,cma crashkernel=PLAIN; a kernel that does not, or cannot be
 * told to, keeps the plain form, and the line before says why.  The ,cma word
 * comes first: a kernel before 6.16 takes the last crashkernel= word without a
 * suffix it knows as the plain size, and "16M,cma" there is an error that
 * leaves no reservation at all; in this order such a kernel (an older one
 * in the GRUB menu, which the same GRUB line reaches) keeps the plain part.
 *
 * As root it also says how big a crash dump would be now, at the configured
 * level (or -d) and codec (dump_size.c: from the running kernel's struct
 * pages and a sample of its pages), and keeps that prediction for 'status';
 * where it cannot (not root, no /proc/kcore, lockdown) it says why and the
 * reservation is estimated all the same.
 */
#include <err.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "admin/crashkernel.h"
#include "admin/dump_size.h"
#include "admin/estimate.h"
#include "cmd/commands.h"
#include "platform/kernel_image.h"

enum { MIB = 1 << 20 };

/* The release of the image at path: /boot/vmlinuz-RELEASE or .../modules/RELEASE/vmlinuz. */
static void release_of(const char *path, char *release, size_t len)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

    if (strncmp(base, "vmlinuz-", 8) == 0) {
        snprintf(release, len, "%s", base + 8);
    } else if (strcmp(base, "vmlinuz") == 0 && base - path >= 2) {
        const char *end = base - 1, *start = end;
        while (start > path && start[-1] != '/')
            start--;
        snprintf(release, len, "%.*s", (int)(end - start), start);
    } else {
        snprintf(release, len, "%s", base);
    }
}

/* Says the split, or why the plain form stays; 1 if the last line is to be the split. */
static int cma_decision(const char *kernel, int wanted, const struct capture_setup *setup,
                        const struct estimate *e)
{
    char release[PATH_MAX], how[PATH_MAX + 512], here[sizeof(((struct utsname *)0)->release)];
    int running, supported;

    release_of(kernel, release, sizeof(release));
    running = host_release(here, sizeof(here)) == 0 && strcmp(here, release) == 0;
    supported = crashkernel_cma_supported("", release, running, how, sizeof(how));
    if (!wanted) {
        if (supported && e->cma)
            printf("this kernel also takes crashkernel=,cma (%s): with 'reservation cma' or "
                   "--cma, crashkernel=%lluM,cma crashkernel=%lluM\n",
                   how, (unsigned long long)(e->cma / MIB), (unsigned long long)(e->plain / MIB));
        return 0;
    }
    if (!supported) {
        printf("crashkernel=,cma: no, the plain reservation stays: %s\n", how);
        return 0;
    }
    if (!e->cma) {
        printf("crashkernel=,cma: the kernel takes it (%s), but the plain part is all the "
               "capture needs: the plain reservation stays\n",
               how);
        return 0;
    }
    printf("crashkernel=,cma: yes (%s)\n", how);
    printf("plain part: the kernel's %llu MiB and the initramfs, as kexec_file_load places "
           "them, with kexec's segments (%d MiB) and the margin: crashkernel=%lluM\n",
           (unsigned long long)(e->init_size / MIB), ESTIMATE_SEGMENTS_MIB,
           (unsigned long long)(e->plain / MIB));
    printf("CMA part: the rest (the kernel's boot, the unpacked initramfs, the capture, more "
           "CPUs), the running system's until a crash: crashkernel=%lluM,cma (%llu of %llu "
           "MiB)\n",
           (unsigned long long)(e->cma / MIB), (unsigned long long)(e->cma / MIB),
           (unsigned long long)((e->plain + e->cma) / MIB));
    printf("caveats (kdump.rst): the CMA range is left out of the dump, with the pages in it; "
           "at a crash the kernel waits 10 s for DMA into it to end, and DMA may still reach "
           "the crash kernel there\n");
    if (!(setup->cfg.dump_level & 8))
        printf("warning: dump-level %u keeps user pages, but those in the CMA range will not be "
               "in the dump\n",
               setup->cfg.dump_level);
    return 1;
}

/* "dump size: about M MiB (...)", or why it is not known; kept for 'status' at the config's level.
 */
static void say_dump_size(const struct config *cfg, int level_given)
{
    struct dump_size d;
    struct lb_error err;
    char said[512];

    if (dump_size_predict(cfg, &d, &err) < 0) {
        printf("dump size: not predicted: %s\n", err.msg);
        return;
    }
    dump_size_describe(&d, said, sizeof(said));
    printf("dump size at -d %u: %s, predicted in %.1f s\n", cfg->dump_level, said, d.seconds);
    if (!level_given)
        dump_size_record(&d, "estimate");
}

int cmd_estimate(int argc, char **argv)
{
    static const struct option longopts[] = {{"kernel", required_argument, NULL, 'k'},
                                             {"config", required_argument, NULL, 'c'},
                                             {"cma", no_argument, NULL, 'C'},
                                             {"plain", no_argument, NULL, 'P'},
                                             {"dump-level", required_argument, NULL, 'd'},
                                             {"no-size", no_argument, NULL, 'S'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    static struct capture_setup setup;
    const char *kernel = NULL, *conf = LIFEBOAT_CONF;
    struct lb_error err;
    char default_kernel[PATH_MAX], note[PATH_MAX + 300];
    struct estimate e;
    int opt, want_cma = -1, level = -1, size = 1;
    char *end;

    while ((opt = getopt_long(argc, argv, "k:c:d:h", longopts, NULL)) != -1) {
        if (opt == 'd') {
            long v = strtol(optarg, &end, 10);
            if (*end || end == optarg || v < 0 || v > 31)
                errx(2, "-d %s: a dump level is a number from 0 to 31", optarg);
            level = (int)v;
        } else if (opt == 'S') {
            size = 0;
        } else if (opt == 'k') {
            kernel = optarg;
        } else if (opt == 'c') {
            conf = optarg;
        } else if (opt == 'C' || opt == 'P') {
            want_cma = opt == 'C';
        } else {
            fprintf(opt == 'h' ? stdout : stderr,
                    "usage: lifeboat estimate [-k KERNEL] [-c CONFIG] [-d LEVEL] [--no-size]\n"
                    "                         [--cma|--plain]\n"
                    "KERNEL: the running kernel's image, else (a chroot) the newest installed\n"
                    "-d LEVEL: the dump level to predict the dump's size at (default: the "
                    "config's)\n"
                    "--no-size: the reservation only, no dump size (which reads /proc/kcore)\n");
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
    if (capture_setup_load(conf, &setup, &err) < 0) {
        fprintf(stderr, "lifeboat: warning: %s; estimated without that target's drivers\n",
                err.msg);
        if (config_load(conf, &setup.cfg, &err) < 0)
            errx(1, "%s", err.msg);
        setup.modules.n = 0;
    }
    if (estimate_capture(kernel, &setup, &e, &err) < 0)
        errx(1, "%s", err.msg);
    if (level >= 0)
        setup.cfg.dump_level = (unsigned)level;
    if (size)
        say_dump_size(&setup.cfg, level >= 0);
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
    int split;
    if (setup.cfg.cpus)
        estimate_fit_cpus(&e, UINT64_MAX, cpus);
    split = cma_decision(kernel, want_cma < 0 ? setup.cfg.reservation_cma : want_cma, &setup, &e);
    if (!setup.cfg.cpus && cpus > 1) { /* more CPUs grow the CMA part only */
        estimate_fit_cpus(&all, UINT64_MAX, cpus);
        if (split)
            printf("with this machine's %d CPUs (cpus auto, if reserved): crashkernel=%lluM,cma "
                   "crashkernel=%lluM\n",
                   cpus, (unsigned long long)(all.cma / MIB),
                   (unsigned long long)(all.plain / MIB));
        else
            printf("with this machine's %d CPUs (cpus auto, if reserved): crashkernel=%lluM\n",
                   cpus, (unsigned long long)(all.crashkernel / MIB));
    }
    if (split)
        printf("crashkernel=%lluM,cma crashkernel=%lluM\n", (unsigned long long)(e.cma / MIB),
               (unsigned long long)(e.plain / MIB));
    else
        printf("crashkernel=%lluM\n", (unsigned long long)(e.crashkernel / MIB));
    return 0;
}

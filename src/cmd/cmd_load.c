/*
 * cmd_load.c - puts the crash kernel and the capture initramfs in place.
 *
 * Defaults do the right thing on a standard system: the running kernel's
 * image from /boot, an initramfs built on the spot from this binary and
 * /etc/lifeboat.conf, and the running command line adapted for a crash
 * kernel.  Every way this can fail ends in one line that says what to do.
 *
 * The crash kernel gets as many CPUs as the reservation can feed (cpus auto,
 * up to this machine's): each costs the kernel and the dump engine memory
 * (estimate.c), and each makes the dump faster.  An initramfs given with -i
 * was not measured here, so it gets one unless the config says how many.
 *
 * With crashkernel=SIZE,cma beside the plain reservation (crashkernel.c),
 * kexec_file_load places the kernel and initramfs in the plain part and the
 * kernel gives the crash kernel the CMA range as RAM at the panic: the CPUs
 * are fitted to both parts, and a load that does not fit is said in terms
 * of the plain part, the only one it can use.
 *
 * Once loaded, it predicts how big a crash dump would be now at the loaded
 * level and codec (admin/dump_size.c) and keeps that for 'status', which
 * holds the targets' free space against it; a prediction that cannot be
 * made (lockdown, no /proc/kcore) is said and costs the load nothing.  The
 * prediction runs detached, after load has returned: it reads every struct
 * page (minutes on a machine of terabytes), and the boot waits for load
 * (lifeboat.service is a oneshot), not for a number only 'status' shows.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "admin/cmdline.h"
#include "admin/crashkernel.h"
#include "admin/dump_size.h"
#include "admin/estimate.h"
#include "admin/initramfs.h"
#include "admin/notice.h"
#include "cmd/commands.h"
#include "platform/format.h"
#include "platform/kernel_image.h"
#include "platform/kexec.h"
#include "platform/rawdev.h"
#include "targets/raw_record.h"

struct load_request {
    const char *kernel;
    const char *initramfs;
    const char *conf;
    const char *cmdline;
    const char *append;
    char kernel_default[PATH_MAX];
    char running[4096];    /* the running kernel's command line, to derive from */
    char append_all[1200]; /* cmdline-append from the config, then --append */
    unsigned cfg_cpus;     /* the config's cpus: 0 for auto */
    int cpus;              /* what the crash kernel gets */
    char cmdline_built[4096];
    off_t kernel_size, initramfs_size;
    int built; /* the initramfs was built here: stats holds its sizes */
    struct initramfs_stats stats;
    const struct capture_setup *setup; /* what was built from, when built here */
    struct crashkernel_cma cma;        /* the reservation's CMA part, if any */
    unsigned dump_level;
};

static void usage(FILE *out)
{
    fprintf(out, "usage: lifeboat load [-k KERNEL] [-i INITRAMFS] [-c CONFIG] [--cmdline CMDLINE]\n"
                 "                     [--append ARGS]\n"
                 "Loads the crash kernel into the crashkernel= reservation.\n"
                 "  -k, --kernel FILE     kernel image (default /boot/vmlinuz-$(uname -r), else\n"
                 "                        /usr/lib/modules/$(uname -r)/vmlinuz)\n"
                 "  -i, --initramfs FILE  capture initramfs (default: built now from CONFIG)\n"
                 "  -c, --config FILE     configuration (default " LIFEBOAT_CONF ")\n"
                 "      --cmdline TEXT    the crash kernel's whole command line\n"
                 "      --append TEXT     added to the derived command line\n");
}

static int read_text(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return -1;
    n = read(fd, buf, len - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return 0;
}

static void check_reservation(struct crash_reservation *res, struct crashkernel_cma *cma)
{
    if (crash_reservation_read(res) < 0)
        errx(1, "this kernel has no crash kernel support (/sys/kernel/kexec_crash_size is "
                "missing): it needs CONFIG_CRASH_DUMP and CONFIG_KEXEC_FILE");
    crashkernel_cma_read("", cma);
    if (res->size == 0 && cma->reserved)
        errx(1,
             "only crashkernel=,cma is reserved (%llu MiB): the crash kernel and its initramfs "
             "need a plain reservation beside it: add crashkernel=SIZE ('lifeboat estimate "
             "--cma' says how much) and reboot",
             (unsigned long long)(cma->reserved >> 20));
    if (res->size == 0)
        errx(1, "no memory is reserved for a crash kernel: add crashkernel=256M to the kernel "
                "command line and reboot ('lifeboat status' shows the reservation)");
}

/* The initramfs goes in an anonymous memory file: nothing is left on disk. */
static int build_initramfs(struct load_request *req)
{
    struct initramfs_stats st;
    static struct capture_setup setup;
    struct lb_error failed;
    int fd;

    if (capture_setup_load(req->conf, &setup, &failed) < 0)
        errx(1, "%s", failed.msg);
    fd = memfd_create("lifeboat-initramfs", MFD_CLOEXEC);
    if (fd < 0)
        err(1, "memfd_create");
    if (initramfs_write(fd, NULL, &setup, ZSINK_GZIP, &st, &failed) < 0)
        errx(1, "%s", failed.msg);
    req->initramfs_size = (off_t)st.compressed;
    req->stats = st;
    req->built = 1;
    req->setup = &setup;
    return fd;
}

static int open_input(const char *path, off_t *size)
{
    struct lb_error err;
    int fd = kernel_image_open(path, size, &err);

    if (fd < 0)
        errx(1, "%s", err.msg);
    return fd;
}

static const char *lockdown_state(void)
{
    static char buf[128];

    if (read_text("/sys/kernel/security/lockdown", buf, sizeof(buf)) < 0)
        return NULL;
    if (strstr(buf, "[integrity]"))
        return "integrity";
    if (strstr(buf, "[confidentiality]"))
        return "confidentiality";
    return NULL;
}

static void explain_failure(int e, const struct load_request *req,
                            const struct crash_reservation *res)
{
    const char *lockdown = lockdown_state();
    char disabled[8] = "0";

    switch (e) {
    case ENOSYS:
        errx(1, "this kernel has no kexec_file_load(2): it needs CONFIG_KEXEC_FILE (Debian's "
                "arm64 kernels, 6.1 and 6.12, are built without it)");
    case EPERM:
        if (geteuid() != 0)
            errx(1, "loading a crash kernel needs root (CAP_SYS_BOOT)");
        read_text("/proc/sys/kernel/kexec_load_disabled", disabled, sizeof(disabled));
        if (disabled[0] == '1')
            errx(1, "kexec is disabled until reboot (kernel.kexec_load_disabled=1): remove the "
                    "setting and reboot");
        if (lockdown)
            errx(1,
                 "kernel lockdown (%s) refused %s: use a kernel signed with a key the "
                 "kernel trusts",
                 lockdown, req->kernel);
        errx(1,
             "the kernel refused to load %s (permission denied): is a security module "
             "blocking kexec?",
             req->kernel);
    case EKEYREJECTED:
    case ENOKEY:
    case EBADMSG:
    case EKEYEXPIRED:
    case EKEYREVOKED:
        errx(1,
             "the kernel rejected the signature of %s (%s): use a kernel signed with a "
             "trusted key, or one the running kernel's keyring accepts",
             req->kernel, strerror(e));
    case ENOEXEC:
        errx(1,
             "%s is not a kernel image this kernel can boot (an x86 bzImage or an arm64 "
             "Image expected)",
             req->kernel);
    case ENOMEM:
    case EADDRNOTAVAIL:
    case E2BIG:
        if (req->cma.reserved)
            errx(1,
                 "the crash kernel does not fit in the plain part of the reservation: %llu MiB "
                 "for a %lld KiB kernel image (it unpacks to several times its size) and a %lld "
                 "KiB initramfs; the %llu MiB from CMA cannot hold them: raise crashkernel=SIZE, "
                 "the one without ,cma ('lifeboat estimate --cma')",
                 (unsigned long long)(res->size >> 20), (long long)(req->kernel_size >> 10),
                 (long long)(req->initramfs_size >> 10),
                 (unsigned long long)(req->cma.reserved >> 20));
        errx(1,
             "the crash kernel does not fit in the reservation: %llu MiB reserved for a "
             "%lld KiB kernel image and a %lld KiB initramfs (the kernel unpacks to several "
             "times its size): raise crashkernel= on the kernel command line",
             (unsigned long long)(res->size >> 20), (long long)(req->kernel_size >> 10),
             (long long)(req->initramfs_size >> 10));
    case EBUSY:
        errx(1, "a kexec operation is already in progress; try again");
    default:
        errx(1, "kexec_file_load(%s): %s", req->kernel, strerror(e));
    }
}

/*
 * A reservation smaller than the capture needs still loads: the kernel
 * checks only that the images fit, not that the crash kernel can boot and
 * run in what is left.  That is said now, not found out at the panic.
 */
static void warn_if_short(const struct load_request *req, const struct crash_reservation *res)
{
    struct estimate e;
    struct lb_error err;

    if (!req->built || estimate_kernel(req->kernel, &e, &err) < 0)
        return;
    e.cpus = req->cpus;
    estimate_add_up(&e, &req->stats); /* the initramfs just loaded, not a second build */
    if (estimate_check(&e, res->size, req->cma.reserved, &err) < 0)
        fprintf(stderr,
                "lifeboat: warning: %llu MiB reserved%s, but %s: a crash now would likely not be "
                "captured\n",
                (unsigned long long)((res->size + req->cma.reserved) >> 20),
                req->cma.reserved ? " with the CMA part" : "", err.msg);
}

static void parse_args(int argc, char **argv, struct load_request *req)
{
    static const struct option longopts[] = {{"kernel", required_argument, NULL, 'k'},
                                             {"initramfs", required_argument, NULL, 'i'},
                                             {"config", required_argument, NULL, 'c'},
                                             {"cmdline", required_argument, NULL, 'C'},
                                             {"append", required_argument, NULL, 'a'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    int opt;

    while ((opt = getopt_long(argc, argv, "k:i:c:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'k':
            req->kernel = optarg;
            break;
        case 'i':
            req->initramfs = optarg;
            break;
        case 'c':
            req->conf = optarg;
            break;
        case 'C':
            req->cmdline = optarg;
            break;
        case 'a':
            req->append = optarg;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            exit(2);
        }
    }
    if (optind != argc) {
        usage(stderr);
        exit(2);
    }
}

static void default_inputs(struct load_request *req)
{
    struct config cfg;
    struct lb_error failed;

    if (!req->kernel) {
        if (kernel_image_running(req->kernel_default, sizeof(req->kernel_default), &failed) < 0)
            errx(1, "%s: give the crash kernel's image with -k", failed.msg);
        req->kernel = req->kernel_default;
    }
    if (config_load(req->conf, &cfg, &failed) < 0)
        errx(1, "%s", failed.msg);
    req->cfg_cpus = cfg.cpus;
    req->dump_level = cfg.dump_level;
    if (req->cmdline)
        return;
    if (read_text("/proc/cmdline", req->running, sizeof(req->running)) < 0)
        err(1, "/proc/cmdline");
    /* cmdline-append from the config goes after the derived line, then --append: whole, for
     * a word cut short would be another parameter */
    if (format_whole(req->append_all, sizeof(req->append_all), "%s%s%s", cfg.cmdline_append,
                     cfg.cmdline_append[0] && req->append ? " " : "",
                     req->append ? req->append : "") < 0)
        errx(1, "cmdline-append and --append are longer than %zu bytes together",
             sizeof(req->append_all) - 1);
}

/* How many CPUs the crash kernel gets: the config's number, or what the reservation feeds. */
static int choose_cpus(const struct load_request *req, const struct crash_reservation *res)
{
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    int wanted = online < 1 ? 1 : online > CONFIG_MAX_CPUS ? CONFIG_MAX_CPUS : (int)online;
    struct estimate e;
    struct lb_error err;

    if (req->cfg_cpus)
        return (int)req->cfg_cpus;
    if (!req->built || estimate_kernel(req->kernel, &e, &err) < 0)
        return 1;
    estimate_add_up(&e, &req->stats);
    return estimate_fit_cpus(&e, res->size + req->cma.reserved, wanted);
}

static void derive_cmdline(struct load_request *req)
{
    char cpu_words[64];

    host_cpu_words(req->cpus, cpu_words, sizeof(cpu_words));
    if (capture_cmdline(req->running, cpu_words, req->append_all, req->cmdline_built,
                        sizeof(req->cmdline_built)) < 0)
        errx(1, "the crash kernel's command line would be longer than %zu bytes",
             sizeof(req->cmdline_built) - 1);
    req->cmdline = req->cmdline_built;
}

/*
 * A raw target typed as a /dev path is written by the identity load found
 * for it; the next boot's savecore must look for that same disk, whatever
 * the path names then: the identities are kept (savecore.c, invariant 2).
 */
static void record_raw_identities(const struct load_request *req)
{
    static struct config typed;
    struct lb_error failed;

    if (!req->setup) { /* an initramfs of the admin's (-i): what it names is not known here */
        if (unlink(LIFEBOAT_RAW_IDENTITIES) < 0 && errno != ENOENT)
            warn("warning: cannot remove %s", LIFEBOAT_RAW_IDENTITIES);
        return;
    }
    if (config_load(req->conf, &typed, &failed) < 0) {
        warnx("warning: %s: the raw targets' identities are not recorded", failed.msg);
        return;
    }
    struct lb_error err;
    if (rawdev_record_identities(LIFEBOAT_RAW_IDENTITIES, &typed, &req->setup->cfg, &err) < 0)
        warnx("warning: %s: savecore will look for raw targets by the names the config gives",
              err.msg);
}

/*
 * What the crash kernel was given, for 'lifeboat test --rehearse' to rehearse
 * with: its configuration as resolved here (the targets by identity, the
 * volumes' tables, the pinned keys; secrets by their paths on this system,
 * never their bytes), the kernel and its CPUs.
 */
static void record_loaded(const struct load_request *req)
{
    static char text[CONFIG_TEXT_MAX];
    FILE *f = NULL;

    if (!req->setup || config_format(&req->setup->cfg, text, sizeof(text)) < 0) {
        unlink(LIFEBOAT_LOADED_CONF); /* an initramfs of the admin's: nothing to rehearse with */
        return;
    }
    unlink(LIFEBOAT_LOADED_CONF ".tmp");
    int fd = open(LIFEBOAT_LOADED_CONF ".tmp", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  0600);
    if (fd >= 0 && !(f = fdopen(fd, "w")))
        close(fd);
    if (f) {
        fprintf(f, "# what 'lifeboat load' gave the crash kernel: kernel %s, %d CPU%s\n",
                req->kernel, req->cpus, req->cpus == 1 ? "" : "s");
        fputs(text, f);
        /* whole on disk before it is the one: a crash right after must not find it empty */
        int ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
        if (fclose(f) == 0 && ok)
            rename(LIFEBOAT_LOADED_CONF ".tmp", LIFEBOAT_LOADED_CONF);
        else
            unlink(LIFEBOAT_LOADED_CONF ".tmp");
    }
    if ((f = fopen(LIFEBOAT_LOADED_FACTS, "we"))) {
        fprintf(f, "kernel %s\ncpus %d\n", req->kernel, req->cpus);
        fclose(f);
    }
}

/* How big a crash dump would be now, at what load gave the capture, kept for 'status'. */
static void predict_dump_size(const struct config *cfg)
{
    struct dump_size d;
    struct lb_error err;
    char said[512];

    if (dump_size_predict(cfg, &d, &err) < 0) {
        fprintf(stderr, "lifeboat: the dump's size not predicted: %s\n", err.msg);
        return;
    }
    dump_size_describe(&d, said, sizeof(said));
    printf("lifeboat: a crash dump now would be %s\n", said);
    dump_size_record(&d, "load");
}

/* predict_dump_size in a grandchild of its own session, which load does not wait for. */
static void predict_dump_size_detached(const struct load_request *req)
{
    pid_t pid;

    if (!req->setup)
        return;   /* an initramfs of the admin's: its level is not known here */
    fflush(NULL); /* (nothing buffered is written twice) */
    pid = fork();
    if (pid < 0) {
        warn("the dump's size not predicted: fork");
        return;
    }
    if (pid == 0) {
        setsid();
        if (fork() == 0) {
            /* silent: what it finds goes to the prediction file, for status; a line of its
             * own, written whenever it ends, would cut into whatever the terminal or the
             * console shows then */
            int null = open("/dev/null", O_RDWR | O_CLOEXEC);
            if (null >= 0) {
                dup2(null, STDIN_FILENO);
                dup2(null, STDOUT_FILENO);
                dup2(null, STDERR_FILENO);
            }
            predict_dump_size(&req->setup->cfg);
            fflush(NULL);
        }
        _exit(0);
    }
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    printf("lifeboat: the size of a crash dump now is being predicted, in the background "
           "('lifeboat status' shows it)\n");
}

int cmd_load(int argc, char **argv)
{
    struct load_request req = {.conf = LIFEBOAT_CONF};
    struct crash_reservation res;
    int kernel_fd, initramfs_fd, r;

    parse_args(argc, argv, &req);
    if (geteuid() != 0)
        errx(1, "loading a crash kernel needs root");
    check_reservation(&res, &req.cma);
    default_inputs(&req);
    kernel_fd = open_input(req.kernel, &req.kernel_size);
    initramfs_fd =
        req.initramfs ? open_input(req.initramfs, &req.initramfs_size) : build_initramfs(&req);
    req.cpus = choose_cpus(&req, &res);
    if (!req.cmdline)
        derive_cmdline(&req);
    r = kexec_crash_load(kernel_fd, initramfs_fd, req.cmdline);
    if (r == -ENOSYS) { /* no kexec_file_load: the architecture's other way, if it has one */
        struct lb_error err;
        int f = host_crash_load_fallback(kernel_fd, initramfs_fd, req.cmdline, &err);
        if (f == -1)
            errx(1, "loading with kexec_load(2), this kernel having no kexec_file_load: %s",
                 err.msg);
        if (f == 0) {
            r = 0;
            printf("lifeboat: loaded with kexec_load(2): this kernel has no kexec_file_load\n");
        }
    }
    if (r < 0)
        explain_failure(-r, &req, &res);
    close(kernel_fd);
    close(initramfs_fd);
    printf("lifeboat: crash kernel loaded: %s, initramfs %lld KiB, %llu MiB reserved", req.kernel,
           (long long)(req.initramfs_size >> 10), (unsigned long long)(res.size >> 20));
    if (req.cma.reserved)
        printf(" + %llu MiB from CMA (crashkernel=,cma)",
               (unsigned long long)(req.cma.reserved >> 20));
    printf("\n");
    if (req.cma.reserved && !(req.dump_level & 8))
        fprintf(stderr,
                "lifeboat: warning: dump-level %u keeps user pages, but the kernel leaves the CMA "
                "range (%llu MiB) out of the dump, with the pages in it\n",
                req.dump_level, (unsigned long long)(req.cma.reserved >> 20));
    printf("lifeboat: crash kernel command line: %s\n", req.cmdline);
    if (req.cmdline == req.cmdline_built) {
        int fewest = host_crash_cpus_fewest(req.cpus, sysconf(_SC_NPROCESSORS_ONLN));
        printf("lifeboat: the capture gets %d CPU%s (%s)", req.cpus, req.cpus == 1 ? "" : "s",
               req.cfg_cpus ? "cpus in the config"
                            : "as many as the reservation feeds, of this "
                              "machine's");
        if (fewest < req.cpus)
            printf("; %d if the panic is on a CPU other than the boot CPU, which the crash "
                   "kernel cannot restart",
                   fewest);
        printf("\n");
    }
    warn_if_short(&req, &res);
    notice_arm(); /* makes the state directory the record goes in */
    record_raw_identities(&req);
    record_loaded(&req);
    predict_dump_size_detached(&req);
    return 0;
}

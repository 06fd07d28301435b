/*
 * cmd_capture.c - the capture: what lifeboat does as PID 1 of the crash kernel.
 *
 * As init it sets up the little it needs (proc, sysfs, devtmpfs, a console),
 * runs the capture policy on /proc/vmcore, and carries out the final action.
 * It must never exit: the death of PID 1 is a panic, and a panic in the crash
 * kernel is a machine that does not come back.  Run by hand (not as PID 1),
 * "lifeboat capture" runs the same policy on any dump file, which is how the
 * policy is tested without a crash.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture/capture.h"
#include "cmd/commands.h"
#include "platform/modules.h"
#include "platform/supervise.h"
#include "platform/watchdog.h"
#include "render/progress.h"

static void mount_api_filesystems(void)
{
    static const struct {
        const char *type, *where;
    } fs[] = {{"proc", "/proc"}, {"sysfs", "/sys"}, {"devtmpfs", "/dev"}};

    for (size_t i = 0; i < sizeof(fs) / sizeof(fs[0]); i++) {
        mkdir(fs[i].where, 0755);
        if (mount(fs[i].type, fs[i].where, fs[i].type, MS_NOSUID, NULL) < 0 && errno != EBUSY)
            fprintf(stderr, "lifeboat: cannot mount %s on %s: %s\n", fs[i].type, fs[i].where,
                    strerror(errno));
    }
}

/* The kernel gives init the console as fds 0-2 if /dev/console exists; make sure. */
static void ensure_console(void)
{
    if (fcntl(2, F_GETFD) >= 0)
        return;
    int fd = open("/dev/console", O_RDWR | O_NOCTTY);
    if (fd < 0)
        return;
    for (int i = 0; i < 3; i++)
        if (fd != i)
            dup2(fd, i);
    if (fd > 2)
        close(fd);
}

static int reboot_step(void *ctx)
{
    reboot(*(const int *)ctx);
    return 1; /* only if it failed */
}

/*
 * Emergency restart or power-off: no device is shut down, so a disk that
 * never finishes its writes cannot hold the machine (sysrq 'b' and 'o').
 */
static void emergency(enum final_action action)
{
    int fd = open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);

    if (fd >= 0 && write(fd, action == FINAL_POWEROFF ? "o" : "b", 1) < 0)
        fprintf(stderr, "lifeboat: sysrq: %s\n", strerror(errno));
    if (fd >= 0)
        close(fd);
}

/*
 * The final action never hangs: the orderly reboot shuts devices down, and a
 * device still busy with writes (a dying or crawling disk) can make that wait
 * for ever; so it runs in a child, and past its deadline the machine is
 * restarted without shutting devices down.  A halt has no such fallback.
 */
__attribute__((noreturn)) static void final_action(enum final_action action, unsigned seconds)
{
    static const int how[] = {RB_AUTOBOOT, RB_POWER_OFF, RB_HALT_SYSTEM};
    int signo;

    fprintf(stderr, "lifeboat: %s\n", final_action_name(action));
    supervise_sync(seconds);
    supervise_run(final_action_name(action), reboot_step, (void *)&how[action], seconds, &signo);
    if (action != FINAL_HALT) {
        fprintf(stderr, "lifeboat: %s did not happen: %s without shutting devices down\n",
                final_action_name(action), final_action_name(action));
        emergency(action);
        sleep(5);
    }
    reboot(how[action]);
    fprintf(stderr, "lifeboat: %s failed: %s; halting here\n", final_action_name(action),
            strerror(errno));
    for (;;)
        pause();
}

/* Longer than any one step's own deadline: those end first and say why. */
enum { CAPTURE_IDLE_MARGIN = 60 };

static int load_modules(void *ctx)
{
    (void)ctx;
    modules_load("/lib/modules", "/etc/lifeboat.modules");
    return 0;
}

static int run_capture(void *ctx)
{
    return (int)capture_run(ctx, "/proc/vmcore", "/mnt");
}

void capture_as_init(void)
{
    struct config cfg;
    struct lb_error failed;
    double t0 = monotonic_seconds();
    enum capture_outcome outcome;
    int r, signo;

    ensure_console();
    mount_api_filesystems();
    ensure_console();
    setvbuf(stderr, NULL, _IOLBF, 0);
    fprintf(stderr, "lifeboat: capture starting\n");
    if (config_load_lenient(CAPTURE_CONF, &cfg, &failed) < 0)
        /* A damaged config must not cost the dump: every line that reads still counts. */
        fprintf(stderr, "lifeboat: %s; going on with the rest of the configuration\n", failed.msg);
    /* A driver whose init waits on a device that never answers must not hold PID 1 either. */
    if (supervise_run("loading drivers", load_modules, NULL, cfg.step_timeout, &signo) != 0)
        fprintf(stderr, "lifeboat: loading drivers did not finish: going on without them\n");
    supervise_watchdog(watchdog_open_running());
    /* PID 1 only supervises: the capture, and each of its steps, runs in a child. */
    r = supervise_run("the capture", run_capture, &cfg,
                      cfg.device_timeout + cfg.step_timeout + CAPTURE_IDLE_MARGIN, &signo);
    outcome =
        r >= CAPTURE_COMPLETE && r <= CAPTURE_FAILED ? (enum capture_outcome)r : CAPTURE_FAILED;
    fprintf(stderr, "lifeboat: capture %s after %.1f s\n",
            outcome == CAPTURE_COMPLETE     ? "complete"
            : outcome == CAPTURE_INCOMPLETE ? "incomplete"
                                            : "FAILED",
            monotonic_seconds() - t0);
    final_action(cfg.final_action, cfg.step_timeout);
}

static void usage(FILE *out)
{
    fprintf(out, "usage: lifeboat capture [-c CONFIG] [--vmcore FILE] [--mount-base DIR]\n"
                 "Saves a dump to the targets of CONFIG (default " LIFEBOAT_CONF "), as the\n"
                 "crash kernel does, without the final action.\n");
}

int cmd_capture(int argc, char **argv)
{
    static const struct option longopts[] = {{"config", required_argument, NULL, 'c'},
                                             {"vmcore", required_argument, NULL, 'v'},
                                             {"mount-base", required_argument, NULL, 'm'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *conf = LIFEBOAT_CONF, *vmcore = "/proc/vmcore", *mount_base = "/run/lifeboat";
    struct config cfg;
    struct lb_error failed;
    int opt;

    while ((opt = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            conf = optarg;
            break;
        case 'v':
            vmcore = optarg;
            break;
        case 'm':
            mount_base = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    if (config_load(conf, &cfg, &failed) < 0)
        errx(2, "%s", failed.msg);
    return (int)capture_run(&cfg, vmcore, mount_base);
}

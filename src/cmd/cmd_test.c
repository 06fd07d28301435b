/*
 * cmd_test.c - 'lifeboat test': prove that a crash would be captured.
 *
 *     lifeboat test [--yes]                      crash this machine on purpose
 *     lifeboat test --rehearse [-c CONFIG] [--all]   the capture, without a crash
 *
 * The crash refuses unless a crash kernel is loaded (a panic then would just
 * hang or reboot the machine with nothing saved), and asks the user to type
 * the host's name, as a deliberate act, unless --yes is given.
 *
 * The rehearsal (capture/rehearse.c) runs the capture's steps on the running
 * system with the configuration load gave the crash kernel (recorded in
 * /var/lib/lifeboat/loaded.conf; without a loaded crash kernel, the
 * configuration as load would make it now), writes a live dump where a crash
 * would, removes it, and says where a crash now would go, how long it would
 * take and how big it would be.  Its one-line result is kept for 'status'.
 * Before it writes anything, it predicts the size of a crash dump now from
 * struct pages (admin/dump_size.c, as 'estimate' does) and keeps that, with
 * the room the chosen target had, as the last prediction 'status' holds
 * the target's free space against.
 */
#include <err.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "admin/dump_size.h"
#include "admin/estimate.h"
#include "admin/host_arch.h"
#include "admin/initramfs.h"
#include "admin/notice.h"
#include "capture/rehearse.h"
#include "cmd/commands.h"
#include "platform/kexec.h"

enum { MIB = 1 << 20 };

static int crash_now(int yes)
{
    struct crash_reservation res;
    struct utsname u;
    char answer[128] = "";
    int fd;

    if (geteuid() != 0)
        errx(1, "crashing the machine needs root");
    if (crash_reservation_read(&res) < 0 || res.size == 0 || !res.loaded)
        errx(1, "no crash kernel is loaded: a crash now would save nothing ('lifeboat status')");
    uname(&u);
    if (!yes) {
        printf("This panics %s now; the crash kernel will save a dump and reboot.\n"
               "Type the host name (%s) to go on: ",
               u.nodename, u.nodename);
        fflush(stdout);
        if (!fgets(answer, sizeof(answer), stdin) ||
            strncmp(answer, u.nodename, strlen(u.nodename)) != 0 ||
            (answer[strlen(u.nodename)] != '\n' && answer[strlen(u.nodename)] != '\0'))
            errx(1, "not confirmed: nothing done");
    }
    sync();
    fd = open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "c", 1) != 1)
        err(1, "/proc/sysrq-trigger");
    errx(1, "the kernel did not crash");
}

/* The kernel and CPU count load recorded ("kernel PATH", "cpus N" lines); 0 if none. */
static int loaded_facts(char *kernel, size_t len, int *cpus)
{
    FILE *f = fopen(LIFEBOAT_LOADED_FACTS, "re");
    char line[4200];

    kernel[0] = '\0';
    *cpus = 0;
    while (f && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "kernel ", 7) == 0)
            snprintf(kernel, len, "%.4000s", line + 7);
        else if (strncmp(line, "cpus ", 5) == 0)
            *cpus = atoi(line + 5);
    }
    if (f)
        fclose(f);
    return kernel[0] ? 0 : -1;
}

/*
 * The configuration to rehearse with: load's, when a crash kernel is loaded
 * with one; else this configuration file, resolved as load would.
 */
static void rehearsal_config(const char *conf, int loaded, struct capture_setup *setup)
{
    struct lb_error err;

    if (loaded && access(LIFEBOAT_LOADED_CONF, R_OK) == 0) {
        if (config_load(LIFEBOAT_LOADED_CONF, &setup->cfg, &err) < 0)
            errx(1, "%s", err.msg);
        fprintf(stderr, "lifeboat: rehearsing with what load gave the crash kernel (%s)\n",
                LIFEBOAT_LOADED_CONF);
    } else {
        if (capture_setup_load(conf, setup, &err) < 0)
            errx(1, "%s", err.msg);
        fprintf(stderr,
                "lifeboat: no crash kernel loaded by 'lifeboat load': rehearsing %s as "
                "load would make it\n",
                conf);
    }
    setup->cfg.https_ca[0] = '\0'; /* the crash kernel trusts the key load pinned, not a CA */
}

/* "the crash kernel gets C CPUs in R MiB (estimate E MiB)", or what is not known of it. */
static void say_crash_kernel(const struct capture_setup *setup, const struct crash_reservation *res,
                             char *out, size_t len)
{
    char kernel[4096];
    struct lb_error err;
    struct estimate e;
    int cpus;

    if (!res->loaded || loaded_facts(kernel, sizeof(kernel), &cpus) < 0) {
        snprintf(out, len, "no crash kernel is loaded: a crash now would save nothing");
        return;
    }
    if (estimate_capture(kernel, setup, &e, &err) < 0) {
        snprintf(out, len, "the crash kernel gets %d CPU%s in %llu MiB", cpus, cpus == 1 ? "" : "s",
                 (unsigned long long)(res->size / MIB));
        return;
    }
    estimate_fit_cpus(&e, UINT64_MAX, cpus > 0 ? cpus : 1);
    int fewest = host_crash_cpus_fewest(cpus, sysconf(_SC_NPROCESSORS_ONLN));
    char fewer[96] = "";
    if (fewest < cpus)
        snprintf(fewer, sizeof(fewer),
                 "; %d CPU%s if the panic is on a CPU other than the boot CPU", fewest,
                 fewest == 1 ? "" : "s");
    snprintf(out, len, "the crash kernel gets %d CPU%s in %llu MiB (estimate %llu MiB%s)", cpus,
             cpus == 1 ? "" : "s", (unsigned long long)(res->size / MIB),
             (unsigned long long)(e.crashkernel / MIB), fewer);
}

static void keep_result(const char *line)
{
    FILE *f = fopen(LIFEBOAT_REHEARSAL ".tmp", "we");
    char when[40];
    time_t now = time(NULL);
    struct tm tm;

    if (!f)
        return;
    gmtime_r(&now, &tm);
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
    fprintf(f, "%s: %s\n", when, line);
    if (fclose(f) == 0)
        rename(LIFEBOAT_REHEARSAL ".tmp", LIFEBOAT_REHEARSAL);
}

/* "; a crash dump now: about M MiB (...)", or why it was not predicted; recorded for 'status'. */
static void predict_size(const struct config *cfg, struct dump_size *d, int *have, char *out,
                         size_t len)
{
    struct lb_error err;
    char said[512];

    *have = dump_size_predict(cfg, d, &err) == 0;
    if (!*have) {
        fprintf(stderr, "lifeboat: rehearsal: the dump's size not predicted: %s\n", err.msg);
        snprintf(out, len, "; the dump's size not predicted (%.400s)", err.msg);
        return;
    }
    dump_size_describe(d, said, sizeof(said));
    snprintf(out, len, "; from struct pages a crash dump now: %s", said);
}

static int rehearse_now(const char *conf, int all)
{
    static struct capture_setup setup;
    static struct rehearsal r;
    struct crash_reservation res = {0};
    struct dump_size size;
    char base[64], line[3072], kernel_line[600], size_line[700];
    int ok, have_size;

    if (geteuid() != 0)
        errx(1, "a rehearsal needs root: it reads /proc/kcore and mounts the targets");
    crash_reservation_read(&res);
    mkdir(LIFEBOAT_STATE, 0755); /* for the result; load makes it too */
    rehearsal_config(conf, res.loaded, &setup);
    /* before the rehearsal's own writing stirs the page cache */
    predict_size(&setup.cfg, &size, &have_size, size_line, sizeof(size_line));
    /* mount points of its own, in a private mount namespace: /run where there is one */
    snprintf(base, sizeof(base), "%s/lifeboat-rehearsal.XXXXXX",
             access("/run", W_OK) == 0 ? "/run" : "/tmp");
    if (!mkdtemp(base))
        err(1, "%s", base);
    ok = rehearse(&setup.cfg, base, all, &r) == 0;
    for (size_t i = 0; i < CONFIG_MAX_TARGETS; i++) { /* the mount points, unmounted by now */
        char point[96];
        snprintf(point, sizeof(point), "%s/target%zu", base, i);
        rmdir(point);
    }
    rmdir(base);
    say_crash_kernel(&setup, &res, kernel_line, sizeof(kernel_line));
    if (ok) {
        const struct rehearsal_target *t = &r.targets[r.chosen];
        char room[64] = "unknown";
        if (t->free_bytes)
            snprintf(room, sizeof(room), "%llu MiB", (unsigned long long)(t->free_bytes / MIB));
        char before[64] = "";
        if (r.chosen > 0)
            snprintf(before, sizeof(before), " (after %d target%s that would fail)", r.chosen,
                     r.chosen == 1 ? "" : "s");
        snprintf(line, sizeof(line),
                 "passed: a crash now would be saved to %s%s in about %.0f s, %llu MiB (free "
                 "there: %s); %s%s",
                 t->shown, before, t->seconds < 1 ? 1.0 : t->seconds,
                 (unsigned long long)((t->dump_bytes + MIB - 1) / MIB), room, kernel_line,
                 size_line);
        size.free_bytes = t->free_bytes;
        size.free_target = (unsigned)r.chosen + 1;
        snprintf(size.free_at, sizeof(size.free_at), "%s", t->shown);
        if (t->free_bytes && t->dump_bytes > t->free_bytes) /* not reached: it was written */
            ok = 0;
    } else {
        snprintf(line, sizeof(line), "failed: a crash now would not be saved whole: %s; %s%s",
                 r.why, kernel_line, size_line);
    }
    if (!res.loaded) {
        ok = 0;
        if (strncmp(line, "passed", 6) == 0)
            memcpy(line, "failed", 6); /* the targets work, but nothing would run them */
    }
    printf("lifeboat: rehearsal %s\n", line);
    keep_result(line);
    if (have_size)
        dump_size_record(&size, "rehearsal");
    return ok ? 0 : 1;
}

int cmd_test(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"yes", no_argument, NULL, 'y'},  {"rehearse", no_argument, NULL, 'r'},
        {"all", no_argument, NULL, 'a'},  {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *conf = LIFEBOAT_CONF;
    int opt, yes = 0, rehearsal = 0, all = 0, conf_given = 0;

    while ((opt = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        if (opt == 'y')
            yes = 1;
        else if (opt == 'r')
            rehearsal = 1;
        else if (opt == 'a')
            all = 1;
        else if (opt == 'c')
            conf = optarg, conf_given = 1;
        else {
            fprintf(opt == 'h' ? stdout : stderr,
                    "usage: lifeboat test [--yes]\n"
                    "       lifeboat test --rehearse [-c CONFIG] [--all]\n"
                    "Panics this machine now, to prove a crash is captured; or, with --rehearse,\n"
                    "runs the capture's steps on this system without a crash, and says where a\n"
                    "crash now would be saved, in how long and how big.\n");
            return opt == 'h' ? 0 : 2;
        }
    }
    if (optind != argc || (!rehearsal && (all || conf_given)))
        errx(2, "usage: lifeboat test [--yes] | --rehearse [-c CONFIG] [--all]");
    return rehearsal ? rehearse_now(conf, all) : crash_now(yes);
}

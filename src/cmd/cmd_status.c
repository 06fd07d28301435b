/*
 * cmd_status.c - would a crash right now be captured?
 *
 * Exit status 0 means yes, 1 no, so monitoring can run it as it is.  Yes
 * takes all of: memory reserved, a crash kernel loaded, the reservation at
 * least what the capture needs (estimate.c), and the configured targets
 * passing the checks load makes (made again now: a disk may have gone).
 * The last crash's notice, when there is one, comes first.  A reservation
 * in two parts (crashkernel=SIZE crashkernel=SIZE,cma: crashkernel.c) is
 * shown as both, and held against the estimate's split: the plain part must
 * hold the kernel and initramfs, both together the capture.
 *
 * Will the dump fit: the last prediction of a crash dump's size (made by
 * load, a rehearsal or estimate: admin/dump_size.c; status never scans
 * memory itself) is shown with where and when it was made, and held
 * against each target's free space: measured now where the target is a
 * directory of this system, else as the last rehearsal found it there.  A
 * target with less room is warned of; the capture would still save what
 * fits, most needed first, so it is not a "no".
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#include "admin/crashkernel.h"
#include "admin/dump_size.h"
#include "admin/estimate.h"
#include "admin/notice.h"
#include "cmd/commands.h"
#include "platform/kexec.h"
#include "render/printable.h"
#include "targets/target.h"

static int reservation(struct crash_reservation *res, const struct crashkernel_cma *cma)
{
    if (crash_reservation_read(res) < 0) {
        printf("reservation: unsupported (no /sys/kernel/kexec_crash_size: the kernel lacks "
               "CONFIG_CRASH_DUMP)\n");
        return -1;
    }
    if (res->size == 0 && cma->reserved) {
        printf("reservation: %llu MiB from CMA and no plain part: the crash kernel and its "
               "initramfs cannot be placed in CMA (add crashkernel=SIZE beside "
               "crashkernel=SIZE,cma; 'lifeboat estimate --cma' says how much)\n",
               (unsigned long long)(cma->reserved >> 20));
        return -1;
    }
    if (res->size == 0) {
        printf("reservation: none (add crashkernel= to the kernel command line and reboot; "
               "'lifeboat estimate' says how much)\n");
        return -1;
    }
    printf("reservation: %llu MiB", (unsigned long long)(res->size >> 20));
    if (res->end > res->start)
        printf(" at 0x%llx-0x%llx", (unsigned long long)res->start, (unsigned long long)res->end);
    if (cma->reserved)
        printf(" (plain: the crash kernel and its initramfs) + %llu MiB from CMA (the running "
               "system's until a crash%s)",
               (unsigned long long)(cma->reserved >> 20),
               cma->said ? "" : "; as asked on the command line: the kernel does not say");
    printf("\n");
    if (cma->requested && !cma->reserved)
        printf("reservation: crashkernel=%lluM,cma was asked, but the kernel reserved no CMA for "
               "it: this kernel does not take ,cma, or had no room\n",
               (unsigned long long)(cma->requested >> 20));
    return 0;
}

/* The last 'lifeboat test --rehearse' (its one line, kept by cmd_test.c), or that none ran. */
static void print_last_rehearsal(void)
{
    char line[2200], safe[PRINTABLE_SIZE(2200)];
    FILE *f = fopen(LIFEBOAT_REHEARSAL, "re");

    if (f && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        printf("last rehearsal: %s\n", printable(line, safe, sizeof(safe)));
    } else {
        printf("last rehearsal: none ('lifeboat test --rehearse' proves the capture without a "
               "crash)\n");
    }
    if (f)
        fclose(f);
}

/* The directory on this system a target writes to (its kind says), or NULL when only the
 * capture reaches it (not mounted here, a raw device, a server). */
static const char *directory_here(const struct target *t, char *dir, size_t len)
{
    struct lb_error err;

    if (!t->kind->ops->directory_here || t->kind->ops->directory_here(t, dir, len, &err))
        return NULL;
    return dir;
}

/* t as UTC, or "?" for a time the file's number cannot be (its year past int). */
static void utc_time(time_t t, char *buf, size_t len)
{
    struct tm tm;

    if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm))
        snprintf(buf, len, "?");
}

/* One target's room against the predicted size: a warning line when it is short. */
static void hold_against(const struct target *t, size_t i, const struct dump_size *d)
{
    char when[40];
    char here[PATH_MAX];
    const char *dir = directory_here(t, here, sizeof(here));
    struct statvfs st;
    char shown[800], from[400];
    uint64_t free_bytes = 0;

    config_target_describe(t, shown, sizeof(shown));
    if (dir && statvfs(dir, &st) == 0) {
        free_bytes = (uint64_t)st.f_bavail * st.f_frsize;
        snprintf(from, sizeof(from), "free now");
    } else if (d->free_bytes && d->free_target == i + 1 && strcmp(d->free_at, shown) == 0) {
        /* (the same target by number and by name: one reordered since is not this one) */
        free_bytes = d->free_bytes;
        utc_time(d->free_when, when, sizeof(when));
        snprintf(from, sizeof(from), "free when the rehearsal of %s ran", when);
    } else {
        printf("dump size: target %zu, %s: its free space is not known here (the capture mounts "
               "it; 'lifeboat test --rehearse' measures it)\n",
               i + 1, shown);
        return;
    }
    if (free_bytes < d->bytes)
        printf("dump size: warning: target %zu, %s: %llu MiB %s, below the %llu MiB predicted: a "
               "crash dump would be cut short there (what is most needed is saved first)\n",
               i + 1, shown, (unsigned long long)(free_bytes >> 20), from,
               (unsigned long long)((d->bytes + (1 << 20) - 1) >> 20));
    else
        printf("dump size: target %zu, %s: %llu MiB %s, room for it\n", i + 1, shown,
               (unsigned long long)(free_bytes >> 20), from);
}

/* The last prediction of the dump's size, by whom and when, against each target's room. */
static void print_dump_size(const struct config *cfg)
{
    struct dump_size d;
    char said[512], when[40];

    if (dump_size_last(&d) < 0) {
        printf("dump size: not predicted yet ('lifeboat load', 'lifeboat test --rehearse' and "
               "'lifeboat estimate' predict it)\n");
        return;
    }
    utc_time(d.when, when, sizeof(when));
    dump_size_describe(&d, said, sizeof(said));
    printf("dump size: %s, predicted by %s at %s\n", said, d.by[0] ? d.by : "?", when);
    for (size_t i = 0; i < cfg->ntargets; i++)
        hold_against(&cfg->targets[i], i, &d);
}

int cmd_status(int argc, char **argv)
{
    static const struct option longopts[] = {{"config", required_argument, NULL, 'c'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    static struct capture_setup setup;
    const char *conf = LIFEBOAT_CONF;
    struct crash_reservation res = {0};
    struct crashkernel_cma cma;
    struct lb_error err;
    char kernel[PATH_MAX];
    struct estimate e;
    int opt, ok = 1;

    while ((opt = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        if (opt != 'c') {
            fprintf(opt == 'h' ? stdout : stderr, "usage: lifeboat status [-c CONFIG]\n");
            return opt == 'h' ? 0 : 2;
        }
        conf = optarg;
    }
    if (optind != argc) {
        fprintf(stderr, "usage: lifeboat status [-c CONFIG]\n");
        return 2;
    }
    notice_print_last(stdout);
    crashkernel_cma_read("", &cma);
    if (reservation(&res, &cma) < 0)
        ok = 0;
    printf("crash kernel: %s\n", res.loaded ? "loaded" : "not loaded (run 'lifeboat load')");
    if (!res.loaded)
        ok = 0;
    if (capture_setup_load(conf, &setup, &err) < 0) {
        printf("target: %s\n", err.msg);
        ok = 0;
    } else {
        for (size_t i = 0; i < setup.cfg.ntargets; i++) {
            char shown[800];
            config_target_describe(&setup.cfg.targets[i], shown, sizeof(shown));
            printf("target: %s\n", shown);
        }
        if (res.size && estimate_running_kernel(kernel, sizeof(kernel), &err) == 0 &&
            estimate_capture(kernel, &setup, &e, &err) == 0) {
            if (estimate_check(&e, res.size, cma.reserved, &err) < 0) {
                printf("reservation: too small: %s\n", err.msg);
                ok = 0;
            } else if (cma.reserved) {
                printf("reservation: the capture fits: it needs %llu MiB of the %llu, and the "
                       "plain part holds the kernel and initramfs (%llu MiB of %llu)\n",
                       (unsigned long long)(e.crashkernel >> 20),
                       (unsigned long long)((res.size + cma.reserved) >> 20),
                       (unsigned long long)((e.plain_need + (1 << 20) - 1) >> 20),
                       (unsigned long long)(res.size >> 20));
            }
        }
        if (cma.reserved && !(setup.cfg.dump_level & 8))
            printf("reservation: dump-level %u keeps user pages, but the kernel leaves the CMA "
                   "range (%llu MiB) out of the dump, with the pages in it\n",
                   setup.cfg.dump_level, (unsigned long long)(cma.reserved >> 20));
    }
    if (setup.cfg.ntargets)
        print_dump_size(&setup.cfg);
    printf("crash capture: %s\n", ok ? "yes" : "no");
    print_last_rehearsal();
    return ok ? 0 : 1;
}

/*
 * capture.c - saves a crashed kernel's memory to the configured targets.
 *
 * Targets are tried in the configured order; the first that takes a whole
 * dump ends the capture.  One that fails part-way keeps what it wrote (the
 * dump is readable, and named .incomplete), and the next target is still
 * tried for a whole one, unless the error's kind says the crashed memory,
 * not the target, was at fault.  The steps of one dump are in steps.c.  Every step says on the
 * console what it does and, when it fails, why: whoever reads the console after the reboot has
 * nothing else to go on.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "capture/capture.h"
#include "dumpdir/dumpdir.h"
#include "dumpdir/steps.h"
#include "lbdump.h"
#include "platform/mount.h"
#include "platform/supervise.h"
#include "targets/network.h"
#include "targets/stack.h"
#include "targets/target.h"

void capture_read_facts(struct lb_source *src, const struct config *cfg, struct crash_facts *f)
{
    struct lb_vmcoreinfo *info = NULL;
    struct lb_error err;
    const uint8_t *notes;
    size_t len;
    uint64_t when;

    memset(f, 0, sizeof(*f));
    f->crash_time = time(NULL);
    notes = lb_source_notes(src, &len);
    if (lb_vmcoreinfo_from_notes(notes, len, &info, &err) < 0) {
        fprintf(stderr, "lifeboat: warning: %s; the dump is saved without it\n", err.msg);
    } else {
        const char *release = lb_vmcoreinfo_get(info, "OSRELEASE");
        if (release)
            snprintf(f->release, sizeof(f->release), "%s", release);
        if (lb_vmcoreinfo_get_u64(info, "CRASHTIME", 10, &when) == 0)
            f->crash_time = (time_t)when;
        lb_vmcoreinfo_free(info);
    }
    if (cfg->hostname[0]) {
        snprintf(f->hostname, sizeof(f->hostname), "%s", cfg->hostname);
    } else {
        struct utsname u;
        int usable = uname(&u) == 0 && u.nodename[0] && strcmp(u.nodename, "(none)") != 0;
        snprintf(f->hostname, sizeof(f->hostname), "%s", usable ? u.nodename : "unknown");
    }
}

/* LVM under the targets: in a child, as a mount is (a dying disk can hang an ioctl too). */
/* A /proc/meminfo field in KiB, 0 if missing. */
static unsigned long long meminfo_kib(const char *text, const char *field)
{
    const char *at = strstr(text, field);
    unsigned long long v = 0;

    if (at)
        sscanf(at + strlen(field), " %llu", &v);
    return v;
}

/*
 * What the reservation gave, said when the capture starts: the numbers that
 * size crashkernel= and cpus (estimate.c, tests/bench/cpu_cost.sh).  The
 * kernel's per-CPU memory is its percpu areas and its threads' stacks.
 */
static void say_capturing(const struct crash_facts *f)
{
    char text[4096] = "";
    int fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;

    if (fd >= 0)
        close(fd);
    text[n > 0 ? n : 0] = '\0';
    fprintf(stderr,
            "lifeboat: capturing the crash of %s (kernel %s), %ld CPUs, %llu KiB free (percpu "
            "%llu KiB, kernel stacks %llu KiB)\n",
            f->hostname, f->release[0] ? f->release : "unknown", sysconf(_SC_NPROCESSORS_ONLN),
            meminfo_kib(text, "MemFree:"), meminfo_kib(text, "Percpu:"),
            meminfo_kib(text, "KernelStack:"));
}

static int stack_step(void *ctx)
{
    const struct config *cfg = ctx;
    struct lb_error err;

    if (stack_assemble(cfg, cfg->device_timeout, &err) < 0) {
        fprintf(stderr, "lifeboat: %s\n", err.msg);
        return 1;
    }
    return 0;
}

/* The network under network targets: netlink only, but in a child all the same (PID 1 risks
 * nothing). */
static int network_step(void *ctx)
{
    return network_up(ctx) == 0 ? 0 : 1;
}

static void bring_up_network(const struct config *cfg)
{
    int needed = 0, signo;

    for (size_t i = 0; i < cfg->ntargets; i++)
        needed |= target_is_network(&cfg->targets[i]);
    if (!needed)
        return;
    if (cfg->ninterfaces == 0) {
        fprintf(stderr, "lifeboat: a network target, but no interface to reach it: was the "
                        "initramfs made by 'lifeboat load'?\n");
        return;
    }
    unsigned deadline = cfg->device_timeout + (cfg->network_timeout ? cfg->network_timeout : 30) +
                        cfg->step_timeout;
    if (supervise_run("bringing the network up", network_step, (void *)cfg, deadline, &signo) != 0)
        fprintf(stderr, "lifeboat: the network is not all up: a network target may fail\n");
}

static enum capture_outcome save_to_target(struct capture *c, size_t i, const char *mount_base)
{
    const struct target *t = &c->cfg->targets[i];
    return t->kind->ops->save(c, t, i, mount_base);
}

enum capture_outcome capture_run(const struct config *cfg, const char *vmcore_path,
                                 const char *mount_base)
{
    return capture_run_saving(cfg, vmcore_path, mount_base, NULL, 0);
}

enum capture_outcome capture_run_saving(const struct config *cfg, const char *vmcore_path,
                                        const char *mount_base, char *saved_dir, size_t len)
{
    enum capture_outcome best = CAPTURE_FAILED;
    struct capture c = {.cfg = cfg, .saved_dir = saved_dir, .saved_dir_len = len};
    struct lb_error err;

    if (saved_dir && len)
        saved_dir[0] = '\0';
    if (cfg->ntargets == 0) {
        fprintf(stderr, "lifeboat: no target configured: nothing to save to\n");
        return CAPTURE_FAILED;
    }
    if (lb_source_open(vmcore_path, &c.src, &err) < 0) {
        fprintf(stderr, "lifeboat: %s\n", err.msg);
        return CAPTURE_FAILED;
    }
    capture_read_facts(c.src, cfg, &c.facts);
    int signo;
    if (cfg->ndm && supervise_run("setting up the logical volumes", stack_step, (void *)cfg,
                                  cfg->device_timeout + cfg->step_timeout, &signo) != 0)
        fprintf(stderr, "lifeboat: a target on a logical volume will not be found\n");
    say_capturing(&c.facts);
    bring_up_network(cfg);
    for (size_t i = 0; i < cfg->ntargets && best != CAPTURE_COMPLETE; i++) {
        enum capture_outcome outcome = save_to_target(&c, i, mount_base);
        if (outcome < best)
            best = outcome;
        if (outcome == CAPTURE_COMPLETE || i + 1 == cfg->ntargets)
            continue;
        if (c.source_fault && best == CAPTURE_INCOMPLETE) {
            /* decided by the error's kind: the next target would read the same memory */
            fprintf(stderr, "lifeboat: the crashed machine's memory, not the target, cut the "
                            "dump short: the next targets would do no better\n");
            break;
        }
        fprintf(stderr, "lifeboat: trying the next target\n");
    }
    lb_source_close(c.src);
    return best;
}

/*
 * rehearse.c - the capture without a crash: 'lifeboat test --rehearse'.
 *
 * What the crash kernel would do, done on the running system with the
 * configuration load gave the crash kernel: the volumes it would map checked
 * against the ones mapped here (never mapped twice: stack_check), each
 * target in order as the capture takes them, the log, the triage report, the
 * metadata and a live dump of this kernel (/proc/kcore, lib/source/kcore_source.c)
 * at the configured level, encrypted if configured, written through the
 * target code the capture runs, into .rehearsal-NAME, then removed.  Old
 * dumps are not rotated (what would go is said), and a raw device is not
 * written (the next boot's savecore would take the rehearsal for a crash).
 * A target that fails here fails with the words it would say at a panic.
 * The network is this system's, not brought up as the crash kernel's is:
 * the address, the pinned key and the credentials are the crash kernel's.
 *
 * Runs in a mount namespace of its own: the target file systems it mounts
 * vanish with the process, whatever happens to it.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#include "capture/capture.h"
#include "capture/rehearse.h"
#include "dumpdir/steps.h"
#include "targets/stack.h"
#include "targets/target.h"

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int check_volumes(const struct config *cfg, struct rehearsal *r)
{
    struct lb_error err;

    if (!cfg->ndm)
        return 0;
    if (stack_check(cfg, cfg->device_timeout, &err) == 0)
        return 0;
    fprintf(stderr, "lifeboat: %s\n", err.msg);
    snprintf(r->why, sizeof(r->why), "%s", err.msg);
    return -1;
}

static void rehearse_target(struct capture *c, size_t i, const char *mount_base,
                            struct rehearsal *r)
{
    const struct target *t = &c->cfg->targets[i];
    double t0 = now();

    struct rehearsal_target *rt = &r->targets[r->ntargets++];

    c->dump_bytes = c->target_free = 0;
    if (t->shown[0])
        snprintf(rt->shown, sizeof(rt->shown), "%s", t->shown);
    else /* as status says it */
        config_target_describe(t, rt->shown, sizeof(rt->shown));
    fprintf(stderr, "lifeboat: rehearsal: target %zu, %s\n", i + 1, rt->shown);
    enum capture_outcome outcome = t->kind->ops->save(c, t, i, mount_base);
    rt->outcome = outcome;
    rt->seconds = now() - t0;
    rt->dump_bytes = c->dump_bytes;
    rt->free_bytes = c->target_free;
}

int rehearse(const struct config *cfg, const char *mount_base, int all, struct rehearsal *r)
{
    struct capture c = {.cfg = cfg, .rehearsal = 1};
    struct lb_error err;

    memset(r, 0, sizeof(*r));
    r->chosen = -1;
    if (cfg->ntargets == 0) {
        snprintf(r->why, sizeof(r->why), "no target configured");
        return -1;
    }
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
        snprintf(r->why, sizeof(r->why), "a mount namespace of its own: %s", strerror(errno));
        return -1;
    }
    if (lb_source_open(LIVE_SOURCE, &c.src, &err) < 0) {
        snprintf(r->why, sizeof(r->why), "%s", err.msg);
        fprintf(stderr, "lifeboat: %s\n", err.msg);
        return -1;
    }
    capture_read_facts(c.src, cfg, &c.facts); /* the live dump's CRASHTIME is its moment */
    /* as in the crash kernel, a target on a volume it would not set up fails, the next goes on */
    c.volumes_refused = check_volumes(cfg, r) < 0;
    for (size_t i = 0; i < cfg->ntargets && i < REHEARSAL_TARGETS; i++) {
        rehearse_target(&c, i, mount_base, r);
        if (r->targets[i].outcome == CAPTURE_COMPLETE && r->chosen < 0) {
            r->chosen = (int)i;
            if (!all)
                break;
        }
        if (!all && i + 1 < cfg->ntargets)
            fprintf(stderr, "lifeboat: rehearsal: the crash kernel would try the next target\n");
    }
    lb_source_close(c.src);
    if (r->chosen >= 0)
        r->why[0] = '\0';
    else if (!r->why[0])
        snprintf(r->why, sizeof(r->why), "no target took a whole dump (the reasons are above)");
    return r->chosen < 0 ? -1 : 0;
}

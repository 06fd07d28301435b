/*
 * target.c - the table of target kinds, and what their savers share: the
 * dump directory in a mounted directory, and mounting with a deadline.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "dumpdir/dumpdir.h"
#include "dumpdir/place.h"
#include "platform/netlink.h"
#include "platform/supervise.h"
#include "targets/target.h"

/* The kinds of target: a new one is its file and a line here (target_kind.h). */
static const struct target_kind *const kinds[] = {
    &target_kind_fs,  &target_kind_raw, &target_kind_dir,   &target_kind_path,
    &target_kind_nfs, &target_kind_ssh, &target_kind_https,
};

const struct target_kind *target_kind_for(const char *word)
{
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        size_t n = strlen(kinds[i]->name);
        if (strncmp(word, kinds[i]->name, n) == 0 &&
            (kinds[i]->url ? strncmp(word + n, "://", 3) == 0 : word[n] == '\0'))
            return kinds[i];
    }
    return NULL;
}

const struct target_kind *target_kind_at(size_t i)
{
    return i < sizeof(kinds) / sizeof(kinds[0]) ? kinds[i] : NULL;
}

static int network_build_prepare(struct target *t, struct config *cfg, struct module_list *mods,
                                 struct lb_error *err)
{
    (void)cfg, (void)mods;
    lb_error_setk(
        err, LB_ERR_REFUSED,
        "%s: this lifeboat is built without SSH and TLS, and the network build (lifeboat-net) "
        "did not run it (not installed beside this lifeboat, or not executable)",
        t->shown);
    return -1;
}

static enum capture_outcome network_build_save(struct capture *c, const struct target *t,
                                               size_t index, const char *mount_base)
{
    (void)c, (void)index, (void)mount_base;
    fprintf(stderr, "lifeboat: %s: this capture is built without SSH and TLS\n", t->shown);
    return CAPTURE_FAILED;
}

static struct lb_sink *network_build_open_sink(struct target *t,
                                               const struct target_credentials *creds,
                                               struct lb_error *err)
{
    (void)creds;
    lb_error_setk(err, LB_ERR_OUTPUT_IO,
                  "%s: this lifeboat is built without SSH, and the network build (lifeboat-net) "
                  "did not run it (not installed beside this lifeboat, or not executable)",
                  t->shown);
    return NULL;
}

int target_on_a_server(const struct target *t, char *dir, size_t len, struct lb_error *err)
{
    (void)dir, (void)len;
    lb_error_setk(err, LB_ERR_REFUSED,
                  "%s is on a server: its dumps are listed there ('lifeboat list' or 'lifeboat "
                  "report' on the collector)",
                  t->shown);
    return -1;
}

/*
 * SSH needs a crypto library three times the size of the whole capture, so
 * it lives in the network build (lifeboat-net, DESIGN.md "Budgets").  A
 * command whose configuration names such a target is run by lifeboat-net
 * from the start when it is installed (src/cmd/needs_network.c); here it is
 * refused by name, at load, where the admin can act.
 */
const struct target_ops target_network_build_ops = {
    .prepare = network_build_prepare,
    .save = network_build_save,
    .directory_here = target_on_a_server,
    .open_sink = network_build_open_sink,
};

int target_resolve(struct target *t, struct lb_error *err)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    struct net_addr a = {0};
    int e = getaddrinfo(t->host, NULL, &hints, &res);

    if (e != 0 || !res) {
        lb_error_setk(err, LB_ERR_OUTPUT_IO, "cannot resolve %s: %s", t->host, gai_strerror(e));
        return -1;
    }
    a.family = res->ai_family;
    if (a.family == AF_INET)
        memcpy(a.bytes, &((struct sockaddr_in *)res->ai_addr)->sin_addr, 4);
    else
        memcpy(a.bytes, &((struct sockaddr_in6 *)res->ai_addr)->sin6_addr, 16);
    freeaddrinfo(res);
    net_addr_format(&a, 0, t->address, sizeof(t->address));
    return 0;
}

/* Room on the file system of dir, in bytes; 0 if unknown. */
static uint64_t room_in(const char *dir)
{
    struct statvfs st;

    return statvfs(dir, &st) == 0 ? (uint64_t)st.f_bavail * st.f_frsize : 0;
}

/* A rehearsal's end: what a crash would have kept, said; the directory removed. */
static void end_rehearsal(struct capture *c, struct dumpdir *d, const char *dir, const char *shown,
                          enum capture_outcome outcome)
{
    const struct config *cfg = c->cfg;

    if (outcome == CAPTURE_COMPLETE && (cfg->keep || cfg->min_free_mib))
        dumpdir_rotate_dry(dir, cfg->keep, (uint64_t)cfg->min_free_mib << 20, c->dump_bytes);
    if (dumpdir_remove_rehearsal(d) < 0)
        fprintf(stderr, "lifeboat: rehearsal: cannot remove %s/%s: %s\n", shown, d->temp,
                strerror(errno));
    else
        fprintf(stderr, "lifeboat: rehearsal: %s dump written in %s/%s, and removed\n",
                outcome == CAPTURE_COMPLETE ? "a complete" : "an incomplete", shown, d->temp);
}

enum capture_outcome target_save_into_directory(struct capture *c, const char *dir,
                                                const char *shown)
{
    const struct crash_facts *f = &c->facts;
    const struct config *cfg = c->cfg;
    struct dumpdir d;
    enum capture_outcome outcome;
    int made;

    if (c->rehearsal) /* a rehearsal killed midway (shutdown, OOM) left its live dump here */
        dumpdir_remove_stale_rehearsals(dir);
    made = c->rehearsal ? dumpdir_create_rehearsal(&d, dir, f->crash_time, f->hostname)
                        : dumpdir_create(&d, dir, f->crash_time, f->hostname);

    if (made < 0) {
        fprintf(stderr, "lifeboat: cannot create a dump directory in %s: %s\n", shown,
                strerror(errno));
        dumpdir_close(&d);
        return CAPTURE_FAILED;
    }
    c->target_free = room_in(dir);
    struct place_dir place;
    place_dir_init(&place, d.fd, shown);
    outcome = steps_into_place(c, &place.base);
    if (c->rehearsal) {
        end_rehearsal(c, &d, dir, shown, outcome);
    } else if (dumpdir_finish(&d, outcome == CAPTURE_COMPLETE) < 0) {
        fprintf(stderr, "lifeboat: cannot rename %s/%s: %s\n", shown, d.temp, strerror(errno));
    } else {
        fprintf(stderr, "lifeboat: %s dump saved in %s/%s\n",
                outcome == CAPTURE_COMPLETE ? "complete" : "incomplete", shown, d.name);
        if (c->saved_dir)
            snprintf(c->saved_dir, c->saved_dir_len, "%s/%s", dir, d.name);
        /* Old dumps go only once a new one is whole. */
        if (outcome == CAPTURE_COMPLETE && (cfg->keep || cfg->min_free_mib))
            dumpdir_rotate(dir, d.name, cfg->keep, (uint64_t)cfg->min_free_mib << 20);
    }
    dumpdir_close(&d);
    return outcome;
}

enum capture_outcome target_save_mounted(struct capture *c, const struct target *t,
                                         int (*mount_fn)(void *ctx), void *ctx,
                                         const char *mountpoint, const char *sub)
{
    enum capture_outcome outcome;
    char dir[600];
    int signo;

    /* A damaged file system, or a server gone quiet, can hang a mount: in a child, with a
     * deadline. */
    if (supervise_run("mounting the target", mount_fn, ctx, c->cfg->step_timeout, &signo) != 0)
        return CAPTURE_FAILED;
    snprintf(dir, sizeof(dir), "%s%s", mountpoint, strcmp(sub, "/") ? sub : "");
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        fprintf(stderr, "lifeboat: cannot create %s: %s\n", dir, strerror(errno));
    outcome = target_save_into_directory(c, dir, t->shown[0] ? t->shown : dir);
    supervise_sync(c->cfg->step_timeout);
    if (umount2(mountpoint, MNT_DETACH) < 0)
        fprintf(stderr, "lifeboat: warning: cannot unmount %s: %s\n", mountpoint, strerror(errno));
    return outcome;
}

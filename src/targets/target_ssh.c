/*
 * target_ssh.c - ssh://[user@]host[:port]/dir: a dump directory on an SFTP
 * server (the network build, lifeboat-net).
 *
 * At load: the host resolved and the way there copied (network.c), the
 * server's host key looked up in known_hosts and pinned, and the target
 * checked as the capture will use it: connect, authenticate with the
 * capture's key, a file made and removed in the directory, the free space
 * read.  In the crash kernel: the same connection with the pinned key only,
 * the dump directory made under a .partial- name, the steps writing their
 * files over SFTP (each step in its own process, with its own connection),
 * and the rename when done.  Rotation (keep, min-free) is for local targets:
 * a collector's space is the collector's to manage.
 *
 * The kind's line (host-key) is read in both builds; what it does, only in
 * the network build: in the other, target_network_build_ops refuses it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config/config_net.h"
#include "dumpdir/dumpdir.h"
#include "dumpdir/place.h"
#include "platform/sftp.h"
#include "platform/supervise.h"
#include "targets/network.h"
#include "targets/target.h"

/* Less than this free on the server and not even a filtered dump fits: refused at load. */
#define MIN_FREE_BYTES (64ull << 20)
enum { CONNECT_TIMEOUT = 15, RETRIES = 3 };

/* What an ssh target has of its own (in struct target's kind_data). */
struct ssh_data {
    char host_key[CONFIG_HOST_KEY_MAX]; /* the server's key, "TYPE BASE64", pinned at load */
};
_Static_assert(sizeof(struct ssh_data) <= sizeof(((struct target *)0)->kind_data),
               "an ssh target's data fits in kind_data");
_Static_assert(sizeof(((struct ssh_data *)0)->host_key) >= SSH_HOST_KEY_MAX,
               "a target holds any host key ssh.c pins");

static struct ssh_data *ssh_data(struct target *t)
{
    return (struct ssh_data *)t->kind_data;
}

static const char *pinned_key(const struct target *t)
{
    return ((const struct ssh_data *)t->kind_data)->host_key;
}

#ifdef LIFEBOAT_NETWORK

static void endpoint_of(const struct target *t, const struct config *cfg, const char *identity,
                        struct ssh_endpoint *e)
{
    *e = (struct ssh_endpoint){.address = t->address,
                               .host = t->host,
                               .port = target_port(t),
                               .user = t->user,
                               .identity = identity,
                               .host_key = pinned_key(t),
                               .known_hosts = cfg->known_hosts[0] ? cfg->known_hosts : NULL,
                               .timeout = CONNECT_TIMEOUT};
}

/*
 * What the capture will do, done once now: a file written in the directory.
 * It is removed where the server lets the key remove; a write-only drop box
 * (lifeboat(8), COLLECTOR) does not, and keeps this one file, the same name
 * at every load.
 */
static int check_directory(struct sftp_link *l, const struct target *t, struct lb_error *err)
{
    char probe[600];
    struct lb_error failed;
    uint64_t free_bytes;
    int there = sftp_exists(l, t->path, &failed);

    if (there <= 0) {
        lb_error_setk(err, LB_ERR_SYSTEM, "%s: %s", t->shown,
                      there < 0 ? failed.msg : "the directory does not exist on the server");
        return -1;
    }
    snprintf(probe, sizeof(probe), "%s/.lifeboat-check", t->path);
    if (sftp_put(l, probe, "lifeboat\n", 9, &failed) < 0) {
        lb_error_setk(err, LB_ERR_REFUSED, "%s: cannot write there: %s", t->shown, failed.msg);
        return -1;
    }
    sftp_remove(l, probe, &failed);
    if (sftp_free_bytes(l, t->path, &free_bytes, &failed) == 0 && free_bytes < MIN_FREE_BYTES) {
        lb_error_setk(err, LB_ERR_REFUSED, "%s: only %llu MiB free on the server", t->shown,
                      (unsigned long long)(free_bytes >> 20));
        return -1;
    }
    return 0;
}

static int ssh_prepare(struct target *t, struct config *cfg, struct module_list *mods,
                       struct lb_error *err)
{
    struct sftp_link link = {0};
    char pinned[SSH_HOST_KEY_MAX] = "";
    int pin_now = !pinned_key(t)[0];

    if (network_prepare(t, cfg, mods, err) < 0)
        return -1;
    endpoint_of(t, cfg, config_ssh_identity(cfg), &link.endpoint);
    if (ssh_open(&link.conn, &link.endpoint, pinned, err) < 0) {
        lb_error_prefix(err, "%s", t->shown); /* a host key not known stays REFUSED */
        return -1;
    }
    link.pid = getpid();
    if (pin_now) {
        if (strlen(pinned) >= sizeof(ssh_data(t)->host_key)) {
            lb_error_setk(err, LB_ERR_TOO_LONG, "%s: the server's host key is too long to pin",
                          t->shown);
            sftp_link_down(&link);
            return -1;
        }
        strcpy(ssh_data(t)->host_key, pinned);
    }
    int r = check_directory(&link, t, err);
    sftp_link_down(&link);
    return r;
}

/* ---- the place: a dump directory on the server ------------------------- */

struct sftp_place {
    struct place base;
    struct sftp_link link;
    char dir[600]; /* the dump directory on the server */
};

static void file_path(struct sftp_place *p, const char *name, char *out, size_t len)
{
    snprintf(out, len, "%s/%s", p->dir, name);
}

static struct lb_sink *place_create(struct place *base, const char *name, int holes,
                                    struct lb_error *err)
{
    struct sftp_place *p = (struct sftp_place *)base;
    char path[700];

    (void)holes; /* the server writes at offsets: holes read as zeros there too */
    file_path(p, name, path, sizeof(path));
    return sftp_sink_create(&p->link, path, err);
}

static int place_put(struct place *base, const char *name, const void *data, size_t len)
{
    struct sftp_place *p = (struct sftp_place *)base;
    char path[700];
    struct lb_error failed;

    file_path(p, name, path, sizeof(path));
    if (sftp_put(&p->link, path, data, len, &failed) < 0) {
        fprintf(stderr, "lifeboat: %s\n", failed.msg);
        return -1;
    }
    return 0;
}

static int place_remove(struct place *base, const char *name)
{
    struct sftp_place *p = (struct sftp_place *)base;
    char path[700];
    struct lb_error failed;

    file_path(p, name, path, sizeof(path));
    return sftp_remove(&p->link, path, &failed);
}

static const struct place_ops sftp_place_ops = {
    .create = place_create,
    .put = place_put,
    .remove = place_remove,
};

/* ---- the capture -------------------------------------------------------- */

struct dir_job {
    struct sftp_place *place;
    const struct target *t;
    const struct capture *c;
    struct dumpdir *names; /* shared with the parent: the names taken */
    int complete;
};

/* <path>/.partial-<timestamp>-<host>[-n], under a name nothing on the server has. */
static int make_directory(void *ctx)
{
    struct dir_job *j = ctx;
    struct sftp_link *l = &j->place->link;
    char path[700], done[700];
    struct lb_error failed;

    if (sftp_link_up(l, &failed) < 0) {
        fprintf(stderr, "lifeboat: %s: %s\n", j->t->shown, failed.msg);
        return 1;
    }
    lb_error_setk(&failed, LB_ERR_NO_SPACE, "every name up to suffix -%d is taken",
                  DUMPDIR_MAX_SUFFIX - 1);
    for (int n = 1; n < DUMPDIR_MAX_SUFFIX; n++) {
        dumpdir_name(j->names, j->c->facts.crash_time, j->c->facts.hostname, n);
        snprintf(done, sizeof(done), "%s/%s", j->t->path, j->names->name);
        int taken = sftp_exists(l, done, &failed);
        if (taken == 0) {
            snprintf(done, sizeof(done), "%s/%s.incomplete", j->t->path, j->names->name);
            taken = sftp_exists(l, done, &failed);
        }
        if (taken < 0)
            break;
        if (taken > 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", j->t->path, j->names->temp);
        if (sftp_mkdir(l, path, 0700, &failed) == 0) {
            fprintf(stderr, "lifeboat: connected to %s\n", j->t->shown);
            return 0;
        }
        if (sftp_exists(l, path, &failed) != 1)
            break; /* not taken by another: the server refuses */
    }
    fprintf(stderr, "lifeboat: %s: no dump directory: %s\n", j->t->shown, failed.msg);
    return 1;
}

/* The files a capture may write in a dump directory (dumpdir.c's list, and the streamed one). */
static const char *const capture_files[] = {"vmcore",          "vmcore.flat",   "vmcore.age",
                                            "vmcore.flat.age", "dmesg.txt",     "dmesg.txt.age",
                                            "info.json",       "info.json.age", "metadata.json"};

/* A rehearsal's directory, removed: the server of a write-only drop box refuses, and says so. */
static int remove_rehearsal(struct dir_job *j)
{
    char dir[700], path[800];
    struct lb_error failed;

    snprintf(dir, sizeof(dir), "%s/%s", j->t->path, j->names->temp);
    for (size_t i = 0; i < sizeof(capture_files) / sizeof(capture_files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, capture_files[i]);
        sftp_remove(&j->place->link, path, &failed);
    }
    if (sftp_rmdir(&j->place->link, dir, &failed) < 0) {
        fprintf(stderr,
                "lifeboat: rehearsal: %s/%s stays on the server, which refuses to remove it "
                "(%s): a write-only drop box does\n",
                j->t->shown, j->names->temp, failed.msg);
        return 1;
    }
    fprintf(stderr, "lifeboat: rehearsal: the dump written in %s/%s was removed\n", j->t->shown,
            j->names->temp);
    return 0;
}

static int finish_directory(void *ctx)
{
    struct dir_job *j = ctx;
    char from[700], to[700];
    struct lb_error failed;

    if (j->c->rehearsal)
        return remove_rehearsal(j);
    snprintf(from, sizeof(from), "%s/%s", j->t->path, j->names->temp);
    snprintf(to, sizeof(to), "%s/%s%s", j->t->path, j->names->name,
             j->complete ? "" : ".incomplete");
    if (sftp_rename(&j->place->link, from, to, &failed) < 0) {
        fprintf(stderr, "lifeboat: %s\n", failed.msg);
        return 1;
    }
    return 0;
}

static enum capture_outcome ssh_save(struct capture *c, const struct target *t, size_t index,
                                     const char *mount_base)
{
    struct sftp_place place = {.base = {&sftp_place_ops, t->shown}};
    struct dumpdir *names =
        mmap(NULL, sizeof(*names), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    struct dir_job job = {&place, t, c, names, 0};
    enum capture_outcome outcome;
    int signo;

    (void)index, (void)mount_base;
    if (names == MAP_FAILED) {
        fprintf(stderr, "lifeboat: no memory for %s\n", t->shown);
        return CAPTURE_FAILED;
    }
    names->rehearsal = c->rehearsal;
    /* the crash kernel's copy of the key, or on the running system (a rehearsal) the key */
    endpoint_of(t, c->cfg, c->rehearsal ? config_ssh_identity(c->cfg) : CAPTURE_SSH_IDENTITY,
                &place.link.endpoint);
    place.link.retries = RETRIES;
    if (supervise_run("connecting to the server", make_directory, &job, c->cfg->step_timeout,
                      &signo) != 0) {
        munmap(names, sizeof(*names));
        return CAPTURE_FAILED;
    }
    snprintf(place.dir, sizeof(place.dir), "%s/%s", t->path, names->temp);
    outcome = steps_into_place(c, &place.base);
    job.complete = outcome == CAPTURE_COMPLETE;
    if (supervise_run(c->rehearsal ? "removing the rehearsal's directory"
                                   : "renaming the dump directory",
                      finish_directory, &job, c->cfg->step_timeout, &signo) == 0 &&
        !c->rehearsal)
        fprintf(stderr, "lifeboat: %s dump saved in %s/%s%s\n",
                outcome == CAPTURE_COMPLETE ? "complete" : "incomplete", t->shown, names->name,
                outcome == CAPTURE_COMPLETE ? "" : ".incomplete");
    munmap(names, sizeof(*names));
    return outcome;
}

/* The caller's key for 'save ssh://': the capture's if there is one, else the user's own. */
static const char *default_identity(char *buf, size_t len)
{
    const char *home = getenv("HOME");

    if (access(DEFAULT_SSH_IDENTITY, R_OK) == 0 || !home)
        return DEFAULT_SSH_IDENTITY;
    snprintf(buf, len, "%s/.ssh/id_ed25519", home);
    return buf;
}

/* 'save ssh://...': the server's key checked against known_hosts or creds->host_key. */
static struct lb_sink *ssh_open_sink(struct target *t, const struct target_credentials *creds,
                                     struct lb_error *err)
{
    static struct sftp_link link; /* lives as long as the sink: one per command */
    static char identity[600];
    struct lb_error failed;

    if (target_resolve(t, err) < 0)
        return NULL;
    link.endpoint = (struct ssh_endpoint){
        .address = t->address,
        .host = t->host,
        .port = target_port(t),
        .user = t->user,
        .identity = creds->ssh_identity ? creds->ssh_identity
                                        : default_identity(identity, sizeof(identity)),
        .host_key = creds->host_key,
        .known_hosts = creds->known_hosts,
        .timeout = 30};
    link.retries = 3;
    if (sftp_link_up(&link, &failed) < 0) {
        lb_error_setk(err, LB_ERR_OUTPUT_IO, "%s: %s", t->shown, failed.msg);
        return NULL;
    }
    return sftp_sink_create(&link, t->path, err);
}

static const struct target_ops ssh_ops = {
    .prepare = ssh_prepare,
    .save = ssh_save,
    .open_sink = ssh_open_sink,
    .directory_here = target_on_a_server,
};
#define SSH_OPS (&ssh_ops)
#else
#define SSH_OPS (&target_network_build_ops)
#endif

/* "host-key TYPE BASE64": the server's key, pinned at load. */
static int ssh_parse_option(struct target *t, char **w, int n, int *i, struct lb_error *err)
{
    struct ssh_data *d = ssh_data(t);

    if (strcmp(w[*i], "host-key") != 0 || *i + 2 >= n)
        return 1;
    if (strlen(w[*i + 1]) + strlen(w[*i + 2]) + 2 > sizeof(d->host_key)) {
        lb_error_setk(err, LB_ERR_TOO_LONG, "the host key is longer than %zu characters",
                      sizeof(d->host_key) - 1);
        return -1;
    }
    size_t type_len = strlen(w[*i + 1]);
    memcpy(d->host_key, w[*i + 1], type_len);
    d->host_key[type_len] = ' ';
    strcpy(d->host_key + type_len + 1, w[*i + 2]);
    *i += 2;
    return 0;
}

static int ssh_format_options(const struct target *t, char *buf, size_t len, size_t *used)
{
    int n = 0;

    if (pinned_key(t)[0])
        n = snprintf(buf + *used, len - *used, " host-key %s", pinned_key(t));
    if (n < 0 || (size_t)n >= len - *used)
        return -1;
    *used += (size_t)n;
    return 0;
}

static void ssh_describe(const struct target *t, char *buf, size_t len)
{
    snprintf(buf, len, "%s", t->shown);
}

/* The capture's private key goes into the initramfs; the config then names it there. */
static int ssh_secret(struct config *cfg, struct target_secret *s)
{
    if (!cfg->ssh_identity[0])
        snprintf(cfg->ssh_identity, sizeof(cfg->ssh_identity), "%s", DEFAULT_SSH_IDENTITY);
    *s = (struct target_secret){.archive_path = CAPTURE_SSH_IDENTITY,
                                .config_field = cfg->ssh_identity,
                                .field_len = sizeof(cfg->ssh_identity)};
    return 1;
}

const struct target_kind target_kind_ssh = {
    .name = "ssh",
    .url = 1,
    .port = 22,
    .url_user = 1,
    .network = 1,
    .network_build = 1,
    .usage = "ssh://[USER@]HOST[:PORT]/DIR",
    .options_usage = " [host-key TYPE BASE64]",
    .parse = target_url_line_parse,
    .parse_option = ssh_parse_option,
    .format = target_url_line_format,
    .format_options = ssh_format_options,
    .describe = ssh_describe,
    .secret = ssh_secret,
    .ops = SSH_OPS,
};

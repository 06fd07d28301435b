/*
 * target_nfs.c - nfs://host[:port]/export/dir: the crash kernel's own NFSv4
 * client, mounted with mount(2) and the options mount.nfs would give it.
 *
 * NFS carries the dump in the clear and trusts the network: the admin who
 * writes nfs:// chooses that (DESIGN.md, "Network capture"); encrypt-to
 * still seals the dump's contents.  Version 4 by default; 'options vers=3'
 * mounts v3 with nolock (no lock daemon in a crash kernel; the capture is
 * its directory's only writer), its mount protocol found by the server's
 * rpcbind unless the options give mountport=.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "config/config_net.h"
#include "platform/format.h"
#include "platform/supervise.h"
#include "targets/network.h"
#include "targets/target.h"

/* Less than this free on the server and not even a filtered dump fits: refused at load. */
#define MIN_FREE_BYTES (64ull << 20)
/* A check at load that takes longer than this is a server that will not do in a crash. */
enum { CHECK_SECONDS = 30 };

/* What an nfs target has of its own (in struct target's kind_data). */
struct nfs_data {
    char options[128]; /* mount options the admin adds (vers=3,mountport=20048) */
};
_Static_assert(sizeof(struct nfs_data) <= sizeof(((struct target *)0)->kind_data),
               "an nfs target's data fits in kind_data");

static const char *nfs_options(const struct target *t)
{
    return ((const struct nfs_data *)t->kind_data)->options;
}

/* Characters the admin's options may have: name=value words, nothing that needs quoting. */
#define NFS_OPTION_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-=,:"

static int nfs_mount_step(void *ctx);

/* The admin's options ask for NFSv3 (vers=3 or nfsvers=3)? */
static int wants_v3(const struct target *t)
{
    char copy[sizeof(((struct nfs_data *)0)->options)], *save = NULL;

    strcpy(copy, nfs_options(t));
    for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save))
        if (strcmp(o, "vers=3") == 0 || strcmp(o, "nfsvers=3") == 0)
            return 1;
    return 0;
}

struct nfs_mount {
    const struct target *t;
    const char *mountpoint;
};

/*
 * What the capture will do, done once now in a mount namespace of its own
 * (nothing shows on the running system): mount, a file made and removed,
 * the free space read.  In a child with a deadline: a server that does not
 * answer costs seconds.
 */
static int nfs_check_step(void *ctx)
{
    struct nfs_mount *m = ctx;
    char probe[400];
    struct statvfs st;
    int fd;

    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
        fprintf(stderr, "lifeboat: cannot check %s: no mount namespace: %s\n", m->t->shown,
                strerror(errno));
        return 1;
    }
    if (nfs_mount_step(m) != 0)
        return 1;
    snprintf(probe, sizeof(probe), "%s/.lifeboat-check-%d", m->mountpoint, (int)getpid());
    fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, "lifeboat\n", 9) != 9 || fsync(fd) < 0) {
        fprintf(stderr, "lifeboat: %s: cannot write there: %s\n", m->t->shown, strerror(errno));
        if (fd >= 0)
            unlink(probe);
        return 1;
    }
    close(fd);
    unlink(probe);
    if (statvfs(m->mountpoint, &st) == 0 && (uint64_t)st.f_bavail * st.f_frsize < MIN_FREE_BYTES) {
        fprintf(stderr, "lifeboat: %s: only %llu MiB free on the server\n", m->t->shown,
                (unsigned long long)((uint64_t)st.f_bavail * st.f_frsize >> 20));
        return 1;
    }
    return 0;
}

static int nfs_prepare(struct target *t, struct config *cfg, struct module_list *mods,
                       struct lb_error *err)
{
    static const char *const v4_modules[] = {"nfsv4", NULL}, *const v3_modules[] = {"nfsv3", NULL};
    char dir[] = "/tmp/lifeboat-nfs-XXXXXX";
    struct lb_error mod_err;
    struct nfs_mount m = {t, dir};
    int signo, r;

    if (network_prepare(t, cfg, mods, err) < 0)
        return -1;
    if (modules_named(wants_v3(t) ? v3_modules : v4_modules, mods, &mod_err) < 0)
        fprintf(stderr, "lifeboat: warning: %s\n", mod_err.msg);
    if (!mkdtemp(dir)) {
        lb_error_setk(err, LB_ERR_SYSTEM, "%s: cannot make a mount point to check it: %s", t->shown,
                      strerror(errno));
        return -1;
    }
    r = supervise_run("checking the NFS target", nfs_check_step, &m, CHECK_SECONDS, &signo);
    rmdir(dir);
    if (r != 0) {
        lb_error_setk(err, LB_ERR_REFUSED, "%s cannot take dumps (said above)", t->shown);
        return -1;
    }
    return 0;
}

static int nfs_mount_step(void *ctx)
{
    struct nfs_mount *m = ctx;
    const struct target *t = m->t;
    int v6 = strchr(t->address, ':') != NULL, v3 = wants_v3(t);
    char source[400], options[500];

    /* soft: a server that stops answering ends in an error the capture can act on.  v3 without
     * a lock daemon (the capture is the only writer of its directory): nolock; the mount
     * protocol asked at the same address.  The admin's options last: theirs win. */
    if (format_whole(source, sizeof(source), v6 ? "[%s]:%s" : "%s:%s", t->address, t->path) < 0 ||
        format_whole(options, sizeof(options),
                     "vers=%s,addr=%s,port=%u,proto=%s,soft,timeo=100,retrans=2%s%s%s%s%s%s",
                     v3 ? "3" : "4", t->address, target_port(t), v6 ? "tcp6" : "tcp",
                     v3 ? ",nolock,mountproto=" : "", v3 ? (v6 ? "tcp6" : "tcp") : "",
                     v3 ? ",mountaddr=" : "", v3 ? t->address : "", nfs_options(t)[0] ? "," : "",
                     nfs_options(t)) < 0) {
        /* never mounted without the admin's options, nor at a path cut short */
        fprintf(stderr, "lifeboat: %s: the mount's source or options are too long\n", t->shown);
        return 1;
    }
    if (mkdir(m->mountpoint, 0700) < 0 && errno != EEXIST) {
        fprintf(stderr, "lifeboat: cannot create %s: %s\n", m->mountpoint, strerror(errno));
        return 1;
    }
    if (mount(source, m->mountpoint, v3 ? "nfs" : "nfs4", MS_NOSUID | MS_NODEV | MS_NOEXEC,
              options) < 0) {
        fprintf(stderr, "lifeboat: cannot mount %s (NFSv%d at %s): %s\n", t->shown, v3 ? 3 : 4,
                source, strerror(errno));
        return 1;
    }
    return 0;
}

static int nfs_capture_mount_step(void *ctx)
{
    struct nfs_mount *m = ctx;

    if (nfs_mount_step(m) != 0)
        return 1;
    fprintf(stderr, "lifeboat: mounted %s\n", m->t->shown);
    return 0;
}

static enum capture_outcome nfs_save(struct capture *c, const struct target *t, size_t index,
                                     const char *mount_base)
{
    char mountpoint[300];
    struct nfs_mount m = {t, mountpoint};

    if (mkdir(mount_base, 0700) < 0 && errno != EEXIST)
        fprintf(stderr, "lifeboat: cannot create %s: %s\n", mount_base, strerror(errno));
    if (format_whole(mountpoint, sizeof(mountpoint), "%s/target%zu", mount_base, index) < 0) {
        fprintf(stderr, "lifeboat: %s/target%zu: the mount point's path is too long\n", mount_base,
                index);
        return CAPTURE_FAILED;
    }
    return target_save_mounted(c, t, nfs_capture_mount_step, &m, mountpoint,
                               ""); /* NFS mounts the directory itself */
}

/* "options vers=3,...": what the admin adds to the mount's options. */
static int nfs_parse_option(struct target *t, char **w, int n, int *i, struct lb_error *err)
{
    struct nfs_data *d = (struct nfs_data *)t->kind_data;

    if (strcmp(w[*i], "options") != 0 || *i + 1 >= n)
        return 1;
    if (strlen(w[*i + 1]) >= sizeof(d->options) || w[*i + 1][strspn(w[*i + 1], NFS_OPTION_CHARS)]) {
        lb_error_setk(err, LB_ERR_REFUSED, "NFS options '%s' are not name=value,... words",
                      w[*i + 1]);
        return -1;
    }
    strcpy(d->options, w[*i + 1]);
    (*i)++;
    return 0;
}

static int nfs_format_options(const struct target *t, char *buf, size_t len, size_t *used)
{
    int n = 0;

    if (nfs_options(t)[0])
        n = snprintf(buf + *used, len - *used, " options %s", nfs_options(t));
    if (n < 0 || (size_t)n >= len - *used)
        return -1;
    *used += (size_t)n;
    return 0;
}

/* 'save nfs://...' writes nothing: the server is mounted, and saved to as a directory. */
static struct lb_sink *nfs_open_sink(struct target *t, const struct target_credentials *creds,
                                     struct lb_error *err)
{
    (void)t, (void)creds;
    lb_error_setk(err, LB_ERR_OUTPUT_IO, "nfs:// is not a destination: mount it");
    return NULL;
}

static void nfs_describe(const struct target *t, char *buf, size_t len)
{
    snprintf(buf, len, "%s", t->shown);
}

static const struct target_ops nfs_ops = {
    .prepare = nfs_prepare,
    .save = nfs_save,
    .open_sink = nfs_open_sink,
    .directory_here = target_on_a_server,
};

const struct target_kind target_kind_nfs = {
    .name = "nfs",
    .url = 1,
    .port = 2049,
    .network = 1,
    .usage = "nfs://HOST[:PORT]/EXPORT/DIR",
    .options_usage = " [options vers=3,...]",
    .parse = target_url_line_parse,
    .parse_option = nfs_parse_option,
    .format = target_url_line_format,
    .format_options = nfs_format_options,
    .describe = nfs_describe,
    .ops = &nfs_ops,
};

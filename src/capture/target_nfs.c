/*
 * target_nfs.c - nfs://host[:port]/export/dir: the crash kernel's own NFSv4
 * client, mounted with mount(2) and the options mount.nfs would give it.
 *
 * NFS carries the dump in the clear and trusts the network: the admin who
 * writes nfs:// chooses that (DESIGN.md, "Network capture"); encrypt-to
 * still seals the dump's contents.  Version 4 only: v3 needs rpcbind and
 * mountd on the way, and a lock daemon or 'nolock'.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "config_net.h"
#include "network.h"
#include "target.h"

static int nfs_prepare(struct target *t, struct config *cfg, struct module_list *mods, char *why,
                       size_t whylen)
{
    static const char *const nfs_modules[] = {"nfsv4", NULL};
    char mod_why[256];

    if (network_prepare(t, cfg, mods, why, whylen) < 0)
        return -1;
    if (modules_named(nfs_modules, mods, mod_why, sizeof(mod_why)) < 0)
        fprintf(stderr, "lifeboat: warning: %s\n", mod_why);
    return 0;
}

struct nfs_mount {
    const struct target *t;
    const char *mountpoint;
};

static int nfs_mount_step(void *ctx)
{
    struct nfs_mount *m = ctx;
    const struct target *t = m->t;
    int v6 = strchr(t->address, ':') != NULL;
    char source[400], options[300];

    /* soft: a server that stops answering ends in an error the capture can act on */
    snprintf(source, sizeof(source), v6 ? "[%s]:%s" : "%s:%s", t->address, t->path);
    snprintf(options, sizeof(options), "vers=4,addr=%s,port=%u,proto=%s,soft,timeo=100,retrans=2",
             t->address, target_port(t), v6 ? "tcp6" : "tcp");
    if (mkdir(m->mountpoint, 0700) < 0 && errno != EEXIST) {
        fprintf(stderr, "lifeboat: cannot create %s: %s\n", m->mountpoint, strerror(errno));
        return 1;
    }
    if (mount(source, m->mountpoint, "nfs4", MS_NOSUID | MS_NODEV | MS_NOEXEC, options) < 0) {
        fprintf(stderr, "lifeboat: cannot mount %s (NFSv4 at %s): %s\n", t->shown, source,
                strerror(errno));
        return 1;
    }
    fprintf(stderr, "lifeboat: mounted %s\n", t->shown);
    return 0;
}

static enum capture_outcome nfs_save(struct capture *c, const struct target *t, size_t index,
                                     const char *mount_base)
{
    char mountpoint[300];
    struct nfs_mount m = {t, mountpoint};

    if (mkdir(mount_base, 0700) < 0 && errno != EEXIST)
        fprintf(stderr, "lifeboat: cannot create %s: %s\n", mount_base, strerror(errno));
    snprintf(mountpoint, sizeof(mountpoint), "%s/target%zu", mount_base, index);
    return target_save_mounted(c, t, nfs_mount_step, &m, mountpoint);
}

const struct target_ops target_nfs_ops = {TARGET_NFS, "nfs", nfs_prepare, nfs_save};

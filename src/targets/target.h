/*
 * target.h - the kinds of dump target as one table of operations (DESIGN.md,
 * "Targets"): what load does so that the crash kernel can use a configured
 * target, and how the crash kernel saves a dump there.  load and config
 * check run the same prepare the capture relies on, so a target that cannot
 * work is refused on the running system, never found out after a panic.
 */
#ifndef LIFEBOAT_TARGET_H
#define LIFEBOAT_TARGET_H

#include "config/config.h"
#include "dumpdir/steps.h"
#include "platform/modules.h"

/* What 'save URL' and 'convert URL' are given to reach a server: their options (dump_keys.h). */
struct target_credentials {
    const char *ssh_identity, *known_hosts, *host_key, *ca_file, *token_file;
};

/* What a kind does (its description is struct target_kind, config/target_kind.h). */
struct target_ops {
    /*
     * On the running system: t made what the crash kernel can use (devices
     * named by identity, hosts by address, keys pinned, the way there copied
     * into cfg) and the modules it needs added to mods.  What cannot work is
     * refused: -1 and the reason in err (LB_ERR_REFUSED: the configuration
     * asks what cannot work; LB_ERR_SYSTEM: this system failed a look).
     */
    int (*prepare)(struct target *t, struct config *cfg, struct module_list *mods,
                   struct lb_error *err);
    /* In the crash kernel: the dump saved there; index names its mount point under mount_base. */
    enum capture_outcome (*save)(struct capture *c, const struct target *t, size_t index,
                                 const char *mount_base);
    /* For 'list': where t's dumps are on this system; -1 if not here, err saying where
     * they are instead ("": nothing to say). */
    int (*directory_here)(const struct target *t, char *dir, size_t len, struct lb_error *err);
    /* URL kinds: a dump file at t's directory as a sink ('save URL'); t's address resolved
     * here. */
    struct lb_sink *(*open_sink)(struct target *t, const struct target_credentials *creds,
                                 struct lb_error *err);
};

/* The kinds of target.c's table that other folders name: the default, and savecore's. */
extern const struct target_kind target_kind_fs, target_kind_raw, target_kind_dir, target_kind_path,
    target_kind_nfs, target_kind_ssh, target_kind_https;

/* What a kind of the network build does in this build, without SSH and TLS: refused, saying
 * so. */
extern const struct target_ops target_network_build_ops;

/* directory_here of the kinds on a server: their dumps are listed there. */
int target_on_a_server(const struct target *t, char *dir, size_t len, struct lb_error *err);

/* t's host resolved into t->address (for 'save URL'), or -1 and err. */
int target_resolve(struct target *t, struct lb_error *err);

/* For the savers: a dump directory made in dir (shown: what the user calls it), then rotation. */
enum capture_outcome target_save_into_directory(struct capture *c, const char *dir,
                                                const char *shown);
/* mount(2) in a child with the step deadline; then the dump into sub below it; unmounted. */
enum capture_outcome target_save_mounted(struct capture *c, const struct target *t,
                                         int (*mount_fn)(void *ctx), void *ctx,
                                         const char *mountpoint, const char *sub);

#endif

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

struct target_ops {
    enum target_kind kind;
    const char *name;
    /*
     * On the running system: t made what the crash kernel can use (devices
     * named by identity, hosts by address, keys pinned, the way there copied
     * into cfg) and the modules it needs added to mods.  What cannot work is
     * refused: -1 and the reason in why.
     */
    int (*prepare)(struct target *t, struct config *cfg, struct module_list *mods, char *why,
                   size_t whylen);
    /* In the crash kernel: the dump saved there; index names its mount point under mount_base. */
    enum capture_outcome (*save)(struct capture *c, const struct target *t, size_t index,
                                 const char *mount_base);
};

const struct target_ops *target_ops_of(enum target_kind kind);

extern const struct target_ops target_fs_ops, target_raw_ops, target_dir_ops, target_path_ops,
    target_nfs_ops, target_ssh_ops, target_https_ops;

/* For the savers: a dump directory made in dir (shown: what the user calls it), then rotation. */
enum capture_outcome target_save_into_directory(struct capture *c, const char *dir,
                                                const char *shown);
/* mount(2) in a child with the step deadline; then the dump into path below it; unmounted. */
enum capture_outcome target_save_mounted(struct capture *c, const struct target *t,
                                         int (*mount_fn)(void *ctx), void *ctx,
                                         const char *mountpoint);

#endif

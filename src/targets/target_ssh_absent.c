/*
 * target_ssh_absent.c - ssh:// and https:// targets in the build without
 * SSH and TLS.
 *
 * SSH needs a crypto library three times the size of the whole capture, so
 * it lives in the network build (lifeboat-net, DESIGN.md "Budgets").  A
 * command whose configuration names such a target is run by lifeboat-net
 * from the start when it is installed (src/cmd/needs_network.c; it then
 * writes an initramfs with itself inside); here it is refused by name, at
 * load, where the admin can act.
 */
#include <stdio.h>

#include "targets/target.h"

static int ssh_unavailable(struct target *t, struct config *cfg, struct module_list *mods,
                           char *why, size_t whylen)
{
    (void)cfg, (void)mods;
    snprintf(why, whylen,
             "%s: this lifeboat is built without SSH and TLS, and the network build (lifeboat-net) "
             "did not run it (not installed beside this lifeboat, or not executable)",
             t->shown);
    return -1;
}

static enum capture_outcome ssh_unavailable_save(struct capture *c, const struct target *t,
                                                 size_t index, const char *mount_base)
{
    (void)c, (void)index, (void)mount_base;
    fprintf(stderr, "lifeboat: %s: this capture is built without SSH and TLS\n", t->shown);
    return CAPTURE_FAILED;
}

const struct target_ops target_ssh_ops = {
    .kind = TARGET_SSH,
    .name = "ssh",
    .prepare = ssh_unavailable,
    .save = ssh_unavailable_save,
};
const struct target_ops target_https_ops = {
    .kind = TARGET_HTTPS,
    .name = "https",
    .prepare = ssh_unavailable,
    .save = ssh_unavailable_save,
};

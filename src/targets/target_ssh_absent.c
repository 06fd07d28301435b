/*
 * target_ssh_absent.c - ssh:// and https:// targets in the build without
 * SSH and TLS.
 *
 * SSH needs a crypto library three times the size of the whole capture, so
 * it lives in the network build (lifeboat-net, DESIGN.md "Budgets").  Here
 * the command that met an ssh target runs again in lifeboat-net when it is
 * installed (it then writes an initramfs with itself inside), and is
 * refused by name otherwise, at load, where the admin can act.
 */
#include <stdio.h>

#include "platform/network_build.h"
#include "targets/target.h"

static int ssh_unavailable(struct target *t, struct config *cfg, struct module_list *mods,
                           char *why, size_t whylen)
{
    (void)cfg, (void)mods;
    network_build_exec();
    snprintf(why, whylen,
             "%s: this lifeboat is built without SSH and TLS, and the network build (lifeboat-net) "
             "is not installed beside it",
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

const struct target_ops target_ssh_ops = {TARGET_SSH, "ssh", ssh_unavailable, ssh_unavailable_save};
const struct target_ops target_https_ops = {TARGET_HTTPS, "https", ssh_unavailable,
                                            ssh_unavailable_save};

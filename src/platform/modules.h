/*
 * modules.h - the kernel modules a dump target needs: found on the running
 * system from sysfs and modules.dep, loaded in the crash kernel with
 * finit_module(2).
 */
#ifndef LIFEBOAT_MODULES_H
#define LIFEBOAT_MODULES_H

#include <stddef.h>

#include "lbdump.h"

enum { MODULES_MAX = 64 };

struct module_list {
    char path[MODULES_MAX][600]; /* files, in load order (dependencies first) */
    size_t n;
};

/*
 * Adds the modules behind block device (its driver chain up the device tree)
 * and behind filesystem type fstype, with their dependencies from
 * /lib/modules/$(uname -r)/modules.dep (or /usr/lib/modules/...).  Built-in drivers need nothing.
 */
int modules_for_target(const char *device, const char *fstype, struct module_list *list,
                       struct lb_error *err);
/* Adds the drivers of network interface ifname (up its device tree), with dependencies. */
int modules_for_netdev(const char *ifname, struct module_list *list, struct lb_error *err);
/* Adds the modules named (a NULL-ended list), with dependencies; built-in ones need nothing. */
int modules_named(const char *const *names, struct module_list *list, struct lb_error *err);
/*
 * Adds the drivers of the watchdogs that run now: a hardware timer keeps
 * counting through the crash, and in the crash kernel only its driver can
 * keep it from resetting the machine in the middle of the dump.  Returns how
 * many run.
 */
int modules_for_watchdogs(struct module_list *list, struct lb_error *err);
/* Loads each module named in list_file from dir, in order; says what failed. */
void modules_load(const char *dir, const char *list_file);

#endif

/*
 * modules.c - the drivers a dump target needs, and nothing more.
 *
 * On the running system, the block device's sysfs directory is walked up to
 * the root; every level with a driver whose "module" link exists names a
 * loadable module (virtio_blk, then virtio_pci for a virtio disk).  The
 * filesystem's module is added if it is not built in.  modules.dep gives the
 * dependencies, which are put first.  In the crash kernel, finit_module(2)
 * loads them from the initramfs; compressed ones are handed to the kernel to
 * decompress (MODULE_INIT_COMPRESSED_FILE).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "platform/format.h"
#include "platform/kernel_image.h"
#include "platform/modules.h"

#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE 4
#endif

/* "virtio-blk" and "virtio_blk.ko.xz" both name the module virtio_blk. */
static void module_name(const char *path, char *name, size_t len)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    size_t n = strcspn(base, ".");

    if (n >= len)
        n = len - 1;
    for (size_t i = 0; i < n; i++)
        name[i] = base[i] == '-' ? '_' : base[i];
    name[n] = '\0';
}

struct dep_file {
    char root[300];
    char *text;
};

static int load_deps(struct dep_file *d)
{
    char release[sizeof(((struct utsname *)0)->release)];
    char path[400];
    FILE *f;
    long size;

    if (host_release(release, sizeof(release)) < 0)
        return -1;
    /* /lib/modules, or /usr/lib/modules (Debian's 7.x packages, on a /lib that is not /usr/lib) */
    f = NULL;
    for (int i = 0; i < 2 && !f; i++) {
        snprintf(d->root, sizeof(d->root), "%s/modules/%s", i ? "/usr/lib" : "/lib", release);
        snprintf(path, sizeof(path), "%s/modules.dep", d->root);
        f = fopen(path, "re");
    }
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    rewind(f);
    d->text = size > 0 && size < (64 << 20) ? malloc((size_t)size + 1) : NULL;
    if (!d->text || fread(d->text, 1, (size_t)size, f) != (size_t)size) {
        fclose(f);
        free(d->text);
        return -1;
    }
    d->text[size] = '\0';
    fclose(f);
    return 0;
}

/* The modules.dep line of module name, or NULL. */
static const char *dep_line(const struct dep_file *d, const char *name, size_t *len)
{
    for (const char *line = d->text; line && *line;) {
        const char *end = strchr(line, '\n'), *colon = strchr(line, ':');
        char this[64];

        if (colon && (!end || colon < end)) {
            char file[256];
            size_t n = (size_t)(colon - line) < sizeof(file) - 1 ? (size_t)(colon - line)
                                                                 : sizeof(file) - 1;
            memcpy(file, line, n);
            file[n] = '\0';
            module_name(file, this, sizeof(this));
            if (strcmp(this, name) == 0) {
                *len = end ? (size_t)(end - line) : strlen(line);
                return line;
            }
        }
        line = end ? end + 1 : NULL;
    }
    return NULL;
}

static int listed(const struct module_list *list, const char *path)
{
    for (size_t i = 0; i < list->n; i++)
        if (strcmp(list->path[i], path) == 0)
            return 1;
    return 0;
}

/* Adds name after its dependencies; depth bounds a looping modules.dep. */
static int add_module(const struct dep_file *d, const char *name, struct module_list *list,
                      int depth)
{
    size_t len = 0;
    const char *line = dep_line(d, name, &len);
    char copy[4096], *save = NULL, *word, path[600];

    if (!line || depth > 16 || len >= sizeof(copy))
        return -1;
    memcpy(copy, line, len);
    copy[len] = '\0';
    *strchr(copy, ':') = ' ';
    word = strtok_r(copy, " ", &save); /* the module itself */
    snprintf(path, sizeof(path), "%s/%s", d->root, word);
    for (char *dep = strtok_r(NULL, " ", &save); dep; dep = strtok_r(NULL, " ", &save)) {
        char dep_name[64];
        module_name(dep, dep_name, sizeof(dep_name));
        add_module(d, dep_name, list, depth + 1);
    }
    if (!listed(list, path) && list->n < MODULES_MAX)
        snprintf(list->path[list->n++], sizeof(list->path[0]), "%s", path);
    return 0;
}

/* Walks from a device's sysfs directory (/sys/class/...) up, collecting the drivers' modules. */
static void driver_chain(const struct dep_file *d, const char *sys, struct module_list *list)
{
    char real[PATH_MAX], link[PATH_MAX];

    if (!realpath(sys, real))
        return;
    for (char *dir = real; strcmp(dir, "/sys") != 0 && strlen(dir) > 5; dir = dirname(dir)) {
        char mod[PATH_MAX + 32], modname[64];
        ssize_t n;

        snprintf(mod, sizeof(mod), "%s/driver/module", dir);
        n = readlink(mod, link, sizeof(link) - 1);
        if (n <= 0)
            continue;
        link[n] = '\0';
        module_name(link, modname, sizeof(modname));
        add_module(d, modname, list, 0);
    }
}

/*
 * A block device's drivers: its own chain, and for a mapped device (LVM)
 * dm_mod and the drivers of every device under it (its slaves).
 */
static void block_drivers(const struct dep_file *d, const char *name, struct module_list *list,
                          int depth)
{
    char sys[PATH_MAX], sub[PATH_MAX + 16];
    struct dirent *e;
    DIR *slaves;

    if (depth > 8 || strlen(name) > 64)
        return;
    snprintf(sys, sizeof(sys), "/sys/class/block/%s", name);
    driver_chain(d, sys, list);
    snprintf(sub, sizeof(sub), "%s/dm", sys);
    if (access(sub, F_OK) == 0)
        add_module(d, "dm_mod", list, 0); /* linear and striped are in it */
    snprintf(sub, sizeof(sub), "%s/slaves", sys);
    if (!(slaves = opendir(sub)))
        return;
    while ((e = readdir(slaves)))
        if (e->d_name[0] != '.')
            block_drivers(d, e->d_name, list, depth + 1);
    closedir(slaves);
}

int modules_for_target(const char *device, const char *fstype, struct module_list *list,
                       struct lb_error *err)
{
    struct dep_file d = {0};
    char initstate[128];

    if (load_deps(&d) < 0) {
        lb_error_setk(err, LB_ERR_SYSTEM,
                      "no modules.dep for the running kernel: drivers not added");
        return -1;
    }
    char real[PATH_MAX];
    const char *node = realpath(device, real) ? real : device; /* /dev/mapper/x is dm-N */
    block_drivers(&d, strrchr(node, '/') ? strrchr(node, '/') + 1 : node, list, 0);
    /* A filesystem built as a module has /sys/module/NAME/initstate. */
    snprintf(initstate, sizeof(initstate), "/sys/module/%s/initstate", fstype);
    if (fstype[0] && access(initstate, F_OK) == 0)
        add_module(&d, fstype, list, 0);
    free(d.text);
    return 0;
}

int modules_for_netdev(const char *ifname, struct module_list *list, struct lb_error *err)
{
    struct dep_file d = {0};
    char sys[PATH_MAX];

    if (load_deps(&d) < 0) {
        lb_error_setk(err, LB_ERR_SYSTEM,
                      "no modules.dep for the running kernel: drivers not added");
        return -1;
    }
    snprintf(sys, sizeof(sys), "/sys/class/net/%.64s", ifname);
    driver_chain(&d, sys, list);
    free(d.text);
    return 0;
}

int modules_named(const char *const *names, struct module_list *list, struct lb_error *err)
{
    struct dep_file d = {0};
    int r = 0;

    if (load_deps(&d) < 0) {
        lb_error_setk(err, LB_ERR_SYSTEM,
                      "no modules.dep for the running kernel: drivers not added");
        return -1;
    }
    for (; *names; names++) {
        char builtin[128];
        snprintf(builtin, sizeof(builtin), "/sys/module/%s", *names);
        /* built in, or a module: either way the crash kernel (the same kernel) has it */
        if (add_module(&d, *names, list, 0) < 0 && access(builtin, F_OK) < 0 && r == 0) {
            lb_error_setk(err, LB_ERR_SYSTEM, "module %s: not in this kernel's modules.dep",
                          *names);
            r = -1;
        }
    }
    free(d.text);
    return r;
}

/*
 * The watchdog drivers loaded now.  A watchdog device often has no parent in
 * sysfs (i6300esb registers a virtual one), so its driver cannot be found by
 * the device tree: every loaded module of drivers/watchdog (and IPMI's) is
 * taken instead.  One that drives no running timer costs a few KiB.
 */
static void loaded_watchdog_drivers(const struct dep_file *d, struct module_list *list)
{
    for (const char *line = d->text; line && *line;) {
        const char *end = strchr(line, '\n'), *colon = strchr(line, ':');
        char file[256], name[64], live[128];

        if (colon && (!end || colon < end) && (size_t)(colon - line) < sizeof(file)) {
            memcpy(file, line, (size_t)(colon - line));
            file[colon - line] = '\0';
            module_name(file, name, sizeof(name));
            snprintf(live, sizeof(live), "/sys/module/%s/initstate", name);
            if ((strstr(file, "/drivers/watchdog/") || strcmp(name, "ipmi_watchdog") == 0) &&
                access(live, F_OK) == 0)
                add_module(d, name, list, 0);
        }
        line = end ? end + 1 : NULL;
    }
}

int modules_for_watchdogs(struct module_list *list, struct lb_error *err)
{
    struct dep_file d = {0};
    int found = 0;

    for (int n = 0; n < 4; n++) {
        char path[64], state[16] = "";
        FILE *f;

        snprintf(path, sizeof(path), "/sys/class/watchdog/watchdog%d/state", n);
        if (!(f = fopen(path, "re")))
            continue;
        if (!fgets(state, sizeof(state), f))
            state[0] = '\0';
        fclose(f);
        if (strncmp(state, "active", 6) != 0)
            continue;
        if (!d.text && load_deps(&d) < 0) {
            lb_error_setk(err, LB_ERR_SYSTEM,
                          "a watchdog is running but there is no modules.dep: its "
                          "driver is not added, and a long capture may be reset");
            return -1;
        }
        snprintf(path, sizeof(path), "/sys/class/watchdog/watchdog%d", n);
        driver_chain(&d, path, list);
        found++;
    }
    if (found)
        loaded_watchdog_drivers(&d, list);
    free(d.text);
    return found;
}

void modules_load(const char *dir, const char *list_file)
{
    FILE *f = fopen(list_file, "re");
    char line[256], path[600];

    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        int fd, compressed;
        line[strcspn(line, "\n")] = '\0';
        if (!line[0])
            continue;
        compressed = strstr(line, ".ko.") != NULL;
        fd = format_whole(path, sizeof(path), "%s/%s", dir, line) < 0
                 ? -1
                 : open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 ||
            (syscall(SYS_finit_module, fd, "", compressed ? MODULE_INIT_COMPRESSED_FILE : 0) < 0 &&
             errno != EEXIST))
            fprintf(stderr, "lifeboat: cannot load module %s: %s\n", line, strerror(errno));
        else
            fprintf(stderr, "lifeboat: loaded module %s\n", line);
        if (fd >= 0)
            close(fd);
    }
    fclose(f);
}

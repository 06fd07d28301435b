/*
 * initramfs.c - writes the capture initramfs, without cpio(1).
 *
 * The capture environment is one static binary and one text file.  Nothing
 * else is needed to run, so nothing else is carried: every byte here is
 * memory every machine of a fleet reserves for ever.  The binary must be
 * static, since the initramfs has no libc; a dynamic one is refused here,
 * where the user can still act, rather than failing after a crash.
 */
#include <ctype.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <limits.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "initramfs.h"
#include "capture/blkid.h"
#include "capture/rawdev.h"
#include "capture/stack.h"
#include "platform/cpio.h"

enum { MAX_BINARY = 64 << 20 };

static uint8_t *read_whole(const char *path, size_t *size, char *why, size_t whylen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    uint8_t *data = NULL;
    size_t got = 0;

    if (fd < 0 || fstat(fd, &st) < 0) {
        snprintf(why, whylen, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (st.st_size <= 0 || st.st_size > MAX_BINARY) {
        snprintf(why, whylen, "%s: size %lld is not that of a lifeboat binary", path,
                 (long long)st.st_size);
        goto out;
    }
    data = malloc((size_t)st.st_size);
    while (data && got < (size_t)st.st_size) {
        ssize_t n = read(fd, data + got, (size_t)st.st_size - got);
        if (n <= 0) {
            snprintf(why, whylen, "%s: read: %s", path, n < 0 ? strerror(errno) : "short file");
            free(data);
            data = NULL;
            break;
        }
        got += (size_t)n;
    }
    if (!data && !why[0])
        snprintf(why, whylen, "%s: out of memory", path);
    *size = got;
out:
    if (fd >= 0)
        close(fd);
    return data;
}

/* A binary with a PT_INTERP needs a dynamic loader the initramfs does not have. */
static int is_static_elf(const uint8_t *data, size_t size)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)data;

    if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
        eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff > size ||
        (size - eh->e_phoff) / sizeof(Elf64_Phdr) < eh->e_phnum)
        return 0;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, data + eh->e_phoff + i * sizeof(ph), sizeof(ph));
        if (ph.p_type == PT_INTERP)
            return 0;
    }
    return 1;
}

/* The modules, as /lib/modules/NAME, and their load order in /etc/lifeboat.modules. */
static int add_modules(struct cpio *c, const struct module_list *mods, char *why, size_t whylen)
{
    char order[MODULES_MAX * 64] = "";

    cpio_dir(c, "lib", 0755);
    cpio_dir(c, "lib/modules", 0755);
    for (size_t i = 0; i < mods->n; i++) {
        const char *base =
            strrchr(mods->path[i], '/') ? strrchr(mods->path[i], '/') + 1 : mods->path[i];
        char name[640];
        size_t size;
        uint8_t *data = read_whole(mods->path[i], &size, why, whylen);

        if (!data)
            return -1;
        snprintf(name, sizeof(name), "lib/modules/%s", base);
        cpio_file(c, name, 0644, data, size);
        free(data);
        if (strlen(order) + strlen(base) + 2 < sizeof(order)) {
            strcat(order, base);
            strcat(order, "\n");
        }
    }
    cpio_file(c, "etc/lifeboat.modules", 0644, order, strlen(order));
    return 0;
}

/*
 * What the crash kernel will read must say what was meant: the text is
 * parsed back and written again, and the two must be the same.
 */
static int check_embedded_config(const char *conf, char *why, size_t whylen)
{
    static struct config back;
    static char again[CONFIG_TEXT_MAX];
    char err[300];

    if (config_parse(conf, "the embedded configuration", &back, err, sizeof(err)) < 0) {
        snprintf(why, whylen, "%s: the capture could not read it", err);
        return -1;
    }
    if (config_format(&back, again, sizeof(again)) < 0 || strcmp(conf, again) != 0) {
        snprintf(why, whylen,
                 "the configuration does not survive being written into the initramfs "
                 "(a value with '#' or spaces?)");
        return -1;
    }
    return 0;
}

int initramfs_write(int fd, const char *binary, const struct capture_setup *setup,
                    enum zsink_codec codec, struct initramfs_stats *stats, char *why, size_t whylen)
{
    const struct config *cfg = &setup->cfg;
    const char *exe = binary ? binary : "/proc/self/exe";
    static char conf[CONFIG_TEXT_MAX];
    size_t size = 0;
    struct zsink *sink;
    struct cpio c;
    uint8_t *bin;
    int r;

    why[0] = '\0';
    if (config_format(cfg, conf, sizeof(conf)) < 0) {
        snprintf(why, whylen, "the configuration does not fit in %zu bytes", sizeof(conf));
        return -1;
    }
    if (check_embedded_config(conf, why, whylen) < 0)
        return -1;
    bin = read_whole(exe, &size, why, whylen);
    if (!bin)
        return -1;
    if (!is_static_elf(bin, size)) {
        snprintf(why, whylen,
                 "%s is not a statically linked ELF program; the capture needs "
                 "the static build of lifeboat (meson setup -Dstatic=true)",
                 exe);
        free(bin);
        return -1;
    }
    sink = zsink_open(fd, codec);
    if (!sink) {
        snprintf(why, whylen, "cannot set up the compressor: %s", strerror(errno));
        free(bin);
        return -1;
    }
    cpio_init(&c, sink);
    cpio_dir(&c, "dev", 0755);
    cpio_chardev(&c, "dev/console", 0600, 5, 1);
    cpio_dir(&c, "proc", 0555);
    cpio_dir(&c, "sys", 0555);
    cpio_dir(&c, "mnt", 0700);
    cpio_dir(&c, "etc", 0755);
    cpio_file(&c, &CAPTURE_CONF[1], 0600, conf, strlen(conf)); /* a path in the archive */
    cpio_file(&c, "init", 0755, bin, size);
    r = add_modules(&c, &setup->modules, why, whylen);
    if (cpio_finish(&c) < 0)
        r = -1;
    free(bin);
    if (stats)
        stats->uncompressed = zsink_bytes_in(sink);
    if (zsink_close(sink, stats ? &stats->compressed : NULL) < 0 || r < 0) {
        snprintf(why, whylen, "writing the initramfs failed: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* The mount that holds real (an absolute, resolved path): its source, root and mount point. */
static int mount_of(const char *real, dev_t dev, char *source, char *root, char *point,
                    char *fstype)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[4096];
    size_t best = 0;

    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f)) {
        unsigned maj, min;
        char r[1024], p[1024], t[64], s[1024], *dash = strstr(line, " - ");
        if (!dash || sscanf(line, "%*s %*s %u:%u %1023s %1023s", &maj, &min, r, p) != 4 ||
            sscanf(dash + 3, "%63s %1023s", t, s) != 2)
            continue;
        size_t n = strlen(p);
        if (major(dev) != maj || minor(dev) != min || strncmp(real, p, n) != 0 ||
            (real[n] != '/' && real[n] != '\0' && strcmp(p, "/") != 0) || n < best)
            continue;
        best = n;
        strcpy(source, s);
        strcpy(root, r);
        strcpy(point, p);
        strcpy(fstype, t);
    }
    fclose(f);
    return best ? 0 : -1;
}

/*
 * A directory of the running system, as the crash kernel can find it: UUID
 * and path, and the mapped devices (LVM) under it into cfg.
 */
static int resolve_path(struct target *t, struct config *cfg, char *why, size_t whylen)
{
    char real[PATH_MAX], source[1024], root[1024], point[1024], fstype[64], dir[PATH_MAX];
    struct fs_id id;
    struct stat st;

    if (!realpath(t->path, real) || stat(real, &st) < 0) {
        snprintf(why, whylen, "target directory %s: %s (create it first)", t->path,
                 strerror(errno));
        return -1;
    }
    if (mount_of(real, st.st_dev, source, root, point, fstype) < 0) {
        snprintf(why, whylen, "target directory %s: its mount is not in /proc/self/mountinfo",
                 t->path);
        return -1;
    }
    if (fs_probe(source, &id) < 0) {
        snprintf(why, whylen,
                 "target directory %s is on %s (%s), which the crash kernel cannot "
                 "mount: put it on an ext4, XFS or btrfs filesystem on a disk",
                 t->path, source, fstype);
        return -1;
    }
    /* the device mounted, before any look by UUID: a RAID leg may show the same one */
    if (stack_describe(source, cfg, why, whylen) < 0)
        return -1;
    /* Inside the filesystem: the mount's root, then the path below the mount point. */
    snprintf(dir, sizeof(dir), "%.1000s%.2000s", strcmp(root, "/") ? root : "",
             strcmp(point, "/") ? real + strlen(point) : real);
    if (strlen(dir) >= sizeof(t->path)) {
        snprintf(why, whylen, "target directory %s: the path is too long", t->path);
        return -1;
    }
    t->kind = TARGET_FS;
    snprintf(t->device, sizeof(t->device), "UUID=%s", id.uuid);
    if (strlen(real) < sizeof(t->shown) && !strpbrk(real, " \t#"))
        memcpy(t->shown, real, strlen(real) + 1);
    memcpy(t->path, dir[0] ? dir : "/", dir[0] ? strlen(dir) + 1 : 2);
    return 0;
}

/*
 * A device as the crash kernel will find it.  /dev names change between
 * kernels and /dev/disk/by-* links are made by udev, which the capture has
 * not: a file system is named by its UUID, a raw device by its stable
 * identity (rawdev.c), resolved here where the names still mean something.
 */
static int resolve_device(struct target *t, char *why, size_t whylen)
{
    char real[PATH_MAX], spec[sizeof(t->device)], holds[128];
    struct fs_id id;

    if (t->kind == TARGET_RAW && rawdev_is_identity(t->device)) {
        int r = rawdev_find(t->device, real, sizeof(real), why, whylen);
        if (r == -2)
            return -1;
        if (r < 0) {
            snprintf(why, whylen, "raw target %s is on no device of this machine", t->device);
            return -1;
        }
    } else if (t->device[0] == '/' && !realpath(t->device, real)) {
        if (strncmp(t->device, "/dev/disk/", 10) == 0) {
            snprintf(why, whylen,
                     "target %s: %s; /dev/disk/by-* links never exist in the crash kernel "
                     "(no udev): name the device by UUID=, LABEL= or PARTUUID=",
                     t->device, strerror(errno));
            return -1;
        }
        if (t->kind == TARGET_RAW) { /* a raw device is written only once it is identified */
            snprintf(why, whylen,
                     "raw target %s: %s: it must exist now, to be named by what does not change",
                     t->device, strerror(errno));
            return -1;
        }
        fprintf(stderr,
                "lifeboat: warning: target %s does not exist now: the capture will wait "
                "for it, then try the next\n",
                t->device);
        return 0;
    } else if (t->device[0] != '/') {
        return 0; /* UUID= or LABEL=: fs_find checks it is on exactly one device */
    }
    if (t->kind == TARGET_FS) {
        if (fs_probe(real, &id) < 0) {
            snprintf(why, whylen, "target %s holds no ext4, XFS or btrfs file system", t->device);
            return -1;
        }
        snprintf(t->device, sizeof(t->device), "UUID=%s", id.uuid);
        return 0;
    }
    if (rawdev_probe(real, holds, sizeof(holds)) == RAWDEV_FOREIGN) {
        snprintf(why, whylen,
                 "raw target %s holds %s: lifeboat writes a raw dump only where nothing else "
                 "is (wipefs -a %s, if it may go)",
                 t->device, holds, real);
        return -1;
    }
    if (!rawdev_is_identity(t->device)) {
        if (rawdev_identity(real, spec, sizeof(spec), why, whylen) < 0)
            return -1;
        snprintf(t->device, sizeof(t->device), "%s", spec);
        /* the identity must name this device and no other, here too */
        if (rawdev_find(spec, real, sizeof(real), why, whylen) < 0)
            return -1;
    }
    if (rawdev_probe(real, holds, sizeof(holds)) == RAWDEV_DUMP)
        fprintf(stderr,
                "lifeboat: warning: raw target %s holds %s: a crash cannot use it until "
                "'lifeboat savecore' has\n",
                t->device, holds);
    return 0;
}

static void find_modules(struct capture_setup *setup, const struct target *t)
{
    char device[300], why[256];
    struct fs_id id = {0};

    if (t->kind == TARGET_DIR ||
        (rawdev_is_identity(t->device)
             ? rawdev_find(t->device, device, sizeof(device), why, sizeof(why))
             : fs_find(t->device, device, sizeof(device))) < 0)
        return; /* not on this system now: the capture will say so */
    if (t->kind == TARGET_FS)
        fs_probe(device, &id);
    if (modules_for_target(device, id.type, &setup->modules, why, sizeof(why)) < 0)
        fprintf(stderr, "lifeboat: warning: %s\n", why);
}

int capture_setup_load(const char *path, struct capture_setup *setup, char *why, size_t whylen)
{
    struct config *cfg = &setup->cfg;
    struct utsname u;

    memset(&setup->modules, 0, sizeof(setup->modules));
    if (config_load(path, cfg, why, whylen) < 0)
        return -1;
    if (cfg->ntargets == 0) { /* no target configured: /var/crash, as every kdump does */
        cfg->targets[0].kind = TARGET_PATH;
        strcpy(cfg->targets[0].path, DEFAULT_TARGET);
        cfg->ntargets = 1;
        /* a stock system has no /var/crash: the default is made, never a configured one */
        if (mkdir(DEFAULT_TARGET, 0700) == 0)
            fprintf(stderr, "lifeboat: made %s (0700) for the dumps\n", DEFAULT_TARGET);
    }
    for (size_t i = 0; i < cfg->ntargets; i++) {
        struct target *t = &cfg->targets[i];
        char found[PATH_MAX];
        int described = t->kind == TARGET_PATH;
        /* the next boot's savecore reads a raw dump as a dump file: never the clear one instead */
        if (t->kind == TARGET_RAW && cfg->nrecipients) {
            snprintf(why, whylen,
                     "target raw %s: a raw target does not take an encrypted dump (encrypt-to "
                     "is set): use a file system target",
                     t->device);
            return -1;
        }
        if (t->kind == TARGET_PATH && resolve_path(t, cfg, why, whylen) < 0)
            return -1;
        if ((t->kind == TARGET_FS || t->kind == TARGET_RAW) && resolve_device(t, why, whylen) < 0)
            return -1;
        int where = t->kind == TARGET_FS ? fs_find(t->device, found, sizeof(found)) : -1;
        if (where == -2) {
            snprintf(why, whylen,
                     "%s is on more than one device (RAID1 members? a cloned "
                     "disk?): the crash kernel could not tell which to write",
                     t->device);
            return -1;
        }
        if (where == 0 && !described && stack_describe(found, cfg, why, whylen) < 0)
            return -1;
        find_modules(setup, t);
    }
    char wd_why[256];
    if (modules_for_watchdogs(&setup->modules, wd_why, sizeof(wd_why)) < 0)
        fprintf(stderr, "lifeboat: warning: %s\n", wd_why);
    if (!cfg->hostname[0] && uname(&u) == 0 && strcmp(u.nodename, "(none)") != 0) {
        /* a name for directories and the config: what is not [A-Za-z0-9._-] becomes '_' */
        snprintf(cfg->hostname, sizeof(cfg->hostname), "%s", u.nodename);
        for (char *c = cfg->hostname; *c; c++)
            if (!isalnum((unsigned char)*c) && !strchr("._-", *c))
                *c = '_';
    }
    return 0;
}

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

#include <sodium.h>

#include "admin/initramfs.h"
#include "platform/cpio.h"
#include "targets/target.h"

enum { MAX_BINARY = 64 << 20 };

static uint8_t *read_whole(const char *path, size_t *size, struct lb_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    uint8_t *data = NULL;
    size_t got = 0;

    if (fd < 0 || fstat(fd, &st) < 0) {
        lb_error_setk(err, LB_ERR_SYSTEM, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (st.st_size <= 0 || st.st_size > MAX_BINARY) {
        lb_error_setk(err, LB_ERR_REFUSED, "%s: size %lld is not that of a lifeboat binary", path,
                      (long long)st.st_size);
        goto out;
    }
    data = malloc((size_t)st.st_size);
    while (data && got < (size_t)st.st_size) {
        ssize_t n = read(fd, data + got, (size_t)st.st_size - got);
        if (n <= 0) {
            lb_error_setk(err, LB_ERR_SYSTEM, "%s: read: %s", path,
                          n < 0 ? strerror(errno) : "short file");
            free(data);
            data = NULL;
            break;
        }
        got += (size_t)n;
    }
    if (!data && !err->msg[0])
        lb_error_setk(err, LB_ERR_NO_MEMORY, "%s: out of memory", path);
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
static int add_modules(struct cpio *c, const struct module_list *mods, struct lb_error *err)
{
    char order[MODULES_MAX * 64] = "";

    cpio_dir(c, "lib", 0755);
    cpio_dir(c, "lib/modules", 0755);
    for (size_t i = 0; i < mods->n; i++) {
        const char *base =
            strrchr(mods->path[i], '/') ? strrchr(mods->path[i], '/') + 1 : mods->path[i];
        char name[640];
        size_t size;
        uint8_t *data = read_whole(mods->path[i], &size, err);

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
static int check_embedded_config(const char *conf, struct lb_error *err)
{
    static struct config back;
    static char again[CONFIG_TEXT_MAX];
    struct lb_error said;

    if (config_parse(conf, "the embedded configuration", &back, &said) < 0) {
        lb_error_setk(err, said.kind, "%s: the capture could not read it", said.msg);
        return -1;
    }
    if (config_format(&back, again, sizeof(again)) < 0 || strcmp(conf, again) != 0) {
        lb_error_setk(err, LB_ERR_REFUSED,
                      "the configuration does not survive being written into the initramfs "
                      "(a value with '#' or spaces?)");
        return -1;
    }
    return 0;
}

/*
 * The secrets a network target needs go into the initramfs (0600, like the
 * archive itself), since the capture cannot read the root file system: the
 * SSH key, the HTTPS token.  The embedded configuration says where the
 * capture finds them.  Never into a dump directory.
 */
struct secret {
    const char *archive_path; /* CAPTURE_...: where the capture reads it */
    char host_path[256];      /* where it is on this system */
    uint8_t *data;
    size_t size;
};
enum { NSECRETS = CONFIG_MAX_TARGETS }; /* one a target at most */

/* Whether sec already carries the file for archive_path. */
static int carried(const struct secret *sec, const char *archive_path)
{
    for (int i = 0; i < NSECRETS && sec[i].archive_path; i++)
        if (strcmp(sec[i].archive_path, archive_path) == 0)
            return 1;
    return 0;
}

/* Which secrets cfg's targets' kinds need; cfg then names them where the capture finds them. */
static void embed_secrets(struct config *cfg, struct secret *sec)
{
    int n = 0;

    memset(sec, 0, NSECRETS * sizeof(*sec));
    for (size_t i = 0; i < cfg->ntargets && n < NSECRETS; i++) {
        const struct target_kind *kind = cfg->targets[i].kind;
        struct target_secret s;
        if (!kind->secret || !kind->secret(cfg, &s) || carried(sec, s.archive_path))
            continue;
        sec[n].archive_path = s.archive_path;
        snprintf(sec[n].host_path, sizeof(sec[n].host_path), "%s", s.config_field);
        snprintf(s.config_field, s.field_len, "%s", s.archive_path);
        n++;
    }
    cfg->https_ca[0] = '\0'; /* the CA was for load: the crash kernel checks the pinned key */
}

static void free_secrets(struct secret *sec)
{
    for (int i = 0; i < NSECRETS; i++)
        if (sec[i].data) {
            sodium_memzero(sec[i].data, sec[i].size);
            free(sec[i].data);
            sec[i].data = NULL;
        }
}

int initramfs_write(int fd, const char *binary, const struct capture_setup *setup,
                    enum zsink_codec codec, struct initramfs_stats *stats, struct lb_error *err)
{
    static struct config embedded;
    const struct config *cfg = &embedded;
    struct secret secrets[NSECRETS];
    const char *exe = binary ? binary : "/proc/self/exe";
    static char conf[CONFIG_TEXT_MAX];
    size_t size = 0;
    struct zsink *sink;
    struct cpio c;
    uint8_t *bin;
    int r;

    err->msg[0] = '\0';
    embedded = setup->cfg;
    embed_secrets(&embedded, secrets);
    if (config_format(cfg, conf, sizeof(conf)) < 0) {
        lb_error_setk(err, LB_ERR_TOO_LONG, "the configuration does not fit in %zu bytes",
                      sizeof(conf));
        return -1;
    }
    if (check_embedded_config(conf, err) < 0)
        return -1;
    bin = read_whole(exe, &size, err);
    if (!bin)
        return -1;
    if (!is_static_elf(bin, size)) {
        lb_error_setk(err, LB_ERR_REFUSED,
                      "%s is not a statically linked ELF program; the capture needs "
                      "the static build of lifeboat (meson setup -Dstatic=true)",
                      exe);
        free(bin);
        return -1;
    }
    for (int i = 0; i < NSECRETS; i++)
        if (secrets[i].archive_path &&
            !(secrets[i].data = read_whole(secrets[i].host_path, &secrets[i].size, err))) {
            free_secrets(secrets);
            free(bin);
            return -1;
        }
    sink = zsink_open(fd, codec);
    if (!sink) {
        lb_error_setk(err, LB_ERR_SYSTEM, "cannot set up the compressor: %s", strerror(errno));
        free(bin);
        free_secrets(secrets);
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
    if (secrets[0].data) /* every secret lives in etc/lifeboat */
        cpio_dir(&c, "etc/lifeboat", 0700);
    for (int i = 0; i < NSECRETS; i++)
        if (secrets[i].data)
            cpio_file(&c, &secrets[i].archive_path[1], 0600, secrets[i].data, secrets[i].size);
    cpio_file(&c, "init", 0755, bin, size);
    r = add_modules(&c, &setup->modules, err);
    if (cpio_finish(&c) < 0)
        r = -1;
    free(bin);
    free_secrets(secrets);
    if (stats)
        stats->uncompressed = zsink_bytes_in(sink);
    if (zsink_close(sink, stats ? &stats->compressed : NULL) < 0 || r < 0) {
        lb_error_setk(err, LB_ERR_SYSTEM, "writing the initramfs failed: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int capture_setup_load(const char *path, struct capture_setup *setup, struct lb_error *err)
{
    struct config *cfg = &setup->cfg;
    struct lb_error wd_err;
    struct utsname u;

    memset(&setup->modules, 0, sizeof(setup->modules));
    if (config_load(path, cfg, err) < 0)
        return -1;
    if (cfg->ntargets == 0) { /* no target configured: /var/crash, as every kdump does */
        cfg->targets[0].kind = &target_kind_path;
        strcpy(cfg->targets[0].path, DEFAULT_TARGET);
        cfg->ntargets = 1;
        /* a stock system has no /var/crash: the default is made, never a configured one */
        if (mkdir(DEFAULT_TARGET, 0700) == 0)
            fprintf(stderr, "lifeboat: made %s (0700) for the dumps\n", DEFAULT_TARGET);
    }
    for (size_t i = 0; i < cfg->ntargets; i++) {
        struct target *t = &cfg->targets[i];
        if (t->kind->ops->prepare(t, cfg, &setup->modules, err) < 0)
            return -1;
    }
    if (modules_for_watchdogs(&setup->modules, &wd_err) < 0)
        fprintf(stderr, "lifeboat: warning: %s\n", wd_err.msg);
    /* 'redact names': the host's name is not copied into the crash kernel's memory (nor the
     * crashed kernel's: the initramfs passes through it), unless the config names one */
    if (!cfg->hostname[0] && !(cfg->redact & LB_REDACT_NAMES) && uname(&u) == 0 &&
        strcmp(u.nodename, "(none)") != 0) {
        /* a name for directories and the config: what is not [A-Za-z0-9._-] becomes '_' */
        snprintf(cfg->hostname, sizeof(cfg->hostname), "%s", u.nodename);
        for (char *c = cfg->hostname; *c; c++)
            if (!isalnum((unsigned char)*c) && !strchr("._-", *c))
                *c = '_';
    }
    return 0;
}

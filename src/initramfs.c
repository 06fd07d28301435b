/*
 * initramfs.c - writes the capture initramfs, without cpio(1).
 *
 * The capture environment is one static binary and one text file.  Nothing
 * else is needed to run, so nothing else is carried: every byte here is
 * memory every machine of a fleet reserves for ever.  The binary must be
 * static, since the initramfs has no libc; a dynamic one is refused here,
 * where the user can still act, rather than failing after a crash.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "initramfs.h"
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

int initramfs_write(int fd, const char *binary, const struct config *cfg, enum zsink_codec codec,
                    struct initramfs_stats *stats, char *why, size_t whylen)
{
    const char *exe = binary ? binary : "/proc/self/exe";
    char conf[4096];
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
    cpio_file(&c, "etc/lifeboat.conf", 0600, conf, strlen(conf));
    cpio_file(&c, "init", 0755, bin, size);
    r = cpio_finish(&c);
    free(bin);
    if (stats)
        stats->uncompressed = zsink_bytes_in(sink);
    if (zsink_close(sink, stats ? &stats->compressed : NULL) < 0 || r < 0) {
        snprintf(why, whylen, "writing the initramfs failed: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int capture_config_load(const char *path, struct config *cfg, char *why, size_t whylen)
{
    struct utsname u;

    if (config_load(path, cfg, why, whylen) < 0)
        return -1;
    if (cfg->ntargets == 0) {
        snprintf(why, whylen,
                 "%s: no dump target configured; add a line such as "
                 "'target fs /dev/sdb1 /crash'",
                 path);
        return -1;
    }
    if (!cfg->hostname[0] && uname(&u) == 0 && strcmp(u.nodename, "(none)") != 0)
        snprintf(cfg->hostname, sizeof(cfg->hostname), "%s", u.nodename);
    return 0;
}

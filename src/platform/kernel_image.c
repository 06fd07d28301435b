/*
 * kernel_image.c - see kernel_image.h.  Headers are read, never trusted
 * beyond their fields' ranges; a compressed image is unpacked to at most
 * MAX_IMAGE bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>

#include "platform/kernel_image.h"

enum { MAX_IMAGE = 512 << 20, ARM64_HEADER = 64 };

int kernel_image_find(const char *root, const char *release, char *path, size_t len,
                      struct lb_error *err)
{
    static const char *const places[] = {"/boot/vmlinuz-%s", "/usr/lib/modules/%s/vmlinuz",
                                         "/lib/modules/%s/vmlinuz"};
    char tried[3][PATH_MAX];
    struct stat st;

    if (!release[0] || strchr(release, '/') || strcmp(release, "..") == 0) {
        lb_error_setk(err, LB_ERR_REFUSED, "kernel release '%s' is not a file name", release);
        return -1;
    }
    for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
        char rel[PATH_MAX];
        snprintf(rel, sizeof(rel), places[i], release);
        int n = snprintf(tried[i], sizeof(tried[i]), "%s%s", root, rel);
        if (n < 0 || (size_t)n >= sizeof(tried[i]) || (size_t)n >= len) {
            lb_error_setk(err, LB_ERR_TOO_LONG, "the path of kernel %s under %s is too long",
                          release, root);
            return -1;
        }
        if (stat(tried[i], &st) == 0 && S_ISREG(st.st_mode)) {
            memcpy(path, tried[i], (size_t)n + 1);
            return 0;
        }
    }
    lb_error_setk(err, LB_ERR_SYSTEM, "no image of kernel %s: not %s, %s or %s", release, tried[0],
                  tried[1], tried[2]);
    return -1;
}

/*
 * uname(2)'s struct holds the host name too, and lifeboat's stack, once freed,
 * may wait on a per-CPU free list that struct pages do not mark free: -d 31
 * keeps it, and a dump redacted of names held the host name there.  So the
 * struct is wiped once the release is copied out.
 */
int host_release(char *release, size_t len)
{
    struct utsname u;
    int r = uname(&u);

    snprintf(release, len, "%s", r == 0 ? u.release : "unknown");
    explicit_bzero(&u, sizeof(u));
    return r < 0 ? -1 : 0;
}

int kernel_image_running(char *path, size_t len, struct lb_error *err)
{
    char release[sizeof(((struct utsname *)0)->release)];

    if (host_release(release, sizeof(release)) < 0) {
        lb_error_setk(err, LB_ERR_SYSTEM, "uname: %s", strerror(errno));
        return -1;
    }
    return kernel_image_find("", release, path, len, err);
}

static int is_gzip(int fd)
{
    uint8_t magic[2];

    return pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

/* The first len bytes of the image, unpacked if it is gzip. */
static ssize_t read_head(int fd, void *buf, size_t len)
{
    if (!is_gzip(fd))
        return pread(fd, buf, len, 0);
    int copy = dup(fd);
    gzFile gz = copy >= 0 ? gzdopen(copy, "rb") : NULL;
    if (!gz) {
        if (copy >= 0)
            close(copy);
        return -1;
    }
    int n = gzread(gz, buf, (unsigned)len);
    gzclose(gz);
    return n;
}

int kernel_image_memory(const char *path, uint64_t *size, const char **arch, struct lb_error *err)
{
    uint8_t hdr[0x270];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0) {
        lb_error_setk(err, LB_ERR_SYSTEM, "%s: %s", path, strerror(errno));
        return -1;
    }
    n = read_head(fd, hdr, sizeof(hdr));
    close(fd);
    if (n >= 0x264 && memcmp(hdr + 0x202, "HdrS", 4) == 0) {
        uint32_t init_size;
        memcpy(&init_size, hdr + 0x260, 4);
        *size = init_size;
        *arch = "x86_64";
        return 0;
    }
    if (n >= ARM64_HEADER && memcmp(hdr + 56, "ARM\x64", 4) == 0) {
        uint64_t image_size;
        memcpy(&image_size, hdr + 16, 8); /* the image in memory, its bss included */
        if (image_size == 0 || image_size > MAX_IMAGE) {
            lb_error_setk(err, LB_ERR_CORRUPT, "%s: arm64 Image header says image_size %llu", path,
                          (unsigned long long)image_size);
            return -1;
        }
        *size = image_size;
        *arch = "arm64";
        return 0;
    }
    lb_error_setk(
        err, LB_ERR_CORRUPT,
        "%s is neither an x86 bzImage (HdrS at 0x202) nor an arm64 Image (ARM\\x64 at 56)", path);
    return -1;
}

/* A gzip-compressed Image, unpacked into an anonymous file. */
static int unpack(int fd, const char *path, off_t *size, struct lb_error *err)
{
    static uint8_t buf[1 << 16];
    int out = memfd_create("lifeboat-kernel", MFD_CLOEXEC);
    int copy = dup(fd);
    gzFile gz = copy >= 0 ? gzdopen(copy, "rb") : NULL;
    off_t total = 0;
    int n = 0;

    if (out < 0 || !gz) {
        lb_error_setk(err, LB_ERR_SYSTEM, "%s: cannot unpack: %s", path, strerror(errno));
        goto fail;
    }
    while ((n = gzread(gz, buf, sizeof(buf))) > 0) {
        if (total + n > MAX_IMAGE || write(out, buf, (size_t)n) != n) {
            lb_error_setk(err, LB_ERR_SYSTEM, "%s: unpacked, larger than %d MiB or unwritable",
                          path, MAX_IMAGE >> 20);
            goto fail;
        }
        total += n;
    }
    if (n < 0) {
        int e;
        lb_error_setk(err, LB_ERR_CORRUPT, "%s: damaged gzip data: %s", path, gzerror(gz, &e));
        goto fail;
    }
    gzclose(gz);
    *size = total;
    return out;
fail:
    if (gz)
        gzclose(gz);
    else if (copy >= 0)
        close(copy);
    if (out >= 0)
        close(out);
    return -1;
}

int kernel_image_open(const char *path, off_t *size, struct lb_error *err)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC), out;

    if (fd < 0 || fstat(fd, &st) < 0) {
        lb_error_setk(err, LB_ERR_SYSTEM, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (!is_gzip(fd)) {
        *size = st.st_size;
        return fd;
    }
    out = unpack(fd, path, size, err);
    close(fd);
    return out;
}

/*
 * blkid.c - reads filesystem UUIDs and labels from superblocks.
 *
 * Device names are not stable between boots, or between the running kernel
 * and the crash kernel, but a filesystem's UUID is.  libblkid would bring its
 * own dependencies into the static capture binary for three small reads, so
 * the superblocks of the filesystems a dump target can be (ext2/3/4, XFS,
 * btrfs) are read here.  Offsets are the filesystems' on-disk formats.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "platform/blkid.h"

static void uuid_string(const unsigned char *u, char *out)
{
    sprintf(out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
            u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
            u[15]);
}

static void label_string(const unsigned char *l, size_t len, char *out, size_t cap)
{
    size_t n = strnlen((const char *)l, len);

    if (n >= cap)
        n = cap - 1;
    memcpy(out, l, n);
    out[n] = '\0';
}

int fs_probe(const char *device, struct fs_id *id)
{
    unsigned char sb[4096];
    int fd = open(device, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    memset(id, 0, sizeof(*id));
    if (fd < 0)
        return -1;
    /* ext2/3/4: superblock at 1024, magic 0xef53 at +0x38, uuid +0x68, label +0x78 */
    n = pread(fd, sb, sizeof(sb), 0);
    if (n >= 2048 && sb[1024 + 0x38] == 0x53 && sb[1024 + 0x39] == 0xef) {
        strcpy(id->type, "ext4");
        uuid_string(sb + 1024 + 0x68, id->uuid);
        label_string(sb + 1024 + 0x78, 16, id->label, sizeof(id->label));
    } else if (n >= 512 && memcmp(sb, "XFSB", 4) == 0) { /* XFS: uuid at 32, label at 108 */
        strcpy(id->type, "xfs");
        uuid_string(sb + 32, id->uuid);
        label_string(sb + 108, 12, id->label, sizeof(id->label));
    } else if (pread(fd, sb, sizeof(sb), 65536) == (ssize_t)sizeof(sb) &&
               memcmp(sb + 0x40, "_BHRfS_M", 8) == 0) { /* btrfs: fsid +0x20, label +0x12b */
        strcpy(id->type, "btrfs");
        uuid_string(sb + 0x20, id->uuid);
        label_string(sb + 0x12b, 256, id->label, sizeof(id->label));
    }
    close(fd);
    return id->type[0] ? 0 : -1;
}

static int matches(const char *spec, const struct fs_id *id)
{
    if (strncmp(spec, "UUID=", 5) == 0)
        return strcasecmp(spec + 5, id->uuid) == 0;
    if (strncmp(spec, "LABEL=", 6) == 0)
        return id->label[0] && strcmp(spec + 6, id->label) == 0;
    return 0;
}

int fs_find(const char *spec, char *device, size_t len)
{
    DIR *d;
    struct dirent *e;
    struct fs_id id;
    int found = 0;

    if (spec[0] == '/') {
        snprintf(device, len, "%s", spec);
        return access(spec, F_OK);
    }
    d = opendir("/sys/class/block");
    if (!d)
        return -1;
    /* Every device is looked at: a UUID on two (RAID1 members, a cloned disk) is ambiguous. */
    while ((e = readdir(d))) {
        char path[300];
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "/dev/%s", e->d_name);
        if (fs_probe(path, &id) == 0 && matches(spec, &id) && found++ == 0)
            snprintf(device, len, "%s", path);
    }
    closedir(d);
    return found == 1 ? 0 : found > 1 ? -2 : -1;
}

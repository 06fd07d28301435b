/*
 * rawdev.c - raw dump devices: identity, what they hold, consumption.
 *
 * A raw target is a partition or disk the crash kernel writes the dump onto
 * with no file system.  Three things keep that from destroying data:
 *
 *   1. The device is named by a stable identity (the partition's GPT or MBR
 *      PARTUUID, the disk's WWID or serial), never /dev/sdX, which another
 *      kernel may give to another disk.  Identities come from the partition
 *      table and sysfs, read the same way at load time and in the crash
 *      kernel; /dev/disk/by-* links are resolved at load, since no udev
 *      makes them in the crash kernel.  Two devices with one identity are an
 *      error, never a first match.
 *   2. Before writing, the device is probed: a file system, a partition
 *      table, swap, LUKS, an LVM physical volume, an MD member (its
 *      superblock at the start or at the end), bcache, ZFS, VDO or Ceph
 *      is someone else's, and a dump not yet saved is the last crash's:
 *      neither is written over.  Someone else's is looked for first: a
 *      device once ours (LBSAVED over an old dump's first bytes) may have
 *      been given to an array or a file system since, which leaves those
 *      bytes alone.  At load time, on the running system, libblkid's full
 *      probe is asked too (rawdev_probe_full, blkid_helper.c): whatever
 *      util-linux recognises is refused; the crash kernel has this list.
 *   3. At the next boot 'lifeboat savecore' copies the dump into a dump
 *      directory and then marks the device consumed (its first bytes become
 *      CONSUMED_MAGIC), which makes it writable again, as FreeBSD's savecore
 *      clears a dump's header.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "platform/blkid.h"
#include "platform/blkid_helper.h"
#include "platform/lvm_pv.h"
#include "platform/rawdev.h"

#define CONSUMED_MAGIC "LBSAVED" /* 8 bytes with its NUL, over a dump's signature */

/* The head: every superblock looked for but ZFS's uberblocks (128-256 KiB); the tail: MD 0.90
 * and 1.0, ZFS's last label. */
enum { PROBE_BYTES = 256 << 10, TAIL_BYTES = 256 << 10, MAX_GPT_ENTRIES = 1024 };

static int read_sysfs(const char *path, char *out, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, out, len - 1) : -1;

    if (fd >= 0)
        close(fd);
    if (n <= 0)
        return -1;
    out[n] = '\0';
    /* trim, and make inner blanks '_' so that the identity is one config word */
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' ' || out[n - 1] == '\0'))
        out[--n] = '\0';
    size_t start = strspn(out, " ");
    memmove(out, out + start, strlen(out + start) + 1);
    for (char *c = out; *c; c++)
        if (*c == ' ' || *c == '\t' || *c == '#' || (unsigned char)*c < 0x20)
            *c = '_';
    return out[0] ? 0 : -1;
}

static void guid_string(const unsigned char *g, char *out)
{
    /* the first three fields are little-endian on disk */
    sprintf(out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", g[3], g[2],
            g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13], g[14],
            g[15]);
}

static uint64_t le(const unsigned char *p, int bytes)
{
    uint64_t v = 0;

    for (int i = bytes - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* The PARTUUID of partition number part of disk, from its GPT or its MBR. */
static int partuuid(const char *disk, unsigned part, char *out, size_t len)
{
    char path[PATH_MAX], text[32];
    unsigned char sector[4096], entry[128];
    uint64_t block = 512;
    int fd, r = -1;

    snprintf(path, sizeof(path), "/sys/class/block/%s/queue/logical_block_size", disk);
    if (read_sysfs(path, text, sizeof(text)) == 0)
        block = strtoull(text, NULL, 10);
    if (block < 512 || block > sizeof(sector))
        return -1;
    snprintf(path, sizeof(path), "/dev/%s", disk);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (pread(fd, sector, block, (off_t)block) == (ssize_t)block &&
        memcmp(sector, "EFI PART", 8) == 0) {
        uint64_t entries = le(sector + 72, 8), count = le(sector + 80, 4);
        uint64_t esize = le(sector + 84, 4);
        if (part >= 1 && part <= count && count <= MAX_GPT_ENTRIES && esize >= 32 &&
            esize <= sizeof(entry) &&
            pread(fd, entry, esize, (off_t)(entries * block + (part - 1) * esize)) ==
                (ssize_t)esize) {
            char guid[40];
            guid_string(entry + 16, guid);
            snprintf(out, len, "PARTUUID=%s", guid);
            r = 0;
        }
    } else if (pread(fd, sector, 512, 0) == 512 && sector[510] == 0x55 && sector[511] == 0xaa &&
               le(sector + 440, 4) != 0) {
        snprintf(out, len, "PARTUUID=%08llx-%02x", (unsigned long long)le(sector + 440, 4), part);
        r = 0;
    }
    close(fd);
    return r;
}

/* An LVM physical volume's own identity: the UUID in its label (lvm_pv.c). */
static int pv_identity(const char *name, char *spec, size_t len)
{
    char path[PATH_MAX];
    struct lvm_label l;
    struct lb_error err;
    int fd, r;

    snprintf(path, sizeof(path), "/dev/%s", name);
    if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
        return -1;
    r = lvm_label_read(fd, &l, &err);
    close(fd);
    if (r != 0)
        return -1;
    snprintf(spec, len, "PVUUID=%s", l.uuid);
    return 0;
}

/* A partition's PARTUUID, a disk's WWID or serial: name is in /sys/class/block. */
static int disk_identity(const char *name, char *spec, size_t len)
{
    static const char *const disk_ids[][2] = {{"wwid", "WWID"},
                                              {"device/wwid", "WWID"},
                                              {"serial", "SERIAL"},
                                              {"device/serial", "SERIAL"}};
    char path[PATH_MAX], real[PATH_MAX], text[256];

    snprintf(path, sizeof(path), "/sys/class/block/%s/partition", name);
    if (read_sysfs(path, text, sizeof(text)) == 0) {
        /* a partition: its disk is the directory above it in sysfs */
        snprintf(path, sizeof(path), "/sys/class/block/%s/..", name);
        if (!realpath(path, real))
            return -1;
        return partuuid(strrchr(real, '/') + 1, (unsigned)strtoul(text, NULL, 10), spec, len);
    }
    for (size_t i = 0; i < sizeof(disk_ids) / sizeof(disk_ids[0]); i++) {
        snprintf(path, sizeof(path), "/sys/class/block/%s/%s", name, disk_ids[i][0]);
        if (read_sysfs(path, text, sizeof(text)) == 0) {
            snprintf(spec, len, "%s=%s", disk_ids[i][1], text);
            return 0;
        }
    }
    return -1;
}

int rawdev_is_identity(const char *spec)
{
    return strncmp(spec, "PARTUUID=", 9) == 0 || strncmp(spec, "WWID=", 5) == 0 ||
           strncmp(spec, "SERIAL=", 7) == 0 || strncmp(spec, "PVUUID=", 7) == 0;
}

int rawdev_identity(const char *device, char *spec, size_t len, struct lb_error *err)
{
    char real[PATH_MAX];

    if (!realpath(device, real)) {
        lb_error_setk(err, LB_ERR_SYSTEM, "raw target %s: %s", device, strerror(errno));
        return -1;
    }
    /* an LVM PV by its PV UUID (what LVM finds it by, and what a disk with no serial has) */
    if (strncmp(real, "/dev/", 5) != 0 ||
        (pv_identity(real + 5, spec, len) < 0 && disk_identity(real + 5, spec, len) < 0)) {
        lb_error_setk(err, LB_ERR_REFUSED,
                      "%s (%s) has no stable identity (no LVM PV UUID, PARTUUID, WWID or serial): "
                      "the crash kernel could not be sure to write to it and to nothing else",
                      device, real);
        return -1;
    }
    return 0;
}

/*
 * Devices a search for a PV label reads no block of: an optical drive (opening
 * one may close its tray), a floppy, a mapped device (a suspended one, or a
 * multipath one with no path left, holds a read for ever; no PV under a target
 * is on one: stack.c refuses such layers).
 */
static int not_searched_for_labels(const char *name)
{
    return strncmp(name, "sr", 2) == 0 || strncmp(name, "fd", 2) == 0 ||
           strncmp(name, "dm-", 3) == 0;
}

int rawdev_find(const char *spec, char *device, size_t len, struct lb_error *err)
{
    DIR *d = opendir("/sys/class/block");
    struct dirent *e;
    char id[300], first[300] = "";
    int found = 0, pv = strncmp(spec, "PVUUID=", 7) == 0;

    if (!d) {
        lb_error_setk(err, LB_ERR_SYSTEM, "/sys/class/block: %s", strerror(errno));
        return -1;
    }
    while ((e = readdir(d))) {
        /* a device's first blocks are read only in a search for a PV (LVM's UUIDs have case) */
        if (e->d_name[0] == '.' || (pv && not_searched_for_labels(e->d_name)) ||
            (pv ? pv_identity(e->d_name, id, sizeof(id))
                : disk_identity(e->d_name, id, sizeof(id))) < 0 ||
            (pv ? strcmp(id, spec) : strcasecmp(id, spec)) != 0)
            continue;
        if (found++ == 0) {
            snprintf(first, sizeof(first), "/dev/%s", e->d_name);
        } else {
            lb_error_setk(err, LB_ERR_REFUSED,
                          "%s is both %s and /dev/%s: an ambiguous raw target is not written", spec,
                          first, e->d_name);
            closedir(d);
            return -1;
        }
    }
    closedir(d);
    if (!found) {
        lb_error_setk(err, LB_ERR_NO_DATA, "%s is on no device of this machine", spec);
        return -1;
    }
    snprintf(device, len, "%s", first);
    return 0;
}

static int is_dump(const unsigned char *b)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)b;

    return memcmp(b, "KDUMP   ", 8) == 0 ||
           (memcmp(b, ELFMAG, SELFMAG) == 0 && b[EI_CLASS] == ELFCLASS64 && eh->e_type == ET_CORE);
}

/* A ZFS label's uberblock array (its second 128 KiB) holds uberblocks with their magic. */
static int zfs_uberblocks(const unsigned char *label_ub, size_t n)
{
    for (size_t at = 0; at + 8 <= n; at += 1024) {
        uint64_t v = le(label_ub + at, 8);
        if (v == 0x00bab10cull || v == 0x0cb1ba0000000000ull) /* either byte order */
            return 1;
    }
    return 0;
}

/*
 * Someone else's signature in the first n bytes b or the last bytes tail of
 * a device of size bytes; its name, or NULL.  Offsets are the formats' own.
 */
static const char *foreign(const unsigned char *b, size_t n, const unsigned char *tail,
                           uint64_t size, const char *device)
{
    static const unsigned char bcache_magic[16] = {0xc6, 0x85, 0x73, 0xf6, 0x4e, 0x1a, 0x45, 0xca,
                                                   0x82, 0x65, 0xf5, 0x7f, 0x48, 0xba, 0x6d, 0x81};
    static char fs[64];
    struct fs_id id;

    if (n >= 4096 + 8 &&
        (memcmp(b + 512, "EFI PART", 8) == 0 || memcmp(b + 4096, "EFI PART", 8) == 0))
        return "a GPT partition table";
    if (memcmp(b, "LUKS\xba\xbe", 6) == 0)
        return "a LUKS encrypted volume";
    if (memcmp(b + 512, "LABELONE", 8) == 0 || memcmp(b + 24, "LVM2 001", 8) == 0)
        return "an LVM physical volume";
    /* MD: 1.1 at the start, 1.2 at 4 KiB, 0.90 in the last 64 KiB-aligned 64 KiB, 1.0 at 8 KiB
     * from the end, 4 KiB-aligned */
    if (n >= 4096 + 4 && (le(b + 4096, 4) == 0xa92b4efc || le(b, 4) == 0xa92b4efc))
        return "an MD RAID member";
    if (size >= 128 << 10 && tail) {
        uint64_t tail_at = size - TAIL_BYTES, v090 = (size & ~(uint64_t)0xffff) - 0x10000,
                 v10 = (size - 8192) & ~(uint64_t)4095;
        if ((v090 >= tail_at && le(tail + (v090 - tail_at), 4) == 0xa92b4efc) ||
            (v10 >= tail_at && le(tail + (v10 - tail_at), 4) == 0xa92b4efc))
            return "an MD RAID member (its superblock at the end)";
    }
    if (memcmp(b + 4086, "SWAPSPACE2", 10) == 0 || memcmp(b + 4086, "SWAP-SPACE", 10) == 0)
        return "swap space";
    if (n >= 4096 + 40 && memcmp(b + 4096 + 24, bcache_magic, sizeof(bcache_magic)) == 0)
        return "a bcache device";
    if (memcmp(b, "dmvdo001", 8) == 0)
        return "a VDO volume";
    if (memcmp(b, "bluestore block device", 22) == 0)
        return "a Ceph BlueStore device";
    /* ZFS writes its first label over the start: with a dump's header or LBSAVED still there,
     * no pool was made over it, and uberblocks further on are a dump's data (a crashed ZFS
     * machine's memory holds them). */
    if (!is_dump(b) && memcmp(b, CONSUMED_MAGIC, sizeof(CONSUMED_MAGIC)) != 0 &&
        ((n >= 256 << 10 && zfs_uberblocks(b + (128 << 10), 128 << 10)) ||
         (tail && size >= TAIL_BYTES && zfs_uberblocks(tail + (128 << 10), 128 << 10))))
        return "a ZFS pool member";
    if (le(b + 1024, 4) == 0xf2f52010)
        return "an f2fs file system";
    if (fs_probe(device, &id) == 0) {
        snprintf(fs, sizeof(fs), "an %s file system", id.type);
        return fs;
    }
    if (b[510] == 0x55 && b[511] == 0xaa) /* an MBR, or a boot sector of some file system */
        return "a partition table or boot sector";
    return NULL;
}

static uint64_t device_size(int fd)
{
    struct stat st;
    uint64_t size = 0;

    if (fstat(fd, &st) < 0)
        return 0;
    if (S_ISBLK(st.st_mode))
        return ioctl(fd, BLKGETSIZE64, &size) == 0 ? size : 0;
    return (uint64_t)st.st_size;
}

enum rawdev_state rawdev_probe(const char *device, char *what, size_t len)
{
    unsigned char *b = calloc(1, PROBE_BYTES), *tail = calloc(1, TAIL_BYTES);
    int fd = open(device, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 && b ? pread(fd, b, PROBE_BYTES, 0) : -1;
    uint64_t size = fd >= 0 ? device_size(fd) : 0;
    enum rawdev_state state = RAWDEV_FREE;
    const char *other;

    if (tail && size >= TAIL_BYTES &&
        pread(fd, tail, TAIL_BYTES, (off_t)(size - TAIL_BYTES)) != (ssize_t)TAIL_BYTES) {
        free(tail);
        tail = NULL;
        n = -1; /* its end unread, an MD member cannot be ruled out */
    }
    if (fd >= 0)
        close(fd);
    /* Someone else's first (2.): LBSAVED or a dump's header may sit under a newer owner's. */
    if (n < 4096 + 16 || !tail) {
        snprintf(what, len, "%s cannot be read", device);
        state = RAWDEV_FOREIGN; /* what cannot be read cannot be shown to be free */
    } else if ((other = foreign(b, (size_t)n, size >= TAIL_BYTES ? tail : NULL, size, device))) {
        snprintf(what, len, "%s", other);
        state = RAWDEV_FOREIGN;
    } else if (memcmp(b, CONSUMED_MAGIC, sizeof(CONSUMED_MAGIC)) == 0) {
        snprintf(what, len, "a dump already saved");
    } else if (is_dump(b)) {
        snprintf(what, len, "a dump not yet saved by 'lifeboat savecore'");
        state = RAWDEV_DUMP;
    } else {
        snprintf(what, len, "no file system, partition table or dump");
    }
    free(b);
    free(tail);
    return state;
}

enum rawdev_state rawdev_probe_full(const char *device, char *what, size_t len)
{
    char found[128];
    struct lb_error err;
    int r = blkid_helper_probe(device, found, sizeof(found), &err);

    if (r > 0) {
        snprintf(what, len, "%s (libblkid)", found);
        return RAWDEV_FOREIGN;
    }
    if (r < 0)
        fprintf(stderr, "lifeboat: warning: %s: %s: checked with lifeboat's own list only\n",
                device, err.msg);
    return rawdev_probe(device, what, len);
}

int rawdev_consume(const char *device, struct lb_error *err)
{
    unsigned char head[64];
    int fd = open(device, O_RDWR | O_EXCL | O_CLOEXEC);

    /* The path was found long before (a copy takes minutes): it must name a dump still, not
     * a disk that took the name of one pulled meanwhile. */
    if (fd >= 0 && (pread(fd, head, sizeof(head), 0) != (ssize_t)sizeof(head) || !is_dump(head))) {
        lb_error_setk(err, LB_ERR_SYSTEM, "%s no longer holds the dump that was copied: not marked",
                      device);
        close(fd);
        return -1;
    }
    if (fd < 0 ||
        pwrite(fd, CONSUMED_MAGIC, sizeof(CONSUMED_MAGIC), 0) != (ssize_t)sizeof(CONSUMED_MAGIC) ||
        fsync(fd) < 0) {
        lb_error_setk(err, LB_ERR_SYSTEM, "cannot mark %s saved: %s", device, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return 0;
}
